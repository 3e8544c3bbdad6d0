"""Uploading and reading problems."""

from typing import Annotated

from fastapi import APIRouter, File, Request, UploadFile
from pydantic import BaseModel, Field
from sqlalchemy import select

from batchjudge.db.accounts import Role
from batchjudge.db.problems import Problem, ProblemVersion, TestVisibility
from batchjudge.domain.errors import NotFoundError
from batchjudge.service.auth import CurrentUser, State, require_role
from batchjudge.service.client_address import client_ip
from batchjudge.service.ids import IdForm, IdPath
from batchjudge.services.actor import Actor
from batchjudge.services.audited_problems import record_upload
from batchjudge.services.package_limits import archive_limits, oversized_package
from batchjudge.services.problems import import_package
from batchjudge.services.submissions import latest_version
from batchjudge.services.test_visibility import CaseVisibility, set_visibility, visibility_of
from batchjudge.storage.blobs import BlobNotFoundError

router = APIRouter(prefix="/api/v1/problems", tags=["problems"])

_PREVIEW = 64 << 10


class UploadOut(BaseModel):
    """What an upload created."""

    id: int
    version: int
    name: str
    tests: int


class SampleOut(BaseModel):
    """A sample test, shown in full (within limits)."""

    name: str
    input: str
    output: str


class TestVisibilityOut(BaseModel):
    """A test of the latest version and what students see of it in their results."""

    position: int
    name: str
    sample: bool
    visibility: TestVisibility


class ProblemOut(BaseModel):
    """A problem's latest version as the caller may see it. Students get the samples whose
    visibility is `full`; teachers and admins get every sample, every test's name, and
    each test's visibility (`test_details`)."""

    id: int
    version: int
    name: str
    time_limit_s: float
    memory_mb: int
    output_mb: int
    tests: int
    broken: bool = Field(
        default=False, description="Its stored files are damaged: submissions end IE."
    )
    broken_reason: str | None = Field(
        default=None, description="Which file is damaged and how (teachers and admins)."
    )
    samples: list[SampleOut] | None = None
    test_names: list[str] | None = None
    test_details: list[TestVisibilityOut] | None = None


class VisibilityIn(BaseModel):
    """New visibilities by test name; tests not named keep theirs."""

    visibility: dict[str, TestVisibility] = Field(
        min_length=1,
        description="Test name -> full (everything, as samples), verdict (name, verdict, "
        "time, memory) or hidden (only counted in `hidden_tests`).",
    )


class VisibilityOut(BaseModel):
    """Every test of the latest version with its visibility, after the change."""

    problem_id: int
    version: int
    tests: list[TestVisibilityOut]


def _visibility_out(tests: list[CaseVisibility]) -> list[TestVisibilityOut]:
    return [
        TestVisibilityOut(
            position=t.position, name=t.name, sample=t.is_sample, visibility=t.visibility
        )
        for t in tests
    ]


def _preview(state: State, digest: str) -> str:
    try:
        return state.store.get(digest)[:_PREVIEW].decode("utf-8", "replace")
    except BlobNotFoundError:  # damaged on disk: the problem shows as broken
        return "(unavailable: this file is damaged on the server)"


def _describe(state: State, version: ProblemVersion, full: bool, samples: bool) -> ProblemOut:
    reason = version.problem.broken_reason
    out = ProblemOut(
        id=version.problem_id,
        version=version.version,
        name=version.name,
        time_limit_s=version.time_limit_s,
        memory_mb=version.memory_mb,
        output_mb=version.output_mb,
        tests=len(version.tests),
        broken=reason is not None,
        broken_reason=reason if full else None,
    )
    if samples:
        out.samples = [
            SampleOut(
                name=test.name,
                input=_preview(state, test.input_hash),
                output=_preview(state, test.answer_hash),
            )
            for test in version.tests
            # A teacher who lowered a sample's visibility meant it for students here too.
            if test.is_sample and (full or test.visibility == TestVisibility.FULL)
        ]
    if full:
        out.test_names = [test.name for test in version.tests]
        out.test_details = _visibility_out(visibility_of(version))
    return out


@router.post("", status_code=201)
async def upload_problem(
    request: Request,
    state: State,
    user: CurrentUser,
    package: Annotated[UploadFile, File(description="A Kattis problem package as a zip.")],
    problem_id: IdForm = None,
) -> UploadOut:
    """Upload a package (teachers and admins): a new problem, or a new version of one."""
    require_role(user, Role.TEACHER, Role.ADMIN)
    name = package.filename or "package.zip"
    # The body limit stopped the upload near this bound; at most this much is read.
    limit = state.settings.max_upload_mb << 20
    data = await package.read(limit + 1)
    if len(data) > limit:
        raise oversized_package(name, package.size, state.settings.max_upload_mb)
    with state.sessions.begin() as session:
        owner = session.merge(user, load=False)
        imported = import_package(
            session,
            state.store,
            owner,
            data,
            name,
            archive_limits(state.settings),
            problem_id=problem_id,
            max_tests=state.settings.max_tests_per_problem,
        )
        record_upload(session, Actor(user.id, client_ip(request), "api"), imported)
    return UploadOut(
        id=imported.problem_id, version=imported.version, name=imported.name, tests=imported.tests
    )


@router.get("")
def list_problems(state: State, _user: CurrentUser) -> list[ProblemOut]:
    """Every problem's latest version: names and limits."""
    with state.sessions() as session:
        ids = session.scalars(select(Problem.id).order_by(Problem.id)).all()
        versions = [latest_version(session, problem_id) for problem_id in ids]
        return [_describe(state, v, full=False, samples=False) for v in versions if v is not None]


@router.get("/{problem_id}")
def get_problem(state: State, user: CurrentUser, problem_id: IdPath) -> ProblemOut:
    """A problem with its samples; teachers and admins also see every test's name and
    visibility."""
    with state.sessions() as session:
        version = latest_version(session, problem_id)
        if version is None:
            raise NotFoundError(f"there is no problem {problem_id}")
        return _describe(state, version, full=user.role != Role.STUDENT, samples=True)


@router.patch("/{problem_id}/tests")
def change_test_visibility(
    state: State, user: CurrentUser, problem_id: IdPath, body: VisibilityIn
) -> VisibilityOut:
    """Choose what students see of tests of the latest version, by name (the problem's
    teacher or an admin); same-named tests of earlier versions follow."""
    require_role(user, Role.TEACHER, Role.ADMIN)
    with state.sessions.begin() as session:
        version, tests = set_visibility(session, user, problem_id, body.visibility)
        return VisibilityOut(
            problem_id=version.problem_id, version=version.version, tests=_visibility_out(tests)
        )
