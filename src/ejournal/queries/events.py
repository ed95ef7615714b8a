"""The event browser: events by account, session, stream, type and time, in log
order, filtered on the event index (``ej_events``) with each page's data read from
the log itself. ``as_of``: events recorded, and voids made, at or before it."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from ejournal.database import Cursor
from ejournal.domain.base import voided_by
from ejournal.projections.event_index import ts_key
from ejournal.queries.caught_up import catch_up
from ejournal.security import EVENT_READERS, Actor
from ejournal.service import Service

log = logging.getLogger(__name__)

METADATA = frozenset(
    {
        "originator_id",
        "originator_version",
        "originator_topic",
        "timestamp",
        "actor_id",
        "session_id",
        "command_id",
        "client_ip",
    }
)
# Credentials stay out of the browser: an auditor needs to see that a password
# was reset or a session opened, not the hash to attack offline.
SECRETS = frozenset({"password_hash", "token_hash"})
REDACTED = "[redacted]"
SCAN_BATCH = 500


def audit_events(
    service: Service,
    actor: Actor,
    *,
    account_id: str | None = None,
    session_id: str | None = None,
    stream_id: str | None = None,
    type_: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    include_voided: bool = False,
    after: int = 0,
    limit: int = 100,
    as_of: datetime | None = None,
) -> dict[str, Any]:
    """Events by account, session, stream, type and time, in log order, a page
    after position ``after``; ``next`` is the cursor for the following page."""
    actor.require(*EVENT_READERS)
    catch_up(service)
    where, params = ["position > ?"], []
    for column, value in (
        ("actor_id", account_id),
        ("session_id", session_id),
        ("stream_id", stream_id),
        ("type", type_),
    ):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    if since is not None:
        where.append("ts >= ?")
        params.append(ts_key(since))
    for bound in (until, as_of):
        if bound is not None:
            where.append("ts <= ?")
            params.append(ts_key(bound))
    # The index knows today's voids; as of a moment they are decided again below.
    if not include_voided and as_of is None:
        where.append("voided_by IS NULL")
    sql = (
        "SELECT position, stream_id, version, type, kind, ts, actor_id, session_id, "
        "command_id, client_ip, voided_by FROM ej_events WHERE "
        + " AND ".join(where)
        + " ORDER BY position LIMIT ?"
    )
    batch = limit + 1 if as_of is None else max(limit + 1, SCAN_BATCH)
    found: list[dict[str, Any]] = []
    cursor = after
    with service.app.db().read() as cur:
        while len(found) <= limit:
            rows = [
                dict(r) for r in cur.execute(sql, [cursor, *params, batch]).fetchall()
            ]
            if not rows:
                break
            cursor, exhausted = int(rows[-1]["position"]), len(rows) < batch
            if as_of is not None:
                decided = _voided_as_of(service, rows, as_of)
                for row in rows:
                    row["voided_by"] = decided.get((row["stream_id"], row["version"]))
                if not include_voided:
                    rows = [r for r in rows if r["voided_by"] is None]
            found.extend(rows)
            if as_of is None or exhausted:
                break
        page = found[:limit]
        data = _event_data(cur, [int(r["position"]) for r in page], service)
    return {
        "events": [_event_answer(row, data) for row in page],
        "next": int(page[-1]["position"]) if len(found) > limit else None,
    }


def _event_answer(row: dict[str, Any], data: dict[int, Any]) -> dict[str, Any]:
    position = int(row["position"])
    return {
        "position": position,
        "stream_id": row["stream_id"],
        "version": int(row["version"]),
        "type": row["type"],
        "kind": row["kind"],
        "timestamp": row["ts"],
        "actor_id": row["actor_id"],
        "session_id": row["session_id"],
        "command_id": row["command_id"],
        "client_ip": row["client_ip"],
        "data": data.get(position),
        "voided_by": row["voided_by"],
    }


def _voided_as_of(
    service: Service, rows: Sequence[dict[str, Any]], moment: datetime
) -> dict[tuple[str, int], str]:
    """Which of these events stood void at ``moment``, and by which incident."""
    out: dict[tuple[str, int], str] = {}
    for sid in {r["stream_id"] for r in rows}:
        stream = [e for e in service.app.stream(sid) if e.timestamp <= moment]
        for version, incident in voided_by(stream).items():
            out[(sid, version)] = incident
    return out


def _event_data(cur: Cursor, positions: list[int], service: Service) -> dict[int, Any]:
    """Each event's own fields (metadata and credentials left out), decoded from
    the stored state. A row that no longer decodes answers None."""
    if not positions:
        return {}
    db = cur.db
    pos = db.position_column
    rows: list[Any] = []
    for i in range(0, len(positions), 500):
        chunk = positions[i : i + 500]
        rows += cur.execute(
            f"SELECT {pos} AS position, originator_id, originator_version, topic, "
            f"state FROM {db.events_table_ref} "
            f"WHERE {pos} IN ({','.join('?' * len(chunk))})",
            chunk,
        ).fetchall()
    out: dict[int, Any] = {}
    for row in rows:
        try:
            oid = row["originator_id"]
            event = service.app.mapper.to_domain_event(
                StoredEvent(
                    originator_id=oid if isinstance(oid, UUID) else UUID(oid),
                    originator_version=int(row["originator_version"]),
                    topic=str(row["topic"]),
                    state=bytes(row["state"]),
                )
            )
            fields = vars(event)
        except Exception:  # a damaged row: the ledger names it, the browser goes on
            log.warning("event at position %s does not decode", row["position"])
            continue
        out[int(row["position"])] = {
            k: (REDACTED if k in SECRETS and v is not None else v)
            for k, v in fields.items()
            if k not in METADATA
        }
    return out
