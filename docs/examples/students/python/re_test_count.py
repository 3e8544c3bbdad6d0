# Run-time error on every test: written for judges whose input starts with the number of
# tests T. Here the input is ONE test, so the first line is N, and int("1 2") fails:
#   ValueError: invalid literal for int() with base 10: '1 2'
def solve():
    t = int(input())  # fix: there is no T; solve() handles exactly one test
    for _ in range(t):
        n = int(input())
        for _ in range(n):
            a, b = map(int, input().split())
            print(a + b)
