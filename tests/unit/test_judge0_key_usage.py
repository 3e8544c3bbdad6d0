"""What a stored Judge0 key has left: daily use reset at UTC midnight, the provider's count
as a cap, 429 rests, and when a spent key comes back."""

from datetime import UTC, datetime, timedelta, timezone

from batchjudge.db.judge0 import Judge0ApiKey
from batchjudge.services.judge0_keys import (
    available_from,
    key_status,
    key_usage,
    next_utc_midnight,
    utc_day,
)

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
MIDNIGHT = datetime(2026, 11, 23, tzinfo=UTC)


def _row(**fields: object) -> Judge0ApiKey:
    values: dict[str, object] = {
        "id": 1,
        "label": "school",
        "ciphertext": b"",
        "last4": "abcd",
        "daily_quota": 100,
        "used_today": 0,
        "usage_day": "2026-11-22",
        "quota_remaining": None,
        "exhausted_until": None,
        "retired_at": None,
        "last_used_at": None,
        "created_at": NOW - timedelta(days=3),
    }
    return Judge0ApiKey(**(values | fields))


def test_days_are_utc_days_whatever_the_time_zone():
    late_in_samoa = datetime(2026, 11, 22, 23, 30, tzinfo=timezone(timedelta(hours=13)))
    assert utc_day(late_in_samoa) == "2026-11-22"
    assert next_utc_midnight(late_in_samoa) == MIDNIGHT
    assert next_utc_midnight(MIDNIGHT) == MIDNIGHT + timedelta(days=1)


def test_remaining_is_the_daily_quota_minus_todays_use():
    assert key_usage(_row(used_today=30), NOW).remaining(NOW) == 70
    assert key_usage(_row(used_today=130), NOW).remaining(NOW) == 0


def test_the_providers_count_caps_the_daily_quota_when_lower():
    assert key_usage(_row(used_today=30, quota_remaining=5), NOW).remaining(NOW) == 5
    assert key_usage(_row(used_today=30, quota_remaining=500), NOW).remaining(NOW) == 70
    assert key_usage(_row(used_today=30, quota_remaining=0), NOW).remaining(NOW) == 0


def test_use_and_the_providers_count_are_forgotten_at_utc_midnight():
    yesterday = _row(used_today=100, quota_remaining=0, usage_day="2026-11-21")
    usage = key_usage(yesterday, NOW)
    assert (usage.used_today, usage.remaining(NOW)) == (0, 100)
    status = key_status(yesterday, NOW)
    assert (status.used_today, status.provider_remaining, status.masked) == (0, None, "…abcd")


def test_a_usable_key_is_available_now_and_a_retired_one_never():
    assert available_from(_row(), NOW) == NOW
    assert available_from(_row(retired_at=NOW), NOW) is None
    assert key_usage(_row(retired_at=NOW), NOW).remaining(NOW) == 0


def test_a_resting_key_comes_back_when_its_rest_ends_or_at_midnight_if_spent():
    rest = NOW + timedelta(hours=2)
    assert available_from(_row(exhausted_until=rest), NOW) == rest
    assert available_from(_row(exhausted_until=NOW - timedelta(seconds=1)), NOW) == NOW
    assert available_from(_row(used_today=100), NOW) == MIDNIGHT
    assert available_from(_row(quota_remaining=0), NOW) == MIDNIGHT
    long_rest = MIDNIGHT + timedelta(hours=5)
    assert available_from(_row(used_today=100, exhausted_until=long_rest), NOW) == long_rest
    assert available_from(_row(used_today=100, exhausted_until=rest), NOW) == MIDNIGHT


def test_the_status_shows_a_rest_only_while_it_lasts():
    assert key_status(_row(exhausted_until=NOW + timedelta(minutes=1)), NOW).exhausted_until
    assert key_status(_row(exhausted_until=NOW - timedelta(minutes=1)), NOW).exhausted_until is None
