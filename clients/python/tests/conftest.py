"""A real cloakroomd for the tests: the binary built from this repository (CLOAKROOM_BINARY, or
.build/debug/cloakroomd), on SQLite in a temporary folder, on a free loopback port."""

from __future__ import annotations

import os
import pathlib
import re
import socket
import subprocess
import tempfile
import threading
import time

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[3]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """One cloakroomd process; `stop` and `start` keep its port and data."""

    def __init__(self) -> None:
        self.binary = os.environ.get("CLOAKROOM_BINARY", str(ROOT / ".build/debug/cloakroomd"))
        if not os.path.exists(self.binary):
            pytest.exit(f"No cloakroomd at {self.binary}: swift build --product cloakroomd first", 2)
        self.folder = tempfile.mkdtemp(prefix="cloakroom-python-")
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.key = None
        self.process = None
        self.start()

    def start(self) -> None:
        env = dict(os.environ, CLOAKROOM_LISTEN=f"127.0.0.1:{self.port}", CLOAKROOM_LIMITS="login=5/1m")
        env.pop("CLOAKROOM_STORE", None)
        log = open(os.path.join(self.folder, "cloakroomd.log"), "ab")
        self.process = subprocess.Popen([self.binary], cwd=self.folder, env=env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.time() + 60
        while time.time() < deadline:
            text = open(os.path.join(self.folder, "cloakroomd.log"), encoding="utf-8", errors="replace").read()
            match = re.search(r"it is written to (\S+), readable only", text)
            if match and self.key is None:
                with open(os.path.join(self.folder, match.group(1)), encoding="utf-8") as file:
                    self.key = file.read().strip()
            if text.count("listening on") > getattr(self, "_starts", 0):
                self._starts = text.count("listening on")
                return
            if self.process.poll() is not None:
                raise RuntimeError(f"cloakroomd exited early:\n{text}")
            time.sleep(0.05)
        raise RuntimeError("cloakroomd did not start within 60 s")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)


def concurrently(count, action):
    """Runs ``action(index)`` on ``count`` threads at once; answers the exceptions they raised."""
    errors = []

    def run(index):
        try:
            action(index)
        except Exception as error:  # handed back to the test
            errors.append(error)

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


@pytest.fixture(scope="session")
def server():
    server = Server()
    yield server
    server.stop()


@pytest.fixture()
def running(server):
    """The server, started again if a test stopped it."""
    if server.process.poll() is not None:
        server.start()
    return server


@pytest.fixture()
def client(running):
    from cloakroom import Client

    with Client(running.url, running.key) as client:
        yield client
