"""The director's queue of correction requests, each with the mark it concerns
(pupil, subject, class, lesson or period), the mark's value now, the value asked
for, the reason, who asked and when, and the decision once made."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ejournal.projections.reader import reader
from ejournal.projections.streams import Doc
from ejournal.queries.corrections import visible_requests
from ejournal.security import Actor
from ejournal.service import Service

STATUSES = ("pending", "approved", "rejected")


def correction_queue(
    service: Service, actor: Actor, status: str | None, as_of: datetime | None
) -> dict[str, Any]:
    """The director (who decides), the deputy, auditor and admin (who read) see
    every request; anyone else their own (a teacher's), as GET /corrections."""
    with reader(service.app, as_of) as r:
        docs = visible_requests(r, actor, status)
        holders = r.docs(
            {d["stream_id"] for d in docs} | {d["course_id"] for d in docs}
        )
        courses = {d["course_id"]: holders.get(d["course_id"]) for d in docs}
        classes = r.docs({c["class_id"] for c in courses.values() if c})
        years = r.docs({c["year_id"] for c in courses.values() if c})
        people = r.docs(
            {d["student_id"] for d in docs}
            | {d["requested_by"] for d in docs}
            | {d["decided_by"] for d in docs if d["decided_by"]}
        )
    docs.sort(key=lambda d: (d["created_at"], d["id"]))
    out = []
    for d in docs:
        holder = holders.get(d["stream_id"]) or {}
        mark = holder.get("marks", {}).get(d["mark_id"]) or {}
        course = courses.get(d["course_id"]) or {}
        klass = classes.get(course.get("class_id", "")) or {}
        lesson = d["target"] == "lesson"
        out.append(
            {
                "request_id": d["id"],
                "status": d["status"],
                "mark_id": d["mark_id"],
                "target": d["target"],
                "course_id": d["course_id"],
                "subject": course.get("subject"),
                "class_name": klass.get("name"),
                "student_id": d["student_id"],
                "student_name": people.get(d["student_id"], {}).get("full_name"),
                "lesson_id": d["stream_id"] if lesson else None,
                "lesson_date": holder.get("date") if lesson else None,
                "work_type": mark.get("work_type"),
                "mark_kind": mark.get("kind", "lesson"),
                "mark_slot": mark.get("slot"),
                "period_name": _period_name(
                    years.get(course.get("year_id", "")), mark.get("slot")
                ),
                "filed_value": d["current_value"],
                "current_value": mark.get("value"),
                "value": d["value"],
                "reason": d["reason"],
                "requested_by": d["requested_by"],
                "requested_by_name": people.get(d["requested_by"], {}).get("full_name"),
                "created_at": d["created_at"],
                "decided_by": d["decided_by"],
                "decided_by_name": people.get(d["decided_by"] or "", {}).get(
                    "full_name"
                ),
                "decided_at": d["decided_at"],
                "rejection_reason": d["rejection_reason"],
            }
        )
    return {"requests": out, "may_decide": actor.has("director")}


def _period_name(year: Doc | None, slot: str | None) -> str | None:
    for period in (year or {}).get("periods", []):
        if period["id"] == slot:
            return str(period["name"])
    return None
