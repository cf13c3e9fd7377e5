#!/usr/bin/env python3
"""Black-box checks of cloakroomd, run the way a new user would: start the binary, call its HTTP
API, look at what it stored. Standard library only.

Usage: scripts/e2e.py PATH/TO/cloakroomd
"""
import base64
import concurrent.futures
import re
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

from e2e_support import BINARY, Daemon, RedisInstance, daemon_on_own_postgres, check, checks, create, failures, free_port, redis_command


def deadlines(folder, store_env, label):
    env = dict(store_env)
    env.update({"CLOAKROOM_IDLE_TIMEOUT": "2s", "CLOAKROOM_ABSOLUTE_TIMEOUT": "5s", "CLOAKROOM_TOUCH_INTERVAL": "1s"})
    daemon = Daemon(folder, env)
    try:
        idle, _ = create(daemon, user_id="timer")
        busy, _ = create(daemon, user_id="timer")
        start = time.time()
        time.sleep(1.2)
        daemon.call("POST", "/v1/sessions/resume", {"id": busy})
        time.sleep(0.9)  # 2.1 s after creation: the idle one is past its 2 s idle timeout
        check(daemon.call("POST", "/v1/sessions/resume", {"id": idle})[0] == 404, f"{label}: idle session dead after 2s")
        # Keep the busy one in use every 0.6 s: it must live until 5 s, then die.
        alive_until = None
        while time.time() - start < 6.5:
            status, _ = daemon.call("POST", "/v1/sessions/resume", {"id": busy})
            if status == 200:
                alive_until = time.time() - start
            else:
                break
            time.sleep(0.3)
        check(alive_until is not None and 4.0 <= alive_until < 5.05,
              f"{label}: busy session lived until {alive_until:.2f}s, expected just under 5s")
        check(daemon.call("POST", "/v1/sessions/resume", {"id": busy})[0] == 404, f"{label}: busy session dead after 5s")
        status, reply = daemon.call("GET", "/v1/users/timer/sessions")
        check(reply["sessions"] == [], f"{label}: expired sessions never listed")
    finally:
        daemon.stop()


def stored_bytes(folder, store_env):
    """Every byte the store holds: the files under the folder, or a pg_dump of the schema."""
    url = store_env.get("CLOAKROOM_STORE", "")
    if url.startswith("redis"):
        return redis_bytes(url)
    if url.startswith("postgres"):
        base, _, query = url.partition("?")
        schema = dict(p.split("=", 1) for p in query.split("&") if "=" in p).get("schema", "public")
        pg_dump = shutil.which("pg_dump") or "/usr/lib/postgresql/15/bin/pg_dump"
        result = subprocess.run([pg_dump, "--dbname", base, "--schema", schema, "--data-only"],
                                capture_output=True, timeout=60)
        check(result.returncode == 0, f"pg_dump works: {result.stderr.decode()[:200]}")
        return result.stdout
    stored = b""
    for root, _, files in os.walk(folder):
        for name in files:
            if not name.endswith(".log") and name != "api-keys.json":
                stored += open(os.path.join(root, name), "rb").read()
    return stored


def redis_bytes(url):
    """Every key and value under the store's prefix, on every node named in the URL."""
    base, _, query = url.partition("?")
    prefix = dict(p.split("=", 1) for p in query.split("&") if "=" in p).get("prefix", "cloakroom:")
    stored = b""
    for address in base.split("://", 1)[1].split(","):
        port = int(address.rsplit(":", 1)[1])
        listing = redis_command(port, "KEYS", prefix + "*")
        keys = re.findall(rb"\$\d+\r\n([^\r]*)\r\n", listing)
        for key in keys:
            stored += key + redis_command(port, "HGETALL", key) + redis_command(port, "ZRANGE", key, 0, -1)
            ttl = int(redis_command(port, "PTTL", key)[1:].split(b"\r\n")[0])
            check(ttl > 0, f"{url.split('?')[0]}: key {key[:40]!r} has an expiry (PTTL {ttl})")
    return stored


def restart_and_encryption(folder, store_env, label, durable):
    key_a = base64.b64encode(os.urandom(32)).decode()
    key_b = base64.b64encode(os.urandom(32)).decode()
    env = dict(store_env)
    env["CLOAKROOM_ENCRYPTION_KEYS"] = f"a:{key_a}"
    daemon = Daemon(folder, env)
    session_id, _ = create(daemon, user_id="persist", data={"secret": "PLAINTEXT-MARKER-42"})
    key = daemon.key
    code = daemon.stop()
    check(code == 0, f"{label}: SIGTERM exits 0, got {code}")
    if not durable:
        return
    stored = stored_bytes(folder, env)
    check(len(stored) > 0, f"{label}: the store holds bytes to inspect")
    check(b"PLAINTEXT-MARKER-42" not in stored, f"{label}: no plaintext session data at rest")
    check(session_id.encode() not in stored, f"{label}: no raw session ID at rest")
    raw = base64.urlsafe_b64decode(session_id + "=")
    check(raw not in stored, f"{label}: no raw session ID bytes at rest")

    env["CLOAKROOM_ENCRYPTION_KEYS"] = f"b:{key_b},a:{key_a}"
    daemon = Daemon(folder, env, key=key)
    try:
        status, reply = daemon.call("POST", "/v1/sessions/resume", {"id": session_id})
        check(status == 200 and reply["session"]["data"]["secret"] == "PLAINTEXT-MARKER-42",
              f"{label}: session survives restart and a new current key")
        status, _ = daemon.call("POST", "/v1/sessions/update", {"id": session_id, "set": {"more": 1}})
        check(status == 200, f"{label}: update re-seals with the new key")
    finally:
        daemon.stop()
    env["CLOAKROOM_ENCRYPTION_KEYS"] = f"b:{key_b}"
    daemon = Daemon(folder, env, key=key)
    try:
        status, reply = daemon.call("POST", "/v1/sessions/resume", {"id": session_id})
        check(status == 200 and reply["session"]["data"]["more"] == 1, f"{label}: re-sealed session opens with only the new key")
    finally:
        daemon.stop()


def invalid_configuration(folder):
    cases = {
        "CLOAKROOM_IDLE_TIMEOUT": "2 seconds",
        "CLOAKROOM_STORE": "localhost",
        "CLOAKROOM_LISTEN": "nowhere",
        "CLOAKROOM_MAX_SESSIONS_PER_USER": "-1",
        "CLOAKROOM_ENCRYPTION_KEYS": "k:short",
    }
    for name, value in cases.items():
        env = dict(os.environ)
        env[name] = value
        result = subprocess.run([BINARY], cwd=folder, env=env, capture_output=True, timeout=60)
        check(result.returncode != 0 and name in result.stderr.decode(),
              f"invalid {name} stops start-up naming it: {result.returncode} {result.stderr.decode()[:200]}")


def outage_under_load(label, daemon, store_name, kill, restart, heal_limit):
    """Kill the store under 4 loading clients: 503s with the error shape within the 2 s timeout,
    never a 500 or a crash, health names the store, and service heals by itself after `restart`
    (within `heal_limit` seconds), with the session from before the outage intact."""
    survivor, _ = create(daemon, user_id="survivor", data={"kept": True})
    statuses = []
    stop = [False]

    def load():
        while not stop[0]:
            status, reply = daemon.call("POST", "/v1/sessions", {"user_id": "load"})
            statuses.append((status, reply))
            if status == 201:
                statuses.append(daemon.call("POST", "/v1/sessions/resume", {"id": reply["id"]}))

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        workers = [pool.submit(load) for _ in range(4)]
        time.sleep(1)
        kill()
        time.sleep(0.5)
        started = time.time()
        status, reply = daemon.call("POST", "/v1/sessions/resume", {"id": survivor})
        elapsed = time.time() - started
        check(status == 503 and reply["error"]["code"] == "store_unavailable",
              f"{label}: resume while down answered {status} {reply}")
        check(elapsed < 3.5, f"{label}: the 503 came after {elapsed:.1f}s, over the 2s timeout")
        status, reply = daemon.call("GET", "/health")
        check(status == 503 and reply["stores"][0]["name"] == store_name and reply["stores"][0]["status"] == "down",
              f"{label}: health while down answered {status} {reply}")
        status, reply = daemon.call("GET", "/health", auth=False)
        check(status == 503 and reply == {"status": "unavailable"},
              f"{label}: health without an admin key names no store: {status} {reply}")
        time.sleep(1)
        restart()
        healed = None
        started = time.time()
        while time.time() - started < 30:
            status, reply = daemon.call("POST", "/v1/sessions/resume", {"id": survivor})
            if status == 200:
                healed = time.time() - started
                break
            time.sleep(0.1)
        check(healed is not None and healed < heal_limit,
              f"{label}: service healed after {healed}s, expected within {heal_limit}s of the restart")
        check(reply.get("session", {}).get("data") == {"kept": True},
              f"{label}: the session from before the outage is intact")
        time.sleep(1)
        stop[0] = True
        for worker in workers:
            worker.result()
    codes = sorted({status for status, _ in statuses})
    check(all(code in (200, 201, 404, 503) for code in codes), f"{label}: load saw statuses {codes}")
    check(503 in codes and 201 in codes, f"{label}: load saw both outage and service: {codes}")
    check(all("error" in reply for status, reply in statuses if status >= 400),
          f"{label}: every error had the error shape")
    check(daemon.call("GET", "/health", auth=False)[0] == 200, f"{label}: health ok after the restart")
    print(f"  {label}: {len(statuses)} requests, healed {healed or 0:.1f}s after the restart", flush=True)


def postgres_outage():
    """Kill -9 PostgreSQL under a loaded cloakroomd, then start it again."""
    label = "postgres outage"
    settings = lambda postgres: {"CLOAKROOM_STORE": postgres.url + "?sslmode=disable&timeout=2s"}
    with daemon_on_own_postgres(label, settings) as (postgres, daemon):
        outage_under_load(label, daemon, "postgres", postgres.kill, postgres.start, heal_limit=30)


def redis_outage():
    """Kill -9 Redis under a loaded cloakroomd, then start it again; the instance keeps an
    fsynced append-only file, so the session from before the outage survives it."""
    label = "redis outage"
    folder = tempfile.mkdtemp(prefix="cloakroom-e2e-")
    redis = RedisInstance(folder)
    daemon = None
    try:
        redis.start()
        daemon = Daemon(folder, {"CLOAKROOM_STORE": f"{redis.url}?timeout=2s"})
        outage_under_load(label, daemon, "redis", redis.kill, redis.start, heal_limit=5)
    finally:
        if daemon:
            code = daemon.stop()
            check(code == 0, f"{label}: cloakroomd exits 0 after the outage, got {code}")
        redis.kill()
        shutil.rmtree(folder, ignore_errors=True)


def fresh(env):
    """The same store settings, in a schema or key prefix of its own for PostgreSQL and Redis."""
    env = dict(env)
    unique = f"e2e_{os.urandom(4).hex()}_"
    for marker in ("schema=e2e", "prefix=e2e"):
        if marker in env.get("CLOAKROOM_STORE", ""):
            env["CLOAKROOM_STORE"] = env["CLOAKROOM_STORE"].replace(marker, marker.split("=")[0] + "=" + unique)
    return env


def main():
    started = time.time()
    stores = [
        ("default (no configuration)", {}, True),
        ("memory", {"CLOAKROOM_STORE": "memory"}, False),
        ("file", {"CLOAKROOM_STORE": "file:./file-store"}, True),
        ("sqlite", {"CLOAKROOM_STORE": "sqlite:./db/sessions.sqlite"}, True),
    ]
    postgres = os.environ.get("CLOAKROOM_TEST_POSTGRES")
    if postgres:
        stores.append(("postgres", {"CLOAKROOM_STORE": postgres + "?sslmode=disable&schema=e2e_main"}, True))
    elif os.environ.get("CI") == "true":
        check(False, "CLOAKROOM_TEST_POSTGRES is not set but CI=true")
    for name, variable in (("redis", "CLOAKROOM_TEST_REDIS"), ("redis-cluster", "CLOAKROOM_TEST_REDIS_CLUSTER")):
        url = os.environ.get(variable)
        if url:
            stores.append((name, {"CLOAKROOM_STORE": url + "?prefix=e2e:"}, True))
        elif os.environ.get("CI") == "true":
            check(False, f"{variable} is not set but CI=true")
    for label, env, durable in stores:
        print(f"== {label}", flush=True)
        folder = tempfile.mkdtemp(prefix="cloakroom-e2e-")
        try:
            if not env:
                # Exactly as a newcomer: no settings at all, defaults must hold.
                clean = {k: v for k, v in os.environ.items() if not k.startswith("CLOAKROOM_")}
                os.environ.clear()
                os.environ.update(clean)
            daemon = Daemon(folder, fresh(env))
            try:
                if not env:
                    check(os.path.exists(os.path.join(folder, "cloakroom-data", "sessions.sqlite")),
                          "default: SQLite data under ./cloakroom-data/")
                    check(os.path.exists(os.path.join(folder, "cloakroom-data", "api-keys.json")),
                          "default: API keys file created under ./cloakroom-data/")
                    secret_file = os.path.join(folder, "cloakroom-data", "admin-key.txt")
                    check(os.path.exists(secret_file) and os.stat(secret_file).st_mode & 0o777 == 0o600,
                          "default: the first admin key is in a file only the owner can read")
                    check(daemon.key is not None and daemon.key not in open(daemon.output).read(),
                          "default: the first admin key is not in the daemon's output (a log)")
                # The API's walk-through, concurrent writers and bad input on every store are Swift
                # tests (CloakroomIntegrationTests/API); here: the real binary starts, answers and
                # stops on each store.
                session_id, _ = create(daemon, user_id="alice")
                status, reply = daemon.call("POST", "/v1/sessions/resume", {"id": session_id})
                check(status == 200 and reply["session"]["user_id"] == "alice", f"{label}: the binary serves sessions")
                status, reply = daemon.call("GET", "/health", auth=False)
                check(status == 200 and reply["status"] == "ok", f"{label}: health ok")
            finally:
                code = daemon.stop()
                check(code == 0, f"{label}: SIGTERM exits 0, got {code}")
            sub = tempfile.mkdtemp(prefix="cloakroom-e2e-")
            deadlines(sub, fresh(env), label)
            shutil.rmtree(sub, ignore_errors=True)
            sub = tempfile.mkdtemp(prefix="cloakroom-e2e-")
            restart_and_encryption(sub, fresh(env), label, durable)
            shutil.rmtree(sub, ignore_errors=True)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    if postgres:
        print("== postgres outage", flush=True)
        postgres_outage()
    if shutil.which("redis-server"):
        print("== redis outage", flush=True)
        redis_outage()
    elif os.environ.get("CI") == "true":
        check(False, "redis-server is not installed but CI=true")
    folder = tempfile.mkdtemp(prefix="cloakroom-e2e-")
    invalid_configuration(folder)
    shutil.rmtree(folder, ignore_errors=True)
    print(f"e2e: {checks[0] - len(failures)} of {checks[0]} checks passed in {time.time() - started:.1f}s")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
