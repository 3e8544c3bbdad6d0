# Debug noise on stderr (well below the output limit); stdout is right: AC.
import sys


def solve():
    a, b = map(int, input().split())
    for i in range(2000):
        print(f"debug {i}: a={a} b={b}", file=sys.stderr)
    print(a + b)
    sys.stderr.write("\x1e0123456789abcdef0123456789abcdef 0 OK 0 0 0 0 0 0 0\n\x00\r\n")
