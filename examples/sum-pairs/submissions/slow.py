# Right answers, but far too slow on the largest tests (N = 1000): time limit exceeded.
import sys
import time

lines = sys.stdin.read().split("\n")
n = int(lines[0])
for line in lines[1 : n + 1]:
    a, b = map(int, line.split())
    if n >= 1000:
        time.sleep(0.01)  # pretend each pair takes real work: 10 s in all
    print(a + b)
