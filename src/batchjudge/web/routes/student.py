"""The student pages: the problems, a problem with its submit form, and (through
student_results) a submission's live results and the viewer's own submissions."""

import math
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from batchjudge.domain.errors import NotFoundError
from batchjudge.domain.styles import Style
from batchjudge.service.auth import State
from batchjudge.service.client_address import client_ip
from batchjudge.service.ids import IdPath
from batchjudge.services.submissions import SubmissionRequest
from batchjudge.services.test_visibility import sees_everything
from batchjudge.web.page_auth import PageViewer, Viewer
from batchjudge.web.rendering import render
from batchjudge.web.routes import student_results
from batchjudge.web.statements import render_statement
from batchjudge.web.student_queries import (
    fetch_last_language,
    fetch_problem,
    fetch_problem_rows,
)
from batchjudge.web.student_submit import (
    STYLE_CHOICES,
    parse_style,
    queue_submission,
)
from batchjudge.web.verdict_names import STATUS_NAMES, VERDICT_NAMES

router = APIRouter(include_in_schema=False)
router.include_router(student_results.router)


@dataclass(frozen=True)
class SubmitForm:
    """What the submit form shows: the chosen language and style, the code, an error."""

    language: str | None = None
    style: str = Style.AUTO.value
    source: str = ""
    error: str | None = None


@router.get("/problems")
def problems_page(request: Request, state: State, who: PageViewer) -> HTMLResponse:
    """Every problem the viewer can see, with its limits and how the viewer did."""
    with state.sessions() as session:
        rows = fetch_problem_rows(session, who.user.id)
    return render(
        request,
        "student/problems.html",
        who,
        nav="problems",
        problems=rows,
        verdict_names=VERDICT_NAMES,
        status_names=STATUS_NAMES,
    )


def _problem_page(
    request: Request,
    state: State,
    who: Viewer,
    problem_id: int,
    form: SubmitForm,
    status_code: int = 200,
) -> HTMLResponse:
    with state.sessions() as session:
        problem = fetch_problem(session, state.store, problem_id, sees_everything(who.user))
        if problem is None:
            raise NotFoundError(f"There is no problem {problem_id}.")
        last = fetch_last_language(session, who.user.id)
    languages = [bundle.spec for bundle in state.registry.bundles()]
    chosen = form.language or last or (languages[0].id if languages else "")
    return render(
        request,
        "student/problem.html",
        who,
        status_code=status_code,
        nav="problems",
        problem=problem,
        statement=render_statement(problem.statement),
        languages=languages,
        styles=STYLE_CHOICES,
        form=SubmitForm(chosen, form.style, form.source, form.error),
        max_source_bytes=state.settings.max_source_bytes,
    )


@router.get("/problems/{problem_id}")
def problem_page(
    request: Request, state: State, who: PageViewer, problem_id: IdPath
) -> HTMLResponse:
    """The statement, limits and samples of a problem, and the form to submit to it."""
    return _problem_page(request, state, who, problem_id, SubmitForm())


@router.post("/problems/{problem_id}/submit")
async def submit_form(
    request: Request,
    state: State,
    who: PageViewer,
    problem_id: IdPath,
    language: Annotated[str, Form(max_length=64)] = "",
    style: Annotated[str, Form(max_length=16)] = Style.AUTO.value,
    source: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form(max_length=100)] = "",
    source_file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """The submit form without JavaScript: queue the code, then show its results."""
    limit = state.settings.max_source_bytes
    if source_file is not None and source_file.filename:
        # A chosen file is a deliberate act: it wins over whatever the text box holds.
        data = await source_file.read(limit + 1)
        if data:
            source = data.decode("utf-8", "replace")
    kept = SubmitForm(language, style, source)
    if not who.sent_csrf(csrf_token):
        message = "The form had expired. Please submit again."
        return _problem_page(request, state, who, problem_id, _with(kept, message), 403)
    chosen = parse_style(style)
    if chosen is None:
        message = f"Unknown style {style!r}: choose one of the list."
        return _problem_page(request, state, who, problem_id, _with(kept, message), 422)
    outcome = queue_submission(
        state,
        who.user,
        SubmissionRequest(problem_id, language, source, chosen),
        client_ip(request),
    )
    if outcome.submission_id is None:
        page = _with(kept, outcome.error)
        shown = _problem_page(request, state, who, problem_id, page, outcome.status)
        if outcome.retry_after_s is not None:
            shown.headers["Retry-After"] = str(max(1, math.ceil(outcome.retry_after_s)))
        return shown
    return RedirectResponse(f"/submissions/{outcome.submission_id}", status_code=303)


def _with(form: SubmitForm, error: str | None) -> SubmitForm:
    return SubmitForm(form.language, form.style, form.source, error)
