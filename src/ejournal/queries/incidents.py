"""Security incidents for the administrator's pages: the list, and one incident's
whole story — who reported it and when, each execution (how many voided, when, by
whom), the reinstatements with their reasons, the events it voids now, and what
executing it would void, by course with the entries.

The counts of what would be voided are the preview's (queries.incident_preview);
this module only adds the breakdown, from the event index (never a scan of the
log) and the incident's own stream.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from ejournal.domain.base import voided_by
from ejournal.domain.errors import NotFound
from ejournal.projections import journal
from ejournal.projections.event_index import ts_key
from ejournal.projections.reader import Reader, reader
from ejournal.queries.caught_up import catch_up
from ejournal.security import Actor
from ejournal.service import Service

INCIDENT_READERS = ("admin", "auditor")
INCIDENT_MANAGERS = ("admin",)
ROW = "position, stream_id, version, type, kind, ts, actor_id, voided_by, pupils"


def incidents(
    service: Service, actor: Actor, as_of: datetime | None = None
) -> dict[str, Any]:
    """Every incident, newest report first, with its account's login and name."""
    actor.require(*INCIDENT_READERS)
    catch_up(service)
    with reader(service.app, as_of) as views:
        docs = views.all_of_kind("incident")
        owners = views.docs({str(d["account_id"]) for d in docs})
    out = [
        {
            "incident_id": d["id"],
            "account_id": d["account_id"],
            "account_login": owners.get(d["account_id"], {}).get("login"),
            "account_name": owners.get(d["account_id"], {}).get("full_name"),
            "reported_at": d["reported_at"],
            "since": d["since"],
            "note": d["note"],
            "created_at": d.get("created_at"),
            "executions": d["executions"],
            "voided": d["voided"],
            "reinstated": len(d["reinstated"]),
        }
        for d in docs
    ]
    out.sort(key=lambda i: str(i["created_at"]), reverse=True)
    return {"incidents": out, "may_manage": actor.has(*INCIDENT_MANAGERS)}


def incident_story(
    service: Service, actor: Actor, incident_id: str, as_of: datetime | None = None
) -> dict[str, Any]:
    """One incident: ``{incident_id, account_id, account_login, account_name,
    reported_at, since, note, created_at, reported_by, executions: [{at,
    actor_id, voided, streams}], voided, reinstatements: [{stream_id, version,
    reason, at, actor_id}], voided_events: [..], pending: {courses: [{course_id,
    subject, class_name, entries: [..]}], other: [..]}, may_manage}``; each
    entry ``{position, stream_id, version, type, kind, timestamp, lesson_id,
    date, pupils: [names]}``."""
    actor.require(*INCIDENT_READERS)
    catch_up(service)
    with reader(service.app, as_of) as views:
        doc = journal.get_kind(views, incident_id, "incident", "incident")
    stream = service.app.stream(incident_id)
    if as_of is not None:
        stream = [e for e in stream if e.timestamp <= as_of]
    if not stream:
        raise NotFound(f"no incident {incident_id}")
    story = _story(stream)
    until = ts_key(doc["created_at"])
    if as_of is not None:
        until = min(until, ts_key(as_of))
    with reader(service.app) as views:
        owner = views.doc(doc["account_id"]) or {}
        pending = views.cur.execute(
            f"SELECT {ROW} FROM ej_events WHERE actor_id = ? AND ts >= ? "
            "AND ts <= ? AND voided_by IS NULL ORDER BY position",
            (doc["account_id"], ts_key(doc["since"]), until),
        ).fetchall()
        voided = _voided_rows(service, views, incident_id, doc, as_of)
        labels = _Labels(views, [*pending, *voided])
        names = views.docs(
            {a for a in (story["reported_by"], *story["actors"]) if a is not None}
        )
    return {
        "incident_id": incident_id,
        "account_id": doc["account_id"],
        "account_login": owner.get("login"),
        "account_name": owner.get("full_name"),
        "reported_at": doc["reported_at"],
        "since": doc["since"],
        "note": doc["note"],
        "created_at": doc.get("created_at"),
        "reported_by": story["reported_by"],
        "executions": story["executions"],
        "voided": doc["voided"],
        "reinstatements": story["reinstatements"],
        "voided_events": [labels.entry(r) for r in voided],
        "pending": labels.by_course([dict(r) for r in pending]),
        "names": {k: str(v.get("full_name", "")) for k, v in names.items()},
        "may_manage": actor.has(*INCIDENT_MANAGERS),
    }


def _story(stream: Sequence[Any]) -> dict[str, Any]:
    executions: list[dict[str, Any]] = []
    reinstatements: list[dict[str, Any]] = []
    for e in stream:
        name = type(e).__name__
        if name == "InvalidationExecuted":
            executions.append(
                {
                    "at": ts_key(e.timestamp),
                    "actor_id": e.actor_id,
                    "voided": e.voided,
                    "streams": e.streams,
                }
            )
        elif name == "ReinstatementNoted":
            reinstatements.append(
                {
                    "stream_id": e.stream_id,
                    "version": e.version,
                    "reason": e.reason,
                    "at": ts_key(e.timestamp),
                    "actor_id": e.actor_id,
                }
            )
    actors = [x["actor_id"] for x in (*executions, *reinstatements)]
    return {
        "reported_by": stream[0].actor_id,
        "executions": executions,
        "reinstatements": reinstatements,
        "actors": actors,
    }


def _voided_rows(
    service: Service,
    views: Reader,
    incident_id: str,
    doc: dict[str, Any],
    as_of: datetime | None,
) -> list[Any]:
    """The events this incident voids (now, or as they stood at ``as_of``)."""
    if as_of is None:
        return list(
            views.cur.execute(
                f"SELECT {ROW} FROM ej_events WHERE voided_by = ? ORDER BY position",
                (incident_id,),
            ).fetchall()
        )
    # As of a moment: the streams it voids in now, or where a void of it was
    # lifted since, decided again from their events up to the moment.
    rows = views.cur.execute(
        "SELECT DISTINCT stream_id FROM ej_events WHERE voided_by = ?", (incident_id,)
    ).fetchall()
    streams = {str(r["stream_id"]) for r in rows}
    streams |= {str(sid) for sid, _ in doc["reinstated"]}
    out: list[Any] = []
    for sid in sorted(streams):
        events = [e for e in service.app.stream(sid) if e.timestamp <= as_of]
        versions = [v for v, i in voided_by(events).items() if i == incident_id]
        for version in versions:
            row = views.cur.execute(
                f"SELECT {ROW} FROM ej_events WHERE stream_id = ? AND version = ?",
                (sid, version),
            ).fetchone()
            if row is not None:
                out.append(row)
    out.sort(key=lambda r: int(r["position"]))
    return out


class _Labels:
    """Where the events are: each lesson's course and date, each course's subject
    and class, each pupil's name (the current views)."""

    def __init__(self, views: Reader, rows: Iterable[Any]) -> None:
        rows = list(rows)
        ids = {str(r["stream_id"]) for r in rows}
        pupils = {p for r in rows for p in (r["pupils"] or "").split()}
        self.docs = views.docs(ids | pupils)
        course_ids = {
            str(d["course_id"]) for d in self.docs.values() if d.get("kind") == "lesson"
        }
        self.docs.update(views.docs(course_ids - set(self.docs)))
        class_ids = {
            str(d["class_id"])
            for d in self.docs.values()
            if d.get("kind") == "course" and d.get("class_id")
        }
        self.docs.update(views.docs(class_ids - set(self.docs)))

    def course_of(self, row: Any) -> str | None:
        doc = self.docs.get(str(row["stream_id"])) or {}
        if doc.get("kind") == "lesson":
            return str(doc["course_id"])
        if doc.get("kind") == "course":
            return str(doc["id"])
        return None

    def entry(self, row: Any) -> dict[str, Any]:
        doc = self.docs.get(str(row["stream_id"])) or {}
        lesson = doc.get("kind") == "lesson"
        course_id = self.course_of(row)
        course = self.docs.get(course_id or "") or {}
        return {
            "position": int(row["position"]),
            "stream_id": row["stream_id"],
            "version": int(row["version"]),
            "type": row["type"],
            "kind": row["kind"],
            "timestamp": row["ts"],
            "lesson_id": row["stream_id"] if lesson else None,
            "date": doc.get("date") if lesson else None,
            "course_id": course_id,
            "subject": course.get("subject"),
            "class_name": (self.docs.get(str(course.get("class_id"))) or {}).get(
                "name"
            ),
            "pupils": [
                str((self.docs.get(p) or {}).get("full_name") or p)
                for p in (row["pupils"] or "").split()
            ],
        }

    def by_course(self, rows: list[dict[str, Any]]) -> dict[str, Any]:
        courses: dict[str, dict[str, Any]] = {}
        other: list[dict[str, Any]] = []
        for row in rows:
            entry = self.entry(row)
            course_id = entry["course_id"]
            if course_id is None:
                other.append(entry)
                continue
            group = courses.setdefault(
                course_id,
                {
                    "course_id": course_id,
                    "subject": entry["subject"],
                    "class_name": entry["class_name"],
                    "entries": [],
                },
            )
            group["entries"].append(entry)
        ordered = sorted(
            courses.values(), key=lambda c: (str(c["class_name"]), str(c["subject"]))
        )
        return {"courses": ordered, "other": other}
