import sys


def solve():
    a, b = map(int, sys.stdin.readline().split())
    sys.stdout.write(f"{a + b}\n")  # not flushed yet: sys.exit must flush it
    sys.exit(0)
    print("unreachable")
