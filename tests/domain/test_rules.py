"""School rules as data: averages, weights and deadlines."""

from __future__ import annotations

from datetime import date, time

import pytest

from ejournal.domain.rules import DEFAULT_RULES, SchoolRules, averages
from tests.domain.builders import local


def test_no_marks_have_no_averages() -> None:
    assert averages([]) == (None, None)


def test_equal_weights_give_equal_averages() -> None:
    assert averages([(5, 1), (4, 1), (3, 1)]) == (4.0, 4.0)


def test_weighted_average_counts_heavy_work_more() -> None:
    # a control (3) of 2 and an oral (1) of 5: plain 3.5, weighted 11/4
    assert averages([(2, 3), (5, 1)]) == (3.5, 2.75)


def test_averages_are_rounded_to_two_places() -> None:
    # plain 14/3 = 4.666..., weighted (5 + 5 + 4*2) / 4 = 4.5
    plain, weighted = averages([(5, 1), (5, 1), (4, 2)])

    assert plain == 4.67
    assert weighted == 4.5


def test_weighted_average_rounds_a_repeating_fraction() -> None:
    # (5*1 + 4*2) / 3 = 4.333...
    assert averages([(5, 1), (4, 2)]) == (4.5, 4.33)


def test_plain_average_rounds_half_up_like_a_teacher_would() -> None:
    # 8 marks summing to 33: 4.125 is 4.13 by hand, not 4.12 (half to even)
    plain, _ = averages([(5, 1)] + [(4, 1)] * 7)

    assert plain == 4.13


def test_weighted_average_rounds_half_up_like_a_teacher_would() -> None:
    # (5*1 + 4*3 + 4*3 + 4*1) / 8 = 33 / 8 = 4.125
    _, weighted = averages([(5, 1), (4, 3), (4, 3), (4, 1)])

    assert weighted == 4.13


@pytest.mark.parametrize(
    ("work_type", "weight"),
    [
        ("oral", 1),
        ("classwork", 1),
        ("homework", 1),
        ("test", 2),
        ("lab", 2),
        ("practical", 2),
        ("written", 2),
        ("control", 3),
        ("unknown", 1),
    ],
)
def test_default_weights_by_work_type(work_type: str, weight: int) -> None:
    assert DEFAULT_RULES.weight(work_type) == weight


def test_school_local_date_of_a_late_utc_evening_is_the_next_day() -> None:
    assert DEFAULT_RULES.local_date(local(2026, 11, 17, 0, 30)) == date(2026, 11, 17)


def test_end_of_day_is_23_59_59_school_local() -> None:
    end = DEFAULT_RULES.end_of_day(date(2026, 11, 16))

    assert end == local(2026, 11, 16, 23, 59, 59, 999_999)


def test_end_of_day_follows_the_schools_time_zone() -> None:
    vladivostok = SchoolRules(time_zone="Asia/Vladivostok")  # UTC+10

    assert vladivostok.end_of_day(date(2026, 11, 16)).isoformat() == (
        "2026-11-16T13:59:59.999999+00:00"
    )


def test_homework_is_due_90_minutes_after_the_last_lesson_of_the_day() -> None:
    due = DEFAULT_RULES.homework_due(date(2026, 11, 16), time(14, 10))

    assert due == local(2026, 11, 16, 15, 40)


def test_homework_delay_is_a_school_setting() -> None:
    rules = SchoolRules(homework_delay_minutes=30)

    assert rules.homework_due(date(2026, 11, 16), time(14, 10)) == local(
        2026, 11, 16, 14, 40
    )


def test_mark_due_of_an_unknown_work_type_is_the_lesson_day() -> None:
    assert DEFAULT_RULES.mark_due(date(2026, 11, 16), "unknown") == local(
        2026, 11, 16, 23, 59, 59, 999_999
    )
