#!/usr/bin/env python3
"""Fault tests of cloakroomd: servers and cloakroomd itself killed under load, with the numbers a
reader needs (writes acknowledged, errors seen by clients, recovery times). Standard library only.

Usage: scripts/faults.py PATH/TO/cloakroomd
Needs CLOAKROOM_TEST_POSTGRES and CLOAKROOM_TEST_REDIS (scripts/test-servers) and redis-server.
"""
import collections
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

from e2e_support import (CuttableLink, Daemon, PostgresInstance, RedisInstance, WriteLoad, daemon_on_own_postgres,
                          check, checks, failures, stop_load_and_daemon, wait_for)


def health(daemon):
    # The admin key sees each store; anyone else gets the overall status alone.
    status, reply, headers = daemon.request("GET", "/health")
    statuses = [(store.get("role"), store["status"]) for store in reply.get("stores", [])]
    return status, reply.get("status"), statuses, headers.get("Cloakroom-Degraded")


def replicated_redis_kill(postgres_url):
    """kill -9 Redis under a mixed create/update load on Redis + PostgreSQL: nothing acknowledged
    is lost, the service keeps answering, and Redis is used again within 5 s of its restart. Redis
    keeps an fsynced append-only file, so it comes back holding copies the outage made stale."""
    label = "replicated redis+postgres, kill -9 redis"
    folder = tempfile.mkdtemp(prefix="cloakroom-faults-")
    redis = RedisInstance(folder)
    daemon = None
    load = None
    try:
        redis.start()
        schema = f"faults_{os.urandom(4).hex()}"
        daemon = Daemon(folder, {
            "CLOAKROOM_STORE": f"{redis.url}?timeout=2s",
            "CLOAKROOM_STORE_DURABLE": f"{postgres_url}?sslmode=disable&schema={schema}",
        })
        check(health(daemon)[:4] == (200, "ok", [("fast", "ok"), ("durable", "ok")], None),
              f"{label}: health before the kill: {health(daemon)}")
        load = WriteLoad(daemon)
        load.start()
        time.sleep(2)
        load.phase = "killing"
        killed = time.time()
        redis.kill()
        degraded = wait_for(lambda: health(daemon)[1] == "degraded", 10)
        # From here on, every response must say so (requests in flight at the kill may not).
        load.phase = "down"
        check(degraded is not None, f"{label}: health says degraded after the kill: {health(daemon)}")
        status, overall, stores, header = health(daemon)
        check((status, overall, stores, header) == (200, "degraded", [("fast", "down"), ("durable", "ok")], "1"),
              f"{label}: health while redis is down: {(status, overall, stores, header)}")
        time.sleep(max(0, 3 - (time.time() - killed)))
        load.phase = "restarted"
        redis.start()
        restarted = time.time()
        recovered = wait_for(lambda: health(daemon)[:4] == (200, "ok", [("fast", "ok"), ("durable", "ok")], None), 10)
        check(recovered is not None and recovered < 5,
              f"{label}: redis in use again {recovered}s after its restart (limit 5 s): {health(daemon)}")
        load.phase = "after"
        time.sleep(2)
        load.stop()
        # Redis is used again: new sessions reach it, and what the outage changed is read right.
        fresh_id = daemon.call("POST", "/v1/sessions", {"data": {"n": 0}})[1]["id"]
        check(redis.has_session(fresh_id), f"{label}: a session created after the recovery is in redis")
        down = load.by_phase["down"]
        check(sum(down.values()) > 0 and all(code in (200, 201) for code in down),
              f"{label}: the service kept answering writes while redis was down: {dict(down)}")
        check(all(value == "1" for value in load.degraded_headers["down"]) or not load.degraded_headers["down"],
              f"{label}: responses while down carried Cloakroom-Degraded: 1: {dict(load.degraded_headers['down'])}")
        check(set(load.degraded_headers["after"]) <= {None},
              f"{label}: responses after the recovery carry no Cloakroom-Degraded: {dict(load.degraded_headers['after'])}")
        check(not any(code == 500 for code in load.statuses), f"{label}: no 500: {dict(load.statuses)}")
        lost = load.verify(daemon, label)
        print(f"  {label}: {load.creates} creates and {load.updates} updates acknowledged, "
              f"{load.errors} errors seen by clients {dict(load.statuses)}, "
              f"degraded {degraded or 0:.2f}s after the kill, redis in use again {recovered or 0:.2f}s after its "
              f"restart, {lost} acknowledged writes lost", flush=True)
    finally:
        stop_load_and_daemon(label, load, daemon)
        redis.kill()
        shutil.rmtree(folder, ignore_errors=True)


def replicated_postgres_stop(redis_url):
    """Stop PostgreSQL under the replicated store. Documented behaviour (ReplicatedSessionStore):
    writes answer 503 store_unavailable, reads of cached sessions go on, /health answers 503 naming
    the durable store; no 500; service comes back by itself once PostgreSQL is back."""
    label = "replicated redis+postgres, stop postgres"
    settings = lambda postgres: {
        "CLOAKROOM_STORE": f"{redis_url}?prefix=faults_{os.urandom(4).hex()}:&timeout=2s",
        "CLOAKROOM_STORE_DURABLE": f"{postgres.url}?sslmode=disable&timeout=2s",
    }
    with daemon_on_own_postgres(label, settings) as (postgres, daemon):
        status, reply = daemon.call("POST", "/v1/sessions", {"user_id": "kept", "data": {"n": 1}})
        kept = reply["id"]
        postgres.stop()
        seen = []

        def expect(method, path, body, wanted, what):
            status, reply = daemon.call(method, path, body)
            seen.append(status)
            code = reply.get("error", {}).get("code") if isinstance(reply, dict) else None
            ok = status == wanted and (status < 400 or code == "store_unavailable")
            check(ok, f"{label}: {what} answered {status} {reply}, documented {wanted}")
            return reply

        reply = expect("POST", "/v1/sessions/resume", {"id": kept}, 200, "resume of a cached session")
        check(reply.get("session", {}).get("data") == {"n": 1}, f"{label}: the cached session reads right")
        expect("POST", "/v1/sessions", {"user_id": "new"}, 503, "create")
        expect("POST", "/v1/sessions/update", {"id": kept, "set": {"n": 2}}, 503, "update")
        expect("POST", "/v1/sessions/end", {"id": kept}, 503, "end")
        expect("GET", "/v1/users/kept/sessions", None, 503, "list")
        status, overall, stores, _ = health(daemon)
        check((status, overall, stores) == (503, "unavailable", [("fast", "ok"), ("durable", "down")]),
              f"{label}: health while postgres is down: {(status, overall, stores)}")
        check(500 not in seen, f"{label}: no 500")
        postgres.start()
        healed = wait_for(lambda: daemon.call("POST", "/v1/sessions", {"user_id": "new"})[0] == 201, 30)
        check(healed is not None, f"{label}: writes work again by themselves after the restart")
        resumed = daemon.call("POST", "/v1/sessions/resume", {"id": kept})[1]
        check(resumed.get("session", {}).get("data") == {"n": 1}, f"{label}: the refused update left no trace")
        check(daemon.call("POST", "/v1/sessions/update", {"id": kept, "set": {"n": 2}})[0] == 200,
              f"{label}: updates work again")
        check(daemon.call("POST", "/v1/sessions/end", {"id": kept}, None)[0] == 204, f"{label}: ends work again")
        check(daemon.call("POST", "/v1/sessions/resume", {"id": kept})[0] == 404,
              f"{label}: the ended session is gone from both stores")
        print(f"  {label}: every call answered as documented; writes healed {healed or 0:.1f}s after the restart",
              flush=True)


def fallback_sequence():
    """PostgreSQL with a SQLite fallback: kill -9 PostgreSQL, then start it again. At every step
    /health and the Cloakroom-Degraded header say what is true, and traffic moves back by itself."""
    label = "fallback postgres > sqlite"
    settings = lambda postgres: {
        "CLOAKROOM_STORE": f"{postgres.url}?sslmode=disable&timeout=1s",
        "CLOAKROOM_STORE_FALLBACK": "sqlite:./fallback.sqlite",
    }
    with daemon_on_own_postgres(label, settings) as (postgres, daemon):

        def step(name, expected_health, expected_header):
            state = health(daemon)
            check(state[:3] == expected_health and state[3] == expected_header,
                  f"{label}: {name}: health {state[:3]} header {state[3]}, expected {expected_health} {expected_header}")

        step("both up", (200, "ok", [("primary", "ok"), ("fallback", "ok")]), None)
        before = daemon.call("POST", "/v1/sessions", {"user_id": "u", "data": {"at": "before"}})[1]["id"]
        postgres.kill()
        # The first calls find the primary down; within a few calls the chain has switched.
        switched = wait_for(lambda: daemon.request("POST", "/v1/sessions", {"user_id": "u"})[0] == 201
                            and health(daemon)[1] == "degraded", 20)
        check(switched is not None, f"{label}: the chain switched to the fallback: {health(daemon)}")
        step("primary down", (200, "degraded", [("primary", "down"), ("fallback", "ok")]), "1")
        status, reply, headers = daemon.request("POST", "/v1/sessions", {"user_id": "u", "data": {"at": "during"}})
        check(status == 201 and headers.get("Cloakroom-Degraded") == "1",
              f"{label}: a session is created on the fallback, and the answer says degraded: {status}")
        during = reply["id"]
        check(daemon.call("POST", "/v1/sessions/resume", {"id": before})[0] == 404,
              f"{label}: a session held by the dead primary answers 'no session'")
        postgres.start()
        back = wait_for(lambda: health(daemon)[:2] == (200, "ok"), 20)
        check(back is not None, f"{label}: traffic moved back to the primary by itself: {health(daemon)}")
        step("primary back", (200, "ok", [("primary", "ok"), ("fallback", "ok")]), None)
        status, reply, headers = daemon.request("POST", "/v1/sessions/resume", {"id": before})
        check(status == 200 and reply["session"]["data"] == {"at": "before"} and "Cloakroom-Degraded" not in headers,
              f"{label}: the primary's session is back: {status}")
        status, reply = daemon.call("POST", "/v1/sessions/resume", {"id": during})
        check(status == 200 and reply["session"]["data"] == {"at": "during"},
              f"{label}: the session created on the fallback lives on: {status}")
        print(f"  {label}: switched {switched or 0:.1f}s after the kill "
              f"(calls to the dead primary time out after 1 s), back {back or 0:.1f}s after the restart", flush=True)


def shared_repair_journal(postgres_url):
    """Two cloakroomd on one Redis in front of one PostgreSQL; the first one's way to Redis is cut
    (Redis itself stays up). What the first could not change in Redis (an end, an update, an end of
    all of a user's sessions) the second must stop serving within about a probe interval (500 ms),
    through the journal in PostgreSQL, even after the first was killed."""
    label = "shared repair journal, redis+postgres, one instance cut off from redis"
    folder = tempfile.mkdtemp(prefix="cloakroom-faults-")
    redis = RedisInstance(folder)
    link = None
    first = second = None
    schema = f"faults_{os.urandom(4).hex()}"
    durable = f"{postgres_url}?sslmode=disable&schema={schema}"
    try:
        redis.start()
        link = CuttableLink(redis.port)
        for name in ("first", "second"):
            os.makedirs(os.path.join(folder, name))
        first = Daemon(os.path.join(folder, "first"), {"CLOAKROOM_STORE": f"redis://127.0.0.1:{link.port}?timeout=1s",
                                                       "CLOAKROOM_STORE_DURABLE": durable})
        second = Daemon(os.path.join(folder, "second"),
                        {"CLOAKROOM_STORE": f"{redis.url}?timeout=1s", "CLOAKROOM_STORE_DURABLE": durable})

        def session(user):
            status, reply = first.call("POST", "/v1/sessions", {"user_id": user, "data": {"n": 1}})
            check(status == 201, f"{label}: create answered {status} {reply}")
            return reply["id"]

        def resume(daemon, session_id):
            status, reply = daemon.call("POST", "/v1/sessions/resume", {"id": session_id})
            return status, (reply or {}).get("session", {}).get("data")

        ended, updated, kept = session("alice"), session("alice"), session("alice")
        bob_ended, bob_kept = session("bob"), session("bob")
        every = [ended, updated, kept, bob_ended, bob_kept]
        check(all(resume(second, each)[0] == 200 for each in every), f"{label}: the second instance serves them")
        check(all(redis.has_session(each) for each in every), f"{label}: redis holds every copy")
        link.cut()
        check(first.call("POST", "/v1/sessions/end", {"id": ended})[0] == 204, f"{label}: the first ends a session")
        check(first.call("POST", "/v1/sessions/update", {"id": updated, "set": {"n": 2}})[0] == 200,
              f"{label}: the first updates a session")
        status, reply = first.call("DELETE", "/v1/users/bob/sessions", {"except": bob_kept})
        check(status == 200, f"{label}: the first ends bob's other sessions: {status} {reply}")
        acknowledged = time.time()
        # The first instance dies with its own journal: only the shared one is left.
        first.kill()
        first = None
        check(redis.has_session(ended), f"{label}: redis still holds the ended session's copy (the case at hand)")
        healed = wait_for(lambda: (resume(second, ended)[0], resume(second, updated), resume(second, bob_ended)[0])
                          == (404, (200, {"n": 2}), 404), 10)
        window = time.time() - acknowledged if healed is not None else None
        check(window is not None and window < 2,
              f"{label}: the second instance stopped serving the stale copies {window}s after the acknowledgements "
              f"(limit 2 s; probe interval 500 ms)")
        check(resume(second, kept)[0] == 200 and resume(second, bob_kept)[0] == 200,
              f"{label}: sessions nobody ended are still served")
        check(not redis.has_session(ended) and not redis.has_session(bob_ended),
              f"{label}: the second instance deleted the stale copies from redis")
        left = wait_for(lambda: psql_count(postgres_url, f"{schema}.cloakroom_repairs") == 0, 5)
        check(left is not None, f"{label}: the applied journal entries were removed from PostgreSQL")
        status, overall, stores, _ = health(second)
        check((status, overall) == (200, "ok"), f"{label}: the second instance is healthy: {(status, overall, stores)}")
        print(f"  {label}: stale copies no longer served {window or 0:.2f}s after the acknowledgements "
              f"(first instance killed meanwhile)", flush=True)
    finally:
        if first:
            first.kill()
        if second:
            code = second.stop()
            check(code == 0, f"{label}: cloakroomd exits 0, got {code}")
        if link:
            link.close()
        redis.kill()
        shutil.rmtree(folder, ignore_errors=True)


def psql_count(url, table):
    """How many rows `table` holds, read with psql over `url`."""
    out = subprocess.run(["psql", url, "-Atc", f"SELECT count(*) FROM {table}"], capture_output=True, text=True)
    return int(out.stdout.strip()) if out.returncode == 0 and out.stdout.strip() else None


def postgres_rows(postgres, table, schema="public"):
    """How many rows `table` holds, read with psql as the server's own user."""
    out = subprocess.run(postgres.as_user + [f"{postgres.bin}/psql", "-h", "127.0.0.1", "-p", str(postgres.port),
                                             "-U", "postgres", "-Atc", f"SELECT count(*) FROM {schema}.{table}"],
                         capture_output=True, text=True, check=True).stdout
    return int(out.strip())


def start_with_store_down(label, settings, roles, bring_up, holds):
    """Start cloakroomd while the store it prefers is down: it starts, serves from the other one
    saying degraded, and takes the store in once `bring_up()` has started it. ROLES are the
    (down, serving) stores' roles in /health; HOLDS(id) tells whether the preferred store has a
    session created after the switch."""
    folder = tempfile.mkdtemp(prefix="cloakroom-faults-")
    down, serving = roles
    daemon = None
    try:
        started = time.time()
        daemon = Daemon(folder, settings)
        listening = time.time() - started
        first = {}

        def create():
            status, reply, headers = daemon.request("POST", "/v1/sessions", {"user_id": "u", "data": {"at": "down"}})
            if status == 201:
                first.update(id=reply["id"], degraded=headers.get("Cloakroom-Degraded"))
            return status == 201

        # The first calls may wait out the store that is down (its timeout) before it is skipped.
        first_session = wait_for(create, 20)
        check(first_session is not None and first.get("degraded") == "1",
              f"{label}: sessions are created on the {serving} store, the answer says degraded: {health(daemon)}")
        state = health(daemon)
        check(state[:4] == (200, "degraded", [(down, "down"), (serving, "ok")], "1"),
              f"{label}: health while the {down} store has never been up: {state}")
        bring_up()
        back = wait_for(lambda: health(daemon)[:4] == (200, "ok", [(down, "ok"), (serving, "ok")], None), 30)
        check(back is not None, f"{label}: the {down} store is taken in once it is up: {health(daemon)}")
        status, reply, headers = daemon.request("POST", "/v1/sessions", {"user_id": "u", "data": {"at": "up"}})
        check(status == 201 and "Cloakroom-Degraded" not in headers and holds(reply["id"]),
              f"{label}: a session created after the switch is in the {down} store, not degraded: {status}")
        status, reply = daemon.call("POST", "/v1/sessions/resume", {"id": first.get("id", "")})
        check(status == 200 and reply["session"]["data"] == {"at": "down"},
              f"{label}: the session created while the {down} store was down lives on: {status}")
        print(f"  {label}: listening {listening:.1f}s after the start, first session {first_session or 0:.1f}s "
              f"later (calls to the absent store time out after 1 s), the {down} store in use {back or 0:.1f}s "
              f"after it came up", flush=True)
    finally:
        if daemon:
            check(daemon.stop() == 0, f"{label}: cloakroomd exits 0")
        shutil.rmtree(folder, ignore_errors=True)


def fallback_start_with_primary_down():
    """PostgreSQL > SQLite, started while PostgreSQL is not running."""
    postgres = PostgresInstance()
    try:
        start_with_store_down(
            "fallback postgres > sqlite, started with postgres down",
            {"CLOAKROOM_STORE": f"{postgres.url}?sslmode=disable&timeout=1s",
             "CLOAKROOM_STORE_FALLBACK": "sqlite:./fallback.sqlite"},
            ("primary", "fallback"), postgres.start,
            # Only the session created after the switch is in PostgreSQL.
            lambda _: postgres_rows(postgres, "cloakroom_sessions") == 1)
    finally:
        postgres.close()


def replicated_start_with_fast_store_down(postgres_url):
    """Redis + PostgreSQL, started while Redis is not running."""
    folder = tempfile.mkdtemp(prefix="cloakroom-faults-redis-")
    redis = RedisInstance(folder)
    try:
        start_with_store_down(
            "replicated redis+postgres, started with redis down",
            {"CLOAKROOM_STORE": f"{redis.url}?timeout=1s",
             "CLOAKROOM_STORE_DURABLE": f"{postgres_url}?sslmode=disable&schema=faults_{os.urandom(4).hex()}"},
            ("fast", "durable"), redis.start, redis.has_session)
    finally:
        redis.kill()
        shutil.rmtree(folder, ignore_errors=True)


def drain_on_sigterm(postgres_url):
    """SIGTERM cloakroomd (PostgreSQL store, audit events on) under a create/update load: it
    exits 0 after finishing the requests it had taken, every acknowledged write is in PostgreSQL,
    and the audit table holds an event for every acknowledged create."""
    label = "SIGTERM under load, postgres with audit events"
    folder = tempfile.mkdtemp(prefix="cloakroom-faults-")
    schema = f"faults_{os.urandom(4).hex()}"
    settings = {"CLOAKROOM_STORE": f"{postgres_url}?sslmode=disable&schema={schema}"}
    daemon = Daemon(folder, settings)
    restarted = None
    try:
        load = WriteLoad(daemon, workers=8)
        load.start()
        time.sleep(3)
        signalled = time.time()
        code = daemon.stop()  # SIGTERM; kill -9 after 30 s
        drained = time.time() - signalled
        load.stop()
        check(code == 0, f"{label}: cloakroomd exits 0 after SIGTERM, got {code}")
        check(load.creates > 50 and load.updates > 50,
              f"{label}: the load ran ({load.creates} creates, {load.updates} updates acknowledged)")
        check(all(kind in ("ConnectionRefusedError", "ConnectionResetError", "RemoteDisconnected")
                  for kind in load.unanswered), f"{label}: unanswered requests were refused or reset: "
              f"{dict(load.unanswered)}")
        check(not any(status == 500 or status == 503 for status in load.statuses),
              f"{label}: no 500 or 503 while draining: {dict(load.statuses)}")
        psql = ["psql", postgres_url.replace("postgres://", "postgresql://", 1), "-Atc"]
        audited = int(subprocess.run(psql + [f"SELECT count(*) FROM {schema}.cloakroom_events WHERE kind = 'created'"],
                                     capture_output=True, text=True, check=True).stdout.strip())
        check(audited >= load.creates,
              f"{label}: the audit table holds {audited} 'created' events for {load.creates} acknowledged creates")
        restarted = Daemon(folder, settings, key=daemon.key)
        lost = load.verify(restarted, label)
        # A request the client got no answer to was never begun: a connection cloakroomd had not
        # read from when it stopped listening is reset (the client may retry it safely), while a
        # request it had begun was answered. So no unanswered write may have landed.
        landed = []
        for kind, call, subject, value in load.unanswered_calls:
            if call == "create":
                status, reply = restarted.call("GET", f"/v1/users/{subject}/sessions")
                if status != 200 or reply.get("sessions"):
                    landed.append((kind, call, status))
            else:
                status, reply = restarted.call("POST", "/v1/sessions/resume", {"id": subject})
                if status == 200 and reply["session"]["data"].get("n") == value:
                    landed.append((kind, call, status))
        check(not landed, f"{label}: a request that got no answer had landed (cut off mid-request): {landed}")
        print(f"  {label}: {load.creates} creates and {load.updates} updates acknowledged, {lost} lost; "
              f"exited {drained:.2f}s after SIGTERM; {audited} creates audited; "
              f"unanswered: {dict(load.unanswered) or 'none'}", flush=True)
    finally:
        for process in (daemon, restarted):
            if process and process.process.poll() is None:
                process.stop()
        shutil.rmtree(folder, ignore_errors=True)


def crash_mid_write(label, store_env, inspect):
    """kill -9 cloakroomd 20 times while 4 clients create and update: afterwards no record is
    unreadable or half-written and every acknowledged write is present."""
    folder = tempfile.mkdtemp(prefix="cloakroom-faults-")
    daemon = None
    key = None
    totals = collections.Counter()
    acknowledged = {}
    uncertain = {}
    try:
        for round_number in range(20):
            daemon = Daemon(folder, store_env, key=key)
            key = daemon.key
            load = WriteLoad(daemon)
            load.start()
            time.sleep(random.uniform(0.3, 0.9))
            daemon.kill()
            load.stop()
            # Each round's workers update only the sessions they created, so rounds never overlap.
            acknowledged.update(load.acknowledged)
            uncertain.update(load.uncertain)
            totals["creates"] += load.creates
            totals["updates"] += load.updates
            totals["cut off"] += load.statuses["no answer"]
        inspect(folder, label)
        daemon = Daemon(folder, store_env, key=key)
        final = WriteLoad(daemon)
        final.acknowledged, final.uncertain = acknowledged, uncertain
        unreadable = 0
        for session_id in acknowledged:
            status, reply = daemon.call("POST", "/v1/sessions/resume", {"id": session_id})
            if status != 200:
                unreadable += status != 404 or reply.get("error", {}).get("code") != "session_not_found"
        check(unreadable == 0, f"{label}: {unreadable} sessions gave an error other than 'not found'")
        lost = final.verify(daemon, label)
        print(f"  {label}: 20 kills, {totals['creates']} creates and {totals['updates']} updates acknowledged, "
              f"{totals['cut off']} requests cut off by a kill, {lost} acknowledged writes lost", flush=True)
    finally:
        if daemon:
            daemon.stop()
        shutil.rmtree(folder, ignore_errors=True)


def inspect_sqlite(folder, label):
    database = sqlite3.connect(os.path.join(folder, "db", "sessions.sqlite"))
    result = database.execute("PRAGMA integrity_check").fetchone()[0]
    check(result == "ok", f"{label}: SQLite integrity_check says {result}")
    database.close()


def inspect_files(folder, label):
    """Every record file is whole JSON; a temporary file a kill left behind is not a record."""
    records = os.path.join(folder, "file-store", "sessions")
    broken = []
    for name in os.listdir(records):
        if name.endswith(".json"):
            try:
                with open(os.path.join(records, name)) as record:
                    json.load(record)
            except ValueError:
                broken.append(name)
    check(not broken, f"{label}: {len(broken)} half-written record files, e.g. {broken[:3]}")


def main():
    started = time.time()
    postgres = os.environ.get("CLOAKROOM_TEST_POSTGRES")
    redis = os.environ.get("CLOAKROOM_TEST_REDIS")
    ci = os.environ.get("CI") == "true"
    if postgres and shutil.which("redis-server"):
        print("== faults: replicated store, kill -9 redis", flush=True)
        replicated_redis_kill(postgres)
    else:
        check(not ci, "CLOAKROOM_TEST_POSTGRES and redis-server are needed when CI=true")
    if postgres:
        print("== faults: SIGTERM under load drains", flush=True)
        drain_on_sigterm(postgres)
    if redis:
        print("== faults: replicated store, stop postgres", flush=True)
        replicated_postgres_stop(redis)
    else:
        check(not ci, "CLOAKROOM_TEST_REDIS is needed when CI=true")
    print("== faults: fallback chain, kill -9 postgres", flush=True)
    fallback_sequence()
    print("== faults: fallback chain started while postgres is down", flush=True)
    fallback_start_with_primary_down()
    if postgres and shutil.which("redis-server"):
        print("== faults: replicated store started while redis is down", flush=True)
        replicated_start_with_fast_store_down(postgres)
        print("== faults: shared repair journal, one instance cut off from redis", flush=True)
        shared_repair_journal(postgres)
    print("== faults: kill -9 cloakroomd mid-write", flush=True)
    crash_mid_write("sqlite, kill -9 cloakroomd", {"CLOAKROOM_STORE": "sqlite:./db/sessions.sqlite"}, inspect_sqlite)
    crash_mid_write("file, kill -9 cloakroomd", {"CLOAKROOM_STORE": "file:./file-store"}, inspect_files)
    print(f"faults: {checks[0] - len(failures)} of {checks[0]} checks passed in {time.time() - started:.1f}s")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
