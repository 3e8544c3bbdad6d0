"""The results pages: one submission's live results (with the rating of its grading),
and the viewer's own submissions."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from batchjudge.db.problems import ProblemVersion
from batchjudge.db.submissions import Submission, SubmissionStatus
from batchjudge.domain.errors import NotFoundError, PermissionDeniedError
from batchjudge.service.auth import State
from batchjudge.service.ids import IdPath
from batchjudge.service.routes.submissions import describe
from batchjudge.services.feedback import give_feedback, may_see
from batchjudge.services.test_visibility import hidden_positions, sees_everything
from batchjudge.web.my_submissions import (
    fetch_feedback,
    fetch_my_submissions,
    fetch_problem_choices,
)
from batchjudge.web.page_auth import PageViewer
from batchjudge.web.rendering import render
from batchjudge.web.student_filters import parse_filters, query_string
from batchjudge.web.verdict_names import STATUS_NAMES, VERDICT_NAMES

router = APIRouter(include_in_schema=False)

#: Rows of "My submissions" per page.
PAGE_SIZE = 50
_GRADED = (SubmissionStatus.DONE, SubmissionStatus.FAILED)


@router.get("/submissions/{submission_id}")
def submission_page(
    request: Request,
    state: State,
    who: PageViewer,
    submission_id: IdPath,
    rated: str | None = None,
) -> HTMLResponse:
    """A submission's results as far as they are known; its script follows the rest live."""
    with state.sessions() as session:
        row = session.get(Submission, submission_id)
        if row is None or not may_see(who.user, row):
            raise NotFoundError(f"There is no submission {submission_id}.")
        shown = describe(state, session, who.user, row)
        version = session.get_one(ProblemVersion, row.problem_version_id)
        total = len(version.tests)
        hidden = frozenset[int]()
        if not sees_everything(who.user):
            hidden = hidden_positions(session, version.id)
        rating = fetch_feedback(session, submission_id, who.user.id)
    graded = shown.status in _GRADED
    # Rows wait for the tests not graded yet that the viewer will see; hidden ones only
    # count in the progress bar (their events come masked).
    known = {test.position for test in shown.tests}
    pending = [] if graded else [p for p in range(total) if p not in known | hidden]
    return render(
        request,
        "student/submission.html",
        who,
        nav="submissions",
        submission=shown,
        data=shown.model_dump(mode="json"),
        problem_name=version.name,
        total=total,
        pending=pending,
        graded=graded,
        rating=rating,
        rated=rated == "1",
        verdict_names=VERDICT_NAMES,
        status_names=STATUS_NAMES,
    )


@router.post("/submissions/{submission_id}/feedback")
def feedback_form(
    state: State,
    who: PageViewer,
    submission_id: IdPath,
    rating: Annotated[int, Form(ge=1, le=5)],
    comment: Annotated[str, Form(max_length=2000)] = "",
    csrf_token: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """The rating form without JavaScript: store the rating, then show the page again."""
    if not who.sent_csrf(csrf_token):
        raise PermissionDeniedError(
            "The form had expired. Go back, reload the page and rate again."
        )
    give_feedback(state.sessions, who.user, submission_id, rating, comment.strip())
    return RedirectResponse(f"/submissions/{submission_id}?rated=1#feedback", status_code=303)


@router.get("/submissions")
def my_submissions_page(
    request: Request,
    state: State,
    who: PageViewer,
    problem: str = "",
    verdict: str = "",
    language: str = "",
    status: str = "",
    before: str = "",
) -> HTMLResponse:
    """The viewer's own submissions, newest first, filtered and paged."""
    languages = state.registry.ids()
    parsed = parse_filters(problem, verdict, language, status, before, languages)
    with state.sessions() as session:
        rows, has_older = fetch_my_submissions(
            session, who.user.id, parsed.filters, parsed.before, PAGE_SIZE
        )
        problems = fetch_problem_choices(session, who.user.id)
    older = None
    if has_older and rows:
        older = "/submissions?" + query_string(parsed.filters, before=rows[-1].id)
    return render(
        request,
        "student/submissions.html",
        who,
        nav="submissions",
        rows=rows,
        filters=parsed.filters,
        notes=parsed.notes,
        filtered=parsed.is_filtered,
        paged=parsed.before is not None,
        first_page="/submissions?" + query_string(parsed.filters),
        older=older,
        problems=problems,
        languages=languages,
        verdict_names=VERDICT_NAMES,
        status_names=STATUS_NAMES,
    )
