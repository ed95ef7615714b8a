"""The preview of an incident (what ``execute-invalidation`` would void), read from
the event index only, never by scanning the log."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from ejournal.projections import journal
from ejournal.projections.event_index import ts_key
from ejournal.projections.reader import reader
from ejournal.security import Actor
from ejournal.service import Service


def incident_preview(
    service: Service, actor: Actor, incident_id: str, as_of: datetime | None
) -> dict[str, Any]:
    """What executing the incident would void now, and the account's operations
    in the 24 hours before ``since`` for review. Reads the event index only."""
    actor.require("admin", "auditor")
    service.runner.wait_for(service.app.recorder.max_notification_id() or 0)
    with reader(service.app, as_of) as views:
        incident = journal.get_kind(views, incident_id, "incident", "incident")
        account_id = incident["account_id"]
        since = ts_key(incident["since"])
        review_from = ts_key(
            datetime.fromisoformat(incident["since"]) - timedelta(hours=24)
        )
        # Up to the report: later events are the owner's re-entry.
        until = ts_key(incident["created_at"])
        if as_of is not None:
            until = min(until, ts_key(as_of))
        bound = " AND ts <= ?"
        extra: tuple[Any, ...] = (until,)
        rows = views.cur.execute(
            "SELECT position, stream_id, version, type, kind, ts, session_id, "
            "client_ip, voided_by, pupils FROM ej_events WHERE actor_id = ? "
            "AND ts >= ?" + bound + " ORDER BY position",
            (account_id, review_from, *extra),
        ).fetchall()
    by_type: dict[str, int] = {}
    lessons: set[str] = set()
    pupils: set[str] = set()
    review = []
    count = 0
    for row in rows:
        if row["ts"] < since:
            review.append(
                {
                    "position": row["position"],
                    "stream_id": row["stream_id"],
                    "version": row["version"],
                    "type": row["type"],
                    "timestamp": row["ts"],
                    "session_id": row["session_id"],
                    "client_ip": row["client_ip"],
                    "voided_by": row["voided_by"],
                }
            )
            continue
        if row["voided_by"] is not None:
            continue
        count += 1
        by_type[row["type"]] = by_type.get(row["type"], 0) + 1
        if row["kind"] == "lesson":
            lessons.add(row["stream_id"])
        if row["pupils"]:
            pupils.update(row["pupils"].split())
    return {
        "incident_id": incident_id,
        "account_id": account_id,
        "since": since,
        "reported_at": incident["reported_at"],
        "events": count,
        "by_type": by_type,
        "lessons": len(lessons),
        "students": len(pupils),
        "already_voided": incident["voided"],
        "review": review,
    }
