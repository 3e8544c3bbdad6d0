# Splits near the middle, moving apart when the halves would be equal.
def solve():
    s = int(input())
    a = s // 2
    b = s - a
    if a == b:
        a, b = a - 1, b + 1
    print(a, b)
