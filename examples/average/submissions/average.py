def solve():
    n = int(input())
    values = list(map(float, input().split()))
    print(f"{sum(values) / n:.10g}")
