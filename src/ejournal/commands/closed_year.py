"""The closed academic year is read-only: one check in the executor over every
aggregate a command is about to save, whatever the command.

Each aggregate is mapped to the years it touches:

- an academic year: itself;
- a pupil: the classes its pending events place it in or take it from
  (``class_id``, ``from_class_id``, ``to_class_id``): a pupil's person, guardians,
  consents and debts are not the year's, their placements are;
- anything else (a class, a course, a lesson, a correction request, what later
  areas add): the ``year_id``, ``class_id``, ``course_id`` and ``lesson_id`` it
  carries, as attributes or in its pending events.

A year counts as it stands in the store before the command (the close itself
writes to an open year). Bare events (an incident's voids and reinstatements) are
not checked: a void of a compromised session's event in a closed year is allowed
(security over read-only). The closing commands themselves are exempt.

A command the domain refused (409, 422) whose body names a closed year's year,
class, course or lesson is answered with the closed year's reason instead: the
year being closed is why it cannot be done, whatever else is wrong with it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ejournal.domain.course import Course
from ejournal.domain.errors import Conflict, NotFound
from ejournal.domain.lesson import Lesson
from ejournal.domain.school_class import SchoolClass
from ejournal.domain.student import Student
from ejournal.domain.year import AcademicYear
from ejournal.store import SchoolApp

EXEMPT = frozenset({"close-academic-year", "promote-students"})
# Commands whose body names a closed year's course or year by design.
BODY_EXEMPT = EXEMPT | {"clear-academic-debt"}
PLACEMENT_FIELDS = ("class_id", "from_class_id", "to_class_id")
LINK_FIELDS = ("year_id", "class_id", "course_id", "lesson_id")


class ClosedYearGuard:
    """Maps ids to years for one command's save, with the batch's new aggregates
    (a class created in the same command) known before the store has them."""

    def __init__(self, app: SchoolApp, aggregates: list[Any]) -> None:
        self.app = app
        self.batch = {str(a.id): a for a in aggregates if hasattr(a, "pending_events")}
        self.years: dict[str, str | None] = {}
        self.owner: dict[str, str | None] = {}

    def check(self, aggregates: list[Any]) -> None:
        for obj in aggregates:
            if not getattr(obj, "pending_events", None):
                continue  # a bare event (a void), or nothing to save
            for year_id in self.years_of(obj):
                reason = self.reason(year_id)
                if reason is not None:
                    raise Conflict(reason)

    def years_of(self, obj: Any) -> set[str]:
        if isinstance(obj, AcademicYear):
            return {str(obj.id)}
        if isinstance(obj, Student):
            ids = _values(obj.pending_events, PLACEMENT_FIELDS)
        else:
            ids = _values([obj, *obj.pending_events], LINK_FIELDS)
        field_of = "class_id" if isinstance(obj, Student) else None
        return {
            y for field, value in ids if (y := self._year_of(field_of or field, value))
        }

    def _year_of(self, field: str, value: str) -> str | None:
        """The year an id of this field belongs to (None when unknown)."""
        if field == "year_id":
            return value
        key = f"{field}:{value}"
        if key not in self.owner:
            self.owner[key] = self._lookup(field, value)
        return self.owner[key]

    def _lookup(self, field: str, value: str) -> str | None:
        kind: type[Any] = {
            "class_id": SchoolClass,
            "course_id": Course,
            "lesson_id": Lesson,
        }[field]
        obj = self.batch.get(value)
        if not isinstance(obj, kind):
            try:
                obj = self.app.peek(value, kind)
            except NotFound:
                return None
        if isinstance(obj, Lesson):
            return self._year_of("course_id", obj.course_id)
        return str(obj.year_id)

    def reason(self, year_id: str) -> str | None:
        if year_id not in self.years:
            try:
                year: AcademicYear = self.app.peek(year_id, AcademicYear)
            except NotFound:
                self.years[year_id] = None  # a year this command creates
            else:
                self.years[year_id] = year.closed_reason()
        return self.years[year_id]


def _values(objs: Iterable[Any], names: tuple[str, ...]) -> set[tuple[str, str]]:
    """(field, id) pairs these objects carry under these names."""
    return {
        (n, v) for o in objs for n in names if isinstance(v := getattr(o, n, None), str)
    }


def refuse_closed_years(app: SchoolApp, command: str, aggregates: list[Any]) -> None:
    """409 with the reason when a command would change a closed year."""
    if command in EXEMPT:
        return
    ClosedYearGuard(app, aggregates).check(aggregates)


def closed_reason_of_body(app: SchoolApp, command: str, payload: Any) -> str | None:
    """The reason a closed year gives, if the body names one of its streams."""
    if command in BODY_EXEMPT or not isinstance(payload, dict):
        return None
    guard = ClosedYearGuard(app, [])
    for field in (*LINK_FIELDS, "to_class_id"):
        value = payload.get(field)
        if not isinstance(value, str):
            continue
        try:
            year_id = guard._year_of(
                "class_id" if field == "to_class_id" else field, value
            )
        except (ValueError, NotFound):
            continue
        reason = guard.reason(year_id) if year_id else None
        if reason is not None:
            return reason
    return None
