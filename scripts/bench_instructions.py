"""Instructions and heap allocations per request and per call, counted by valgrind's callgrind.

Runs each InstructionCounts scenario at two counts, COUNT/4 and COUNT, and divides the
difference by the difference in counts, so the process's start-up, the sign-in and the warm-up
cancel out. Every round repeats this; the table shows medians, with the range of the rounds'
instruction counts. Allocations are calls to malloc (Swift objects, arrays, strings and
dictionaries all come from it).

The HTTP scenarios run twice: through Hummingbird's in-process test client ("router": routing,
middleware, handler, no sockets; each request is a new task, whose frames the task allocator
takes from malloc'd slabs) and over loopback ("live": a server and an HTTP client in the same
process, one keep-alive connection, so the client's instructions count too, alike for every
row). A router row's mallocs include ~11 task-allocator slabs per request that a served
connection's task reuses (the live rows show the served picture). The cloakroomd rows drive its
own router (API key check, JSON bodies and answers) on a memory store, against a bare route
answering a resume's bytes. The manager rows call `SessionManager` directly; their Redis rows
run against a scratch redis-server this script starts on loopback (left out, with a note, where
redis-server is not installed), and count the client's side only.

The binary is counted from a copy without its debug information: valgrind 3.19 cannot read
the DWARF 5 that Swift 6.3 writes ("unhandled dwarf2 abbrev form code 0x25") and gives up.

Usage: python3 scripts/bench_instructions.py INSTRUCTION_COUNTS [COUNT] [ROUNDS]"""
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

# (label, scenario, store, transport, ceiling label): a row's ratio is the ceiling's
# instructions over its own, as a requests-per-second ratio would read.
ROUTER_CEILING = "router  cloakroom/memory  GET /hello (ceiling)"
AUTH_ROUTER_CEILING = "router  hb-auth/memory    GET /hello (ceiling)"
LIVE_CEILING = "live    cloakroom/memory  GET /hello (ceiling)"
AUTH_LIVE_CEILING = "live    hb-auth/memory    GET /hello (ceiling)"
DAEMON_CEILING = "router  cloakroomd/memory GET /json (ceiling)"
ROWS = [
    (ROUTER_CEILING, "hello", "memory", "router", None),
    ("router  cloakroom/memory  GET /me (read)", "me", "memory", "router", ROUTER_CEILING),
    ("router  cloakroom/memory  POST /incr (write)", "incr", "memory", "router", ROUTER_CEILING),
    ("router  cloakroom/sqlite  GET /me (read)", "me", "sqlite", "router", ROUTER_CEILING),
    ("router  cloakroom/sqlite  POST /incr (write)", "incr", "sqlite", "router", ROUTER_CEILING),
    (AUTH_ROUTER_CEILING, "auth-hello", "memory", "router", None),
    ("router  hb-auth/memory    GET /me (read)", "auth-me", "memory", "router", AUTH_ROUTER_CEILING),
    ("router  hb-auth/memory    POST /incr (write)", "auth-incr", "memory", "router", AUTH_ROUTER_CEILING),
    (LIVE_CEILING, "hello", "memory", "live", None),
    ("live    cloakroom/memory  GET /me (read)", "me", "memory", "live", LIVE_CEILING),
    ("live    cloakroom/memory  POST /incr (write)", "incr", "memory", "live", LIVE_CEILING),
    (AUTH_LIVE_CEILING, "auth-hello", "memory", "live", None),
    ("live    hb-auth/memory    GET /me (read)", "auth-me", "memory", "live", AUTH_LIVE_CEILING),
    ("live    hb-auth/memory    POST /incr (write)", "auth-incr", "memory", "live", AUTH_LIVE_CEILING),
    (DAEMON_CEILING, "daemon-json", "memory", "router", None),
    ("router  cloakroomd/memory resume", "daemon-resume", "memory", "router", DAEMON_CEILING),
    ("router  cloakroomd/memory update", "daemon-update", "memory", "router", DAEMON_CEILING),
    ("call    manager/memory    resume", "resume", "memory", "router", None),
    ("call    manager/memory    update", "update", "memory", "router", None),
    ("call    manager/sqlite    resume", "resume", "sqlite", "router", None),
    ("call    manager/sqlite    update", "update", "sqlite", "router", None),
]
# Rows that need a Redis server.
REDIS_ROWS = [
    ("call    manager/redis     resume", "resume", "redis", "router", None),
    ("call    manager/redis     update", "update", "redis", "router", None),
]
# Cloakroom's row against hummingbird-auth's doing the same, each over its own ceiling.
VERSUS = [
    ("router GET /me", "router  cloakroom/memory  GET /me (read)", ROUTER_CEILING,
     "router  hb-auth/memory    GET /me (read)", AUTH_ROUTER_CEILING),
    ("router POST /incr", "router  cloakroom/memory  POST /incr (write)", ROUTER_CEILING,
     "router  hb-auth/memory    POST /incr (write)", AUTH_ROUTER_CEILING),
    ("live GET /me", "live    cloakroom/memory  GET /me (read)", LIVE_CEILING,
     "live    hb-auth/memory    GET /me (read)", AUTH_LIVE_CEILING),
    ("live POST /incr", "live    cloakroom/memory  POST /incr (write)", LIVE_CEILING,
     "live    hb-auth/memory    POST /incr (write)", AUTH_LIVE_CEILING),
]


def counted(path):
    """Total instructions and calls to malloc in a callgrind output file."""
    names, total, mallocs, pending = {}, None, 0, False
    with open(path, errors="replace") as output:
        for line in output:
            if line.startswith(("fn=", "cfn=")):
                match = re.match(r"c?fn=\((\d+)\)(?: (.*))?", line)
                if match and match.group(2):
                    names[match.group(1)] = match.group(2).strip()
                pending = line.startswith("cfn=") and match and names.get(match.group(1)) == "malloc"
            elif line.startswith("calls=") and pending:
                mallocs += int(line.split("=", 1)[1].split()[0])
                pending = False
            elif line.startswith(("summary:", "totals:")):
                total = int(line.split(":", 1)[1].split()[0])
    if total is None:
        sys.exit(f"bench-instructions: no totals in {path}")
    return total, mallocs


def run(binary, scenario, store, transport, count, scratch):
    """(instructions, mallocs) callgrind counted for one run of `scenario`, `count` times."""
    environment = dict(os.environ, TRANSPORT=transport, CLOAKROOM_STORE="memory")
    if store == "sqlite":
        path = os.path.join(scratch, f"{scenario}-{count}.sqlite")
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(path + suffix):
                os.remove(path + suffix)
        environment["CLOAKROOM_STORE"] = f"sqlite:{path}"
    elif store == "redis":
        environment["CLOAKROOM_STORE"] = REDIS_URL
    output = os.path.join(scratch, "callgrind.out")
    result = subprocess.run(
        ["valgrind", "--tool=callgrind", f"--callgrind-out-file={output}", binary, scenario, str(count)],
        env=environment, capture_output=True, text=True,
    )
    if result.returncode != 0 or not os.path.exists(output):
        tail = "\n".join(result.stderr.strip().splitlines()[-15:])
        sys.exit(f"bench-instructions: {scenario} ({store}, {transport}) x{count} failed "
                 f"(exit {result.returncode}):\n{tail}")
    counts = counted(output)
    os.remove(output)
    return counts


REDIS_URL = None


def start_redis(scratch):
    """A redis-server on a free loopback port, without persistence, or None when not installed."""
    global REDIS_URL
    if shutil.which("redis-server") is None:
        return None
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", scratch],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    for _ in range(100):
        if subprocess.run(["redis-cli", "-p", str(port), "ping"], capture_output=True).returncode == 0:
            REDIS_URL = f"redis://127.0.0.1:{port}"
            return server
        time.sleep(0.1)
    server.kill()
    sys.exit(f"bench-instructions: redis-server did not answer on port {port}")


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    source = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 2
    if count < 8 or rounds < 1:
        sys.exit("bench-instructions: COUNT must be at least 8 and ROUNDS at least 1")
    low = count // 4
    instructions, mallocs = {}, {}
    with tempfile.TemporaryDirectory(prefix="cloakroom-instructions-") as scratch:
        binary = os.path.join(scratch, "InstructionCounts")
        subprocess.run(["strip", "--strip-debug", "-o", binary, source], check=True)
        redis = start_redis(scratch)
        rows = ROWS + (REDIS_ROWS if redis else [])
        try:
            count_rows(binary, rows, count, low, rounds, scratch, instructions, mallocs)
        finally:
            if redis:
                redis.terminate()
                redis.wait()
    median = {label: statistics.median(values) for label, values in instructions.items()}
    print(f"Per request or call (callgrind; medians of {rounds} rounds of {low} and {count}):")
    print(f"  {'':<46} {'instructions':>12} {'(range)':<21} {'mallocs':>7}  ratio")
    for label, _, _, _, ceiling in rows:
        values = instructions[label]
        spread = f"({min(values):,.0f}-{max(values):,.0f})"
        ratio = f"{median[ceiling] / median[label]:.2f}x of its ceiling" if ceiling else ""
        print(f"  {label:<46} {median[label]:>12,.0f} {spread:<21} {statistics.median(mallocs[label]):>7.1f}  {ratio}")
    if not redis:
        print("  (no Redis rows: redis-server is not installed; apt-get install redis-server)")
    for name, ours, our_ceiling, theirs, their_ceiling in VERSUS:
        our_extra = median[ours] - median[our_ceiling]
        their_extra = median[theirs] - median[their_ceiling]
        print(f"  {name}: Cloakroom at {median[theirs] / median[ours]:.2f}x of hummingbird-auth; "
              f"the session costs {our_extra:,.0f} instructions over the ceiling, hummingbird-auth's {their_extra:,.0f}")


def count_rows(binary, rows, count, low, rounds, scratch, instructions, mallocs):
    """Counts every row's scenario in `rounds` rounds into `instructions` and `mallocs`."""
    for label, scenario, store, transport, _ in rows:
        per_round = []
        for _ in range(rounds):
            high = run(binary, scenario, store, transport, count, scratch)
            base = run(binary, scenario, store, transport, low, scratch)
            per_round.append(((high[0] - base[0]) / (count - low), (high[1] - base[1]) / (count - low)))
        instructions[label] = [value[0] for value in per_round]
        mallocs[label] = [value[1] for value in per_round]
        print(f"  {label:<46} {statistics.median(instructions[label]):>10,.0f}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
