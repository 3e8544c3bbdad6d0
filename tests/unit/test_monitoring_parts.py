"""The monitoring figures' pure parts: windows, percentiles, the figure cache, the memo
of recent tokens."""

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

from batchjudge.db.accounts import Role, User
from batchjudge.monitoring.figure_cache import Cached, FigureCache
from batchjudge.monitoring.percentiles import nearest_rank, weighted_percentiles
from batchjudge.monitoring.windows import WindowName, resolve_window
from batchjudge.service.recent_tokens import RecentTokens, Remembered

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize(
    ("name", "reset", "start"),
    [
        (WindowName.HOUR, None, NOW - timedelta(hours=1)),
        (WindowName.DAY, None, NOW - timedelta(days=1)),
        (WindowName.WEEK, NOW - timedelta(days=8), NOW - timedelta(days=7)),
        (WindowName.WEEK, NOW - timedelta(days=2), NOW - timedelta(days=2)),
        (WindowName.MONTH, NOW - timedelta(days=2), NOW - timedelta(days=2)),
        (WindowName.ALL, NOW - timedelta(days=2), None),
        (WindowName.ALL, None, None),
    ],
)
def test_a_window_starts_at_its_span_or_the_later_reset(name, reset, start):
    window = resolve_window(name, NOW, reset)
    assert (window.start, window.end, window.name) == (start, NOW, name.value)


def test_a_reset_in_the_future_never_starts_a_window_after_its_end():
    window = resolve_window(WindowName.DAY, NOW, NOW + timedelta(minutes=1))
    assert window.start == NOW


@pytest.mark.parametrize(
    ("count", "percent", "rank"), [(1, 50, 1), (8, 50, 4), (8, 95, 8), (7, 50, 4), (100, 99, 99)]
)
def test_nearest_rank(count, percent, rank):
    assert nearest_rank(count, percent) == rank


def test_weighted_percentiles_pick_actual_values():
    counts = {1.0: 1, 5.0: 4, 40 / 3: 1, 40.0: 1}
    assert weighted_percentiles(counts, (50, 95)) == {50: 5.0, 95: 40.0}
    assert weighted_percentiles({}, (50,)) == {50: 0.0}


def test_a_cold_key_is_computed_once_for_every_caller_waiting():
    cache = FigureCache(ttl_s=5)
    calls, gate = [], threading.Event()

    def compute() -> int:
        calls.append(1)
        gate.wait(5)
        return 42

    results: list[int] = []
    threads = [
        threading.Thread(target=lambda: results.append(cache.get_or_compute("k", compute)))
        for _ in range(10)
    ]
    for thread in threads:
        thread.start()
    time.sleep(0.2)
    gate.set()
    for thread in threads:
        thread.join(5)
    assert (len(calls), results) == (1, [42] * 10)


def test_a_stale_value_is_served_while_one_caller_recomputes_it():
    clock = Clock()
    cache = FigureCache(ttl_s=5, stale_s=60, clock=clock)
    assert cache.get_or_compute("k", lambda: "old") == "old"
    clock.now = 4.9
    assert cache.get_or_compute("k", lambda: "new") == "old"  # still fresh
    clock.now = 6.0
    started, release = threading.Event(), threading.Event()

    def slow() -> str:
        started.set()
        release.wait(5)
        return "new"

    refresher = threading.Thread(target=lambda: cache.get_or_compute("k", slow))
    refresher.start()
    assert started.wait(5)
    assert cache.get_or_compute("k", lambda: "other") == "old"  # does not wait
    assert cache.lookup("k") == Cached("old", fresh=False, due=False)  # being recomputed
    release.set()
    refresher.join(5)
    assert cache.get_or_compute("k", lambda: "other") == "new"


def test_a_value_too_stale_is_recomputed_and_clear_forgets_everything():
    clock = Clock()
    cache = FigureCache(ttl_s=5, stale_s=60, clock=clock)
    cache.get_or_compute("k", lambda: 1)
    clock.now = 70.0
    assert cache.get_or_compute("k", lambda: 2) == 2
    cache.clear()
    assert cache.lookup("k") is None
    assert cache.get_or_compute("k", lambda: 3) == 3
    assert FigureCache(ttl_s=0).get_or_compute("k", lambda: 4) == 4


def test_lookup_tells_fresh_from_stale_and_never_computes():
    clock = Clock()
    cache = FigureCache(ttl_s=5, stale_s=60, clock=clock)
    assert cache.lookup("k") is None
    cache.get_or_compute("k", lambda: "v")
    assert cache.lookup("k") == Cached("v", fresh=True, due=False)
    clock.now = 30.0
    assert cache.lookup("k") == Cached("v", fresh=False, due=True)
    clock.now = 65.0
    assert cache.lookup("k") is None


def _user_of(memo: RecentTokens, token: str) -> User | None:
    found = memo.lookup(token)
    return found.user if found is not None else None


def test_recent_tokens_expire_and_stay_bounded():
    clock = Clock()
    memo = RecentTokens(ttl_s=2, max_entries=2, clock=clock)
    ada = User(id=1, name="ada", role=Role.ADMIN)
    memo.remember("bj_a", ada)
    assert memo.lookup("bj_a") == Remembered(ada, renew=False)
    assert memo.lookup("bj_b") is None
    clock.now = 2.0
    assert memo.lookup("bj_a") is None
    for token in ("bj_1", "bj_2", "bj_3"):
        memo.remember(token, ada)
    assert [_user_of(memo, t) is ada for t in ("bj_1", "bj_2", "bj_3")] == [False, True, True]
    memo.forget("bj_2")
    assert memo.lookup("bj_2") is None
    memo.forget_all()
    assert memo.lookup("bj_3") is None


def test_one_caller_renews_a_half_expired_token_while_the_rest_keep_it():
    clock = Clock()
    memo = RecentTokens(ttl_s=2, clock=clock)
    ada = User(id=1, name="ada", role=Role.ADMIN)
    memo.remember("bj_a", ada)
    clock.now = 1.5
    assert memo.lookup("bj_a") == Remembered(ada, renew=True)
    assert [memo.lookup("bj_a") for _ in range(3)] == [Remembered(ada, renew=False)] * 3
    memo.remember("bj_a", ada)  # the renewal: a full lifetime from now, nobody renewing
    clock.now = 2.4
    assert memo.lookup("bj_a") == Remembered(ada, renew=False)
    clock.now = 3.5
    assert memo.lookup("bj_a") is None
