"""The onboarding tour's API (progress, events, their validation) and the `onboarding`
adoption figures, on both databases. The expected figures are worked out from EVENTS."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from batchjudge.db.accounts import Role
from batchjudge.db.engine import make_session_factory
from batchjudge.db.web import OnboardingAction, OnboardingEvent
from batchjudge.monitoring.adoption import compute_adoption
from batchjudge.monitoring.windows import Window
from batchjudge.services.accounts import create_user
from batchjudge.web.onboarding_steps import (
    ANY_PAGE,
    TOURS,
    WELCOME_TOUR,
    Component,
    Trigger,
)
from support.monitoring_service import Service, running_service

EVENTS_URL = "/api/v1/onboarding/events"
M, H, D = timedelta(minutes=1), timedelta(hours=1), timedelta(days=1)
STARTED, STEP, COMPLETED, DISMISSED = (
    OnboardingAction.STARTED,
    OnboardingAction.STEP,
    OnboardingAction.COMPLETED,
    OnboardingAction.DISMISSED,
)
#: (user, how long ago, action, step), stored in this order.
EVENTS = [
    # s1 completes, then restarts and completes again: still one user each way.
    ("s1", 50 * M, STARTED, ""),
    ("s1", 49 * M, STEP, "multi-test"),
    ("s1", 48 * M, STEP, "problems"),
    ("s1", 45 * M, COMPLETED, "help"),
    ("s1", 30 * M, STARTED, ""),
    ("s1", 20 * M, COMPLETED, "help"),
    # s2 dismisses at once; s3 walks away after two steps.
    ("s2", 2 * H, STARTED, ""),
    ("s2", 2 * H, STEP, "multi-test"),
    ("s2", 2 * H, DISMISSED, "multi-test"),
    ("s3", 3 * H, STARTED, ""),
    ("s3", 3 * H, STEP, "multi-test"),
    ("s3", 3 * H, STEP, "problems"),
    # s4 completed three days ago, restarted 40 minutes ago and dismissed it.
    ("s4", 3 * D, STARTED, ""),
    ("s4", 3 * D, STEP, "multi-test"),
    ("s4", 3 * D, COMPLETED, "help"),
    ("s4", 40 * M, STARTED, ""),
    ("s4", 40 * M, STEP, "multi-test"),
    ("s4", 40 * M, DISMISSED, "multi-test"),
    # s5 started two days ago and completed only 30 minutes ago.
    ("s5", 2 * D, STARTED, ""),
    ("s5", 2 * D, STEP, "multi-test"),
    ("s5", 30 * M, COMPLETED, "help"),
]


@pytest.fixture
def service(database_url: str, reachable_dir: Path) -> Iterator[Service]:
    with running_service(database_url, reachable_dir) as running:
        yield running


def _seed(session: Session, now: datetime) -> None:
    ids = {}
    for name in ("s1", "s2", "s3", "s4", "s5"):
        user, _ = create_user(session, name, Role.STUDENT)
        session.flush()
        ids[name] = user.id
    for user, ago, action, step in EVENTS:
        session.add(
            OnboardingEvent(
                user_id=ids[user],
                tour=WELCOME_TOUR,
                action=action,
                step=step,
                created_at=now - ago,
            )
        )
        session.flush()  # ids follow the list's order


def _event(service: Service, action: str, step: str | None = None, **extra: object):
    body: dict[str, object] = {"tour": WELCOME_TOUR, "action": action, **extra}
    if step is not None:
        body["step"] = step
    return service.post(EVENTS_URL, "student", json=body)


def _progress(service: Service, who: str = "student") -> dict:
    answer = service.get("/api/v1/onboarding", who)
    assert answer.status_code == 200, answer.text
    return answer.json()


# ---- the tour as data -----------------------------------------------------------------


def test_the_welcome_tour_explains_multi_test_styles_and_results():
    steps = {step.id: step for step in TOURS[WELCOME_TOUR]}
    first = TOURS[WELCOME_TOUR][0]
    assert (first.component, first.trigger, first.page) == (
        Component.MODAL,
        Trigger.FIRST_VISIT,
        ANY_PAGE,
    )
    assert "one execution" in first.description
    assert "does not change the verdict of any other test" in first.description
    assert "test by test" in first.description
    styles = steps["code-styles"].description
    for words in ("exactly one test", "global variables", "flush", "Auto detects"):
        assert words in styles
    assert "executions" in steps["executions"].description
    for step in TOURS[WELCOME_TOUR]:
        assert step.completion_metric == f"step:{step.id}"
        assert (step.target is None) == (step.component is Component.MODAL)
        if step.trigger is Trigger.FEATURE_DISCOVERY:
            assert step.page != ANY_PAGE, step.id


# ---- progress and events ----------------------------------------------------------------


def test_a_new_student_gets_the_tour_automatically_and_staff_do_not(service: Service):
    mine = _progress(service)
    assert (mine["tour"], mine["status"], mine["seen_steps"]) == (WELCOME_TOUR, "new", [])
    assert mine["automatic"] is True
    assert [s["id"] for s in mine["steps"]] == [s.id for s in TOURS[WELCOME_TOUR]]
    assert mine["steps"][0]["completion_metric"] == "step:multi-test"
    assert _progress(service, "teacher")["automatic"] is False
    assert _progress(service, "admin")["automatic"] is False


def test_status_follows_the_latest_event_and_a_restart_shows_steps_again(service: Service):
    for action, step in [("started", None), ("step", "multi-test"), ("step", "problems")]:
        assert _event(service, action, step).status_code == 204
    assert _progress(service)["status"] == "started"
    assert _progress(service)["seen_steps"] == ["multi-test", "problems"]
    assert _event(service, "completed", "help").status_code == 204
    assert _event(service, "step", "style").status_code == 204  # a tip found later
    done = _progress(service)
    assert (done["status"], done["seen_steps"]) == (
        "completed",
        ["multi-test", "problems", "style"],
    )
    assert _event(service, "started").status_code == 204  # restarted from Help
    restarted = _progress(service)
    assert (restarted["status"], restarted["seen_steps"]) == ("started", [])
    assert _event(service, "dismissed", "multi-test").status_code == 204
    assert _progress(service)["status"] == "dismissed"
    assert _progress(service, "teacher")["status"] == "new"  # one user's events only


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"tour": "welcome", "action": "finished"}, "action: Input should be 'started'"),
        ({"tour": "grand", "action": "started"}, "unknown tour 'grand'"),
        ({"tour": "welcome", "action": "step", "step": "nope"}, "has no step 'nope'"),
        ({"tour": "welcome", "action": "step"}, "must name the step shown"),
        ({"tour": "welcome", "action": "started", "extra": 1}, "extra: Extra inputs"),
        ({"action": "started"}, "tour: Field required"),
    ],
)
def test_an_unknown_action_tour_or_step_is_refused_with_a_message(
    service: Service, body: dict, message: str
):
    answer = service.post(EVENTS_URL, "student", json=body)
    assert answer.status_code == 422, answer.text
    assert message in answer.json()["error"]["message"]
    assert _progress(service)["status"] == "new"


def test_the_tour_needs_a_signed_in_user(service: Service):
    assert service.client.get("/api/v1/onboarding").status_code == 401
    answer = service.client.post(EVENTS_URL, json={"tour": "welcome", "action": "started"})
    assert answer.status_code == 401


def test_the_api_is_documented_under_its_own_tag(service: Service):
    paths = service.client.get("/openapi.json").json()["paths"]
    assert paths["/api/v1/onboarding"]["get"]["tags"] == ["onboarding"]
    assert paths[EVENTS_URL]["post"]["tags"] == ["onboarding"]


# ---- adoption figures -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("span", "expected"),
    [
        # Started within the hour: s1 (completed), s4 (dismissed). s5 completed in it
        # but started before it, so it is not counted.
        (H, (2, 1, 1, 0.5, {"multi-test": 2, "problems": 1})),
        # 24 hours: s1 to s4 started; s1 completed; s2 and s4 dismissed.
        (D, (4, 1, 2, 0.25, {"multi-test": 4, "problems": 2})),
        # A week: all five; s1, s4 (three days ago) and s5 completed.
        (7 * D, (5, 3, 2, 0.6, {"multi-test": 5, "problems": 2})),
        (None, (5, 3, 2, 0.6, {"multi-test": 5, "problems": 2})),
    ],
)
def test_onboarding_figures_count_users_who_started_in_the_window(
    engine: Engine, span: timedelta | None, expected: tuple
):
    now = datetime.now(UTC)
    with make_session_factory(engine).begin() as session:
        _seed(session, now)
    with make_session_factory(engine)() as session:
        window = Window(None if span is None else now - span, now)
        figures = compute_adoption(session, window)["onboarding"]
    started, completed, dismissed, rate, steps = expected
    assert figures == {
        "started": started,
        "completed": completed,
        "dismissed": dismissed,
        "completion_rate": rate,
        "steps": steps,
        "tracked": True,
    }


def test_adoption_shows_a_tour_completed_through_the_api(service: Service):
    empty = service.get("/api/v1/monitoring/adoption", "admin", params={"window": "1h"})
    assert empty.json()["onboarding"] == {
        "started": 0,
        "completed": 0,
        "dismissed": 0,
        "completion_rate": 0.0,
        "steps": {},
        "tracked": True,
    }
    for action, step in [("started", None), ("step", "multi-test"), ("completed", "help")]:
        assert _event(service, action, step).status_code == 204
    # A window not asked for yet, so no cached figure stands in the way.
    answer = service.get("/api/v1/monitoring/adoption", "admin", params={"window": "24h"})
    assert answer.status_code == 200, answer.text
    onboarding = answer.json()["onboarding"]
    assert (onboarding["started"], onboarding["completed"], onboarding["dismissed"]) == (1, 1, 0)
    assert onboarding["completion_rate"] == 1.0
    assert onboarding["steps"] == {"multi-test": 1}
