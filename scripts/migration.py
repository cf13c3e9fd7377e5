#!/usr/bin/env python3
"""Checks of `cloakroom migrate`, of the zero-downtime recipe in the production article and of
`cloakroom reseal` turning encryption on, run the way an operator would: real stores, the real
binaries, traffic running. Standard library only.

Usage: scripts/migration.py PATH/TO/BUILD-FOLDER   (holding cloakroomd and cloakroom)
Needs CLOAKROOM_TEST_POSTGRES and CLOAKROOM_TEST_REDIS (scripts/test-servers).
"""
import base64
import hashlib
import json
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error

import e2e_support
from e2e_support import Daemon, WriteLoad, check, checks, create, failures

BUILD = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else ".build/debug"
e2e_support.BINARY = os.path.join(BUILD, "cloakroomd")
CLI = os.path.join(BUILD, "cloakroom")
SESSIONS = 100_000
MIGRATION_DATABASE = 5


def seed_sqlite(folder, count):
    """A SQLite store holding `count` live sessions: one created by cloakroomd (so the schema and
    the record format are the real ones), then cloned with fresh IDs. Returns the IDs with each
    session's `i`."""
    daemon = Daemon(folder, {"CLOAKROOM_STORE": "sqlite:./source.sqlite"})
    daemon.call("POST", "/v1/sessions", {"user_id": "template", "data": {"i": -1}})
    daemon.stop()
    database = sqlite3.connect(os.path.join(folder, "source.sqlite"))
    template = database.execute(
        "SELECT metadata, last_seen_at, idle_deadline, absolute_deadline, deadline FROM cloakroom_sessions").fetchone()
    ids = []
    rows = []
    for index in range(count):
        raw = os.urandom(32)
        ids.append((base64.urlsafe_b64encode(raw).rstrip(b"=").decode(), index))
        payload = b"\x00" + json.dumps({"i": index}).encode()
        rows.append((hashlib.sha256(raw).digest(), f"user{index % 5000}", payload) + template + (1,))
    database.executemany(
        "INSERT INTO cloakroom_sessions (key, user_id, payload, metadata, last_seen_at, idle_deadline, "
        "absolute_deadline, deadline, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    database.commit()
    database.close()
    return ids, daemon.key


def migrate(folder, source, target, *extra, interrupt_after=None):
    """Runs cloakroom migrate; with `interrupt_after`, kills it once that many progress lines
    appeared. Returns (exit code, output)."""
    process = subprocess.Popen([CLI, "migrate", "--from", source, "--to", target, *extra], cwd=folder,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines = []
    for line in process.stdout:
        lines.append(line)
        if interrupt_after and sum("/s" in l for l in lines) >= interrupt_after:
            process.send_signal(signal.SIGKILL)
            break
    process.wait()
    return process.returncode, "".join(lines)


def migrate_100k(label, source_folder, ids, key, target, target_env):
    """100,000 sessions from SQLite to `target`: interrupted, resumed, run again, verified, and
    resumable through cloakroomd on the target afterwards."""
    started = time.time()
    source = "sqlite:./source.sqlite"
    code, output = migrate(source_folder, source, target, interrupt_after=2)
    check(code == -signal.SIGKILL, f"{label}: the first run was interrupted: {code} {output[-300:]}")
    code, output = migrate(source_folder, source, target)
    duration = time.time() - started
    print("    " + "\n    ".join(output.strip().splitlines()[-4:]), flush=True)
    check(code == 0, f"{label}: the resumed run succeeded: {code} {output[-500:]}")
    check("resuming after" in output, f"{label}: the second run resumed: {output[:300]}")
    progress = [l for l in output.splitlines() if "/s" in l]
    check(progress and all(re.search(r"\] \d+ / \d+  \d+/s  (\S+ left|time left unknown)", l) for l in progress),
          f"{label}: progress lines show count, throughput and time left: {progress[:2]}")
    check(f"verified: the target holds all {SESSIONS + 1} live sessions" in output,
          f"{label}: verification count: {output[-300:]}")
    code, again = migrate(source_folder, source, target)
    check(code == 0 and "copied 0," in again and f"already current {SESSIONS + 1}" in again,
          f"{label}: a second migration copies nothing: {again[-300:]}")
    folder = tempfile.mkdtemp(prefix="cloakroom-migration-")
    daemon = Daemon(folder, target_env)
    try:
        sample = random.sample(ids, 2000)
        wrong = []
        for session_id, index in sample:
            status, reply = daemon.call("POST", "/v1/sessions/resume", {"id": session_id})
            if status != 200 or reply["session"]["data"] != {"i": index}:
                wrong.append((status, index))
        check(not wrong, f"{label}: {len(wrong)} of 2000 sampled sessions not resumable: {wrong[:3]}")
        status, reply = daemon.call("GET", "/v1/users/user42/sessions")
        check(status == 200 and len(reply["sessions"]) == SESSIONS // 5000,
              f"{label}: a user's sessions are listed on the target: {status} {len(reply.get('sessions', []))}")
    finally:
        daemon.stop()
        shutil.rmtree(folder, ignore_errors=True)
    print(f"  {label}: {SESSIONS} sessions, interrupted and resumed, in {duration:.1f}s; 2000 sampled "
          f"sessions resumable on the target", flush=True)


class Balancer:
    """Two cloakroomd instances behind a client-side balancer: a request goes to a random live
    instance, and to the other one when that refuses the connection (it is restarting)."""

    def __init__(self, instances):
        self.instances = instances

    def request(self, *arguments, **options):
        for _ in range(200):
            candidates = [i for i in self.instances if i is not None]
            instance = random.choice(candidates)
            try:
                return instance.request(*arguments, **options)
            except urllib.error.URLError as error:
                if not isinstance(error.reason, ConnectionRefusedError):
                    raise
                time.sleep(0.01)
        raise RuntimeError("no instance answered")

    def call(self, *arguments, **options):
        status, reply, _ = self.request(*arguments, **options)
        return status, reply


def zero_downtime(postgres):
    """The recipe of the production article, followed while 4 clients create and update sessions
    through two instances that are restarted one at a time at every step:
    A → B fast + A durable → migrate A to B → A fast + B durable → B. Nothing acknowledged is lost."""
    label = "zero-downtime migration sqlite → postgres"
    folder = tempfile.mkdtemp(prefix="cloakroom-migration-")
    old = "sqlite:./old.sqlite"
    new = f"{postgres}?sslmode=disable&schema=zero_{os.urandom(4).hex()}"
    steps = [
        ("1 new in front", {"CLOAKROOM_STORE": new, "CLOAKROOM_STORE_DURABLE": old}),
        ("3 old in front", {"CLOAKROOM_STORE": old, "CLOAKROOM_STORE_DURABLE": new}),
        ("4 new alone", {"CLOAKROOM_STORE": new}),
    ]
    first = Daemon(folder, {"CLOAKROOM_STORE": old})
    balancer = Balancer([first, Daemon(folder, {"CLOAKROOM_STORE": old}, key=first.key)])
    load = WriteLoad(balancer)
    try:
        load.start()
        time.sleep(2)
        for name, env in steps:
            for slot in range(2):
                instance = balancer.instances[slot]
                balancer.instances[slot] = None
                code = instance.stop()
                check(code == 0, f"{label}: step {name}: an instance stopped cleanly ({code})")
                balancer.instances[slot] = Daemon(folder, env, key=first.key)
            time.sleep(1.5)
            if name.startswith("1"):
                code, output = migrate(folder, old, new)
                check(code == 0 and "verified: the target holds all" in output,
                      f"{label}: step 2, migrate while traffic runs: {code} {output[-400:]}")
                print("    step 2: " + output.strip().splitlines()[-1], flush=True)
        time.sleep(1)
        load.stop()
        check(not any(code == 500 for code in load.statuses), f"{label}: no 500: {dict(load.statuses)}")
        lost = load.verify(balancer, label)
        # The old store is no longer needed: the new one alone holds everything.
        print(f"  {label}: {load.creates} creates and {load.updates} updates acknowledged across 6 restarts, "
              f"{load.errors} errors seen by clients {dict(load.statuses)}, {lost} acknowledged writes lost",
              flush=True)
    finally:
        load.stop()
        for instance in balancer.instances:
            if instance:
                instance.stop()
        shutil.rmtree(folder, ignore_errors=True)


def reseal(parent):
    """Turning encryption on for a store that holds sessions, as the CLI's help tells: with keys
    set, records in clear are refused; `cloakroom reseal` without --accept-plaintext says so and
    changes nothing; with it every session is sealed and opens under the keys; a second run finds
    nothing to do."""
    folder = tempfile.mkdtemp(prefix="cloakroom-reseal-", dir=parent)
    store = {"CLOAKROOM_STORE": "sqlite:./sessions.sqlite"}
    daemon = Daemon(folder, store)
    ids = [create(daemon, user_id=f"r{index}", data={"marker": f"RESEAL-MARKER-{index}"})[0] for index in range(50)]
    key = daemon.key
    daemon.stop()
    keys = "k1:" + base64.b64encode(os.urandom(32)).decode()
    daemon = Daemon(folder, dict(store, CLOAKROOM_ENCRYPTION_KEYS=keys), key=key)
    status, reply = daemon.call("POST", "/v1/sessions/resume", {"id": ids[0]})
    check(status == 404 and reply["error"]["code"] == "session_unreadable",
          f"reseal: with keys set, a record in clear is refused, got {status} {reply}")
    daemon.stop()

    def run(*extra):
        return subprocess.run([CLI, "reseal", "--store", "sqlite:./sessions.sqlite", *extra], cwd=folder,
                              env=dict(os.environ, CLOAKROOM_ENCRYPTION_KEYS=keys), capture_output=True, text=True,
                              timeout=120)

    refused = run()
    check(refused.returncode != 0 and "--accept-plaintext" in refused.stderr,
          f"reseal: without --accept-plaintext the records in clear are reported: {refused.returncode} {refused.stderr[-300:]}")
    done = run("--accept-plaintext", "--batch-size", "20")
    check(done.returncode == 0 and "re-sealed 50 with key 'k1'" in done.stdout,
          f"reseal: --accept-plaintext seals all 50: {done.returncode} {done.stdout[-300:]} {done.stderr[-300:]}")
    check(sum("looked at" in line for line in done.stdout.splitlines()) == 3,
          f"reseal: one progress line per batch of 20: {done.stdout}")
    daemon = Daemon(folder, dict(store, CLOAKROOM_ENCRYPTION_KEYS=keys), key=key)
    try:
        opened = [daemon.call("POST", "/v1/sessions/resume", {"id": session_id}) for session_id in ids]
        check(all(status == 200 and reply["session"]["data"]["marker"] == f"RESEAL-MARKER-{index}"
                  for index, (status, reply) in enumerate(opened)),
              "reseal: every session opens under the keys with its data")
    finally:
        daemon.stop()
    again = run()
    check(again.returncode == 0 and "re-sealed 0" in again.stdout and "already current 50" in again.stdout,
          f"reseal: a second run has nothing to do: {again.stdout[-300:]}")
    shutil.rmtree(folder, ignore_errors=True)


def main():
    started = time.time()
    postgres = os.environ.get("CLOAKROOM_TEST_POSTGRES")
    redis = os.environ.get("CLOAKROOM_TEST_REDIS")
    ci = os.environ.get("CI") == "true"
    if not (postgres and redis):
        check(not ci, "CLOAKROOM_TEST_POSTGRES and CLOAKROOM_TEST_REDIS are needed when CI=true")
        sys.exit(1 if failures else 0)
    folder = tempfile.mkdtemp(prefix="cloakroom-migration-")
    schema = f"mig_{os.urandom(4).hex()}"
    try:
        print(f"== migration: seeding {SESSIONS} sessions in SQLite", flush=True)
        ids, key = seed_sqlite(folder, SESSIONS)
        target = f"{postgres}?sslmode=disable&schema={schema}"
        print("== migration: cloakroom migrate sqlite → postgres", flush=True)
        migrate_100k("migrate sqlite → postgres", folder, ids, key, target, {"CLOAKROOM_STORE": target})
        # A database of its own, emptied afterwards: 100,000 sessions left in database 0 would slow
        # every test that walks the keyspace.
        target = f"{redis}/{MIGRATION_DATABASE}?prefix=mig_{os.urandom(4).hex()}:"
        print("== migration: cloakroom migrate sqlite → redis", flush=True)
        migrate_100k("migrate sqlite → redis", folder, ids, key, target, {"CLOAKROOM_STORE": target})
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        port = redis.rsplit(":", 1)[1]
        subprocess.run(["redis-cli", "-p", port, "-n", str(MIGRATION_DATABASE), "FLUSHDB"], capture_output=True)
        subprocess.run(["psql", f"{postgres}", "-c", f"DROP SCHEMA IF EXISTS {schema} CASCADE"], capture_output=True)
    print("== migration: zero-downtime recipe under traffic", flush=True)
    zero_downtime(postgres)
    print("== reseal: turning encryption on for a store that holds sessions", flush=True)
    scratch = tempfile.mkdtemp(prefix="cloakroom-reseal-")
    try:
        reseal(scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print(f"migration: {checks[0] - len(failures)} of {checks[0]} checks passed in {time.time() - started:.1f}s")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
