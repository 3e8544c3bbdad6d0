"""The quick start (docs/quick-start.md), followed as a newcomer would: `make run`'s set-up,
a real server, a first submission from the web UI, then the page's curl commands run
as written. Each ends with a graded AC. (Its `batchjudge grade` examples run in
test_guide_cli_examples.py.)"""

import json
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from support.guide_examples import page_examples, shows_line
from support.service_process import ServiceProcess, new_data_dir

REPO = Path(__file__).resolve().parents[2]
PAGE = REPO / "docs" / "quick-start.md"
#: Where the page says the server listens; the test's server has a free port instead.
DOCUMENTED_URL = "http://127.0.0.1:8000"

pytestmark = pytest.mark.sandbox


def _make_run_recipe() -> list[str]:
    """The commands of the Makefile's `run` target, with `$(BIN)/` removed."""
    lines = (REPO / "Makefile").read_text().splitlines()
    start = lines.index("run: install") + 1
    recipe = []
    for line in lines[start:]:
        if not line.startswith("\t"):
            break
        recipe.append(line.strip().replace("$(BIN)/", ""))
    return recipe


def _demo_table(output: str) -> dict[str, tuple[str, str]]:
    """role -> (password, token), from the table `seed-demo` prints."""
    rows = re.findall(r"^\s+(admin|teacher|student)\s+demo-\1\s+(\S+)\s+(bj_\S+)$", output, re.M)
    return {role: (password, token) for role, password, token in rows}


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[ServiceProcess, str]]:
    """`make run`'s first two commands on a fresh data dir, then its server; with what
    `seed-demo` printed."""
    data = new_data_dir("bj-quick-start-")
    service = ServiceProcess(data, f"sqlite:///{data / 'batchjudge.sqlite3'}")
    *setup, serve = _make_run_recipe()
    assert serve == "batchjudge serve --host 127.0.0.1 --port 8000"
    printed = ""
    for command in setup:
        argv = command.split()
        assert argv[0] == "batchjudge", command
        done = subprocess.run(
            [sys.executable, "-m", "batchjudge", *argv[1:]],
            capture_output=True,
            text=True,
            cwd=REPO,
            env=service.env,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        printed += done.stdout
    student_token = _demo_table(printed)["student"][1]
    service.start(student_token)
    try:
        yield service, printed
    finally:
        service.stop()
        shutil.rmtree(data, ignore_errors=True)


def _wait_until_graded(client: httpx.Client, submission_id: int) -> dict[str, Any]:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        answer = client.get(f"/api/v1/submissions/{submission_id}").json()
        if answer["status"] in ("done", "failed"):
            return answer
        time.sleep(0.2)
    raise AssertionError(f"submission {submission_id} was not graded in time")


def _page_python_example() -> str:
    text = PAGE.read_text()
    found = re.search(r"^( *)```python\n(.*?)^\1```", text, re.M | re.S)
    assert found is not None
    indent = len(found.group(1))
    return "".join(line[indent:] for line in found.group(2).splitlines(keepends=True))


def test_make_run_prints_what_the_page_says(server):
    _service, printed = server
    table = _demo_table(printed)
    assert set(table) == {"admin", "teacher", "student"}
    assert "sign in at http://127.0.0.1:8000/login" in printed
    assert "problem 2 is the Average example" in printed


def test_the_page_shows_the_graded_example_file():
    assert _page_python_example() == (REPO / "examples/average/submissions/average.py").read_text()


def _form_token(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found is not None, html
    return found.group(1)


def test_a_first_submission_from_the_web_ui_is_graded_ac(server):
    service, printed = server
    password = _demo_table(printed)["student"][0]
    with httpx.Client(base_url=service.url, timeout=30) as browser:
        form = browser.get("/login")
        signed_in = browser.post(
            "/login",
            data={
                "name": "demo-student",
                "password": password,
                "csrf_token": _form_token(form.text),
            },
            follow_redirects=True,
        )
        assert signed_in.url.path == "/problems"
        assert "Average" in signed_in.text
        problem = browser.get("/problems/2")
        assert "Average" in problem.text
        submitted = browser.post(
            "/problems/2/submit",
            data={
                "language": "python3",
                "style": "auto",
                "source": _page_python_example(),
                "csrf_token": _form_token(problem.text),
            },
            follow_redirects=False,
        )
        assert submitted.status_code == 303
        submission_id = int(submitted.headers["location"].rsplit("/", 1)[1])
        result = _wait_until_graded(browser, submission_id)
    assert (result["status"], result["verdict"]) == ("done", "AC")
    assert len(result["tests"]) == 6


def test_the_curl_commands_run_as_written_and_grade_ac(server):
    service, printed = server
    curls = [
        e for e in page_examples(PAGE.parent, PAGE, only_cli=False) if e.command.startswith("curl")
    ]
    assert len(curls) == 4
    env = {
        "PATH": "/usr/bin:/bin",
        "TOKEN": _demo_table(printed)["student"][1],
        "ID": "",
    }

    def run(example) -> str:
        command = example.command.replace(DOCUMENTED_URL, service.url)
        done = subprocess.run(
            ["bash", "-u", "-o", "pipefail", "-c", command],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, f"{example.where}: {done.stderr}"
        return done.stdout

    listing, submit, events, result = curls
    problems = json.loads(run(listing))
    assert [p["name"] for p in problems] == ["Sum pairs", "Average"]

    accepted = run(submit)
    assert submit.first_line is not None
    assert shows_line(accepted, submit.first_line)
    env["ID"] = str(json.loads(accepted)["id"])

    stream = run(events)  # ends by itself after `done`
    for documented in events.output:
        assert shows_line(stream, documented), documented
    assert stream.rstrip().endswith('data: {"status": "done", "verdict": "AC"}')

    graded = json.loads(run(result))
    assert (graded["status"], graded["verdict"]) == ("done", "AC")
