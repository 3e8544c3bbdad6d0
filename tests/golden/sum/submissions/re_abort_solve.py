# os.abort() on the trigger test: the process dies by SIGABRT.
import os


def solve():
    a, b = map(int, input().split())
    print(a + b, flush=True)
    if a == 13:
        os.abort()
