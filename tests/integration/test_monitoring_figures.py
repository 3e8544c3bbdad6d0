"""The monitoring figures over HTTP, on both databases, from rows seeded by hand: every
expected number below is worked out from the table of submissions in this file."""

import multiprocessing
import os
import signal
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from batchjudge.db.accounts import ApiToken, Role, User
from batchjudge.db.engine import make_engine, make_session_factory
from batchjudge.db.migrate import upgrade
from batchjudge.db.monitoring import Alert, Feedback, MetricsReset
from batchjudge.db.problems import Problem, ProblemVersion
from batchjudge.db.submissions import Execution, Submission, TestResult
from batchjudge.monitoring.figure_process import FigureProcess
from batchjudge.monitoring.figure_source import DatabaseFigures
from batchjudge.monitoring.metrics_service import MetricsService
from batchjudge.monitoring.windows import Window, WindowName
from batchjudge.service.app import create_app
from batchjudge.services.accounts import create_user
from batchjudge.settings import Settings

PRICE = 0.002
USERS = {
    "admin": Role.ADMIN,
    "teacher": Role.TEACHER,
    "s1": Role.STUDENT,
    "s2": Role.STUDENT,
    "s3": Role.STUDENT,
    "s4": Role.STUDENT,
    "s5": Role.STUDENT,  # never submits; token used two days ago
    "s6": Role.STUDENT,  # never submits, never calls
}


@dataclass
class Seed:
    """One submission: who, what, when (`ago` before now), its tests and executions."""

    name: str
    user: str
    problem: str
    language: str
    mode: str
    style: str
    verdict: str
    ago: timedelta
    wait_s: float
    grade_s: float
    tests: list[str]
    executions: list[tuple[str, str, int, str]] = field(default_factory=list)
    status: str = "done"


def local(kind: str, covered: int = 0) -> tuple[str, str, int, str]:
    return (kind, "local", covered, "")


def judge0(kind: str, covered: int = 0, outcome: str = "200") -> tuple[str, str, int, str]:
    return (kind, "judge0", covered, outcome)


H, D = timedelta(hours=1), timedelta(days=1)
SEEDS = [
    # A batch: 40 tests in one run execution.
    Seed("batch", "s1", "P1", "cpp17", "multi", "solve", "AC", 40 * H / 60, 2, 4, ["AC"] * 40,
         [local("compile"), local("run", 40)]),
    # A crash case: two crashes (tests 10 and 25) cost k+1 = 3 run executions.
    Seed("crash", "s2", "P1", "python3", "multi", "program", "RE", 3 * H, 1, 6,
         ["AC"] * 9 + ["RE"] + ["AC"] * 14 + ["RE"] + ["AC"] * 15,
         [local("compile"), local("run", 10), local("run", 15), local("run", 15)]),
    # Judge0: a create retried once after a 503, two polls and a language discovery.
    Seed("judge0", "s1", "P2", "cpp17", "multi", "solve", "WA", 5 * H, 3, 8,
         ["AC", "AC", "WA", "AC", "AC"],
         [judge0("retry", outcome="503"), judge0("run", 5, "201"), judge0("poll"),
          judge0("poll"), judge0("discover")]),
    # Single mode: one run per test.
    Seed("single", "s3", "P2", "java21", "single", "program", "AC", 6 * H, 5, 10, ["AC"] * 5,
         [local("compile")] + [local("run", 1)] * 5),
    # The sandbox failed on three tests: WA overall, but not graded without IE.
    Seed("sandbox-ie", "s2", "P2", "c", "multi", "program", "WA", 7 * H, 0.5, 1,
         ["AC", "WA", "IE", "IE", "IE"], [local("compile"), local("run", 5)]),
    # A grading that failed before any test (the problem could not be loaded).
    Seed("failed", "s4", "P2", "python3", "auto", "auto", "IE", 8 * H, 0.3, 0.2, [],
         status="failed"),
    # Judge0 was unreachable: graded on the local sandbox instead (a backend error).
    Seed("fallback", "s4", "P2", "python3", "multi", "solve", "AC", 10 * H, 10, 3, ["AC"] * 5,
         [judge0("fallback", outcome="local"), local("compile"), local("run", 5)]),
    # Judge0 timed out for good: every test IE (a backend and an internal error).
    Seed("timeout", "s1", "P2", "cpp17", "multi", "solve", "IE", 12 * H, 1.2, 2.8, ["IE"] * 5,
         [judge0("retry", outcome="timeout"), judge0("run", 0, "timeout")]),
    # Older: in 7d, in 30d, and only in `all`.
    Seed("last-week", "s4", "P1", "python3", "multi", "solve", "AC", 3 * D, 1, 2, ["AC"] * 40,
         [local("compile"), local("run", 40)]),
    Seed("last-month", "s4", "P2", "c", "single", "program", "AC", 20 * D, 1, 2, ["AC"] * 5,
         [local("compile")] + [local("run", 1)] * 5),
    Seed("ancient", "s3", "P2", "c", "multi", "program", "AC", 60 * D, 1, 2, ["AC"] * 5,
         [local("compile"), local("run", 5)]),
]  # fmt: skip
#: (rater, submission, rating, how long ago)
FEEDBACK = [
    ("s1", "batch", 5, 10 * timedelta(minutes=1)),
    ("s2", "crash", 3, H),
    ("teacher", "batch", 4, 2 * H),
    ("s3", "single", 2, 3 * D),
    ("s4", "last-week", 5, 20 * D),
]


@dataclass
class World:
    """The seeded database: tokens by user name, submission ids by seed name."""

    url: str
    data_dir: Path
    tokens: dict[str, str]
    ids: dict[str, int]

    def settings(self) -> Settings:
        return Settings(data_dir=self.data_dir, database_url=self.url, price_per_remote_call=PRICE)


def _seed_problems(session: Session, owner: User) -> dict[str, int]:
    versions = {}
    for name in ("P1", "P2"):
        problem = Problem(owner_id=owner.id, latest_version=1)
        session.add(problem)
        session.flush()
        version = ProblemVersion(
            problem_id=problem.id,
            version=1,
            name=name,
            time_limit_s=1.0,
            memory_mb=256,
            output_mb=8,
            validation="default",
            package_hash="0" * 64,
        )
        session.add(version)
        session.flush()
        versions[name] = version.id
    return versions


def _seed_submission(
    session: Session, seed: Seed, now: datetime, users: dict[str, User], versions: dict[str, int]
) -> int:
    created = now - seed.ago
    started = created + timedelta(seconds=seed.wait_s)
    finished = started + timedelta(seconds=seed.grade_s)
    row = Submission(
        user_id=users[seed.user].id,
        problem_version_id=versions[seed.problem],
        language=seed.language,
        style=seed.style,
        mode=seed.mode,
        source="...",
        status=seed.status,
        verdict=seed.verdict,
        created_at=created,
        started_at=started,
        finished_at=finished,
    )
    session.add(row)
    session.flush()
    for position, verdict in enumerate(seed.tests):
        session.add(
            TestResult(
                submission_id=row.id,
                position=position,
                name=f"t{position}",
                verdict=verdict,
                time_s=0.01,
                memory_kb=1000,
            )
        )
    for kind, backend, covered, outcome in seed.executions:
        session.add(
            Execution(
                submission_id=row.id,
                kind=kind,
                backend=backend,
                tests_covered=covered,
                duration_s=0.1,
                outcome=outcome,
                created_at=finished,
            )
        )
    return row.id


def seed_world(url: str, data_dir: Path) -> World:
    upgrade(url)
    engine = make_engine(url)
    now = datetime.now(UTC)
    tokens: dict[str, str] = {}
    with make_session_factory(engine).begin() as session:
        users = {}
        for name, role in USERS.items():
            users[name], tokens[name] = create_user(session, name, role)
        session.flush()
        versions = _seed_problems(session, users["teacher"])
        ids = {seed.name: _seed_submission(session, seed, now, users, versions) for seed in SEEDS}
        for rater, name, rating, ago in FEEDBACK:
            at = now - ago
            session.add(
                Feedback(
                    submission_id=ids[name],
                    user_id=users[rater].id,
                    rating=rating,
                    created_at=at,
                    updated_at=at,
                )
            )
        token = session.scalars(select(ApiToken).where(ApiToken.user_id == users["s5"].id)).one()
        token.last_used_at = now - 2 * D
    engine.dispose()
    return World(url, data_dir, tokens, ids)


@pytest.fixture
def world(database_url: str, reachable_dir: Path) -> World:
    return seed_world(database_url, reachable_dir)


class Api:
    """A client that calls as a named user."""

    def __init__(self, client: TestClient, tokens: dict[str, str]) -> None:
        self.client = client
        self.tokens = tokens

    def get(self, path: str, who: str = "admin", **params: str):
        headers = {"Authorization": f"Bearer {self.tokens[who]}"}
        return self.client.get(path, headers=headers, params=params)

    def post(self, path: str, who: str = "admin", **kwargs: object):
        headers = {"Authorization": f"Bearer {self.tokens[who]}"}
        return self.client.post(path, headers=headers, **kwargs)  # type: ignore[arg-type]

    def figures(self, name: str, window: str = "24h", who: str = "admin") -> dict:
        answer = self.get(f"/api/v1/monitoring/{name}", who, window=window)
        assert answer.status_code == 200, answer.text
        return answer.json()


@pytest.fixture
def api(world: World) -> Iterator[Api]:
    with TestClient(create_app(world.settings())) as client:
        api = Api(client, world.tokens)
        # Staff tokens are used now, before any figure is computed: both are active users.
        for who in ("admin", "teacher"):
            assert api.get("/api/v1/me", who).status_code == 200
        yield api


def split(submissions: int, tests: int, runs: int) -> dict:
    gain = round(tests / runs, 3) if runs else 0.0
    return {
        "submissions": submissions,
        "tests": tests,
        "run_executions": runs,
        "calls_saved": tests - runs,
        "efficiency_gain": gain,
    }


def test_efficiency_counts_tests_runs_and_remote_calls_exactly(api: Api):
    body = api.figures("efficiency")
    # 24h: batch 40/1, crash 40/3, judge0 5/1, single 5/5, sandbox-ie 5/1, failed 0/0,
    # fallback 5/1, timeout 5/1 (its create timed out).
    assert body["window"]["name"] == "24h"
    assert (body["submissions"], body["tests"], body["run_executions"]) == (8, 105, 13)
    assert body["calls_saved"] == 92
    assert body["remote_calls"] == {"total": 7, "create": 2, "poll": 2, "retry": 2, "discover": 1}
    gains = [40, 40 / 3, 5, 1, 5, 5, 5]  # per submission with a run
    assert body["efficiency_gain"] == {
        "mean": round(sum(gains) / 7, 3),
        "p50": 5.0,
        "pooled": round(105 / 13, 3),
        "submissions": 7,
        "distribution": [
            {"low": 0.0, "high": 1.0, "submissions": 0},
            {"low": 1.0, "high": 2.0, "submissions": 1},
            {"low": 2.0, "high": 5.0, "submissions": 0},
            {"low": 5.0, "high": 10.0, "submissions": 4},
            {"low": 10.0, "high": 20.0, "submissions": 1},
            {"low": 20.0, "high": 50.0, "submissions": 1},
            {"low": 50.0, "high": None, "submissions": 0},
        ],
    }
    assert body["by_backend"] == {
        "judge0": split(2, 10, 2),
        "local": split(5, 95, 11),
        "none": split(1, 0, 0),
    }
    assert body["by_language"] == {
        "c": split(1, 5, 1),
        "cpp17": split(3, 50, 3),
        "java21": split(1, 5, 5),
        "python3": split(3, 45, 4),
    }
    assert body["by_mode"] == {
        "auto": split(1, 0, 0),
        "multi": split(6, 100, 8),
        "single": split(1, 5, 5),
    }
    p1, p2 = (str(i) for i in sorted({int(k) for k in body["by_problem"]}))
    assert body["by_problem"] == {p1: split(2, 80, 4), p2: split(6, 25, 9)}
    assert body["price_per_remote_call"] == PRICE
    assert body["estimated_cost_saved"] == round(92 * PRICE, 6)


@pytest.mark.parametrize(
    ("window", "submissions", "tests", "runs"),
    [("1h", 1, 40, 1), ("7d", 9, 145, 14), ("30d", 10, 150, 19), ("all", 11, 155, 20)],
)
def test_each_window_sees_its_own_submissions(
    api: Api, window: str, submissions: int, tests: int, runs: int
):
    body = api.figures("efficiency", window)
    assert (body["submissions"], body["tests"], body["run_executions"]) == (
        submissions,
        tests,
        runs,
    )
    assert body["calls_saved"] == tests - runs
    assert body["window"]["name"] == window
    assert (body["window"]["start"] is None) == (window == "all")


def test_performance_times_rates_and_errors_exactly(api: Api):
    body = api.figures("performance")
    assert body["finished"] == 8
    # Grading: 4, 6, 8, 10, 1, 0.2, 3, 2.8 s; queue: 2, 1, 3, 5, 0.5, 0.3, 10, 1.2 s.
    assert body["grading_time"] == {"mean": 4.375, "p50": 3.0, "p95": 10.0, "samples": 8}
    assert body["queue_wait"] == {"mean": 2.875, "p50": 1.2, "p95": 10.0, "samples": 8}
    # Graded without IE: batch, crash, judge0, single, fallback.
    assert body["success_rate"] == round(5 / 8, 4)
    # failed; sandbox-ie and timeout (IE); fallback and timeout (backend): 4 submissions.
    assert body["errors"] == {"failed": 1, "internal_error": 2, "backend_error": 2, "total": 4}
    assert body["error_rate"] == 0.5
    assert body["api_latency"]["/api/v1/me"]["count"] >= 2


def test_adoption_users_features_and_satisfaction_exactly(api: Api):
    body = api.figures("adoption")
    # admin and teacher (tokens just used), s1-s4 (submitted today), s5 (token, 2 days ago).
    assert body["active_users"] == {"1d": 6, "7d": 7, "30d": 7, "window": 6}
    # Done today: 7; multi: all but `single`; solve: batch, judge0, fallback, timeout.
    assert body["feature_usage"] == {
        "graded": 7,
        "multi_test": 6,
        "multi_test_rate": round(6 / 7, 4),
        "solve_style": 4,
        "solve_style_rate": round(4 / 7, 4),
    }
    # s3 and s4 submitted before today; s1 and s2 never had.
    assert body["users"] == {"new": 2, "returning": 2}
    # No onboarding events are seeded here (test_onboarding.py counts them).
    assert body["onboarding"] == {
        "started": 0,
        "completed": 0,
        "dismissed": 0,
        "completion_rate": 0.0,
        "steps": {},
        "tracked": True,
    }
    assert body["satisfaction"] == {
        "ratings": 3,
        "mean": 4.0,
        "distribution": {"1": 0, "2": 0, "3": 1, "4": 1, "5": 1},
    }


@pytest.mark.parametrize(
    ("window", "new", "returning", "ratings", "mean"),
    [("7d", 2, 2, 4, 3.5), ("30d", 3, 1, 5, 3.8), ("all", 4, 0, 5, 3.8)],
)
def test_new_users_and_ratings_follow_the_window(
    api: Api, window: str, new: int, returning: int, ratings: int, mean: float
):
    body = api.figures("adoption", window)
    assert body["users"] == {"new": new, "returning": returning}
    assert (body["satisfaction"]["ratings"], body["satisfaction"]["mean"]) == (ratings, mean)


def test_dashboard_gathers_the_key_figures(api: Api):
    body = api.figures("dashboard", who="teacher")
    assert body["submissions"] == {"received": 8, "finished": 8}
    assert body["success_rate"] == round(5 / 8, 4)
    assert body["efficiency_gain"] == {
        "mean": round((40 + 40 / 3 + 5 + 1 + 5 + 5 + 5) / 7, 3),
        "p50": 5.0,
        "pooled": round(105 / 13, 3),
    }
    assert body["calls_saved"] == 92
    assert body["grading_time"] == {"p50": 3.0, "p95": 10.0}
    assert body["queue_wait"] == {"p50": 1.2, "p95": 10.0}
    assert body["active_users"] == {"1d": 6, "7d": 7, "30d": 7, "window": 6}
    assert body["health"] == api.client.get("/api/v1/monitoring/health").json()["status"]
    assert isinstance(body["alerts"], list)  # the running alert monitor owns these rows


def test_metrics_holds_every_figure_for_admins(api: Api):
    body = api.figures("metrics", "7d")
    assert body["window"]["name"] == "7d"
    assert body["last_reset"] is None
    assert body["efficiency"]["calls_saved"] == 131
    assert body["adoption"]["satisfaction"]["ratings"] == 4
    assert body["performance"]["finished"] == 9
    assert body["health"] == api.client.get("/api/v1/monitoring/health").json()["status"]


@pytest.mark.parametrize(
    ("path", "who", "status"),
    [
        ("dashboard", "s1", 403),
        ("efficiency", "s1", 403),
        ("adoption", "s1", 403),
        ("performance", "s1", 403),
        ("metrics", "teacher", 403),
        ("metrics", "s1", 403),
        ("performance", "teacher", 200),
    ],
)
def test_roles_guard_the_figures(api: Api, path: str, who: str, status: int):
    answer = api.get(f"/api/v1/monitoring/{path}", who)
    assert answer.status_code == status, answer.text
    if status == 403:
        assert answer.json()["error"]["code"] == "forbidden"


def test_figures_need_a_token(api: Api):
    answer = api.client.get("/api/v1/monitoring/dashboard")
    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "unauthorized"


@pytest.mark.parametrize("window", ["2h", "", "ALL", "24"])
def test_an_unknown_window_is_a_422(api: Api, window: str):
    answer = api.get("/api/v1/monitoring/efficiency", window=window)
    assert answer.status_code == 422
    error = answer.json()["error"]
    assert error["code"] == "invalid_request"
    assert "window" in error["message"]


def _comparable(body: dict) -> dict:
    """A figure without what is per process or per instant: the window's bounds and the
    API latencies (kept in memory per process by design; Prometheus has them across)."""
    kept = {k: v for k, v in body.items() if k != "window"}
    kept.pop("api_latency", None)
    return kept


def test_a_restart_loses_no_figure(world: World):
    seen = []
    for _ in range(2):
        with TestClient(create_app(world.settings())) as client:
            api = Api(client, world.tokens)
            for who in ("admin", "teacher"):
                api.get("/api/v1/me", who)
            seen.append(
                {
                    (name, window): _comparable(api.figures(name, window))
                    for name in ("efficiency", "adoption", "performance")
                    for window in ("24h", "all")
                }
            )
    assert seen[0] == seen[1]
    assert seen[1][("efficiency", "all")]["calls_saved"] == 135


def _count_rows(url: str) -> tuple[int, int, int, int]:
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session:
            return (
                session.scalar(select(func.count()).select_from(Submission)) or 0,
                session.scalar(select(func.count()).select_from(TestResult)) or 0,
                session.scalar(select(func.count()).select_from(Execution)) or 0,
                session.scalar(select(func.count()).select_from(Feedback)) or 0,
            )
    finally:
        engine.dispose()


def test_reset_moves_the_window_and_deletes_nothing(api: Api, world: World):
    before_rows = _count_rows(world.url)
    before_all = api.figures("efficiency", "all")
    assert api.figures("efficiency")["tests"] == 105
    answer = api.post("/api/v1/monitoring/reset", json={"note": "new term"})
    assert answer.status_code == 201, answer.text
    record = answer.json()
    assert record["user"] == "admin"
    for window in ("1h", "24h", "7d", "30d"):
        body = api.figures("efficiency", window)
        assert (body["submissions"], body["tests"], body["calls_saved"]) == (0, 0, 0), window
        assert body["window"]["start"] == record["reset_at"]
    assert api.figures("adoption")["satisfaction"]["ratings"] == 0
    assert api.figures("performance", "7d")["finished"] == 0
    assert _comparable(api.figures("efficiency", "all")) == _comparable(before_all)
    assert api.figures("metrics")["last_reset"] == record["reset_at"]
    assert _count_rows(world.url) == before_rows
    engine = make_engine(world.url)
    with make_session_factory(engine)() as session:
        resets = session.scalars(select(MetricsReset)).all()
        assert [(r.id, r.note) for r in resets] == [(record["id"], "new term")]
        assert resets[0].user_id == record["user_id"]
    engine.dispose()


@pytest.mark.parametrize("who", ["teacher", "s1"])
def test_only_admins_reset(api: Api, who: str):
    answer = api.post("/api/v1/monitoring/reset", who)
    assert answer.status_code == 403
    assert api.figures("efficiency")["tests"] == 105


def test_the_service_lists_firing_alerts_and_caches_named_windows(world: World):
    """The MetricsService alone (no alert monitor running beside it)."""
    engine = make_engine(world.url)
    sessions = make_session_factory(engine)
    now = datetime.now(UTC)
    with sessions.begin() as session:
        for status, rule in (("firing", "queue_wait"), ("resolved", "error_rate")):
            session.add(
                Alert(
                    rule=rule,
                    severity="warning",
                    fingerprint=rule,
                    status=status,
                    message=f"{rule} seeded",
                    value=31.5,
                    fired_at=now - H,
                )
            )
    service = MetricsService(sessions, health=lambda: "degraded", cache_ttl_s=600)
    day = service.window(WindowName.DAY)
    dashboard = service.dashboard(day)
    assert [(a["rule"], a["value"]) for a in dashboard["alerts"]] == [("queue_wait", 31.5)]
    assert dashboard["health"] == "degraded"
    # A window built by hand (an alert rule's last 15 minutes) is computed, never cached.
    quarter = Window(now - timedelta(minutes=15), now)
    assert service.performance(quarter)["finished"] == 0
    assert service.efficiency(day)["tests"] == 105
    with sessions.begin() as session:
        admin = session.scalars(select(User).where(User.name == "admin")).one()
        late = Seed("late", "s1", "P1", "c", "multi", "solve", "AC", timedelta(0), 0, 0, ["AC"])
        users = {"s1": session.scalars(select(User).where(User.name == "s1")).one()}
        versions = {"P1": session.scalars(select(ProblemVersion.id)).first() or 0}
        _seed_submission(session, late, datetime.now(UTC), users, versions)
        session.expunge(admin)
    assert service.efficiency(day)["tests"] == 105  # cached for cache_ttl_s
    assert (
        service.performance(Window(now - timedelta(minutes=15), datetime.now(UTC)))["finished"] == 1
    )
    service.reset(admin)  # clears the cache and moves the named windows' start
    assert service.efficiency(service.window(WindowName.DAY))["tests"] == 0
    assert service.efficiency(service.window(WindowName.ALL))["tests"] == 156
    engine.dispose()


def test_a_revocation_or_demotion_through_the_api_holds_at_once(api: Api):
    # The teacher's token has just authenticated for a figure, so it is remembered.
    assert api.get("/api/v1/monitoring/performance", "teacher").status_code == 200
    me = api.get("/api/v1/me", "teacher").json()
    demoted = api.client.patch(
        f"/api/v1/admin/users/{me['id']}",
        headers={"Authorization": f"Bearer {api.tokens['admin']}"},
        json={"role": "student"},
    )
    assert demoted.status_code == 200, demoted.text
    assert api.get("/api/v1/monitoring/performance", "teacher").status_code == 403

    assert api.get("/api/v1/monitoring/metrics").status_code == 200
    admin = api.get("/api/v1/me").json()
    tokens = api.get(f"/api/v1/admin/users/{admin['id']}/tokens").json()
    assert len(tokens) == 1
    revoked = api.client.delete(
        f"/api/v1/admin/tokens/{tokens[0]['id']}",
        headers={"Authorization": f"Bearer {api.tokens['admin']}"},
    )
    assert revoked.status_code == 204
    assert api.get("/api/v1/monitoring/metrics").status_code == 401


def test_the_figure_process_agrees_with_the_thread_and_survives_its_death(world: World):
    engine = make_engine(world.url)
    in_thread = DatabaseFigures(make_session_factory(engine), price_per_remote_call=0.5)
    process = FigureProcess(world.url, 0.5, fallback=in_thread)
    try:
        week = Window(datetime.now(UTC) - 7 * D, datetime.now(UTC))
        process.refresh()
        for figure in ("efficiency", "adoption", "performance"):
            assert getattr(process, figure)(week) == getattr(in_thread, figure)(week), figure
        children = multiprocessing.active_children()
        assert len(children) == 1
        os.kill(children[0].pid or 0, signal.SIGKILL)
        children[0].join(10)
        # The call that finds the child dead is answered in this thread; the next one
        # starts a new child.
        assert process.efficiency(week)["calls_saved"] == in_thread.efficiency(week)["calls_saved"]
        assert process.efficiency(week)["tests"] == in_thread.efficiency(week)["tests"]
        alive = multiprocessing.active_children()
        assert len(alive) == 1
        assert alive[0].pid != children[0].pid
    finally:
        process.close()
        engine.dispose()
    assert multiprocessing.active_children() == []
