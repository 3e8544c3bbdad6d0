"""Verdict codes and how a list of per-test verdicts becomes one overall verdict."""

from collections.abc import Iterable
from enum import StrEnum


class Verdict(StrEnum):
    """Outcome of one test, or of a whole submission."""

    AC = "AC"
    WA = "WA"
    TLE = "TLE"
    MLE = "MLE"
    OLE = "OLE"
    RE = "RE"
    CE = "CE"
    IE = "IE"
    SKIPPED = "SKIPPED"


def overall_verdict(verdicts: Iterable[Verdict]) -> Verdict:
    """The first non-AC verdict in test order, or AC.

    Skipped tests (stop-on-first-failure) only follow a failure, so they never decide.
    An empty list is AC: a problem without tests accepts everything that compiles.
    """
    for verdict in verdicts:
        if verdict not in (Verdict.AC, Verdict.SKIPPED):
            return verdict
    return Verdict.AC
