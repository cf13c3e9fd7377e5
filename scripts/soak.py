#!/usr/bin/env python3
"""Soak: mixed load against cloakroomd for MINUTES, on SQLite and on Redis + PostgreSQL at once,
sampling each daemon's resident memory, open files and p99 latency every INTERVAL seconds.
Standard library only.

Usage: scripts/soak.py PATH/TO/cloakroomd [MINUTES] [INTERVAL_SECONDS] [--chart PATH.svg] [--json PATH] [--heap]
Needs CLOAKROOM_TEST_POSTGRES and CLOAKROOM_TEST_REDIS (scripts/test-servers).

--heap also samples the C heap at every sample (bytes the allocator holds from the system and
bytes in use, from glibc's malloc_stats through gdb, which pauses the daemon for about a second):
it tells a leak (in use grows) from memory the allocator keeps after a peak (in use flat).

The load: four clients per daemon, each keeping up to 50 live sessions of 40 users and choosing
per step: create, resume, update, rotate, end, list a user's sessions, or a token pair and a
refresh. Sessions are ended as new ones come, so the live count stays flat and any growth of
memory or files is the service's own. Targets, after a warm-up of the first fifth of the run:
resident memory grows under 5 %, open files do not grow, p99 stays within 1.5x of the first
sample after the warm-up. A short run (under 10 minutes; scripts/test makes a 2-minute one)
judges its second half: open files as strictly, memory under 20 % (a gross leak), p99 reported.
"""
import collections
import http.client
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time

import e2e_support
from e2e_support import Daemon, check, checks, failures

SCENARIOS = [("create", 3), ("resume", 8), ("update", 4), ("rotate", 1), ("end", 1), ("list", 1), ("tokens", 1)]


class Connection:
    """A kept-alive HTTP/1.1 connection to cloakroomd with the API key. The soak's own client, not
    e2e_support's: that one remembers every secret for the leak scan, which a long run would
    turn into millions of ledger lines."""

    def __init__(self, port, key):
        self.port = port
        self.headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
        self.connection = None

    def reset(self):
        if self.connection:
            self.connection.close()
        self.connection = None

    def call(self, method, path, body=None):
        if self.connection is None:
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        self.connection.request(method, path, json.dumps(body) if body is not None else None, self.headers)
        response = self.connection.getresponse()
        text = response.read()
        return response.status, (json.loads(text) if text else None)


class Soak:
    """One daemon under load, with its samples."""

    def __init__(self, name, settings, clients=4, heap=False):
        self.name = name
        self.heap = heap
        self.folder = tempfile.mkdtemp(prefix=f"cloakroom-soak-{name}-")
        self.daemon = Daemon(self.folder, settings)
        self.latencies = []
        self.counts = collections.Counter()
        self.errors = collections.Counter()
        self.statuses = collections.Counter()
        self.lock = threading.Lock()
        self.stopping = False
        self.samples = []
        self.threads = [threading.Thread(target=self.client, args=(c,), daemon=True) for c in range(clients)]

    def client(self, number):
        connection = Connection(self.daemon.port, self.daemon.key)
        sessions = collections.deque()
        users = [f"soak{number}-{u}" for u in range(40)]
        choices, weights = zip(*SCENARIOS)
        while not self.stopping:
            scenario = random.choices(choices, weights)[0] if sessions else "create"
            started = time.perf_counter()
            try:
                status = self.step(connection.call, scenario, sessions, users)
            except Exception as error:  # noqa: BLE001 - a failed request is counted, not fatal
                status = type(error).__name__
                connection.reset()
            elapsed = time.perf_counter() - started
            with self.lock:
                self.latencies.append(elapsed)
                self.counts[scenario] += 1
                self.statuses[f"{scenario} {status}"] += 1
                if not isinstance(status, int) or status >= 500:
                    self.errors[f"{scenario} {status}"] += 1

    @staticmethod
    def step(call, scenario, sessions, users):
        if scenario == "create":
            status, reply = call("POST", "/v1/sessions", {"user_id": random.choice(users), "data": {"n": 0}})
            if status == 201:
                sessions.append(reply["id"])
                while len(sessions) > 50:
                    call("POST", "/v1/sessions/end", {"id": sessions.popleft()})
            return status
        session = random.choice(sessions)
        if scenario == "resume":
            return call("POST", "/v1/sessions/resume", {"id": session})[0]
        if scenario == "update":
            return call("POST", "/v1/sessions/update", {"id": session, "increment": {"n": 1}})[0]
        if scenario == "rotate":
            status, reply = call("POST", "/v1/sessions/rotate", {"id": session})
            if status == 200:
                sessions.remove(session)
                sessions.append(reply["id"])
            return status
        if scenario == "end":
            sessions.remove(session)
            return call("POST", "/v1/sessions/end", {"id": session})[0]
        if scenario == "list":
            return call("GET", f"/v1/users/{random.choice(users)}/sessions")[0]
        status, pair = call("POST", "/v1/tokens", {"id": session})
        if status != 200:
            return status
        return call("POST", "/v1/tokens/refresh", {"refresh_token": pair["refresh_token"]})[0]

    def start(self):
        for thread in self.threads:
            thread.start()

    def sample(self, at):
        pid = self.daemon.process.pid
        with open(f"/proc/{pid}/status") as status:
            rss = next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))
        files = len(os.listdir(f"/proc/{pid}/fd"))
        with self.lock:
            latencies, self.latencies = sorted(self.latencies), []
            done = sum(self.counts.values())
        p99 = latencies[int(len(latencies) * 0.99)] * 1000 if latencies else float("nan")
        sample = {"t": round(at), "rss_kib": rss, "open_files": files, "p99_ms": round(p99, 2), "requests": done}
        heap = ""
        if self.heap:
            sample["heap_system_kib"], sample["heap_in_use_kib"] = self.heap_totals()
            heap = f"  heap {sample['heap_system_kib'] / 1024:6.1f} MiB held, {sample['heap_in_use_kib'] / 1024:6.1f} in use"
        self.samples.append(sample)
        print(f"  {self.name:15} t={at:5.0f}s  rss {rss / 1024:7.1f} MiB  open files {files:4}  "
              f"p99 {p99:7.2f} ms  requests {done}{heap}", flush=True)

    def heap_totals(self):
        """(KiB held from the system, KiB in use) over every malloc arena, from glibc's malloc_stats,
        which the daemon prints to its log when gdb calls it."""
        subprocess.run(["gdb", "-p", str(self.daemon.process.pid), "-batch", "-nx",
                        "-ex", "call (void) malloc_stats()"], capture_output=True, timeout=120)
        with open(self.daemon.output, encoding="utf-8", errors="replace") as log:
            text = log.read()
        total = text[text.rfind("Total (incl. mmap):"):]
        numbers = [int(line.split("=")[1]) for line in total.splitlines()[1:3] if "=" in line]
        return (numbers[0] // 1024, numbers[1] // 1024) if len(numbers) == 2 else (float("nan"), float("nan"))

    def stop(self):
        self.stopping = True
        for thread in self.threads:
            thread.join(timeout=60)
        code = self.daemon.stop()
        check(code == 0, f"{self.name}: cloakroomd exits 0 after the soak, got {code}")

    def judge(self, warm_up, full):
        """Checks the samples after the warm-up against the targets. A short run (scripts/test's)
        allows memory 20 % (it catches a leak of a kilobyte a request, which doubles memory within
        minutes) and reports p99; the 5 % and 1.5x targets are for runs of 10 minutes or more."""
        after = [s for s in self.samples if s["t"] >= warm_up]
        if len(after) < 2:
            check(False, f"{self.name}: too few samples after the warm-up to judge: {len(after)}")
            return {}
        first, last = after[0], after[-1]
        growth = (last["rss_kib"] - first["rss_kib"]) / first["rss_kib"]
        most_files = max(s["open_files"] for s in after)
        worst_p99 = max(s["p99_ms"] for s in after)
        limit = 0.05 if full else 0.20
        check(growth < limit, f"{self.name}: resident memory grew {growth:.1%} after the warm-up (limit {limit:.0%})")
        check(most_files <= first["open_files"] + 2,
              f"{self.name}: open files stayed flat: {first['open_files']} after the warm-up, at most {most_files}")
        p99_ratio = worst_p99 / first["p99_ms"] if first["p99_ms"] else float("nan")
        if full:
            check(p99_ratio <= 1.5, f"{self.name}: p99 stayed within 1.5x of the first sample: {p99_ratio:.2f}x")
        bad = sum(self.errors.values())
        total = sum(self.counts.values())
        check(bad <= total * 0.001, f"{self.name}: {bad} of {total} requests failed: {dict(self.errors)}")
        return {"rss_growth": growth, "open_files": (first["open_files"], most_files), "p99_ratio": p99_ratio,
                "requests": total, "failed": bad, "statuses": dict(self.statuses)}


def chart(soaks, path, minutes):
    """An SVG of resident memory and p99 over time, one line per daemon."""
    width, height, left, top, plot_w, plot_h = 760, 300, 60, 30, 660, 90
    colours = ["#3451b2", "#b42318"]
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" font-family="sans-serif" '
             f'font-size="11"><rect width="{width}" height="{height}" fill="#fff"/>',
             f'<text x="{left}" y="16" font-size="13">scripts/soak: {minutes} min, resident memory (top) and '
             f'p99 (bottom) per sample</text>']
    end = max((s["t"] for soak in soaks for s in soak.samples), default=1) or 1
    for row, (key, unit, scale) in enumerate([("rss_kib", "MiB", 1 / 1024), ("p99_ms", "ms", 1)]):
        y0 = top + row * (plot_h + 50)
        values = [s[key] * scale for soak in soaks for s in soak.samples if s[key] == s[key]]
        ceiling = max(values, default=1) * 1.1 or 1
        parts.append(f'<line x1="{left}" y1="{y0 + plot_h}" x2="{left + plot_w}" y2="{y0 + plot_h}" stroke="#ccc"/>')
        parts.append(f'<text x="{left - 6}" y="{y0 + 8}" text-anchor="end">{ceiling:.0f} {unit}</text>')
        parts.append(f'<text x="{left - 6}" y="{y0 + plot_h}" text-anchor="end">0</text>')
        for index, soak in enumerate(soaks):
            points = " ".join(f"{left + s['t'] / end * plot_w:.1f},{y0 + plot_h - s[key] * scale / ceiling * plot_h:.1f}"
                              for s in soak.samples if s[key] == s[key])
            parts.append(f'<polyline fill="none" stroke="{colours[index % 2]}" stroke-width="2" points="{points}"/>')
            if key == "rss_kib" and any("heap_in_use_kib" in s for s in soak.samples):
                # With --heap: the C heap in use, dashed, on the same scale.
                heap = " ".join(f"{left + s['t'] / end * plot_w:.1f},"
                                f"{y0 + plot_h - s['heap_in_use_kib'] * scale / ceiling * plot_h:.1f}"
                                for s in soak.samples if s.get("heap_in_use_kib") == s.get("heap_in_use_kib"))
                parts.append(f'<polyline fill="none" stroke="{colours[index % 2]}" stroke-width="1" '
                             f'stroke-dasharray="4 3" points="{heap}"/>')
    for index, soak in enumerate(soaks):
        parts.append(f'<text x="{left + index * 200}" y="{height - 8}" fill="{colours[index % 2]}">{soak.name}</text>')
    parts.append(f'<text x="{left + plot_w}" y="{height - 8}" text-anchor="end">{end} s</text></svg>')
    with open(path, "w") as file:
        file.write("".join(parts) + "\n")


def main():
    arguments, options, words = [], {}, iter(sys.argv[1:])
    for word in words:
        if word == "--heap":
            options[word] = True
        elif word.startswith("--"):
            options[word] = next(words, "")
        else:
            arguments.append(word)
    e2e_support.BINARY = os.path.abspath(arguments[0])
    minutes = float(arguments[1]) if len(arguments) > 1 else 30
    interval = float(arguments[2]) if len(arguments) > 2 else (30 if minutes >= 10 else 10)
    postgres, redis = os.environ.get("CLOAKROOM_TEST_POSTGRES"), os.environ.get("CLOAKROOM_TEST_REDIS")
    if not (postgres and redis):
        sys.exit("soak: CLOAKROOM_TEST_POSTGRES and CLOAKROOM_TEST_REDIS must name running servers "
                 "(scripts/soak starts them)")
    started = time.time()
    settings = {"CLOAKROOM_LOG_LEVEL": "warning", "CLOAKROOM_EVENTS_FILE": ""}
    soaks = [
        Soak("sqlite", dict(settings), heap="--heap" in options),
        Soak("redis+postgres", dict(settings, CLOAKROOM_STORE=f"{redis}?prefix=soak{os.urandom(3).hex()}:",
                                    CLOAKROOM_STORE_DURABLE=f"{postgres}?sslmode=disable&schema=soak_{os.urandom(3).hex()}"),
             heap="--heap" in options),
    ]
    print(f"soak: {minutes:g} min, a sample every {interval:g} s, on {', '.join(s.name for s in soaks)}", flush=True)
    for soak in soaks:
        soak.start()
    deadline = started + minutes * 60
    next_sample = started + interval
    while time.time() < deadline:
        time.sleep(max(0, min(next_sample, deadline) - time.time()))
        if time.time() >= next_sample - 0.01:
            for soak in soaks:
                soak.sample(time.time() - started)
            next_sample += interval
    for soak in soaks:
        soak.stop()
    full = minutes >= 10
    # The first fifth of a full run; a short run judges its second half: connection pools and the
    # allocator's per-thread arenas fill during the first minute.
    warm_up = minutes * 60 / 5 if full else minutes * 60 / 2
    results = {soak.name: soak.judge(warm_up, full) for soak in soaks}
    for name, result in results.items():
        if result:
            print(f"soak {name}: {result['requests']} requests ({result['failed']} failed); memory "
                  f"{result['rss_growth']:+.1%} after the warm-up; open files {result['open_files'][0]} -> at most "
                  f"{result['open_files'][1]}; worst p99 {result['p99_ratio']:.2f}x the first"
                  + ("" if full else " (reported, judged on runs of 10 minutes or more)"), flush=True)
    if "--chart" in options:
        chart(soaks, options["--chart"], minutes)
    if "--json" in options:
        with open(options["--json"], "w") as file:
            json.dump({soak.name: soak.samples for soak in soaks}, file, indent=1)
    print(f"soak: {checks[0] - len(failures)} of {checks[0]} checks passed in {time.time() - started:.0f}s")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
