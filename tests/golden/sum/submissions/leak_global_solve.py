# Keeps state in module globals, a mutable default argument and an lru_cache. Each test
# gets fresh interpreter state, so every call is the first one: AC.
import sys
from functools import lru_cache

history = []
calls = 0


@lru_cache(maxsize=None)
def remember(value):
    return value


def solve(seen=[]):
    global calls
    calls += 1
    a, b = map(int, sys.stdin.readline().split())
    cached_before = remember.cache_info().currsize
    remember(a + b)
    history.append(a + b)
    seen.append(a + b)
    if calls != 1 or len(history) != 1 or len(seen) != 1 or cached_before != 0:
        print("state leaked: call", calls)
        return
    print(history[0])
