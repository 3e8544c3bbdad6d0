"""A scripted fake Judge0 server over httpx.MockTransport, emulating our drivers.

It speaks the v1.13.x contract the way the real server does: Ruby base64 (newline every
60 characters) in answers, decimals as strings, `null` for empty outputs, `fields`
validation, batch GETs with `null` for unknown tokens, 401 with an empty body. A
language-89 submission is unpacked (zip, `compile` and `run` scripts) and its BJ1 stdin
is answered with frames as a real driver would, test by test, as `behave` says.
"""

import asyncio
import base64
import io
import json
import shlex
import uuid
import zipfile
from collections import Counter, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from batchjudge.execution.judge0.clock import Clock
from batchjudge.judge0.fields import ALL_FIELDS, DEFAULT_FIELDS
from batchjudge.judge0.wire import decimal_string, decode_base64, encode_base64
from batchjudge.languages.framing import (
    Frame,
    FrameStatus,
    decode_batch,
    encode_end,
    encode_frame,
)

BASE_URL = "http://judge0.test"

#: Judge0 CE 1.13.1 (a subset): id, name, compile_cmd, run_cmd.
LANGUAGES_1_13 = [
    (43, "Plain Text", None, "/bin/cat"),
    (48, "C (GCC 7.4.0)", "/usr/local/gcc-7.4.0/bin/gcc %s main.c", "./a.out"),
    (49, "C (GCC 8.3.0)", "/usr/local/gcc-8.3.0/bin/gcc %s main.c", "./a.out"),
    (50, "C (GCC 9.2.0)", "/usr/local/gcc-9.2.0/bin/gcc %s main.c", "./a.out"),
    (52, "C++ (GCC 7.4.0)", "/usr/local/gcc-7.4.0/bin/g++ %s main.cpp", "./a.out"),
    (53, "C++ (GCC 8.3.0)", "/usr/local/gcc-8.3.0/bin/g++ %s main.cpp", "./a.out"),
    (54, "C++ (GCC 9.2.0)", "/usr/local/gcc-9.2.0/bin/g++ %s main.cpp", "./a.out"),
    (62, "Java (OpenJDK 13.0.1)", "/usr/local/openjdk13/bin/javac %s Main.java",
     "/usr/local/openjdk13/bin/java Main"),
    (63, "JavaScript (Node.js 12.14.0)", None, "/usr/local/node-12.14.0/bin/node script.js"),
    (70, "Python (2.7.17)", None, "/usr/local/python-2.7.17/bin/python2 script.py"),
    (71, "Python (3.8.1)", None, "/usr/local/python-3.8.1/bin/python3 script.py"),
    (75, "C (Clang 7.0.1)", "/usr/bin/clang-7 %s main.c", "./a.out"),
    (76, "C++ (Clang 7.0.1)", "/usr/bin/clang++-7 %s main.cpp", "./a.out"),
    (89, "Multi-file program", "/bin/bash compile", "/bin/bash run"),
]  # fmt: skip

#: What hosted CE "1.14.0" adds (names as third-party clients show them).
LANGUAGES_1_14 = [
    *LANGUAGES_1_13,
    (91, "Java (JDK 17.0.6)", "/usr/local/jdk17/bin/javac %s Main.java",
     "/usr/local/jdk17/bin/java Main"),
    (92, "Python (3.11.2)", None, "/usr/local/python-3.11.2/bin/python3 script.py"),
    (93, "JavaScript (Node.js 18.15.0)", None, "/usr/local/node-18.15.0/bin/node script.js"),
    (96, "JavaFX (JDK 17.0.6, OpenJFX 22.0.2)", "/usr/local/jdk17/bin/javac %s Main.java",
     "/usr/local/jdk17/bin/java Main"),
    (97, "JavaScript (Node.js 20.17.0)", None, "/usr/local/node-20.17.0/bin/node script.js"),
    (100, "Python (3.12.5)", None, "/usr/local/python-3.12.5/bin/python3 script.py"),
    (102, "JavaScript (Node.js 22.08.0)", None, "/usr/local/node-22.08.0/bin/node script.js"),
    (103, "C (GCC 14.1.0)", "/usr/local/gcc-14.1.0/bin/gcc %s main.c", "./a.out"),
    (104, "C (Clang 18.1.8)", "/usr/local/clang-18/bin/clang %s main.c", "./a.out"),
    (105, "C++ (GCC 14.1.0)", "/usr/local/gcc-14.1.0/bin/g++ %s main.cpp", "./a.out"),
    (109, "Python (3.13.2)", None, "/usr/local/python-3.13.2/bin/python3 script.py"),
    (113, "Python (3.14.0)", None, "/usr/local/python-3.14.0/bin/python3 script.py"),
]  # fmt: skip

#: Every key of a CE 1.13.1 `/config_info`, with its defaults.
CONFIG_INFO: dict[str, Any] = {
    "maintenance_mode": False,
    "enable_wait_result": True,
    "enable_compiler_options": True,
    "allowed_languages_for_compile_options": [],
    "enable_command_line_arguments": True,
    "enable_submission_delete": False,
    "enable_callbacks": True,
    "callbacks_max_tries": 3,
    "callbacks_timeout": 5.0,
    "enable_additional_files": True,
    "max_queue_size": 100,
    "cpu_time_limit": 5.0,
    "max_cpu_time_limit": 15.0,
    "cpu_extra_time": 1.0,
    "max_cpu_extra_time": 5.0,
    "wall_time_limit": 10.0,
    "max_wall_time_limit": 20.0,
    "memory_limit": 128000,
    "max_memory_limit": 512000,
    "stack_limit": 64000,
    "max_stack_limit": 128000,
    "max_processes_and_or_threads": 60,
    "max_max_processes_and_or_threads": 120,
    "enable_per_process_and_thread_time_limit": False,
    "allow_enable_per_process_and_thread_time_limit": True,
    "enable_per_process_and_thread_memory_limit": False,
    "allow_enable_per_process_and_thread_memory_limit": True,
    "max_file_size": 1024,
    "max_max_file_size": 4096,
    "number_of_runs": 1,
    "max_number_of_runs": 20,
    "redirect_stderr_to_stdout": False,
    "max_extract_size": 10240,
    "enable_batched_submissions": True,
    "max_submission_batch_size": 20,
    "submission_cache_duration": 1.0,
    "use_docs_as_homepage": False,
    "allow_enable_network": True,
    "enable_network": False,
}

_SEGV = b"run: line 1:     7 Segmentation fault      (core dumped) ./prog\n"
_TEXT_FIELDS = frozenset({"stdout", "stderr", "compile_output", "message"})
_DESCRIPTIONS = {
    1: "In Queue", 2: "Processing", 3: "Accepted", 4: "Wrong Answer",
    5: "Time Limit Exceeded", 6: "Compilation Error", 7: "Runtime Error (SIGSEGV)",
    8: "Runtime Error (SIGXFSZ)", 9: "Runtime Error (SIGFPE)", 10: "Runtime Error (SIGABRT)",
    11: "Runtime Error (NZEC)", 12: "Runtime Error (Other)", 13: "Internal Error",
    14: "Exec Format Error",
}  # fmt: skip


class VirtualClock(Clock):
    """Time that moves only when someone sleeps: fast, deterministic tests."""

    def __init__(self) -> None:
        self.t = 0.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.t

    def now(self) -> datetime:
        return datetime(2026, 1, 1, tzinfo=UTC) + timedelta(seconds=self.t)

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.t += max(seconds, 0.0)
        await asyncio.sleep(0)


@dataclass(frozen=True)
class FakeRun:
    """How one test goes on the fake server.

    Attributes:
        output: what the test prints.
        status: the frame status the driver reports.
        cpu_s: CPU seconds the test uses (they add up against the submission's limit).
        crash: the whole driver dies in this test (SIGSEGV, seen through Judge0's bash).
        oom: the whole execution is OOM-killed in this test.
    """

    output: bytes = b""
    status: FrameStatus = FrameStatus.OK
    cpu_s: float = 0.01
    crash: bool = False
    oom: bool = False


def echo(test_input: bytes) -> FakeRun:
    return FakeRun(output=test_input)


def compile_fails_on_syntax(files: dict[str, bytes]) -> str | None:
    if any(b"SYNTAX" in content for content in files.values()):
        return "main.c:1:1: error: expected ';' before '}' token\n"
    return None


@dataclass
class Received:
    """A language-89 submission as the fake unpacked it."""

    token: str
    body: dict[str, Any]
    files: dict[str, bytes]
    compile_argv: list[str] | None
    run_argv: list[str]
    nonce: str
    indexes: list[int]
    created: float
    result: dict[str, Any]


Scripted = httpx.Response | Exception | Callable[[httpx.Request], Awaitable[httpx.Response]]


@dataclass
class FakeJudge0:
    """The server. Routes are named for `script` and `counts`: `config_info`,
    `languages`, `language`, `create`, `poll` (batch GET) and `get` (single GET).

    Attributes:
        clock: the virtual clock the backend shares.
        languages: (id, name, compile_cmd, run_cmd) rows.
        config: `/config_info` overrides.
        behave: maps a test's input to how it goes.
        compile_error: compiler messages for the program files, or None when it compiles.
        duration_s: time from create to finished (queued for the first fifth).
        auth_tokens: accepted X-Auth-Token / X-RapidAPI-Key values; None: no auth.
        script: per route, answers given before the normal ones (responses, exceptions
            to raise, or async handlers).
        on_callback: called (url, body) when a submission with a callback_url finishes.
        prefix: a path prefix the server lives under (`/judge0`).
        headers: added to every normal answer (RapidAPI's quota headers).
    """

    clock: VirtualClock
    languages: list[tuple[int, str, str | None, str | None]] = field(
        default_factory=lambda: list(LANGUAGES_1_14)
    )
    config: dict[str, Any] = field(default_factory=dict)
    behave: Callable[[bytes], FakeRun] = echo
    compile_error: Callable[[dict[str, bytes]], str | None] = compile_fails_on_syntax
    duration_s: float = 1.0
    auth_tokens: set[str] | None = None
    script: dict[str, deque[Scripted]] = field(default_factory=dict)
    on_callback: Callable[[str, dict[str, Any]], Awaitable[None]] | None = None
    received: dict[str, Received] = field(default_factory=dict)
    counts: Counter[str] = field(default_factory=Counter)
    requests: list[httpx.Request] = field(default_factory=list)
    poll_sizes: list[int] = field(default_factory=list)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    prefix: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    times: list[tuple[str, float]] = field(default_factory=list)

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def then(self, route: str, *answers: Scripted) -> None:
        """Queue scripted answers for `route`."""
        self.script.setdefault(route, deque()).extend(answers)

    async def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        route = _route(request.method, request.url.path.removeprefix(self.prefix))
        self.counts[route] += 1
        self.times.append((route, self.clock.monotonic()))
        queued = self.script.get(route)
        if queued:
            answer = queued.popleft()
            if isinstance(answer, Exception):
                raise answer
            if isinstance(answer, httpx.Response):
                return answer
            return await answer(request)
        if self.auth_tokens is not None:
            given = request.headers.get("x-auth-token") or request.headers.get("x-rapidapi-key")
            if given not in self.auth_tokens:
                return httpx.Response(401)
        response = self._answer(route, request)
        response.headers.update(self.headers)
        return response

    def _answer(self, route: str, request: httpx.Request) -> httpx.Response:
        if route == "config_info":
            return httpx.Response(200, json={**CONFIG_INFO, **self.config})
        if route == "languages":
            rows = sorted(self.languages, key=lambda row: row[1])
            return httpx.Response(200, json=[{"id": r[0], "name": r[1]} for r in rows])
        if route == "language":
            wanted = int(request.url.path.rsplit("/", 1)[1])
            for lid, name, compile_cmd, run_cmd in self.languages:
                if lid == wanted:
                    return httpx.Response(200, json={
                        "id": lid, "name": name, "is_archived": False,
                        "source_file": "main", "compile_cmd": compile_cmd, "run_cmd": run_cmd,
                    })  # fmt: skip
            return httpx.Response(404, json={"status": 404, "error": "Not Found"})
        if route == "create":
            return self._create(request)
        return self._read(route, request)

    def _create(self, request: httpx.Request) -> httpx.Response:
        assert request.url.params.get("base64_encoded") == "true"
        assert request.url.params.get("wait") == "false"
        body = json.loads(request.content)
        assert body["language_id"] == 89, body["language_id"]
        assert not body.get("source_code")
        files = _unzip(base64.b64decode(body["additional_files"]))
        compile_argv = _script_argv(files.pop("compile")) if "compile" in files else None
        run_argv = _script_argv(files.pop("run"))
        nonce, items = decode_batch(decode_base64(body["stdin"]))
        token = str(uuid.uuid4())
        result = self._execute(body, files, items, nonce, compile_argv is not None)
        self.received[token] = Received(
            token, body, files, compile_argv, run_argv, nonce,
            [item.index for item in items], self.clock.monotonic(), result,
        )  # fmt: skip
        if body.get("callback_url") and self.on_callback is not None:
            self.tasks.append(asyncio.get_running_loop().create_task(self._call_back(token)))
        return httpx.Response(201, json={"token": token})

    async def _call_back(self, token: str) -> None:
        for _ in range(5):
            await asyncio.sleep(0)
        received = self.received[token]
        body = {name: _shown(name, received.result.get(name)) for name in DEFAULT_FIELDS}
        body["token"] = token
        body["status"] = _shown("status", received.result["status_id"])
        assert self.on_callback is not None
        await self.on_callback(received.body["callback_url"], body)

    def _execute(
        self, body: dict[str, Any], files: dict[str, bytes], items: list[Any], nonce: str,
        compiles: bool,
    ) -> dict[str, Any]:  # fmt: skip
        """Run the 'driver' now; the answer is revealed when the run is due to finish."""
        if compiles and (message := self.compile_error(files)) is not None:
            return {"status_id": 6, "compile_output": message.encode()}
        stdout = bytearray()
        cpu = 0.0
        cap = int(body["max_file_size"]) * 1024
        for item in items:
            run = self.behave(item.input)
            cpu += run.cpu_s
            if cpu > float(body["cpu_time_limit"]):
                return _ended(5, stdout, float(body["cpu_time_limit"]), 4000, None,
                              "Time limit exceeded")  # fmt: skip
            if run.crash:
                return _ended(11, stdout, cpu, 4000, 139, "Exited with error status 139", _SEGV)
            if run.oom:
                return _ended(11, stdout, cpu, int(body["memory_limit"]), 137,
                              "Exited with error status 137")  # fmt: skip
            frame = Frame(item.index, run.status, run.cpu_s, run.cpu_s, 3000,
                          0 if run.status is FrameStatus.OK else 1, 0, run.output, b"")  # fmt: skip
            encoded = encode_frame(nonce, frame)
            if len(stdout) + len(encoded) > cap:
                stdout += encoded[: cap - len(stdout)]
                return _ended(11, stdout, cpu, 4000, 153, "Exited with error status 153")
            stdout += encoded
        stdout += encode_end(nonce)
        return _ended(3, stdout, cpu, 4000, 0, None)

    def _read(self, route: str, request: httpx.Request) -> httpx.Response:
        params = request.url.params
        assert params.get("base64_encoded") == "true"
        fields = params.get("fields", "").split(",") if params.get("fields") else DEFAULT_FIELDS
        bad = [name for name in fields if name not in ALL_FIELDS]
        if bad:
            return httpx.Response(400, json={"error": f"invalid fields: [{', '.join(bad)}]"})
        if route == "get":
            token = request.url.path.rsplit("/", 1)[1]
            if token not in self.received:
                return httpx.Response(404, json={"status": 404, "error": "Not Found"})
            return httpx.Response(200, json=self._view(token, fields))
        tokens = params.get("tokens", "").split(",")
        self.poll_sizes.append(len(tokens))
        if len(tokens) > int({**CONFIG_INFO, **self.config}["max_submission_batch_size"]):
            return httpx.Response(400, json={"error": "number of submissions in a batch "
                                             "should be less than or equal to 20"})  # fmt: skip
        views = [self._view(t, fields) if t in self.received else None for t in tokens]
        return httpx.Response(200, json={"submissions": views})

    def _view(self, token: str, fields: list[str]) -> dict[str, Any]:
        received = self.received[token]
        age = self.clock.monotonic() - received.created
        if age >= self.duration_s:
            values = received.result
        else:
            values = {"status_id": 1 if age < self.duration_s / 5 else 2}
        view = {name: _shown(name, values.get(name)) for name in fields}
        if "status" in view:
            view["status"] = _shown("status", values["status_id"])
        if "token" in view:
            view["token"] = token
        return view


def _shown(name: str, value: Any) -> Any:
    if name in _TEXT_FIELDS:
        return encode_base64(value) if value else None
    if name == "status":
        return None if value is None else {"id": value, "description": _DESCRIPTIONS[value]}
    if name in ("time", "wall_time"):
        return decimal_string(value)
    return value


def _ended(
    status: int, stdout: bytearray, cpu: float, memory: int, exit_code: int | None,
    message: str | None, stderr: bytes = b"",
) -> dict[str, Any]:  # fmt: skip
    return {
        "status_id": status,
        "stdout": bytes(stdout),
        "stderr": stderr,
        "message": message.encode() if message else None,
        "time": cpu,
        "wall_time": cpu + 0.05,
        "memory": memory,
        "exit_code": exit_code,
        "exit_signal": None,
    }


def _route(method: str, path: str) -> str:
    if path == "/config_info":
        return "config_info"
    if path == "/languages":
        return "languages"
    if path.startswith("/languages/"):
        return "language"
    if path == "/submissions" and method == "POST":
        return "create"
    if path == "/submissions/batch":
        return "poll"
    return "get"


def _unzip(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _script_argv(script: bytes) -> list[str]:
    """The command a `compile`/`run` script execs (its last line)."""
    lines = script.decode().strip().splitlines()
    assert lines[0] == "#!/bin/bash", lines
    *_, last = lines
    assert last.startswith("exec "), last
    return shlex.split(last[len("exec ") :])


def json_response(
    status: int, body: object, headers: dict[str, str] | None = None
) -> httpx.Response:
    return httpx.Response(status, json=body, headers=headers)
