"""POST /api/v1/submissions/{id}/feedback on both databases: create, replace, who may
rate, what is refused, and the satisfaction figure it feeds."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from batchjudge.db.accounts import Role
from batchjudge.db.engine import make_engine, make_session_factory
from batchjudge.db.migrate import upgrade
from batchjudge.db.monitoring import Feedback
from batchjudge.db.problems import Problem, ProblemVersion
from batchjudge.db.submissions import Submission, SubmissionStatus
from batchjudge.service.app import create_app
from batchjudge.services.accounts import create_user
from batchjudge.services.feedback import MAX_COMMENT_CHARS
from batchjudge.settings import Settings

ROLES = {
    "admin": Role.ADMIN,
    "teacher": Role.TEACHER,
    "owner": Role.STUDENT,
    "other": Role.STUDENT,
}


@dataclass
class Rig:
    """A running service, a token per user, and the owner's graded submission."""

    client: TestClient
    sessions: sessionmaker[Session]
    tokens: dict[str, str]
    user_ids: dict[str, int]
    version_id: int
    graded: int

    def rate(self, submission_id: int, who: str = "owner", body: object = None):
        headers = {"Authorization": f"Bearer {self.tokens[who]}"}
        payload = {"rating": 4} if body is None else body
        return self.client.post(
            f"/api/v1/submissions/{submission_id}/feedback", headers=headers, json=payload
        )

    def add_submission(self, status: SubmissionStatus) -> int:
        now = datetime.now(UTC)
        finished = status in (SubmissionStatus.DONE, SubmissionStatus.FAILED)
        with self.sessions.begin() as session:
            row = Submission(
                user_id=self.user_ids["owner"],
                problem_version_id=self.version_id,
                language="python3",
                style="solve",
                mode="multi",
                source="...",
                status=status,
                verdict="AC" if finished else None,
                created_at=now - timedelta(seconds=3),
                started_at=now - timedelta(seconds=2) if finished else None,
                finished_at=now if finished else None,
            )
            session.add(row)
            session.flush()
            return row.id

    def stored(self) -> list[tuple[int, int, int, str]]:
        with self.sessions() as session:
            rows = session.scalars(select(Feedback).order_by(Feedback.id))
            return [(r.submission_id, r.user_id, r.rating, r.comment) for r in rows]


@pytest.fixture
def rig(database_url: str, reachable_dir: Path) -> Iterator[Rig]:
    upgrade(database_url)
    engine = make_engine(database_url)
    sessions = make_session_factory(engine)
    tokens, user_ids = {}, {}
    with sessions.begin() as session:
        for name, role in ROLES.items():
            user, tokens[name] = create_user(session, name, role)
            session.flush()
            user_ids[name] = user.id
        problem = Problem(owner_id=user_ids["teacher"], latest_version=1)
        session.add(problem)
        session.flush()
        version = ProblemVersion(
            problem_id=problem.id,
            version=1,
            name="p",
            time_limit_s=1.0,
            memory_mb=256,
            output_mb=8,
            validation="default",
            package_hash="0" * 64,
        )
        session.add(version)
        session.flush()
        version_id = version.id
    settings = Settings(data_dir=reachable_dir, database_url=database_url)
    with TestClient(create_app(settings)) as client:
        # Added after start-up, so the service's start-up sweep never queues anything.
        rig = Rig(client, sessions, tokens, user_ids, version_id, 0)
        rig.graded = rig.add_submission(SubmissionStatus.DONE)
        yield rig
    engine.dispose()


def test_a_first_rating_is_created_and_feeds_satisfaction(rig: Rig):
    answer = rig.rate(rig.graded, body={"rating": 4, "comment": "clear messages"})
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert (body["submission_id"], body["user_id"]) == (rig.graded, rig.user_ids["owner"])
    assert (body["rating"], body["comment"]) == (4, "clear messages")
    assert body["created_at"] == body["updated_at"]
    assert rig.stored() == [(rig.graded, rig.user_ids["owner"], 4, "clear messages")]
    headers = {"Authorization": f"Bearer {rig.tokens['admin']}"}
    figures = rig.client.get("/api/v1/monitoring/adoption", headers=headers).json()
    assert figures["satisfaction"] == {
        "ratings": 1,
        "mean": 4.0,
        "distribution": {"1": 0, "2": 0, "3": 0, "4": 1, "5": 0},
    }


def test_a_second_rating_replaces_the_first(rig: Rig):
    first = rig.rate(rig.graded, body={"rating": 5, "comment": "great"}).json()
    answer = rig.rate(rig.graded, body={"rating": 2})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["id"], body["rating"], body["comment"]) == (first["id"], 2, "")
    assert body["created_at"] == first["created_at"]
    updated, before = (datetime.fromisoformat(b["updated_at"]) for b in (body, first))
    assert updated > before
    assert rig.stored() == [(rig.graded, rig.user_ids["owner"], 2, "")]
    headers = {"Authorization": f"Bearer {rig.tokens['admin']}"}
    figures = rig.client.get(
        "/api/v1/monitoring/adoption", headers=headers, params={"window": "1h"}
    ).json()
    assert (figures["satisfaction"]["ratings"], figures["satisfaction"]["mean"]) == (1, 2.0)


def test_staff_may_rate_any_submission_and_each_user_keeps_one(rig: Rig):
    for who, rating in (("owner", 3), ("teacher", 4), ("admin", 5)):
        assert rig.rate(rig.graded, who, {"rating": rating}).status_code == 201
    assert rig.rate(rig.graded, "teacher", {"rating": 1}).status_code == 200
    ids = rig.user_ids
    assert rig.stored() == [
        (rig.graded, ids["owner"], 3, ""),
        (rig.graded, ids["teacher"], 1, ""),
        (rig.graded, ids["admin"], 5, ""),
    ]


def test_another_student_cannot_see_or_rate_it(rig: Rig):
    answer = rig.rate(rig.graded, "other")
    assert answer.status_code == 404
    assert answer.json()["error"] == {
        "code": "not_found",
        "message": f"there is no submission {rig.graded}",
    }
    assert rig.stored() == []


@pytest.mark.parametrize(("submission_id", "status"), [(999_999, 404), (0, 422), (2**31, 422)])
def test_unknown_or_absurd_ids_are_refused(rig: Rig, submission_id: int, status: int):
    answer = rig.rate(submission_id)
    assert answer.status_code == status
    assert answer.json()["error"]["code"] in ("not_found", "invalid_request")


@pytest.mark.parametrize("status", [SubmissionStatus.QUEUED, SubmissionStatus.RUNNING])
def test_an_ungraded_submission_cannot_be_rated_yet(rig: Rig, status: SubmissionStatus):
    pending = rig.add_submission(status)
    answer = rig.rate(pending)
    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "conflict"
    assert "not graded yet" in answer.json()["error"]["message"]


def test_a_failed_grading_can_be_rated(rig: Rig):
    failed = rig.add_submission(SubmissionStatus.FAILED)
    assert rig.rate(failed, body={"rating": 1, "comment": "it broke"}).status_code == 201


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"rating": 0},
        {"rating": 6},
        {"rating": -1},
        {"rating": 4.5},
        {"rating": 4.0},
        {"rating": "4"},
        {"rating": True},
        {"rating": None},
        {"rating": 4, "comment": "x" * (MAX_COMMENT_CHARS + 1)},
        {"rating": 4, "comment": 7},
        {"rating": 4, "stars": 5},
        [4],
    ],
)
def test_bad_ratings_are_a_422(rig: Rig, body: object):
    answer = rig.rate(rig.graded, body=body)
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["code"] == "invalid_request"
    assert rig.stored() == []


def test_the_longest_comment_is_kept_whole(rig: Rig):
    comment = "é" * MAX_COMMENT_CHARS
    assert rig.rate(rig.graded, body={"rating": 5, "comment": comment}).status_code == 201
    assert rig.stored()[0][3] == comment


def test_rating_needs_a_token(rig: Rig):
    answer = rig.client.post(f"/api/v1/submissions/{rig.graded}/feedback", json={"rating": 4})
    assert answer.status_code == 401
