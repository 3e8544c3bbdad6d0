"""The teacher pages: the problems a teacher manages (upload, versions, what students see
of each test, how students fare) and the submissions of their institution."""

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, File, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from batchjudge.db.accounts import Role
from batchjudge.domain.errors import (
    InvalidInputError,
    NotFoundError,
    ProblemError,
    TooLargeError,
)
from batchjudge.domain.verdicts import Verdict
from batchjudge.service.auth import State
from batchjudge.service.client_address import client_ip
from batchjudge.service.ids import MAX_ID, IdPath
from batchjudge.service.oversize_watch import note_oversized
from batchjudge.services.actor import Actor
from batchjudge.services.audited_problems import record_upload
from batchjudge.services.package_limits import archive_limits
from batchjudge.services.problem_analytics import problem_analytics, problem_figures
from batchjudge.services.problems import ImportedProblem, import_package
from batchjudge.services.quotas import fetch_usage
from batchjudge.services.submissions import latest_version
from batchjudge.services.test_visibility import (
    CaseVisibility,
    managed_problem,
    parse_visibility,
    set_visibility,
    visibility_of,
)
from batchjudge.web.page_auth import PageViewer, Viewer, require_page_role
from batchjudge.web.rendering import render
from batchjudge.web.teacher_forms import StaffForm, read_package
from batchjudge.web.teacher_queries import (
    PENDING,
    SubmissionFilters,
    in_scope,
    problem_choices,
    search_submissions,
    version_history,
)
from batchjudge.web.verdict_names import VERDICT_NAMES

router = APIRouter(include_in_schema=False)

#: Form fields of the visibility form are named this plus the test's name.
VISIBILITY_FIELD = "visibility:"
_VERDICTS = [v.value for v in Verdict if v is not Verdict.SKIPPED]


def _is_admin(who: Viewer) -> bool:
    # Compared by value: a role loaded from the database is a plain string.
    return who.user.role == Role.ADMIN


def percent(share: float | None) -> str:
    """A share as a whole percentage ("—" when there is none)."""
    return "—" if share is None else f"{share:.0%}"


def visibility_summary(tests: list[CaseVisibility]) -> str:
    """What students see, in one sentence: "2 tests in full, 4 by verdict only, 1 hidden"."""
    counts = {v: sum(t.visibility.value == v for t in tests) for v in ("full", "verdict", "hidden")}
    return (
        f"Students see {counts['full']} in full, {counts['verdict']} by verdict only, "
        f"and {counts['hidden']} hidden."
    )


@router.get("/teach")
def teach_home(request: Request, state: State, who: PageViewer) -> HTMLResponse:
    """The teacher's problems (an admin's: everyone's) and the upload form."""
    require_page_role(who, Role.TEACHER, Role.ADMIN)
    return _home(request, state, who)


def _home(
    request: Request, state: State, who: Viewer, upload_error: str | None = None
) -> HTMLResponse:
    with state.sessions() as session:
        problems = problem_figures(session, None if _is_admin(who) else who.user.id)
        institution_id = who.user.institution_id
        usage = fetch_usage(session, institution_id) if institution_id is not None else None
    return render(
        request,
        "teacher/home.html",
        who,
        nav="teach",
        admin=_is_admin(who),
        problems=problems,
        upload_error=upload_error,
        max_upload_mb=state.settings.max_upload_mb,
        percent=percent,
        usage=usage,
    )


def _import(
    request: Request,
    state: State,
    who: Viewer,
    upload: UploadFile | None,
    problem_id: int | None,
) -> ImportedProblem:
    """The upload imported (and audited) as the API's POST /api/v1/problems does it."""
    package = read_package(upload, state.settings.max_upload_mb)
    with state.sessions.begin() as session:
        owner = session.merge(who.user, load=False)
        imported = import_package(
            session,
            state.store,
            owner,
            package.data,
            package.name,
            archive_limits(state.settings),
            problem_id=problem_id,
            max_tests=state.settings.max_tests_per_problem,
        )
        record_upload(session, Actor(who.user.id, client_ip(request), "web"), imported)
        return imported


def _note_too_large(request: Request, state: State, who: Viewer, exc: TooLargeError) -> None:
    """An oversized package counts as the abuse signal the API's 413 counts."""
    note_oversized(state, who.user.id, str(exc), client_ip(request))


def _with_status(page: HTMLResponse, status_code: int) -> HTMLResponse:
    """The form shown again with its message, under the status the API would answer."""
    page.status_code = status_code
    return page


def _uploaded(imported: ImportedProblem) -> RedirectResponse:
    target = f"/teach/problems/{imported.problem_id}?uploaded={imported.version}"
    return RedirectResponse(target, status_code=303)


@router.post("/teach/problems")
def upload_problem(
    request: Request,
    state: State,
    who: StaffForm,
    package: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """A new problem from a package; a bad package is shown again with its message."""
    try:
        imported = _import(request, state, who, package, problem_id=None)
    except ProblemError as exc:
        return _home(request, state, who, upload_error=str(exc))
    except TooLargeError as exc:
        _note_too_large(request, state, who, exc)
        return _with_status(_home(request, state, who, upload_error=str(exc)), 413)
    return _uploaded(imported)


@router.get("/teach/problems/{problem_id}")
def problem_page(
    request: Request,
    state: State,
    who: PageViewer,
    problem_id: IdPath,
    uploaded: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    saved: bool = False,
) -> HTMLResponse:
    """One problem: limits, tests and their visibility, analytics, re-upload, versions."""
    require_page_role(who, Role.TEACHER, Role.ADMIN)
    note = f"Version {uploaded} is uploaded." if uploaded is not None else None
    return _problem(request, state, who, problem_id, note=note, saved=saved)


def _problem(
    request: Request,
    state: State,
    who: Viewer,
    problem_id: int,
    *,
    note: str | None = None,
    saved: bool = False,
    upload_error: str | None = None,
    visibility_error: str | None = None,
) -> HTMLResponse:
    with state.sessions() as session:
        problem = managed_problem(session, who.user, problem_id)
        version = latest_version(session, problem.id)
        if version is None:
            raise NotFoundError(f"Problem {problem_id} has no version yet.")
        tests = visibility_of(version)
        limits = {
            "time_limit_s": version.time_limit_s,
            "memory_mb": version.memory_mb,
            "output_mb": version.output_mb,
            "validation": version.validation,
            "validator_flags": version.validator_flags,
        }
        name, number = version.name, version.version
        history = version_history(session, problem.id)
        analytics = problem_analytics(session, problem.id)
    languages = {bundle.spec.id: bundle.spec.display_name for bundle in state.registry.bundles()}
    return render(
        request,
        "teacher/problem.html",
        who,
        nav="teach",
        problem_id=problem_id,
        name=name,
        version=number,
        limits=limits,
        tests=tests,
        samples=sum(t.is_sample for t in tests),
        pass_rates={t.position: t for t in analytics.tests},
        history=history,
        analytics=analytics,
        languages=languages,
        note=note,
        saved_note=visibility_summary(tests) if saved else None,
        upload_error=upload_error,
        visibility_error=visibility_error,
        max_upload_mb=state.settings.max_upload_mb,
        percent=percent,
    )


@router.post("/teach/problems/{problem_id}/versions")
def upload_version(
    request: Request,
    state: State,
    who: StaffForm,
    problem_id: IdPath,
    package: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """A new version of the problem; a bad package is shown again with its message."""
    try:
        imported = _import(request, state, who, package, problem_id=problem_id)
    except ProblemError as exc:
        return _problem(request, state, who, problem_id, upload_error=str(exc))
    except TooLargeError as exc:
        _note_too_large(request, state, who, exc)
        page = _problem(request, state, who, problem_id, upload_error=str(exc))
        return _with_status(page, 413)
    return _uploaded(imported)


async def visibility_choices(request: Request) -> dict[str, str]:
    """The posted `visibility:<test name>` fields, as test name -> value."""
    form = await request.form()
    return {
        key.removeprefix(VISIBILITY_FIELD): str(value)
        for key, value in form.multi_items()
        if key.startswith(VISIBILITY_FIELD)
    }


@router.post("/teach/problems/{problem_id}/visibility")
def save_visibility(
    request: Request,
    state: State,
    who: StaffForm,
    problem_id: IdPath,
    choices: Annotated[dict[str, str], Depends(visibility_choices)],
) -> Response:
    """The visibility form without JavaScript (its script uses the PATCH API instead)."""
    try:
        wanted = {name: parse_visibility(value) for name, value in choices.items()}
        with state.sessions.begin() as session:
            set_visibility(session, who.user, problem_id, wanted)
    except InvalidInputError as exc:
        message = str(exc)
        return _problem(request, state, who, problem_id, visibility_error=message)
    return RedirectResponse(f"/teach/problems/{problem_id}?saved=true#tests", status_code=303)


@router.get("/teach/submissions")
def institution_submissions(
    request: Request,
    state: State,
    who: PageViewer,
    problem: Annotated[str, Query(max_length=12)] = "",
    student: Annotated[str, Query(max_length=200)] = "",
    verdict: Annotated[str, Query(max_length=12)] = "",
    language: Annotated[str, Query(max_length=40)] = "",
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
) -> HTMLResponse:
    """The submissions of the viewer's institution (an admin's: all), newest first."""
    require_page_role(who, Role.TEACHER, Role.ADMIN)
    problem_id = int(problem) if problem.isdigit() and 0 < int(problem) <= MAX_ID else None
    filters = SubmissionFilters(problem_id, student.strip(), verdict, language, page)
    with state.sessions() as session:
        found = search_submissions(session, who.user, filters)
        problems = problem_choices(session)
    languages = {bundle.spec.id: bundle.spec.display_name for bundle in state.registry.bundles()}
    kept = {
        "problem": problem_id or "",
        "student": filters.student,
        "verdict": verdict,
        "language": language,
    }
    kept = {key: value for key, value in kept.items() if value}

    def page_link(number: int) -> str:
        return "/teach/submissions?" + urlencode({**kept, "page": number})

    return render(
        request,
        "teacher/submissions.html",
        who,
        nav="teach",
        admin=_is_admin(who),
        found=found,
        filters=filters,
        filtered=bool(kept),
        in_scope=in_scope(who.user),
        problems=problems,
        languages=languages,
        verdicts=[*_VERDICTS, PENDING],
        verdict_names=VERDICT_NAMES,
        page_link=page_link,
    )
