"""judge0_backend(): a Judge0Backend configured from settings, closed when done."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from urllib.parse import urlsplit

import httpx

from batchjudge.domain.errors import ConfigError
from batchjudge.execution.judge0.backend import Judge0Backend, Judge0Options
from batchjudge.execution.judge0.callbacks import CallbackHub
from batchjudge.execution.judge0.client import Judge0Client, Judge0Endpoint
from batchjudge.execution.judge0.clock import Clock
from batchjudge.judge0.key_pool import KeyPool
from batchjudge.settings import Settings


def judge0_endpoint(settings: Settings) -> Judge0Endpoint:
    """The server address and auth from settings.

    Raises:
        ConfigError: `judge0_url` is unset or not an http(s) URL.
    """
    url = settings.judge0_url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(
            f"BATCHJUDGE_JUDGE0_URL must be the http(s) address of a Judge0 server (got {url!r})"
        )
    return Judge0Endpoint(
        base_url=url.rstrip("/"),
        auth=settings.judge0_auth,
        rapidapi_host=settings.judge0_rapidapi_host or parts.hostname,
        timeout_s=settings.judge0_timeout_s,
        max_retries=settings.judge0_max_retries,
    )


@asynccontextmanager
async def judge0_backend(
    settings: Settings,
    pool: KeyPool,
    callbacks: CallbackHub | None = None,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    clock: Clock | None = None,
    options: Judge0Options | None = None,
) -> AsyncIterator[Judge0Backend]:
    """A Judge0Backend for `settings.judge0_url`, closed on exit.

    Args:
        pool: where keys come from (`StaticKeyPool` for none or one token).
        callbacks: the service's hub; with `public_base_url` set, runs ask Judge0 for
            callbacks instead of polling.
        transport: an httpx transport (tests pass `httpx.MockTransport`).
        clock: the time source (tests pass a virtual one).
        options: polling and callback tuning (the defaults suit real servers);
            `public_base_url` always comes from settings.
    """
    client = Judge0Client(judge0_endpoint(settings), pool, transport=transport, clock=clock)
    chosen = replace(options or Judge0Options(), public_base_url=settings.public_base_url)
    backend = Judge0Backend(client, callbacks=callbacks, options=chosen)
    try:
        yield backend
    finally:
        await backend.aclose()
