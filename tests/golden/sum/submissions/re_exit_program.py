import sys

a, b = map(int, sys.stdin.readline().split())
print(a + b)
if a == 13:
    sys.exit(3)
