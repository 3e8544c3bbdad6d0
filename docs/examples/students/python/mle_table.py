# Memory limit exceeded: a list with one slot per possible sum (8e9 + 1 of them) instead
# of memory in proportion to N. Python gives up at once with MemoryError, which is MLE.
import sys

LIMIT = 2_000_000_000
data = sys.stdin.buffer.read().split()
n = int(data[0])
seen = [0] * (4 * LIMIT + 1)  # how often each sum appears
for i in range(n):
    s = int(data[1 + 2 * i]) + int(data[2 + 2 * i])
    seen[s + 2 * LIMIT] += 1
    print(s)
