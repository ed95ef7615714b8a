"""Closing an academic year, promoting its pupils and clearing academic debts:
given a history, when deciding, then the events (or the refusal)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from ejournal.domain.base import fold
from ejournal.domain.errors import Conflict, Invalid
from ejournal.domain.promotion import (
    AcademicDebtCleared,
    StudentPromoted,
    clear_debt,
    debts_of,
    promote,
)
from ejournal.domain.student import Student
from ejournal.domain.year import AcademicYear, YearClosed, YearOpened, YearPromoted
from tests.domain.builders import (
    CLASS_A,
    CLASS_B,
    Stream,
    StudentStream,
    meta,
    only_event,
)

ORDER = ("12-о", date(2027, 5, 30))
NEXT_START = date(2027, 9, 1)


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


# -- a pupil's outcome -----------------------------------------------------------
def a_pupil() -> tuple[StudentStream, Student]:
    s = StudentStream()
    return s, fold([s.enrolled(CLASS_A), s.guardian()])


def when_promoting(
    student: Student, outcome: str, to: str | None = CLASS_B, **kw: Any
) -> None:
    promote(
        student,
        meta(),
        year_id="y1",
        outcome=outcome,
        from_class_id=kw.pop("from_class", CLASS_A),
        to_class_id=to,
        on=kw.pop("on", NEXT_START),
        order=ORDER,
        debts=kw.pop("debts", []),
    )


def test_a_promoted_pupil_moves_to_the_next_years_class_keeping_guardians() -> None:
    _, student = a_pupil()

    when_promoting(student, "promoted")

    event = only_event(student, StudentPromoted)
    assert (event.outcome, event.to_class_id, event.order_no) == (
        "promoted",
        CLASS_B,
        "12-о",
    )
    assert student.class_id == CLASS_B
    assert student.placements == [
        [CLASS_A, "2026-09-01", "2027-09-01"],
        [CLASS_B, "2027-09-01", None],
    ]
    assert student.guardians  # the same stream: the guardians stay


def test_a_conditional_promotion_records_the_debts() -> None:
    _, student = a_pupil()
    debt = {"course_id": "c1", "subject": "Математика"}

    when_promoting(student, "conditional", debts=[debt])

    event = only_event(student, StudentPromoted)
    assert event.debts == [debt]
    assert debts_of(student)["c1"] == {
        "subject": "Математика",
        "year_id": "y1",
        "since": "2027-05-30",
        "cleared": None,
    }


def test_a_conditional_promotion_without_debts_is_refused() -> None:
    _, student = a_pupil()
    with pytest.raises(Invalid) as refused:
        when_promoting(student, "conditional")
    assert refused.value.field == "debts"


def test_debts_go_only_with_a_conditional_promotion() -> None:
    _, student = a_pupil()
    with pytest.raises(Invalid):
        when_promoting(student, "promoted", debts=[{"course_id": "c1", "subject": "X"}])


def test_a_graduate_leaves_for_no_class() -> None:
    _, student = a_pupil()

    when_promoting(student, "graduated", to=None)

    only_event(student, StudentPromoted)
    assert student.class_id is None
    assert student.placements[-1][2] == "2027-09-01"


def test_a_graduate_going_to_a_class_is_refused() -> None:
    _, student = a_pupil()
    with pytest.raises(Invalid):
        when_promoting(student, "graduated")


def test_a_pupil_no_longer_in_the_class_is_not_promoted_from_it() -> None:
    _, student = a_pupil()
    with pytest.raises(Conflict):
        when_promoting(student, "repeat", from_class="elsewhere")


def test_a_promotion_not_after_the_placement_start_is_refused() -> None:
    _, student = a_pupil()
    with pytest.raises(Invalid) as refused:
        when_promoting(student, "promoted", on=date(2026, 9, 1))
    assert refused.value.field == "on"


def test_a_voided_promotion_leaves_the_pupil_in_the_old_class() -> None:
    s = StudentStream()
    enrolled = s.enrolled(CLASS_A)
    promoted = s.event(
        StudentPromoted,
        year_id="y1",
        outcome="promoted",
        from_class_id=CLASS_A,
        to_class_id=CLASS_B,
        on="2027-09-01",
        order_no="1",
        order_date="2027-06-01",
        debts=[],
    )
    given = [enrolled, promoted, s.void(2)]

    student: Student = fold(given)

    assert student.class_id == CLASS_A


# -- clearing a debt -------------------------------------------------------------
def a_debtor() -> Student:
    _, student = a_pupil()
    when_promoting(
        student, "conditional", debts=[{"course_id": "c1", "subject": "Математика"}]
    )
    student.collect_events()
    return student


def test_a_debt_is_cleared_with_a_passing_mark() -> None:
    student = a_debtor()

    clear_debt(student, meta(), course_id="c1", value="3", on=date(2027, 10, 1))

    event = only_event(student, AcademicDebtCleared)
    assert (event.course_id, event.value) == ("c1", "3")
    assert debts_of(student)["c1"]["cleared"] == {"value": "3", "on": "2027-10-01"}


def test_a_cleared_debt_is_not_cleared_again() -> None:
    student = a_debtor()
    clear_debt(student, meta(), course_id="c1", value="4", on=date(2027, 10, 1))
    with pytest.raises(Conflict):
        clear_debt(student, meta(), course_id="c1", value="4", on=date(2027, 10, 2))


@pytest.mark.parametrize(
    ("course", "value", "on", "field"),
    [
        ("c2", "3", date(2027, 10, 1), "course_id"),
        ("c1", "2", date(2027, 10, 1), "value"),
        ("c1", "3", date(2027, 5, 1), "on"),
    ],
)
def test_clearing_a_debt_that_is_not_there_or_with_a_fail_is_refused(
    course: str, value: str, on: date, field: str
) -> None:
    student = a_debtor()
    with pytest.raises(Invalid) as refused:
        clear_debt(student, meta(), course_id=course, value=value, on=on)
    assert refused.value.field == field
