"""The Kattis default output validator: tokens, case, whitespace, floats, messages, speed."""

import time

import pytest

from batchjudge.domain.errors import ProblemError
from batchjudge.validation import CheckResult, ValidatorFlags, check_output, parse_default_flags
from batchjudge.validation.flags import split_flags
from batchjudge.validation.numbers import is_non_finite_literal, parse_decimal


def check(output: bytes, answer: bytes, flags: str = "") -> CheckResult:
    return check_output(output, answer, parse_default_flags(split_flags(flags)))


def accepted(output: bytes, answer: bytes, flags: str = "") -> bool:
    return check(output, answer, flags).accepted


# --- tokens, whitespace amount, case -------------------------------------------------


def test_identical_output_is_accepted_with_empty_message():
    assert check(b"1 2 3\n", b"1 2 3\n") == CheckResult(True, "")


@pytest.mark.parametrize(
    "output",
    [b"1 2 3", b"1  2\t3\n\n", b"\n\n1\n2\n3\n", b"1\r\n2\r\n3\r\n", b"  1 2 3   ", b"1\x0b2\x0c3"],
)
def test_amount_of_whitespace_is_ignored_by_default(output):
    assert accepted(output, b"1 2 3\n")


def test_tokens_are_not_split_inside():
    assert not accepted(b"12 3\n", b"1 2 3\n")


def test_case_is_ignored_by_default():
    assert accepted(b"YES\nNo\n", b"yes\nno\n")


def test_case_sensitive_rejects_other_case():
    result = check(b"YES\n", b"yes\n", "case_sensitive")
    assert not result.accepted
    assert result.message == "token 1 differs (line 1): expected 'yes', got 'YES'"


def test_case_folding_is_ascii_only():
    assert not accepted("É\n".encode(), "é\n".encode())


def test_wrong_token_message_names_token_number_and_lines():
    result = check(b"1 2\n3 5\n", b"1 2\n3 4\n")
    assert result.message == "token 4 differs (line 2): expected '4', got '5'"


def test_message_names_both_lines_when_they_differ():
    result = check(b"1 2 3 5\n", b"1\n2\n3\n4\n")
    assert result.message == "token 4 differs (output line 1, answer line 4): expected '4', got '5'"


def test_message_quotes_the_original_case_when_folding():
    result = check(b"Hello World\n", b"hello there\n")
    assert "got 'World'" in result.message
    assert "expected 'there'" in result.message


# --- trailing, missing, empty --------------------------------------------------------


def test_trailing_output_is_rejected():
    result = check(b"1 2 3\n4\n", b"1 2 3\n")
    assert not result.accepted
    assert result.message == (
        "trailing output after the answer's last token: '4' (token 4, output line 2)"
    )


def test_missing_tokens_are_rejected():
    result = check(b"1 2\n", b"1 2\n3\n")
    assert not result.accepted
    assert result.message == (
        "output ended after 2 tokens; the answer continues with '3' (answer line 2)"
    )


def test_empty_output_against_empty_answer_is_accepted():
    assert accepted(b"", b"")


def test_whitespace_only_output_against_empty_answer_is_accepted():
    assert accepted(b" \n\n\t", b"")


def test_empty_output_against_an_answer_is_rejected():
    result = check(b"", b"42\n")
    assert result.message == (
        "output ended after 0 tokens; the answer continues with '42' (answer line 1)"
    )


def test_whitespace_only_output_against_an_answer_is_rejected():
    assert not accepted(b"\n\n  \n", b"42\n")


def test_output_against_an_empty_answer_is_trailing():
    assert check(b"x", b"").message.startswith("trailing output")


# --- long outputs --------------------------------------------------------------------


def _numbers(count: int, separator: bytes = b"\n") -> bytes:
    return separator.join(b"%d" % i for i in range(count)) + b"\n"


def test_early_difference_in_long_output_is_reported_at_its_place():
    answer = _numbers(100_000)
    output = b"x" + answer[1:]
    assert check(output, answer).message == "token 1 differs (line 1): expected '0', got 'x'"


def test_late_difference_in_long_output_is_reported_at_its_place():
    answer = _numbers(100_000)
    output = answer[: -len(b"99999\n")] + b"99998\n"
    assert check(output, answer).message == (
        "token 100000 differs (line 100000): expected '99999', got '99998'"
    )


def test_trailing_output_after_long_answer():
    answer = _numbers(50_000)
    result = check(answer + b"extra\n", answer)
    assert result.message == (
        "trailing output after the answer's last token: 'extra' (token 50001, output line 50001)"
    )


def test_long_tokens_are_shortened_in_messages():
    result = check(b"a" * 10_000, b"b" * 10_000)
    assert not result.accepted
    assert len(result.message) < 200


# --- binary output -------------------------------------------------------------------


def test_binary_garbage_is_rejected_without_crashing():
    garbage = bytes(range(256)) * 64
    result = check(garbage, b"hello\n")
    assert not result.accepted
    assert result.message


def test_identical_binary_garbage_is_accepted():
    garbage = bytes(range(256)) * 64
    assert accepted(garbage, garbage)


def test_invalid_utf8_is_compared_as_bytes():
    assert accepted(b"\xff\xfe \x00\n", b"\xff\xfe \x00")
    assert not accepted(b"\xff\n", b"\xfe\n")


def test_invalid_utf8_is_shown_with_replacement_characters():
    message = check(b"\xff\x00ok\n", b"ok\n").message
    assert "\ufffd" in message
    assert "\\x00" in message


# --- float tolerances ----------------------------------------------------------------


def test_numbers_compare_as_text_without_tolerance():
    assert not accepted(b"1.0\n", b"1\n")


@pytest.mark.parametrize(
    ("output", "answer"),
    [
        (b"0.0314", b"3.14e-2"),
        (b"3.14E-2", b"0.0314"),
        (b"1", b"1.000"),
        (b"+1", b"1"),
        (b".5", b"0.5"),
        (b"5.", b"5"),
        (b"-0", b"0"),
        (b"1e3", b"1000"),
    ],
)
def test_any_float_spelling_is_accepted_with_a_tolerance(output, answer):
    assert accepted(output, answer, "float_tolerance 1e-9")


def test_absolute_tolerance_accepts_within_and_rejects_beyond():
    assert accepted(b"1.05\n", b"1\n", "float_absolute_tolerance 0.1")
    result = check(b"1.4\n", b"1\n", "float_absolute_tolerance 0.1")
    assert not result.accepted
    assert result.message == (
        "token 1 (line 1): '1.4' is too far from '1' (difference 0.4, absolute tolerance 0.1)"
    )


def test_absolute_tolerance_alone_does_not_scale_with_the_value():
    assert not accepted(b"1000001\n", b"1000000\n", "float_absolute_tolerance 0.1")


def test_relative_tolerance_scales_with_the_judge_value():
    assert accepted(b"105\n", b"100\n", "float_relative_tolerance 0.1")
    assert not accepted(b"0.5\n", b"0.3\n", "float_relative_tolerance 0.1")
    result = check(b"105\n", b"100\n", "float_relative_tolerance 0.01")
    assert "relative tolerance 0.01" in result.message


def test_float_tolerance_accepts_when_either_tolerance_does():
    flags = "float_tolerance 0.01"
    assert accepted(b"0.005\n", b"0\n", flags)  # absolute
    assert accepted(b"1000005\n", b"1000000\n", flags)  # relative
    assert not accepted(b"1.5\n", b"1\n", flags)


def test_separate_tolerances_combine_as_either():
    flags = "float_absolute_tolerance 1e-6 float_relative_tolerance 1e-3"
    assert accepted(b"1000.5\n", b"1000\n", flags)
    assert accepted(b"0.0000005\n", b"0\n", flags)
    assert not accepted(b"1.01\n", b"1\n", flags)


def test_zero_judge_value_with_only_relative_tolerance_needs_an_exact_zero():
    flags = "float_relative_tolerance 0.5"
    assert accepted(b"0.0\n", b"0\n", flags)
    assert accepted(b"-0e10\n", b"0\n", flags)
    assert not accepted(b"1e-300\n", b"0\n", flags)


def test_tolerance_bound_is_inclusive_in_decimal_terms():
    # In binary, 1.1 - 1 is a hair above 0.1; the author's 0.1 is meant decimally.
    assert accepted(b"1.1\n", b"1\n", "float_absolute_tolerance 0.1")
    assert accepted(b"1.3\n", b"1\n", "float_absolute_tolerance 0.3")
    assert accepted(b"110\n", b"100\n", "float_relative_tolerance 0.1")
    assert not accepted(b"1.30000001\n", b"1\n", "float_absolute_tolerance 0.3")
    assert not accepted(b"0.7\n", b"1\n", "float_absolute_tolerance 0.29999")


def test_zero_tolerance_accepts_equal_values_in_any_spelling():
    assert accepted(b"1.000\n", b"1\n", "float_absolute_tolerance 0")
    assert not accepted(b"1.001\n", b"1\n", "float_absolute_tolerance 0")


@pytest.mark.parametrize("output", [b"abc", b"1.4\xf0\x9f\x9a\x80", b"1_0", b"0x10", b"1e", b"."])
def test_team_token_must_be_a_decimal_number_where_the_judge_has_one(output):
    result = check(output, b"10\n", "float_tolerance 1e-6")
    assert not result.accepted
    assert "expected a number near '10'" in result.message


def test_non_numeric_judge_tokens_compare_as_text_with_a_tolerance():
    assert accepted(b"Case #1: 2.0\n", b"case #1: 2\n", "float_tolerance 1e-9")
    assert not accepted(b"Case #1: 2.0\n", b"case #1: 2\n", "float_tolerance 1e-9 case_sensitive")


@pytest.mark.parametrize(
    ("output", "answer"),
    [(b"INF", b"inf"), (b"NaN", b"nan"), (b"-Infinity", b"-infinity"), (b"nan", b"NAN")],
)
def test_non_finite_judge_tokens_match_text_ignoring_case(output, answer):
    assert accepted(output, answer, "float_tolerance 1e-6 case_sensitive")


@pytest.mark.parametrize(
    ("output", "answer"),
    [(b"0", b"inf"), (b"-inf", b"inf"), (b"1e999", b"inf"), (b"nan", b"0"), (b"inf", b"1e308")],
)
def test_non_finite_values_do_not_match_other_values(output, answer):
    assert not accepted(output, answer, "float_tolerance 1e-6")


def test_judge_literal_beyond_double_range_compares_as_text():
    assert accepted(b"1E999", b"1e999", "float_tolerance 1e-6 case_sensitive")
    assert not accepted(b"2e999", b"1e999", "float_tolerance 1e-6")


def test_message_for_inf_judge_token_is_a_token_difference():
    message = check(b"0\n", b"inf\n", "float_tolerance 1e-6").message
    assert message == "token 1 differs (line 1): expected 'inf', got '0'"


def test_many_differently_formatted_floats_are_accepted():
    answer = b" ".join(b"%.6f" % (i / 7) for i in range(20_000))
    output = b"\n".join(b"%.12e" % (i / 7) for i in range(20_000))
    assert accepted(output, answer, "float_tolerance 1e-6")
    worse = output.replace(b"\n1.000000000000e+03\n", b"\n1.000010000000e+03\n")
    assert check(worse, answer, "float_tolerance 1e-6").message == (
        "token 7001 (output line 7001, answer line 1): '1.000010000000e+03' is too far from "
        "'1000.000000' (difference 0.01, absolute tolerance 1e-06 or relative tolerance 1e-06)"
    )


# --- space_change_sensitive ----------------------------------------------------------


SPACED = "space_change_sensitive"


def test_space_sensitive_accepts_identical_whitespace():
    assert accepted(b"1 2\n3\n", b"1 2\n3\n", SPACED)


@pytest.mark.parametrize(
    ("output", "message"),
    [
        (b"1 2\n\n3\n", "whitespace after token 2 differs (line 1): expected '\\n', got '\\n\\n'"),
        (b"1 2 \n3\n", "whitespace after token 2 differs (line 1): expected '\\n', got ' \\n'"),
        (b"1\t2\n3\n", "whitespace after token 1 differs (line 1): expected ' ', got '\\t'"),
        (b"1  2\n3\n", "whitespace after token 1 differs (line 1): expected ' ', got '  '"),
        (b"1 2\r\n3\n", "whitespace after token 2 differs (line 1): expected '\\n', got '\\r\\n'"),
        (b"1 2\n3", "whitespace after token 3 differs (line 2): expected '\\n', got end of file"),
        (b"1 2\n3\n\n", "whitespace after token 3 differs (line 2): expected '\\n', got '\\n\\n'"),
        (b" 1 2\n3\n", "leading whitespace differs: expected no whitespace, got ' '"),
    ],
)
def test_space_sensitive_rejects_any_whitespace_change(output, message):
    result = check(output, b"1 2\n3\n", SPACED)
    assert not result.accepted
    assert result.message == message


def test_space_sensitive_compares_whitespace_after_the_last_token():
    assert not accepted(b"1\n", b"1", SPACED)
    assert check(b"1", b"1\n", SPACED).message == (
        "whitespace after token 1 differs (line 1): expected '\\n', got end of file"
    )


def test_space_sensitive_expects_leading_whitespace_of_the_answer():
    message = check(b"1\n", b"  1\n", SPACED).message
    assert message == "leading whitespace differs: expected '  ', got no whitespace"


def test_space_sensitive_reports_trailing_and_missing_tokens():
    assert check(b"1\n2\n", b"1\n", SPACED).message == (
        "trailing output after the answer's last token: '2' (token 2, output line 2)"
    )
    assert check(b"1\n2", b"1", SPACED).message.startswith("trailing output")
    assert check(b"1\n", b"1\n2\n", SPACED).message == (
        "output ended after 1 token; the answer continues with '2' (answer line 2)"
    )


def test_space_sensitive_still_reports_the_first_token_difference():
    message = check(b"1 x\n3\n", b"1 2\n3\n", SPACED).message
    assert message == "token 2 differs (line 1): expected '2', got 'x'"


def test_space_sensitive_keeps_case_and_float_rules():
    assert accepted(b"YES 1.0\n", b"yes 1\n", f"{SPACED} float_tolerance 1e-9")
    assert not accepted(b"YES 1.0\n", b"yes  1\n", f"{SPACED} float_tolerance 1e-9")
    assert not accepted(b"YES\n", b"yes\n", f"{SPACED} case_sensitive")


def test_space_sensitive_empty_output():
    assert accepted(b"", b"", SPACED)
    assert not accepted(b"\n", b"", SPACED)
    assert not accepted(b"", b"\n", SPACED)


def test_space_sensitive_binary_garbage():
    garbage = bytes(range(256)) * 16
    assert accepted(garbage, garbage, SPACED)
    assert not check(garbage, garbage[:-1], SPACED).accepted


# --- speed ---------------------------------------------------------------------------


def _timed(output: bytes, answer: bytes, flags: str) -> tuple[CheckResult, float]:
    started = time.perf_counter()
    result = check(output, answer, flags)
    return result, time.perf_counter() - started


@pytest.mark.parametrize("flags", ["", "case_sensitive", "float_tolerance 1e-6", SPACED])
def test_a_million_tokens_check_quickly(flags):
    answer = _numbers(1_000_000, b" ")
    # Not byte-identical, so the whole token comparison runs.
    output = answer + b" " if flags != SPACED else answer.upper()
    result, seconds = _timed(output, answer, flags)
    assert result.accepted
    assert seconds < 2.0  # about 0.1 s here; generous for slow CI machines


def test_one_megabyte_checks_well_under_a_tenth_of_a_second():
    answer = _numbers(150_000)
    assert len(answer) > 900_000
    _timed(answer + b" ", answer, "")  # warm the code paths
    best = min(_timed(answer + b" ", answer, "")[1] for _ in range(3))
    assert best < 0.1  # about 0.015 s here


def test_late_difference_in_a_million_tokens_is_found_quickly():
    answer = _numbers(1_000_000)
    output = answer[:-2] + b"x\n"
    result, seconds = _timed(output, answer, "")
    assert "line 1000000" in result.message
    assert seconds < 3.0  # about 0.3 s here


# --- flags ---------------------------------------------------------------------------


def test_no_flags_mean_case_and_space_insensitive_text():
    assert parse_default_flags(()) == ValidatorFlags()
    assert not ValidatorFlags().compares_floats


def test_flags_are_read_in_any_order_and_raw_words_kept():
    words = split_flags("  float_absolute_tolerance 1e-6\tcase_sensitive\nspace_change_sensitive ")
    flags = parse_default_flags(words)
    assert flags == ValidatorFlags(
        raw=("float_absolute_tolerance", "1e-6", "case_sensitive", "space_change_sensitive"),
        case_sensitive=True,
        space_change_sensitive=True,
        absolute_tolerance=1e-6,
    )
    assert flags.compares_floats


def test_float_tolerance_sets_both_and_a_later_flag_overrides():
    flags = parse_default_flags(split_flags("float_tolerance 0.5 float_relative_tolerance 0.25"))
    assert (flags.absolute_tolerance, flags.relative_tolerance) == (0.5, 0.25)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("case_insensitive", "unknown flag 'case_insensitive'"),
        ("float_tolerance", "float_tolerance needs a number after it"),
        ("case_sensitive float_absolute_tolerance", "float_absolute_tolerance needs a number"),
        ("float_relative_tolerance abc", "float_relative_tolerance needs a finite number >= 0"),
        ("float_tolerance -1", "needs a finite number >= 0, got '-1'"),
        ("float_tolerance nan", "got 'nan'"),
        ("float_tolerance 1e999", "got '1e999'"),
        ("float_tolerance 1_0", "got '1_0'"),
    ],
)
def test_bad_flags_are_refused(text, message):
    with pytest.raises(ProblemError) as caught:
        parse_default_flags(split_flags(text))
    assert message in str(caught.value)


@pytest.mark.parametrize(
    ("token", "value"),
    [(b"1", 1.0), (b"-2.5", -2.5), (b"+.5", 0.5), (b"5.", 5.0), (b"1E-3", 1e-3), (b"007", 7.0)],
)
def test_decimal_literals_are_read(token, value):
    assert parse_decimal(token) == value


@pytest.mark.parametrize(
    "token", [b"", b"inf", b"nan", b"1_0", b"0x1p3", b"1e", b"e1", b"--1", b"1 "]
)
def test_other_tokens_are_not_decimal_literals(token):
    assert parse_decimal(token) is None


def test_non_finite_literals_are_recognised():
    assert all(map(is_non_finite_literal, [b"inf", b"-INF", b"+Infinity", b"NaN"]))
    assert not any(map(is_non_finite_literal, [b"infinit", b"nana", b"1e999"]))
