"""Helpers for the audit tests: a small history with marks, a login and a void, and
edits made straight in the database, behind the application's back."""

from __future__ import annotations

import gzip
import hashlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from ejournal.projections.ledger import event_rows
from ejournal.service import Service
from ejournal.verification import Checkpoint, Verdict, verify
from tests.builders import FakeClock, School, run


@dataclass
class History:
    """What ``make_history`` wrote: mark ids, moments and the incident."""

    marks: list[str]
    voided_mark: str
    incident_id: str
    before_void: datetime
    teacher_session: str


def make_history(service: Service, school: School, clock: FakeClock) -> History:
    """Marks and attendance by the teacher, one made by a compromised account
    and voided by an incident."""
    teacher = school.actor(service, "teacher")
    victim = school.actor(service, "substitute")
    admin = school.actor(service, "admin")
    l0, l1, _, _, l4 = school.lesson_ids
    p0, p1, p2 = school.students
    clock.advance(minutes=5)
    marks = [
        run(service, teacher, "record-mark", {
            "lesson_id": l0, "student_id": p, "value": v, "work_type": "oral",
        })["mark_id"]
        for p, v in ((p0, "4"), (p1, "5"), (p2, "3"))
    ]
    clock.advance(minutes=5)
    run(service, teacher, "record-attendance", {
        "lesson_id": l1, "entries": [{"student_id": p2, "code": "absent"}],
    })
    clock.advance(minutes=5)
    before_void = clock()
    clock.advance(minutes=5)
    voided_mark = run(service, victim, "record-mark", {
        "lesson_id": l4, "student_id": p1, "value": "2", "work_type": "test",
    })["mark_id"]
    clock.advance(minutes=5)
    incident = run(service, admin, "report-compromise", {
        "account_id": school.accounts["substitute"],
        "reported_at": clock().isoformat(),
        "since": before_void.isoformat(),
        "note": "phished",
    })["incident_id"]
    run(service, admin, "execute-invalidation", {"incident_id": incident})
    clock.advance(minutes=5)
    return History(marks, voided_mark, incident, before_void, teacher.session_id or "")


def status(service: Service, checkpoint: Checkpoint | None = None) -> Verdict:
    service.runner.catch_up()
    with service.app.db().read() as cur:
        return verify(cur, checkpoint=checkpoint)


def rows(service: Service) -> list[Any]:
    """The stored events as (position, row), in position order."""
    with service.app.db().read() as cur:
        return list(event_rows(cur))


def position_of(service: Service, type_name: str, nth: int = 0) -> int:
    with service.app.db().read() as cur:
        found = cur.execute(
            "SELECT position FROM ej_events WHERE type = ? ORDER BY position",
            (type_name,),
        ).fetchall()
    return int(found[nth]["position"])


def gz_lines(path: Path) -> list[bytes]:
    """A gzip file's lines, ends kept."""
    with gzip.open(path) as f:
        return f.read().splitlines(keepends=True)


def checkpoint_now(service: Service) -> Checkpoint:
    verdict = status(service)
    assert verdict.verified and verdict.head_hash
    return Checkpoint(verdict.position, verdict.head_hash, "2026-11-23T07:00:00+00:00")


# -- tampering: SQL straight at the database -------------------------------------


def _events(service: Service) -> tuple[Any, str, str]:
    db = service.app.db()
    return db, db.events_table_ref, db.position_column


def stored_state(service: Service, position: int) -> bytes:
    db, table, pos = _events(service)
    with db.read() as cur:
        row = cur.execute(
            f"SELECT state FROM {table} WHERE {pos} = ?", (position,)
        ).fetchone()
    return bytes(row["state"])


def set_state(service: Service, position: int, state: bytes) -> None:
    db, table, pos = _events(service)
    with db.write() as cur:
        cur.execute(f"UPDATE {table} SET state = ? WHERE {pos} = ?", (state, position))


def flip_byte(service: Service, position: int) -> None:
    state = bytearray(stored_state(service, position))
    state[len(state) // 2] ^= 0x01
    set_state(service, position, bytes(state))


def delete_row(service: Service, position: int) -> None:
    db, table, pos = _events(service)
    with db.write() as cur:
        cur.execute(f"DELETE FROM {table} WHERE {pos} = ?", (position,))


def insert_row(
    service: Service, position: int, stream_id: str, version: int, topic: str,
    state: bytes,
) -> None:
    db, table, pos = _events(service)
    oid: Any = UUID(stream_id) if db.backend == "postgres" else UUID(stream_id).hex
    with db.write() as cur:
        cur.execute(
            f"INSERT INTO {table} ({pos}, originator_id, originator_version, topic, "
            "state) VALUES (?, ?, ?, ?, ?)",
            (position, oid, version, topic, state),
        )


def move_row(service: Service, old: int, new: int) -> None:
    db, table, pos = _events(service)
    with db.write() as cur:
        cur.execute(f"UPDATE {table} SET {pos} = ? WHERE {pos} = ?", (new, old))


def swap_rows(service: Service, a: int, b: int) -> None:
    move_row(service, a, -1)
    move_row(service, b, a)
    move_row(service, -1, b)


def shift_up_from(service: Service, position: int) -> None:
    """Make room at ``position`` by moving every later row one place up."""
    for p, _ in reversed([r for r in rows(service) if r[0] >= position]):
        move_row(service, p, p + 1)


def rewrite_chain(service: Service) -> None:
    """Recompute ej_ledger from the (edited) events, as an intruder who knows the
    formula would, so that the table alone agrees with the log again."""
    chain = expected_chain(service)
    db = service.app.db()
    with db.write() as cur:
        cur.execute("DELETE FROM ej_ledger")
        cur.executemany(
            "INSERT INTO ej_ledger (position, hash) VALUES (?, ?)",
            [(p, h) for p, h in chain],
        )


def expected_chain(service: Service) -> list[tuple[int, str]]:
    """The chain computed here, independently of the ledger module, from the
    formula in DESIGN.md: sha256(prev ‖ position ‖ stream_id ‖ version ‖ topic ‖
    state), with fixed-width integers and length-prefixed text."""
    out: list[tuple[int, str]] = []
    prev = bytes(32)
    for position, row in rows(service):
        sid, topic = row.stream_id.encode(), row.topic.encode()
        prev = hashlib.sha256(
            prev
            + position.to_bytes(8, "big", signed=True)
            + len(sid).to_bytes(4, "big") + sid
            + row.version.to_bytes(8, "big", signed=True)
            + len(topic).to_bytes(4, "big") + topic
            + row.state
        ).digest()
        out.append((position, prev.hex()))
    return out
