"""StreamSlots: at most N open streams per user, each given back however its stream ends."""

import pytest

from batchjudge.domain.errors import LimitedError
from batchjudge.service.stream_slots import StreamSlots


def test_one_stream_more_than_the_cap_is_refused_with_a_wait():
    slots = StreamSlots(per_user=2)
    with slots.held(7), slots.held(7):
        with pytest.raises(LimitedError) as refused, slots.held(7):
            pass
        assert str(refused.value).startswith("you have 2 live result streams open; close one")
        assert refused.value.retry_after_s == 5.0
        with slots.held(8):  # another user's slots are their own
            assert (slots.open_count(7), slots.open_count(8)) == (2, 1)
    assert slots.open_count(7) == 0


def test_a_slot_is_given_back_when_its_stream_fails():
    slots = StreamSlots(per_user=1)
    with pytest.raises(RuntimeError), slots.held(7):
        raise RuntimeError("the client went away")
    with slots.held(7):
        assert slots.open_count(7) == 1
    assert slots.open_count(7) == 0
