"""Who am I, and which languages are there."""

from fastapi import APIRouter
from pydantic import BaseModel

from batchjudge.service.auth import CurrentUser, State

router = APIRouter(prefix="/api/v1", tags=["meta"])


class LanguageOut(BaseModel):
    """A language submissions may use."""

    id: str
    name: str
    judge0_id: int | None
    aliases: list[str]
    extensions: list[str]


class MeOut(BaseModel):
    """The calling user."""

    id: int
    name: str
    role: str
    institution_id: int | None


@router.get("/languages")
def list_languages(state: State, _user: CurrentUser) -> list[LanguageOut]:
    """Every language, with the ids and aliases `language` accepts."""
    return [
        LanguageOut(
            id=bundle.spec.id,
            name=bundle.spec.display_name,
            judge0_id=bundle.spec.judge0_id,
            aliases=list(bundle.spec.aliases),
            extensions=list(bundle.spec.extensions),
        )
        for bundle in state.registry.bundles()
    ]


@router.get("/me")
def me(user: CurrentUser) -> MeOut:
    """The user the token belongs to."""
    return MeOut(id=user.id, name=user.name, role=user.role, institution_id=user.institution_id)
