"""The caller's own lists: a teacher's courses, a guardian's or pupil's diaries."""

from __future__ import annotations

from typing import Any

from ejournal.projections.reader import reader
from ejournal.security import Actor
from ejournal.service import Service


def my_courses(service: Service, actor: Actor) -> dict[str, Any]:
    """The courses a teacher teaches (staff: every course), with their class."""
    with reader(service.app) as views:
        if actor.has("admin", "director", "deputy", "auditor"):
            courses = views.all_of_kind("course")
        else:
            ids = [
                sid for _, sid in views.keys_with_prefix(f"teacher:{actor.account_id}:")
            ]
            courses = list(views.docs(ids).values())
        classes = views.docs({c["class_id"] for c in courses})
    out = [
        {
            "course_id": c["id"],
            "subject": c["subject"],
            "class_id": c["class_id"],
            "class_name": classes.get(c["class_id"], {}).get("name"),
            "group_id": c.get("group_id"),
            "teacher_id": c["teacher_id"],
        }
        for c in courses
    ]
    out.sort(key=lambda c: (str(c["class_name"]), c["subject"]))
    return {"courses": out}


def my_children(service: Service, actor: Actor) -> dict[str, Any]:
    """The pupils whose diary the caller may read as guardian or pupil."""
    with reader(service.app) as views:
        ids = [
            sid for _, sid in views.keys_with_prefix(f"guardian:{actor.account_id}:")
        ]
        if actor.student_id:
            ids.append(actor.student_id)
        docs = views.docs(ids)
    return {
        "students": [
            {
                "student_id": d["id"],
                "full_name": d["full_name"],
                "class_id": d["class_id"],
            }
            for d in docs.values()
        ]
    }
