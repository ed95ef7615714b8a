"""Helpers shared by the projection tests: view snapshots, rebuilds and voids."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import orjson

from ejournal import queries
from ejournal.projections import journal
from ejournal.projections.reader import reader
from ejournal.service import Service

YEAR_FROM = date(2026, 9, 1)
YEAR_TO = date(2027, 5, 31)


def tables(service: Service) -> dict[str, Any]:
    """The full contents of ej_docs (documents decoded) and ej_keys."""
    with service.app.db().read() as cur:
        docs = [
            (r["stream_id"], r["kind"], r["parent_id"], r["sort_key"],
             orjson.loads(bytes(r["doc"])))
            for r in cur.execute(
                "SELECT stream_id, kind, parent_id, sort_key, doc FROM ej_docs "
                "ORDER BY stream_id"
            ).fetchall()
        ]
        keys = [
            (r["key"], r["stream_id"])
            for r in cur.execute(
                "SELECT key, stream_id FROM ej_keys ORDER BY key"
            ).fetchall()
        ]
    return {"docs": docs, "keys": keys}


def stream_ids(service: Service, kind: str) -> list[str]:
    with service.app.db().read() as cur:
        rows = cur.execute(
            "SELECT stream_id FROM ej_docs WHERE kind = ? ORDER BY stream_id", (kind,)
        ).fetchall()
    return [str(r["stream_id"]) for r in rows]


def views(
    service: Service, as_of: datetime | None = None, *, reader_as_of: bool = False
) -> dict[str, Any]:
    """Every course journal, class journal and diary (for the whole year).

    With ``reader_as_of`` the answers are computed straight from a Reader or an
    AsOfReader (no permission checks); otherwise through the Service as the system
    actor.
    """
    rules = service.rules
    out: dict[str, Any] = {"course": {}, "class": {}, "diary": {}}
    courses = stream_ids(service, "course")
    classes = stream_ids(service, "class")
    students = stream_ids(service, "student")
    if reader_as_of:
        with reader(service.app, as_of) as r:
            for cid in courses:
                out["course"][cid] = journal.course_journal(r, cid, rules)
            for cid in classes:
                out["class"][cid] = journal.class_journal(r, cid, rules)
            for sid in students:
                out["diary"][sid] = journal.diary(r, sid, rules, YEAR_FROM, YEAR_TO)
        return out
    admin = service.system_actor()
    for cid in courses:
        out["course"][cid] = queries.course_journal(service, admin, cid, None, as_of)
    for cid in classes:
        out["class"][cid] = queries.class_journal(service, admin, cid, None, as_of)
    for sid in students:
        out["diary"][sid] = queries.diary(
            service, admin, sid, YEAR_FROM, YEAR_TO, as_of)
    return out


def rebuild(service: Service) -> None:
    service.runner.reset()
    service.runner.catch_up()


def events_of(service: Service, stream_id: str, type_name: str) -> list[Any]:
    return [
        e for e in service.app.stream(stream_id) if type(e).__name__ == type_name
    ]


def lesson_of(journal_doc: dict[str, Any], lesson_id: str) -> dict[str, Any]:
    matches = [x for x in journal_doc["lessons"] if x["lesson_id"] == lesson_id]
    assert len(matches) == 1, f"lesson {lesson_id} listed {len(matches)} times"
    return matches[0]


def diary_lessons(diary: dict[str, Any]) -> list[tuple[str, str]]:
    """(date, lesson_id) of every diary entry, in order."""
    return [(d["date"], x["lesson_id"]) for d in diary["days"] for x in d["lessons"]]


def table_diff(before: dict[str, Any], after: dict[str, Any]) -> list[Any]:
    """The rows that differ between two ``tables`` snapshots, for a readable
    assertion message: (stream_id, incremental row, rebuilt row)."""
    out: list[Any] = []
    rows_a = {row[0]: row[1:] for row in before["docs"]}
    rows_b = {row[0]: row[1:] for row in after["docs"]}
    for sid in sorted(set(rows_a) | set(rows_b)):
        if rows_a.get(sid) != rows_b.get(sid):
            out.append((sid, rows_a.get(sid), rows_b.get(sid)))
    keys_a, keys_b = set(before["keys"]), set(after["keys"])
    out.extend(("key only before", k) for k in sorted(keys_a - keys_b))
    out.extend(("key only after", k) for k in sorted(keys_b - keys_a))
    return out
