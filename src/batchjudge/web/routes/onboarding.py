"""The onboarding tour's API: the current user's progress with the tour's steps, and the
events the browser's tour engine records (GET /api/v1/onboarding, POST .../events)."""

from typing import Annotated, Self

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field, model_validator

from batchjudge.db.accounts import Role
from batchjudge.db.web import OnboardingAction
from batchjudge.service.auth import CurrentUser, State
from batchjudge.services.onboarding import fetch_progress, record_event
from batchjudge.web.onboarding_steps import TOURS, WELCOME_TOUR, step_ids

router = APIRouter(prefix="/api/v1/onboarding", tags=["onboarding"])

#: Roles whose tour starts by itself; anyone can start it from the Help menu.
_AUTOMATIC_FOR = (Role.STUDENT,)


class OnboardingStepOut(BaseModel):
    """One step, as the tour engine draws it (see batchjudge.web.onboarding_steps)."""

    id: str
    title: str
    description: str
    component: str
    trigger: str
    completion_metric: str
    page: str
    target: str | None


class OnboardingOut(BaseModel):
    """The current user's progress in the tour, and the tour itself."""

    tour: str
    status: str = Field(description="new, started, completed or dismissed (the latest)")
    seen_steps: list[str] = Field(description="steps shown since the tour last started")
    automatic: bool = Field(
        description="whether first-visit and discovery steps show by themselves"
    )
    steps: list[OnboardingStepOut]


class OnboardingEventIn(BaseModel):
    """Something the user did with the tour. `step` names the step shown (required for
    `step`); with `completed` or `dismissed` it names the step the user was on."""

    model_config = ConfigDict(extra="forbid")

    tour: Annotated[str, Field(max_length=64)]
    action: OnboardingAction
    step: Annotated[str | None, Field(max_length=64)] = None

    @model_validator(mode="after")
    def _known_tour_and_step(self) -> Self:
        if self.tour not in TOURS:
            raise ValueError(f"unknown tour {self.tour!r}; the tours are {sorted(TOURS)}")
        if self.action is OnboardingAction.STEP and not self.step:
            raise ValueError("a `step` event must name the step shown")
        if self.step and self.step not in step_ids(self.tour):
            raise ValueError(
                f"tour {self.tour!r} has no step {self.step!r}; "
                f"its steps are {sorted(step_ids(self.tour))}"
            )
        return self


@router.get("")
def onboarding_state(state: State, user: CurrentUser) -> OnboardingOut:
    """Your progress in the welcome tour, with its steps."""
    progress = fetch_progress(state.sessions, user.id, WELCOME_TOUR)
    return OnboardingOut(
        tour=progress.tour,
        status=progress.status,
        seen_steps=list(progress.seen_steps),
        automatic=user.role in _AUTOMATIC_FOR,
        steps=[OnboardingStepOut(**step.public()) for step in TOURS[WELCOME_TOUR]],
    )


@router.post("/events", status_code=204)
def onboarding_event(state: State, user: CurrentUser, body: OnboardingEventIn) -> Response:
    """Record that you started, saw a step of, completed or dismissed a tour."""
    record_event(state.sessions, user.id, body.tour, body.action, body.step or "")
    return Response(status_code=204)
