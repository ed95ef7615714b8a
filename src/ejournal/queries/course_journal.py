"""The course journal (журнал предмета): pupils × lessons with marks, attendance,
topics and homework, and the period marks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ejournal.projections import journal
from ejournal.projections.reader import reader
from ejournal.security import Actor, check_course_journal
from ejournal.service import Service


def course_journal(
    service: Service,
    actor: Actor,
    course_id: str,
    period_id: str | None,
    as_of: datetime | None,
) -> dict[str, Any]:
    """The course's teacher, the class teacher and staff. Who may read is decided
    on the current views; the answer comes from the views as of ``as_of``."""
    with reader(service.app) as views:
        course = journal.get_kind(views, course_id, "course", "course")
        check_course_journal(views, actor, course)
    with reader(service.app, as_of) as r:
        return journal.course_journal(r, course_id, service.rules_for(r), period_id)
