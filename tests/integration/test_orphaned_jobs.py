"""Handing back the jobs of dead grading processes, and refusing the writes of an attempt
that lost its submission (services.worker_registry, services.orphaned_jobs,
services.grading_jobs), on SQLite and PostgreSQL."""

import asyncio
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, update

from batchjudge.db.accounts import Role, User
from batchjudge.db.engine import make_session_factory
from batchjudge.db.submissions import Submission, SubmissionStatus, TestResult
from batchjudge.db.workers import WorkerRow
from batchjudge.domain.errors import ConfigError
from batchjudge.domain.reports import CaseResult
from batchjudge.domain.styles import Style
from batchjudge.domain.verdicts import Verdict
from batchjudge.execution.factory import local_backend
from batchjudge.grading.options import GradeOptions
from batchjudge.languages.registry import LanguageRegistry
from batchjudge.problems.archive import ArchiveLimits, zip_folder
from batchjudge.services.accounts import create_user
from batchjudge.services.grading_jobs import (
    GradingContext,
    _claim,
    _StoreProgress,
    grade_submission,
)
from batchjudge.services.orphaned_jobs import (
    Requeue,
    only_idle,
    queued_work,
    reclaim_from_dead,
)
from batchjudge.services.problems import import_package
from batchjudge.services.submissions import SubmissionRequest, submit
from batchjudge.services.worker_registry import (
    WorkerIdentity,
    heartbeat,
    live_workers,
    register,
    this_process,
)
from batchjudge.settings import Settings
from batchjudge.storage.blobs import BlobStore

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "sum-pairs"
TIMEOUT_S = 15.0


@pytest.fixture
def submission_id(engine: Engine, sandbox_data_dir: Path, registry: LanguageRegistry) -> int:
    """A queued Python submission of the sum-pairs problem."""
    sessions = make_session_factory(engine)
    with sessions.begin() as session:
        teacher, _ = create_user(session, "teacher", Role.TEACHER)
        student, _ = create_user(session, "student", Role.STUDENT)
        session.flush()
        imported = import_package(
            session,
            BlobStore(sandbox_data_dir / "blobs"),
            teacher,
            zip_folder(EXAMPLE),
            "sum-pairs.zip",
            ArchiveLimits(),
        )
        source = (EXAMPLE / "submissions" / "main.py").read_text()
        request = SubmissionRequest(imported.problem_id, "python3", source, Style.AUTO)
        return submit(session, session.get_one(User, student.id), request, registry, 1 << 16).id


def _context(engine: Engine, worker: WorkerIdentity | None) -> GradingContext:
    """A context that can claim and store (its backend is never reached here)."""
    return GradingContext(
        make_session_factory(engine),
        None,  # type: ignore[arg-type]
        None,  # type: ignore[arg-type]
        None,  # type: ignore[arg-type]
        Path(),
        ArchiveLimits(),
        GradeOptions(),
        worker_id=None if worker is None else worker.id,
    )


def _registered(engine: Engine, name: str, seen_s_ago: float = 0.0) -> WorkerIdentity:
    """A worker on another host, last seen `seen_s_ago` seconds ago."""
    worker = replace(this_process(name, "worker"), host="elsewhere/net:[1]")
    with make_session_factory(engine).begin() as session:
        register(session, worker, ["python3"], 1)
        session.flush()
        session.execute(
            update(WorkerRow)
            .where(WorkerRow.id == worker.id)
            .values(last_seen_at=datetime.now(UTC) - timedelta(seconds=seen_s_ago))
        )
    return worker


def _row(engine: Engine, submission_id: int) -> Submission:
    with make_session_factory(engine)() as session:
        return session.get_one(Submission, submission_id)


def test_a_silent_workers_job_is_handed_back_and_a_live_ones_is_not(
    engine: Engine, submission_id: int
):
    here = this_process("sweeper", "worker")
    sessions = make_session_factory(engine)
    busy = _registered(engine, "busy")
    assert _claim(_context(engine, busy), submission_id) is not None
    assert _row(engine, submission_id).worker_id == busy.id

    assert not reclaim_from_dead(sessions, TIMEOUT_S, here)  # alive: left alone
    assert _row(engine, submission_id).status == SubmissionStatus.RUNNING

    with sessions.begin() as session:  # silent for longer than the timeout
        session.execute(
            update(WorkerRow)
            .where(WorkerRow.id == busy.id)
            .values(last_seen_at=datetime.now(UTC) - timedelta(seconds=TIMEOUT_S + 1))
        )
    reclaimed = reclaim_from_dead(sessions, TIMEOUT_S, here)
    assert reclaimed.submissions == [(submission_id, "python3")]
    row = _row(engine, submission_id)
    assert (row.status, row.worker_id, row.attempts) == ("queued", None, 1)
    with sessions() as session:
        assert busy.id not in [worker.id for worker in live_workers(session, TIMEOUT_S)]
    assert not reclaim_from_dead(sessions, TIMEOUT_S, here)  # handed back once only


def test_a_dead_process_on_this_host_is_found_without_waiting(engine: Engine, submission_id: int):
    sessions = make_session_factory(engine)
    here = this_process("sweeper", "worker")
    # A process of this host that has exited: its pid is gone (or reused by another).
    child = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    pid = int(child.stdout)
    boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    gone = replace(this_process("gone", "serve"), process=f"{boot}:{pid}:1")
    with sessions.begin() as session:
        register(session, gone, ["python3"], 2)
    assert _claim(_context(engine, gone), submission_id) is not None
    reclaimed = reclaim_from_dead(sessions, TIMEOUT_S, here)  # seen just now, yet dead
    assert reclaimed.submissions == [(submission_id, "python3")]


def test_a_handed_back_attempt_writes_nothing(
    engine: Engine, submission_id: int, sandbox_settings: Settings, registry: LanguageRegistry
):
    """A worker thought dead (a long pause) comes back after its job went to another:
    its progress and its final report are refused, so results are written once."""
    sessions = make_session_factory(engine)
    here = this_process("sweeper", "worker")
    slow = _registered(engine, "slow", seen_s_ago=TIMEOUT_S + 1)
    first = _claim(_context(engine, slow), submission_id)
    assert first is not None
    assert reclaim_from_dead(sessions, TIMEOUT_S, here).submissions

    async def grade_elsewhere() -> SubmissionStatus | None:
        async with local_backend(sandbox_settings) as backend:
            context = GradingContext(
                sessions=sessions,
                backend=backend,
                registry=registry,
                store=BlobStore(sandbox_settings.data_dir / "blobs"),
                problem_cache=sandbox_settings.data_dir / "problems",
                archive_limits=ArchiveLimits(),
                options=GradeOptions(),
                worker_id=here.id,
            )
            return await grade_submission(context, submission_id)

    assert asyncio.run(grade_elsewhere()) == SubmissionStatus.DONE
    done = _row(engine, submission_id)
    assert (done.status, done.verdict, done.attempts, done.worker_id) == ("done", "AC", 2, here.id)
    with sessions() as session:
        results = session.scalar(
            select(func.count()).where(TestResult.submission_id == submission_id)
        )

    # The slow attempt wakes up and reports a test and its compile: refused.
    late = _StoreProgress(sessions, submission_id, first.attempt)
    wrong = CaseResult("sample/1", Verdict.WA, 0.1, 100, "late", "")
    asyncio.run(late.test_finished(99, wrong))
    with sessions() as session:
        assert (
            session.scalar(select(func.count()).where(TestResult.submission_id == submission_id))
            == results
        )
    assert _row(engine, submission_id).verdict == "AC"


def test_queued_work_whose_queue_is_empty_is_lost(engine: Engine, submission_id: int):
    sessions = make_session_factory(engine)
    assert queued_work(sessions).submissions == [(submission_id, "python3")]
    assert not queued_work(sessions, older_than_s=3600)  # too young to be lost
    waiting = queued_work(sessions)
    assert only_idle(waiting, lambda _language: False, str) == Requeue()
    assert only_idle(waiting, lambda language: language == "python3", str) == waiting


def test_heartbeat_revives_a_worker_found_silent(engine: Engine):
    sessions = make_session_factory(engine)
    worker = _registered(engine, "paused", seen_s_ago=TIMEOUT_S + 1)
    reclaim_from_dead(sessions, TIMEOUT_S, this_process("sweeper", "worker"))
    with sessions() as session:
        assert worker.id not in [row.id for row in live_workers(session, TIMEOUT_S)]
    with sessions.begin() as session:
        heartbeat(session, worker.id, 1)
    with sessions() as session:
        [row] = [row for row in live_workers(session, TIMEOUT_S) if row.id == worker.id]
        assert (row.busy, row.stopped_at) == (1, None)


def test_two_live_processes_of_one_machine_never_share_sandbox_uids(engine: Engine):
    sessions = make_session_factory(engine)
    first = this_process("first", "serve")  # this test's own process: alive
    with sessions.begin() as session:
        register(session, first, ["c"], 2, uid_base=61000)
    second = this_process("second", "worker")
    with sessions.begin() as session, pytest.raises(ConfigError) as refused:
        register(session, second, ["c"], 1, uid_base=61001)
    assert str(refused.value) == (
        "the sandbox uids 61001-61001 are in use by first on this machine: "
        "set BATCHJUDGE_SANDBOX_UID_BASE to 61100 or more for this process"
    )
    with sessions.begin() as session:
        register(session, second, ["c"], 1, uid_base=61100)
    # A predecessor that crashed (its process is gone) leaves its uids free at once.
    boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    crashed = replace(this_process("crashed", "serve"), process=f"{boot}:999999999:1")
    with sessions.begin() as session:
        register(session, crashed, ["c"], 2, uid_base=62000)
    with sessions.begin() as session:
        register(session, this_process("restarted", "serve"), ["c"], 2, uid_base=62000)
