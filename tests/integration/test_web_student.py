"""The student pages over HTTP without a browser (FastAPI's TestClient, real database and
sandbox): what they show, the no-JavaScript submit and rating forms, who may see what,
and "My submissions" with its filters and pages."""

import html
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from batchjudge.db.accounts import Role
from batchjudge.db.engine import make_engine, make_session_factory
from batchjudge.db.migrate import upgrade
from batchjudge.problems.archive import zip_folder
from batchjudge.service.app import create_app
from batchjudge.services.accounts import create_user
from batchjudge.services.passwords import Passwords
from batchjudge.services.web_sessions import set_password
from batchjudge.settings import Settings
from batchjudge.web.my_submissions import SubmissionFilters, fetch_my_submissions

pytestmark = pytest.mark.sandbox

PASSWORD = "a-long-enough-password"
STATEMENT = "# Twice\n\nPrint **twice** the number.\n\n<script>alert('pwned')</script>\n"
PROGRAM = "print(2 * int(input()))\n"
HTML = {"Accept": "text/html"}


def write_package(root: Path) -> Path:
    files = {
        "problem.yaml": "name: Twice\nlimits:\n  time_limit: 1\n  memory: 128\n",
        "problem_statement/problem.en.md": STATEMENT,
        "data/sample/1.in": "21\n",
        "data/sample/1.ans": "42\n",
        "data/secret/1.in": "5\n",
        "data/secret/1.ans": "10\n",
        "data/secret/2.in": "-3\n",
        "data/secret/2.ans": "-6\n",
    }
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
    return root


class Pages:
    """One TestClient; signing in as someone replaces the previous session."""

    def __init__(self, client: TestClient, tokens: dict[str, str], engine: Engine) -> None:
        self.client = client
        self.tokens = tokens
        self.engine = engine
        self.csrf = ""

    def sign_in(self, name: str) -> None:
        self.client.cookies.clear()
        form = self.client.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        assert token is not None
        answer = self.client.post(
            "/login",
            data={"name": name, "password": PASSWORD, "csrf_token": token.group(1)},
            follow_redirects=False,
        )
        assert answer.status_code == 303, answer.text
        page = self.client.get("/problems")
        found = re.search(r'<meta name="csrf-token" content="([^"]+)"', page.text)
        assert found is not None
        self.csrf = found.group(1)

    def upload(self, folder: Path) -> int:
        answer = self.client.post(
            "/api/v1/problems",
            headers={"Authorization": f"Bearer {self.tokens['teacher']}"},
            files={"package": ("twice.zip", zip_folder(folder), "application/zip")},
        )
        assert answer.status_code == 201, answer.text
        return int(answer.json()["id"])

    def submit(self, problem_id: int, **fields: str) -> object:
        data = {"language": "python3", "style": "auto", "source": PROGRAM, "csrf_token": self.csrf}
        data.update(fields)
        return self.client.post(
            f"/problems/{problem_id}/submit",
            data=data,
            files={"source_file": ("", b"", "application/octet-stream")},
            headers=HTML,
            follow_redirects=False,
        )

    def wait_done(self, submission_id: int, timeout_s: float = 60) -> dict:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            body = self.client.get(f"/api/v1/submissions/{submission_id}").json()
            if body["status"] in ("done", "failed"):
                return dict(body)
            time.sleep(0.1)
        raise AssertionError(f"submission {submission_id} did not finish")


@pytest.fixture
def pages(database_url: str, sandbox_data_dir: Path, tmp_path: Path) -> Iterator[Pages]:
    tmp_path.chmod(0o755)
    upgrade(database_url)
    engine = make_engine(database_url)
    tokens = {}
    with make_session_factory(engine).begin() as session:
        for name, role in (
            ("teacher", Role.TEACHER),
            ("student", Role.STUDENT),
            ("other", Role.STUDENT),
        ):
            _, tokens[name] = create_user(session, name, role, institution="Test school")
            set_password(session, Passwords(), name, PASSWORD)
    settings = Settings(data_dir=sandbox_data_dir, database_url=database_url, sandbox_slots=2)
    try:
        with TestClient(create_app(settings)) as client:
            yield Pages(client, tokens, engine)
    finally:
        engine.dispose()


@pytest.fixture
def problem_id(pages: Pages, tmp_path: Path) -> int:
    return pages.upload(write_package(tmp_path / "twice"))


def submission_id_of(answer: object) -> int:
    location = answer.headers["location"]  # type: ignore[attr-defined]
    found = re.fullmatch(r"/submissions/(\d+)", location)
    assert found is not None, location
    return int(found.group(1))


def test_the_problem_list_is_empty_then_shows_each_problem(pages: Pages, tmp_path: Path):
    pages.sign_in("student")
    assert "There are no problems yet." in pages.client.get("/problems").text
    problem_id = pages.upload(write_package(tmp_path / "twice"))
    listed = pages.client.get("/problems").text
    assert f'href="/problems/{problem_id}">Twice</a>' in listed
    assert "1 s" in listed
    assert "128 MiB" in listed
    assert "Not tried" in listed


def test_the_problem_page_shows_statement_limits_samples_and_the_form(
    pages: Pages, problem_id: int
):
    pages.sign_in("student")
    page = pages.client.get(f"/problems/{problem_id}")
    assert page.status_code == 200
    text = page.text
    assert "<h2>Twice</h2>" in text  # the statement's heading, under the page's <h1>
    assert "<strong>twice</strong>" in text
    assert "&lt;script&gt;alert('pwned')&lt;/script&gt;" in text
    assert "<script>alert(" not in text
    assert '<pre class="sample-data">21\n</pre>' in text
    assert '<pre class="sample-data">42\n</pre>' in text
    for tour in ("style-select", "editor", "submit-button"):
        assert f'data-tour="{tour}"' in text
    for style in ("auto", "program", "solve"):
        assert f'<option value="{style}"' in text
    assert '<option value="cpp17" data-extensions=".cpp .cc .cxx .c++"' in text


def test_a_problem_without_a_statement_says_so(pages: Pages, tmp_path: Path):
    folder = write_package(tmp_path / "bare")
    (folder / "problem_statement" / "problem.en.md").unlink()
    problem_id = pages.upload(folder)
    pages.sign_in("student")
    assert "This problem has no statement yet." in pages.client.get(f"/problems/{problem_id}").text


def test_an_unknown_problem_is_a_404_page(pages: Pages):
    pages.sign_in("student")
    page = pages.client.get("/problems/4242", headers=HTML)
    assert page.status_code == 404
    assert "There is no problem 4242." in page.text


def test_the_form_submits_without_javascript(pages: Pages, problem_id: int):
    pages.sign_in("student")
    answer = pages.submit(problem_id, style="program")
    assert answer.status_code == 303  # type: ignore[attr-defined]
    submission_id = submission_id_of(answer)
    done = pages.wait_done(submission_id)
    assert (done["verdict"], done["style"], done["language"]) == ("AC", "program", "python3")
    page = pages.client.get(f"/submissions/{submission_id}")
    assert page.status_code == 200
    assert f"Submission {submission_id}" in page.text
    assert 'data-tour="results-table"' in page.text
    assert "Graded 3 tests in 1 execution." in page.text


def test_a_chosen_file_is_submitted_without_javascript(pages: Pages, problem_id: int):
    pages.sign_in("student")
    answer = pages.client.post(
        f"/problems/{problem_id}/submit",
        data={"language": "python3", "style": "auto", "source": "", "csrf_token": pages.csrf},
        files={"source_file": ("twice.py", PROGRAM.encode(), "text/x-python")},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    assert pages.wait_done(submission_id_of(answer))["verdict"] == "AC"


def test_the_form_keeps_the_code_and_says_what_is_wrong(pages: Pages, problem_id: int):
    pages.sign_in("student")
    cases = [
        ({"csrf_token": "forged"}, 403, "The form had expired. Please submit again."),
        ({"style": "poem"}, 422, "Unknown style &#39;poem&#39;: choose one of the list."),
        ({"language": "cobol"}, 422, "Unknown language &#39;cobol&#39;"),
        ({"source": "   \n"}, 422, "The source is empty."),
        ({"source": "x" * (65 << 10)}, 413, "a submission may have at most 65536 bytes."),
    ]
    for fields, status, message in cases:
        answer = pages.submit(problem_id, **fields)
        assert answer.status_code == status, fields  # type: ignore[attr-defined]
        text = answer.text  # type: ignore[attr-defined]
        assert message in text, (fields, text)
        assert 'role="alert"' in text
        if "source" not in fields:
            assert html.escape(PROGRAM, quote=False) in text  # the code is kept
    listed = pages.client.get("/api/v1/submissions").json()
    assert listed == []


def test_another_students_submission_is_not_found(pages: Pages, problem_id: int):
    pages.sign_in("student")
    submission_id = submission_id_of(pages.submit(problem_id))
    pages.sign_in("other")
    page = pages.client.get(f"/submissions/{submission_id}", headers=HTML)
    assert page.status_code == 404
    assert f"There is no submission {submission_id}." in page.text
    pages.sign_in("teacher")
    assert pages.client.get(f"/submissions/{submission_id}").status_code == 200


def test_the_rating_form_works_without_javascript(pages: Pages, problem_id: int):
    pages.sign_in("student")
    submission_id = submission_id_of(pages.submit(problem_id))
    rating = {"rating": "5", "comment": "Fast!", "csrf_token": pages.csrf}
    path = f"/submissions/{submission_id}/feedback"
    early = pages.client.post(path, data=rating, headers=HTML, follow_redirects=False)
    pages.wait_done(submission_id)
    if early.status_code != 303:  # graded too quickly to see the refusal, which is fine
        assert early.status_code == 409
        assert "not graded yet" in early.text
    forged = pages.client.post(path, data={**rating, "csrf_token": "x"}, headers=HTML)
    assert forged.status_code == 403
    answer = pages.client.post(path, data=rating, follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/submissions/{submission_id}?rated=1#feedback"
    page = pages.client.get(f"/submissions/{submission_id}?rated=1").text
    assert "Thanks! Your rating is saved." in page
    assert "You rated this grading 5 of 5." in page
    assert re.search(r'value="5"\s+checked', page)


def test_my_submissions_are_listed_and_filtered(pages: Pages, problem_id: int):
    pages.sign_in("student")
    assert "You have not submitted anything yet." in pages.client.get("/submissions").text
    good = submission_id_of(pages.submit(problem_id))
    bad = submission_id_of(pages.submit(problem_id, source="print(1)\n"))
    pages.wait_done(good)
    pages.wait_done(bad)
    page = pages.client.get("/submissions").text
    assert page.index(f'href="/submissions/{bad}"') < page.index(f'href="/submissions/{good}"')
    assert "3/3" in page
    assert "0/3" in page or "1/3" in page
    accepted = pages.client.get("/submissions", params={"verdict": "AC"}).text
    assert f'href="/submissions/{good}"' in accepted
    assert f'href="/submissions/{bad}"' not in accepted
    none = pages.client.get("/submissions", params={"language": "java"}).text
    assert "None of your submissions match these filters." in none
    odd = pages.client.get("/submissions", params={"status": "lost", "problem": "x"}).text
    assert "There is no status &#39;lost&#39;; showing every status." in odd
    assert "There is no problem &#39;x&#39;; showing every problem." in odd
    assert f'href="/submissions/{good}"' in odd
    pages.sign_in("other")
    assert "You have not submitted anything yet." in pages.client.get("/submissions").text


def test_my_submissions_page_by_page(pages: Pages, problem_id: int):
    pages.sign_in("student")
    ids = [submission_id_of(pages.submit(problem_id)) for _ in range(5)]
    sessions = make_session_factory(pages.engine)
    with sessions() as session:
        student = pages.client.get("/api/v1/me").json()["id"]
        first, more = fetch_my_submissions(session, student, SubmissionFilters(), None, 2)
        assert ([row.id for row in first], more) == (ids[:-3:-1], True)
        second, more = fetch_my_submissions(session, student, SubmissionFilters(), first[-1].id, 2)
        assert ([row.id for row in second], more) == ([ids[2], ids[1]], True)
        last, more = fetch_my_submissions(session, student, SubmissionFilters(), second[-1].id, 2)
        assert ([row.id for row in last], more) == ([ids[0]], False)
        only = SubmissionFilters(problem_id=problem_id, language="python3", status=None)
        assert len(fetch_my_submissions(session, student, only, None, 50)[0]) == 5
    for submission_id in ids:
        pages.wait_done(submission_id)
    older = pages.client.get("/submissions", params={"before": ids[0]}).text
    assert "There are no older submissions." in older


def test_hidden_tests_and_samples_stay_hidden_on_the_pages(pages: Pages, problem_id: int):
    changed = pages.client.patch(
        f"/api/v1/problems/{problem_id}/tests",
        headers={"Authorization": f"Bearer {pages.tokens['teacher']}"},
        json={"visibility": {"sample/1": "verdict", "secret/2": "hidden"}},
    )
    assert changed.status_code == 200, changed.text
    pages.sign_in("student")
    problem = pages.client.get(f"/problems/{problem_id}").text
    assert "This problem has no sample tests." in problem
    submission_id = submission_id_of(pages.submit(problem_id, source="print(1)\n"))
    pages.wait_done(submission_id)
    page = pages.client.get(f"/submissions/{submission_id}").text
    assert "secret/1" in page
    assert "secret/2" not in page
    assert "1 more test is hidden: it counts toward the verdict but is not shown." in page
    assert "Graded 3 tests in 1 execution." in page
    pages.sign_in("teacher")
    assert "secret/2" in pages.client.get(f"/submissions/{submission_id}").text
    assert "Sample 1" in pages.client.get(f"/problems/{problem_id}").text


def test_a_compile_error_shows_the_compiler_output(pages: Pages, problem_id: int):
    pages.sign_in("student")
    broken = "int main(void) { return oops; }\n"
    submission_id = submission_id_of(pages.submit(problem_id, language="c", source=broken))
    assert pages.wait_done(submission_id)["verdict"] == "CE"
    page = pages.client.get(f"/submissions/{submission_id}").text
    compile_section = page[page.index('<section class="card" id="compile"') :]
    assert compile_section.startswith('<section class="card" id="compile" aria-labelledby')
    assert " hidden>" not in compile_section[: compile_section.index("\n")]
    assert "oops" in compile_section[: compile_section.index("</section>")]
    assert "No test ran: the code did not compile." in page
