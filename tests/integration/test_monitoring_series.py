"""The monitoring series on both databases, from rows seeded by hand: every expected number
below is worked out from the table of submissions in this file."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from batchjudge.db.accounts import Role, User
from batchjudge.db.engine import make_engine, make_session_factory
from batchjudge.db.migrate import upgrade
from batchjudge.db.problems import Problem, ProblemVersion
from batchjudge.db.submissions import Execution, Submission, TestResult
from batchjudge.monitoring.rollup import refresh_rollup
from batchjudge.monitoring.series import compute_series
from batchjudge.monitoring.windows import Window
from batchjudge.service.app import create_app
from batchjudge.services.accounts import create_user
from batchjudge.settings import Settings

H, D = timedelta(hours=1), timedelta(days=1)


@dataclass(frozen=True)
class Seed:
    """A finished submission: when, its tests and run executions, its grading seconds
    (None: it never started, so it has no grading time)."""

    finished: datetime
    tests: int
    runs: int
    grade_s: float | None
    status: str = "done"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


#: The clock of the hand-built windows: 24h runs from 2026-03-09 14:20 to 2026-03-10 14:20.
END = at("2026-03-10 14:20:00")
SEEDS = [
    Seed(at("2026-03-10 14:05:00"), 40, 1, 4.0),  # A: the current hour
    Seed(at("2026-03-10 14:00:00"), 10, 2, 2.0),  # B: on a boundary, so in the later hour
    Seed(at("2026-03-10 13:59:59.999"), 5, 5, 1.0),  # C: whole seconds: the earlier hour
    Seed(at("2026-03-10 12:30:00"), 0, 0, 0.5, "failed"),  # D: no test, no run
    # E: six in the 10:00 hour; the last never started (no grading time).
    Seed(at("2026-03-10 10:05:00"), 20, 4, 8.0),
    Seed(at("2026-03-10 10:15:00"), 10, 1, 1.0),
    Seed(at("2026-03-10 10:25:00"), 5, 5, 5.0),
    Seed(at("2026-03-10 10:35:00"), 40, 1, 3.0),
    Seed(at("2026-03-10 10:45:00"), 5, 1, 9.5),
    Seed(at("2026-03-10 10:55:00"), 3, 3, None),
    Seed(at("2026-03-09 14:25:00"), 5, 1, 3.0),  # F: the first (partial) hour
    Seed(at("2026-03-09 14:15:00"), 7, 7, 6.0),  # G: before the 24h window starts
    Seed(at("2026-03-10 14:25:00"), 9, 9, 9.0),  # H: after it ends
    Seed(at("2026-03-05 01:00:00"), 30, 3, 12.0),  # I: in 7d and 30d
    Seed(at("2026-02-20 08:00:00"), 8, 2, 7.0),  # J: in 30d only
]


def bucket(
    start: str,
    submissions: int = 0,
    tests: int = 0,
    runs: int = 0,
    cuts: tuple[float, float, int] | None = None,
    step: timedelta = H,
) -> dict:
    begins = at(start)
    p50, p95, samples = cuts or (None, None, 0)
    return {
        "start": begins.isoformat(),
        "end": (begins + step).isoformat(),
        "submissions": submissions,
        "tests": tests,
        "run_executions": runs,
        "calls_saved": tests - runs,
        "efficiency_gain": round(tests / runs, 3) if runs else None,
        "grading_time": {"p50": p50, "p95": p95, "samples": samples},
    }


def seed_rows(session: Session, seeds: list[Seed], owner: User) -> None:
    problem = Problem(owner_id=owner.id, latest_version=1)
    session.add(problem)
    session.flush()
    version = ProblemVersion(
        problem_id=problem.id,
        version=1,
        name="P",
        time_limit_s=1.0,
        memory_mb=256,
        output_mb=8,
        validation="default",
        package_hash="0" * 64,
    )
    session.add(version)
    session.flush()
    for seed in seeds:
        started = seed.finished - timedelta(seconds=seed.grade_s) if seed.grade_s else None
        row = Submission(
            user_id=owner.id,
            problem_version_id=version.id,
            language="python3",
            style="program",
            mode="multi",
            source="...",
            status=seed.status,
            verdict="AC" if seed.status == "done" else "IE",
            created_at=seed.finished - timedelta(minutes=1),
            started_at=started,
            finished_at=seed.finished,
        )
        session.add(row)
        session.flush()
        for position in range(seed.tests):
            session.add(
                TestResult(
                    submission_id=row.id,
                    position=position,
                    name=f"t{position}",
                    verdict="AC",
                    time_s=0.01,
                    memory_kb=1000,
                )
            )
        for _ in range(seed.runs):
            session.add(
                Execution(
                    submission_id=row.id,
                    kind="run",
                    backend="local",
                    tests_covered=1,
                    duration_s=0.1,
                    created_at=seed.finished,
                )
            )


@pytest.fixture
def seeded(engine: Engine) -> Session:
    sessions = make_session_factory(engine)
    with sessions.begin() as session:
        owner, _ = create_user(session, "teacher", Role.TEACHER)
        session.flush()
        seed_rows(session, SEEDS, owner)
    with sessions.begin() as session:
        refresh_rollup(session)
    return sessions()


def test_a_day_in_hourly_buckets_counts_each_submission_where_it_finished(seeded: Session):
    series = compute_series(seeded, Window(END - D, END, "24h"), H)
    assert series["bucket_s"] == 3600
    assert series["window"] == {
        "name": "24h",
        "start": "2026-03-09T14:20:00+00:00",
        "end": "2026-03-10T14:20:00+00:00",
    }
    buckets = series["buckets"]
    # From the hour holding the start (14:00 on the 9th) to the one holding the end.
    assert len(buckets) == 25
    assert buckets[0]["start"] == "2026-03-09T14:00:00+00:00"
    assert buckets[-1]["start"] == "2026-03-10T14:00:00+00:00"
    filled = {b["start"]: b for b in buckets if b["submissions"]}
    assert filled == {
        b["start"]: b
        for b in [
            bucket("2026-03-09 14:00", 1, 5, 1, (3.0, 3.0, 1)),  # F, not G
            # Grading 8, 1, 5, 3, 9.5 (and one without): ranks 3 and 5 of 5.
            bucket("2026-03-10 10:00", 6, 83, 15, (5.0, 9.5, 5)),
            bucket("2026-03-10 12:00", 1, 0, 0, (0.5, 0.5, 1)),  # D: no gain without runs
            bucket("2026-03-10 13:00", 1, 5, 5, (1.0, 1.0, 1)),  # C
            bucket("2026-03-10 14:00", 2, 50, 3, (2.0, 4.0, 2)),  # B and A, not H
        ]
    }
    assert buckets[1] == bucket("2026-03-09 15:00")  # an empty hour: zeros and nulls
    assert filled["2026-03-10T10:00:00+00:00"]["efficiency_gain"] == 5.533


def test_a_week_in_six_hour_buckets_aligned_to_utc(seeded: Session):
    six = 6 * H
    buckets = compute_series(seeded, Window(END - 7 * D, END, "7d"), six)["buckets"]
    assert len(buckets) == 29
    assert (buckets[0]["start"], buckets[-1]["start"]) == (
        "2026-03-03T12:00:00+00:00",
        "2026-03-10T12:00:00+00:00",
    )
    filled = {b["start"]: b for b in buckets if b["submissions"]}
    assert filled == {
        b["start"]: b
        for b in [
            bucket("2026-03-05 00:00", 1, 30, 3, (12.0, 12.0, 1), six),  # I
            bucket("2026-03-09 12:00", 2, 12, 8, (3.0, 6.0, 2), six),  # F and G
            bucket("2026-03-10 06:00", 6, 83, 15, (5.0, 9.5, 5), six),  # E
            # A, B, C, D: grading 0.5, 1, 2, 4.
            bucket("2026-03-10 12:00", 4, 55, 8, (1.0, 4.0, 4), six),
        ]
    }


def test_a_month_in_daily_buckets(seeded: Session):
    buckets = compute_series(seeded, Window(END - 30 * D, END, "30d"), D)["buckets"]
    assert len(buckets) == 31
    assert buckets[0]["start"] == "2026-02-08T00:00:00+00:00"
    filled = {b["start"]: (b["submissions"], b["tests"], b["run_executions"]) for b in buckets}
    assert {k: v for k, v in filled.items() if v[0]} == {
        "2026-02-20T00:00:00+00:00": (1, 8, 2),  # J
        "2026-03-05T00:00:00+00:00": (1, 30, 3),  # I
        "2026-03-09T00:00:00+00:00": (2, 12, 8),  # F, G
        "2026-03-10T00:00:00+00:00": (10, 138, 23),  # A-E
    }
    day = buckets[-1]
    # Grading of A-E: 0.5, 1, 1, 2, 3, 4, 5, 8, 9.5 (9 values): ranks 5 and 9.
    assert day["grading_time"] == {"p50": 3.0, "p95": 9.5, "samples": 9}
    assert day["calls_saved"] == 115
    assert day["efficiency_gain"] == round(138 / 23, 3)


def test_a_window_after_a_reset_has_only_the_buckets_since(seeded: Session):
    reset = at("2026-03-10 13:45:00")
    buckets = compute_series(seeded, Window(reset, END, "24h"), H)["buckets"]
    assert buckets == [
        bucket("2026-03-10 13:00", 1, 5, 5, (1.0, 1.0, 1)),  # C only: D is before the reset
        bucket("2026-03-10 14:00", 2, 50, 3, (2.0, 4.0, 2)),
    ]


def test_a_window_without_a_start_or_a_bucket_of_part_seconds_is_refused(seeded: Session):
    with pytest.raises(ValueError, match="start"):
        compute_series(seeded, Window(None, END), H)
    with pytest.raises(ValueError, match="whole seconds"):
        compute_series(seeded, Window(END - D, END), timedelta(milliseconds=1500))


# Over HTTP, with the server's own clock: the rows are placed mid-hour relative to the
# current hour, so an hour that turns during the test moves no row to another bucket.


@pytest.fixture
def client(database_url: str, reachable_dir: Path) -> Iterator[tuple[TestClient, dict]]:
    upgrade(database_url)
    engine = make_engine(database_url)
    hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    tokens = {}
    with make_session_factory(engine).begin() as session:
        users = {}
        for name, role in (("admin", Role.ADMIN), ("teacher", Role.TEACHER), ("sam", Role.STUDENT)):
            users[name], tokens[name] = create_user(session, name, role)
        session.flush()
        seeds = [
            Seed(hour - 2 * H + 30 * timedelta(minutes=1), 40, 1, 4.0),
            Seed(hour - 2 * H + 40 * timedelta(minutes=1), 10, 5, 2.0),
            Seed(hour - 5 * H + 30 * timedelta(minutes=1), 5, 5, 1.0),
            Seed(hour - 3 * D, 20, 2, 6.0),
        ]
        seed_rows(session, seeds, users["teacher"])
    engine.dispose()
    settings = Settings(data_dir=reachable_dir, database_url=database_url)
    with TestClient(create_app(settings)) as test_client:
        yield test_client, {"hour": hour, **tokens}


def _get(client: TestClient, token: str, **params: str):
    return client.get(
        "/api/v1/monitoring/series", params=params, headers={"Authorization": f"Bearer {token}"}
    )


def test_the_endpoint_buckets_the_named_window_and_adds_up_to_the_figures(client):
    http, world = client
    body = _get(http, world["teacher"]).json()  # 24h by default
    assert body["window"]["name"] == "24h"
    assert body["bucket_s"] == 3600
    assert len(body["buckets"]) == 25
    by_start = {b["start"]: b for b in body["buckets"]}
    two_ago = by_start[(world["hour"] - 2 * H).isoformat()]
    assert (two_ago["submissions"], two_ago["tests"], two_ago["run_executions"]) == (2, 50, 6)
    assert (two_ago["calls_saved"], two_ago["efficiency_gain"]) == (44, round(50 / 6, 3))
    assert two_ago["grading_time"] == {"p50": 2.0, "p95": 4.0, "samples": 2}
    five_ago = by_start[(world["hour"] - 5 * H).isoformat()]
    assert (five_ago["submissions"], five_ago["efficiency_gain"]) == (1, 1.0)

    # The buckets together are the window's efficiency figures.
    for window in ("24h", "7d", "30d"):
        series = _get(http, world["admin"], window=window).json()
        efficiency = http.get(
            "/api/v1/monitoring/efficiency",
            params={"window": window},
            headers={"Authorization": f"Bearer {world['admin']}"},
        ).json()
        for field in ("submissions", "tests", "run_executions", "calls_saved"):
            assert sum(b[field] for b in series["buckets"]) == efficiency[field], (window, field)
        assert len(series["buckets"]) == {"24h": 25, "7d": 29, "30d": 31}[window]
        assert series["bucket_s"] == {"24h": 3600, "7d": 21600, "30d": 86400}[window]


def test_a_reset_starts_the_series_anew(client):
    http, world = client
    reset = http.post(
        "/api/v1/monitoring/reset",
        json={"note": "new term"},
        headers={"Authorization": f"Bearer {world['admin']}"},
    )
    assert reset.status_code == 201
    body = _get(http, world["admin"], window="7d").json()
    assert body["window"]["start"] == reset.json()["reset_at"]
    assert 1 <= len(body["buckets"]) <= 2  # the six hours of the reset (and the next)
    assert sum(b["submissions"] for b in body["buckets"]) == 0


def test_who_may_ask_and_which_windows(client):
    http, world = client
    assert _get(http, world["sam"]).status_code == 403
    assert http.get("/api/v1/monitoring/series").status_code == 401
    for window in ("1h", "all", "week"):
        answer = _get(http, world["admin"], window=window)
        assert answer.status_code == 422, window
        assert "window" in answer.json()["error"]["message"]
