"""Submitting code and reading results."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from batchjudge.db.accounts import User
from batchjudge.db.problems import ProblemTest, ProblemVersion, TestVisibility
from batchjudge.db.submissions import Execution, Submission, SubmissionStatus
from batchjudge.domain.errors import NotFoundError
from batchjudge.domain.styles import Mode, Style
from batchjudge.service.auth import CurrentUser, State
from batchjudge.service.client_address import client_ip
from batchjudge.service.errors import ApiError
from batchjudge.service.ids import MAX_ID, IdField, IdPath, IdQuery
from batchjudge.service.submission_gate import admit_submissions
from batchjudge.services.submission_access import may_see, visible_to
from batchjudge.services.submissions import SubmissionRequest, submit
from batchjudge.services.test_visibility import sees_everything, tally_hidden
from batchjudge.settings import OptimizationMode
from batchjudge.storage.blobs import BlobNotFoundError

router = APIRouter(prefix="/api/v1/submissions", tags=["submissions"])

_PREVIEW = 4096


class SubmissionIn(BaseModel):
    """A submission: the source of one file."""

    problem_id: IdField
    language: str = Field(description="Language id, alias or Judge0 id.")
    source: str
    style: Style = Style.AUTO
    mode: Mode = Mode.AUTO


class AcceptedOut(BaseModel):
    """The stored submission, queued for grading."""

    id: int
    status: str


class CompileOut(BaseModel):
    """How the compile went (null until it has)."""

    ok: bool | None
    time_s: float | None
    output: str


class TestOut(BaseModel):
    """One test's result. Tests of visibility `full` show their message, input, answer
    and output (output is kept for samples only); students see `verdict` tests with name,
    verdict, time and memory, and hidden tests not at all. Staff see every test and its
    message."""

    position: int
    name: str
    verdict: str
    time_s: float
    memory_kb: int
    message: str | None = None
    input: str | None = None
    expected_output: str | None = None
    output: str | None = None


class HiddenTestsOut(BaseModel):
    """The tests hidden from the caller, as counts: how many there are, how many have a
    result so far, and how many of those failed (not AC)."""

    total: int
    graded: int
    failed: int


class SubmissionOut(BaseModel):
    """A submission and whatever of its grading is known."""

    id: int
    problem_id: int
    problem_version: int
    user_id: int
    status: str
    verdict: str | None
    language: str
    style: str
    mode: str
    executions: int
    compile: CompileOut
    tests: list[TestOut]
    hidden_tests: HiddenTestsOut | None = Field(
        default=None, description="Null unless the caller is a student and tests are hidden."
    )
    message: str
    created_at: datetime
    finished_at: datetime | None


def _visible(session: Session, user: User, submission_id: int) -> Submission:
    row = session.get(Submission, submission_id)
    if row is None or not may_see(session, user, row.user_id):
        raise NotFoundError(f"there is no submission {submission_id}")
    return row


def _head(state: State, digest: str) -> str:
    """The start of a stored file, without reading the rest of a large one."""
    try:
        with state.store.path(digest).open("rb") as stored:
            return stored.read(_PREVIEW).decode("utf-8", "replace")
    except FileNotFoundError as exc:
        raise BlobNotFoundError(f"blob {digest} is missing") from exc


def describe(state: State, session: Session, user: User, row: Submission) -> SubmissionOut:
    """A submission as `user` may see it. Tests of visibility `full` show their input,
    answer and output (truncated); students see `verdict` tests without their message,
    and hidden tests only as counts in `hidden_tests`; teachers and admins see every
    test with its message."""
    version = session.get_one(ProblemVersion, row.problem_version_id)
    tests_by_position: dict[int, ProblemTest] = {t.position: t for t in version.tests}
    runs = session.scalar(
        select(func.count()).where(Execution.submission_id == row.id, Execution.kind == "run")
    )
    everything = sees_everything(user)
    hidden = set()
    if not everything:
        hidden = {t.position for t in version.tests if t.visibility == TestVisibility.HIDDEN.value}
    tests = []
    for result in row.results:
        spec = tests_by_position.get(result.position)
        if result.position in hidden:
            continue
        full = spec is not None and spec.visibility == TestVisibility.FULL.value
        out = TestOut(
            position=result.position,
            name=result.name,
            verdict=result.verdict,
            time_s=result.time_s,
            memory_kb=result.memory_kb,
        )
        if full or everything:
            out.message = result.message or None
        if full and spec is not None:
            # Secret data stays out of even the staff's view unless the test is `full`:
            # they have the package, and a list of submissions would be megabytes.
            out.input = _head(state, spec.input_hash)
            out.expected_output = _head(state, spec.answer_hash)
            out.output = result.output_preview
        tests.append(out)
    tally = None
    if hidden:
        found = tally_hidden(hidden, {r.position: r.verdict for r in row.results})
        tally = HiddenTestsOut(total=found.total, graded=found.graded, failed=found.failed)
    return SubmissionOut(
        id=row.id,
        problem_id=version.problem_id,
        problem_version=version.version,
        user_id=row.user_id,
        status=row.status,
        verdict=row.verdict,
        language=row.language,
        style=row.style,
        mode=row.mode,
        executions=int(runs or 0),
        compile=CompileOut(ok=row.compile_ok, time_s=row.compile_time_s, output=row.compile_output),
        tests=tests,
        hidden_tests=tally,
        message=row.message,
        created_at=row.created_at,
        finished_at=row.finished_at,
    )


@router.post("", status_code=202)
def create_submission(
    http: Request, state: State, user: CurrentUser, body: SubmissionIn
) -> AcceptedOut:
    """Store the submission, then queue it; the answer comes only after the commit.
    429 (with Retry-After) while the user is blocked, over the rate limit, or their
    institution over its monthly quota."""
    admit_submissions(state, user.id, ip=client_ip(http))
    with state.sessions.begin() as session:
        queued = session.scalar(
            select(func.count()).where(Submission.status == SubmissionStatus.QUEUED)
        )
        if int(queued or 0) >= state.settings.max_queue_length:
            raise ApiError(
                503,
                "queue_full",
                "too many submissions are waiting; try again soon",
                {"Retry-After": "30"},
            )
        manual = state.settings.default_optimization_mode is OptimizationMode.MANUAL
        mode = body.mode if manual else Mode.AUTO  # in auto mode the service decides
        request = SubmissionRequest(body.problem_id, body.language, body.source, body.style, mode)
        row = submit(
            session,
            session.merge(user, load=False),
            request,
            state.registry,
            state.settings.max_source_bytes,
        )
        submission_id, language = row.id, row.language
    # Committed: from here a crash is recovered by the grading processes' sweeps.
    state.queue.enqueue(submission_id, language)
    return AcceptedOut(id=submission_id, status=SubmissionStatus.QUEUED.value)


@router.get("/{submission_id}")
def get_submission(state: State, user: CurrentUser, submission_id: IdPath) -> SubmissionOut:
    """A submission with its per-test results so far."""
    with state.sessions() as session:
        return describe(state, session, user, _visible(session, user, submission_id))


@router.get("")
def list_submissions(
    state: State,
    user: CurrentUser,
    problem_id: IdQuery = None,
    user_id: IdQuery = None,
    status: SubmissionStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
) -> list[SubmissionOut]:
    """Submissions, newest first: a student's own, a teacher's institution's, or (for an
    admin) everyone's."""
    query = visible_to(select(Submission).order_by(Submission.id.desc()), user)
    if user_id is not None:
        query = query.where(Submission.user_id == user_id)
    if problem_id is not None:
        query = query.join(ProblemVersion).where(ProblemVersion.problem_id == problem_id)
    if status is not None:
        query = query.where(Submission.status == status)
    with state.sessions() as session:
        rows = session.scalars(query.limit(limit).offset(offset)).all()
        return [describe(state, session, user, row) for row in rows]
