"""The Judge0 API's pure parts: request checking, rendering, archives, the language list."""

import base64
import io
import zipfile
from collections.abc import Sequence
from datetime import UTC, datetime

import pytest

from batchjudge.domain.errors import SubmissionError
from batchjudge.execution.local.process import PlainRun
from batchjudge.languages.registry import LanguageRegistry
from batchjudge.services.judge0_api.archive import unpack_archive
from batchjudge.services.judge0_api.config import Judge0Config
from batchjudge.services.judge0_api.languages import Judge0Catalog
from batchjudge.services.judge0_api.requests import Judge0Request
from batchjudge.services.judge0_api.results import Judge0Result, Judge0Run
from batchjudge.services.judge0_api.validation import parse_request
from batchjudge.services.judge0_api.views import Judge0View, parse_fields, render

VERSIONS = {
    "/usr/bin/gcc": b"12.2.0\n",
    "/usr/bin/g++": b"12.2.0\n",
    "/usr/bin/python3": b"Python 3.11.2\n",
    "/usr/bin/node": b"v20.20.2\n",
}


def fake_prober(argv: Sequence[str], _timeout_s: float) -> PlainRun:
    if argv[0].endswith("/java"):
        return PlainRun(0, b"", b'openjdk version "17.0.15" 2025-04-15\n')
    return PlainRun(0, VERSIONS[argv[0]], b"")


@pytest.fixture(scope="module")
def catalog() -> Judge0Catalog:
    return Judge0Catalog.probe(LanguageRegistry.load(), fake_prober)


def parse(catalog: Judge0Catalog, body: dict, base64_encoded: bool = False):
    return parse_request(
        body,
        base64=base64_encoded,
        catalog=catalog,
        config=Judge0Config(),
        max_source_bytes=1000,
    )


def test_names_carry_the_probed_versions(catalog: Judge0Catalog):
    names = {language.id: language.name for language in catalog.languages()}
    assert names == {
        50: "C (GCC 12.2.0)",
        52: "C++ (GCC 12.2.0)",
        54: "C++ (GCC 12.2.0)",
        62: "Java (OpenJDK 17.0.15)",
        63: "JavaScript (Node.js 20.20.2)",
        71: "Python (3.11.2)",
        89: "Multi-file program",
    }
    broken = Judge0Catalog.probe(LanguageRegistry.load(), lambda _a, _t: PlainRun(-1, b"", b""))
    assert broken.get(71) is not None
    assert broken.get(71).name == "Python (unknown)"  # type: ignore[union-attr]


def test_requests_take_judge0s_loose_types_and_drop_unknown_keys(catalog: Judge0Catalog):
    request = parse(
        catalog,
        {
            "language_id": "71",
            "source_code": "print(1)",
            "memory_limit": 128000.0,
            "cpu_time_limit": "2.5",
            "redirect_stderr_to_stdout": "true",
            "whatever": 1,
        },
    )
    assert isinstance(request, Judge0Request)
    assert (request.language_id, request.memory_limit, request.cpu_time_limit) == (71, 128000, 2.5)
    assert request.redirect_stderr_to_stdout is True
    assert request.wall_time_limit == 10.0  # the default


def test_invalid_requests_list_every_problem(catalog: Judge0Catalog):
    errors = parse(
        catalog,
        {
            "language_id": 71,
            "source_code": "x" * 1001,
            "wall_time_limit": 0.5,
            "max_file_size": 10**9,
            "compiler_options": "-O3",
            "test_cases": "nope",
        },
    )
    assert errors == {
        "source_code": ["is too long (maximum is 1000 bytes)"],
        "test_cases": ["must be a list of objects with stdin and expected_output"],
        "compiler_options": ["setting compiler options is not allowed"],
        "wall_time_limit": ["must be greater than or equal to 1"],
        "max_file_size": ["must be less than or equal to 65536"],
    }
    assert parse(catalog, {"language_id": True, "source_code": "x"}) == {
        "language_id": ["is not a number"]
    }


def test_bytes_that_are_not_utf8_survive_storage(catalog: Judge0Catalog):
    raw = b"\xff\xfe binary \x00"
    request = parse(
        catalog,
        {
            "language_id": 71,
            "source_code": base64.b64encode(b"print(1)").decode(),
            "test_cases": [{"stdin": base64.b64encode(raw).decode(), "expected_output": None}],
        },
        base64_encoded=True,
    )
    assert isinstance(request, Judge0Request)
    again = Judge0Request.from_json(request.to_json())
    assert again == request
    assert again.test_cases is not None
    assert again.test_cases[0].stdin is not None
    assert again.test_cases[0].stdin.encode("utf-8", "surrogateescape") == raw


def view(request: Judge0Request, result: Judge0Result | None) -> Judge0View:
    moment = datetime(2024, 4, 3, 5, 40, 51, 306999, tzinfo=UTC)
    return Judge0View("tok", None, result.status_id if result else 1, request, result, moment, None)


def test_rendering_follows_fields_and_base64():
    request = Judge0Request(language_id=71, source_code="print(1)", cpu_time_limit=2)
    result = Judge0Result(Judge0Run(3, stdout="1\n", time=0.0123, memory=900))
    shown = render(view(request, result), None, base64=False)
    assert shown == {
        "token": "tok",
        "time": "0.012",
        "memory": 900,
        "stdout": "1\n",
        "stderr": None,
        "compile_output": None,
        "message": None,
        "status": {"id": 3, "description": "Accepted"},
    }
    every = render(view(request, result), ("*",), base64=True, language_name="Python (3.11.2)")
    assert every["stdout"] == "MQo=\n"
    assert every["cpu_time_limit"] == "2.0"
    assert every["created_at"] == "2024-04-03T05:40:51.306Z"
    assert every["finished_at"] is None
    assert every["language"] == {"id": 71, "name": "Python (3.11.2)"}
    assert "test_results" not in every
    waiting = render(view(request, None), ("status", "stdout"), base64=False)
    assert waiting == {"status": {"id": 1, "description": "In Queue"}, "stdout": None}


def test_output_that_is_not_utf8_needs_base64():
    request = Judge0Request(language_id=71, source_code="x")
    result = Judge0Result(Judge0Run(3, stdout=b"\xff".decode("utf-8", "surrogateescape")))
    with pytest.raises(SubmissionError):
        render(view(request, result), None, base64=False)
    assert render(view(request, result), None, base64=True)["stdout"] == "/w==\n"


def test_fields_are_checked():
    assert parse_fields(None) is None
    assert parse_fields(" ") is None
    assert parse_fields("*") == ("*",)
    assert parse_fields("stdout, status,stdout") == ("stdout", "status")
    with pytest.raises(SubmissionError, match=r"invalid fields: \[x, id\]"):
        parse_fields("stdout,x,id")


def zip_of(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def test_archives_are_unpacked_safely():
    assert unpack_archive(zip_of({"run": b"echo", "lib/a.py": b"1"}), 100) == {
        "run": b"echo",
        "lib/a.py": b"1",
    }
    with pytest.raises(SubmissionError, match="outside"):
        unpack_archive(zip_of({"../evil": b"x"}), 100)
    with pytest.raises(SubmissionError, match="more than"):
        unpack_archive(zip_of({"big": b"x" * 2048}), 1024)
    with pytest.raises(SubmissionError, match="not a valid zip"):
        unpack_archive(b"plain text", 100)
