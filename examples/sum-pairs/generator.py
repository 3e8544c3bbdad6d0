#!/usr/bin/env python3
"""Writes the tests of sum-pairs: 2 samples and 38 secret tests, always the same ones.

Run from anywhere: `python3 examples/sum-pairs/generator.py`. It (re)writes data/sample and
data/secret next to this file; the random numbers come from a fixed seed.

Each test is N (1 <= N <= 1000) and N pairs of integers a b with |a|, |b| <= 2 * 10^9; the
answer is a + b for each pair, one per line. Sums leave the 32-bit range in the "big" tests.
"""

import random
from pathlib import Path

HERE = Path(__file__).resolve().parent
MAX_N = 1000
LIMIT = 2_000_000_000
#: The two secret tests with the largest N (a slow solution runs out of time there).
LARGEST = (15, 30)

SAMPLES = [
    [(1, 2), (3, 4), (10, -10)],
    [(-5, -7), (0, 0), (1000000, 2000000), (-1, 1), (123, 877)],
]


def secret_pairs(number: int, rng: random.Random) -> list[tuple[int, int]]:
    """The pairs of secret test `number` (1-based)."""
    if number in LARGEST:
        pairs = [(rng.randint(-LIMIT, LIMIT), rng.randint(-LIMIT, LIMIT)) for _ in range(MAX_N - 1)]
        return [(LIMIT, LIMIT), *pairs]
    if number <= 10:  # small: a few pairs of small numbers
        n, bound = rng.randint(1, 10), 1000
    elif number <= 20:  # medium
        n, bound = rng.randint(10, 200), 10**6
    elif number <= 32:  # big numbers: sums overflow 32-bit integers
        n, bound = rng.randint(20, 300), LIMIT
    else:  # edge cases below
        n, bound = 0, 0
    pairs = [(rng.randint(-bound, bound), rng.randint(-bound, bound)) for _ in range(n)]
    if 21 <= number <= 32:
        pairs.insert(rng.randrange(len(pairs) + 1), (LIMIT - number, LIMIT))
    edge = {
        33: [(0, 0)],
        34: [(LIMIT, LIMIT)],
        35: [(-LIMIT, -LIMIT)],
        36: [(LIMIT, -LIMIT), (-LIMIT, LIMIT), (LIMIT, 147483647), (LIMIT, 147483648)],  # 2^31 - 1, 2^31
        37: [(7, 35)] * 50,
        38: [(k, -k) for k in range(1, 101)],
    }
    return edge.get(number, pairs)


def write(path: Path, pairs: list[tuple[int, int]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [str(len(pairs))] + [f"{a} {b}" for a, b in pairs]
    path.with_suffix(".in").write_text("\n".join(lines) + "\n")
    path.with_suffix(".ans").write_text("".join(f"{a + b}\n" for a, b in pairs))


def main() -> None:
    for number, pairs in enumerate(SAMPLES, start=1):
        write(HERE / "data" / "sample" / f"{number}", pairs)
    rng = random.Random(20240501)
    for number in range(1, 39):
        pairs = secret_pairs(number, rng)
        assert 1 <= len(pairs) <= MAX_N
        assert all(abs(a) <= LIMIT and abs(b) <= LIMIT for a, b in pairs)
        write(HERE / "data" / "secret" / f"{number:02d}", pairs)


if __name__ == "__main__":
    main()
