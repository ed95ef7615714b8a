"""The deputy's control of the journal (контроль ведения журнала), per course."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ejournal.projections import reports
from ejournal.projections.reader import reader
from ejournal.security import REPORT_READERS, Actor
from ejournal.service import Service


def control(
    service: Service,
    actor: Actor,
    year_id: str,
    period_id: str | None,
    class_id: str | None,
    as_of: datetime | None,
) -> list[dict[str, Any]]:
    """Deputy, director, admin."""
    actor.require(*REPORT_READERS)
    now = as_of or service.clock()
    with reader(service.app, as_of) as r:
        return reports.control_report(
            r,
            service.rules_for(r),
            year_id=year_id,
            period_id=period_id,
            class_id=class_id,
            now=now,
        )
