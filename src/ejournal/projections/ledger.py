"""The ledger (реестр): a SHA-256 chain over the log, in position order.

``hash_n = sha256(hash_{n-1} ‖ position ‖ stream_id ‖ version ‖ topic ‖ state)``
over the exact stored bytes, kept per position in ``ej_ledger`` by the catch-up
loop. ``verify`` recomputes the chain from the events table itself and names the
first position where the log and the chain part: a changed byte, a deleted, an
inserted or a moved row. A chain rewritten to match a changed log is caught only
by a checkpoint kept outside the school (``ejournal ledger checkpoint``).

A rebuild of the views keeps the chain: it is the evidence that the log has not
been edited behind the application's back, so replaying a tampered log must not
launder it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from ejournal.database import Cursor, Database
from ejournal.store import SchoolApp

GENESIS = bytes(32)
PAGE = 1000
LOWEST = -(2**63)

SCHEMA = [
    """CREATE TABLE IF NOT EXISTS ej_ledger (
        position BIGINT PRIMARY KEY, hash TEXT NOT NULL)""",
]


def stream_text(originator_id: Any) -> str:
    """A stream id as canonical UUID text, whichever way the backend stores it
    (SQLite keeps 32 hex digits, PostgreSQL a uuid), so both chain alike."""
    if isinstance(originator_id, UUID):
        return str(originator_id)
    text = str(originator_id)
    try:
        return str(UUID(text))
    except ValueError:
        return text  # not a UUID: hashed as stored, so it still fails to match


def link(
    prev: bytes, position: int, stream_id: str, version: int, topic: str, state: bytes
) -> bytes:
    """One link of the chain. Every field but the last is fixed-width or
    length-prefixed, so no two different rows hash the same bytes."""
    h = hashlib.sha256(prev)
    h.update(position.to_bytes(8, "big", signed=True))
    sid = stream_id.encode()
    h.update(len(sid).to_bytes(4, "big"))
    h.update(sid)
    h.update(version.to_bytes(8, "big", signed=True))
    top = topic.encode()
    h.update(len(top).to_bytes(4, "big"))
    h.update(top)
    h.update(state)
    return h.digest()


@dataclass(frozen=True)
class StoredRow:
    """One row of the events table as stored, with its position."""

    position: int
    stream_id: str
    version: int
    topic: str
    state: bytes

    def link(self, prev: bytes) -> bytes:
        return link(
            prev, self.position, self.stream_id, self.version, self.topic, self.state
        )


def stored_row(row: Any) -> StoredRow:
    """Normalise a raw row; raises ValueError when a field cannot be what the
    library writes (SQLite keeps whatever type it is given)."""
    try:
        return StoredRow(
            position=int(row["position"]),
            stream_id=stream_text(row["originator_id"]),
            version=int(row["originator_version"]),
            topic=str(row["topic"] or ""),
            state=bytes(row["state"] or b""),
        )
    except (TypeError, ValueError, OverflowError) as exc:
        msg = f"unreadable row: {exc}"
        raise ValueError(msg) from None


def event_rows(
    cur: Cursor, upto: int | None = None, after: int = LOWEST
) -> Iterator[tuple[int, StoredRow | None]]:
    """The events table in position order, read in pages: (position, row), the
    row None when it cannot be read."""
    db = cur.db
    pos = db.position_column
    bound = f" AND {pos} <= ?" if upto is not None else ""
    sql = (
        f"SELECT {pos} AS position, originator_id, originator_version, topic, state "
        f"FROM {db.events_table_ref} WHERE {pos} > ?{bound} ORDER BY {pos} LIMIT ?"
    )
    while True:
        params: list[Any] = [after] + ([upto] if upto is not None else []) + [PAGE]
        rows = cur.execute(sql, params).fetchall()
        for row in rows:
            position = int(row["position"])
            try:
                yield position, stored_row(row)
            except ValueError:
                yield position, None
        if len(rows) < PAGE:
            return
        after = int(rows[-1]["position"])


def ledger_rows(cur: Cursor, upto: int) -> Iterator[tuple[int, str]]:
    after = LOWEST
    while True:
        rows = cur.execute(
            "SELECT position, hash FROM ej_ledger WHERE position > ? AND position <= ?"
            " ORDER BY position LIMIT ?",
            (after, upto, PAGE),
        ).fetchall()
        for row in rows:
            yield int(row["position"]), str(row["hash"])
        if len(rows) < PAGE:
            return
        after = int(rows[-1]["position"])


def head(cur: Cursor, upto: int | None = None) -> tuple[int, str | None]:
    """The ledger's last position (at or before ``upto``) and its hash."""
    if upto is None:
        row = cur.execute(
            "SELECT position, hash FROM ej_ledger ORDER BY position DESC LIMIT 1"
        ).fetchone()
    else:
        row = cur.execute(
            "SELECT position, hash FROM ej_ledger WHERE position <= ? "
            "ORDER BY position DESC LIMIT 1",
            (upto,),
        ).fetchone()
    return (int(row["position"]), str(row["hash"])) if row else (0, None)


def digest(stored: str | None) -> bytes:
    """A stored hash as bytes; the genesis for none. A garbled row must not stop
    the catch-up loop: verify names it."""
    if stored is None:
        return GENESIS
    try:
        value = bytes.fromhex(stored)
    except ValueError:
        value = b""
    if len(value) != len(GENESIS):
        value = hashlib.sha256(stored.encode()).digest()
    return value


class Ledger:
    """The projection that keeps the chain, one row per position."""

    name = "ledger"

    def __init__(self, app: SchoolApp) -> None:
        self.app = app
        create_ledger_table(app.db())

    def reset(self, cur: Cursor) -> None:
        """Keep the chain (see the module docstring): a replay re-links only the
        positions it does not hold yet."""

    def apply_page(self, cur: Cursor, page: Sequence[tuple[Any, Any]]) -> None:
        first, last = page[0][0].id, page[-1][0].id
        held = {
            int(r["position"])
            for r in cur.execute(
                "SELECT position FROM ej_ledger WHERE position >= ? AND position <= ?",
                (first, last),
            ).fetchall()
        }
        if len(held) == len(page):
            return  # a replay over a chain already kept: nothing to link
        _, before = head(cur, first - 1)
        if before is not None:
            prev = digest(before)
        elif head(cur)[1] is None:  # the ledger is new to a log already written
            prev = self._backfill(cur, first)
        else:  # a replay from the start: the kept chain is not re-linked
            prev = GENESIS
        rows: list[tuple[int, str]] = []
        for n, _event in page:
            prev = link(
                prev,
                n.id,
                stream_text(n.originator_id),
                n.originator_version,
                n.topic,
                bytes(n.state),
            )
            if n.id not in held:
                rows.append((n.id, prev.hex()))
        _insert(cur, rows)

    @staticmethod
    def _backfill(cur: Cursor, first: int) -> bytes:
        """Chain the events before ``first`` that the ledger never saw: a log
        written before the ledger joined the views. Returns the last link."""
        prev = GENESIS
        rows: list[tuple[int, str]] = []
        for position, row in event_rows(cur, first - 1):
            if row is None:  # unreadable: left out, so verify names it
                continue
            prev = row.link(prev)
            rows.append((position, prev.hex()))
            if len(rows) >= PAGE:
                _insert(cur, rows)
                rows = []
        _insert(cur, rows)
        return prev


def _insert(cur: Cursor, rows: list[tuple[int, str]]) -> None:
    cur.insert_rows("ej_ledger", ("position", "hash"), rows)


def create_ledger_table(db: Database) -> None:
    with db.ddl() as cur:
        for statement in SCHEMA:
            cur.execute(statement)
