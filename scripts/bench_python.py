"""Load comparison of the Python package's session back-ends with wrk: the contract app (POST
/login, GET /me, POST /incr) on Flask with cloakroom.flask against Flask-Session on Redis, and on
Django with cloakroom.django against Django's cache sessions on Redis; cloakroomd (release) keeps
its sessions in the same Redis. Each app runs under gunicorn (2 workers x 8 threads); ratios are
to GET /hello of the same app in the same round. Then, per layer, 32 clients x 20 POST /incr on
one session: how many of the 640 increments survive.

Usage: python3 scripts/bench_python.py CLOAKROOMD VENV_BIN [SECONDS_PER_RUN] [CONNECTIONS] [ROUNDS]"""
import concurrent.futures
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import bench  # noqa: E402
from e2e_support import admin_key_from  # noqa: E402

CLOAKROOMD, VENV_BIN = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
HERE = os.path.dirname(os.path.abspath(__file__))
CLIENTS, INCREMENTS = 32, 20


def surviving_increments(port):
    _, headers, _ = bench.call(port, "POST", "/login?user=race")
    cookie = headers["Set-Cookie"].split(";")[0]

    def bump(_):
        for _ in range(INCREMENTS):
            bench.call(port, "POST", "/incr", cookie)

    with concurrent.futures.ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        list(pool.map(bump, range(CLIENTS)))
    return json.loads(bench.call(port, "GET", "/me", cookie)[2])["n"]


def main():
    bench.configure(*(int(value) for value in sys.argv[3:6]))
    began = time.time()
    redis_port, redis = bench.redis_server()
    daemon_port = bench.free_port()
    daemon = bench.start(
        [CLOAKROOMD],
        {"CLOAKROOM_LISTEN": f"127.0.0.1:{daemon_port}", "CLOAKROOM_STORE": f"redis://127.0.0.1:{redis_port}?pool_size=8&prefix=c:",
         "CLOAKROOM_LOG_LEVEL": "warning"},
        "cloakroomd", lambda: bench.answers(f"http://127.0.0.1:{daemon_port}/health"),
    )
    key = admin_key_from(open(os.path.join(bench.scratch, "cloakroomd.log")).read(), bench.scratch)
    layers = ["flask-cloakroom", "flask-cloakroom-plain", "flask-session", "django-cloakroom", "django-cache"]
    print(f"== wrk -t{bench.THREADS} -c{bench.CONNECTIONS} -d{bench.SECONDS}s, {bench.ROUNDS} rounds; "
          "ratios against GET /hello of the same app in the same round", flush=True)
    survivors = []
    for layer in layers:
        port = bench.free_port()
        env = {
            "BENCH_LAYER": layer, "BENCH_REDIS_URL": f"redis://127.0.0.1:{redis_port}/1",
            "CLOAKROOM_URL": f"http://127.0.0.1:{daemon_port}", "CLOAKROOM_API_KEY": key,
            "PYTHONPATH": os.pathsep.join([HERE, os.path.join(HERE, "..", "clients", "python", "src")]),
        }
        app = bench.start(
            [os.path.join(VENV_BIN, "gunicorn"), "-w", "2", "-k", "gthread", "--threads", "8", "-b", f"127.0.0.1:{port}",
             "--log-level", "warning", "bench_python_apps:application"],
            env, layer, lambda: bench.answers(f"http://127.0.0.1:{port}/hello"),
        )
        # All the CPU a request costs: gunicorn and its workers, cloakroomd, Redis.
        bench.contract_app(layer, port, [app.pid, daemon.pid, redis.pid])
        survivors.append((layer, [surviving_increments(port) for _ in range(2)]))
        bench.stop(app)
    bench.stop(daemon)
    bench.stop(redis)
    bench.print_table("bench-python", f"scripts/bench-python: Flask and Django session layers against /hello ({time.strftime('%Y-%m-%d')})")
    bench.print_survivors(f"of {CLIENTS} x {INCREMENTS} concurrent POST /incr on one session, counted (2 tries)",
                          survivors, f" of {CLIENTS * INCREMENTS}")
    print(f"\nbench-python finished in {time.time() - began:.0f} s")


if __name__ == "__main__":
    try:
        main()
    finally:
        bench.cleanup()
