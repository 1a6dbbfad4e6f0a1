"""Real servers a fault test can stop: a private PostgreSQL cluster and gunicorn on loopback."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PrivatePostgres:
    """A PostgreSQL cluster of the test's own, so stopping it stops nothing else."""

    def __init__(self) -> None:
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
        if not found:
            pytest.skip("PostgreSQL's server binaries (Debian's postgresql) are not installed")
        self.bin = Path(found[-1]).parent
        self.port = free_port()
        self.home = Path(tempfile.mkdtemp(prefix="pg-fault-"))
        self.data = self.home / "data"
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        command = [str(self.bin / args[0]), *args[1:]]
        if os.geteuid() == 0:
            # PostgreSQL refuses to run as root.
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=60)

    def init(self) -> None:
        """initdb, trusting local connections (loopback only)."""
        if os.geteuid() == 0:
            shutil.chown(self.home, "postgres")
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync")

    def start(self) -> None:
        """Start and wait until it takes connections."""
        options = (f"-p {self.port} -k {self.home} -c listen_addresses=127.0.0.1 "
                   "-c fsync=off")
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l",
                  str(self.home / "log"), "-w", "start")

    def stop(self) -> None:
        """Stop at once, as a crash or a pulled plug would (no clean shutdown)."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def remove(self) -> None:
        """Stop if running and delete the cluster."""
        with suppress(subprocess.CalledProcessError):
            self.stop()
        shutil.rmtree(self.home, ignore_errors=True)


@contextmanager
def private_postgres() -> Iterator[PrivatePostgres]:
    """A started private cluster, removed afterwards."""
    server = PrivatePostgres()
    try:
        server.init()
        server.start()
        yield server
    finally:
        server.remove()


@contextmanager
def gunicorn(app: str, env: dict[str, str], port: int, workers: int = 2) -> Iterator[str]:
    """gunicorn with the Procfile's settings on loopback `port`; yields its base URL."""
    log = Path(tempfile.mkdtemp(prefix="gunicorn-")) / "log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"),
             "-w", str(workers), "-b", f"127.0.0.1:{port}", app],
            cwd=ROOT, env={**os.environ, **env}, stdout=output, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(base + "/healthz", timeout=2)
                break
            except OSError as error:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("gunicorn did not start: "
                                       + log.read_text(errors="replace")[-2000:]) from error
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)
        shutil.rmtree(log.parent, ignore_errors=True)
