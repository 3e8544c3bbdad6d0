"""Uploading and reading problems."""

from typing import Annotated

from fastapi import APIRouter, File, UploadFile
from pydantic import BaseModel
from sqlalchemy import select

from batchjudge.db.accounts import Role
from batchjudge.db.problems import Problem, ProblemVersion
from batchjudge.domain.errors import NotFoundError
from batchjudge.problems.archive import ArchiveLimits
from batchjudge.service.auth import CurrentUser, State, require_role
from batchjudge.service.errors import ApiError
from batchjudge.service.ids import IdForm, IdPath
from batchjudge.services.problems import import_package
from batchjudge.services.submissions import latest_version

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


class ProblemOut(BaseModel):
    """A problem's latest version as the caller may see it."""

    id: int
    version: int
    name: str
    time_limit_s: float
    memory_mb: int
    output_mb: int
    tests: int
    samples: list[SampleOut] | None = None
    test_names: list[str] | None = None


def _describe(state: State, version: ProblemVersion, full: bool, samples: bool) -> ProblemOut:
    out = ProblemOut(
        id=version.problem_id,
        version=version.version,
        name=version.name,
        time_limit_s=version.time_limit_s,
        memory_mb=version.memory_mb,
        output_mb=version.output_mb,
        tests=len(version.tests),
    )
    if samples:
        out.samples = [
            SampleOut(
                name=test.name,
                input=state.store.get(test.input_hash)[:_PREVIEW].decode("utf-8", "replace"),
                output=state.store.get(test.answer_hash)[:_PREVIEW].decode("utf-8", "replace"),
            )
            for test in version.tests
            if test.is_sample
        ]
    if full:
        out.test_names = [test.name for test in version.tests]
    return out


@router.post("", status_code=201)
async def upload_problem(
    state: State,
    user: CurrentUser,
    package: Annotated[UploadFile, File(description="A Kattis problem package as a zip.")],
    problem_id: IdForm = None,
) -> UploadOut:
    """Upload a package (teachers and admins): a new problem, or a new version of one."""
    require_role(user, Role.TEACHER, Role.ADMIN)
    limit = state.settings.max_upload_mb << 20
    data = await package.read(limit + 1)
    if len(data) > limit:
        raise ApiError(413, "too_large", f"the package is over {state.settings.max_upload_mb} MiB")
    name = package.filename or "package.zip"
    with state.sessions.begin() as session:
        owner = session.merge(user, load=False)
        imported = import_package(
            session, state.store, owner, data, name, ArchiveLimits(), problem_id=problem_id
        )
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
    """A problem with its samples; teachers and admins also see every test's name."""
    with state.sessions() as session:
        version = latest_version(session, problem_id)
        if version is None:
            raise NotFoundError(f"there is no problem {problem_id}")
        return _describe(state, version, full=user.role != Role.STUDENT, samples=True)
