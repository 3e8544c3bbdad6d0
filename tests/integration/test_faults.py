"""Fault tests (invariant 2: nothing accepted is lost): the database going away and
coming back, a failing Judge0, a full sandbox scratch disk, and a damaged problem on
disk. (`kill -9` of the server, whose threads are the workers, is in
test_service_process.py.)"""

import asyncio
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, select

from batchjudge.db.accounts import Role, User
from batchjudge.db.engine import make_engine, make_session_factory
from batchjudge.db.problems import ProblemVersion
from batchjudge.db.submissions import Execution, Submission, SubmissionStatus
from batchjudge.domain.styles import Style
from batchjudge.execution.factory import local_backend
from batchjudge.grading.options import GradeOptions
from batchjudge.judge0.key_pool import StaticKeyPool
from batchjudge.languages.registry import LanguageRegistry
from batchjudge.problems.archive import ArchiveLimits, zip_folder
from batchjudge.services.accounts import create_user
from batchjudge.services.grading_jobs import GradingContext, grade_submission, remote_fallback
from batchjudge.services.problems import import_package
from batchjudge.services.submissions import SubmissionRequest, submit
from batchjudge.settings import Judge0Fallback, Settings
from batchjudge.storage.blobs import BlobStore
from support.grading_rows import assert_graded_once
from support.judge0_runs import open_backend
from support.judge0_server import FakeJudge0, FakeRun, VirtualClock
from support.private_postgres import PrivatePostgres
from support.service_process import ServiceProcess, new_data_dir, token_of

pytestmark = [pytest.mark.sandbox, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "sum-pairs"
SOURCE = (EXAMPLE / "submissions" / "main.py").read_text()
#: Right, and about 2 s of wall time per submission (40 tests): long enough to be caught
#: running by a fault.
SLOW_SOURCE = "import time\ntime.sleep(0.05)\n" + SOURCE
HEALTH = "/api/v1/monitoring/health"
#: The burst tests submit more than a student may in a minute.
UNLIMITED = {"BATCHJUDGE_RATE_LIMIT_SUBMISSIONS": "10000/minute"}


def _wait_for(what: str, check, timeout_s: float, every_s: float = 0.1, log: Path | None = None):
    """Call `check` until it returns something true; that value, or fail after `timeout_s`
    (with the end of `log`)."""
    deadline = time.monotonic() + timeout_s
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            lines = log.read_text().splitlines() if log is not None else []
            tail = "\n".join(line for line in lines if "uvicorn.access" not in line)[-20000:]
            raise AssertionError(f"{what} within {timeout_s:g} s\n{tail}")
        time.sleep(every_s)


def _log_tail(service: ServiceProcess) -> str:
    lines = (service.data / "server.log").read_text().splitlines()
    return "\n".join(line for line in lines if "uvicorn.access" not in line)[-20000:]


def _health(service: ServiceProcess) -> httpx.Response:
    return httpx.get(service.url + HEALTH, timeout=10)


def _submit(client: httpx.Client, problem_id: int, source: str = SOURCE) -> httpx.Response:
    return client.post(
        "/api/v1/submissions",
        json={"problem_id": problem_id, "language": "python3", "source": source},
    )


def _start_with_problem(service: ServiceProcess) -> tuple[str, str, int]:
    """Migrate, create a teacher and a student, start, upload sum-pairs: (teacher token,
    student token, problem id)."""
    service.cli("db", "upgrade")
    teacher = token_of(service.cli("users", "create", "teacher", "--role", "teacher"))
    student = token_of(service.cli("users", "create", "student"))
    service.start(student)
    with service.client(teacher) as client:
        files = {"package": ("sum-pairs.zip", zip_folder(EXAMPLE), "application/zip")}
        answer = client.post("/api/v1/problems", files=files)
        assert answer.status_code == 201, answer.text
    return teacher, student, answer.json()["id"]


def _statuses(client: httpx.Client, ids: list[int]) -> dict[int, str]:
    return {i: client.get(f"/api/v1/submissions/{i}").json()["status"] for i in ids}


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    cluster = PrivatePostgres()
    cluster.start()
    yield cluster
    cluster.remove()


@pytest.fixture
def data_dir() -> Iterator[Path]:
    data = new_data_dir("bj-faults-")
    yield data
    subprocess.run(["rm", "-rf", str(data)], check=False)


def test_database_outage_is_503_and_loses_no_accepted_submission(
    private_postgres: PrivatePostgres, data_dir: Path
):
    service = ServiceProcess(data_dir, private_postgres.url, **UNLIMITED)
    try:
        _, student, problem_id = _start_with_problem(service)
        assert _health(service).status_code == 200
        with service.client(student) as client:
            accepted = []
            for _ in range(10):
                answer = _submit(client, problem_id, SLOW_SOURCE)
                assert answer.status_code == 202, answer.text
                accepted.append(answer.json()["id"])
            running = _wait_for(
                "a submission is being graded",
                lambda: [i for i, s in _statuses(client, accepted).items() if s == "running"],
                60,
            )
            private_postgres.stop()  # mid-burst: one or two running, the others queued

            down = _wait_for("readiness goes 503", lambda: _health(service).status_code == 503, 15)
            body = _health(service).json()
            assert body["checks"]["database"]["status"] == "down", body
            refused = _submit(client, problem_id)
            assert refused.status_code == 503, refused.text + _log_tail(service)
            assert refused.json()["error"]["code"] == "unavailable"
            assert down
            time.sleep(3)  # the workers meet the outage too

            private_postgres.start()
            _wait_for("readiness recovers", lambda: _health(service).status_code == 200, 30)
            _wait_for(
                "every accepted submission is graded",
                lambda: set(_statuses(client, accepted).values()) == {"done"},
                180,
                every_s=0.5,
                log=service.data / "server.log",
            )
    finally:
        service.stop()
    attempts = assert_graded_once(private_postgres.url, accepted, tests=40)
    # What was running met the outage, and its attempt was taken back (not lost, and not
    # left running until a restart); nothing was graded more than twice.
    assert any(attempts[i] == 2 for i in running), (running, attempts)
    assert set(attempts.values()) <= {1, 2}, attempts


# --- Judge0 failing: the backend retries `judge0_max_retries` times, then the fallback or IE


@pytest.fixture
def world(engine: Engine, sandbox_data_dir: Path) -> tuple[int, int]:
    """A student and the sum-pairs problem: (student id, problem id)."""
    with make_session_factory(engine).begin() as session:
        teacher, _ = create_user(session, "teacher", Role.TEACHER)
        student, _ = create_user(session, "student", Role.STUDENT)
        session.flush()
        store = BlobStore(sandbox_data_dir / "blobs")
        package = zip_folder(EXAMPLE)
        imported = import_package(
            session, store, teacher, package, "sum-pairs.zip", ArchiveLimits()
        )
        return student.id, imported.problem_id


def _submit_direct(engine: Engine, registry: LanguageRegistry, world: tuple[int, int]) -> int:
    student_id, problem_id = world
    with make_session_factory(engine).begin() as session:
        student = session.get_one(User, student_id)
        request = SubmissionRequest(problem_id, "python3", SOURCE, Style.AUTO)
        return submit(session, student, request, registry, 64 << 10).id


def _sum_pairs_answers() -> Callable[[bytes], FakeRun]:
    """The fake Judge0's program: the right answer to every sum-pairs test."""
    answers = {
        path.read_bytes(): path.with_suffix(".ans").read_bytes()
        for path in (EXAMPLE / "data").glob("*/*.in")
    }
    return lambda test_input: FakeRun(output=answers[test_input])


FAULTS: dict[str, Callable[[], httpx.Response | Exception]] = {
    "timeout": lambda: httpx.ReadTimeout("read timed out"),
    "500": lambda: httpx.Response(500, json={"error": "something broke"}),
    "503": lambda: httpx.Response(503, json={"error": "queue is full"}),
    # A rate limit longer than the backend waits in place (30 s): the key rests.
    "429": lambda: httpx.Response(
        429, json={"message": "Too many"}, headers={"Retry-After": "120"}
    ),
}
MAX_RETRIES = 2


def _grade_on_judge0(
    engine: Engine,
    sandbox_settings: Settings,
    registry: LanguageRegistry,
    server: FakeJudge0,
    fallback: Judge0Fallback,
    submission_id: int,
    pool: StaticKeyPool | None = None,
) -> tuple[SubmissionStatus | None, list[tuple[int, float]]]:
    """One delivery of the grading job, as a worker configured with `fallback` runs it
    (with the worker's key `pool`, which outlives a job); also returns the waits it
    asked for."""
    settings = sandbox_settings.model_copy(
        update={"judge0_fallback": fallback, "judge0_retry_after_s": 45.0}
    )
    waits: list[tuple[int, float]] = []

    async def grade_it() -> SubmissionStatus | None:
        async with (
            local_backend(settings) as local,
            open_backend(server, pool or StaticKeyPool(), judge0_max_retries=MAX_RETRIES) as remote,
        ):
            context = GradingContext(
                sessions=make_session_factory(engine),
                backend=remote,
                registry=registry,
                store=BlobStore(settings.data_dir / "blobs"),
                problem_cache=settings.data_dir / "problems",
                archive_limits=ArchiveLimits(),
                options=GradeOptions(),
                checker_backend=local,
                fallback=remote_fallback(settings, local, lambda i, s: waits.append((i, s))),
            )
            return await grade_submission(context, submission_id)

    return asyncio.run(grade_it()), waits


def _executions(engine: Engine, submission_id: int) -> list[tuple[str, str, str]]:
    with make_session_factory(engine)() as session:
        rows = session.scalars(
            select(Execution).where(Execution.submission_id == submission_id)
        ).all()
        return [(row.kind, row.backend, row.outcome) for row in rows]


@pytest.mark.parametrize("fallback", [Judge0Fallback.WAIT, Judge0Fallback.LOCAL])
@pytest.mark.parametrize("fault", ["timeout", "500", "503"])
def test_judge0_failing_for_good_is_retried_then_ie_whatever_the_fallback(
    engine, sandbox_settings, registry, world, fault: str, fallback: Judge0Fallback
):
    submission_id = _submit_direct(engine, registry, world)
    server = FakeJudge0(VirtualClock(), behave=_sum_pairs_answers())
    server.then("create", *(FAULTS[fault]() for _ in range(MAX_RETRIES + 1)))
    status, waits = _grade_on_judge0(
        engine, sandbox_settings, registry, server, fallback, submission_id
    )
    # A server that answers, however badly, is not "unavailable": no fallback, no wait.
    assert (status, waits) == (SubmissionStatus.DONE, [])
    assert server.counts["create"] == MAX_RETRIES + 1
    with make_session_factory(engine)() as session:
        row = session.get_one(Submission, submission_id)
        assert row.verdict == "IE"
        assert {r.verdict for r in row.results} == {"IE"}
        assert len(row.results) == 40
        expected = (
            "did not answer"
            if fault == "timeout"
            else f"failed POST /submissions {MAX_RETRIES + 1} times"
        )
        assert expected in row.results[0].message, row.results[0].message
    calls = _executions(engine, submission_id)
    outcome = "timeout" if fault == "timeout" else fault
    assert [c for c in calls if c[0] == "retry"] == [("retry", "judge0", outcome)] * MAX_RETRIES
    assert not [c for c in calls if c[0] == "fallback"]


def test_judge0_rate_limit_with_local_fallback_grades_on_the_local_sandbox(
    engine, sandbox_settings, registry, world
):
    submission_id = _submit_direct(engine, registry, world)
    server = FakeJudge0(VirtualClock(), behave=_sum_pairs_answers())
    server.then("create", FAULTS["429"]())
    status, waits = _grade_on_judge0(
        engine, sandbox_settings, registry, server, Judge0Fallback.LOCAL, submission_id
    )
    assert (status, waits) == (SubmissionStatus.DONE, [])
    assert server.counts["create"] == 1  # the key rests; no second call
    with make_session_factory(engine)() as session:
        row = session.get_one(Submission, submission_id)
        assert (row.verdict, len(row.results)) == ("AC", 40)
    calls = _executions(engine, submission_id)
    assert ("fallback", "judge0", "local") in calls
    assert [c[1] for c in calls if c[0] == "run"] == ["local"]


def test_judge0_rate_limit_with_wait_requeues_for_its_retry_after_then_grades_remotely(
    engine, sandbox_settings, registry, world
):
    submission_id = _submit_direct(engine, registry, world)
    server = FakeJudge0(VirtualClock(), behave=_sum_pairs_answers())
    server.then("create", FAULTS["429"]())
    pool = StaticKeyPool()
    status, waits = _grade_on_judge0(
        engine, sandbox_settings, registry, server, Judge0Fallback.WAIT, submission_id, pool
    )
    # Judge0's own Retry-After (120 s) wins over judge0_retry_after_s (45 s).
    assert (status, waits) == (SubmissionStatus.QUEUED, [(submission_id, 120.0)])
    with make_session_factory(engine)() as session:
        row = session.get_one(Submission, submission_id)
        assert (row.status, row.verdict, len(row.results)) == ("queued", None, 0)
    assert _executions(engine, submission_id) == [("fallback", "judge0", "wait")]

    server.clock.t += 120  # the queued job runs once the wait (and the key's rest) is over
    status, waits = _grade_on_judge0(
        engine, sandbox_settings, registry, server, Judge0Fallback.WAIT, submission_id, pool
    )
    assert (status, waits) == (SubmissionStatus.DONE, [])
    with make_session_factory(engine)() as session:
        row = session.get_one(Submission, submission_id)
        assert (row.verdict, len(row.results)) == ("AC", 40)
    calls = _executions(engine, submission_id)
    assert ("fallback", "judge0", "wait") in calls
    assert [c[1] for c in calls if c[0] == "run"] == ["judge0"]


# --- The sandbox's scratch disk is full: inputs are written under <data dir>/sandbox,
# compiles happen under <data dir>/cache


@pytest.fixture
def scratch_mounts(data_dir: Path) -> Iterator[list[Path]]:
    """The sandbox's scratch folders on small tmpfs mounts of their own."""
    mounts = [data_dir / "sandbox", data_dir / "cache"]
    for folder in mounts:
        folder.mkdir()
        subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=2m,mode=0755", "tmpfs", str(folder)], check=True
        )
    yield mounts
    for folder in mounts:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def _fill(folder: Path) -> Path:
    """Write a file in `folder` until its disk is full."""
    filler = folder / "filler"
    with filler.open("wb", buffering=0) as out:
        try:
            while True:
                out.write(b"\0" * 4096)
        except OSError:
            pass
    return filler


def _final(client: httpx.Client, submission_id: int, log: Path) -> dict:
    def finished() -> dict | None:
        body = client.get(f"/api/v1/submissions/{submission_id}").json()
        return body if body["status"] in ("done", "failed") else None

    return _wait_for(f"submission {submission_id} ends", finished, 60, log=log)


def _messages(body: dict) -> str:
    return " | ".join([body["message"] or "", *(t["message"] or "" for t in body["tests"])])


def test_a_full_scratch_disk_is_ie_with_a_message_and_the_service_keeps_going(
    data_dir: Path, scratch_mounts: list[Path]
):
    service = ServiceProcess(data_dir, f"sqlite:///{data_dir / 'batchjudge.sqlite3'}")
    log = data_dir / "server.log"
    other = SOURCE + "# another source: compiled afresh\n"
    try:
        _, student, problem_id = _start_with_problem(service)
        with service.client(student) as client:
            first = _final(client, _submit(client, problem_id).json()["id"], log)
            assert first["verdict"] == "AC", first
            fillers = [_fill(folder) for folder in scratch_mounts]
            # Compiled already: the run cannot store its input.
            cached = _final(client, _submit(client, problem_id).json()["id"], log)
            assert cached["verdict"] == "IE", cached
            assert "no space left" in _messages(cached).lower(), cached
            # A new source: the compile cannot write its output (IE, not CE).
            fresh = _final(client, _submit(client, problem_id, other).json()["id"], log)
            assert fresh["verdict"] == "IE", fresh
            assert "no space left" in _messages(fresh).lower(), fresh
            assert _health(service).status_code == 200
            for filler in fillers:
                filler.unlink()
            for source in (SOURCE, other):
                after = _final(client, _submit(client, problem_id, source).json()["id"], log)
                assert after["verdict"] == "AC", after
    finally:
        service.stop()


# --- A problem damaged on disk


def _stored_hashes(database_url: str, problem_id: int) -> tuple[str, str]:
    """(the package's blob hash, test 3's input blob hash) of the problem's latest version."""
    engine = make_engine(database_url)
    try:
        with make_session_factory(engine)() as session:
            version = session.scalars(
                select(ProblemVersion)
                .where(ProblemVersion.problem_id == problem_id)
                .order_by(ProblemVersion.version.desc())
            ).first()
            assert version is not None
            return version.package_hash, version.tests[2].input_hash
    finally:
        engine.dispose()


def _blob(data: Path, digest: str) -> Path:
    return data / "blobs" / digest[:2] / digest[2:]


def _damage(data: Path, package_hash: str, input_hash: str, how: str) -> str:
    """Damage the stored problem as `how` says; what the reason must mention."""
    if how == "test input overwritten":
        _blob(data, input_hash).write_bytes(b"3\n1 1\n")
        return "test 3 (secret/01) input: blob"
    if how == "test input deleted":
        _blob(data, input_hash).unlink()
        return "is missing"
    # The package itself, with no unpacked copy left to grade from.
    _blob(data, package_hash).write_bytes(b"PK\x03\x04 truncated")
    subprocess.run(["rm", "-rf", str(data / "problems")], check=True)
    return "the package of version 1: blob"


@pytest.mark.parametrize("how", ["test input overwritten", "test input deleted", "package"])
def test_a_problem_damaged_on_disk_is_marked_broken_until_a_new_upload(data_dir: Path, how: str):
    database_url = f"sqlite:///{data_dir / 'batchjudge.sqlite3'}"
    service = ServiceProcess(data_dir, database_url)
    log = data_dir / "server.log"
    try:
        teacher, student, problem_id = _start_with_problem(service)
        with service.client(student) as client:
            first = _final(client, _submit(client, problem_id).json()["id"], log)
            assert first["verdict"] == "AC", first
        package_hash, input_hash = _stored_hashes(database_url, problem_id)
        mentioned = _damage(data_dir, package_hash, input_hash, how)

        with service.client(student) as client:
            damaged = _final(client, _submit(client, problem_id).json()["id"], log)
            assert (damaged["status"], damaged["verdict"]) == ("failed", "IE"), damaged
            assert "damaged on the server" in damaged["message"], damaged
            assert mentioned in damaged["message"], damaged
            seen = client.get(f"/api/v1/problems/{problem_id}").json()
            assert (seen["broken"], seen["broken_reason"]) == (True, None)  # no file names
        with service.client(teacher) as client:
            seen = client.get(f"/api/v1/problems/{problem_id}").json()
            assert seen["broken"] is True
            assert mentioned in seen["broken_reason"], seen
            # A new upload stores the files again (repairing the damaged blobs) and
            # clears the mark.
            files = {"package": ("sum-pairs.zip", zip_folder(EXAMPLE), "application/zip")}
            again = client.post("/api/v1/problems", files=files, data={"problem_id": problem_id})
            assert again.status_code == 201, again.text
            seen = client.get(f"/api/v1/problems/{problem_id}").json()
            assert (seen["version"], seen["broken"], seen["broken_reason"]) == (2, False, None)
        with service.client(student) as client:
            after = _final(client, _submit(client, problem_id).json()["id"], log)
            assert after["verdict"] == "AC", after
    finally:
        service.stop()


def test_a_damaged_unpacked_copy_is_unpacked_again_and_graded(data_dir: Path):
    service = ServiceProcess(data_dir, f"sqlite:///{data_dir / 'batchjudge.sqlite3'}")
    log = data_dir / "server.log"
    try:
        _, student, problem_id = _start_with_problem(service)
        with service.client(student) as client:
            first = _final(client, _submit(client, problem_id).json()["id"], log)
            assert first["verdict"] == "AC", first
            # The copy grading reads is derived from the stored package: damage it only.
            (copy,) = (data_dir / "problems").iterdir()
            (copy / "data" / "secret" / "01.ans").write_text("42\n")
            (copy / "data" / "secret" / "02.in").unlink()
            again = _final(client, _submit(client, problem_id).json()["id"], log)
            assert again["verdict"] == "AC", again
            assert client.get(f"/api/v1/problems/{problem_id}").json()["broken"] is False
        assert (copy / "data" / "secret" / "01.ans").read_text() != "42\n"
    finally:
        service.stop()
