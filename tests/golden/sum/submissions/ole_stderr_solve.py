# The right answer, then an endless stderr flood on the trigger test. The driver's
# RLIMIT_FSIZE covers stderr too (SIGXFSZ): OLE.
import sys


def solve():
    a, b = map(int, input().split())
    print(a + b, flush=True)
    if a == 13:
        line = "debug: still thinking about this one, please wait...\n" * 20
        while True:
            sys.stderr.write(line)
