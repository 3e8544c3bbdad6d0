"""A PostgreSQL cluster of a test's own, in a temporary folder, that the test may stop and
start at will (the machine's shared server on 5432 must never be stopped: other tests
and helpers use it)."""

import glob
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg

from support.service_process import free_port

#: initdb refuses to run as root; the cluster belongs to this system user.
_OWNER = "postgres"


def _bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        raise RuntimeError(f"no PostgreSQL {name} under /usr/lib/postgresql")
    return found[-1]


class PrivatePostgres:
    """`initdb` into a temporary folder, then `start`/`stop` on a free port of its own,
    with its socket in that folder too. Trust authentication, for loopback only."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="bj-pg-", dir="/var/tmp"))
        self.data = self.root / "data"
        self.port = free_port()
        shutil.chown(self.root, _OWNER, _OWNER)
        self._as_owner(
            _bin("initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8"
        )

    @property
    def url(self) -> str:
        """The SQLAlchemy URL of the `batchjudge` database."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/batchjudge"

    def _as_owner(self, *argv: str) -> None:
        done = subprocess.run(
            ["runuser", "-u", _OWNER, "--", *argv],
            capture_output=True,
            text=True,
            check=False,
            cwd=self.root,
        )
        if done.returncode != 0:
            raise RuntimeError(f"{Path(argv[0]).name} failed: {done.stdout}{done.stderr}")

    def start(self) -> None:
        """Start the server and wait until it accepts connections (the first start also
        creates the `batchjudge` database)."""
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1"
        log = str(self.root / "server.log")
        self._as_owner(
            _bin("pg_ctl"), "start", "-w", "-D", str(self.data), "-l", log, "-o", options
        )
        deadline = time.monotonic() + 30
        admin = f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres"
        while True:
            try:
                with psycopg.connect(admin, autocommit=True, connect_timeout=2) as connection:
                    found = connection.execute(
                        "SELECT 1 FROM pg_database WHERE datname = 'batchjudge'"
                    ).fetchone()
                    if found is None:
                        connection.execute("CREATE DATABASE batchjudge")
                    return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def stop(self, mode: str = "immediate") -> None:
        """Stop the server; `immediate` is a crash as far as clients can tell."""
        self._as_owner(_bin("pg_ctl"), "stop", "-w", "-D", str(self.data), "-m", mode)

    def is_running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def remove(self) -> None:
        """Stop the server if it runs, and delete the cluster."""
        if self.is_running():
            self.stop()
        shutil.rmtree(self.root, ignore_errors=True)
