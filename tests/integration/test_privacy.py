"""Privacy requests: the export holds everything about a user and no secret; erasure
empties the personal data, keeps every figure exactly as it was, runs twice harmlessly,
needs its confirmation and is audited (admin API and CLI). Analytics exports name users
by keyed pseudonyms."""

import csv
import io
import json
import stat
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from batchjudge.crypto.keyring import MasterKeyring
from batchjudge.crypto.pseudonyms import Pseudonyms
from batchjudge.db.abuse import AbuseFlag
from batchjudge.db.accounts import ApiToken, User
from batchjudge.db.audit import AuditEvent
from batchjudge.db.engine import make_session_factory
from batchjudge.db.judge0 import Judge0Submission
from batchjudge.db.monitoring import Feedback
from batchjudge.db.submissions import Execution, Submission, SubmissionStatus, TestResult
from batchjudge.db.web import OnboardingAction, OnboardingEvent, WebSession
from batchjudge.judge0.master_key import load_master_keys
from batchjudge.monitoring.figure_source import DatabaseFigures
from batchjudge.monitoring.windows import Window
from batchjudge.services.analytics_export import COLUMNS
from batchjudge.services.judge0_api.requests import Judge0Request
from batchjudge.services.judge0_api.results import Judge0Result, Judge0Run
from batchjudge.services.problem_analytics import problem_analytics, problem_figures
from batchjudge.services.sealed_text import seal_text
from batchjudge.settings import Settings
from support.teaching import Teaching, teaching

COMMENT = "my grandmother helped me with this one"
SEALED_SOURCE = "print('sealed secret source')\n"
JUDGE0_SOURCE = "print('judge0 secret source')"
JUDGE0_STDOUT = "judge0 secret output"


@dataclass
class Seeded:
    world: Teaching
    problem_id: int
    sam: int
    submissions: list[int]


def _seed(world: Teaching, data_dir: Path, database_url: str) -> Seeded:
    """Sam (and Olga, for company in the figures) with one of every kind of row."""
    problem_id = world.upload()["id"]
    sam, olga = world.user_ids["sam"], world.user_ids["olga"]
    ids = [
        world.add_submission("sam", problem_id, ["AC", "AC"], age_s=7200),
        world.add_submission("sam", problem_id, ["AC", "WA"], age_s=3600),
        world.add_submission("sam", problem_id, [], language="cpp17", age_s=60),
        world.add_submission("olga", problem_id, ["AC", "AC"], age_s=1800),
    ]
    now = datetime.now(UTC)
    keyring = MasterKeyring(Settings(data_dir=data_dir, database_url=database_url), data_dir)
    sealing = make_session_factory(world.sessions.kw["bind"], keyring)
    with sealing.begin() as session:
        row = session.get_one(Submission, ids[1])
        row.source, row.source_sealed = seal_text(session, SEALED_SOURCE)
        assert row.source_sealed
        row.compile_output = "warning: unused variable 'secret'"
        for sid in ids:
            session.add(
                Execution(
                    submission_id=sid,
                    kind="run",
                    backend="local",
                    tests_covered=2,
                    duration_s=0.5,
                    created_at=now,
                )
            )
        session.add(Feedback(submission_id=ids[0], user_id=sam, rating=4, comment=COMMENT))
        session.add(Feedback(submission_id=ids[3], user_id=olga, rating=5, comment="fine"))
        session.add(OnboardingEvent(user_id=sam, tour="student", action=OnboardingAction.STARTED))
        session.add(
            OnboardingEvent(
                user_id=sam, tour="student", action=OnboardingAction.STEP, step="submit"
            )
        )
        request = Judge0Request(language_id=71, source_code=JUDGE0_SOURCE, stdin="42")
        result = Judge0Result(run=Judge0Run(status_id=3, stdout=JUDGE0_STDOUT, time=0.1))
        session.add(
            Judge0Submission(
                token="3f1c6a2e-0000-4000-8000-000000000001",
                user_id=sam,
                language_id=71,
                status_id=3,
                request=request.to_json(),
                result=result.to_json(),
                finished_at=now,
            )
        )
        session.add(
            AbuseFlag(
                user_id=sam,
                signal="submission_flood",
                detail="12 refusals",
                blocked_until=now + timedelta(minutes=15),
            )
        )
    # Tokens in use count in the active users: Sam's, and the admin's before the figures
    # are first taken (her requests would otherwise change them).
    for who in ("sam", "ada"):
        assert world.api("GET", "/api/v1/problems", who).status_code == 200
    return Seeded(world, problem_id, sam, ids)


@pytest.fixture
def seeded(database_url: str, reachable_dir: Path) -> Iterator[Seeded]:
    with teaching(database_url, reachable_dir) as world:
        yield _seed(world, reachable_dir, database_url)


def _figures(seeded: Seeded, window_end: datetime) -> dict[str, object]:
    """Every figure the monitoring and the teacher pages show, over two windows."""
    source = DatabaseFigures(seeded.world.sessions, 0.002)
    source.refresh()
    figures: dict[str, object] = {}
    for name, start in (("day", window_end - timedelta(days=1)), ("all", None)):
        window = Window(start, window_end, name)
        figures[f"efficiency/{name}"] = source.efficiency(window)
        figures[f"adoption/{name}"] = source.adoption(window)
        figures[f"performance/{name}"] = source.performance(window)
    with seeded.world.sessions() as session:
        figures["problem"] = problem_analytics(session, seeded.problem_id)
        figures["problems"] = problem_figures(session, None)
    return figures


def _secrets(seeded: Seeded) -> list[str]:
    with seeded.world.sessions() as session:
        user = session.get_one(User, seeded.sam)
        assert user.password_hash is not None
        found = [user.password_hash, seeded.world.tokens["sam"]]
        found += session.scalars(select(ApiToken.token_hash).where(ApiToken.user_id == seeded.sam))
        for row in session.scalars(select(WebSession).where(WebSession.user_id == seeded.sam)):
            found += [row.token_hash, row.csrf_token]
    return found


def _export(seeded: Seeded) -> tuple[str, dict]:
    answer = seeded.world.api("GET", f"/api/v1/admin/users/{seeded.sam}/privacy-export", "ada")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-disposition"].startswith("attachment;")
    return answer.text, answer.json()


def test_the_export_holds_everything_about_the_user_and_no_secret(seeded: Seeded):
    secrets = _secrets(seeded)
    assert len(secrets) >= 5
    raw, export = _export(seeded)
    for secret in secrets:
        assert secret not in raw

    assert export["user"]["name"] == "sam"
    assert export["user"]["has_password"] is True
    assert "password_hash" not in export["user"]
    assert export["user"]["institution"]["name"] == "Northside"
    assert [t["last4"] for t in export["api_tokens"]] == [seeded.world.tokens["sam"][-4:]]
    assert export["api_tokens"][0]["last_used_at"] is not None
    assert len(export["web_sessions"]) == 1
    subs = {s["id"]: s for s in export["submissions"]}
    assert sorted(subs) == seeded.submissions[:3]
    assert subs[seeded.submissions[1]]["source"] == SEALED_SOURCE  # opened, not ciphertext
    assert subs[seeded.submissions[0]]["source"] == "print(1)\n"
    assert [r["verdict"] for r in subs[seeded.submissions[1]]["results"]] == ["AC", "WA"]
    assert subs[seeded.submissions[1]]["executions"][0]["tests_covered"] == 2
    assert export["feedback"] == [{**export["feedback"][0], "rating": 4, "comment": COMMENT}]
    assert [e["action"] for e in export["onboarding_events"]] == ["started", "step"]
    (judge0,) = export["judge0_submissions"]
    assert judge0["request"]["source_code"] == JUDGE0_SOURCE
    assert judge0["result"]["run"]["stdout"] == JUDGE0_STDOUT
    assert [f["signal"] for f in export["abuse_flags"]] == ["submission_flood"]
    assert {e["action"] for e in export["audit_entries"]} >= {"sign_in"}

    with seeded.world.sessions() as session:
        (entry,) = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "privacy_export")
        ).all()
        assert (entry.actor_id, entry.target) == (
            seeded.world.user_ids["ada"],
            f"user:{seeded.sam}",
        )
    for who in ("tom", "sam"):
        path = f"/api/v1/admin/users/{seeded.sam}/privacy-export"
        assert seeded.world.api("GET", path, who).status_code == 403


def test_erasure_empties_personal_data_and_keeps_every_figure(seeded: Seeded):
    world, sam = seeded.world, seeded.sam
    path = f"/api/v1/admin/users/{sam}/privacy-delete"
    window_end = datetime.now(UTC) + timedelta(minutes=5)
    before = _figures(seeded, window_end)

    assert world.api("POST", path, "ada", json={}).status_code == 422
    assert world.api("POST", path, "ada", json={"confirm": "olga"}).status_code == 422
    ada = world.user_ids["ada"]
    myself = f"/api/v1/admin/users/{ada}/privacy-delete"
    assert world.api("POST", myself, "ada", json={"confirm": "ada"}).status_code == 422
    assert world.api("POST", path, "tom", json={"confirm": "sam"}).status_code == 403
    with world.sessions() as session:
        assert session.get_one(User, sam).name == "sam"  # nothing happened yet

    answer = world.api("POST", path, "ada", json={"confirm": "sam"})
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "user_id": sam,
        "name": f"deleted-user-{sam}",
        "already_erased": False,
        "submissions": 3,
        "judge0_submissions": 1,
        "feedback": 1,
        "tokens_revoked": 1,
        "sessions_ended": 1,
    }
    assert _figures(seeded, window_end) == before
    assert world.api("GET", "/api/v1/problems", "sam").status_code == 401

    raw, export = _export(seeded)
    assert export["user"]["name"] == f"deleted-user-{sam}"
    for gone in (
        '"sam"',
        COMMENT,
        SEALED_SOURCE.strip(),
        "print(1)",
        JUDGE0_SOURCE,
        JUDGE0_STDOUT,
        "unused variable",
    ):
        assert gone not in raw
    assert export["user"] == {**export["user"], "active": False, "has_password": False}
    assert export["web_sessions"] == []
    assert all(t["revoked_at"] and t["label"] == "" for t in export["api_tokens"])
    assert [f["rating"] for f in export["feedback"]] == [4]
    assert len(export["onboarding_events"]) == 2
    assert {s["source"] for s in export["submissions"]} == {""}
    assert export["judge0_submissions"][0]["result"]["run"]["time"] == 0.1
    with world.sessions() as session:
        assert session.get_one(Feedback, 2).comment == "fine"  # Olga's stays
        olga = session.get_one(Submission, seeded.submissions[3])
        assert olga.source == "print(1)\n"

    again = world.api("POST", path, "ada", json={"confirm": f"deleted-user-{sam}"})
    assert again.status_code == 200
    assert again.json()["already_erased"] is True
    assert _figures(seeded, window_end) == before
    with world.sessions() as session:
        erasures = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "privacy_delete")
        ).all()
        assert [(e.actor_id, e.target) for e in erasures] == [(ada, f"user:{sam}")]


def test_erasure_waits_for_submissions_being_graded(seeded: Seeded):
    world = seeded.world
    with world.sessions.begin() as session:
        session.execute(
            update(Submission)
            .where(Submission.id == seeded.submissions[2])
            .values(status=SubmissionStatus.QUEUED)
        )
    path = f"/api/v1/admin/users/{seeded.sam}/privacy-delete"
    answer = world.api("POST", path, "ada", json={"confirm": "sam"})
    assert answer.status_code == 409
    assert "still being graded" in answer.json()["error"]["message"]
    with world.sessions() as session:
        assert session.get_one(User, seeded.sam).name == "sam"
        assert session.scalar(select(TestResult.message).where(TestResult.message != "")) != ""


def test_the_cli_exports_to_a_private_file_and_erases_only_when_confirmed(
    reachable_dir: Path, tmp_path: Path
):
    url = f"sqlite:///{reachable_dir / 'privacy.sqlite3'}"
    with teaching(url, reachable_dir) as world:
        seeded = _seed(world, reachable_dir, url)
        env = {
            "PATH": "/usr/bin:/bin",
            "BATCHJUDGE_DATA_DIR": str(reachable_dir),
            "BATCHJUDGE_DATABASE_URL": url,
        }

        def run(*args: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run(
                [sys.executable, "-m", "batchjudge", *args],
                input="",
                capture_output=True,
                text=True,
                env=env,
                timeout=120,
                check=False,
                cwd=tmp_path,
            )

        exported = run("privacy", "export", "sam")
        assert exported.returncode == 0, exported.stderr
        target = tmp_path / "sam-export.json"
        assert stat.S_IMODE(target.stat().st_mode) == 0o600
        document = json.loads(target.read_text())
        assert {s["source"] for s in document["submissions"]} >= {SEALED_SOURCE}

        refused = run("privacy", "delete", "sam")
        assert refused.returncode == 2
        assert "--yes" in refused.stderr
        erased = run("privacy", "delete", "sam", "--yes")
        assert erased.returncode == 0, erased.stderr
        assert f"now deleted-user-{seeded.sam}" in erased.stdout
        with world.sessions() as session:
            entries = session.scalars(
                select(AuditEvent).where(AuditEvent.action.like("privacy_%"))
            ).all()
            assert [(e.action, e.actor_id, json.loads(e.details)) for e in entries] == [
                ("privacy_export", None, {"via": "cli"}),
                ("privacy_delete", None, {"via": "cli"}),
            ]
            assert session.get_one(User, seeded.sam).password_hash is None


def test_the_analytics_export_names_users_by_keyed_pseudonyms(seeded: Seeded, reachable_dir: Path):
    world = seeded.world
    path = f"/api/v1/problems/{seeded.problem_id}/analytics/export"
    assert world.api("GET", path, "tess").status_code == 403  # another teacher's problem
    assert world.api("GET", path, "sam").status_code == 403
    answer = world.api("GET", path, "tom")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/csv")
    header, *rows = list(csv.reader(io.StringIO(answer.text)))
    assert header == list(COLUMNS)
    settings = Settings(data_dir=reachable_dir)
    pseudonyms = Pseudonyms.from_master_key(load_master_keys(settings, reachable_dir).current)
    sam, olga = world.user_ids["sam"], world.user_ids["olga"]
    expected_users = [sam, sam, sam, olga]
    assert [row[0] for row in rows] == [pseudonyms.of(u) for u in expected_users]
    assert [row[1] for row in rows] == [str(s) for s in seeded.submissions]
    assert [(row[5], row[6], row[7]) for row in rows] == [
        ("AC", "2", "2"),
        ("WA", "1", "2"),
        ("CE", "0", "0"),
        ("AC", "2", "2"),
    ]
    for name in ("sam", "olga"):
        assert name not in answer.text
    assert world.api("GET", path, "ada").text == answer.text  # stable, and open to admins
