# Run-time error on the largest tests only: one level of recursion per pair, and Python
# stops at about 1000 levels (RecursionError). Tests with a few hundred pairs pass.
import sys


def print_from(pairs, i):
    if i == len(pairs):
        return
    a, b = pairs[i]
    print(a + b)
    print_from(pairs, i + 1)  # fix: a for loop


def solve():
    data = sys.stdin.read().split()
    n = int(data[0])
    pairs = [(int(data[1 + 2 * i]), int(data[2 + 2 * i])) for i in range(n)]
    print_from(pairs, 0)
