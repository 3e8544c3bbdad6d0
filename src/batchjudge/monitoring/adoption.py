"""Adoption figures: who uses the service, which features, and how they rate it."""

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, case, func, literal, or_, select
from sqlalchemy.orm import Session
from typing_extensions import TypedDict

from batchjudge.db.accounts import ApiToken, User
from batchjudge.db.figures import SubmissionFigures as Figures
from batchjudge.db.monitoring import Feedback
from batchjudge.db.submissions import Submission, SubmissionStatus
from batchjudge.db.web import OnboardingAction, OnboardingEvent
from batchjudge.domain.styles import Mode, Style
from batchjudge.monitoring.windows import Window

#: Spans of the active-user counts; they end at the window's end and ignore its start.
ACTIVE_SPANS = {"1d": timedelta(days=1), "7d": timedelta(days=7), "30d": timedelta(days=30)}
RATINGS = range(1, 6)


#: Users who submitted, or whose API token was used, in the last 1, 7 and 30 days and in
#: the window.
ActiveUsers = TypedDict("ActiveUsers", {"1d": int, "7d": int, "30d": int, "window": int})


class FeatureUsage(TypedDict):
    """Among submissions graded (done) in the window: how many used multi-test mode and
    the solve() style, and their shares (0 when none were graded)."""

    graded: int
    multi_test: int
    multi_test_rate: float
    solve_style: int
    solve_style_rate: float


class UserCohorts(TypedDict):
    """Users who submitted in the window: first time ever (new) or again (returning)."""

    new: int
    returning: int


class Onboarding(TypedDict):
    """The onboarding tour in the window: users who started it there, and of those, who
    completed and who dismissed it (both in the window); `completion_rate` is completed /
    started (0 when none started). `steps` counts the users shown each step in the window.
    `tracked` is true: the web UI reports the tour's events."""

    started: int
    completed: int
    dismissed: int
    completion_rate: float
    steps: dict[str, int]
    tracked: bool


class Satisfaction(TypedDict):
    """Feedback ratings (1-5) given or changed in the window."""

    ratings: int
    mean: float
    distribution: dict[str, int]


class AdoptionFigures(TypedDict):
    """Everything the adoption endpoint answers."""

    window: dict[str, str | None]
    active_users: ActiveUsers
    feature_usage: FeatureUsage
    users: UserCohorts
    onboarding: Onboarding
    satisfaction: Satisfaction


def _share(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def _count(condition: ColumnElement[bool]) -> ColumnElement[Any]:
    """How many rows meet `condition` (0, not NULL, for none)."""
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _since(value: ColumnElement[Any], start: datetime | None) -> ColumnElement[bool]:
    return value.is_not(None) if start is None else value >= start


def _users(session: Session, window: Window) -> tuple[ActiveUsers, UserCohorts]:
    """Counted over one materialised row per user (first and last submission, last token
    use), each an index probe: the cost follows the number of users, not submissions."""
    mine = Submission.user_id == User.id
    last = select(func.max(Submission.created_at)).where(mine).scalar_subquery()
    first = select(func.min(Submission.created_at)).where(mine).scalar_subquery()
    used = select(func.max(ApiToken.last_used_at)).where(ApiToken.user_id == User.id)
    per_user = (
        select(last.label("last"), first.label("first"), used.scalar_subquery().label("used"))
        .select_from(User)
        .cte("per_user")
        .prefix_with("MATERIALIZED")  # else each reference re-runs the probes
    )

    def active(since: datetime | None) -> ColumnElement[Any]:
        return _count(or_(_since(per_user.c.last, since), _since(per_user.c.used, since)))

    submitted = _since(per_user.c.last, window.start)
    returned: ColumnElement[Any] = literal(0)  # a window without a start: everyone is new
    if window.start is not None:
        returned = _count(submitted & (per_user.c.first < window.start))
    spans = [active(window.end - span) for span in ACTIVE_SPANS.values()]
    row: Any = session.execute(
        select(*spans, active(window.start), _count(submitted), returned)
    ).one()
    d1, d7, d30, in_window, submitters, returning = (int(v) for v in row)
    active_users: ActiveUsers = {"1d": d1, "7d": d7, "30d": d30, "window": in_window}
    return active_users, UserCohorts(new=submitters - returning, returning=returning)


def _features(session: Session, window: Window) -> FeatureUsage:
    row: Any = session.execute(
        select(
            func.count(),
            _count(Figures.mode == Mode.MULTI.value),
            _count(Figures.style == Style.SOLVE.value),
        ).where(Figures.status == SubmissionStatus.DONE.value, *window.bounds(Figures.finished_at))
    ).one()
    graded, multi, solve = (int(v) for v in row)
    return FeatureUsage(
        graded=graded,
        multi_test=multi,
        multi_test_rate=_share(multi, graded),
        solve_style=solve,
        solve_style_rate=_share(solve, graded),
    )


def _satisfaction(session: Session, window: Window) -> Satisfaction:
    rows: list[Any] = list(
        session.execute(
            select(Feedback.rating, func.count())
            .where(*window.bounds(Feedback.updated_at))
            .group_by(Feedback.rating)
        )
    )
    counts = {str(r): 0 for r in RATINGS}
    for rating, n in rows:
        counts[str(int(rating))] = counts.get(str(int(rating)), 0) + int(n)
    total = sum(counts.values())
    mean = sum(int(r) * n for r, n in counts.items()) / total if total else 0.0
    return Satisfaction(ratings=total, mean=round(mean, 3), distribution=counts)


def _onboarding(session: Session, window: Window) -> Onboarding:
    """One row per user who started in the window, then a count over those rows: a user
    who restarts the tour, or completes it twice, still counts once."""
    in_window = window.bounds(OnboardingEvent.created_at)

    def did(action: OnboardingAction) -> ColumnElement[Any]:
        return func.max(case((OnboardingEvent.action == action.value, 1), else_=0))

    per_user = (
        select(
            did(OnboardingAction.COMPLETED).label("completed"),
            did(OnboardingAction.DISMISSED).label("dismissed"),
        )
        .where(*in_window, OnboardingEvent.action != OnboardingAction.STEP.value)
        .group_by(OnboardingEvent.user_id)
        .having(did(OnboardingAction.STARTED) == 1)
        .subquery()
    )
    row: Any = session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(per_user.c.completed), 0),
            func.coalesce(func.sum(per_user.c.dismissed), 0),
        ).select_from(per_user)
    ).one()
    started, completed, dismissed = (int(v) for v in row)
    shown = session.execute(
        select(OnboardingEvent.step, func.count(func.distinct(OnboardingEvent.user_id)))
        .where(*in_window, OnboardingEvent.action == OnboardingAction.STEP.value)
        .group_by(OnboardingEvent.step)
        .order_by(OnboardingEvent.step)
    )
    return Onboarding(
        started=started,
        completed=completed,
        dismissed=dismissed,
        completion_rate=_share(completed, started),
        steps={str(step): int(users) for step, users in shown},
        tracked=True,
    )


def compute_adoption(session: Session, window: Window) -> AdoptionFigures:
    """The adoption figures of `window`.

    Active users count a user who submitted, or whose API token was last used, in the
    span; token use is recorded with a granularity of a few minutes.
    """
    active, cohorts = _users(session, window)
    return AdoptionFigures(
        window=window.describe(),
        active_users=active,
        feature_usage=_features(session, window),
        users=cohorts,
        onboarding=_onboarding(session, window),
        satisfaction=_satisfaction(session, window),
    )
