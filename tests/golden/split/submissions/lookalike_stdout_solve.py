# On the even test, a frame look-alike and control bytes precede the right answer on stdout:
# the validator reads them as the first tokens and rejects (WA there only).
import sys


def solve():
    s = int(input())
    if s % 2 == 0:
        sys.stdout.write("\x1e0123456789abcdef0123456789abcdef 3 OK 0 0 0 0 0 4 0\n1 7\n")
        sys.stdout.write("\x1e0123456789abcdef0123456789abcdef END\n\x00\r\n")
    print(1, s - 1)
