"""Output validator for "Pair sum", in the Kattis protocol:

    python3 validate.py INPUT ANSWER FEEDBACK_DIR [FLAGS...] < program's output

Exit 42 accepts and 43 rejects; batchjudge shows what this program writes to stderr as
the test's message. Any other exit, a crash included, is a judge error (verdict IE).
"""

import re
import sys

ACCEPTED, WRONG_ANSWER = 42, 43
POSITION = re.compile(rb"[0-9]{1,9}")


def reject(reason):
    sys.stderr.write(reason + "\n")
    sys.exit(WRONG_ANSWER)


def main():
    input_file, answer_file = sys.argv[1], sys.argv[2]
    with open(input_file, "rb") as data:
        n, target, *values = map(int, data.read().split())
    with open(answer_file, "rb") as data:
        judge_has_pair = data.read().split()[0].lower() != b"impossible"

    # Bytes, not text: whatever the program printed must not crash the validator.
    tokens = sys.stdin.buffer.read().split()
    if not tokens:
        reject("no output: expected two positions or 'impossible'")
    if tokens[0].lower() == b"impossible":
        if len(tokens) > 1:
            reject(f"{len(tokens) - 1} extra token(s) after 'impossible'")
        if judge_has_pair:
            reject("you answered 'impossible', but a pair exists")
        sys.exit(ACCEPTED)
    if len(tokens) != 2 or not all(POSITION.fullmatch(t) for t in tokens):
        shown = b" ".join(tokens[:3])[:60].decode("utf-8", "replace")
        reject(f"expected two positions or 'impossible', got {shown!r}")
    i, j = int(tokens[0]), int(tokens[1])
    for position in (i, j):
        if not 1 <= position <= n:
            reject(f"position {position} is outside 1..{n}")
    if i == j:
        reject(f"positions {i} and {j} are the same; a pair needs two different positions")
    if values[i - 1] + values[j - 1] != target:
        total = values[i - 1] + values[j - 1]
        reject(f"a[{i}] + a[{j}] = {values[i - 1]} + {values[j - 1]} = {total}, not {target}")
    if not judge_has_pair:
        # The program found a pair the answer file says does not exist: the test data is
        # wrong, and no student should get WA (or AC) for it. Exit 1 makes the test IE.
        sys.stderr.write(f"the answer file says impossible, but positions {i} {j} work\n")
        sys.exit(1)
    sys.exit(ACCEPTED)


main()
