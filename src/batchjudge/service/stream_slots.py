"""StreamSlots: the live result streams each user holds open in this process, capped."""

import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

from batchjudge.domain.errors import LimitedError

#: What a refused client is told to wait: streams end when their submission is graded,
#: usually within seconds.
RETRY_AFTER_S = 5.0


class StreamSlots:
    """At most `per_user` open streams per user id. Counted per server process: a
    stream lives on one connection to one process, and that is what it costs."""

    def __init__(self, per_user: int) -> None:
        self.per_user = per_user
        self._open: Counter[int] = Counter()
        self._lock = threading.Lock()

    def open_count(self, user_id: int) -> int:
        """How many streams `user_id` holds open now."""
        with self._lock:
            return self._open[user_id]

    @contextmanager
    def held(self, user_id: int) -> Iterator[None]:
        """Hold one of `user_id`'s slots while the block runs; it is released however the
        block ends (the stream finished, the client went away, an error).

        Raises:
            LimitedError: every slot of the user is taken (429 with Retry-After).
        """
        with self._lock:
            if self._open[user_id] >= self.per_user:
                raise LimitedError(
                    f"you have {self.per_user} live result streams open; close one "
                    "(a results page in another tab) and try again",
                    retry_after_s=RETRY_AFTER_S,
                )
            self._open[user_id] += 1
        try:
            yield
        finally:
            with self._lock:
                self._open[user_id] -= 1
                if self._open[user_id] <= 0:
                    del self._open[user_id]
