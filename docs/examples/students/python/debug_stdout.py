# Wrong answer on every test: the debugging line goes to standard output, which is
# compared with the expected answer.
n = int(input())
print("n is", n)  # fix: print("n is", n, file=sys.stderr)
for _ in range(n):
    a, b = map(int, input().split())
    print(a + b)
