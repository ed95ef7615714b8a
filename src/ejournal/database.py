"""Our own tables beside the library's, on either backend: the connection's
transactions, ``?``-placeholder SQL and the bulk row writers the views use."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast
from uuid import UUID

if TYPE_CHECKING:
    from ejournal.store import SchoolApp

COPY_FROM = 64  # rows from which a plain insert goes through COPY
DDL_LOCK = 7_211_640_911  # pg_advisory_lock key: one process creates tables at a time


class Database:
    """Our own tables beside the library's, on either backend.

    SQL is written with ``?`` placeholders and the portable subset both engines
    share (``INSERT … ON CONFLICT … DO UPDATE`` included).
    """

    def __init__(self, app: SchoolApp) -> None:
        self.app = app
        self.backend = app.config.backend
        self.datastore: Any = cast(Any, app.recorder).datastore
        self.events_table: str = cast(Any, app.recorder).events_table_name
        self.schema = app.config.schema

    def sql(self, statement: str) -> str:
        if self.backend == "postgres":
            statement = statement.replace("?", "%s")
            if self.schema != "public":
                statement = re.sub(
                    r"\b(ej_\w+)\b",
                    lambda m: f'"{self.schema}".{m.group(1)}',
                    statement,
                )
        return statement

    @contextlib.contextmanager
    def write(self) -> Iterator[Cursor]:
        with self.datastore.transaction(commit=True) as curs:
            yield Cursor(self, curs)

    @contextlib.contextmanager
    def read(self) -> Iterator[Cursor]:
        with self.datastore.transaction(commit=False) as curs:
            yield Cursor(self, curs)

    @contextlib.contextmanager
    def ddl(self) -> Iterator[Cursor]:
        """A write transaction for creating tables: on PostgreSQL, one process at
        a time (see PgRecorder.create_table)."""
        with self.write() as cur:
            if self.backend == "postgres":
                cur.raw.execute("SELECT pg_advisory_xact_lock(%s)", (DDL_LOCK,))
            yield cur

    def create(
        self,
        statements: Sequence[str],
        added: Mapping[str, Mapping[str, str]] | None = None,
    ) -> None:
        """Create a module's tables and indexes (``IF NOT EXISTS`` statements) in
        one DDL transaction, and the columns ``added`` to a table since it was
        first created (old stores get them NULL). ``{blob}`` stands for the
        backend's binary type and ``{text}`` for text that compares byte-wise on
        both engines (PostgreSQL's locale collation would order and range-scan
        keys differently from SQLite)."""
        postgres = self.backend == "postgres"
        types = {
            "blob": "BYTEA" if postgres else "BLOB",
            "text": 'TEXT COLLATE "C"' if postgres else "TEXT",
        }
        with self.ddl() as cur:
            for statement in statements:
                cur.execute(statement.format(**types))
            for table, columns in (added or {}).items():
                add_missing_columns(
                    cur, table, {c: t.format(**types) for c, t in columns.items()}
                )

    def tracked(self, name: str) -> int:
        """A views loop's tracked position, in one round trip on PostgreSQL."""
        query = "SELECT position FROM ej_tracking WHERE name = ?"
        if self.backend == "postgres":
            with self.datastore.get_connection() as conn:
                row = conn.execute(self.sql(query), (name,)).fetchone()
        else:
            with self.read() as cur:
                row = cur.execute(query, (name,)).fetchone()
        return int(row["position"]) if row else 0

    def streams_between(self, after: int, upto: int) -> dict[str, int]:
        """The streams written at log positions ``after`` < p <= ``upto``, each
        with the last such position: what a process that follows the views loop
        forgets from its caches."""
        column = self.position_column
        query = (
            f"SELECT originator_id, max({column}) AS moved "
            f"FROM {self.events_table_ref} "
            f"WHERE {column} > ? AND {column} <= ? GROUP BY originator_id"
        )
        if self.backend == "postgres":
            with self.datastore.get_connection() as conn:
                rows = conn.execute(self.sql(query), (after, upto)).fetchall()
        else:
            with self.read() as cur:
                rows = cur.execute(query, (after, upto)).fetchall()
        # SQLite keeps the ids as bare hex, PostgreSQL as uuids: the caches
        # know streams by the canonical form.
        return {str(UUID(str(r["originator_id"]))): int(r["moved"]) for r in rows}

    @property
    def events_table_ref(self) -> str:
        if self.backend == "postgres":
            return f'"{self.schema}"."{self.events_table}"'
        return self.events_table

    @property
    def position_column(self) -> str:
        return "notification_id" if self.backend == "postgres" else "rowid"

    def blob(self, value: Any) -> bytes:
        return bytes(value)


class Cursor:
    def __init__(self, db: Database, raw: Any) -> None:
        self.db = db
        self.raw = raw

    def execute(self, statement: str, params: Sequence[Any] = ()) -> Cursor:
        self.raw.execute(self.db.sql(statement), tuple(params))
        return self

    def executemany(self, statement: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            self.raw.executemany(self.db.sql(statement), [tuple(r) for r in rows])

    def insert_rows(
        self,
        table: str,
        columns: Sequence[str],
        rows: Sequence[Sequence[Any]],
        types: Sequence[str] | None = None,
    ) -> None:
        """Plain inserts of many rows: COPY on PostgreSQL (an order of magnitude
        less per row than executemany once there are more than a few), each row
        formatted by psycopg's own C code (~1 µs a row for the event index's
        twelve columns, against ~8 µs formatted in Python). ``types``: the columns'
        PostgreSQL types, each value then of that type or None: the COPY is
        binary (bytea is neither spelt out in hex nor parsed back)."""
        if not rows:
            return
        cols = ", ".join(columns)
        if self.db.backend == "postgres" and len(rows) >= COPY_FROM:
            binary = " (FORMAT BINARY)" if types else ""
            statement = self.db.sql(f"COPY {table} ({cols}) FROM STDIN{binary}")
            with self.raw.copy(statement) as c:
                if types:
                    c.set_types(list(types))
                write = c.write_row
                for row in rows:
                    write(row)
            return
        marks = ", ".join("?" * len(columns))
        self.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})", rows)

    def upsert_rows(
        self,
        table: str,
        columns: Sequence[str],
        key: str,
        update: Sequence[str],
        rows: Sequence[Sequence[Any]],
    ) -> None:
        """Insert or update many rows by ``key`` (unique among ``rows``): on
        PostgreSQL through a COPY into a temporary table and one INSERT … SELECT."""
        if not rows:
            return
        cols = ", ".join(columns)
        sets = ", ".join(f"{c} = excluded.{c}" for c in update)
        target = self.db.sql(table)
        if self.db.backend == "postgres" and len(rows) >= COPY_FROM:
            stage = f"stage_{table}"
            self.raw.execute(
                f"CREATE TEMP TABLE IF NOT EXISTS {stage} (LIKE {target}) "
                "ON COMMIT DELETE ROWS"
            )
            with self.raw.copy(f"COPY {stage} ({cols}) FROM STDIN") as c:
                write = c.write_row
                for row in rows:
                    write(row)
            self.raw.execute(
                f"INSERT INTO {target} ({cols}) SELECT {cols} FROM {stage} "
                f"ON CONFLICT ({key}) DO UPDATE SET {sets}"
            )
            self.raw.execute(f"TRUNCATE {stage}")
            return
        marks = ", ".join("?" * len(columns))
        self.executemany(
            f"INSERT INTO {table} ({cols}) VALUES ({marks}) "
            f"ON CONFLICT ({key}) DO UPDATE SET {sets}",
            rows,
        )

    def delete_where_in(self, table: str, column: str, values: Sequence[Any]) -> None:
        if not values:
            return
        if self.db.backend == "postgres":
            self.raw.execute(
                self.db.sql(f"DELETE FROM {table} WHERE {column} = ANY(%s)"),
                (list(values),),
            )
            return
        self.executemany(
            f"DELETE FROM {table} WHERE {column} = ?", [(v,) for v in values]
        )

    def fetchall(self) -> list[Any]:
        return list(self.raw.fetchall())

    def fetchone(self) -> Any:
        return self.raw.fetchone()


def add_missing_columns(cur: Cursor, table: str, columns: dict[str, str]) -> None:
    """Columns added since a table was first created (Database.create)."""
    if cur.db.backend == "postgres":
        # Looked up first: ALTER TABLE would lock the table even with IF NOT EXISTS.
        rows = cur.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = ? AND table_name = ?",
            (cur.db.schema, table),
        ).fetchall()
        present = {r["column_name"] for r in rows}
    else:
        rows = cur.execute(f"PRAGMA table_info({table})").fetchall()
        present = {r["name"] for r in rows}
    for name, kind in columns.items():
        if name not in present:
            cur.execute(
                f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {name} {kind}"
                if cur.db.backend == "postgres"
                else f"ALTER TABLE {table} ADD COLUMN {name} {kind}"
            )
