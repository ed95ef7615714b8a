"""A pupil's year-end outcome (перевод, условный перевод, повторное обучение,
выпуск) and clearing an academic debt: given a history, when deciding, then the
events (or the refusal)."""

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
from tests.domain.builders import CLASS_A, CLASS_B, StudentStream, meta, only_event

ORDER = ("12-о", date(2027, 5, 30))
NEXT_START = date(2027, 9, 1)


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
