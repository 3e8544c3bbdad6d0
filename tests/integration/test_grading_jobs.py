"""Grading stored submissions with the real sandbox, on both databases: results are
stored once, whatever the queue does (repeat deliveries, a crash mid-way)."""

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from batchjudge.db.accounts import Role, User
from batchjudge.db.engine import make_session_factory
from batchjudge.db.submissions import Execution, Submission, SubmissionStatus, TestResult
from batchjudge.domain.errors import (
    LanguageError,
    NotFoundError,
    SubmissionError,
    TooLargeError,
)
from batchjudge.domain.styles import Style
from batchjudge.execution.backend import ExecutionBackend
from batchjudge.execution.factory import local_backend
from batchjudge.execution.fake import FakeBackend, FakeTest
from batchjudge.grading.options import GradeOptions
from batchjudge.judge0.key_pool import KeyLease, StaticKeyPool
from batchjudge.languages.registry import LanguageRegistry
from batchjudge.problems.archive import ArchiveLimits, zip_folder
from batchjudge.services.accounts import create_user
from batchjudge.services.grading_jobs import (
    GradingContext,
    RemoteFallback,
    _claim,
    grade_submission,
)
from batchjudge.services.orphaned_jobs import reclaim_from_dead
from batchjudge.services.problems import import_package
from batchjudge.services.submissions import SubmissionRequest, submit
from batchjudge.services.worker_registry import this_process
from batchjudge.settings import Judge0Auth, Settings
from batchjudge.storage.blobs import BlobStore
from support.judge0_runs import open_backend
from support.judge0_server import FakeJudge0, VirtualClock

pytestmark = pytest.mark.sandbox

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "sum-pairs"
SOURCES = EXAMPLE / "submissions"


@pytest.fixture
def world(engine: Engine, sandbox_data_dir: Path) -> tuple[int, int]:
    """A student and the sum-pairs problem: (student id, problem id)."""
    sessions = make_session_factory(engine)
    with sessions.begin() as session:
        teacher, _ = create_user(session, "teacher", Role.TEACHER)
        student, _ = create_user(session, "student", Role.STUDENT)
        session.flush()
        store = BlobStore(sandbox_data_dir / "blobs")
        imported = import_package(
            session, store, teacher, zip_folder(EXAMPLE), "sum-pairs.zip", ArchiveLimits()
        )
        ids = (student.id, imported.problem_id)
    return ids


def _submit(engine: Engine, registry: LanguageRegistry, world: tuple[int, int], name: str) -> int:
    student_id, problem_id = world
    with make_session_factory(engine).begin() as session:
        student = session.get_one(User, student_id)
        bundle = registry.for_file(SOURCES / name)
        source = (SOURCES / name).read_text()
        request = SubmissionRequest(problem_id, bundle.spec.id, source, Style.AUTO)
        return submit(session, student, request, registry, 64 << 10).id


async def _run(
    engine: Engine, settings: Settings, registry: LanguageRegistry, ids: list[int]
) -> list[SubmissionStatus | None]:
    async with local_backend(settings) as backend:
        context = GradingContext(
            sessions=make_session_factory(engine),
            backend=backend,
            registry=registry,
            store=BlobStore(settings.data_dir / "blobs"),
            problem_cache=settings.data_dir / "problems",
            archive_limits=ArchiveLimits(),
            options=GradeOptions(),
        )
        return [await grade_submission(context, submission_id) for submission_id in ids]


def _rows(engine: Engine, submission_id: int) -> tuple[Submission, int, int, list[str]]:
    with make_session_factory(engine)() as session:
        row = session.get_one(Submission, submission_id)
        results = session.scalar(
            select(func.count()).where(TestResult.submission_id == submission_id)
        )
        runs = session.scalar(
            select(func.count()).where(
                Execution.submission_id == submission_id, Execution.kind == "run"
            )
        )
        verdicts = [r.verdict for r in row.results]
        return row, int(results or 0), int(runs or 0), verdicts


def test_a_submission_is_graded_once_even_when_delivered_twice(
    engine: Engine, sandbox_settings: Settings, registry: LanguageRegistry, world
):
    passing = _submit(engine, registry, world, "solve.cpp")
    wrong = _submit(engine, registry, world, "wrong.c")
    statuses = asyncio.run(_run(engine, sandbox_settings, registry, [passing, wrong, passing]))
    assert statuses == [SubmissionStatus.DONE, SubmissionStatus.DONE, None]
    row, results, runs, verdicts = _rows(engine, passing)
    assert (row.status, row.verdict, row.style, row.mode) == ("done", "AC", "solve", "multi")
    assert (results, runs) == (40, 1)
    assert set(verdicts) == {"AC"}
    assert row.finished_at is not None
    assert row.attempts == 1
    row, results, runs, verdicts = _rows(engine, wrong)
    assert (row.verdict, results, runs) == ("WA", 40, 1)
    assert "WA" in verdicts


def test_a_job_interrupted_mid_way_is_graded_on_the_next_delivery(
    engine: Engine, sandbox_settings: Settings, registry: LanguageRegistry, world
):
    submission_id = _submit(engine, registry, world, "main.py")
    context = GradingContext(
        make_session_factory(engine), None, registry, None, Path(), ArchiveLimits(), GradeOptions()
    )  # type: ignore[arg-type]
    assert _claim(context, submission_id) is not None  # the worker died right after this
    with make_session_factory(engine).begin() as session:  # ... having stored one result
        session.add(
            TestResult(
                submission_id=submission_id,
                position=0,
                name="sample/1",
                verdict="AC",
                time_s=0,
                memory_kb=0,
            )
        )
    row, results, _, _ = _rows(engine, submission_id)
    assert (row.status, results) == ("running", 1)
    assert asyncio.run(_run(engine, sandbox_settings, registry, [submission_id])) == [None]
    here = this_process(None, "test")
    reclaimed = reclaim_from_dead(make_session_factory(engine), 15.0, here)
    assert reclaimed.submissions == [(submission_id, "python3")]
    asyncio.run(_run(engine, sandbox_settings, registry, [submission_id]))
    row, results, runs, _ = _rows(engine, submission_id)
    assert (row.status, row.verdict, results, runs, row.attempts) == ("done", "AC", 40, 1, 2)


def test_submit_checks_language_size_and_problem(engine: Engine, registry: LanguageRegistry, world):
    student_id, problem_id = world
    with make_session_factory(engine).begin() as session:
        student = session.get_one(User, student_id)
        with pytest.raises(LanguageError):
            submit(session, student, SubmissionRequest(problem_id, "cobol", "x"), registry, 100)
        with pytest.raises(TooLargeError, match="at most 100 bytes"):
            submit(session, student, SubmissionRequest(problem_id, "c", "x" * 101), registry, 100)
        with pytest.raises(SubmissionError, match="empty"):
            submit(session, student, SubmissionRequest(problem_id, "c", "  \n"), registry, 100)
        with pytest.raises(NotFoundError):
            submit(session, student, SubmissionRequest(999, "c", "int main(){}"), registry, 100)
        queued = submit(
            session, student, SubmissionRequest(problem_id, "71", "print(1)"), registry, 100
        )
        assert (queued.status, queued.language) == ("queued", "python3")


def _fallback_context(
    engine: Engine,
    settings: Settings,
    registry: LanguageRegistry,
    local: ExecutionBackend | None,
    retries: list[tuple[int, float]],
) -> GradingContext:
    return GradingContext(
        sessions=make_session_factory(engine),
        backend=FakeBackend(lambda _: FakeTest(), unavailable=30.0, name="judge0"),
        registry=registry,
        store=BlobStore(settings.data_dir / "blobs"),
        problem_cache=settings.data_dir / "problems",
        archive_limits=ArchiveLimits(),
        options=GradeOptions(),
        fallback=RemoteFallback(local, lambda i, delay: retries.append((i, delay)), 60.0),
    )


def _fallback_rows(engine: Engine, submission_id: int) -> list[tuple[str, str, str]]:
    with make_session_factory(engine)() as session:
        rows = session.scalars(
            select(Execution).where(Execution.submission_id == submission_id)
        ).all()
        return [(r.kind, r.backend, r.outcome) for r in rows if r.kind == "fallback"]


def test_an_unavailable_remote_judge_falls_back_to_the_local_sandbox(
    engine: Engine, sandbox_settings: Settings, registry: LanguageRegistry, world
):
    submission_id = _submit(engine, registry, world, "solve.cpp")
    retries: list[tuple[int, float]] = []

    async def grade_it() -> SubmissionStatus | None:
        async with local_backend(sandbox_settings) as local:
            context = _fallback_context(engine, sandbox_settings, registry, local, retries)
            return await grade_submission(context, submission_id)

    assert asyncio.run(grade_it()) == SubmissionStatus.DONE
    row, results, runs, verdicts = _rows(engine, submission_id)
    assert (row.verdict, results, runs, set(verdicts)) == ("AC", 40, 1, {"AC"})
    assert _fallback_rows(engine, submission_id) == [("fallback", "judge0", "local")]
    with make_session_factory(engine)() as session:
        backends = set(
            session.scalars(
                select(Execution.backend).where(
                    Execution.submission_id == submission_id, Execution.kind == "run"
                )
            )
        )
    assert backends == {"local"}
    assert retries == []


def test_an_unavailable_remote_judge_with_wait_requeues_and_records_it(
    engine: Engine, sandbox_settings: Settings, registry: LanguageRegistry, world
):
    submission_id = _submit(engine, registry, world, "main.py")
    retries: list[tuple[int, float]] = []
    context = _fallback_context(engine, sandbox_settings, registry, None, retries)
    assert asyncio.run(grade_submission(context, submission_id)) == SubmissionStatus.QUEUED
    assert retries == [(submission_id, 30.0)]  # the remote's own retry time wins
    row, results, _, _ = _rows(engine, submission_id)
    assert (row.status, row.verdict, results) == ("queued", None, 0)
    assert _fallback_rows(engine, submission_id) == [("fallback", "judge0", "wait")]
    # Once the judge is back the submission is graded, and the record of the wait stays.
    asyncio.run(_run(engine, sandbox_settings, registry, [submission_id]))
    row, results, runs, _ = _rows(engine, submission_id)
    assert (row.status, row.verdict, results, runs) == ("done", "AC", 40, 1)
    assert _fallback_rows(engine, submission_id) == [("fallback", "judge0", "wait")]


def test_a_judge0_backend_whose_keys_are_all_spent_falls_back_to_local(
    engine: Engine, sandbox_settings: Settings, registry: LanguageRegistry, world
):
    submission_id = _submit(engine, registry, world, "solve.js")
    server = FakeJudge0(VirtualClock())
    pool = StaticKeyPool("key-that-is-spent")
    pool.mark_exhausted(
        KeyLease(None, "key-that-is-spent"), server.clock.now() + timedelta(hours=1)
    )

    async def grade_it() -> SubmissionStatus | None:
        async with (
            local_backend(sandbox_settings) as local,
            open_backend(server, pool, judge0_auth=Judge0Auth.TOKEN) as remote,
        ):
            context = GradingContext(
                sessions=make_session_factory(engine),
                backend=remote,
                registry=registry,
                store=BlobStore(sandbox_settings.data_dir / "blobs"),
                problem_cache=sandbox_settings.data_dir / "problems",
                archive_limits=ArchiveLimits(),
                options=GradeOptions(),
                checker_backend=local,
                fallback=RemoteFallback(local, lambda *_: None, 60.0),
            )
            return await grade_submission(context, submission_id)

    assert asyncio.run(grade_it()) == SubmissionStatus.DONE
    assert server.requests == []  # no key, no call
    row, results, runs, verdicts = _rows(engine, submission_id)
    assert (row.verdict, results, runs, set(verdicts)) == ("AC", 40, 1, {"AC"})
    assert _fallback_rows(engine, submission_id) == [("fallback", "judge0", "local")]
