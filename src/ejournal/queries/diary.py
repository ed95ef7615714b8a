"""A pupil's diary (электронный дневник) for a range of days, by default the week
of today in the school's time zone."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from ejournal.domain.errors import Invalid, NotFound
from ejournal.projections import journal
from ejournal.projections.reader import reader
from ejournal.security import Actor, check_consent, check_diary
from ejournal.service import Service


def diary(
    service: Service,
    actor: Actor,
    student_id: str,
    lo: date | None,
    hi: date | None,
    as_of: datetime | None,
) -> dict[str, Any]:
    """The pupil, their guardians, their teachers and staff; a guardian only with
    consent to personal-data processing recorded (security.check_consent)."""
    with reader(service.app) as views:
        today = service.rules_for(views).local_date(service.clock())
    try:
        if lo is None:
            lo = (hi or today) - timedelta(days=(hi or today).weekday())
        if hi is None:
            hi = lo + timedelta(days=6)
    except OverflowError:
        raise Invalid("the week runs past the calendar's end", field="from") from None
    with reader(service.app) as views:
        student = views.doc(student_id)
        if student is None or student.get("kind") != "student":
            raise NotFound(f"no pupil {student_id}")
        as_guardian = check_diary(views, actor, student)
    with reader(service.app, as_of) as r:
        if as_guardian:
            check_consent(actor, student_id, r.doc(student_id))
        return journal.diary(r, student_id, service.rules_for(r), lo, hi)
