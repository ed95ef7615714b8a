"""The notifier's own tables: its tracked position and the outbox, one row per mail
(to one guardian, about one pupil) with its state.

States: ``pending`` (decided, not sent), ``sending`` (claimed by a sender),
``sent``, ``cancelled`` (its event was voided before it went out), ``failed``
(the mail server refused the address for good).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import orjson

from ejournal.database import Cursor, Database
from ejournal.notify.decide import Mail, Row
from ejournal.notify.texts import render

TABLES = [
    """CREATE TABLE IF NOT EXISTS ej_notify_state (
        name TEXT PRIMARY KEY, value BIGINT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS ej_outbox (
        key {text} PRIMARY KEY, seq BIGINT NOT NULL, kind TEXT NOT NULL,
        guardian_id TEXT NOT NULL, student_id TEXT NOT NULL, email TEXT NOT NULL,
        source_stream TEXT, source_version BIGINT, origin TEXT NOT NULL,
        facts TEXT NOT NULL, subject TEXT NOT NULL, body TEXT NOT NULL,
        message_id TEXT NOT NULL, state TEXT NOT NULL, attempts INTEGER NOT NULL,
        claim TEXT, last_error TEXT, sent_at TEXT)""",
    "CREATE INDEX IF NOT EXISTS ix_outbox_source ON ej_outbox "
    "(source_stream, source_version)",
    "CREATE INDEX IF NOT EXISTS ix_outbox_state ON ej_outbox (state, seq)",
    "CREATE INDEX IF NOT EXISTS ix_outbox_pupil ON ej_outbox (student_id, state)",
]
COLUMNS = (
    "key", "seq", "kind", "guardian_id", "student_id", "email", "source_stream",
    "source_version", "origin", "facts", "subject", "body", "message_id", "state",
    "attempts",
)  # fmt: skip
MESSAGE_IDS = uuid.UUID("9f0c6f52-3c38-4d1a-9a57-5b7f3f1f2e11")
NOTICE_KINDS = ("low_mark", "period_mark", "absence")


def create_tables(db: Database) -> None:
    db.create(TABLES)


def message_id(key: str, domain: str) -> str:
    """Stable per outbox row: a mail sent twice (a crash between sending and
    marking it sent) is the same message to the receiving side."""
    return f"<{uuid.uuid5(MESSAGE_IDS, key)}@{domain}>"


def get_state(cur: Cursor, name: str) -> int | None:
    row = cur.execute(
        "SELECT value FROM ej_notify_state WHERE name = ?", (name,)
    ).fetchone()
    return None if row is None else int(row["value"])


def set_state(cur: Cursor, name: str, value: int) -> None:
    cur.execute(
        "INSERT INTO ej_notify_state (name, value) VALUES (?, ?) "
        "ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        (name, value),
    )


def insert(
    cur: Cursor,
    mails: Sequence[Mail],
    seq: int,
    domain: str,
    *,
    origin: str | None = None,
    repeat: bool = False,
) -> None:
    """Outbox rows for decided mails; a row already there stays as it is (a
    digest's key is decided again by every tick of its week)."""
    rows = []
    for mail in mails:
        subject, body = render(mail.kind, mail.facts, repeat=repeat)
        rows.append(
            (
                mail.key, seq, mail.kind, mail.guardian_id, mail.student_id,
                mail.email, mail.source_stream, mail.source_version,
                origin or mail.key, orjson.dumps(mail.facts).decode(), subject,
                body, message_id(mail.key, domain), "pending", 0,
            )
        )  # fmt: skip
    marks = ", ".join("?" * len(COLUMNS))
    cur.executemany(
        f"INSERT INTO ej_outbox ({', '.join(COLUMNS)}) VALUES ({marks}) "
        "ON CONFLICT (key) DO NOTHING",
        rows,
    )


def latest_about(cur: Cursor, stream_id: str) -> dict[str, tuple[int, Row]]:
    """For each notice about an event of this stream (by the notice's key): the
    event's version and the last row about it."""
    rows = cur.execute(
        "SELECT key, kind, state, origin, source_version FROM ej_outbox "
        "WHERE source_stream = ? ORDER BY seq, key",
        (stream_id,),
    ).fetchall()
    latest: dict[str, tuple[int, Row]] = {}
    for r in rows:
        row = Row(r["key"], r["kind"], r["state"], r["origin"])
        latest[r["origin"]] = (int(r["source_version"]), row)
    return latest


def row(cur: Cursor, key: str) -> dict[str, Any] | None:
    found = cur.execute("SELECT * FROM ej_outbox WHERE key = ?", (key,)).fetchone()
    return None if found is None else dict(found)


def set_row_state(cur: Cursor, key: str, state: str) -> None:
    cur.execute("UPDATE ej_outbox SET state = ? WHERE key = ?", (state, key))


def rows(db: Database, state: str | None = None) -> list[dict[str, Any]]:
    """The outbox in decision order (for the CLI and tests)."""
    where = "WHERE state = ? " if state else ""
    with db.read() as cur:
        found = cur.execute(
            f"SELECT * FROM ej_outbox {where}ORDER BY seq, key",
            (state,) if state else (),
        ).fetchall()
    out = []
    for r in found:
        item = dict(r)
        item["facts"] = orjson.loads(item["facts"])
        out.append(item)
    return out
