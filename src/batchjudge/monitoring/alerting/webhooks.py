"""Alert webhooks: the JSON payload, one POST attempt at a time, and the back-off between
attempts. Delivery never raises: a failing receiver must not stop evaluation."""

import logging
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

import httpx

from batchjudge.db.monitoring import Alert
from batchjudge.domain.errors import ConfigError

_log = logging.getLogger(__name__)

#: Attempts per change and receiver, and the pause before each retry (seconds).
RETRY_DELAYS_S = (1.0, 4.0, 15.0, 60.0)
#: A receiver must answer quickly; a slow one is retried later, not waited for.
TIMEOUT = httpx.Timeout(5.0, connect=2.0)


def check_webhooks(urls: Sequence[str]) -> None:
    """Refuse at start-up a webhook URL that is not absolute http(s).

    Raises:
        ConfigError: naming the URL by its scheme and host only.
    """
    for url in urls:
        if _origin(url) is None or urlsplit(url).scheme not in ("http", "https"):
            raise ConfigError(
                f"BATCHJUDGE_ALERT_WEBHOOKS: {shown_url(url)!r} is not an http(s) URL"
            )


def shown_url(url: str) -> str:
    """`url` as logs may show it: webhook paths often hold a secret (Slack, Teams)."""
    origin = _origin(url)
    if origin is None:
        return url.split("/", 1)[0].split("?", 1)[0].rpartition("@")[2][:60] + "/…"
    return origin + "/…"


def _origin(url: str) -> str | None:
    """`scheme://host[:port]` of `url` (never its user info), or None if it has none."""
    try:
        parts = urlsplit(url)
        port = f":{parts.port}" if parts.port else ""
    except ValueError:  # a port that is not a number
        return None
    return f"{parts.scheme}://{parts.hostname}{port}" if parts.hostname else None


def alert_payload(row: Alert) -> dict[str, Any]:
    """What a receiver gets for one change of `row` (timestamps in ISO 8601, UTC)."""
    return {
        "status": row.status,
        "rule": row.rule,
        "severity": row.severity,
        "message": row.message,
        "value": row.value,
        "fired_at": row.fired_at.isoformat(),
        "resolved_at": row.resolved_at.isoformat() if row.resolved_at else None,
        "fingerprint": row.fingerprint,
    }


def retry_delay(attempt: int) -> float | None:
    """Seconds to wait after failed attempt number `attempt` (0-based), or None when the
    attempts are used up."""
    return RETRY_DELAYS_S[attempt] if attempt < len(RETRY_DELAYS_S) else None


class WebhookSender:
    """POSTs JSON to webhook receivers over one connection pool (thread-safe)."""

    def __init__(self, transport: httpx.BaseTransport | None = None) -> None:
        self._client = httpx.Client(
            timeout=TIMEOUT,
            transport=transport,
            follow_redirects=False,
            headers={"user-agent": "batchjudge-alerts"},
        )

    def post(self, url: str, payload: dict[str, Any]) -> bool:
        """One attempt; True when the receiver answered 2xx."""
        try:
            response = self._client.post(url, json=payload)
        except httpx.HTTPError as exc:
            _log.warning("alert webhook %s failed: %s", shown_url(url), type(exc).__name__)
            return False
        if response.is_success:
            return True
        _log.warning("alert webhook %s answered %d", shown_url(url), response.status_code)
        return False

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()
