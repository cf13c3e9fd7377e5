"""Load comparisons with wrk: the Cloakroom middleware in a Hummingbird app and cloakroomd's API
against ceilings measured in the same run, printed as one table of requests per second, p50,
p99 and the ratio to the ceiling. Starts its own Redis, stops everything it started.

Each group runs ROUNDS rounds of its ceiling followed by its scenarios; a scenario's ratio is
taken against the ceiling of its own round, and the table shows medians with the range of the
ratios, because on a shared machine one run's ceiling alone can be off by a third.

Usage: python3 scripts/bench.py BENCH_APP CLOAKROOMD [SECONDS_PER_RUN] [CONNECTIONS] [ROUNDS]"""
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
import bench_chart  # noqa: E402
from e2e_support import free_port  # noqa: E402

# Set from the command line by `configure` (scripts/bench_vapor.py imports this module).
BENCH_APP = CLOAKROOMD = None
SECONDS, CONNECTIONS, ROUNDS = 5, 32, 3
THREADS = 2
# Sessions the read and write scenarios go round (one per request), as many users would.
SESSIONS = 256
started = []
rows = []
scratch = tempfile.mkdtemp(prefix="cloakroom-bench-")


def configure(seconds=5, connections=32, rounds=3):
    global SECONDS, CONNECTIONS, ROUNDS
    SECONDS, CONNECTIONS, ROUNDS = seconds, connections, rounds


def start(argv, env, name, ready):
    log = open(os.path.join(scratch, f"{name}.log"), "wb")
    process = subprocess.Popen(argv, env=dict(os.environ, **env), stdout=log, stderr=subprocess.STDOUT, cwd=scratch)
    started.append(process)
    deadline = time.time() + 60
    while not ready():
        if process.poll() is not None or time.time() > deadline:
            raise RuntimeError(f"{name} did not start; see {log.name}:\n" + open(log.name).read()[-2000:])
        time.sleep(0.1)
    return process


def stop(process):
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    started.remove(process)


def answers(url):
    try:
        urllib.request.urlopen(url, timeout=2).read()
        return True
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False


def http(method, url, body=None, headers=None):
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, response.headers, response.read()


def call(port, method, path, cookie=None):
    """One request to the app on PORT with an optional session cookie: status, headers, text (an
    error status is an answer here, not an exception: a race may lose requests)."""
    try:
        status, headers, body = http(method, f"http://127.0.0.1:{port}{path}",
                                     headers={"Cookie": cookie} if cookie else None)
    except urllib.error.HTTPError as error:
        status, headers, body = error.code, error.headers, error.read()
    return status, headers, body.decode()


def lua(method, body=None, headers=None, login=False, cookies=None, bodies=None):
    """A wrk script setting the method, body and headers; `login` varies ?user= per request,
    `cookies` (or `bodies`) go round one per request, so connections do not all hit one session."""
    lines = [f'wrk.method = "{method}"']
    if cookies:
        lines.append("cookies = {" + ",".join(json.dumps(c) for c in cookies) + "}")
        lines.append("counter = 0")
        lines.append('request = function() counter = counter + 1 '
                     'wrk.headers["Cookie"] = cookies[(counter % #cookies) + 1] return wrk.format() end')
    if bodies:
        lines.append("bodies = {" + ",".join(json.dumps(b) for b in bodies) + "}")
        lines.append("counter = 0")
        lines.append('request = function() counter = counter + 1 '
                     'wrk.body = bodies[(counter % #bodies) + 1] return wrk.format() end')
    if body is not None:
        lines.append("wrk.body = " + json.dumps(body))
    for name, value in (headers or {}).items():
        lines.append(f'wrk.headers["{name}"] = {json.dumps(value)}')
    if login:
        lines.append("counter = 0")
        lines.append('request = function() counter = counter + 1 return wrk.format(nil, "/login?user=u" .. counter) end')
    # A fresh name every time: naming by the folder's file count reused a name once a store's
    # files left the folder, so the read, write and storm scripts became one (the storm).
    descriptor, path = tempfile.mkstemp(dir=scratch, prefix="script-", suffix=".lua")
    with os.fdopen(descriptor, "w") as file:
        file.write("\n".join(lines) + "\n")
    return path


def milliseconds(text):
    """wrk's latency text ("812.00us", "1.20ms", "2.01s", "1.05m") in milliseconds."""
    match = re.match(r"([\d.]+)(us|ms|s|m)$", text)
    if not match:
        return float("nan")
    number, unit = match.groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def cpu_seconds(pids):
    """User + system CPU seconds spent so far by these processes and their live children (gunicorn's
    workers, say), from /proc; steadier than requests per second on a shared machine."""
    tick = os.sysconf("SC_CLK_TCK")
    parents, total = set(pids), 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii") as file:
                fields = file.read().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        # After the command: state, ppid, ..., utime and stime are fields 14 and 15 of stat(5).
        if int(entry) in parents or int(fields[1]) in parents:
            total += int(fields[11]) + int(fields[12])
    return total / tick


def wrk(url, script=None, pids=()):
    """One wrk run: requests per second, p50 and p99 in ms, non-2xx answers, and the CPU time the
    server processes PIDS spent per request in µs (NaN without PIDS)."""
    argv = ["wrk", f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{SECONDS}s", "--latency"]
    if script:
        argv += ["-s", script]
    before = cpu_seconds(pids) if pids else 0.0
    output = subprocess.run(argv + [url], capture_output=True, text=True, check=True).stdout
    spent = cpu_seconds(pids) - before if pids else 0.0
    done = re.search(r"(\d+) requests in", output)
    cpu = spent / int(done.group(1)) * 1e6 if pids and done and int(done.group(1)) else float("nan")
    rps_match = re.search(r"Requests/sec:\s+([\d.]+)", output)
    p50_match = re.search(r"50%\s+(\S+)", output)
    p99_match = re.search(r"99%\s+(\S+)", output)
    if not (rps_match and p50_match and p99_match):
        print(output, flush=True)
        return 0.0, float("nan"), float("nan"), 0, cpu
    rps = float(rps_match.group(1))
    p50 = milliseconds(p50_match.group(1))
    p99 = milliseconds(p99_match.group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return rps, p50, p99, int(errors.group(1)) if errors else 0, cpu


def record(group, scenario, results, ceiling_cpu=None):
    """`results` holds one (wrk result, ceiling rps of the same round) per round; CEILING_CPU is
    the ceiling's median CPU µs per request, for the scenario's CPU over it."""
    def median(values):
        known = [value for value in values if value == value]  # a latency wrk printed oddly is NaN
        return statistics.median(known) if known else float("nan")

    rps = median(result[0] for result, _ in results)
    p50 = median(result[1] for result, _ in results)
    p99 = median(result[2] for result, _ in results)
    errors = sum(result[3] for result, _ in results)
    cpu = median(result[4] for result, _ in results)
    over = cpu - ceiling_cpu if ceiling_cpu is not None else float("nan")
    ratios = [result[0] / ceiling for result, ceiling in results if ceiling]
    ratio = (statistics.median(ratios), min(ratios), max(ratios)) if ratios else None
    rows.append((group, scenario, rps, p50, p99, ratio, errors, cpu, over))
    print(f"  {group:<22} {scenario:<26} {rps:>10.0f} rps  p50 {p50:7.2f} ms  p99 {p99:7.2f} ms"
          + (f"  cpu {cpu:7.1f} µs/req" if cpu == cpu else "")
          + (f"  {ratio[0]:5.2f}x ({ratio[1]:.2f}-{ratio[2]:.2f})" if ratio else "")
          + (f"  NON-2XX {errors}" if errors else ""), flush=True)


def in_rounds(group, ceiling_name, ceiling_run, scenarios):
    """Runs the ceiling and then each scenario, ROUNDS times, and records the medians."""
    results = {name: [] for name in [ceiling_name] + [name for name, _ in scenarios]}
    for _ in range(ROUNDS):
        ceiling = ceiling_run()
        results[ceiling_name].append((ceiling, ceiling[0]))
        for name, run in scenarios:
            results[name].append((run(), ceiling[0]))
    ceiling_cpu = None
    for name, runs in results.items():
        record(group, name, runs, ceiling_cpu)
        if name == ceiling_name:
            ceiling_cpu = rows[-1][7]


def contract_app(group, port, pids=()):
    """Measures an app of the load contract (GET /hello, POST /login?user=, GET /me, POST /incr)
    on PORT: signs SESSIONS users in, then reads, writes and a sign-in storm against the ceiling,
    in rounds, with the CPU time PIDS spend per request. Every framework's benchmark app answers
    the same contract."""
    base = f"http://127.0.0.1:{port}"
    cookies = []
    for index in range(SESSIONS):
        _, headers, _ = http("POST", f"{base}/login?user=bench{index}")
        cookies.append(headers["Set-Cookie"].split(";")[0])
    read, write, storm = lua("GET", cookies=cookies), lua("POST", cookies=cookies), lua("POST", login=True)
    in_rounds(group, "GET /hello (ceiling)", lambda: wrk(f"{base}/hello", pids=pids), [
        ("GET /me (read)", lambda: wrk(f"{base}/me", read, pids)),
        ("POST /incr (write)", lambda: wrk(f"{base}/incr", write, pids)),
        ("POST /login (storm)", lambda: wrk(f"{base}/", storm, pids)),
    ])


def redis_server():
    port = free_port()
    process = start(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", scratch],
        {}, "redis", lambda: subprocess.run(["redis-cli", "-p", str(port), "ping"], capture_output=True).returncode == 0,
    )
    return port, process


def bench_app(store, json_body=None, sessions=None):
    port = free_port()
    env = {"CLOAKROOM_STORE": store, "LISTEN": f"127.0.0.1:{port}"}
    if sessions is not None:
        env["BENCH_SESSIONS"] = sessions
    if json_body is not None:
        env["JSON_BODY"] = json_body
    process = start([BENCH_APP], env, f"app-{len(started)}", lambda: answers(f"http://127.0.0.1:{port}/hello"))
    return port, process


def main():
    missing = [tool for tool in ("wrk", "redis-server", "redis-benchmark") if shutil.which(tool) is None]
    if missing:
        sys.exit(f"scripts/bench.py needs {', '.join(missing)}: apt-get install wrk redis-server redis-tools")
    began = time.time()
    redis_port, redis = redis_server()
    stores = [("memory", "memory"), ("sqlite", f"sqlite:{scratch}/app.sqlite"),
              ("redis", f"redis://127.0.0.1:{redis_port}?pool_size=8")]

    print(f"== wrk -t{THREADS} -c{CONNECTIONS} -d{SECONDS}s, {ROUNDS} rounds; ratios against the ceiling of the same round",
          flush=True)
    for name, url in stores:
        port, app = bench_app(url)
        # The app's own CPU, and Redis's for the Redis store (the ceiling does not touch it).
        contract_app(f"middleware/{name}", port, [app.pid] + ([redis.pid] if name == "redis" else []))
        stop(app)
        if name == "memory":
            # The same contract on hummingbird-auth's SessionMiddleware and MemoryPersistDriver, same binary.
            port, app = bench_app("memory", sessions="hummingbird-auth")
            contract_app("hummingbird-auth/memory", port, [app.pid])
            stop(app)

    for name, url in stores:
        if name == "sqlite":
            url = f"sqlite:{scratch}/daemon.sqlite"
        port = free_port()
        folder = tempfile.mkdtemp(dir=scratch)
        log_path = os.path.join(scratch, f"cloakroomd-{name}.log")
        log = open(log_path, "wb")
        daemon = subprocess.Popen(
            [CLOAKROOMD], cwd=folder, stdout=log, stderr=subprocess.STDOUT,
            env=dict(os.environ, CLOAKROOM_STORE=url, CLOAKROOM_LISTEN=f"127.0.0.1:{port}", CLOAKROOM_LOG_LEVEL="warning"),
        )
        started.append(daemon)
        deadline = time.time() + 60
        while "listening on" not in open(log_path).read():
            if time.time() > deadline or daemon.poll() is not None:
                raise RuntimeError(f"cloakroomd did not start: {open(log_path).read()[-2000:]}")
            time.sleep(0.1)
        key_file = re.search(r"it is written to (\S+), readable only", open(log_path).read()).group(1)
        key = open(os.path.join(folder, key_file)).read().strip()
        api = f"http://127.0.0.1:{port}"
        auth = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
        ids = []
        for index in range(SESSIONS):
            body = json.dumps({"user_id": f"bench{index}", "data": {"n": 0}}).encode()
            ids.append(json.loads(http("POST", f"{api}/v1/sessions", body, auth)[2])["id"])
        session_id = ids[0]
        resume_body = json.dumps({"id": session_id})
        _, _, resumed = http("POST", f"{api}/v1/sessions/resume", resume_body.encode(), auth)
        # The ceiling: a bare Hummingbird route answering JSON of the same size.
        app_port, app = bench_app("memory", json_body=resumed.decode())
        daemon_pids = [daemon.pid] + ([redis.pid] if name == "redis" else [])
        resumes = lua("POST", resume_body, auth, bodies=[json.dumps({"id": i}) for i in ids])
        updates = lua("POST", None, auth, bodies=[json.dumps({"id": i, "set": {"n": 1}}) for i in ids])
        in_rounds(f"cloakroomd/{name}", f"GET /json {len(resumed)} B (ceiling)",
                  lambda: wrk(f"http://127.0.0.1:{app_port}/json", pids=[app.pid]), [
                      ("POST /v1/sessions/resume", lambda: wrk(f"{api}/v1/sessions/resume", resumes, daemon_pids)),
                      ("POST /v1/sessions/update", lambda: wrk(f"{api}/v1/sessions/update", updates, daemon_pids)),
                  ])
        stop(app)
        stop(daemon)

    output = subprocess.run(
        ["redis-benchmark", "-p", str(redis_port), "-t", "get,set", "-c", str(CONNECTIONS), "-n", "200000", "-q"],
        capture_output=True, text=True, check=True,
    ).stdout
    for line in output.replace("\r", "\n").splitlines():
        match = re.match(r"(GET|SET): ([\d.]+) requests per second(?:, p50=([\d.]+) msec)?", line.strip())
        if match:
            rps = float(match.group(1 + 1))
            p50 = float(match.group(3)) if match.group(3) else float("nan")
            rows.append(("redis-benchmark", match.group(1), rps, p50, float("nan"), None, 0, float("nan"), float("nan")))
            print(f"  redis-benchmark        {match.group(1):<26} {rps:>10.0f} rps  p50 {p50:7.2f} ms", flush=True)
    stop(redis)

    print_versus("middleware/memory", "hummingbird-auth/memory")
    print_table("bench", f"scripts/bench: the middleware and cloakroomd against their ceilings ({time.strftime('%Y-%m-%d')})")
    print(f"\nbench finished in {time.time() - began:.0f} s")


def print_table(chart_name=None, title="Load comparison"):
    """Prints the table and, given CHART_NAME, draws its ratios into .build/bench-charts/NAME.svg
    (scripts/bench_chart.py) and prints where."""
    print()
    print(f"| group | scenario | rps | p50 ms | p99 ms | server CPU µs/req | over ceiling µs "
          f"| ratio to ceiling (median, range of {ROUNDS}) |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for group, scenario, rps, p50, p99, ratio, errors, cpu, over in rows:
        ratio_text = f"{ratio[0]:.2f}× ({ratio[1]:.2f}–{ratio[2]:.2f})" if ratio is not None else ""
        p99_text = "" if p99 != p99 else f"{p99:.2f}"
        cpu_text = "" if cpu != cpu else f"{cpu:.1f}"
        over_text = "" if over != over else f"{over:+.1f}"
        note = f" ({errors} non-2xx)" if errors else ""
        print(f"| {group} | {scenario}{note} | {rps:.0f} | {p50:.2f} | {p99_text} | {cpu_text} | {over_text} "
              f"| {ratio_text} |")
    if chart_name:
        folder = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".build", "bench-charts")
        os.makedirs(folder, exist_ok=True)
        path = os.path.normpath(os.path.join(folder, f"{chart_name}.svg"))
        bench_chart.write([(row[0], row[1], row[5]) for row in rows], path, title)
        print(f"\nchart: {path}")


def print_survivors(heading, survivors, suffix=""):
    """The race checks' table: per session layer, how many concurrent changes survived per try."""
    print(f"\n| session layer | {heading} |")
    print("| --- | --- |")
    for layer, counts in survivors:
        print(f"| {layer} | {', '.join(str(count) for count in counts)}{suffix} |")


def print_versus(ours, theirs):
    """Our scenarios against theirs: the ratio of the two ratios to each app's own ceiling (so
    drift between the groups cancels) and the CPU each spends over its ceiling per request."""
    def by_scenario(group):
        return {row[1]: row for row in rows if row[0] == group and row[5] is not None and "ceiling" not in row[1]}

    mine, other = by_scenario(ours), by_scenario(theirs)
    print(f"\n| scenario | {ours} ÷ {theirs} (ratios to own ceiling) | CPU over ceiling, µs/req: ours / theirs |")
    print("| --- | ---: | ---: |")
    for scenario, row in mine.items():
        if scenario in other:
            ratio = row[5][0] / other[scenario][5][0] if other[scenario][5][0] else float("nan")
            print(f"| {scenario} | {ratio:.2f}× | {row[8]:.1f} / {other[scenario][8]:.1f} |")


def cleanup():
    for process in list(started):
        process.kill()
    shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    BENCH_APP = os.path.abspath(sys.argv[1])
    CLOAKROOMD = os.path.abspath(sys.argv[2])
    configure(*(int(value) for value in sys.argv[3:6]))
    try:
        main()
    finally:
        cleanup()
