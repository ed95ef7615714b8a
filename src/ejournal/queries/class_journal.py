"""The class journal (классный журнал): every course journal of a class, read-only."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ejournal.projections import journal
from ejournal.projections.reader import reader
from ejournal.security import Actor, check_class_journal
from ejournal.service import Service


def class_journal(
    service: Service,
    actor: Actor,
    class_id: str,
    period_id: str | None,
    as_of: datetime | None,
) -> dict[str, Any]:
    """The class teacher and staff."""
    with reader(service.app) as views:
        klass = journal.get_kind(views, class_id, "class", "class")
        check_class_journal(actor, klass)
    with reader(service.app, as_of) as r:
        return journal.class_journal(r, class_id, service.rules_for(r), period_id)
