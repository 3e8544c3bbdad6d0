# Compile error: Python 2's print statement. Python 3 rejects the file before any test
# runs (SyntaxError), and the message is shown instead of test results.
n = int(input())
for _ in range(n):
    a, b = map(int, input().split())
    print a + b
