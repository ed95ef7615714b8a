"""The event index (``ej_events``): every event's who, how and when, and the incident
that voided it, by log position.

It lets an incident be planned and executed without scanning the log (events by
actor and time), and serves the auditors' event browser.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from ejournal.domain.base import META_EVENTS, voided_by
from ejournal.store import Cursor, SchoolApp

SCHEMA = [
    """CREATE TABLE IF NOT EXISTS ej_events (
        position BIGINT PRIMARY KEY, stream_id TEXT NOT NULL, version BIGINT NOT NULL,
        type TEXT NOT NULL, kind TEXT NOT NULL, ts TEXT NOT NULL, actor_id TEXT,
        session_id TEXT, command_id TEXT, client_ip TEXT, voided_by TEXT,
        pupils TEXT)""",
    "CREATE INDEX IF NOT EXISTS ix_events_actor ON ej_events (actor_id, ts)",
    "CREATE INDEX IF NOT EXISTS ix_events_session ON ej_events (session_id, ts)",
    "CREATE INDEX IF NOT EXISTS ix_events_stream ON ej_events (stream_id, version)",
    "CREATE INDEX IF NOT EXISTS ix_events_ts ON ej_events (ts)",
]


COLUMNS = (
    "position",
    "stream_id",
    "version",
    "type",
    "kind",
    "ts",
    "actor_id",
    "session_id",
    "command_id",
    "client_ip",
    "voided_by",
    "pupils",
)


def ts_key(moment: datetime | str) -> str:
    """A timestamp as fixed-width UTC text, so that text order is time order."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    if moment.tzinfo is not UTC:
        moment = moment.astimezone(UTC)
    # isoformat pads the year to four digits, as moment keys are
    return moment.isoformat(timespec="microseconds")[:-6] + "Z"


class EventIndex:
    name = "events"

    def __init__(self, app: SchoolApp) -> None:
        self.app = app
        with app.db().ddl() as cur:
            for statement in SCHEMA:
                cur.execute(statement)

    def reset(self, cur: Cursor) -> None:
        cur.execute("DELETE FROM ej_events")

    def apply_page(self, cur: Cursor, page: Sequence[tuple[Any, Any]]) -> None:
        rows = []
        refold: dict[str, int] = {}
        for n, e in page:
            sid = str(n.originator_id)
            rows.append(
                (
                    n.id,
                    sid,
                    n.originator_version,
                    type(e).__name__,
                    getattr(e, "stream_kind", "") or "",
                    ts_key(e.timestamp),
                    getattr(e, "actor_id", None),
                    getattr(e, "session_id", None),
                    getattr(e, "command_id", None),
                    getattr(e, "client_ip", None),
                    None,
                    _pupils(sid, e),
                )
            )
            if isinstance(e, META_EVENTS):
                refold[sid] = n.originator_version
        cur.insert_rows("ej_events", COLUMNS, rows)
        for sid, version in refold.items():
            decided = voided_by(self.app.stream(sid, lte=version))
            cur.execute(
                "UPDATE ej_events SET voided_by = NULL WHERE stream_id = ? "
                "AND voided_by IS NOT NULL",
                (sid,),
            )
            cur.executemany(
                "UPDATE ej_events SET voided_by = ? "
                "WHERE stream_id = ? AND version = ?",
                [(incident, sid, v) for v, incident in decided.items()],
            )


def _pupils(stream_id: str, event: Any) -> str | None:
    """The pupils an event is about (space-separated), for incident previews."""
    found: list[str] = []
    if getattr(event, "stream_kind", "") == "student":
        found.append(stream_id)
    student = getattr(event, "student_id", None)
    if isinstance(student, str):
        found.append(student)
    for entry in getattr(event, "entries", None) or []:
        if isinstance(entry, dict) and "student_id" in entry:
            found.append(str(entry["student_id"]))
    found.extend(getattr(event, "student_ids", None) or [])
    return " ".join(dict.fromkeys(found)) or None
