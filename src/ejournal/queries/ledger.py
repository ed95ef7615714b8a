"""The ledger's state: its head and whether the stored events still match it.

Answered in constant time from state kept as the log grows: the ledger's head
(advanced by the views loop with every page), the log's last position, and the
verdict of the last full check, a background job (ejournal.ledger_check), which
``start_ledger_check`` starts. No request recomputes the chain."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ejournal import ledger_check
from ejournal.projections.event_index import ts_key
from ejournal.projections.ledger import head
from ejournal.queries.caught_up import catch_up
from ejournal.security import EVENT_READERS, Actor
from ejournal.service import Service


def ledger_status(
    service: Service, actor: Actor, as_of: datetime | None = None
) -> dict[str, Any]:
    """The ledger's head (as of a moment: its link at the last event recorded at
    or before it) and whether the log matches it, as far as the last full check
    and the log's end say."""
    actor.require(*EVENT_READERS)
    catch_up(service)
    db = service.app.db()
    with db.read() as cur:
        upto: int | None = None
        if as_of is not None:
            row = cur.execute(
                "SELECT MAX(position) AS p FROM ej_events WHERE ts <= ?",
                (ts_key(as_of),),
            ).fetchone()
            upto = int(row["p"]) if row and row["p"] is not None else 0
        position, head_hash = head(cur, upto)
        check = ledger_check.state(cur)
    top = int(service.app.recorder.max_notification_id() or 0)
    bad: int | None = None
    problem: str | None = None
    if upto is None and top < position:
        bad, problem = top + 1, "the log ends before its chain (events deleted)"
    last_bad = check.get("last_bad") if check else None
    if bad is None and last_bad is not None and (upto is None or last_bad <= upto):
        bad, problem = int(last_bad), check["last_problem"] if check else None
    return {
        "position": position,
        "head_hash": head_hash,
        "verified": bad is None,
        "first_bad_position": bad,
        "problem": problem,
        "pending": max(0, top - position) if upto is None else 0,
        "checked_upto": check.get("last_upto") if check else None,
        "checked_at": check.get("last_at") if check else None,
        "check": _job(check),
    }


def _job(check: dict[str, Any] | None) -> dict[str, Any] | None:
    if check is None:
        return None
    return {
        "state": check["state"],
        "started_at": check["started_at"],
        "finished_at": check["finished_at"],
        "checked": int(check["checked"]),
        "total": int(check["total"]),
        "failure": check["failure"],
    }


def start_ledger_check(service: Service, actor: Actor) -> dict[str, Any]:
    """Start the full check in the background (unless one runs): its state."""
    actor.require(*EVENT_READERS)
    started = service.ledger_checker.start_now()
    with service.app.db().read() as cur:
        check = ledger_check.state(cur)
    return {"started": started, "check": _job(check)}
