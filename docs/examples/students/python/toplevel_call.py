# Meant as solve() style, but the call at the top level makes batchjudge detect a
# program: the file runs, defines solve(), and nothing calls it. No output: wrong answer
# on every test. Fix: move the call into solve(), or choose the solve() style yourself.
import sys

sys.setrecursionlimit(10000)


def solve():
    data = sys.stdin.read().split()
    for i in range(int(data[0])):
        print(int(data[1 + 2 * i]) + int(data[2 + 2 * i]))
