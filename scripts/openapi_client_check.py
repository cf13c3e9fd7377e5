#!/usr/bin/env python3
"""Runs the Swift client that swift-openapi-generator made from cloakroomd's OpenAPI description
(Examples/openapi-client) against a real cloakroomd on its embedded default store: proof that the
ecosystem's own generator accepts the description and that the client it makes works (create,
resume, update with compare-and-set, list, end, and the documented errors).

Usage: scripts/openapi_client_check.py PATH/TO/cloakroomd PATH/TO/OpenAPIClientExample
"""
import os
import subprocess
import sys
import tempfile

from e2e_support import Daemon, check, checks, failures

CLIENT = os.path.abspath(sys.argv[2])


def main():
    folder = tempfile.mkdtemp(prefix="cloakroom-openapi-client-")
    daemon = Daemon(folder)
    try:
        env = dict(os.environ, CLOAKROOM_URL=f"http://127.0.0.1:{daemon.port}", CLOAKROOM_API_KEY=daemon.key)
        try:
            run = subprocess.run([CLIENT], env=env, capture_output=True, text=True, timeout=120)
            output, code = run.stdout + run.stderr, run.returncode
        except subprocess.TimeoutExpired:
            output, code = "", "timed out after 120 s"
        print("".join(f"  {line}\n" for line in output.splitlines()), end="", flush=True)
        check(code == 0, f"the generated client's run failed (exit {code})")
        check("checks passed" in output, "the generated client did not report its checks")
        check(daemon.key not in output, "the generated client's output holds the API key")
    finally:
        daemon.stop()
    if failures:
        sys.exit(f"openapi client: {len(failures)} of {checks[0]} checks failed")
    print(f"openapi client: {checks[0]} checks passed")


if __name__ == "__main__":
    main()
