"""A problem's analytics export: its submissions as CSV, users pseudonymised."""

from fastapi import APIRouter
from fastapi.responses import Response

from batchjudge.db.accounts import Role
from batchjudge.service.auth import CurrentUser, State, require_role
from batchjudge.service.ids import IdPath
from batchjudge.services.analytics_export import export_csv
from batchjudge.services.test_visibility import managed_problem

router = APIRouter(prefix="/api/v1/problems", tags=["problems"])


@router.get(
    "/{problem_id}/analytics/export",
    responses={200: {"content": {"text/csv": {}}, "description": "The CSV file."}},
)
def analytics_export(state: State, user: CurrentUser, problem_id: IdPath) -> Response:
    """Every submission to the problem as CSV, each user a keyed-hash pseudonym (the
    problem's teacher or an admin)."""
    require_role(user, Role.TEACHER, Role.ADMIN)
    with state.sessions() as session:
        managed_problem(session, user, problem_id)
        text = export_csv(session, problem_id, state.pseudonyms)
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="problem-{problem_id}-submissions.csv"'
        },
    )
