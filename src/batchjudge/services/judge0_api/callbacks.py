"""Telling a Judge0 client that its submission finished: `PUT callback_url`."""

import logging

import httpx

_log = logging.getLogger(__name__)


async def send_callback(
    url: str,
    body: dict[str, object],
    *,
    tries: int = 3,
    timeout_s: float = 5.0,
    transport: httpx.AsyncBaseTransport | None = None,
) -> bool:
    """PUT `body` as JSON to `url`, trying again (up to `tries` times) only when the
    request itself fails, as Judge0 does: any HTTP answer, even a 500, ends it.

    Never raises: a client's unreachable URL must not fail the grading. Returns whether
    some answer came back.
    """
    try:
        async with httpx.AsyncClient(timeout=timeout_s, transport=transport) as client:
            for attempt in range(1, tries + 1):
                try:
                    await client.put(url, json=body)
                    return True
                except httpx.HTTPError as exc:
                    _log.warning("callback %s failed (try %d of %d): %s", url, attempt, tries, exc)
    except Exception:
        _log.exception("callback %s could not be sent", url)
    return False
