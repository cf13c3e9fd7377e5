"""Load comparison of the Vapor integration with wrk: the BenchApp contract (POST /login, GET /me,
POST /incr) on Vapor with Cloakroom's sessions driver and with req.cloakroom, on the memory,
SQLite and Redis stores, against Vapor's own .memory and .fluent (SQLite) drivers, each as a ratio
to a bare Vapor route of the same app in the same round. Then, per session layer, 32 requests at
once each setting a different key of one session: how many of the 32 changes survive.

Usage: python3 scripts/bench_vapor.py VAPOR_BENCH_APP [SECONDS_PER_RUN] [CONNECTIONS] [ROUNDS]"""
import concurrent.futures
import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import bench  # noqa: E402

APP = os.path.abspath(sys.argv[1])


def surviving_changes(port):
    """32 requests at once, each setting its own key of one fresh session: how many survive."""
    _, headers, _ = bench.call(port, "POST", "/login?user=race")
    cookie = headers["Set-Cookie"].split(";")[0]
    _, _, before = bench.call(port, "GET", "/keys", cookie)
    with concurrent.futures.ThreadPoolExecutor(max_workers=32) as pool:
        list(pool.map(lambda index: bench.call(port, "POST", f"/mark?key=k{index}", cookie), range(32)))
    _, _, after = bench.call(port, "GET", "/keys", cookie)
    return int(after) - int(before)


def main():
    bench.configure(*(int(value) for value in sys.argv[2:5]))
    began = time.time()
    redis_port, redis = bench.redis_server()
    scratch = bench.scratch
    layers = [
        ("Vapor .memory", {"DRIVER": "memory"}),
        ("Vapor .fluent (SQLite)", {"DRIVER": "fluent", "FLUENT_DATABASE": f"{scratch}/fluent.sqlite"}),
        ("driver .cloakroom, memory", {"DRIVER": "cloakroom", "CLOAKROOM_STORE": "memory"}),
        ("driver .cloakroom, SQLite", {"DRIVER": "cloakroom", "CLOAKROOM_STORE": f"sqlite:{scratch}/driver.sqlite"}),
        ("driver .cloakroom, Redis", {"DRIVER": "cloakroom",
                                      "CLOAKROOM_STORE": f"redis://127.0.0.1:{redis_port}?pool_size=8&prefix=d:"}),
        ("req.cloakroom, memory", {"DRIVER": "handle", "CLOAKROOM_STORE": "memory"}),
        ("req.cloakroom, SQLite", {"DRIVER": "handle", "CLOAKROOM_STORE": f"sqlite:{scratch}/handle.sqlite"}),
        ("req.cloakroom, Redis", {"DRIVER": "handle",
                                  "CLOAKROOM_STORE": f"redis://127.0.0.1:{redis_port}?pool_size=8&prefix=h:"}),
    ]
    print(f"== wrk -t{bench.THREADS} -c{bench.CONNECTIONS} -d{bench.SECONDS}s, {bench.ROUNDS} rounds; "
          "ratios against GET /hello of the same app in the same round", flush=True)
    survivors = []
    for name, env in layers:
        port = bench.free_port()
        app = bench.start([APP], dict(env, LISTEN=f"127.0.0.1:{port}"), f"vapor-{len(bench.started)}",
                          lambda: bench.answers(f"http://127.0.0.1:{port}/hello"))
        bench.contract_app(name, port, [app.pid, redis.pid])
        survivors.append((name, [surviving_changes(port) for _ in range(3)]))
        bench.stop(app)
    bench.stop(redis)
    bench.print_table("bench-vapor", f"scripts/bench-vapor: Vapor session layers against /hello ({time.strftime('%Y-%m-%d')})")
    bench.print_survivors("of 32 concurrent changes of distinct keys, surviving (3 tries)", survivors)
    print(f"\nbench-vapor finished in {time.time() - began:.0f} s")


if __name__ == "__main__":
    try:
        main()
    finally:
        bench.cleanup()
