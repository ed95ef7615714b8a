"""The event index (``ej_events``): every event's who, how and when, and the incident
that voided it, by log position.

It lets an incident be planned and executed without scanning the log (events by
actor and time), and serves the auditors' event browser.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from ejournal.database import Cursor, Database
from ejournal.domain.base import META_EVENTS, voided_by
from ejournal.store import SchoolApp

TABLE = """CREATE TABLE IF NOT EXISTS ej_events (
    position BIGINT PRIMARY KEY, stream_id TEXT NOT NULL, version BIGINT NOT NULL,
    type TEXT NOT NULL, kind TEXT NOT NULL, ts TEXT NOT NULL, actor_id TEXT,
    session_id TEXT, command_id TEXT, client_ip TEXT, voided_by TEXT,
    pupils TEXT)"""
# name: columns. Dropped while a rebuild fills the table, built again after.
INDEXES = {
    "ix_events_actor": "actor_id, ts",
    "ix_events_session": "session_id, ts",
    "ix_events_stream": "stream_id, version",
    "ix_events_ts": "ts",
}
SCHEMA = [
    TABLE,
    *(f"CREATE INDEX IF NOT EXISTS {n} ON ej_events ({c})" for n, c in INDEXES.items()),
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
TYPES = ("int8", "text", "int8", *("text",) * 9)  # a binary COPY's


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
        cur.insert_rows("ej_events", COLUMNS, [_row(n, e) for n, e in page])
        self._refold(cur, _voids(page))

    def _refold(self, cur: Cursor, refold: dict[str, int]) -> None:
        """Set ``voided_by`` of the streams voided or reinstated, as decided by
        their events up to the given version."""
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


class RebuildEventIndex(EventIndex):
    """The event index for a rebuild into the emptied table (nobody reads it
    until the rebuild has finished): ``start`` drops the secondary indexes, the
    pages only copy rows in, and ``finish`` builds the indexes once and then sets
    ``voided_by`` of each voided stream once, as its last void or reinstatement
    decided (what the catch-up loop's page-by-page updates end with)."""

    def __init__(self, app: SchoolApp, *, create: bool = True) -> None:
        """``create``: False where the schema exists and its indexes were
        dropped for the rebuild (creating it would build them again)."""
        if create:
            super().__init__(app)
        self.app = app
        self.refold: dict[str, int] = {}

    def start(self, db: Database) -> None:
        with db.write() as cur:
            drop_indexes(cur)

    def apply_page(self, cur: Cursor, page: Sequence[tuple[Any, Any]]) -> None:
        cur.insert_rows("ej_events", COLUMNS, [_row(n, e) for n, e in page], TYPES)
        self.refold.update(_voids(page))

    def finish(self, db: Database) -> None:
        finish_rebuild(self.app, db, self.refold)
        self.refold = {}


def finish_rebuild(app: SchoolApp, db: Database, refold: dict[str, int]) -> None:
    """Build the secondary indexes of the filled ej_events, then set
    ``voided_by`` of the streams ``refold`` names (the last version of each
    that voids or reinstates): what RebuildEventIndex ends with, also where
    several processes filled the table (projections/rebuild.py)."""
    with db.write() as cur:
        if db.backend == "postgres":
            cur.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for statement in SCHEMA[1:]:
            cur.execute(statement)
    view = EventIndex(app)  # its schema exists now: nothing more is built
    with db.write() as cur:
        view._refold(cur, refold)


def drop_indexes(cur: Cursor) -> None:
    """Drop the secondary indexes of ej_events (EventIndex builds them again)."""
    db = cur.db
    schema = f'"{db.schema}".' if db.backend == "postgres" else ""
    for name in INDEXES:
        cur.execute(f"DROP INDEX IF EXISTS {schema}{name}")


def _row(n: Any, e: Any) -> tuple[Any, ...]:
    sid = str(n.originator_id)
    return (
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


def _voids(page: Sequence[tuple[Any, Any]]) -> dict[str, int]:
    """The streams a page voids or reinstates in, with the last such version."""
    return {
        str(n.originator_id): n.originator_version
        for n, e in page
        if isinstance(e, META_EVENTS)
    }


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
