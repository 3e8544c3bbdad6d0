"""Rate limits, quota periods and the abuse classification, without a server."""

from datetime import UTC, datetime

import pytest

from batchjudge.domain.errors import ConfigError, RateLimitedError
from batchjudge.domain.reports import CaseResult, CompileReport, GradeReport
from batchjudge.domain.styles import Mode, Style
from batchjudge.domain.verdicts import Verdict
from batchjudge.services.abuse import sandbox_violation
from batchjudge.services.quotas import Allowance, Month
from batchjudge.services.rate_limits import RateLimits, build_storage, parse_limits
from batchjudge.settings import Settings


def _limits(submissions: str = "3/minute", anonymous: str = "2/minute") -> RateLimits:
    return RateLimits(
        build_storage(None),
        parse_limits("rate_limit_submissions", submissions),
        parse_limits("rate_limit_anonymous", anonymous),
    )


def test_a_limit_string_that_does_not_parse_names_its_variable():
    with pytest.raises(ConfigError, match="BATCHJUDGE_RATE_LIMIT_SUBMISSIONS='ten a minute'"):
        RateLimits.from_settings(Settings(rate_limit_submissions="ten a minute"))
    with pytest.raises(ConfigError, match="BATCHJUDGE_RATE_LIMIT_ANONYMOUS"):
        RateLimits.from_settings(Settings(rate_limit_anonymous="60/fortnight"))


def test_several_limits_separated_by_semicolons_all_apply():
    assert [str(item) for item in parse_limits("x", "2/second; 100/hour")] == [
        "2 per 1 second",
        "100 per 1 hour",
    ]


def test_the_submission_after_the_limit_is_refused_with_the_wait():
    limits = _limits("3/minute")
    for _ in range(3):
        limits.check_submissions(7)
    with pytest.raises(RateLimitedError, match="at most 3 per minute") as refused:
        limits.check_submissions(7)
    assert refused.value.retry_after_s is not None
    assert 1 <= refused.value.retry_after_s <= 60
    limits.check_submissions(8)  # another user has a counter of their own


def test_a_refused_request_costs_nothing():
    limits = _limits("2/minute")
    limits.check_submissions(1)
    with pytest.raises(RateLimitedError):
        limits.check_submissions(1, cost=2)  # a batch of 2 does not fit in the 1 left
    limits.check_submissions(1)  # the one left is still there


def test_a_batch_larger_than_the_limit_says_so():
    with pytest.raises(RateLimitedError, match="5 submissions at once are more than the 3"):
        _limits("3/minute").check_submissions(1, cost=5)


def test_anonymous_requests_are_counted_per_address():
    limits = _limits(anonymous="2/minute")
    limits.check_anonymous("10.0.0.1")
    limits.check_anonymous("10.0.0.1")
    with pytest.raises(RateLimitedError, match="requests from your address"):
        limits.check_anonymous("10.0.0.1")
    limits.check_anonymous("10.0.0.2")


def test_reached_is_true_at_the_threshold_then_counts_afresh():
    limits = _limits()
    seen = [limits.reached("flood", "7", 3, 600) for _ in range(7)]
    assert seen == [False, False, True, False, False, True, False]
    assert limits.reached("flood", "8", 1, 600) is True  # per identifier


def test_a_month_runs_from_its_first_day_to_the_next_months():
    month = Month.containing(datetime(2026, 11, 17, 13, 5, tzinfo=UTC))
    assert (month.start, month.end) == (
        datetime(2026, 11, 1, tzinfo=UTC),
        datetime(2026, 12, 1, tzinfo=UTC),
    )
    assert (month.label, month.resets_on) == ("November 2026", "1 December")
    december = Month.containing(datetime(2026, 12, 31, 23, 59, tzinfo=UTC))
    assert december.end == datetime(2027, 1, 1, tzinfo=UTC)
    assert december.resets_on == "1 January"


def test_an_allowance_is_spent_at_its_quota():
    assert not Allowance(4, 5).is_spent
    assert Allowance(5, 5).is_spent
    assert not Allowance(10**6, None).is_spent


def _report(*tests: tuple[Verdict, str]) -> GradeReport:
    cases = tuple(
        CaseResult(f"t{i}", verdict, message=msg) for i, (verdict, msg) in enumerate(tests)
    )
    return GradeReport(
        Verdict.AC,
        "python3",
        Style.PROGRAM,
        Mode.MULTI,
        CompileReport(True, 0.0, "", False),
        cases,
        0.1,
    )


@pytest.mark.parametrize(
    ("tests", "expected"),
    [
        ([(Verdict.AC, "")] * 3 + [(Verdict.MLE, "")] * 40, "memory hog"),
        ([(Verdict.RE, "exit status 1: MemoryError")], "memory hog"),
        (
            [
                (
                    Verdict.RE,
                    "exit status 1: BlockingIOError: [Errno 11] Resource temporarily unavailable",
                )
            ],
            "fork bomb",
        ),
        (
            [(Verdict.RE, "exit status 1: PermissionError: [Errno 1] Operation not permitted")],
            "refused system call",
        ),
        ([(Verdict.RE, "killed by signal 31 (SIGSYS)")], "refused system call"),
        (
            [(Verdict.WA, ""), (Verdict.TLE, ""), (Verdict.RE, "exit status 1: ZeroDivisionError")],
            None,
        ),
        ([(Verdict.WA, "Operation not permitted in the answer")], None),
    ],
)
def test_sandbox_violations_are_read_from_the_test_results(tests, expected):
    assert sandbox_violation(_report(*tests)) == expected


def test_staff_have_a_limit_of_their_own():
    limits = RateLimits.from_settings(
        Settings(rate_limit_submissions="2/minute", rate_limit_staff_submissions="5/minute")
    )
    for _ in range(5):
        limits.check_submissions(3, staff=True)
    with pytest.raises(RateLimitedError, match="at most 5 per minute"):
        limits.check_submissions(3, staff=True)
    with pytest.raises(ConfigError, match="BATCHJUDGE_RATE_LIMIT_STAFF_SUBMISSIONS"):
        RateLimits.from_settings(Settings(rate_limit_staff_submissions="lots"))
