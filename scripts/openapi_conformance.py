#!/usr/bin/env python3
"""Checks a running cloakroomd against the OpenAPI description it serves, with schemathesis: every
operation, with the description's examples, boundary values, generated and invalid inputs, and
stateful sequences along the links it infers (create, then resume, update, rotate, end...).

Each answer must not be a 5xx; its status, content type, headers and body must be the ones
described; invalid input must be refused (4xx); a call without an API key must be refused; an
ended resource must stay gone; a method a path does not list must get 405 with Allow. Left out,
as no static description can promise it: that every schema-valid input is accepted (the server
knows which rate-limit buckets are configured and that a user ID is bounded in bytes).

Runs on SQLite and on Redis (CLOAKROOM_TEST_REDIS, required when CI=true). Bounded: a fixed
number of examples per operation and a time limit per store.

Usage: scripts/openapi_conformance.py PATH/TO/cloakroomd PATH/TO/schemathesis
"""
import json
import os
import pathlib
import re
import subprocess
import sys
import tempfile
import time
import urllib.request

from e2e_support import Daemon, check, checks, failures

SCHEMATHESIS = sys.argv[2] if len(sys.argv) > 2 else ".build/python-tools/bin/schemathesis"
DESCRIPTION = pathlib.Path(__file__).resolve().parent.parent / "Sources/CloakroomServer/OpenAPI/openapi.json"
EXAMPLES = os.environ.get("CLOAKROOM_CONFORMANCE_EXAMPLES", "50")
SEED = os.environ.get("CLOAKROOM_CONFORMANCE_SEED", "20261204")
TIME_LIMIT = 600
CHECKS = "all"
EXCLUDED_CHECKS = "positive_data_acceptance"
METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


def conformance(label, store_env):
    folder = tempfile.mkdtemp(prefix=f"cloakroom-openapi-{label}-")
    env = dict(store_env)
    # The pages are described as served with the demo on; a login bucket for /v1/limits.
    env.update({"CLOAKROOM_DEMO_SIGN_IN": "true", "CLOAKROOM_LIMITS": "login=5/1m"})
    daemon = Daemon(folder, env)
    try:
        url = f"http://127.0.0.1:{daemon.port}/openapi.json"
        with urllib.request.urlopen(url, timeout=10) as response:
            served = response.read()
        check(served == DESCRIPTION.read_bytes(), f"{label}: /openapi.json is the checked-in openapi.json")
        log = os.path.join(folder, "schemathesis.log")
        started = time.time()
        with open(log, "wb") as out:
            try:
                code = subprocess.run(
                    [
                        SCHEMATHESIS, "run", url,
                        "--header", f"Authorization: Bearer {daemon.key}",
                        "--checks", CHECKS, "--exclude-checks", EXCLUDED_CHECKS,
                        "--max-examples", EXAMPLES, "--seed", SEED,
                        "--request-timeout", "10", "--no-color",
                    ],
                    stdout=out, stderr=subprocess.STDOUT, timeout=TIME_LIMIT,
                    env=dict(os.environ, SCHEMATHESIS_TELEMETRY="false"),
                ).returncode
            except subprocess.TimeoutExpired:
                code = "timed out"
        text = open(log, encoding="utf-8", errors="replace").read()
        summary = [line for line in text.splitlines() if "generated" in line and "passed" in line]
        print(f"  {label}: {summary[-1].strip() if summary else 'no summary'} in {time.time() - started:.0f} s", flush=True)
        check(code == 0, f"{label}: schemathesis found mismatches (exit {code}); its report follows")
        if code != 0:
            print(text[-20000:], flush=True)
        described = sum(
            method in METHODS for item in json.loads(DESCRIPTION.read_text())["paths"].values() for method in item
        )
        # schemathesis leaves out GET /openapi.json, the operation it loaded the description from
        # (compared byte for byte above).
        tested = re.search(r"Tested:\s+(\d+)", text)
        check(
            tested is not None and int(tested.group(1)) == described - 1,
            f"{label}: schemathesis tested {tested.group(1) if tested else 'no'} of the {described - 1} operations",
        )
    finally:
        daemon.stop()


def main():
    conformance("sqlite", {})
    redis = os.environ.get("CLOAKROOM_TEST_REDIS")
    if redis:
        conformance("redis", {"CLOAKROOM_STORE": redis})
    elif os.environ.get("CI") == "true":
        check(False, "CLOAKROOM_TEST_REDIS is not set but CI=true")
    else:
        print("  redis: skipped, CLOAKROOM_TEST_REDIS is not set (scripts/test sets it)")
    print(f"{checks[0] - len(failures)} of {checks[0]} OpenAPI conformance checks passed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
