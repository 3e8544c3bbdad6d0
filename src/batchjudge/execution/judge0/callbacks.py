"""CallbackHub: hands Judge0's callback PUTs to the runs waiting for them.

Runs wait on worker threads' event loops; the callback route runs on the web server's
loop. The hub is the one object both sides share (the service holds it), so everything
in it is guarded by a lock and results cross threads as `concurrent.futures.Future`s.

Judge0 sends no credentials with a callback (issue #33): the capability is the fresh
random nonce in the URL, and the body's token must be the one the run created.
"""

import asyncio
import concurrent.futures
import secrets
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field

#: Where the service mounts the callback route, below `public_base_url`.
CALLBACK_PATH = "/api/v1/judge0/callbacks"

_Body = dict[str, object]


@dataclass
class _Slot:
    future: concurrent.futures.Future[_Body] = field(default_factory=concurrent.futures.Future)
    token: str | None = None
    early: _Body | None = None


class CallbackHub:
    """Thread-safe meeting point of callback routes and waiting runs."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._slots: dict[str, _Slot] = {}

    def expect(self) -> "CallbackTicket":
        """Reserve a fresh nonce for one run; `discard` it when the run is over."""
        nonce = secrets.token_hex(16)
        slot = _Slot()
        with self._lock:
            self._slots[nonce] = slot
        return CallbackTicket(self, nonce, slot.future)

    def bind(self, nonce: str, token: str) -> None:
        """The run's submission is `token`; a callback that came first is checked now."""
        with self._lock:
            slot = self._slots.get(nonce)
            if slot is None:
                return
            slot.token = token
            early, slot.early = slot.early, None
        if early is not None and early.get("token") == token:
            _settle(slot.future, early)

    def deliver(self, nonce: str, body: Mapping[str, object]) -> bool:
        """Hand a callback body to its run; False when nonce or token do not match.

        A callback may beat the create response that tells the run its token; it is kept
        and checked when the run binds.
        """
        token = body.get("token")
        if not isinstance(token, str):
            return False
        with self._lock:
            slot = self._slots.get(nonce)
            if slot is None or slot.future.done():
                return False
            if slot.token is None:
                if slot.early is not None:
                    return False
                slot.early = dict(body)
                return True
            if token != slot.token:
                return False
        return _settle(slot.future, dict(body))

    def discard(self, nonce: str) -> None:
        """Forget a nonce; a later callback for it gets 404."""
        with self._lock:
            slot = self._slots.pop(nonce, None)
        if slot is not None:
            slot.future.cancel()

    def waiting(self) -> int:
        """How many runs hold a nonce (for tests and health pages)."""
        with self._lock:
            return len(self._slots)


def _settle(future: concurrent.futures.Future[_Body], body: _Body) -> bool:
    try:
        future.set_result(body)
    except concurrent.futures.InvalidStateError:
        return False
    return True


@dataclass(frozen=True)
class CallbackTicket:
    """One run's nonce and the callback body it will receive."""

    hub: CallbackHub
    nonce: str
    future: concurrent.futures.Future[_Body]

    def url(self, public_base_url: str) -> str:
        """The `callback_url` to give Judge0."""
        return f"{public_base_url.rstrip('/')}{CALLBACK_PATH}/{self.nonce}"

    async def wait(self, timeout_s: float) -> _Body | None:
        """The callback body, or None when none came within `timeout_s`."""
        try:
            return await asyncio.wait_for(asyncio.wrap_future(self.future), timeout_s)
        except TimeoutError:
            return None
