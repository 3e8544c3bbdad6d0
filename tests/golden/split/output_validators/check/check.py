#!/usr/bin/env python3
"""Output validator for `split` (Kattis protocol).

    check.py input_file judge_answer_file feedback_dir [flags...] < team_output

Exit 42 accepts, 43 rejects (with the reason in feedback_dir/judgemessage.txt). The team's
output must start with two different positive integers adding up to S; with the flag
`exact_tokens` nothing may follow them. The judge's answer is only checked for sanity.
"""

import os
import re
import sys

ACCEPT, REJECT = 42, 43
INTEGER = re.compile(rb"[+-]?[0-9]{1,30}")


def finish(code, message, feedback_dir):
    with open(os.path.join(feedback_dir, "judgemessage.txt"), "w") as feedback:
        feedback.write(message + "\n")
    sys.exit(code)


def main():
    if len(sys.argv) < 4:
        sys.stderr.write("usage: check.py input answer feedback_dir [flags] < output\n")
        sys.exit(1)
    input_file, answer_file, feedback_dir = sys.argv[1:4]
    flags = sys.argv[4:]
    with open(input_file, "rb") as source:
        target = int(source.read().split()[0])
    with open(answer_file, "rb") as source:
        judge = [int(token) for token in source.read().split()]
    assert len(judge) == 2 and sum(judge) == target and judge[0] != judge[1], "bad .ans"

    tokens = sys.stdin.buffer.read().split()
    if len(tokens) < 2:
        finish(REJECT, f"expected two integers, got {len(tokens)} token(s)", feedback_dir)
    for token in tokens[:2]:
        if INTEGER.fullmatch(token) is None:
            finish(REJECT, f"not an integer: {token[:40]!r}", feedback_dir)
    a, b = int(tokens[0]), int(tokens[1])
    if a <= 0 or b <= 0:
        finish(REJECT, f"{a} and {b} must both be positive", feedback_dir)
    if a == b:
        finish(REJECT, f"the two numbers must differ, both are {a}", feedback_dir)
    if a + b != target:
        finish(REJECT, f"{a} + {b} = {a + b}, not {target}", feedback_dir)
    if "exact_tokens" in flags and len(tokens) != 2:
        finish(REJECT, f"{len(tokens) - 2} extra token(s) after the answer", feedback_dir)
    finish(ACCEPT, f"{a} + {b} = {target}", feedback_dir)


main()
