# Time limit exceeded on every test, although every sum is printed. At the end of the
# input readline() returns "" at once, every time: after the last pair, "skip blank
# lines" spins for ever.
import sys


def solve():
    sys.stdin.readline()  # N: not needed, the pairs are read to the end
    while True:
        line = sys.stdin.readline()
        if not line.strip():
            continue  # fix: if line == "": break  (end of input), before this
        a, b = map(int, line.split())
        print(a + b)
