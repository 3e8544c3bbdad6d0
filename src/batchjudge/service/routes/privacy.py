"""Privacy requests over the admin API: a user's data export, and their erasure."""

import dataclasses
import json

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from batchjudge.db.accounts import Role, User
from batchjudge.domain.errors import InvalidInputError, NotFoundError
from batchjudge.service.auth import CurrentUser, State, require_role
from batchjudge.service.client_address import client_ip
from batchjudge.service.ids import IdPath
from batchjudge.services.actor import Actor
from batchjudge.services.privacy import delete_user, export_user

router = APIRouter(prefix="/api/v1/admin/users", tags=["admin"])


class PrivacyDeleteIn(BaseModel):
    """The user's current name, typed again: erasure cannot be undone."""

    confirm: str = Field(max_length=200)


class ErasureOut(BaseModel):
    """What the erasure did; `already_erased` when an earlier request had done it all."""

    user_id: int
    name: str
    already_erased: bool
    submissions: int
    judge0_submissions: int
    feedback: int
    tokens_revoked: int
    sessions_ended: int


@router.get(
    "/{user_id}/privacy-export",
    responses={200: {"content": {"application/json": {}}, "description": "The export."}},
)
def privacy_export(request: Request, state: State, user: CurrentUser, user_id: IdPath) -> Response:
    """Everything held about a user, as a JSON download (admin; audited)."""
    require_role(user, Role.ADMIN)
    with state.sessions.begin() as session:
        document = export_user(session, user_id, Actor(user.id, client_ip(request), "api"))
    return Response(
        json.dumps(document, ensure_ascii=False, indent=2),
        media_type="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="user-{user_id}-export.json"',
            "Cache-Control": "no-store",
        },
    )


@router.post("/{user_id}/privacy-delete")
def privacy_delete(
    request: Request, state: State, user: CurrentUser, user_id: IdPath, body: PrivacyDeleteIn
) -> ErasureOut:
    """Erase a user's personal data and keep their anonymised submissions (admin;
    audited). `confirm` must be the user's current name; admins cannot erase themselves."""
    require_role(user, Role.ADMIN)
    with state.sessions.begin() as session:
        target = session.get(User, user_id)
        if target is None:
            raise NotFoundError(f"there is no user {user_id}")
        if body.confirm != target.name:
            raise InvalidInputError("to confirm, send the user's current name as `confirm`")
        erasure = delete_user(session, user_id, Actor(user.id, client_ip(request), "api"))
    state.recent_tokens.forget_all()  # their tokens stop working at once
    return ErasureOut(**dataclasses.asdict(erasure))
