"""Checking a Judge0 submission request field by field, with Judge0's (Rails') messages:
every problem is reported at once, as `{"field": ["message", ...]}` (the 422 body)."""

import math
from collections.abc import Mapping
from typing import Any

from batchjudge.domain.errors import SubmissionError
from batchjudge.judge0.wire import decode_base64
from batchjudge.services.judge0_api.archive import RUN_SCRIPTS, script, unpack_archive
from batchjudge.services.judge0_api.config import MULTI_FILE_LANGUAGE_ID, Judge0Config
from batchjudge.services.judge0_api.languages import Judge0Catalog
from batchjudge.services.judge0_api.requests import Judge0Case, Judge0Request, to_bytes, to_text

#: Most test cases one submission may carry (our `test_cases` extension).
MAX_TEST_CASES = 1000
_TRUE = {"true", "1", "t", "yes", "on"}
_FALSE = {"false", "0", "f", "no", "off", ""}

FieldErrors = dict[str, list[str]]


class _Checker:
    """Reads one request body, collecting Judge0-style messages per field."""

    def __init__(self, body: Mapping[str, Any], base64: bool, config: Judge0Config) -> None:
        self.body = body
        self.base64 = base64
        self.config = config
        self.errors: FieldErrors = {}

    def fail(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)

    def number(
        self, name: str, default: float, low: float, high: float, *, above: bool = False
    ) -> float:
        value = self.body.get(name)
        if value is None:
            return default
        try:
            if isinstance(value, bool):
                raise ValueError
            number = float(value)
        except (TypeError, ValueError):
            number = math.nan
        if not math.isfinite(number):
            self.fail(name, "is not a number")
            return default
        if above and number <= low:
            self.fail(name, f"must be greater than {low:g}")
        elif number < low:
            self.fail(name, f"must be greater than or equal to {low:g}")
        elif number > high:
            self.fail(name, f"must be less than or equal to {high:g}")
        return number

    def integer(self, name: str, default: int, low: int, high: int, *, above: bool = False) -> int:
        # Judge0 (Rails) casts 128000.0 and "128000" to integers; so do we.
        return int(self.number(name, default, low, high, above=above))

    def flag(self, name: str, default: bool, allowed: bool = True) -> bool:
        value = self.body.get(name)
        if value is None:
            return default
        if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
            value = value.strip().lower() in _TRUE
        elif isinstance(value, int | float) and value in (0, 1):
            value = bool(value)
        if not isinstance(value, bool):
            self.fail(name, "is not included in the list")
            return default
        if value and not allowed:
            self.fail(name, "this option cannot be enabled")
        return value

    def string(self, name: str, *, encoded: bool = False) -> str | None:
        value = self.body.get(name)
        if value is None:
            return None
        if not isinstance(value, str):
            self.fail(name, "must be a string")
            return None
        return self.text(name, value, encoded)

    def text(self, name: str, value: str, encoded: bool) -> str | None:
        if encoded:
            try:
                return to_text(decode_base64(value))
            except ValueError:
                self.fail(name, "is not valid base64")
                return None
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            self.fail(name, "is not valid UTF-8")
            return None
        return value


def _language_id(check: _Checker, catalog: Judge0Catalog) -> int | None:
    raw = check.body.get("language_id")
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        check.fail("language_id", "can't be blank")
        return None
    try:
        if isinstance(raw, bool):
            raise ValueError
        number = float(raw)
        if not number.is_integer():
            raise ValueError
    except (TypeError, ValueError):
        check.fail("language_id", "is not a number")
        return None
    language_id = int(number)
    language = catalog.get(language_id)
    if language is None:
        check.fail("language_id", f"language with id {language_id} doesn't exist")
        return None
    if language.is_archived:
        check.fail("language_id", f"language with id {language_id} is archived and cannot be used")
        return None
    return language_id


def _source(check: _Checker, language_id: int | None, max_source_bytes: int) -> str | None:
    source = check.string("source_code", encoded=check.base64)
    blank = source is None or not source.strip()
    if language_id == MULTI_FILE_LANGUAGE_ID:
        if not blank:
            check.fail("source_code", "must be blank for the multi-file program language")
        return None
    if blank and "source_code" not in check.errors:
        check.fail("source_code", "can't be blank")
    elif source is not None and len(to_bytes(source)) > max_source_bytes:
        check.fail("source_code", f"is too long (maximum is {max_source_bytes} bytes)")
    return source


def _additional_files(check: _Checker, language_id: int | None) -> str | None:
    raw = check.body.get("additional_files")
    multi_file = language_id == MULTI_FILE_LANGUAGE_ID
    if raw is None or raw == "":
        if multi_file:
            check.fail("additional_files", "can't be blank")
        return None
    if not multi_file:
        check.fail("additional_files", "are only supported by the multi-file program language")
        return None
    if not isinstance(raw, str):
        check.fail("additional_files", "must be a string")
        return None
    try:
        # Always base64, whatever `base64_encoded` says (as in Judge0).
        files = unpack_archive(decode_base64(raw), check.config.max_extract_size << 10)
    except ValueError:
        check.fail("additional_files", "is not valid base64")
        return None
    except SubmissionError as exc:
        check.fail("additional_files", str(exc))
        return None
    if script(files, RUN_SCRIPTS) is None:
        check.fail("additional_files", "must hold a `run` script at the root of the zip")
        return None
    return "".join(raw.split())


def _test_cases(check: _Checker, language_id: int | None) -> tuple[Judge0Case, ...] | None:
    raw = check.body.get("test_cases")
    if raw is None or raw == []:
        return None
    shape = "must be a list of objects with stdin and expected_output"
    if not isinstance(raw, list) or not all(isinstance(case, dict) for case in raw):
        check.fail("test_cases", shape)
        return None
    if len(raw) > MAX_TEST_CASES:
        check.fail("test_cases", f"is too long (maximum is {MAX_TEST_CASES} test cases)")
        return None
    if language_id == MULTI_FILE_LANGUAGE_ID:
        check.fail("test_cases", "are not supported by the multi-file program language")
        return None
    for name in ("stdin", "expected_output"):
        if check.body.get(name) is not None:
            check.fail(name, "must be blank when test_cases are given")
    cases = []
    for case in raw:
        values = []
        for name in ("stdin", "expected_output"):
            value = case.get(name)
            if value is not None and not isinstance(value, str):
                check.fail("test_cases", shape)
                return None
            values.append(None if value is None else check.text("test_cases", value, check.base64))
        cases.append(Judge0Case(values[0], values[1]))
    return tuple(cases)


def _optional_feature(check: _Checker, name: str, message: str) -> None:
    value = check.body.get(name)
    if value is not None and (not isinstance(value, str) or value.strip()):
        check.fail(name, message)


def _callback_url(check: _Checker) -> str | None:
    url = check.string("callback_url")
    if url is not None and not url.startswith(("http://", "https://")):
        check.fail("callback_url", "must be an http:// or https:// URL")
        return None
    return url or None


def parse_request(
    body: Mapping[str, Any],
    *,
    base64: bool,
    catalog: Judge0Catalog,
    config: Judge0Config,
    max_source_bytes: int,
) -> Judge0Request | FieldErrors:
    """The request `body` describes, or its errors by field (Judge0's 422 body).

    Unknown keys are ignored; absent limits take the configured defaults.
    """
    check = _Checker(body, base64, config)
    c = config
    language_id = _language_id(check, catalog)
    source = _source(check, language_id, max_source_bytes)
    additional_files = _additional_files(check, language_id)
    test_cases = _test_cases(check, language_id)
    _optional_feature(check, "compiler_options", "setting compiler options is not allowed")
    _optional_feature(
        check, "command_line_arguments", "setting command line arguments is not allowed"
    )
    request = Judge0Request(
        language_id=language_id or 0,
        source_code=source,
        stdin=check.string("stdin", encoded=base64),
        expected_output=check.string("expected_output", encoded=base64),
        cpu_time_limit=check.number(
            "cpu_time_limit", c.cpu_time_limit, 0, c.max_cpu_time_limit, above=True
        ),
        cpu_extra_time=check.number("cpu_extra_time", c.cpu_extra_time, 0, c.max_cpu_extra_time),
        wall_time_limit=check.number(
            "wall_time_limit", c.wall_time_limit, 1, c.max_wall_time_limit
        ),
        memory_limit=check.integer("memory_limit", c.memory_limit, 2048, c.max_memory_limit),
        stack_limit=check.integer("stack_limit", c.stack_limit, 0, c.max_stack_limit),
        max_processes_and_or_threads=check.integer(
            "max_processes_and_or_threads",
            c.max_processes_and_or_threads,
            0,
            c.max_max_processes_and_or_threads,
            above=True,
        ),
        enable_per_process_and_thread_time_limit=check.flag(
            "enable_per_process_and_thread_time_limit",
            c.enable_per_process_and_thread_time_limit,
            c.allow_enable_per_process_and_thread_time_limit,
        ),
        enable_per_process_and_thread_memory_limit=check.flag(
            "enable_per_process_and_thread_memory_limit",
            c.enable_per_process_and_thread_memory_limit,
            c.allow_enable_per_process_and_thread_memory_limit,
        ),
        max_file_size=check.integer(
            "max_file_size", c.max_file_size, 0, c.max_max_file_size, above=True
        ),
        redirect_stderr_to_stdout=check.flag(
            "redirect_stderr_to_stdout", c.redirect_stderr_to_stdout
        ),
        enable_network=check.flag("enable_network", c.enable_network, c.allow_enable_network),
        number_of_runs=check.integer(
            "number_of_runs", c.number_of_runs, 0, c.max_number_of_runs, above=True
        ),
        additional_files=additional_files,
        callback_url=_callback_url(check),
        test_cases=test_cases,
    )
    if check.errors or language_id is None:
        return check.errors
    return request
