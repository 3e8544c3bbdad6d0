# solve() style: batchjudge calls solve() once per test.
def solve():
    n, target = map(int, input().split())
    values = list(map(int, input().split()))
    first_seen = {}  # value -> first position holding it
    for j, value in enumerate(values, start=1):
        if target - value in first_seen:
            print(first_seen[target - value], j)
            return
        first_seen.setdefault(value, j)
    print("impossible")
