# solve() style: define solve(); batchjudge calls it once per test. Nothing runs at top level.
import sys


def solve():
    data = sys.stdin.buffer.read().split()
    n = int(data[0])
    for i in range(n):
        a, b = int(data[1 + 2 * i]), int(data[2 + 2 * i])
        print(a + b)
