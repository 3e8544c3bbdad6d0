import sys

data = sys.stdin.read().split()
n = int(data[0])
values = list(map(int, data[1 : n + 1]))
best, run = -(10**18), 0
for x in values:
    run = max(run + x, x)
    best = max(best, run)
print(sum(values), best, len(set(values)))
