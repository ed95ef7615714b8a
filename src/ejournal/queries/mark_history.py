"""A mark's history: every revision in the order recorded, from its lesson's
stream, with who, when, from where and whether it was voided."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ejournal.database import Cursor
from ejournal.domain.base import voided_by
from ejournal.domain.errors import NotFound
from ejournal.projections.event_index import ts_key
from ejournal.projections.reader import reader
from ejournal.queries.caught_up import catch_up
from ejournal.security import HISTORY_READERS, Actor
from ejournal.service import Service


def mark_history(
    service: Service, actor: Actor, mark_id: str, as_of: datetime | None = None
) -> dict[str, Any]:
    """Every revision of a mark in the order recorded, the first being the mark
    as recorded: any event of its lesson that carries its ``mark_id``."""
    actor.require(*HISTORY_READERS)
    catch_up(service)
    with reader(service.app) as views:
        lesson_id = views.key(f"mark:{mark_id}") or _lesson_of_hidden_mark(
            service, views.cur, mark_id
        )
        positions = (
            {
                int(r["version"]): int(r["position"])
                for r in views.cur.execute(
                    "SELECT version, position FROM ej_events WHERE stream_id = ?",
                    (lesson_id,),
                ).fetchall()
            }
            if lesson_id
            else {}
        )
    if lesson_id is None:
        raise NotFound(f"no mark {mark_id}")
    stream = service.app.stream(lesson_id)
    if as_of is not None:
        stream = [e for e in stream if e.timestamp <= as_of]
    voided = voided_by(stream)
    revisions = [
        {
            "type": type(e).__name__,
            "version": e.originator_version,
            "position": positions.get(e.originator_version),
            "value": getattr(e, "value", None),
            "actor_id": e.actor_id,
            "session_id": e.session_id,
            "client_ip": e.client_ip,
            "command_id": e.command_id,
            "timestamp": ts_key(e.timestamp),
            "reason": getattr(e, "reason", None),
            "request_id": getattr(e, "request_id", None),
            "voided_by": voided.get(e.originator_version),
        }
        for e in stream
        if getattr(e, "mark_id", None) == mark_id
    ]
    if not revisions:
        raise NotFound(f"no mark {mark_id}")
    first = next(e for e in stream if getattr(e, "mark_id", None) == mark_id)
    return {
        "mark_id": mark_id,
        "lesson_id": lesson_id,
        "student_id": getattr(first, "student_id", None),
        "revisions": revisions,
    }


def _lesson_of_hidden_mark(service: Service, cur: Cursor, mark_id: str) -> str | None:
    """A mark the lesson's view no longer lists (its recording voided) has no
    lookup key: look in the lessons that have voided events, a small set."""
    rows = cur.execute(
        "SELECT DISTINCT stream_id FROM ej_events WHERE kind = 'lesson' "
        "AND voided_by IS NOT NULL"
    ).fetchall()
    for row in rows:
        sid = str(row["stream_id"])
        if any(getattr(e, "mark_id", None) == mark_id for e in service.app.stream(sid)):
            return sid
    return None
