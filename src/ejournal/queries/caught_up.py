"""Read-your-writes for the auditor's queries."""

from __future__ import annotations

import logging

from ejournal.service import Service

log = logging.getLogger(__name__)


def catch_up(service: Service) -> None:
    """Read-your-writes, but an auditor still gets an answer when the views are
    stuck (a row edited past their position no longer decodes)."""
    try:
        service.runner.wait_for(service.app.recorder.max_notification_id() or 0)
    except Exception:
        log.exception("the views could not catch up; answering from where they are")
