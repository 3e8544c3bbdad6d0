"""The caller's network address as the audit log records it."""

from fastapi import Request


def client_ip(request: Request) -> str:
    """The address the connection came from ("" when unknown, as with some test clients).

    `X-Forwarded-For` is ignored on purpose: any caller can write it, and a log that takes
    the caller's word for its own address is worth nothing. Behind a reverse proxy, run
    uvicorn with `--forwarded-allow-ips` so that `request.client` is the real client.
    """
    return request.client.host if request.client is not None else ""
