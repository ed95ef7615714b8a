"""The school's classes of a year (the staff's starting page), one class's card
(name, year, periods, class teacher) and the labels staff pages show for ids
(people's names, a lesson's date, a course's subject and class)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from ejournal.domain.errors import NotFound
from ejournal.projections.journal import get_kind
from ejournal.projections.reader import Reader, reader
from ejournal.projections.streams import Doc
from ejournal.security import (
    REPORT_READERS,
    STAFF_READERS,
    Actor,
    check_class_journal,
    is_class_teacher,
)
from ejournal.service import Service

# Who may list the classes and read the labels of ids: the school's staff.
LISTERS = ("teacher", "deputy", "director", "auditor", "admin", "secretary")


def current_year(years: list[Doc], today: date) -> Doc | None:
    """The year running today; else the last one begun; else the first."""
    iso = today.isoformat()
    for year in years:
        if year["starts_on"] <= iso <= year["ends_on"]:
            return year
    begun = [y for y in years if y["starts_on"] <= iso]
    if begun:
        return begun[-1]
    return years[0] if years else None


def _year_card(year: Doc) -> dict[str, Any]:
    return {
        "year_id": year["id"],
        "name": year["name"],
        "starts_on": year["starts_on"],
        "ends_on": year["ends_on"],
        "periods": [
            {
                "period_id": p["id"],
                "name": p["name"],
                "starts_on": p["starts_on"],
                "ends_on": p["ends_on"],
            }
            for p in year["periods"]
        ],
    }


def _names(r: Reader, ids: Iterable[str | None]) -> dict[str, str]:
    docs = r.docs({i for i in ids if i})
    return {
        sid: str(d["full_name"])
        for sid, d in docs.items()
        if d.get("kind") == "account"
    }


def school_classes(
    service: Service, actor: Actor, year_id: str | None, as_of: datetime | None
) -> dict[str, Any]:
    """The years, and the classes of one (by default the current year) with what
    the caller may open of each: its journal and summary (the class teacher and
    staff); for a teacher also their own courses; and whether the caller reads
    the reports. Staff, teachers and the secretary."""
    actor.require(*LISTERS)
    with reader(service.app, as_of) as r:
        years = r.all_of_kind("year")
        today = service.rules_for(r).local_date(as_of or service.clock())
        if year_id is None:
            year = current_year(years, today)
        else:
            year = next((y for y in years if y["id"] == year_id), None)
            if year is None:
                raise NotFound(f"no academic year {year_id}")
        classes = r.children("class", [year["id"]]) if year else []
        courses = r.children("course", [c["id"] for c in classes])
        names = _names(r, [c["class_teacher_id"] for c in classes])
        names.update(_names(r, [c["teacher_id"] for c in courses]))
    by_class: dict[str, list[Doc]] = {}
    for course in courses:
        by_class.setdefault(course["class_id"], []).append(course)
    staff = actor.has(*STAFF_READERS)
    rows = []
    for klass in sorted(classes, key=lambda k: (k["grade"], k["name"], k["id"])):
        mine = is_class_teacher(actor, klass)
        rows.append(
            {
                "class_id": klass["id"],
                "name": klass["name"],
                "grade": klass["grade"],
                "class_teacher_id": klass["class_teacher_id"],
                "class_teacher_name": names.get(klass["class_teacher_id"] or ""),
                "pupils": sum(1 for s in klass["roster"].values() if s[-1][1] is None),
                "courses": len(by_class.get(klass["id"], [])),
                "mine": mine,
                "may_open": staff or mine,
            }
        )
    class_names = {k["id"]: k["name"] for k in classes}
    my_courses = [
        {
            "course_id": c["id"],
            "subject": c["subject"],
            "class_id": c["class_id"],
            "class_name": class_names.get(c["class_id"]),
        }
        for c in courses
        if actor.has("teacher") and c["teacher_id"] == actor.account_id
    ]
    my_courses.sort(key=lambda c: (str(c["class_name"]), c["subject"]))
    return {
        "years": [_year_card(y) for y in years],
        "year": _year_card(year) if year else None,
        "classes": rows,
        "my_classes": [c for c in rows if c["mine"]],
        "my_courses": my_courses,
        "reads_reports": actor.has(*REPORT_READERS),
        "reads_corrections": actor.has(*STAFF_READERS),
    }


def class_card(
    service: Service, actor: Actor, class_id: str, as_of: datetime | None
) -> dict[str, Any]:
    """A class's name, grade, year with its periods (and the one running, or the
    last begun), and class teacher: who may read the class journal (the class
    teacher and staff)."""
    with reader(service.app) as views:
        check_class_journal(actor, get_kind(views, class_id, "class", "class"))
    with reader(service.app, as_of) as r:
        klass = get_kind(r, class_id, "class", "class")
        year = get_kind(r, klass["year_id"], "year", "academic year")
        names = _names(r, [klass["class_teacher_id"]])
        today = service.rules_for(r).local_date(as_of or service.clock()).isoformat()
    begun = [p for p in year["periods"] if p["starts_on"] <= today]
    current = begun[-1] if begun else (year["periods"] or [None])[0]
    return {
        "class_id": klass["id"],
        "name": klass["name"],
        "grade": klass["grade"],
        "year": _year_card(year),
        "class_teacher_id": klass["class_teacher_id"],
        "class_teacher_name": names.get(klass["class_teacher_id"] or ""),
        "current_period_id": current["id"] if current else None,
    }


def staff_labels(
    service: Service,
    actor: Actor,
    *,
    account_ids: Iterable[str | None] = (),
    lesson_ids: Iterable[str | None] = (),
    course_ids: Iterable[str | None] = (),
    as_of: datetime | None = None,
) -> dict[str, Any]:
    """What a staff page shows for ids it was given: accounts' names, lessons'
    date and slot with their course, courses' subject and class. Ids of another
    kind, or unknown, are left out. Staff, teachers and the secretary."""
    actor.require(*LISTERS)
    with reader(service.app, as_of) as r:
        names = _names(r, account_ids)
        lessons = {
            sid: d
            for sid, d in r.docs({i for i in lesson_ids if i}).items()
            if d.get("kind") == "lesson"
        }
        wanted = {i for i in course_ids if i} | {
            d["course_id"] for d in lessons.values()
        }
        courses = {
            sid: d for sid, d in r.docs(wanted).items() if d.get("kind") == "course"
        }
        classes = r.docs({c["class_id"] for c in courses.values()})
    return {
        "names": names,
        "lessons": {
            sid: {
                "lesson_id": sid,
                "date": d["date"],
                "slot": d["slot"],
                "course_id": d["course_id"],
            }
            for sid, d in lessons.items()
        },
        "courses": {
            sid: {
                "course_id": sid,
                "subject": d["subject"],
                "class_id": d["class_id"],
                "class_name": classes.get(d["class_id"], {}).get("name"),
                "teacher_id": d["teacher_id"],
            }
            for sid, d in courses.items()
        },
    }
