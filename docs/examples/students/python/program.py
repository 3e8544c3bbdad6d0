# Program style: the whole file runs once per test, reading ONE test from standard input.
import sys

# --8<-- [start:fast_io]
data = sys.stdin.buffer.read().split()  # fast I/O: the whole input in one read
n = int(data[0])
sums = [int(data[1 + 2 * i]) + int(data[2 + 2 * i]) for i in range(n)]
sys.stdout.write("\n".join(map(str, sums)) + "\n")
# --8<-- [end:fast_io]
