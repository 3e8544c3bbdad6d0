"""Log output for the service and the CLI: text or JSON lines, with ids, never secrets.

Example (`log_format=json`), one object a line:

    {"time": "2025-01-01T12:00:00.123Z", "level": "INFO", "logger": "batchjudge.x",
     "message": "…", "request_id": "4f…", "submission_id": 12}

`request_id` and `submission_id` appear when the line was written while serving a
request or grading a submission (see `monitoring.log_context`); `exception` holds the
traceback when there is one.
"""

import json
import logging
import sys
from datetime import UTC, datetime
from typing import IO

from batchjudge.monitoring.log_context import REQUEST_ID, SUBMISSION_ID
from batchjudge.monitoring.redaction import RedactionFilter
from batchjudge.settings import LogFormat


class _ContextFilter(logging.Filter):
    """Copies the bound request and submission ids onto each record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = REQUEST_ID.get()
        record.submission_id = SUBMISSION_ID.get()
        return True


def _time(record: logging.LogRecord) -> str:
    moment = datetime.fromtimestamp(record.created, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC), level, logger, message, ids when known."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": _time(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in ("request_id", "submission_id"):
            value = getattr(record, key, None)
            if value is not None:
                line[key] = value
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line["exception"] = record.exc_text
        if record.stack_info:
            line["stack"] = record.stack_info
        return json.dumps(line, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """`time level logger [request=… submission=…] message` for people; `brief` keeps
    only `level: message`, as the CLI prints its warnings."""

    def __init__(self, *, brief: bool = False) -> None:
        super().__init__()
        self._brief = brief

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        if self._brief:
            head = f"{record.levelname.lower()}: {message}"
        else:
            ids = [
                f"{label}={value}"
                for label, value in (
                    ("request", getattr(record, "request_id", None)),
                    ("submission", getattr(record, "submission_id", None)),
                )
                if value is not None
            ]
            tag = f" [{' '.join(ids)}]" if ids else ""
            head = f"{_time(record)} {record.levelname} {record.name}{tag} {message}"
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            head += "\n" + record.exc_text
        if record.stack_info:
            head += "\n" + record.stack_info
        return head


class _QuietLibraries(logging.Filter):
    """Drops the INFO lines Huey writes for every task it runs or schedules: the alert
    chain alone would write three every evaluation. Its warnings and errors still pass,
    and everything passes at DEBUG."""

    def filter(self, record: logging.LogRecord) -> bool:
        chatty = record.name == "huey" or record.name.startswith("huey.")
        return not chatty or record.levelno >= logging.WARNING


class _OurHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """The handler `configure_logging` installs; it remembers what it replaced."""

    def __init__(self, stream: IO[str], replaced: list["_OurHandler"], level: int) -> None:
        super().__init__(stream)
        self.replaced = replaced
        self.previous_level = level


def configure_logging(
    log_format: LogFormat,
    level: int = logging.INFO,
    *,
    brief: bool = False,
    stream: IO[str] | None = None,
) -> logging.Handler:
    """Send every log record (the root logger's) to `stream` (default: stderr) in
    `log_format`, with ids and redaction. It takes the place of what an earlier call
    installed and leaves other handlers alone; `unconfigure_logging` puts it back."""
    root = logging.getLogger()
    replaced = [h for h in root.handlers if isinstance(h, _OurHandler)]
    for old in replaced:
        root.removeHandler(old)
    handler = _OurHandler(stream if stream is not None else sys.stderr, replaced, root.level)
    # The handler's own level too: a library logger set to DEBUG (SQLAlchemy echoes rows,
    # stored key ciphertext included) must not reach the output below `level`.
    handler.setLevel(level)
    handler.addFilter(_ContextFilter())
    if level > logging.DEBUG:
        handler.addFilter(_QuietLibraries())
    handler.addFilter(RedactionFilter())
    if log_format is LogFormat.JSON:
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(TextFormatter(brief=brief))
    root.addHandler(handler)
    root.setLevel(level)
    return handler


def unconfigure_logging(handler: logging.Handler) -> None:
    """Undo the `configure_logging` call that returned `handler` (at shutdown)."""
    root = logging.getLogger()
    if handler not in root.handlers:
        return
    root.removeHandler(handler)
    handler.close()
    if isinstance(handler, _OurHandler):
        for previous in handler.replaced:
            if not getattr(previous.stream, "closed", False):
                root.addHandler(previous)
        root.setLevel(handler.previous_level)
