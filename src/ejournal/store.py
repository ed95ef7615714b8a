# Over ~300 lines on purpose: the log: the library's two recorders extended with the
# idempotency insert, the database settings and the application with its aggregate
# cache.
"""The event store: one eventsourcing Application per school, on PostgreSQL or SQLite:
the log, the idempotency records and the views' tracking (the helpers for SQL on
either backend are in ejournal.database).

``EJOURNAL_DATABASE_URL`` chooses the backend: ``sqlite:///path`` (the default,
``./ejournal.sqlite3``) or ``postgresql://…`` (an optional ``?schema=`` selects the
school's schema). The recorders are the library's own, extended so that an
idempotency record is written in the same transaction as the events it answers for.
"""

from __future__ import annotations

import pickle
import re
import sqlite3
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit
from uuid import UUID

import orjson
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import (
    IntegrityError,
    InterfaceError,
    OperationalError,
    Recording,
    StoredEvent,
    Transcoder,
)
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor
from eventsourcing.utils import retry

from ejournal.cache import StampedCache
from ejournal.database import COPY_FROM, DDL_LOCK, Cursor, Database
from ejournal.domain.base import fold
from ejournal.domain.errors import LogWentBackwards, NotFound

DEFAULT_DATABASE_URL = "sqlite:///ejournal.sqlite3"
AGGREGATE_CACHE_SIZE = 2000  # a school day of lessons being written


class OrjsonTranscoder(Transcoder):
    """Event state as JSON through orjson. Event fields are JSON-native (ids and
    dates are strings), so only the timestamp needs converting back."""

    def encode(self, obj: Any) -> bytes:
        return orjson.dumps(obj)

    def decode(self, data: bytes) -> Any:
        state = orjson.loads(data)
        ts = state.get("timestamp")
        if isinstance(ts, str):
            state["timestamp"] = datetime.fromisoformat(ts)
        return state


@dataclass
class IdempotencyRecord:
    """The answer to one command, stored with its events (same transaction).
    Without a key (no Idempotency-Key header) nothing is stored, but the record
    still locates the command's events among those of its transaction."""

    key: str | None
    body_hash: str
    response: dict[str, Any]
    event_count: int
    position: int | None = field(default=None)


def _positions(records: Sequence[IdempotencyRecord], ids: Sequence[int]) -> None:
    """Records answer consecutive runs of the saved events, in order."""
    offset = 0
    for record in records:
        offset += record.event_count
        record.position = ids[offset - 1] if record.event_count else None
        record.response["position"] = record.position


_IDEM_INSERT = (
    "INSERT INTO ej_idempotency (key, body_hash, response, position) "
    "VALUES (?, ?, ?, ?)"
)


# The tail guard, read under the append lock before every insert: the position the
# views have reached against the log's last one. The views never pass the log, so
# a log that ends before them lost its tail behind the application's back; on
# SQLite the next insert would even reuse the deleted rows' rowids (positions), and
# the views, already past them, would never see those events. The insert is
# refused instead (LogWentBackwards, 503). A rebuild's negative marker passes.
_TAIL_CHECK = (
    "SELECT (SELECT position FROM {tracking} WHERE name = 'views') AS reached, "
    "(SELECT MAX({position}) FROM {events}) AS top"
)


def _check_tail(row: Any, first_new: int | None = None) -> None:
    """``row``: (reached, top) read before an insert, or (reached,) read after one
    whose first new position is ``first_new``."""
    if isinstance(row, dict):
        row = list(row.values())
    if row is None or row[0] is None:
        return
    reached = int(row[0])
    top = int(row[1] or 0) if first_new is None else first_new - 1
    if reached > top:
        raise LogWentBackwards(top, reached)


class PgRecorder(PostgresApplicationRecorder):
    def create_table(self) -> None:
        """The library's tables, types and functions, one process at a time:
        server workers or a rebuild's processes starting together otherwise race
        on the catalog ("tuple concurrently updated")."""
        with self.datastore.get_connection() as conn:
            conn.execute("SELECT pg_advisory_lock(%s)", (DDL_LOCK,))
            try:
                super().create_table()
            finally:
                conn.execute("SELECT pg_advisory_unlock(%s)", (DDL_LOCK,))

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        """The library's insert (lock, notify, insert, ids, our idempotency rows)
        in one transaction, without psycopg's pipeline mode: psycopg 3.3's
        pipeline can stall for good when a large transaction's last flush is only
        partly sent (a save of ~1,000 events did, within a few saves). Without the
        pipeline each statement costs a round trip, a fraction of a millisecond
        per group commit."""
        with (
            self.datastore.get_connection() as conn,
            conn.transaction(),
            conn.cursor() as curs,
        ):
            self._insert_events(curs, stored_events, **kwargs)  # takes the lock
            if not stored_events:
                return None
            schema = self.datastore.schema or "public"
            curs.execute(
                _TAIL_CHECK.format(
                    tracking=f'"{schema}".ej_tracking',
                    position="notification_id",
                    events=f'"{schema}"."{self.events_table_name}"',
                )
            )
            _check_tail(curs.fetchone())
            self._insert_stored_events(curs, stored_events, **kwargs)
            return self._fetch_ids_after_insert_events(curs, stored_events, **kwargs)

    def _fetch_ids_after_insert_events(
        self, curs: Any, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        ids = super()._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
        records: list[IdempotencyRecord] = kwargs.get("idempotency") or []
        if records and ids:
            _positions(records, ids)
            sql = _IDEM_INSERT.replace("?", "%s")
            if self.datastore.schema != "public":
                sql = sql.replace(
                    "ej_idempotency", f'"{self.datastore.schema}".ej_idempotency'
                )
            for r in records:
                if r.key is None:
                    continue
                curs.execute(
                    sql, (r.key, r.body_hash, orjson.dumps(r.response), r.position)
                )
        return ids


class LiteRecorder(SQLiteApplicationRecorder):
    def _insert_events(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        ids = super()._insert_events(c, stored_events, **kwargs)
        if ids:
            # After the insert, which took SQLite's write lock (a read first would
            # make a deferred transaction upgrade, and fail under a second writer
            # process): a first new rowid at or before the views' position is the
            # rowid of a deleted row, reused. Raising rolls the insert back.
            c.execute("SELECT position FROM ej_tracking WHERE name = 'views'")
            _check_tail(c.fetchone(), first_new=int(ids[0]))
        records: list[IdempotencyRecord] = kwargs.get("idempotency") or []
        if records and ids:
            _positions(records, ids)
            for r in records:
                if r.key is None:
                    continue
                c.execute(
                    _IDEM_INSERT,
                    (r.key, r.body_hash, orjson.dumps(r.response), r.position),
                )
        return ids


@dataclass(frozen=True)
class DatabaseConfig:
    backend: str  # "postgres" | "sqlite"
    env: dict[str, str]
    schema: str = "public"
    conninfo: str = ""

    @classmethod
    def from_url(cls, url: str) -> DatabaseConfig:
        parts = urlsplit(url)
        if parts.scheme == "sqlite":
            # sqlite:///relative.db or sqlite:////absolute/path.db
            path = url[len("sqlite:///") :]
            if not path:
                msg = "sqlite URL needs a path: sqlite:///ejournal.sqlite3"
                raise ValueError(msg)
            return cls(
                backend="sqlite",
                env={
                    "PERSISTENCE_MODULE": "eventsourcing.sqlite",
                    "SQLITE_DBNAME": path,
                    "SQLITE_LOCK_TIMEOUT": "30",
                    "APPLICATION_RECORDER_TOPIC": "ejournal.store:LiteRecorder",
                },
            )
        if parts.scheme in ("postgresql", "postgres"):
            from psycopg.conninfo import conninfo_to_dict

            query = parse_qs(parts.query)
            schema = query.pop("schema", ["public"])[0]
            if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", schema):
                msg = f"invalid schema name {schema!r}"
                raise ValueError(msg)
            rest = "&".join(f"{k}={v[0]}" for k, v in query.items())
            conninfo = parts._replace(query=rest).geturl()
            info = conninfo_to_dict(conninfo)
            return cls(
                backend="postgres",
                env={
                    "PERSISTENCE_MODULE": "eventsourcing.postgres",
                    "POSTGRES_DBNAME": str(info.get("dbname") or "postgres"),
                    "POSTGRES_HOST": str(info.get("host") or "localhost"),
                    "POSTGRES_PORT": str(info.get("port") or "5432"),
                    "POSTGRES_USER": str(info.get("user") or "postgres"),
                    "POSTGRES_PASSWORD": str(info.get("password") or ""),
                    "POSTGRES_SCHEMA": schema,
                    "POSTGRES_POOL_SIZE": "8",
                    "POSTGRES_MAX_OVERFLOW": "24",
                    "POSTGRES_LOCK_TIMEOUT": "30",
                    "POSTGRES_CONNECT_TIMEOUT": "10",
                    "POSTGRES_PRE_PING": "n",
                    "APPLICATION_RECORDER_TOPIC": "ejournal.store:PgRecorder",
                },
                schema=schema,
                conninfo=conninfo,
            )
        msg = f"unsupported database URL {url!r}: use sqlite:///… or postgresql://…"
        raise ValueError(msg)


def ensure_schema(config: DatabaseConfig) -> None:
    if config.backend != "postgres" or config.schema == "public":
        return
    import psycopg

    with psycopg.connect(config.conninfo, autocommit=True) as conn:
        # IF NOT EXISTS still races a process creating it at the same moment.
        conn.execute("SELECT pg_advisory_lock(%s)", (DDL_LOCK,))
        conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{config.schema}"')
        conn.execute("SELECT pg_advisory_unlock(%s)", (DDL_LOCK,))


class SchoolApp(Application[UUID]):
    """All aggregates of one school: one log, one total order."""

    name = "School"

    def __init__(self, config: DatabaseConfig) -> None:
        self.config = config
        # Trusted only while a views loop reports every change of the log to it
        # (Service.start); otherwise every load folds from the store.
        self.aggregates = StampedCache(AGGREGATE_CACHE_SIZE)
        self.trust_cache = False
        ensure_schema(config)
        super().__init__(env=config.env)

    def construct_transcoder(self) -> Transcoder:
        return OrjsonTranscoder()

    def get(self, aggregate_id: str | UUID, cls: type[Any]) -> Any:
        """Load an aggregate by folding its live (non-voided) events: a private
        copy the caller may change."""
        if not self.trust_cache:
            return self._fold(aggregate_id, cls)
        _, blob = self._cached(aggregate_id, cls)
        return pickle.loads(blob)  # noqa: S301  (our own bytes)

    def peek(self, aggregate_id: str | UUID, cls: type[Any]) -> Any:
        """The aggregate as ``get`` loads it, possibly shared with the cache: read
        it, never change it or trigger events on it."""
        if not self.trust_cache:
            return self._fold(aggregate_id, cls)
        return self._cached(aggregate_id, cls)[0]

    def _fold(self, aggregate_id: str | UUID, cls: type[Any]) -> Any:
        try:
            uid = aggregate_id if isinstance(aggregate_id, UUID) else UUID(aggregate_id)
        except ValueError:
            raise NotFound(f"no {cls.__name__} {aggregate_id}") from None
        aggregate = fold(self.events.get(uid))
        if aggregate is None or not isinstance(aggregate, cls):
            raise NotFound(f"no {_label(cls)} {aggregate_id}")
        return aggregate

    def _cached(self, aggregate_id: str | UUID, cls: type[Any]) -> tuple[Any, bytes]:
        """Folds are cached (see ejournal.cache) with their pickle: unpickling is
        the cheap way to hand every caller its own copy."""
        key = str(aggregate_id)
        entry: tuple[Any, bytes] | None = self.aggregates.get(key)
        if entry is None:
            stamp = self.aggregates.stamp()
            aggregate = self._fold(aggregate_id, cls)
            entry = (aggregate, pickle.dumps(aggregate, pickle.HIGHEST_PROTOCOL))
            self.aggregates.put(str(aggregate.id), str(aggregate.id), stamp, entry)
        elif not isinstance(entry[0], cls):
            raise NotFound(f"no {_label(cls)} {aggregate_id}")
        return entry

    def save(self, *objs: Any, **kwargs: Any) -> list[Recording[UUID]]:
        """Save, and tell the aggregate cache which streams moved."""
        streams = {
            str(getattr(o, "originator_id", None) or o.id)
            for o in objs
            if o is not None
        }
        try:
            recordings = super().save(*objs, **kwargs)
        except IntegrityError:
            for stream in streams:  # someone else wrote first: read it again
                self.aggregates.forget(stream)
            raise
        if recordings:
            # Each stream with its own last position: a group commit saves many
            # commands' events, and a command's aggregate, cached as it saved it
            # (remember), must not count as changed by the commands after it.
            moved = {
                str(r.notification.originator_id): r.notification.id for r in recordings
            }
            self.aggregates.changed(moved, recordings[-1].notification.id)
        return recordings

    def remember(self, aggregates: Sequence[Any], position: int) -> None:
        """Aggregates a command has just saved, up to log position ``position``:
        cached as they stand, so the next command on them need not fold their
        streams again. Their saved events are dropped from them first."""
        if not self.trust_cache:
            return
        for aggregate in aggregates:
            if not isinstance(aggregate, Aggregate) or not aggregate.pending_events:
                continue  # only what this save wrote is known to be current
            aggregate.collect_events()
            key = str(aggregate.id)
            entry = (aggregate, pickle.dumps(aggregate, pickle.HIGHEST_PROTOCOL))
            self.aggregates.put(key, key, position, entry)

    def find(self, aggregate_id: str | UUID, cls: type[Any]) -> Any | None:
        try:
            return self.get(aggregate_id, cls)
        except NotFound:
            return None

    def stream(self, aggregate_id: str | UUID, lte: int | None = None) -> list[Any]:
        uid = aggregate_id if isinstance(aggregate_id, UUID) else UUID(aggregate_id)
        return list(self.events.get(uid, lte=lte))

    def db(self) -> Database:
        return Database(self)


def _label(cls: type[Any]) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", " ", cls.__name__).lower()


# The log's own tables beside the library's: the commands' idempotency records
# and the views' tracked positions. Each view creates its own tables (the
# documents, the event index, the ledger; the login throttle in sessions.py).
SCHEMA_STATEMENTS = [
    """CREATE TABLE IF NOT EXISTS ej_idempotency (
        key TEXT PRIMARY KEY, body_hash TEXT NOT NULL, response {blob} NOT NULL,
        position BIGINT)""",
    """CREATE TABLE IF NOT EXISTS ej_tracking (
        name TEXT PRIMARY KEY, position BIGINT NOT NULL)""",
]


def _switch_to_wal(path: str, timeout: float = 30.0) -> None:
    """Put a SQLite file in WAL mode before the library opens it. Changing the
    journal mode does not wait on SQLite's busy handler, so processes opening a
    new file together (``serve --workers N``) got "database is locked"; here
    they take turns until ``timeout``."""
    if path == ":memory:" or "mode=memory" in path:
        return
    deadline = time.monotonic() + timeout
    while True:
        conn = sqlite3.connect(path, uri=True, timeout=timeout, isolation_level=None)
        try:
            mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            if str(mode).lower() == "wal":
                return
            msg = f"SQLite file {path!r} cannot use WAL mode (journal_mode={mode})"
            raise OperationalError(msg)
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise OperationalError(str(error)) from error
        finally:
            conn.close()
        time.sleep(0.02)


def open_store(url: str) -> SchoolApp:
    config = DatabaseConfig.from_url(url)
    if config.backend == "sqlite":
        _switch_to_wal(config.env["SQLITE_DBNAME"])
    app = SchoolApp(config)
    app.db().create(SCHEMA_STATEMENTS)
    return app


__all__ = [
    "COPY_FROM",
    "Cursor",
    "Database",
    "DatabaseConfig",
    "IdempotencyRecord",
    "IntegrityError",
    "SchoolApp",
    "open_store",
]
