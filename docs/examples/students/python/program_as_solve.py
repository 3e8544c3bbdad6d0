# A whole program, submitted with the Style set to solve(). The file runs (and prints the
# right sums), then batchjudge calls solve(), which does not exist:
#   NameError: name 'solve' is not defined
# Fix: choose Program (main), or Detect it.
import sys

data = sys.stdin.read().split()
for i in range(int(data[0])):
    print(int(data[1 + 2 * i]) + int(data[2 + 2 * i]))
