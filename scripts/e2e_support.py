"""What the black-box scripts (e2e.py, faults.py) share: checks, a cloakroomd process, servers of
their own to kill. Standard library only."""
import base64
import collections
import contextlib
import hashlib
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

import secrets_scan

BINARY = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else ".build/debug/cloakroomd"
failures = []
checks = [0]

def check(condition, message):
    checks[0] += 1
    if not condition:
        failures.append(message)
        print(f"  FAIL {message}", flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Daemon:
    """One cloakroomd process in its own working folder."""

    def __init__(self, folder, env=None, key=None):
        self.folder = folder
        self.port = free_port()
        self.env = dict(os.environ)
        self.env.update({"CLOAKROOM_LISTEN": f"127.0.0.1:{self.port}"})
        # Events go to a file in the folder, so the secrets scan reads them too.
        self.env.setdefault("CLOAKROOM_EVENTS_FILE", os.path.join(folder, f"events-{self.port}.jsonl"))
        self.env.update(env or {})
        self.key = key
        self.output = os.path.join(folder, f"cloakroomd-{self.port}.log")
        with open(self.output, "wb") as out:
            self.process = subprocess.Popen([BINARY], cwd=folder, env=self.env, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.time() + 60
        while time.time() < deadline:
            text = open(self.output, encoding="utf-8", errors="replace").read()
            if self.key is None:
                self.key = admin_key_from(text, folder)
                secrets_scan.remember_secret(self.key)
            if "listening on" in text:
                break
            if self.process.poll() is not None:
                raise RuntimeError(f"cloakroomd exited early:\n{text}")
            time.sleep(0.05)
        else:
            raise RuntimeError("cloakroomd did not start listening within 60 s")

    def call(self, method, path, body=None, raw=None, auth=True, headers=None):
        status, reply, _ = self.request(method, path, body, raw, auth, headers)
        return status, reply

    def request(self, method, path, body=None, raw=None, auth=True, headers=None):
        """Like call, also returning the response headers."""
        secrets_scan.remember(body)
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", data=data, method=method)
        request.add_header("Content-Type", "application/json")
        if auth is True:
            request.add_header("Authorization", f"Bearer {self.key}")
        elif auth:
            request.add_header("Authorization", auth)
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                text = response.read()
                reply = json.loads(text) if text else None
                secrets_scan.remember(reply)
                return response.status, reply, response.headers
        except urllib.error.HTTPError as error:
            text = error.read()
            try:
                return error.code, json.loads(text), error.headers
            except ValueError:
                return error.code, {"raw": text.decode(errors="replace")}, error.headers

    def kill(self):
        """kill -9, as a crash would."""
        self.scan_metrics()
        self.process.kill()
        self.process.wait()
        self.scan_folder()

    def stop(self):
        self.scan_metrics()
        self.process.send_signal(signal.SIGTERM)
        try:
            code = self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            code = "killed"
        self.scan_folder()
        return code

    def scan_metrics(self):
        """/metrics must name no secret issued so far."""
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/metrics", timeout=10) as response:
                page = response.read()
        except (OSError, urllib.error.URLError):
            return
        hits = secrets_scan.found_in(page)
        check(not hits, f"secrets scan: /metrics of the daemon on {self.port} shows {hits}")

    def scan_folder(self):
        """Nothing the daemon left in its folder (stores, logs, events, keys file) holds a secret;
        the first admin key's own file is the one place it is meant to be."""
        leaks = secrets_scan.scan_tree(self.folder)
        check(not leaks, f"secrets scan: {len(leaks)} files hold issued secrets: {leaks[:5]}")


def admin_key_from(output, folder):
    """The first admin key of a daemon started with standard output to a file: the output names
    the owner-only file holding it (the key itself must never be in a log)."""
    match = re.search(r"it is written to (\S+), readable only", output)
    if match is None:
        return None
    path = os.path.join(folder, match.group(1))
    with open(path, encoding="utf-8") as file:
        return file.read().strip()


def create(daemon, **body):
    status, reply = daemon.call("POST", "/v1/sessions", body)
    assert status == 201, (status, reply)
    return reply["id"], reply["session"]


def redis_command(port, *arguments):
    """Sends one command to the Redis server on 127.0.0.1:port and returns its raw reply bytes."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        payload = b"*%d\r\n" % len(arguments)
        for argument in arguments:
            argument = argument if isinstance(argument, bytes) else str(argument).encode()
            payload += b"$%d\r\n%s\r\n" % (len(argument), argument)
        connection.sendall(payload)
        connection.shutdown(socket.SHUT_WR)
        reply = b""
        while chunk := connection.recv(65536):
            reply += chunk
        return reply


class PostgresInstance:
    """A PostgreSQL server of this test's own, so that it can be killed without harming others."""

    def __init__(self):
        candidates = ["/usr/lib/postgresql/15/bin"] + sorted(
            os.path.join("/usr/lib/postgresql", v, "bin") for v in os.listdir("/usr/lib/postgresql")
        ) if os.path.isdir("/usr/lib/postgresql") else []
        self.bin = next(d for d in candidates if os.path.exists(os.path.join(d, "postgres")))
        self.folder = tempfile.mkdtemp(prefix="cloakroom-pg-")
        os.chmod(self.folder, 0o755)
        self.data = os.path.join(self.folder, "data")
        os.mkdir(self.data)
        self.as_user = []
        if os.geteuid() == 0:
            shutil.chown(self.data, "postgres", "postgres")
            self.as_user = ["runuser", "-u", "postgres", "--"]
        subprocess.run(self.as_user + [f"{self.bin}/initdb", "-D", self.data, "-U", "postgres", "-A", "trust",
                                       "--no-sync"], check=True, capture_output=True)
        self.port = free_port()
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/postgres"
        self.process = None

    def start(self):
        log = open(os.path.join(self.folder, "postgres.log"), "ab")
        self.process = subprocess.Popen(self.as_user + [
            f"{self.bin}/postgres", "-D", self.data, "-p", str(self.port), "-k", self.data,
            "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"], stdout=log, stderr=log)
        deadline = time.time() + 30
        while time.time() < deadline:
            ready = subprocess.run([f"{self.bin}/pg_isready", "-h", "127.0.0.1", "-p", str(self.port)],
                                   capture_output=True)
            if ready.returncode == 0:
                return
            time.sleep(0.2)
        raise RuntimeError("PostgreSQL did not start")

    def stop(self):
        """Fast shutdown (SIGINT to the postmaster): clients are disconnected, data is kept."""
        with open(os.path.join(self.data, "postmaster.pid")) as pid_file:
            os.kill(int(pid_file.readline()), signal.SIGINT)
        self.process.wait(timeout=60)

    def kill(self):
        """kill -9 the postmaster and every backend, as a crash would."""
        with open(os.path.join(self.data, "postmaster.pid")) as pid_file:
            postmaster = int(pid_file.readline())
        children = subprocess.run(["pgrep", "-P", str(postmaster)], capture_output=True, text=True).stdout.split()
        for pid in [postmaster] + [int(c) for c in children]:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.process.wait()
        time.sleep(0.5)

    def close(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)



class RedisInstance:
    """A redis-server of this test's own, with an fsynced append-only file so that what it
    acknowledged survives kill -9 (the hard case for a cache: it comes back with old data)."""

    def __init__(self, folder):
        self.folder = folder
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}"
        self.command = ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--dir", folder,
                        "--save", "", "--appendonly", "yes", "--appendfsync", "always", "--protected-mode", "no"]
        self.log = open(os.path.join(folder, f"redis-{self.port}.log"), "ab")
        self.process = None

    def start(self):
        self.process = subprocess.Popen(self.command, stdout=self.log, stderr=self.log)
        deadline = time.time() + 15
        while time.time() < deadline:
            try:
                if b"PONG" in redis_command(self.port, "PING"):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"redis-server on port {self.port} did not start")

    def kill(self):
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def has_session(self, session_id, prefix="cloakroom:"):
        """Whether Redis holds the record of this session (found by the key: SHA-256 of the ID)."""
        raw = base64.urlsafe_b64decode(session_id + "=" * (-len(session_id) % 4))
        key = prefix + "s:" + hashlib.sha256(raw).hexdigest()
        return redis_command(self.port, "EXISTS", key).startswith(b":1")


class CuttableLink:
    """A TCP relay to a server that the test can cut, as a network partition between one client
    and that server would: cut() resets every relayed connection and refuses new ones until
    restore(). Clients connect to 127.0.0.1:port."""

    def __init__(self, target_port):
        self.target_port = target_port
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.port = self.listener.getsockname()[1]
        self.lock = threading.Lock()
        self.open = []
        self.is_cut = False
        self.closed = False
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while not self.closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            with self.lock:
                refused = self.is_cut
            if refused:
                self.reset(client)
                continue
            try:
                server = socket.create_connection(("127.0.0.1", self.target_port), timeout=5)
                server.settimeout(None)
            except OSError:
                self.reset(client)
                continue
            with self.lock:
                self.open += [client, server]
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=self.pump, args=(source, sink), daemon=True).start()

    def pump(self, source, sink):
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                sink.sendall(data)
        except OSError:
            pass
        for end in (source, sink):
            try:
                end.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    @staticmethod
    def reset(connection):
        # SO_LINGER 0: close sends a reset, as a dropped route or a firewall rule would.
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        connection.close()

    def cut(self):
        with self.lock:
            self.is_cut = True
            connections, self.open = self.open, []
        for connection in connections:
            try:
                self.reset(connection)
            except OSError:
                pass

    def restore(self):
        with self.lock:
            self.is_cut = False

    def close(self):
        self.closed = True
        self.cut()
        self.listener.close()


class WriteLoad:
    """Workers that create sessions and update their own sessions' counter `n`, remembering what
    was acknowledged. A write whose answer was lost may or may not have landed: it is `uncertain`."""

    def __init__(self, daemon, workers=4):
        self.daemon = daemon
        self.acknowledged = {}
        self.uncertain = {}
        self.statuses = collections.Counter()
        self.errors = 0
        # Requests that got no answer, by the error the client saw (ConnectionRefusedError, ...).
        self.unanswered = collections.Counter()
        # Each of them: (error, "create" or "update", the user created for or the session updated, value).
        self.unanswered_calls = []
        self.creates = 0
        self.updates = 0
        self.phase = "before"
        self.by_phase = collections.defaultdict(collections.Counter)
        self.degraded_headers = collections.defaultdict(collections.Counter)
        # Every answer as (time it came, status or "no answer", seconds it took), for gap measures.
        self.timeline = []
        self.stopping = False
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self.work, args=(w,), daemon=True) for w in range(workers)]

    def start(self):
        for thread in self.threads:
            thread.start()

    def stop(self):
        self.stopping = True
        for thread in self.threads:
            thread.join(timeout=60)

    def work(self, worker):
        mine = []
        step = 0
        while not self.stopping:
            step += 1
            creating = len(mine) < 3 or step % 3 == 0
            session_id = None if creating else random.choice(mine)
            value = None if creating else self.acknowledged[session_id] + 1
            # A user of its own per session: the load creates thousands, and one user's sessions
            # beyond the per-user limit (100 by default) would end the oldest.
            user_id = f"worker{worker}-{os.urandom(6).hex()}" if creating else None
            sent = time.time()
            try:
                if creating:
                    status, reply, headers = self.daemon.request(
                        "POST", "/v1/sessions", {"user_id": user_id, "data": {"n": 0}})
                else:
                    status, reply, headers = self.daemon.request(
                        "POST", "/v1/sessions/update", {"id": session_id, "set": {"n": value}})
            except Exception as error:  # the daemon was killed mid-request: the write may or may not have landed
                with self.lock:
                    kind = type(getattr(error, "reason", error)).__name__
                    self.unanswered[kind] += 1
                    self.unanswered_calls.append((kind, "create" if creating else "update", user_id or session_id, value))
                    if session_id:
                        self.uncertain[session_id] = value
                    self.errors += 1
                    self.statuses["no answer"] += 1
                    self.by_phase[self.phase]["no answer"] += 1
                    self.timeline.append((time.time(), "no answer", time.time() - sent))
                time.sleep(0.01)
                continue
            with self.lock:
                if creating and status == 201:
                    self.acknowledged[reply["id"]] = 0
                    self.creates += 1
                    mine.append(reply["id"])
                elif not creating and status == 200:
                    self.acknowledged[session_id] = value
                    self.uncertain.pop(session_id, None)
                    self.updates += 1
                elif not creating:
                    self.uncertain[session_id] = value
                self.statuses[status] += 1
                self.by_phase[self.phase][status] += 1
                self.timeline.append((time.time(), status, time.time() - sent))
                self.degraded_headers[self.phase][headers.get("Cloakroom-Degraded")] += 1
                if status >= 400:
                    self.errors += 1
                    if not (isinstance(reply, dict) and "error" in reply):
                        check(False, f"error without the error shape: {status} {reply}")

    def verify(self, daemon, label, required=True):
        """Every acknowledged write is there: each session resumes with the counter it was last
        acknowledged at (or the uncertain write after it). Answers how many were lost; a loss is
        a failed check unless not `required`."""
        lost = []
        for session_id, value in self.acknowledged.items():
            status, reply = daemon.call("POST", "/v1/sessions/resume", {"id": session_id})
            found = reply.get("session", {}).get("data", {}).get("n") if status == 200 else None
            if found != value and not (session_id in self.uncertain and found == self.uncertain[session_id]):
                lost.append((status, value, found, reply if status != 200 else None))
        check(not required or not lost, f"{label}: {len(lost)} of {len(self.acknowledged)} acknowledged writes lost, e.g. {lost[:3]}")
        return len(lost)


def stop_load_and_daemon(label, load, daemon):
    """Stops the load (when it started) and then cloakroomd, checking that it exits 0."""
    if load:
        load.stop()
    if daemon:
        code = daemon.stop()
        check(code == 0, f"{label}: cloakroomd exits 0, got {code}")


def wait_for(predicate, limit):
    """Seconds until predicate() held, polling every 50 ms, or None after `limit` seconds."""
    started = time.time()
    while time.time() - started < limit:
        if predicate():
            return time.time() - started
        time.sleep(0.05)
    return None


@contextlib.contextmanager
def daemon_on_own_postgres(label, settings):
    """A PostgreSQL server of the test's own and a cloakroomd using it: `settings(postgres)` gives
    cloakroomd's environment. Yields (postgres, daemon); afterwards checks that cloakroomd exits 0
    and removes both."""
    postgres = PostgresInstance()
    folder = tempfile.mkdtemp(prefix="cloakroom-faults-")
    daemon = None
    try:
        postgres.start()
        daemon = Daemon(folder, settings(postgres))
        yield postgres, daemon
    finally:
        if daemon:
            code = daemon.stop()
            check(code == 0, f"{label}: cloakroomd exits 0, got {code}")
        postgres.close()
        shutil.rmtree(folder, ignore_errors=True)
