"""Rating a grading: POST /api/v1/submissions/{id}/feedback."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field

from batchjudge.service.auth import CurrentUser, State
from batchjudge.service.ids import IdPath
from batchjudge.services.feedback import MAX_COMMENT_CHARS, give_feedback

router = APIRouter(prefix="/api/v1/submissions", tags=["feedback"])


class FeedbackIn(BaseModel):
    """A rating of a grading, 1 (poor) to 5 (excellent), with an optional comment."""

    model_config = ConfigDict(extra="forbid")

    rating: Annotated[int, Field(ge=1, le=5, strict=True)]
    comment: str | None = Field(default=None, max_length=MAX_COMMENT_CHARS)


class FeedbackOut(BaseModel):
    """The stored rating."""

    id: int
    submission_id: int
    user_id: int
    rating: int
    comment: str
    created_at: datetime
    updated_at: datetime


@router.post(
    "/{submission_id}/feedback",
    status_code=201,
    responses={200: {"model": FeedbackOut, "description": "The earlier rating, replaced."}},
)
def give(
    state: State, user: CurrentUser, submission_id: IdPath, body: FeedbackIn, response: Response
) -> FeedbackOut:
    """Rate a graded submission you may see; a second rating replaces the first (200)."""
    record = give_feedback(state.sessions, user, submission_id, body.rating, body.comment or "")
    if not record.created:
        response.status_code = 200
    return FeedbackOut(
        id=record.id,
        submission_id=record.submission_id,
        user_id=record.user_id,
        rating=record.rating,
        comment=record.comment,
        created_at=record.created_at,
        updated_at=record.updated_at,
    )
