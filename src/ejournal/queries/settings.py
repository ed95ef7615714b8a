"""The school's settings as they stand (time zone, deadlines, weights, minimum
marks): every signed-in user may read them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ejournal.domain.settings import SETTINGS_ID, settings_dict
from ejournal.projections.reader import reader
from ejournal.service import Service


def school_settings(service: Service, as_of: datetime | None) -> dict[str, Any]:
    with reader(service.app, as_of) as r:
        rules = service.rules_for(r)
        doc = r.doc(SETTINGS_ID)
    return {**settings_dict(rules), "version": doc.get("version") if doc else None}
