"""A service in-process (TestClient) with a teacher's world: two institutions, a user per
role, browser sessions for the page tests, and graded submissions written straight to
the database (no sandbox needed)."""

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from batchjudge.db.accounts import Role
from batchjudge.db.engine import make_engine, make_session_factory
from batchjudge.db.migrate import upgrade
from batchjudge.db.submissions import Submission, SubmissionStatus, TestResult
from batchjudge.problems.archive import zip_folder
from batchjudge.service.app import create_app
from batchjudge.services.accounts import create_user
from batchjudge.services.passwords import Passwords
from batchjudge.services.submissions import latest_version
from batchjudge.services.web_sessions import SESSION_COOKIE, sign_in
from batchjudge.settings import Settings

REPO = Path(__file__).resolve().parents[2]
AVERAGE = REPO / "examples" / "average"
#: name -> (role, institution)
PEOPLE = {
    "ada": (Role.ADMIN, "Northside"),
    "tom": (Role.TEACHER, "Northside"),
    "tess": (Role.TEACHER, "Eastside"),
    "nora": (Role.TEACHER, None),
    "sam": (Role.STUDENT, "Northside"),
    "olga": (Role.STUDENT, "Eastside"),
}
PASSWORD = "a-long-password"


@dataclass
class Browser:
    """A signed-in browser session: its cookie and its pages' CSRF token."""

    cookie: str
    csrf: str


@dataclass
class Teaching:
    """The running service and its people."""

    client: TestClient
    sessions: sessionmaker[Session]
    tokens: dict[str, str]
    user_ids: dict[str, int]
    browsers: dict[str, Browser]

    def api(self, method: str, path: str, who: str, **kwargs: object) -> httpx.Response:
        self.client.cookies.clear()
        headers = {"Authorization": f"Bearer {self.tokens[who]}"}
        return self.client.request(method, path, headers=headers, **kwargs)  # type: ignore[arg-type]

    def page(self, method: str, path: str, who: str | None, **kwargs: object) -> httpx.Response:
        """A browser's request: the session cookie, and `Accept: text/html`."""
        self.client.cookies.clear()
        if who is not None:
            self.client.cookies.set(SESSION_COOKIE, self.browsers[who].cookie)
        headers = {"Accept": "text/html"}
        return self.client.request(
            method,
            path,
            headers=headers,
            follow_redirects=False,
            **kwargs,  # type: ignore[arg-type]
        )

    def upload(self, folder: Path = AVERAGE, who: str = "tom", **form: str) -> dict:
        files = {"package": (f"{folder.name}.zip", zip_folder(folder), "application/zip")}
        answer = self.api("POST", "/api/v1/problems", who, files=files, data=form)
        assert answer.status_code == 201, answer.text
        return dict(answer.json())

    def add_submission(
        self,
        who: str,
        problem_id: int,
        verdicts: list[str],
        language: str = "python3",
        status: SubmissionStatus = SubmissionStatus.DONE,
        age_s: float = 0,
    ) -> int:
        """A submission to the latest version with a result per verdict in test order;
        its verdict is the first non-AC one (CE when `verdicts` is empty)."""
        finished = status in (SubmissionStatus.DONE, SubmissionStatus.FAILED)
        overall = next((v for v in verdicts if v != "AC"), "AC") if verdicts else "CE"
        moment = datetime.now(UTC) - timedelta(seconds=age_s)
        with self.sessions.begin() as session:
            version = latest_version(session, problem_id)
            assert version is not None
            row = Submission(
                user_id=self.user_ids[who],
                problem_version_id=version.id,
                language=language,
                style="program",
                mode="multi",
                source="print(1)\n",
                status=status,
                verdict=overall if status is SubmissionStatus.DONE else None,
                compile_ok=bool(verdicts) if finished else None,
                created_at=moment,
                finished_at=moment if finished else None,
            )
            session.add(row)
            session.flush()
            for position, (test, verdict) in enumerate(zip(version.tests, verdicts, strict=False)):
                session.add(
                    TestResult(
                        submission_id=row.id,
                        position=position,
                        name=test.name,
                        verdict=verdict,
                        time_s=0.01,
                        memory_kb=1000,
                        message="" if verdict == "AC" else f"{verdict} on {test.name}",
                        output_preview="out\n" if test.is_sample else None,
                    )
                )
            return row.id

    def events(self, submission_id: int, who: str) -> list[tuple[str, dict]]:
        """The SSE events of a finished submission."""
        self.client.cookies.clear()
        events = []
        headers = {"Authorization": f"Bearer {self.tokens[who]}"}
        path = f"/api/v1/submissions/{submission_id}/events"
        with self.client.stream("GET", path, headers=headers) as response:
            assert response.status_code == 200
            name = None
            for line in response.iter_lines():
                if line.startswith("event:"):
                    name = line.split(":", 1)[1].strip()
                elif line.startswith("data:") and name is not None:
                    events.append((name, json.loads(line.split(":", 1)[1])))
                    name = None
        return events


@contextmanager
def teaching(database_url: str, data_dir: Path, **overrides: object) -> Iterator[Teaching]:
    """A migrated database with PEOPLE, and the service running on it (with settings
    `overrides`)."""
    upgrade(database_url)
    engine = make_engine(database_url)
    sessions = make_session_factory(engine)
    passwords = Passwords()
    tokens, user_ids, browsers = {}, {}, {}
    with sessions.begin() as session:
        for name, (role, institution) in PEOPLE.items():
            user, tokens[name] = create_user(session, name, role, institution=institution)
            user.password_hash = passwords.hash(PASSWORD)
            session.flush()
            user_ids[name] = user.id
    with sessions.begin() as session:
        for name in PEOPLE:
            opened = sign_in(session, passwords, name, PASSWORD)
            browsers[name] = Browser(opened.token, opened.csrf_token)
    settings = Settings(data_dir=data_dir, database_url=database_url, **overrides)  # type: ignore[arg-type]
    try:
        with TestClient(create_app(settings)) as client:
            yield Teaching(client, sessions, tokens, user_ids, browsers)
    finally:
        engine.dispose()
