"""Opening an academic year: periods (четверти) and holidays (каникулы)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from ejournal.domain.base import fold
from ejournal.domain.errors import Invalid
from ejournal.domain.year import AcademicYear, YearOpened, open_year
from tests.domain.builders import meta

START, END = date(2026, 9, 1), date(2027, 5, 31)


def span(name: str, starts: str, ends: str) -> dict[str, Any]:
    return {
        "name": name,
        "starts_on": date.fromisoformat(starts),
        "ends_on": date.fromisoformat(ends),
    }


QUARTERS = [
    span("I", "2026-09-01", "2026-10-24"),
    span("II", "2026-11-05", "2026-12-27"),
    span("III", "2027-01-12", "2027-03-20"),
    span("IV", "2027-03-30", "2027-05-31"),
]
HOLIDAYS = [
    span("autumn", "2026-10-25", "2026-11-04"),
    span("winter", "2026-12-28", "2027-01-11"),
]


def when_opening(
    periods: list[dict[str, Any]] | None = None,
    holidays: list[dict[str, Any]] | None = None,
    starts_on: date = START,
    ends_on: date = END,
) -> AcademicYear:
    periods = QUARTERS if periods is None else periods
    return open_year(
        meta(),
        name="2026/2027",
        starts_on=starts_on,
        ends_on=ends_on,
        periods=periods,
        holidays=HOLIDAYS if holidays is None else holidays,
        period_ids=[f"p{i}" for i in range(len(periods))],
    )


def a_year() -> AcademicYear:
    year: AcademicYear = fold(when_opening().collect_events())
    return year


def test_opening_a_year_records_its_periods_and_holidays() -> None:
    [event] = when_opening().collect_events()

    assert isinstance(event, YearOpened)
    assert (event.name, event.starts_on, event.ends_on) == (
        "2026/2027",
        "2026-09-01",
        "2027-05-31",
    )
    assert event.periods[1] == {
        "id": "p1",
        "name": "II",
        "starts_on": "2026-11-05",
        "ends_on": "2026-12-27",
    }
    assert event.holidays[0] == {
        "name": "autumn",
        "starts_on": "2026-10-25",
        "ends_on": "2026-11-04",
    }
    assert event.actor_id == meta().actor_id
    assert event.timestamp == meta().now


def test_year_ending_on_its_first_day_is_refused() -> None:
    with pytest.raises(Invalid) as error:
        when_opening(
            periods=[span("I", "2026-09-01", "2026-09-01")], holidays=[], ends_on=START
        )
    assert error.value.field == "ends_on"


def test_year_ending_before_it_starts_is_refused() -> None:
    with pytest.raises(Invalid) as error:
        when_opening(ends_on=date(2026, 8, 31))
    assert error.value.field == "ends_on"


def test_year_without_periods_is_refused() -> None:
    with pytest.raises(Invalid) as error:
        when_opening(periods=[])
    assert error.value.field == "periods"


def test_period_ending_before_it_starts_is_refused() -> None:
    with pytest.raises(Invalid) as error:
        when_opening(periods=[span("I", "2026-10-24", "2026-09-01")])
    assert error.value.field == "periods[0]"


def test_period_starting_before_the_year_is_refused() -> None:
    with pytest.raises(Invalid) as error:
        when_opening(periods=[span("I", "2026-08-31", "2026-10-24")])
    assert error.value.field == "periods[0]"


def test_period_ending_after_the_year_is_refused() -> None:
    late = [*QUARTERS[:3], span("IV", "2027-03-30", "2027-06-01")]
    with pytest.raises(Invalid) as error:
        when_opening(periods=late)
    assert error.value.field == "periods[3]"


def test_periods_out_of_order_are_refused() -> None:
    with pytest.raises(Invalid) as error:
        when_opening(periods=[QUARTERS[1], QUARTERS[0]])
    assert error.value.field == "periods[1]"


def test_period_starting_on_the_last_day_of_the_one_before_is_refused() -> None:
    overlapping = [
        span("I", "2026-09-01", "2026-12-31"),
        span("II", "2026-12-31", "2027-05-31"),
    ]
    with pytest.raises(Invalid) as error:
        when_opening(periods=overlapping, holidays=[])
    assert error.value.field == "periods[1]"


def test_period_starting_the_day_after_the_one_before_is_accepted() -> None:
    halves = [
        span("I", "2026-09-01", "2026-12-31"),
        span("II", "2027-01-01", "2027-05-31"),
    ]
    year = when_opening(periods=halves, holidays=[])

    assert [p["id"] for p in year.periods] == ["p0", "p1"]


def test_holiday_outside_the_year_is_refused() -> None:
    summer = [*HOLIDAYS, span("summer", "2027-05-25", "2027-08-31")]
    with pytest.raises(Invalid) as error:
        when_opening(holidays=summer)
    assert error.value.field == "holidays[2]"


def test_holiday_before_the_year_is_refused() -> None:
    with pytest.raises(Invalid) as error:
        when_opening(holidays=[span("summer", "2026-08-01", "2026-09-01")])
    assert error.value.field == "holidays[0]"


def test_holiday_ending_before_it_starts_is_refused() -> None:
    with pytest.raises(Invalid) as error:
        when_opening(holidays=[span("autumn", "2026-11-04", "2026-10-25")])
    assert error.value.field == "holidays[0]"


@pytest.mark.parametrize(
    "day", ["2026-09-01", "2026-10-24", "2026-11-05", "2027-05-31"]
)
def test_a_school_day_inside_the_year_is_a_teaching_day(day: str) -> None:
    year = a_year()

    year.check_teaching_day(date.fromisoformat(day))  # raises nothing

    assert year.contains(date.fromisoformat(day))
    assert year.holiday_on(date.fromisoformat(day)) is None


@pytest.mark.parametrize("day", ["2026-10-25", "2026-10-30", "2026-11-04"])
def test_a_holiday_is_not_a_teaching_day(day: str) -> None:
    year = a_year()

    with pytest.raises(Invalid, match="autumn") as error:
        year.check_teaching_day(date.fromisoformat(day), field="lessons[0].date")
    assert error.value.field == "lessons[0].date"


@pytest.mark.parametrize("day", ["2026-08-31", "2027-06-01"])
def test_a_day_outside_the_year_is_not_a_teaching_day(day: str) -> None:
    year = a_year()

    with pytest.raises(Invalid, match="outside the academic year") as error:
        year.check_teaching_day(date.fromisoformat(day))
    assert error.value.field == "date"


def test_period_of_a_day_finds_its_quarter_and_none_in_holidays() -> None:
    year = a_year()

    assert year.period_of(date(2026, 11, 5))["id"] == "p1"  # type: ignore[index]
    assert year.period_of(date(2026, 11, 4)) is None
    assert year.period("p3")["name"] == "IV"  # type: ignore[index]
    assert year.period("nope") is None
