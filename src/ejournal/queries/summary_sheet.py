"""The summary sheet (сводная ведомость): period, annual, exam and final marks and
absences, per pupil and course of a class."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ejournal.projections import reports
from ejournal.projections.journal import get_kind
from ejournal.projections.reader import reader
from ejournal.security import Actor, check_class_journal
from ejournal.service import Service


def summary(
    service: Service,
    actor: Actor,
    class_id: str,
    year_id: str | None,
    as_of: datetime | None,
) -> dict[str, Any]:
    """The class teacher, deputy, director, auditor, admin."""
    with reader(service.app) as views:
        klass = get_kind(views, class_id, "class", "class")
        check_class_journal(actor, klass)
    with reader(service.app, as_of) as r:
        return reports.summary_sheet(r, class_id, year_id)
