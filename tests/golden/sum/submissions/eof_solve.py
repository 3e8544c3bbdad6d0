# Reads to end of input: each test must see only its own numbers.
import sys


def solve():
    numbers = [int(token) for token in sys.stdin.read().split()]
    if len(numbers) != 2:
        print("read", len(numbers), "numbers")
        return
    print(sum(numbers))
    assert sys.stdin.read() == ""  # still at end of input
