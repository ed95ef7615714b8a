"""A teacher's lessons of a day (мои уроки): the lessons of the courses they
teach and those where they are the recorded substitute, in slot order."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from ejournal.projections.reader import reader
from ejournal.security import Actor
from ejournal.service import Service


def my_lessons(
    service: Service, actor: Actor, day: date | None, as_of: datetime | None
) -> dict[str, Any]:
    """Teachers only. ``day`` defaults to the school's today (as of the moment, if
    one is given). Which lessons are the teacher's is found on the current index
    (their courses, their substitutions); the lessons are answered as of
    ``as_of``, and a substitution not yet recorded then is left out."""
    actor.require("teacher")
    me = actor.account_id
    with reader(service.app) as views:
        today = service.rules_for(views).local_date(as_of or service.clock())
        day = day or today
        own = [sid for _, sid in views.keys_with_prefix(f"teacher:{me}:")]
        subs = [sid for _, sid in views.keys_with_prefix(f"substitute:{me}:")]
    iso = day.isoformat()
    with reader(service.app, as_of) as r:
        lessons = r.children("lesson", own, iso, iso + "/99")
        for doc in r.docs(subs).values():
            mine = doc["date"] == iso and doc["course_id"] not in own
            if mine and not doc.get("cancelled"):
                lessons.append(doc)
        courses = r.docs({lesson["course_id"] for lesson in lessons})
        classes = r.docs({c["class_id"] for c in courses.values()})
        others = {lesson["substitute_id"] for lesson in lessons} - {None, me}
        names = {aid: doc["full_name"] for aid, doc in r.docs(others).items()}
    out = []
    for lesson in lessons:
        course = courses.get(lesson["course_id"])
        if course is None:  # the course did not exist yet at the moment
            continue
        substitute_id = lesson["substitute_id"]
        if course["teacher_id"] != me and substitute_id != me:
            continue  # as of the moment, the substitution was not yet recorded
        out.append(
            {
                "lesson_id": lesson["id"],
                "course_id": course["id"],
                "subject": course["subject"],
                "class_name": classes.get(course["class_id"], {}).get("name"),
                "date": lesson["date"],
                "slot": lesson["slot"],
                "starts_at": lesson["starts_at"],
                "ends_at": lesson["ends_at"],
                "topic": lesson["topic"],
                "homework": lesson["homework"],
                "own_course": course["teacher_id"] == me,
                "substitute_id": substitute_id,
                "substitute_name": names.get(substitute_id or ""),
            }
        )
    out.sort(key=lambda x: (x["slot"], x["starts_at"], str(x["class_name"])))
    return {"date": iso, "today": today.isoformat(), "lessons": out}
