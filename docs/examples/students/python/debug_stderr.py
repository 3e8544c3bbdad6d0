# The same debugging line on standard error: it is not compared, so this gets AC.
import sys

n = int(input())
print("n is", n, file=sys.stderr)
for _ in range(n):
    a, b = map(int, input().split())
    print(a + b)
