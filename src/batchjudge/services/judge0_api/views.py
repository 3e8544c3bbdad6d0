"""A Judge0 submission as the API shows it: which fields, and how each is written."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from batchjudge.domain.errors import SubmissionError
from batchjudge.judge0.fields import ALL_FIELDS, DEFAULT_FIELDS
from batchjudge.judge0.statuses import Judge0Status
from batchjudge.judge0.wire import decimal_string, decode_base64, encode_base64, timestamp
from batchjudge.services.judge0_api.requests import Judge0Request, to_bytes
from batchjudge.services.judge0_api.results import Judge0Result, Judge0Run

#: Our extension: the per-test results of a submission sent with `test_cases`.
TEST_RESULTS = "test_results"
KNOWN_FIELDS = frozenset((*ALL_FIELDS, TEST_RESULTS))
#: Text fields written as base64 when `base64_encoded=true`.
_TEXT_FIELDS = frozenset(
    ("source_code", "stdin", "expected_output", "stdout", "stderr", "compile_output", "message")
)
_DECIMAL_FIELDS = frozenset(
    ("time", "wall_time", "cpu_time_limit", "cpu_extra_time", "wall_time_limit")
)
_RUN_FIELDS = (
    "stdout",
    "stderr",
    "message",
    "exit_code",
    "exit_signal",
    "time",
    "wall_time",
    "memory",
)
NOT_UTF8 = "use base64_encoded=true query parameter"


@dataclass(frozen=True)
class Judge0View:
    """One stored submission: its request and, once finished, its result."""

    token: str
    user_id: int | None
    status_id: int
    request: Judge0Request
    result: Judge0Result | None
    created_at: datetime
    finished_at: datetime | None


def parse_fields(raw: str | None) -> tuple[str, ...] | None:
    """The `fields` query parameter as names; None means Judge0's defaults and `*` all.

    Raises:
        SubmissionError: unknown names, with Judge0's message.
    """
    names = [name.strip() for name in (raw or "").split(",") if name.strip()]
    if not names:
        return None
    if "*" in names:
        return ("*",)
    unknown = [name for name in names if name not in KNOWN_FIELDS]
    if unknown:
        raise SubmissionError(f"invalid fields: [{', '.join(unknown)}]")
    return tuple(dict.fromkeys(names))


def _chosen(view: Judge0View, fields: Sequence[str] | None) -> Sequence[str]:
    extended = (TEST_RESULTS,) if view.request.test_cases is not None else ()
    if fields is None:
        return (*DEFAULT_FIELDS, *extended)
    if fields == ("*",):
        return (*ALL_FIELDS, *extended)
    return fields


def _writer(base64: bool) -> Callable[[str | None], str | None]:
    def write(text: str | None) -> str | None:
        if text is None:
            return None
        if base64:
            return encode_base64(to_bytes(text))
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise SubmissionError(NOT_UTF8) from None
        return text

    return write


def _status(status_id: int) -> dict[str, object]:
    return {"id": status_id, "description": Judge0Status(status_id).description}


def _run_values(run: Judge0Run | None) -> dict[str, object]:
    if run is None:
        return dict.fromkeys(_RUN_FIELDS)
    return {name: getattr(run, name) for name in _RUN_FIELDS}


def _written(name: str, value: object, write: Callable[[str | None], str | None]) -> object:
    if name in _TEXT_FIELDS:
        assert value is None or isinstance(value, str)
        return write(value)
    if name in _DECIMAL_FIELDS:
        assert value is None or isinstance(value, int | float)
        return decimal_string(value)
    return value


def _test_results(view: Judge0View, write: Callable[[str | None], str | None]) -> object:
    if view.result is None or view.result.test_results is None:
        return None if view.request.test_cases is None else []
    return [
        {"status": _status(run.status_id)}
        | {name: _written(name, value, write) for name, value in _run_values(run).items()}
        for run in view.result.test_results
    ]


def render(
    view: Judge0View, fields: Sequence[str] | None, base64: bool, language_name: str | None = None
) -> dict[str, object]:
    """The submission's JSON object with the chosen fields (`language_name` names its
    language in the `language` field).

    Raises:
        SubmissionError: a text is not UTF-8 and `base64` is off.
    """
    write = _writer(base64)
    request = view.request
    result = view.result
    values: dict[str, object] = {
        name: getattr(request, name)
        for name in ALL_FIELDS
        if name in request.__dataclass_fields__ and name != "additional_files"
    }
    values |= _run_values(result.run if result is not None else None)
    values |= {
        "token": view.token,
        "status_id": view.status_id,
        "status": _status(view.status_id),
        "language": {"id": request.language_id, "name": language_name},
        "created_at": timestamp(view.created_at),
        "finished_at": timestamp(view.finished_at),
        "compile_output": result.compile_output if result is not None else None,
        "additional_files": (
            encode_base64(decode_base64(request.additional_files))
            if request.additional_files
            else None
        ),
    }
    chosen = _chosen(view, fields)
    body: dict[str, object] = {}
    for name in chosen:
        if name == TEST_RESULTS:
            body[name] = _test_results(view, write)
        else:
            body[name] = _written(name, values[name], write)
    return body
