# Kills itself with SIGSEGV on the even test, after printing a right answer.
import os
import signal


def solve():
    s = int(input())
    print(1, s - 1, flush=True)
    if s % 2 == 0:
        os.kill(os.getpid(), signal.SIGSEGV)
