# Six decimals: 1.333333 is 3.3e-7 away from 4/3, inside the 1e-6 tolerance.
n = int(input())
values = [float(token) for token in input().split()]
print(f"{sum(values) / n:.6f}")
