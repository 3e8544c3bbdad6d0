"""The request body limit: sizes per route, the messages, and the middleware refusing a
declared length at the first read and a streamed body as soon as it passes the bound."""

from types import SimpleNamespace

import pytest
from starlette.types import Message, Receive, Scope, Send

from batchjudge.service.body_limit import (
    BodyLimits,
    RequestBodyLimit,
    RequestTooLargeError,
    format_size,
)
from batchjudge.settings import Settings

LIMITS = BodyLimits(max_source_bytes=64 << 10, max_upload_mb=64)


def test_sizes_read_as_people_write_them():
    assert format_size(900) == "900 bytes"
    assert format_size(65 << 10) == "65 KiB"
    assert format_size((64 << 10) + 512) == "64.5 KiB"
    assert format_size(100 << 20) == "100 MiB"


def test_each_kind_of_route_has_its_bound():
    assert BodyLimits.from_settings(Settings(max_source_bytes=1000, max_upload_mb=2)) == (
        BodyLimits(1000, 2)
    )
    # A source of the limit fits however it is encoded (a form triples a byte, JSON
    # escapes a control character as six), so only the route decides and says why.
    assert LIMITS.limit_for("/api/v1/submissions") == 6 * (64 << 10) + (64 << 10)
    assert LIMITS.limit_for("/problems/{problem_id}/submit") == LIMITS.submission_bytes
    for route in ("/api/v1/problems", "/teach/problems/{problem_id}/versions", "/x", None):
        assert LIMITS.limit_for(route) == (64 << 20) + (64 << 10)


def test_the_refusal_names_the_size_and_what_the_route_accepts():
    assert LIMITS.refusal("/api/v1/submissions", 100 << 20) == (
        "the request body is 100 MiB; a submission may send at most 448 KiB "
        "(its source at most 65536 bytes)"
    )
    assert LIMITS.refusal("/teach/problems", None) == (
        "the request body is over 64.1 MiB; a problem package may be at most 64 MiB"
    )
    assert LIMITS.refusal("/judge0/submissions", 70 << 20) == (
        "the request body is 70 MiB; this address accepts at most 64.1 MiB"
    )


def test_the_refusal_is_a_413_that_fastapi_passes_on():
    refusal = RequestTooLargeError("the request body is 1 MiB; ...")
    assert (refusal.status_code, refusal.detail) == (413, "the request body is 1 MiB; ...")
    assert str(refusal) == "the request body is 1 MiB; ..."


def _scope(route: str, content_length: int | None) -> Scope:
    headers = [] if content_length is None else [(b"content-length", str(content_length).encode())]
    return {"type": "http", "method": "POST", "headers": headers, "path": route}


class Upload:
    """A client sending `chunks`, and an app reading the whole body behind the limit."""

    def __init__(self, chunks: list[bytes]) -> None:
        self.chunks = chunks
        self.pulled = 0  # chunks taken from the client
        self.read = 0  # bytes the app was given

    async def receive(self) -> Message:
        if self.pulled == len(self.chunks):
            return {"type": "http.request", "body": b"", "more_body": False}
        self.pulled += 1
        return {"type": "http.request", "body": self.chunks[self.pulled - 1], "more_body": True}

    async def app(self, scope: Scope, receive: Receive, _send: Send) -> None:
        # Routing has chosen the route by the time it reads its body.
        scope["route"] = SimpleNamespace(path=scope["path"])
        while True:
            message = await receive()
            self.read += len(message.get("body", b""))
            if not message.get("more_body"):
                return

    async def run(self, route: str, declared: int | None) -> None:
        async def send(_message: Message) -> None:
            raise AssertionError("the middleware sends nothing itself")

        await RequestBodyLimit(self.app, LIMITS)(_scope(route, declared), self.receive, send)


@pytest.mark.anyio
async def test_a_streamed_body_is_stopped_as_soon_as_it_passes_the_bound():
    upload = Upload([b"x" * (64 << 10)] * 1600)  # 100 MiB, its length never declared
    with pytest.raises(RequestTooLargeError, match="is over 448 KiB; a submission"):
        await upload.run("/api/v1/submissions", None)
    assert upload.pulled == 8  # the chunk that passed 448 KiB was the last one taken
    assert upload.read == 7 * (64 << 10)


@pytest.mark.anyio
async def test_a_declared_length_over_the_bound_is_refused_before_any_byte_is_read():
    upload = Upload([b"{}"])
    with pytest.raises(RequestTooLargeError, match="is 100 MiB; a submission"):
        await upload.run("/api/v1/submissions", 100 << 20)
    assert upload.pulled == 0


@pytest.mark.anyio
async def test_a_body_within_the_bound_passes_untouched():
    upload = Upload([b"x" * (400 << 10), b"y" * (40 << 10)])
    await upload.run("/api/v1/submissions", 440 << 10)
    assert upload.read == 440 << 10
    package = Upload([b"z" * (1 << 20)] * 10)  # 10 MiB: fine for a package, not a source
    await package.run("/api/v1/problems", None)
    assert package.read == 10 << 20
