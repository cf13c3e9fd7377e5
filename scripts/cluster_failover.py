#!/usr/bin/env python3
"""Redis Cluster failover under load: a cluster of three primaries with a replica each, one primary
killed (kill -9) under a create/update load on cloakroomd.

- The plain Redis Cluster store answers 503 only until the replica is promoted, then serves again:
  the gap (first to last failed request) is measured and bounded by the promotion plus 3 s.
- The replicated composition (the cluster in front of PostgreSQL) answers no error and loses no
  acknowledged write.

Usage: scripts/cluster_failover.py PATH/TO/cloakroomd [--json FILE]
Needs redis-server and redis-cli, and CLOAKROOM_TEST_POSTGRES (scripts/test-servers). Standard
library only; about a minute.
"""
import contextlib
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

from e2e_support import Daemon, WriteLoad, check, checks, failures, redis_command, stop_load_and_daemon, wait_for

# A node is declared failed after this long without answering; its replica then stands for election.
NODE_TIMEOUT_MS = 1000
OK = (200, 201)


def free_cluster_port(taken):
    """A free loopback port whose bus port (+10000) is free too, below 55535."""
    while True:
        port = random.randint(20000, 45000)
        if port in taken or port + 10000 in taken:
            continue
        free = True
        for candidate in (port, port + 10000):
            with socket.socket() as s:
                try:
                    s.bind(("127.0.0.1", candidate))
                except OSError:
                    free = False
        if free:
            return port


def bulk_text(reply):
    """The text of a RESP bulk-string reply."""
    header, _, rest = reply.partition(b"\r\n")
    if not header.startswith(b"$"):
        raise RuntimeError(f"expected a bulk string, got {reply[:80]!r}")
    return rest[: int(header[1:])].decode()


class Cluster:
    """Six redis-server nodes of this test's own: three primaries, each with one replica."""

    def __init__(self, folder):
        self.folder = folder
        self.ports = []
        for _ in range(6):
            self.ports.append(free_cluster_port(set(self.ports)))
        self.processes = {}
        self.url = "redis-cluster://" + ",".join(f"127.0.0.1:{p}" for p in self.ports)

    def start(self):
        for port in self.ports:
            node = os.path.join(self.folder, f"node-{port}")
            os.makedirs(node)
            log = open(os.path.join(node, "redis.log"), "ab")
            self.processes[port] = subprocess.Popen(
                ["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--dir", node, "--save", "",
                 "--appendonly", "no", "--protected-mode", "no", "--cluster-enabled", "yes",
                 "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", str(NODE_TIMEOUT_MS)],
                stdout=log, stderr=log)
        for port in self.ports:
            if wait_for(lambda: self.answers(port), 15) is None:
                raise RuntimeError(f"redis-server on {port} did not start")
        created = subprocess.run(
            ["redis-cli", "--cluster", "create", *[f"127.0.0.1:{p}" for p in self.ports],
             "--cluster-replicas", "1", "--cluster-yes"], capture_output=True, text=True, timeout=60)
        if created.returncode != 0:
            raise RuntimeError(f"redis-cli --cluster create failed:\n{created.stdout}{created.stderr}")
        if wait_for(self.ready, 30) is None:
            raise RuntimeError(f"the cluster did not get every replica in sync:\n{self.nodes_text()}")

    def answers(self, port):
        try:
            return b"PONG" in redis_command(port, "PING")
        except OSError:
            return False

    def nodes_text(self, port=None):
        return bulk_text(redis_command(port or self.live_port(), "CLUSTER", "NODES"))

    def live_port(self):
        return next(p for p in self.ports if self.processes[p].poll() is None)

    def nodes(self):
        """Each node as (port, role, id of its primary or None), from CLUSTER NODES."""
        ids = {}
        rows = []
        for line in self.nodes_text().splitlines():
            fields = line.split()
            port = int(fields[1].split("@")[0].rsplit(":", 1)[1])
            ids[fields[0]] = port
            role = "primary" if "master" in fields[2].split(",") else "replica"
            rows.append((fields[0], port, role, fields[3], "fail" in fields[2]))
        return [(port, role, ids.get(master) if master != "-" else None, failed)
                for _, port, role, master, failed in rows]

    def ready(self):
        """Cluster state ok and each of the three replicas linked to its primary and in sync."""
        try:
            if "cluster_state:ok" not in bulk_text(redis_command(self.ports[0], "CLUSTER", "INFO")):
                return False
            replicas = [port for port, role, _, _ in self.nodes() if role == "replica"]
            if len(replicas) != 3:
                return False
            for port in replicas:
                info = bulk_text(redis_command(port, "INFO", "replication"))
                if "master_link_status:up" not in info or "master_sync_in_progress:0" not in info:
                    return False
            return True
        except (OSError, RuntimeError):
            return False

    def role(self, port):
        """"master" or "slave", as the node itself says."""
        reply = redis_command(port, "ROLE")
        return "master" if b"master" in reply.split(b"\r\n")[2] else "slave"

    def kill_a_primary(self):
        """kill -9 one primary; answers (its port, its replica's port)."""
        nodes = self.nodes()
        primary = min(port for port, role, _, _ in nodes if role == "primary")
        replica = next(port for port, role, master, _ in nodes if master == primary)
        self.processes[primary].kill()
        self.processes[primary].wait()
        return primary, replica

    def close(self):
        for process in self.processes.values():
            if process.poll() is None:
                process.kill()
                process.wait()


def health(daemon):
    status, reply, headers = daemon.request("GET", "/health")
    stores = [(store.get("role"), store["status"]) for store in reply.get("stores", [])]
    return status, reply.get("status"), stores


@contextlib.contextmanager
def failover_under_load(label, settings):
    """Runs the load on a cloakroomd with `settings(cluster)`, kills a primary, waits for its
    replica to take over and the service to settle; yields (load, daemon, figures). Afterwards
    checks that cloakroomd exits 0 and removes everything."""
    folder = tempfile.mkdtemp(prefix="cloakroom-cluster-")
    cluster = Cluster(folder)
    daemon = None
    load = None
    try:
        cluster.start()
        daemon = Daemon(folder, settings(cluster))
        load = WriteLoad(daemon)
        load.start()
        time.sleep(3)
        load.phase = "failover"
        killed = time.time()
        primary, replica = cluster.kill_a_primary()
        promoted = wait_for(lambda: cluster.role(replica) == "master", 30)
        check(promoted is not None, f"{label}: the replica of {primary} was promoted:\n{cluster.nodes_text()}")
        promoted = promoted if promoted is not None else 30
        # Time for the client to read the new map, then a quiet stretch that must be all answers.
        time.sleep(max(0, promoted + 3 - (time.time() - killed)))
        load.phase = "after"
        time.sleep(3)
        load.stop()
        failed = [(at - killed, status) for at, status, _ in load.timeline if at >= killed and status not in OK]
        slowest = max((took for at, _, took in load.timeline if at >= killed), default=0)
        figures = {
            "promoted_after_s": round(promoted, 2),
            "first_error_after_s": round(failed[0][0], 2) if failed else None,
            "last_error_after_s": round(failed[-1][0], 2) if failed else None,
            "gap_s": round(failed[-1][0] - failed[0][0], 2) if failed else 0,
            "failed_requests": len(failed),
            "requests_during_failover": sum(load.by_phase["failover"].values()),
            "slowest_answer_s": round(slowest, 3),
            "statuses": {str(k): v for k, v in load.statuses.items()},
        }
        after = load.by_phase["after"]
        check(sum(after.values()) > 0 and set(after) <= set(OK),
              f"{label}: every request answered after the promotion settled: {dict(after)}")
        yield load, daemon, figures
    finally:
        stop_load_and_daemon(label, load, daemon)
        cluster.close()
        shutil.rmtree(folder, ignore_errors=True)


def plain_cluster():
    label = "redis cluster, kill -9 a primary"
    settings = lambda cluster: {"CLOAKROOM_STORE": f"{cluster.url}?timeout=2s"}
    with failover_under_load(label, settings) as (load, daemon, figures):
        kinds = {status for _, status, _ in load.timeline} - set(OK)
        check(kinds <= {503}, f"{label}: failed requests answer 503 store_unavailable only: {dict(load.statuses)}")
        if figures["last_error_after_s"] is not None:
            check(figures["last_error_after_s"] <= figures["promoted_after_s"] + 3,
                  f"{label}: errors stop within 3 s of the promotion: {figures}")
        # Redis replicates asynchronously: a write the killed primary acknowledged in its last
        # moment may not have reached the replica. Reported, not required, for the plain store.
        figures["acknowledged_writes_lost"] = load.verify(daemon, label, required=False)
        print(f"  {label}: replica promoted {figures['promoted_after_s']}s after the kill; "
              f"{figures['failed_requests']} requests answered 503 over {figures['gap_s']}s "
              f"(last {figures['last_error_after_s']}s after the kill), slowest answer {figures['slowest_answer_s']}s; "
              f"{load.creates} creates and {load.updates} updates acknowledged, "
              f"{figures['acknowledged_writes_lost']} of them lost", flush=True)
        return figures


def replicated_cluster(postgres_url):
    label = "redis cluster + postgres, kill -9 a primary"
    schema = f"cluster_{os.urandom(4).hex()}"
    settings = lambda cluster: {
        "CLOAKROOM_STORE": f"{cluster.url}?timeout=2s",
        "CLOAKROOM_STORE_DURABLE": f"{postgres_url}?sslmode=disable&schema={schema}",
    }
    with failover_under_load(label, settings) as (load, daemon, figures):
        check(set(load.statuses) <= set(OK), f"{label}: no request failed: {dict(load.statuses)}")
        back = wait_for(lambda: health(daemon) == (200, "ok", [("fast", "ok"), ("durable", "ok")]), 15)
        check(back is not None, f"{label}: the cluster is in use again after the failover: {health(daemon)}")
        figures["acknowledged_writes_lost"] = load.verify(daemon, label)
        print(f"  {label}: replica promoted {figures['promoted_after_s']}s after the kill; "
              f"{figures['failed_requests']} failed requests, slowest answer {figures['slowest_answer_s']}s; "
              f"{load.creates} creates and {load.updates} updates acknowledged, "
              f"{figures['acknowledged_writes_lost']} lost", flush=True)
        return figures


def main():
    started = time.time()
    # Bounded: a hang is a failure, not a stuck test run.
    signal.signal(signal.SIGALRM, lambda *_: sys.exit("cluster_failover: over 5 minutes, stopped"))
    signal.alarm(300)
    ci = os.environ.get("CI") == "true"
    postgres = os.environ.get("CLOAKROOM_TEST_POSTGRES")
    results = {}
    if not (shutil.which("redis-server") and shutil.which("redis-cli")):
        check(not ci, "redis-server and redis-cli are needed when CI=true")
    else:
        print("== cluster failover: plain Redis Cluster store", flush=True)
        results["cluster"] = plain_cluster()
        if postgres:
            print("== cluster failover: Redis Cluster in front of PostgreSQL", flush=True)
            results["cluster+postgres"] = replicated_cluster(postgres)
        else:
            check(not ci, "CLOAKROOM_TEST_POSTGRES is needed when CI=true")
    if "--json" in sys.argv:
        with open(sys.argv[sys.argv.index("--json") + 1], "w") as out:
            json.dump(results, out, indent=2)
    print(f"cluster failover: {checks[0] - len(failures)} of {checks[0]} checks passed in {time.time() - started:.1f}s")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
