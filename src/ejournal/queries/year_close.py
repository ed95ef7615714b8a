"""What blocks an academic year's close, and its pupils' academic debts.

Who: the close check, the director, a deputy, the administrator (who run or
prepare the close) and the auditor (who reads everything); the debts also.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ejournal.projections.journal import get_kind
from ejournal.projections.reader import reader
from ejournal.projections.year_readiness import readiness, year_state
from ejournal.security import Actor
from ejournal.service import Service

YEAR_CLOSE_READERS = ("director", "deputy", "admin", "auditor")


def close_check(
    service: Service, actor: Actor, year_id: str, as_of: datetime | None = None
) -> dict[str, Any]:
    """``{year_id, name, state, ready, classes, blocking: [{class_id, class_name,
    student_id, full_name, course_id, subject, missing}], failing: [.., annual]}``"""
    actor.require(*YEAR_CLOSE_READERS)
    with reader(service.app, as_of) as r:
        year = get_kind(r, year_id, "year", "academic year")
        return readiness(r, year)


def year_debts(
    service: Service, actor: Actor, year_id: str, as_of: datetime | None = None
) -> dict[str, Any]:
    """The academic debts the year's promotion left: ``{year_id, state, items:
    [{student_id, full_name, class_id, course_id, subject, since, cleared}]}``,
    open ones first, by pupil's name."""
    actor.require(*YEAR_CLOSE_READERS)
    with reader(service.app, as_of) as r:
        year = get_kind(r, year_id, "year", "academic year")
        items = [
            {
                "student_id": pupil["id"],
                "full_name": pupil["full_name"],
                "class_id": pupil["class_id"],
                **debt,
            }
            for pupil in r.all_of_kind("student")
            for debt in pupil.get("debts", {}).values()
            if debt["year_id"] == year_id
        ]
    items.sort(key=lambda d: (d["cleared"] is not None, d["full_name"], d["subject"]))
    return {"year_id": year_id, "state": year_state(year), "items": items}
