"""A user's way through an onboarding tour: recording its events and reading where they are."""

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from batchjudge.db.web import OnboardingAction, OnboardingEvent

#: `status` of a user who never started the tour.
NEW = "new"
#: The actions that change a tour's status; `step` only adds a seen step.
_STATUS_ACTIONS = (
    OnboardingAction.STARTED,
    OnboardingAction.COMPLETED,
    OnboardingAction.DISMISSED,
)


@dataclass(frozen=True)
class TourProgress:
    """Where a user is in a tour.

    `status` is `new`, or the latest of `started`, `completed` and `dismissed`.
    `seen_steps` are the steps shown since the latest start, in the order first shown: a
    restarted tour shows its steps again.
    """

    tour: str
    status: str
    seen_steps: tuple[str, ...]


def record_event(
    sessions: sessionmaker[Session],
    user_id: int,
    tour: str,
    action: OnboardingAction,
    step: str = "",
    now: datetime | None = None,
) -> None:
    """Store one event of `user_id` in `tour`; the caller has checked `tour` and `step`."""
    with sessions.begin() as session:
        session.add(
            OnboardingEvent(
                user_id=user_id,
                tour=tour,
                action=action,
                step=step,
                created_at=now or datetime.now(UTC),
            )
        )


def fetch_progress(sessions: sessionmaker[Session], user_id: int, tour: str) -> TourProgress:
    """`user_id`'s progress in `tour`. Events are ordered by id, which follows the order
    they were stored in even when two share a timestamp."""
    mine = (OnboardingEvent.user_id == user_id, OnboardingEvent.tour == tour)
    with sessions() as session:
        latest = session.execute(
            select(OnboardingEvent.id, OnboardingEvent.action)
            .where(*mine, OnboardingEvent.action.in_([a.value for a in _STATUS_ACTIONS]))
            .order_by(OnboardingEvent.id.desc())
            .limit(1)
        ).first()
        seen = select(OnboardingEvent.step).where(
            *mine, OnboardingEvent.action == OnboardingAction.STEP.value
        )
        last_start = session.scalar(
            select(OnboardingEvent.id)
            .where(*mine, OnboardingEvent.action == OnboardingAction.STARTED.value)
            .order_by(OnboardingEvent.id.desc())
            .limit(1)
        )
        if last_start is not None:
            seen = seen.where(OnboardingEvent.id > last_start)
        steps = session.scalars(seen.order_by(OnboardingEvent.id)).all()
    status = NEW if latest is None else OnboardingAction(latest.action).value
    return TourProgress(tour, status, tuple(dict.fromkeys(steps)))
