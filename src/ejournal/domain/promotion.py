"""A pupil's year-end outcome (перевод, условный перевод с академической
задолженностью, оставление на повторное обучение, выпуск) and the academic debt
(академическая задолженность) cleared later.

The events belong to the pupil's own stream: a pupil keeps one id across years,
with their guardians, consents and links; a promotion ends the placement in the
closed year's class and starts one in the next year's.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from ejournal.domain.base import Meta
from ejournal.domain.errors import Conflict, Invalid
from ejournal.domain.student import Student, StudentEvent

OUTCOMES = ("promoted", "conditional", "repeat", "graduated")
LEAVING_GRADES = (9, 11)
"""Grades after which a pupil may leave the school with a certificate (аттестат)."""
CLEARING_VALUES = ("3", "4", "5")


def debts_of(student: Any) -> dict[str, dict[str, Any]]:
    """course_id -> the debt (an aggregate folded before debts existed has none)."""
    debts: dict[str, dict[str, Any]] = student.__dict__.setdefault("debts", {})
    return debts


class StudentPromoted(StudentEvent):
    """The pupil's outcome of the closed year ``year_id`` by the order."""

    year_id: str
    outcome: str
    from_class_id: str
    to_class_id: str | None
    on: str
    order_no: str
    order_date: str
    debts: list[dict[str, str]]

    def apply(self, aggregate: Student) -> None:
        aggregate.placements[-1][2] = self.on
        aggregate.class_id = self.to_class_id
        if self.to_class_id is not None:
            aggregate.placements.append([self.to_class_id, self.on, None])
        for debt in self.debts:
            debts_of(aggregate)[debt["course_id"]] = {
                "subject": debt["subject"],
                "year_id": self.year_id,
                "since": self.order_date,
                "cleared": None,
            }


class AcademicDebtCleared(StudentEvent):
    """A debt is cleared by a re-take (пересдача) with a passing mark."""

    course_id: str
    value: str
    on: str

    def apply(self, aggregate: Student) -> None:
        debt = debts_of(aggregate).get(self.course_id)
        if debt is not None:  # None: the promotion that recorded it was voided
            debt["cleared"] = {"value": self.value, "on": self.on}


def promote(
    student: Student,
    meta: Meta,
    *,
    year_id: str,
    outcome: str,
    from_class_id: str,
    to_class_id: str | None,
    on: date,
    order: tuple[str, date],
    debts: list[dict[str, str]],
) -> None:
    """Decide a pupil's outcome: only a conditional promotion carries debts, and
    it carries at least one; a graduate goes to no class, everyone else to one."""
    if outcome not in OUTCOMES:
        raise Invalid(f"outcome is one of {', '.join(OUTCOMES)}", field="outcome")
    if student.class_id != from_class_id:
        raise Conflict(
            "the pupil is no longer in that class of the closed year",
            field="student_id",
        )
    if outcome == "conditional" and not debts:
        raise Invalid("a conditional promotion names its debts", field="debts")
    if outcome != "conditional" and debts:
        raise Invalid("only a conditional promotion carries debts", field="debts")
    if (outcome == "graduated") != (to_class_id is None):
        raise Invalid(
            "a graduate leaves; everyone else goes to a class", field="outcome"
        )
    start = student.placements[-1][1]
    if start is not None and on.isoformat() <= start:
        raise Invalid(f"the promotion must be after {start}", field="on")
    student._trigger(
        StudentPromoted,
        meta,
        year_id=year_id,
        outcome=outcome,
        from_class_id=from_class_id,
        to_class_id=to_class_id,
        on=on.isoformat(),
        order_no=order[0],
        order_date=order[1].isoformat(),
        debts=debts,
    )


def clear_debt(
    student: Student, meta: Meta, *, course_id: str, value: str, on: date
) -> None:
    debt = debts_of(student).get(course_id)
    if debt is None:
        raise Invalid(
            "the pupil has no academic debt in that course", field="course_id"
        )
    if debt["cleared"] is not None:
        raise Conflict("that academic debt is already cleared", field="course_id")
    if value not in CLEARING_VALUES:
        raise Invalid("a debt is cleared with a 3, 4 or 5", field="value")
    if on.isoformat() < debt["since"]:
        raise Invalid(f"the debt arose on {debt['since']}", field="on")
    student._trigger(
        AcademicDebtCleared, meta, course_id=course_id, value=value, on=on.isoformat()
    )
