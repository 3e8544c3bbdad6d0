"""`batchjudge backup` and `restore` as operators run them, against a live server: a backup
taken under load restores row for row and file for file, on SQLite and PostgreSQL."""

import hashlib
import json
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg
import pytest
from sqlalchemy import Engine, MetaData, create_engine, make_url, select

from batchjudge.problems.archive import zip_folder
from batchjudge.services.backup_pg_tools import libpq_conninfo
from batchjudge.storage.blobs import BlobStore
from support.service_process import ServiceProcess, new_data_dir, token_of

REPO = Path(__file__).resolve().parents[2]
AVERAGE = REPO / "examples" / "average"
SUM_PAIRS = REPO / "examples" / "sum-pairs"
SOURCE = (AVERAGE / "submissions" / "average.py").read_text()
POSTGRES_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=test"
# The load is not throttled: every request it makes must succeed.
UNLIMITED = {"BATCHJUDGE_RATE_LIMIT_SUBMISSIONS": "1000000/minute"}


def cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "batchjudge", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    return lines[0]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def blob_files(root: Path) -> dict[str, str]:
    """Every blob under `root`, by `xx/yyy…` path, with the SHA-256 of its content."""
    return {
        path.relative_to(root).as_posix(): sha256(path)
        for path in sorted(root.rglob("*"))
        if path.is_file() and not path.name.startswith(".")
    }


def table_rows(engine: Engine) -> dict[str, list[dict[str, object]]]:
    """Every row of every table (found by reflection), ordered by primary key."""
    metadata = MetaData()
    rows = {}
    with engine.connect() as connection:
        metadata.reflect(connection)
        for name, table in sorted(metadata.tables.items()):
            order = list(table.primary_key.columns) or list(table.columns)
            query = select(table).order_by(*order)
            rows[name] = [dict(row._mapping) for row in connection.execute(query)]
    return rows


def recreate_postgres(url: str) -> None:
    """Drop the database `url` names (ending its connections) and create it empty."""
    name = make_url(url).database
    with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')


@contextmanager
def backup_database(backup: Path, url: str) -> Iterator[Engine]:
    """The backup's own database, read without our restore code: the SQLite copy itself,
    or the pg_dump archive loaded by plain pg_restore into a scratch database."""
    if url.startswith("sqlite"):
        copy = (backup / "database.sqlite3").as_uri() + "?mode=ro"
        engine = create_engine("sqlite://", creator=lambda: sqlite3.connect(copy, uri=True))
        yield engine
        engine.dispose()
        return
    scratch = f"{make_url(url).database}_ref"
    with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{scratch}"')
    try:
        target = f"postgresql://postgres@127.0.0.1:5432/{scratch}"
        archive = str(backup / "database.pgdump")
        subprocess.run(["pg_restore", "--no-owner", "--dbname", target, archive], check=True)
        engine = create_engine(make_url(url).set(database=scratch))
        yield engine
        engine.dispose()
    finally:
        with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')


@dataclass
class Site:
    """A data dir and a database, and the CLI on them."""

    data: Path
    url: str
    env: dict[str, str]

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return cli(self.env, *args)

    def wipe(self) -> None:
        """Lose the database and the blob store, as a dead disk would."""
        if self.url.startswith("sqlite"):
            database = make_url(self.url).database
            for suffix in ("", "-wal", "-shm"):
                Path(f"{database}{suffix}").unlink(missing_ok=True)
        else:
            recreate_postgres(self.url)
        shutil.rmtree(self.data / "blobs", ignore_errors=True)

    def rows(self) -> dict[str, list[dict[str, object]]]:
        engine = create_engine(self.url)
        try:
            return table_rows(engine)
        finally:
            engine.dispose()


@pytest.fixture
def site(database_url: str) -> Iterator[Site]:
    """A migrated database (SQLite or PostgreSQL) and a data dir of its own."""
    data = new_data_dir("bj-backup-")
    env = {"PATH": "/usr/bin:/bin", "BATCHJUDGE_DATA_DIR": str(data)}
    env["BATCHJUDGE_DATABASE_URL"] = database_url
    assert cli(env, "db", "upgrade").returncode == 0
    yield Site(data, database_url, env)
    shutil.rmtree(data, ignore_errors=True)


@dataclass
class Request:
    kind: str
    started: float
    ended: float
    status: int
    id: int | None


class Load(threading.Thread):
    """A student submitting and a teacher uploading new versions, each with a test of its
    own (so new blobs), as fast as the server answers, until stopped."""

    def __init__(self, server: ServiceProcess, tokens: dict[str, str], problem_id: int):
        super().__init__(daemon=True)
        self.server = server
        self.tokens = tokens
        self.problem_id = problem_id
        self.package = server.data / "load-package"
        shutil.copytree(AVERAGE, self.package)
        self.requests: list[Request] = []
        self.failure: BaseException | None = None
        self.halt = threading.Event()

    def run(self) -> None:
        try:
            with (
                self.server.client(self.tokens["teacher"]) as teacher,
                self.server.client(self.tokens["student"]) as student,
            ):
                count = 0
                while not self.halt.is_set():
                    count += 1
                    kind = "upload" if count % 4 == 0 else "submission"
                    started = time.monotonic()
                    answer = (
                        self._upload(teacher, count) if count % 4 == 0 else self._submit(student)
                    )
                    got = answer.json().get("id") if answer.is_success else None
                    self.requests.append(
                        Request(kind, started, time.monotonic(), answer.status_code, got)
                    )
        except BaseException as exc:
            self.failure = exc

    def _submit(self, client: httpx.Client) -> httpx.Response:
        body = {"problem_id": self.problem_id, "language": "python3", "source": SOURCE}
        return client.post("/api/v1/submissions", json=body)

    def _upload(self, client: httpx.Client, count: int) -> httpx.Response:
        (self.package / "data" / "secret" / "load.in").write_text(f"1\n{count}\n")
        (self.package / "data" / "secret" / "load.ans").write_text(f"{count}\n")
        files = {"package": ("average.zip", zip_folder(self.package), "application/zip")}
        return client.post("/api/v1/problems", files=files, data={"problem_id": self.problem_id})

    def finish(self) -> list[Request]:
        self.halt.set()
        self.join(timeout=60)
        assert self.failure is None, repr(self.failure)
        return self.requests


@pytest.fixture
def server(site: Site) -> Iterator[tuple[ServiceProcess, dict[str, str], int]]:
    """A running server with a teacher, a student and the Average problem."""
    running = ServiceProcess(site.data, site.url, **UNLIMITED)
    tokens = {
        "teacher": token_of(running.cli("users", "create", "teacher", "--role", "teacher")),
        "student": token_of(running.cli("users", "create", "student")),
    }
    running.start(tokens["student"])
    with running.client(tokens["teacher"]) as teacher:
        files = {"package": ("average.zip", zip_folder(AVERAGE), "application/zip")}
        problem_id = int(teacher.post("/api/v1/problems", files=files).json()["id"])
    yield running, tokens, problem_id
    running.stop()


def stop(server: ServiceProcess) -> None:
    """Stop the server but keep its log open for a restart."""
    assert server.process is not None
    server.process.terminate()
    server.process.wait(timeout=30)


@pytest.mark.sandbox
@pytest.mark.slow
def test_a_backup_under_load_restores_row_for_row_and_file_for_file(
    site: Site, server: tuple[ServiceProcess, dict[str, str], int]
):
    running, tokens, problem_id = server
    load = Load(running, tokens, problem_id)
    load.start()
    while sum(r.kind == "upload" for r in load.requests) < 2:
        assert load.is_alive(), repr(load.failure)
        time.sleep(0.05)
    before = time.monotonic()
    made = site.run("backup", str(site.data / "backup"))
    after = time.monotonic()
    time.sleep(0.5)  # more traffic after the backup, which the restore must not show
    requests = load.finish()
    assert made.returncode == 0, made.stderr
    assert all(r.status in (201, 202) for r in requests), [r.status for r in requests]
    during = [r for r in requests if before < r.started and r.ended < after]
    assert {r.kind for r in during} == {"submission", "upload"}, "no load during the backup"
    stop(running)

    backup = site.data / "backup"
    manifest = json.loads((backup / "manifest.json").read_text())
    assert "master.key" not in manifest["files"]
    backed_blobs = blob_files(backup / "blobs")
    with backup_database(backup, site.url) as reference:
        expected = table_rows(reference)
    assert {name: len(rows) for name, rows in expected.items()} == manifest["tables"]

    site.wipe()
    restored = site.run("restore", str(backup))
    assert restored.returncode == 0, restored.stderr

    assert site.rows() == expected  # every table, row for row
    assert blob_files(site.data / "blobs") == backed_blobs  # file for file
    assert all(name.replace("/", "") == digest for name, digest in backed_blobs.items())
    assert {f"blobs/{name}": digest for name, digest in backed_blobs.items()} == {
        name: digest for name, digest in manifest["files"].items() if name.startswith("blobs/")
    }
    # One point in time: what was accepted before the backup started is there, what was
    # accepted after it ended is not.
    submitted = {r.id: r for r in requests if r.kind == "submission"}
    kept = {row["id"] for row in expected["submissions"]}
    assert {i for i, r in submitted.items() if r.ended < before} <= kept
    assert not {i for i, r in submitted.items() if r.started > after} & kept
    assert any(r.started > after for r in submitted.values())
    if site.url.startswith("sqlite"):
        with sqlite3.connect(make_url(site.url).database or "") as check:
            assert check.execute("PRAGMA foreign_key_check").fetchall() == []

    # The restored site serves: its schema is current and its data is there.
    assert site.run("db", "upgrade").returncode == 0
    running.start(tokens["student"])
    with running.client(tokens["student"]) as student:
        first = min(kept)
        assert student.get(f"/api/v1/submissions/{first}").status_code == 200
    uploads = [r for r in requests if r.kind == "upload"]
    with running.client(tokens["teacher"]) as teacher:
        version = teacher.get(f"/api/v1/problems/{problem_id}").json()["version"]
    assert 1 + sum(r.ended < before for r in uploads) <= version
    assert version <= 1 + sum(r.started < after for r in uploads)


@pytest.mark.sandbox
@pytest.mark.slow
def test_a_restore_while_the_server_serves_traffic(
    site: Site, server: tuple[ServiceProcess, dict[str, str], int]
):
    running, tokens, problem_id = server
    made = site.run("backup", str(site.data / "backup"))
    assert made.returncode == 0, made.stderr
    with running.client(tokens["teacher"]) as teacher:
        files = {"package": ("sum-pairs.zip", zip_folder(SUM_PAIRS), "application/zip")}
        newer = teacher.post("/api/v1/problems", files=files).json()["id"]
        assert teacher.get(f"/api/v1/problems/{newer}").status_code == 200
    load = Load(running, tokens, problem_id)
    load.start()
    time.sleep(0.5)
    started = time.monotonic()
    restored = site.run("restore", "--force", str(site.data / "backup"))
    ended = time.monotonic()
    time.sleep(0.5)
    requests = load.finish()
    assert restored.returncode == 0, restored.stderr
    failed = [r for r in requests if r.status not in (201, 202)]
    if site.url.startswith("sqlite"):
        # A request that read before the restore and writes after it may fail on SQLite
        # (a submission to a version the restore removed); every later one must succeed.
        failed = [r for r in failed if not (r.started < ended and started < r.ended)]
    assert not failed, failed
    assert any(r.started > ended for r in requests), "no traffic after the restore"
    assert any(started < r.started < ended for r in requests), "no traffic during the restore"
    with running.client(tokens["teacher"]) as teacher:
        assert teacher.get(f"/api/v1/problems/{newer}").status_code == 404  # after the backup
        assert teacher.get(f"/api/v1/problems/{problem_id}").status_code == 200


def test_damaged_backups_and_occupied_databases_are_refused_in_one_line(site: Site):
    assert site.run("users", "create", "teacher", "--role", "teacher").returncode == 0
    digest = BlobStore(site.data / "blobs").put(b"test data\n")
    backup = site.data / "backup"
    assert site.run("backup", str(backup)).returncode == 0
    assert "exists already" in one_line_error(site.run("backup", str(backup)))
    assert "holds data already" in one_line_error(site.run("restore", str(backup)))
    assert "not a backup" in one_line_error(site.run("restore", str(site.data)))

    blob = backup / "blobs" / digest[:2] / digest[2:]
    blob.write_bytes(b"test data, altered\n")
    error = one_line_error(site.run("restore", "--force", str(backup)))
    assert f"checksum mismatch for blobs/{digest[:2]}/{digest[2:]}" in error
    blob.unlink()
    assert "missing from the backup" in one_line_error(site.run("restore", "--force", str(backup)))
    blob.write_bytes(b"test data\n")
    manifest = (backup / "manifest.json").read_text()
    (backup / "manifest.json").write_text(
        json.dumps({**json.loads(manifest), "alembic_revision": "9999"})
    )
    assert "revision 9999 is unknown" in one_line_error(site.run("restore", "--force", str(backup)))
    (backup / "manifest.json").write_text(manifest)

    expected = site.rows()
    site.wipe()
    assert site.run("db", "upgrade").returncode == 0  # an empty, migrated database is no obstacle
    restored = site.run("restore", str(backup))
    assert restored.returncode == 0, restored.stderr
    assert "1 blob" in restored.stdout
    assert site.rows() == expected
    assert (site.data / "blobs" / digest[:2] / digest[2:]).read_bytes() == b"test data\n"


def test_the_master_key_is_in_a_backup_only_when_asked_for(reachable_dir: Path):
    env = {"PATH": "/usr/bin:/bin", "BATCHJUDGE_DATA_DIR": str(reachable_dir / "data")}
    assert cli(env, "db", "upgrade").returncode == 0
    key = reachable_dir / "data" / "master.key"
    key.write_text("pq6YZXoXlTc1iMN0Hmw8w4mZbDq0qNgcQ6GeXnQZ5j0=\n")
    key.chmod(0o600)
    assert cli(env, "backup", str(reachable_dir / "plain")).returncode == 0
    assert not (reachable_dir / "plain" / "master.key").exists()
    made = cli(env, "backup", "--include-master-key", str(reachable_dir / "keyed"))
    assert made.returncode == 0, made.stderr
    copy = reachable_dir / "keyed" / "master.key"
    assert copy.read_bytes() == key.read_bytes()
    assert copy.stat().st_mode & 0o077 == 0
    assert (reachable_dir / "keyed").stat().st_mode & 0o077 == 0

    key.write_text("Yl9rR5v7eVQm0w2oK6cN1gD8hT4jX3sZ5aP7bL2fQ0E=\n")
    other_key = key.read_bytes()
    plain = cli(env, "restore", "--force", str(reachable_dir / "plain"))
    assert plain.returncode == 0, plain.stderr
    assert "holds no master key" in plain.stdout
    assert key.read_bytes() == other_key  # a backup without a key leaves the key alone
    refused = one_line_error(cli(env, "restore", str(reachable_dir / "keyed")))
    assert "differs from the backup's" in refused
    key.unlink()
    restored = cli(env, "restore", str(reachable_dir / "keyed"))
    assert restored.returncode == 0, restored.stderr
    assert key.read_bytes() == copy.read_bytes()
    assert key.stat().st_mode & 0o077 == 0


def test_a_missing_database_is_one_line(reachable_dir: Path):
    url = "postgresql+psycopg://postgres@127.0.0.1:5432/bj_no_such_database"
    env = {"PATH": "/usr/bin:/bin", "BATCHJUDGE_DATA_DIR": str(reachable_dir)}
    env["BATCHJUDGE_DATABASE_URL"] = url
    assert "database error" in one_line_error(cli(env, "backup", str(reachable_dir / "b")))
    assert not (reachable_dir / "b").exists()
    assert not [p for p in reachable_dir.iterdir() if "partial" in p.name]


def test_the_libpq_connection_string_keeps_the_password_apart():
    conninfo, password = libpq_conninfo(
        "postgresql+psycopg://judge:p%40ss'w@db.example:5433/bj?sslmode=require"
    )
    assert conninfo == "host='db.example' port='5433' user='judge' dbname='bj' sslmode='require'"
    assert password == "p@ss'w"
    quoted, _ = libpq_conninfo("postgresql+psycopg://postgres@127.0.0.1/it's")
    assert "dbname='it\\'s'" in quoted
