# CRLF line endings: the validator is whitespace-sensitive, so every test fails.
import sys


def solve():
    for line in sys.stdin.read().split("\n")[:-1]:
        sys.stdout.write(line.upper() + "\r\n")
