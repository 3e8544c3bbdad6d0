# A whole program reading one test from stdin.
import sys

data = sys.stdin.buffer.read().split()
n = int(data[0])
numbers = list(map(int, data[1 : 1 + 2 * n]))
print("\n".join(str(numbers[2 * i] + numbers[2 * i + 1]) for i in range(n)))
