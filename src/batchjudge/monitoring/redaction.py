"""Secrets out of log lines: API tokens, bearer credentials, Judge0 keys, master keys.

Sources and request bodies are never logged at all; this catches the credentials that
can slip into a message, an exception or a traceback.
"""

import logging
import re
import traceback

REDACTED = "[redacted]"

#: (pattern, replacement), applied in order.
_RULES: list[tuple[re.Pattern[str], str]] = [
    # `Authorization: Bearer …`, `"authorization": "Basic …"`: the whole value goes.
    (
        re.compile(r"(?i)(\bauthorization[\"']?\s*[:=]\s*[\"']?)[^\"'\r\n,}]+"),
        rf"\1{REDACTED}",
    ),
    (re.compile(r"(?i)\b(bearer)\s+(?!\[redacted\])[^\s\"',;]+"), rf"\1 {REDACTED}"),
    # Judge0 credentials as headers, dict entries, JSON or settings.
    (
        re.compile(
            r"(?i)(\b(?:x-auth-token|x-auth-user|x-rapidapi-key|api[_-]?key|master[_-]?key"
            r"|password|secret(?:[_-]key)?)[\"']?\s*[:=]\s*[\"']?)(?!\[redacted\])"
            r"[^\s\"',;}&]+"
        ),
        rf"\1{REDACTED}",
    ),
    # Our API tokens (services.accounts.TOKEN_PREFIX + token_urlsafe).
    (re.compile(r"\bbj_[A-Za-z0-9_-]{8,}"), f"bj_{REDACTED}"),
    # RapidAPI keys have a recognisable shape: …msh…p…jsn….
    (re.compile(r"\b[0-9A-Za-z]{6,}msh[0-9A-Za-z]{6,}jsn[0-9A-Za-z]{6,}\b"), REDACTED),
    # Fernet keys (the master key): 32 bytes of url-safe base64.
    (re.compile(r"(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{43}="), REDACTED),
]


def redact(text: str) -> str:
    """`text` with every credential we recognise replaced by `[redacted]`."""
    for pattern, replacement in _RULES:
        text = pattern.sub(replacement, text)
    return text


class RedactionFilter(logging.Filter):
    """Rewrites each record's message, traceback and stack with the secrets redacted.

    Attach it to a handler: a logger's filters do not see records from its children.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # mismatched arguments: keep the template only
            message = str(record.msg)
        record.msg = redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True
