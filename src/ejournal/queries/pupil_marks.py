"""A pupil's period and final marks across their courses of one academic year
(the diary's "итоговые отметки"): what the course journals carry, per pupil."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from ejournal.domain.errors import NotFound
from ejournal.projections import journal
from ejournal.projections.reader import Reader, reader
from ejournal.projections.streams import Doc
from ejournal.security import Actor, check_consent, check_diary
from ejournal.service import Service


def pupil_marks(
    service: Service,
    actor: Actor,
    student_id: str,
    on: date | None,
    as_of: datetime | None,
) -> dict[str, Any]:
    """Whoever reads the pupil's diary (security.check_diary). The year is the one
    of the pupil's classes that holds ``on`` (default: today), else their latest.

    ``{student_id, year: {year_id, name} | None, periods: [{period_id, name,
    starts_on, ends_on}], courses: [{course_id, subject, period_marks: {period_id:
    value}, final_marks: {annual|exam|final: value}, deferrals: {period_id:
    {until, reason}}, averages: {period_id: {plain, weighted}}}], holidays:
    [{name, starts_on, ends_on}]}``; struck marks are left out. ``averages`` are
    the course journal's (projections.journal.pupil_averages: Σ(mark × weight) /
    Σ(weight) of the period's live marks, and the plain mean), for the periods
    with marks; ``holidays`` are the year's (каникулы).

    A guardian reads it only with consent recorded (security.check_consent)."""
    with reader(service.app) as views:
        student = views.doc(student_id)
        if student is None or student.get("kind") != "student":
            raise NotFound(f"no pupil {student_id}")
        as_guardian = check_diary(views, actor, student)
        today = service.rules_for(views).local_date(service.clock())
    with reader(service.app, as_of) as r:
        if as_guardian:
            check_consent(actor, student_id, r.doc(student_id))
        student = journal.get_kind(r, student_id, "student", "pupil")
        year = _year_of(r, student, (on or today).isoformat())
        if year is None:
            return {
                "student_id": student_id,
                "year": None,
                "periods": [],
                "courses": [],
                "holidays": [],
                **year_end(student),
            }
        lo, hi = str(year["starts_on"]), str(year["ends_on"])
        rules = service.rules_for(r)
        taken = [
            (course, spans)
            for course, _, spans in journal.student_courses(r, student, lo, hi)
            if course["year_id"] == year["id"]
        ]
        lessons: dict[str, list[Doc]] = {}
        for lesson in r.children("lesson", [c["id"] for c, _ in taken], lo, hi + "/99"):
            lessons.setdefault(lesson["course_id"], []).append(lesson)
        courses = []
        for course, spans in taken:
            period, final = journal.course_marks(course)
            deferrals = course.get("deferrals", {}).get(student_id, {})
            courses.append(
                {
                    "course_id": course["id"],
                    "subject": course["subject"],
                    "period_marks": period.get(student_id, {}),
                    "final_marks": final.get(student_id, {}),
                    "deferrals": {
                        pid: {"until": d["until"], "reason": d["reason"]}
                        for pid, d in deferrals.items()
                    },
                    "averages": journal.pupil_averages(
                        lessons.get(course["id"], []), year, spans, student_id, rules
                    ),
                }
            )
    courses.sort(key=lambda c: (c["subject"], c["course_id"]))
    return {
        **year_end(student),
        "student_id": student_id,
        "year": {"year_id": year["id"], "name": year["name"]},
        "periods": [
            {
                "period_id": p["id"],
                "name": p["name"],
                "starts_on": p["starts_on"],
                "ends_on": p["ends_on"],
            }
            for p in year["periods"]
        ],
        "courses": courses,
        "holidays": [
            {"name": h["name"], "starts_on": h["starts_on"], "ends_on": h["ends_on"]}
            for h in year.get("holidays", [])
        ],
    }


def _year_of(r: Reader, student: Doc, day: str) -> Doc | None:
    """The year of the pupil's classes that holds ``day``, else the latest one."""
    classes = r.docs(dict.fromkeys(str(p[0]) for p in student["placements"]))
    years = r.docs(dict.fromkeys(str(k["year_id"]) for k in classes.values()))
    if not years:
        return None
    for year in years.values():
        if year["starts_on"] <= day <= year["ends_on"]:
            return year
    return max(years.values(), key=lambda y: str(y["starts_on"]))


def year_end(student: Doc) -> dict[str, Any]:
    """The pupil's academic debts (академическая задолженность, open or cleared)
    and year-end outcomes (promoted, conditional, repeat, graduated)."""
    return {
        "debts": list(student.get("debts", {}).values()),
        "outcomes": list(student.get("outcomes", [])),
    }
