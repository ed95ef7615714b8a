"""The commands' idempotency records in a backup (format 2), and the sessions a
restore ends.

A retried command must answer what it answered before, also after a restore: so a
backup carries ``ej_idempotency`` (the records of the commands whose events it
holds) after its events, one line each, chained like the events are: each record's
hash covers the one before it, starting from the events' head hash, and the header
names the last. A record cannot be changed, dropped or added without the file being
refused, and records cannot be moved to another log.

Sessions are not restored as live: a token that was valid when the backup was made
may have leaked since (the file itself is a copy). After the views are rebuilt the
restore closes every session the file left open, as the system, with the reason
"restored from a backup": ordinary ``SessionClosed`` events, so the audit trail
says what happened and who must log in again.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import orjson

from ejournal.database import Cursor
from ejournal.domain.account import Account
from ejournal.domain.base import Meta, new_id
from ejournal.projections.ledger import GENESIS
from ejournal.projections.reader import reader
from ejournal.service import Service

RESTORE_REASON = "restored from a backup"


class RecordError(ValueError):
    """A record line that is not one (the backup module names the line)."""


@dataclass(frozen=True)
class Record:
    key: str
    body_hash: str
    response: bytes
    position: int


def chain_start(head_hash: str | None) -> bytes:
    return bytes.fromhex(head_hash) if head_hash else GENESIS


def record_link(prev: bytes, record: Record) -> bytes:
    h = hashlib.sha256(prev)
    for part in (record.key, record.body_hash, str(record.position)):
        data = part.encode()
        h.update(len(data).to_bytes(8, "big"))
        h.update(data)
    h.update(len(record.response).to_bytes(8, "big"))
    h.update(record.response)
    return h.digest()


def records(cur: Cursor, last: int) -> Iterator[Record]:
    """The records of the commands whose events are at or before ``last``."""
    rows = cur.execute(
        "SELECT key, body_hash, response, position FROM ej_idempotency "
        "WHERE position IS NOT NULL AND position <= ? ORDER BY key",
        (last,),
    ).fetchall()
    for row in rows:
        yield Record(
            str(row["key"]),
            str(row["body_hash"]),
            bytes(row["response"]),
            int(row["position"]),
        )


def record_line(record: Record, hash_hex: str) -> bytes:
    return (
        orjson.dumps(
            {
                "record": record.key,
                "body_hash": record.body_hash,
                "response": base64.b64encode(record.response).decode(),
                "position": record.position,
                "hash": hash_hex,
            }
        )
        + b"\n"
    )


def is_record(data: dict[str, Any]) -> bool:
    return "record" in data


def parse_record(data: dict[str, Any]) -> tuple[Record, str]:
    try:
        key, body_hash, response = data["record"], data["body_hash"], data["response"]
        position, claimed = data["position"], data["hash"]
        if not (
            isinstance(key, str)
            and isinstance(body_hash, str)
            and isinstance(claimed, str)
            and isinstance(position, int)
            and not isinstance(position, bool)
        ):
            raise TypeError
        blob = base64.b64decode(response, validate=True)
    except (KeyError, TypeError, ValueError, binascii.Error):
        raise RecordError(
            "not a record line (record, body_hash, response, position, hash)"
        ) from None
    return Record(key, body_hash, blob, position), claimed


def insert_records(cur: Cursor, batch: list[Record]) -> None:
    if batch:
        cur.executemany(
            "INSERT INTO ej_idempotency (key, body_hash, response, position) "
            "VALUES (?, ?, ?, ?)",
            [(r.key, r.body_hash, r.response, r.position) for r in batch],
        )


def end_restored_sessions(service: Service) -> int:
    """Close every session the restored log left open; the number closed."""
    with reader(service.app) as views:
        accounts = views.all_of_kind("account")
    system = service.system_actor()
    closed = 0
    for doc in accounts:
        if not any(not s["closed"] for s in doc.get("sessions", {}).values()):
            continue
        meta = Meta(system.account_id, None, new_id(), None, service.clock())
        ended: list[str] = []

        def close_all(
            account: Account, meta: Meta = meta, ended: list[str] = ended
        ) -> bool:
            ended.clear()
            for session_id, session in account.sessions.items():
                if not session["closed"]:
                    account.close_session(meta, session_id, RESTORE_REASON)
                    ended.append(session_id)
            return bool(ended)

        service.sessions.change_account(str(doc["id"]), close_all)
        closed += len(ended)
    return closed
