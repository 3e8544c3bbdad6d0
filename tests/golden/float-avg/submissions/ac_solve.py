# Python's shortest repr: 1.5000000000000002e-07 for secret/03, 123456789013.0 for secret/04.
def solve():
    n = int(input())
    values = [float(token) for token in input().split()]
    print(sum(values) / n)
