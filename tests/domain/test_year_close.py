"""Closing an academic year and recording its promotion order: given a history,
when deciding, then the events (or the refusal). A pupil's outcome and debts:
test_promotion.py."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from ejournal.domain.base import fold
from ejournal.domain.errors import Conflict, Invalid
from ejournal.domain.year import AcademicYear, YearClosed, YearOpened, YearPromoted
from tests.domain.builders import Stream, meta, only_event

ORDER = ("12-о", date(2027, 5, 30))


class YearStream(Stream):
    aggregate_class = AcademicYear

    def opened(self, starts: str = "2026-09-01", ends: str = "2027-05-31") -> Any:
        period = {"id": "p1", "name": "I", "starts_on": starts, "ends_on": ends}
        return self.event(
            YearOpened,
            name=f"{starts[:4]}/{ends[:4]}",
            starts_on=starts,
            ends_on=ends,
            periods=[period],
            holidays=[],
        )

    def closed(self, order_no: str | None = "12-о", on: str = "2027-05-31") -> Any:
        return self.event(YearClosed, order_no=order_no, on=on)


def a_year(*extra: str) -> tuple[YearStream, list[Any]]:
    s = YearStream()
    given = [s.opened()]
    for step in extra:
        given.append(getattr(s, step)())
    return s, given


def next_year() -> AcademicYear:
    s = YearStream()
    year: AcademicYear = fold([s.opened("2027-09-01", "2028-05-31")])
    return year


# -- closing ---------------------------------------------------------------------
def test_an_open_year_is_closed_with_its_order() -> None:
    _, given = a_year()
    year: AcademicYear = fold(given)

    year.close(meta(), order_no="12-о", on=date(2027, 5, 31))

    event = only_event(year, YearClosed)
    assert (event.order_no, event.on) == ("12-о", "2027-05-31")
    assert year.closed_reason() == (
        "the academic year 2026/2027 is closed (order 12-о of 2027-05-31)"
    )


def test_an_open_year_has_no_closed_reason() -> None:
    _, given = a_year()
    assert fold(given).closed_reason() is None


def test_a_closed_year_is_not_closed_again() -> None:
    _, given = a_year("closed")
    year: AcademicYear = fold(given)

    with pytest.raises(Conflict, match="already closed"):
        year.close(meta(), order_no=None, on=date(2027, 6, 1))


def test_a_year_is_not_closed_before_it_starts() -> None:
    _, given = a_year()
    year: AcademicYear = fold(given)

    with pytest.raises(Invalid) as refused:
        year.close(meta(), order_no=None, on=date(2026, 8, 31))
    assert refused.value.field == "on"


def test_a_voided_close_leaves_the_year_open() -> None:
    s, given = a_year("closed")

    year: AcademicYear = fold([*given, s.void(2)])

    assert year.closed_reason() is None


# -- the promotion order on the year ---------------------------------------------
def test_a_closed_year_records_its_promotion_order() -> None:
    _, given = a_year("closed")
    year: AcademicYear = fold(given)

    year.record_promotion(
        meta(),
        next_year=next_year(),
        order_no="13-о",
        order_date=date(2027, 6, 1),
        counts={"promoted": 3},
    )

    event = only_event(year, YearPromoted)
    assert (event.order_no, event.counts) == ("13-о", {"promoted": 3})


def test_an_open_year_promotes_nobody() -> None:
    _, given = a_year()
    year: AcademicYear = fold(given)

    with pytest.raises(Conflict, match="close the academic year"):
        year.record_promotion(
            meta(),
            next_year=next_year(),
            order_no="1",
            order_date=ORDER[1],
            counts={},
        )


def test_a_year_is_promoted_once() -> None:
    s, given = a_year("closed")
    promoted = s.event(
        YearPromoted,
        next_year_id="x",
        order_no="1",
        order_date="2027-06-01",
        counts={},
    )
    year: AcademicYear = fold([*given, promoted])

    with pytest.raises(Conflict, match="already been promoted"):
        year.record_promotion(
            meta(),
            next_year=next_year(),
            order_no="2",
            order_date=ORDER[1],
            counts={},
        )


def test_the_next_year_starts_after_this_one() -> None:
    _, given = a_year("closed")
    year: AcademicYear = fold(given)

    with pytest.raises(Invalid) as refused:
        year.record_promotion(
            meta(), next_year=year, order_no="1", order_date=ORDER[1], counts={}
        )
    assert refused.value.field == "next_year_id"
