"""The Judge0-compatible API at /judge0, in-process (the TestClient runs the lifespan): real
database, real queue and worker threads, real sandbox."""

import asyncio
import base64
import io
import json
import re
import threading
import time
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from batchjudge.crypto.keyring import MasterKeyring
from batchjudge.db.accounts import Role
from batchjudge.db.engine import make_engine, make_session_factory
from batchjudge.db.judge0 import Judge0Submission
from batchjudge.db.migrate import upgrade
from batchjudge.execution.fake import FakeBackend, FakeTest
from batchjudge.grading.options import GradeOptions
from batchjudge.languages.registry import LanguageRegistry
from batchjudge.service.app import create_app
from batchjudge.services.accounts import create_user
from batchjudge.services.judge0_api.config import Judge0Config
from batchjudge.services.judge0_api.execution import Judge0Runtime
from batchjudge.services.judge0_api.jobs import Judge0JobContext, grade_judge0_submission
from batchjudge.services.judge0_api.languages import multi_file_bundle
from batchjudge.services.judge0_api.requests import Judge0Request
from batchjudge.services.judge0_api.results import Judge0Result
from batchjudge.services.judge0_api.submissions import stored_request
from batchjudge.settings import Settings

pytestmark = pytest.mark.sandbox

TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
C_SUM = '#include <stdio.h>\nint main(void){int a,b;scanf("%d %d",&a,&b);printf("%d\\n",a+b);}\n'
PY_ECHO = "import sys\nsys.stdout.write(sys.stdin.read())\n"
#: Every key Judge0's /config_info has (judge0-api.md §6), with its JSON type.
CONFIG_KEYS = {
    **dict.fromkeys(
        [
            "maintenance_mode",
            "enable_wait_result",
            "enable_compiler_options",
            "enable_command_line_arguments",
            "enable_submission_delete",
            "enable_callbacks",
            "enable_additional_files",
            "enable_per_process_and_thread_time_limit",
            "allow_enable_per_process_and_thread_time_limit",
            "enable_per_process_and_thread_memory_limit",
            "allow_enable_per_process_and_thread_memory_limit",
            "redirect_stderr_to_stdout",
            "enable_batched_submissions",
            "use_docs_as_homepage",
            "allow_enable_network",
            "enable_network",
            "disable_implicit_base64_encoding",
        ],
        bool,
    ),
    **dict.fromkeys(
        [
            "callbacks_timeout",
            "cpu_time_limit",
            "max_cpu_time_limit",
            "cpu_extra_time",
            "max_cpu_extra_time",
            "wall_time_limit",
            "max_wall_time_limit",
            "submission_cache_duration",
        ],
        float,
    ),
    **dict.fromkeys(
        [
            "callbacks_max_tries",
            "max_queue_size",
            "memory_limit",
            "max_memory_limit",
            "stack_limit",
            "max_stack_limit",
            "max_processes_and_or_threads",
            "max_max_processes_and_or_threads",
            "max_file_size",
            "max_max_file_size",
            "number_of_runs",
            "max_number_of_runs",
            "max_extract_size",
            "max_submission_batch_size",
        ],
        int,
    ),
    "allowed_languages_for_compile_options": list,
}


def b64(text: str | bytes) -> str:
    return base64.b64encode(text.encode() if isinstance(text, str) else text).decode()


def unb64(text: str | None) -> str | None:
    return None if text is None else base64.b64decode("".join(text.split())).decode()


def zipped(files: dict[str, str]) -> str:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return b64(buffer.getvalue())


class Judge0Api:
    """A TestClient on /judge0 with a token per user."""

    def __init__(self, client: TestClient, tokens: dict[str, str], settings: Settings) -> None:
        self.client = client
        self.tokens = tokens
        self.settings = settings
        assert settings.database_url is not None
        self.database_url = settings.database_url

    def get(self, path: str, who: str | None = "student", **kwargs: object):
        headers = {"X-Auth-Token": self.tokens[who]} if who else {}
        return self.client.get("/judge0" + path, headers=headers, **kwargs)  # type: ignore[arg-type]

    def post(self, path: str, body: object, who: str | None = "student", **kwargs: object):
        headers = {"X-Auth-Token": self.tokens[who]} if who else {}
        return self.client.post("/judge0" + path, json=body, headers=headers, **kwargs)  # type: ignore[arg-type]

    def run(self, body: dict, query: str = "", who: str = "student") -> dict:
        """Create with wait=true and return the answer, which must be final."""
        response = self.post(f"/submissions?wait=true{query}", body, who)
        assert response.status_code == 201, response.text
        answer = response.json()
        assert answer["status"]["id"] not in (1, 2), answer
        return answer

    def wait(self, token: str, query: str = "", who: str = "student") -> dict:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            answer = self.get(f"/submissions/{token}?fields=*{query}", who).json()
            if answer["status"]["id"] not in (1, 2):
                return answer
            time.sleep(0.1)
        raise AssertionError(f"submission {token} did not finish: {answer}")


def _users(database_url: str) -> dict[str, str]:
    upgrade(database_url)
    engine = make_engine(database_url)
    tokens = {}
    with make_session_factory(engine).begin() as session:
        for name, role in (("teacher", Role.TEACHER), ("student", Role.STUDENT)):
            _, tokens[name] = create_user(session, name, role)
        _, tokens["other"] = create_user(session, "other", Role.STUDENT)
    engine.dispose()
    return tokens


@pytest.fixture
def judge0(
    database_url: str, sandbox_data_dir: Path, request: pytest.FixtureRequest
) -> Iterator[Judge0Api]:
    tokens = _users(database_url)
    overrides = getattr(request, "param", {})
    settings = Settings(
        data_dir=sandbox_data_dir, database_url=database_url, sandbox_slots=2, **overrides
    )
    with TestClient(create_app(settings)) as client:
        yield Judge0Api(client, tokens, settings)


def test_languages_statuses_about_and_configuration(judge0: Judge0Api):
    languages = judge0.get("/languages").json()
    by_id = {language["id"]: language["name"] for language in languages}
    assert {50, 52, 54, 62, 63, 71, 89} <= set(by_id)
    assert re.fullmatch(r"C \(GCC \d+\.\d+\.\d+\)", by_id[50])
    assert re.fullmatch(r"C\+\+ \(GCC \d+\.\d+\.\d+\)", by_id[54])
    assert re.fullmatch(r"Python \(3\.\d+\.\d+\)", by_id[71])
    assert re.fullmatch(r"Java \(OpenJDK \d+\.\d+\.\d+\)", by_id[62])
    assert re.fullmatch(r"JavaScript \(Node\.js \d+\.\d+\.\d+\)", by_id[63])
    assert by_id[89] == "Multi-file program"
    assert [language["name"] for language in languages] == sorted(by_id.values())
    assert all(set(language) == {"id", "name"} for language in languages)
    assert all(entry["is_archived"] is False for entry in judge0.get("/languages/all").json())

    record = judge0.get("/languages/50").json()
    assert set(record) == {"id", "name", "is_archived", "source_file", "compile_cmd", "run_cmd"}
    assert record["source_file"] == "main.c"
    assert record["compile_cmd"].startswith("/usr/bin/gcc %s ")
    assert judge0.get("/languages/71").json()["run_cmd"].startswith("/usr/bin/python3 ")
    for unknown in ("/languages/7", "/languages/abc"):
        response = judge0.get(unknown)
        assert response.status_code == 404
        assert response.json()["error"] == "Not Found"

    statuses = judge0.get("/statuses").json()
    assert [status["id"] for status in statuses] == list(range(1, 15))
    assert statuses[10] == {"id": 11, "description": "Runtime Error (NZEC)"}
    assert judge0.get("/about").json()["version"] == "1.13.1"

    config = judge0.get("/config_info").json()
    assert set(config) == set(CONFIG_KEYS)
    for key, kind in CONFIG_KEYS.items():
        assert type(config[key]) is kind, key
    assert config["max_queue_size"] == 1000
    system = judge0.get("/system_info").json()
    assert system
    assert all(isinstance(value, str) for value in system.values())
    [queue] = judge0.get("/workers").json()
    assert set(queue) >= {"queue", "size", "available", "idle", "working", "paused"}


def test_authentication_is_our_api_tokens(judge0: Judge0Api):
    for response in (
        judge0.get("/languages", who=None),
        judge0.client.get("/judge0/languages", headers={"X-Auth-Token": "bj_not-a-token"}),
        judge0.post("/submissions", {"language_id": 71, "source_code": "print(1)"}, who=None),
    ):
        assert (response.status_code, response.content) == (401, b"")
    token = judge0.tokens["student"]
    assert judge0.client.get("/judge0/statuses", params={"X-Auth-Token": token}).status_code == 200
    assert judge0.post("/authenticate", None).status_code == 200
    # Listing and /authorize need Judge0's authorization token, which we never issue.
    for response in (judge0.get("/submissions"), judge0.post("/authorize", None)):
        assert (response.status_code, response.content) == (403, b"")
    deleted = judge0.client.delete("/judge0/submissions/x", headers={"X-Auth-Token": token})
    assert (deleted.status_code, deleted.json()) == (400, {"error": "delete not allowed"})


@pytest.mark.parametrize("judge0", [{"judge0_api_auth": False}], indirect=True)
def test_authentication_can_be_switched_off(judge0: Judge0Api):
    assert judge0.get("/languages", who=None).status_code == 200
    answer = judge0.run({"language_id": 71, "source_code": "print(6 * 7)"}, who=None)  # type: ignore[arg-type]
    assert (answer["status"]["id"], answer["stdout"]) == (3, "42\n")


def test_bad_requests_get_judge0_shaped_errors(judge0: Judge0Api):
    def create(body: object, query: str = "") -> tuple[int, object]:
        response = judge0.post(f"/submissions{query}", body)
        return response.status_code, response.json()

    assert create({"source_code": "print(1)"}) == (422, {"language_id": ["can't be blank"]})
    assert create({"language_id": 7, "source_code": "x"}) == (
        422,
        {"language_id": ["language with id 7 doesn't exist"]},
    )
    assert create({"language_id": 71}) == (422, {"source_code": ["can't be blank"]})
    status, body = create(
        {"language_id": 71, "source_code": "x", "memory_limit": 100, "cpu_time_limit": "soon"}
    )
    assert status == 422
    assert body == {
        "memory_limit": ["must be greater than or equal to 2048"],
        "cpu_time_limit": ["is not a number"],
    }
    assert create({"language_id": 71, "source_code": "x", "enable_network": True}) == (
        422,
        {"enable_network": ["this option cannot be enabled"]},
    )
    assert create({"language_id": 71, "source_code": "%%%"}, "?base64_encoded=true") == (
        422,
        {"source_code": ["is not valid base64"]},
    )
    assert create({"language_id": 71, "source_code": "x"}, "?fields=token,bogus,nope") == (
        400,
        {"error": "invalid fields: [bogus, nope]"},
    )
    assert create([1, 2]) == (422, {"submission": ["must be a JSON object"]})
    response = judge0.client.post(
        "/judge0/submissions",
        content=b"{not json",
        headers={"X-Auth-Token": judge0.tokens["student"]},
    )
    assert response.status_code == 400
    assert "error" in response.json()
    assert judge0.get("/submissions/no-such-token").status_code == 404
    assert judge0.get("/submissions/batch").status_code == 400

    def batch(items: list) -> tuple[int, object]:
        response = judge0.post("/submissions/batch", {"submissions": items})
        return response.status_code, response.json()

    assert batch([]) == (400, {"error": "there should be at least one submission in a batch"})
    assert batch([{"language_id": 71, "source_code": "x"}] * 21) == (
        400,
        {"error": "number of submissions in a batch should be less than or equal to 20"},
    )
    assert batch([{"source_code": "x"}, {"language_id": 71}]) == (
        422,
        [{"language_id": ["can't be blank"]}, {"source_code": ["can't be blank"]}],
    )


@pytest.mark.parametrize(
    "judge0", [{"max_queue_length": 2, "max_source_bytes": 100}], indirect=True
)
def test_queue_bound_and_source_size(judge0: Judge0Api):
    item = {"language_id": 71, "source_code": "print(1)"}
    response = judge0.post("/submissions/batch", {"submissions": [item] * 3})
    assert (response.status_code, response.json()) == (503, {"error": "queue is full"})
    response = judge0.post("/submissions", {"language_id": 71, "source_code": "#" * 101})
    assert response.status_code == 422
    assert response.json() == {"source_code": ["is too long (maximum is 100 bytes)"]}


def test_a_created_submission_is_stored_before_the_answer(judge0: Judge0Api):
    body = {"language_id": "71", "source_code": PY_ECHO, "stdin": "hi", "memory_limit": 128000.0}
    body["unknown_key"] = "dropped"
    response = judge0.post("/submissions", body)
    assert response.status_code == 201, response.text
    token = response.json()["token"]
    assert set(response.json()) == {"token"}
    engine = make_engine(judge0.database_url)
    keyring = MasterKeyring(judge0.settings, judge0.settings.data_dir)
    with make_session_factory(engine, keyring)() as session:
        row = session.scalars(select(Judge0Submission).where(Judge0Submission.token == token)).one()
        stored = stored_request(session, row)
    engine.dispose()
    assert (stored.language_id, stored.stdin, stored.memory_limit) == (71, "hi", 128000)
    # At rest the request, source code included, is sealed under the master key.
    assert row.request_sealed
    assert "sys.stdin" not in row.request
    assert "sys.stdin" in stored.source_code
    answer = judge0.wait(token)
    assert (answer["status"]["id"], answer["stdout"], answer["language_id"]) == (3, "hi", 71)
    assert TIMESTAMP.match(answer["created_at"])
    assert TIMESTAMP.match(answer["finished_at"])


def test_base64_fields_and_batches(judge0: Judge0Api):
    source = "print('x' * 100)\n"
    answer = judge0.run(
        {"language_id": 71, "source_code": b64(source), "stdin": b64("")},
        "&base64_encoded=true&fields=stdout,source_code,status,time,language",
    )
    assert set(answer) == {"stdout", "source_code", "status", "time", "language"}
    expected = base64.b64encode(b"x" * 100 + b"\n").decode()
    # Ruby's encode64: a newline after every 60 characters and at the end.
    assert answer["stdout"] == "".join(expected[i : i + 60] + "\n" for i in range(0, 136, 60))
    assert len(expected) == 136
    assert unb64(answer["source_code"]) == source
    assert isinstance(answer["time"], str)
    assert answer["language"]["id"] == 71

    created = judge0.post(
        "/submissions/batch",
        {
            "submissions": [
                {"language_id": 71, "source_code": "print('a')"},
                {"language_id": 71},
                {"language_id": 50, "source_code": C_SUM, "stdin": "2 3", "expected_output": "5"},
            ]
        },
    )
    assert created.status_code == 201, created.text
    first, invalid, third = created.json()
    assert invalid == {"source_code": ["can't be blank"]}
    for token in (first["token"], third["token"]):
        judge0.wait(token)
    tokens = f"{first['token']},00000000-0000-4000-8000-000000000000,{third['token']}"
    listed = judge0.get("/submissions/batch", params={"tokens": tokens}).json()["submissions"]
    assert listed[1] is None
    assert (listed[0]["stdout"], listed[0]["status"]["id"]) == ("a\n", 3)
    assert (listed[2]["stdout"], listed[2]["status"]["id"]) == ("5\n", 3)
    assert set(listed[0]) == {
        "token",
        "time",
        "memory",
        "stdout",
        "stderr",
        "compile_output",
        "message",
        "status",
    }
    assert listed[0]["stderr"] is None  # empty output is null
    hidden = judge0.get("/submissions/batch", params={"tokens": tokens}, who="other").json()
    assert hidden["submissions"] == [None, None, None]
    assert judge0.get(f"/submissions/{first['token']}", who="other").status_code == 404
    assert judge0.get(f"/submissions/{first['token']}", who="teacher").status_code == 200


def test_outputs_are_compared_as_judge0_compares_them(judge0: Judge0Api):
    cases = [
        ("print('a b ')\nprint()\n", "a b\n\n\n", 3),  # trailing whitespace is ignored
        ("print('a  b')", "a b", 4),  # inner whitespace is not
        ("print(' a')", "a", 4),  # nor leading whitespace
        ("print('anything')", None, 3),  # no expected output: accepted
        ("pass", "", 3),  # empty against empty: accepted (Judge0 says WA)
    ]
    for source, expected, status in cases:
        body = {"language_id": 71, "source_code": source, "expected_output": expected}
        assert judge0.run(body)["status"]["id"] == status, (source, expected)


def test_statuses_of_failing_programs(judge0: Judge0Api):
    ce = judge0.run({"language_id": 50, "source_code": "int main(void) { return }"}, "&fields=*")
    assert ce["status"] == {"id": 6, "description": "Compilation Error"}
    assert "error" in ce["compile_output"]
    assert (ce["time"], ce["memory"], ce["stdout"]) == (None, None, None)

    tle = judge0.run({"language_id": 71, "source_code": "while True: pass", "cpu_time_limit": 1})
    assert (tle["status"]["id"], tle["message"]) == (5, "Time limit exceeded")

    nzec = judge0.run(
        {"language_id": 71, "source_code": "import sys\nprint('out')\nsys.exit(3)"}, "&fields=*"
    )
    assert (nzec["status"]["id"], nzec["exit_code"], nzec["stdout"]) == (11, 3, "out\n")
    assert nzec["message"] == "Exited with error status 3"
    raised = judge0.run({"language_id": 63, "source_code": "throw new Error('boom')"})
    assert raised["status"]["id"] == 11
    assert "boom" in raised["stderr"]

    segv = judge0.run(
        {"language_id": 50, "source_code": "int main(void){ return *(volatile int *)0; }"},
        "&fields=*",
    )
    assert (segv["status"]["id"], segv["exit_signal"]) == (7, 11)


def test_test_cases_extension_compiles_once_and_reports_every_test(judge0: Judge0Api):
    body = {
        "language_id": 54,
        "source_code": C_SUM.replace("stdio.h", "cstdio"),
        "test_cases": [
            {"stdin": "1 2", "expected_output": "3"},
            {"stdin": "2 2", "expected_output": "5"},
            {"stdin": "4 4", "expected_output": "8\n"},
        ],
    }
    answer = judge0.run(body, "&fields=*")
    assert answer["status"]["id"] == 4  # the first failing test decides
    assert answer["stdout"] == "4\n"
    results = answer["test_results"]
    assert [r["status"]["id"] for r in results] == [3, 4, 3]
    assert [r["stdout"] for r in results] == ["3\n", "4\n", "8\n"]
    assert all(isinstance(r["time"], str) and isinstance(r["memory"], int) for r in results)

    encoded = {
        "language_id": 71,
        "source_code": b64("print(input()[::-1])"),
        "test_cases": [{"stdin": b64("abc"), "expected_output": b64("cba")}],
    }
    answer = judge0.run(encoded, "&base64_encoded=true")
    assert answer["status"]["id"] == 3
    assert [unb64(r["stdout"]) for r in answer["test_results"]] == ["cba\n"]
    plain = judge0.run({"language_id": 71, "source_code": "print(1)"}, "&fields=*")
    assert "test_results" not in plain


def test_multi_file_programs_run_their_scripts(judge0: Judge0Api):
    files = {
        "compile": "gcc -O2 -o echo echo.c\n",
        "run": './echo "$@"\necho done >&2\nexit 4\n',
        "echo.c": (
            "#include <stdio.h>\nint main(void){int c;while((c=getchar())!=EOF)putchar(c);}\n"
        ),
    }
    framed = "BJ1 nonce 2\n\x00binary-ish\r\n  spaced  \n"
    answer = judge0.run(
        {"language_id": 89, "additional_files": zipped(files), "stdin": framed}, "&fields=*"
    )
    assert answer["stdout"] == framed  # verbatim: no stripping, no framing
    assert (answer["status"]["id"], answer["exit_code"]) == (11, 4)
    assert answer["stderr"] == "done\n"
    assert answer["additional_files"]

    scripts = {"run.sh": "/usr/bin/python3 -c 'print(input().upper())'\n"}
    body = {"language_id": 89, "source_code": "", "additional_files": zipped(scripts)}
    answer = judge0.run(body | {"stdin": "shout", "expected_output": "SHOUT"})
    assert (answer["status"]["id"], answer["stdout"]) == (3, "SHOUT\n")

    java = {
        "compile": "/usr/lib/jvm/java-17-openjdk-amd64/bin/javac Main.java\n",
        "run": "/usr/lib/jvm/java-17-openjdk-amd64/bin/java -Xmx64m -cp . Main\n",
        "Main.java": (
            'class Main { public static void main(String[] a) { System.out.print("jv"); } }'
        ),
    }
    body = {"language_id": 89, "additional_files": zipped(java), "memory_limit": 512000}
    answer = judge0.run(body)
    assert (answer["status"]["id"], answer["stdout"]) == (3, "jv"), answer

    broken = {"compile": "echo nope; exit 1\n", "run": "true\n"}
    answer = judge0.run({"language_id": 89, "additional_files": zipped(broken)})
    assert (answer["status"]["id"], answer["compile_output"]) == (6, "nope\n")

    for body, errors in (
        ({"language_id": 89}, {"additional_files": ["can't be blank"]}),
        (
            {"language_id": 89, "additional_files": zipped({"compile": "true"})},
            {"additional_files": ["must hold a `run` script at the root of the zip"]},
        ),
        (
            {"language_id": 89, "additional_files": b64("not a zip")},
            {"additional_files": ["is not a valid zip archive"]},
        ),
    ):
        response = judge0.post("/submissions", body)
        assert (response.status_code, response.json()) == (422, errors)


class _Recorder(BaseHTTPRequestHandler):
    received: list[tuple[str, dict]] = []  # noqa: RUF012 - shared with the test

    def do_PUT(self) -> None:
        length = int(self.headers["Content-Length"])
        self.received.append((self.path, json.loads(self.rfile.read(length))))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_callbacks_put_the_default_fields_in_base64(judge0: Judge0Api):
    server = HTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Recorder.received.clear()
    try:
        url = f"http://127.0.0.1:{server.server_port}/done"
        body = {"language_id": 71, "source_code": "print('called')", "callback_url": url}
        token = judge0.post("/submissions", body).json()["token"]
        deadline = time.monotonic() + 180
        while not _Recorder.received and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        server.shutdown()
        thread.join()
        server.server_close()
    [(path, sent)] = _Recorder.received
    assert path == "/done"
    assert set(sent) == {
        "token",
        "time",
        "memory",
        "stdout",
        "stderr",
        "compile_output",
        "message",
        "status",
    }
    assert (sent["token"], sent["status"]["id"]) == (token, 3)
    assert sent["stdout"] == "Y2FsbGVkCg==\n"


def test_callback_failures_do_not_fail_the_grading(judge0: Judge0Api):
    body = {"language_id": 71, "source_code": "print(2)", "callback_url": "http://127.0.0.1:9/x"}
    answer = judge0.run(body)
    assert (answer["status"]["id"], answer["stdout"]) == (3, "2\n")


def _store_row(database_url: str, token: str, status_id: int, request: Judge0Request) -> None:
    engine = make_engine(database_url)
    with make_session_factory(engine).begin() as session:
        session.add(
            Judge0Submission(
                token=token,
                user_id=None,
                language_id=request.language_id,
                status_id=status_id,
                request=request.to_json(),
                result=None,
                attempts=1,
            )
        )
    engine.dispose()


def test_a_restart_resumes_interrupted_submissions(database_url: str, sandbox_data_dir: Path):
    tokens = _users(database_url)
    request = Judge0Request(language_id=71, source_code="print('resumed')")
    interrupted = "11111111-1111-4111-8111-111111111111"
    queued = "22222222-2222-4222-8222-222222222222"
    _store_row(database_url, interrupted, 2, request)  # a worker died while Processing
    _store_row(database_url, queued, 1, request)  # committed, never enqueued
    settings = Settings(data_dir=sandbox_data_dir, database_url=database_url, sandbox_slots=2)
    with TestClient(create_app(settings)) as client:
        api = Judge0Api(client, tokens, settings)
        for token in (interrupted, queued):
            answer = api.wait(token, who="teacher")
            assert (answer["status"]["id"], answer["stdout"]) == (3, "resumed\n")


def test_a_job_delivered_twice_does_nothing_the_second_time(
    database_url: str, engine, registry: LanguageRegistry, tmp_path: Path
):
    request = Judge0Request(language_id=71, source_code="print(1)")
    token = "33333333-3333-4333-8333-333333333333"
    _store_row(database_url, token, 1, request)
    backend = FakeBackend(behave=lambda _input: FakeTest(output=b"1\n"))
    runtime = Judge0Runtime(
        backend=backend,
        registry=registry,
        multi_file=multi_file_bundle(registry, tmp_path),
        options=GradeOptions(),
        config=Judge0Config(),
    )
    context = Judge0JobContext(make_session_factory(engine), runtime)
    assert asyncio.run(grade_judge0_submission(context, token)) == 3
    assert len(backend.compiles) == len(backend.runs) == 1
    sessions = make_session_factory(engine)
    with sessions() as session:
        first = session.scalars(
            select(Judge0Submission).where(Judge0Submission.token == token)
        ).one()
        stored = (first.result, first.finished_at, first.attempts)
    assert asyncio.run(grade_judge0_submission(context, token)) is None
    assert len(backend.compiles) == len(backend.runs) == 1
    with sessions() as session:
        again = session.scalars(
            select(Judge0Submission).where(Judge0Submission.token == token)
        ).one()
        assert (again.result, again.finished_at, again.attempts) == stored


def test_infrastructure_failures_are_internal_errors(
    database_url: str, engine, registry: LanguageRegistry, tmp_path: Path
):
    token = "44444444-4444-4444-8444-444444444444"
    _store_row(database_url, token, 1, Judge0Request(language_id=71, source_code="print(1)"))
    backend = FakeBackend(behave=lambda _input: FakeTest(), fail_runs=True)
    runtime = Judge0Runtime(
        backend=backend,
        registry=registry,
        multi_file=multi_file_bundle(registry, tmp_path),
        options=GradeOptions(),
        config=Judge0Config(),
    )
    sessions = make_session_factory(engine)
    assert asyncio.run(grade_judge0_submission(Judge0JobContext(sessions, runtime), token)) == 13
    with sessions() as session:
        row = session.scalars(select(Judge0Submission).where(Judge0Submission.token == token)).one()
        result = Judge0Result.from_json(row.result or "")
    assert result.run.message
