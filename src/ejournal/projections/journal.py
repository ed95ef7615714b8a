"""Class journal (классный журнал) and pupil's diary (дневник), assembled from stream
documents by a Reader (current, or as of a moment)."""

from __future__ import annotations

from datetime import date
from typing import Any

from ejournal.domain import groups
from ejournal.domain.errors import Invalid, NotFound
from ejournal.domain.rules import SchoolRules, averages
from ejournal.projections.reader import Reader
from ejournal.projections.streams import Doc


def _member(spans: list[list[str | None]], day: str) -> bool:
    return any(str(start) <= day and (end is None or day < end) for start, end in spans)


def _covers(spans: list[list[str | None]], lo: str, hi: str) -> bool:
    """Member on every day of [lo, hi]."""
    return any(str(start) <= lo and (end is None or end > hi) for start, end in spans)


def _overlaps(spans: list[list[str | None]], lo: str, hi: str) -> bool:
    return any(str(start) <= hi and (end is None or end > lo) for start, end in spans)


def course_members(klass: Doc, course: Doc) -> dict[str, list[list[str | None]]]:
    """Pupils who may appear in a course: the class roster, or the group's pupils
    within it, each with their spans of membership (for a group: the days in both
    the class and the group)."""
    roster: dict[str, list[list[str | None]]] = klass["roster"]
    group_id = course.get("group_id")
    if group_id:
        group = klass["groups"].get(group_id)
        if group is None:
            return {}
        spans = group.get("members") or {
            sid: [[None, None]] for sid in group["student_ids"]
        }
        dated = {
            sid: groups.intersect(roster.get(sid, []), s) for sid, s in spans.items()
        }
        return {sid: s for sid, s in dated.items() if s}
    return roster


def get_kind(r: Reader, stream_id: str, kind: str, label: str) -> Doc:
    doc = r.doc(stream_id)
    if doc is None or doc.get("kind") != kind:
        raise NotFound(f"no {label} {stream_id}")
    return doc


def _period_bounds(year: Doc, period_id: str | None) -> tuple[str, str]:
    if period_id is None:
        return str(year["starts_on"]), str(year["ends_on"])
    for period in year["periods"]:
        if period["id"] == period_id:
            return str(period["starts_on"]), str(period["ends_on"])
    raise NotFound(f"no period {period_id} in year {year['name']}")


def _period_of(year: Doc, day: str) -> str | None:
    for period in year["periods"]:
        if period["starts_on"] <= day <= period["ends_on"]:
            return str(period["id"])
    return None


def course_journal(
    r: Reader, course_id: str, rules: SchoolRules, period_id: str | None = None
) -> dict[str, Any]:
    course = get_kind(r, course_id, "course", "course")
    docs = r.docs([course["year_id"], course["class_id"]])
    year, klass = docs.get(course["year_id"]), docs.get(course["class_id"])
    if year is None or klass is None:
        raise NotFound(f"no course {course_id}")
    lo, hi = _period_bounds(year, period_id)
    lessons = r.children("lesson", [course_id], lo, hi + "/99")
    members = course_members(klass, course)
    student_ids = [sid for sid, spans in members.items() if _overlaps(spans, lo, hi)]
    people = r.docs(student_ids)
    students = sorted(
        (
            {"student_id": sid, "full_name": people[sid]["full_name"]}
            for sid in student_ids
            if sid in people
        ),
        key=lambda s: (s["full_name"], s["student_id"]),
    )
    visible = {s["student_id"] for s in students}
    # Pupils members on every day of [lo, hi] need no check per lesson.
    throughout = [
        s["student_id"] for s in students if _covers(members[s["student_id"]], lo, hi)
    ]
    partly = [s["student_id"] for s in students if s["student_id"] not in throughout]
    weights: dict[str, int] = {}
    marks_by: dict[str, dict[str, list[tuple[int, int]]]] = {}
    out_lessons = []
    for lesson in lessons:
        day = lesson["date"]
        period = _period_of(year, day)
        attendance = lesson["attendance"]
        cells: dict[str, Any] = {}
        inside = lo <= day <= hi
        for sid in throughout if inside else ():
            cells[sid] = {
                "attendance": attendance.get(sid),
                "marks": [],
                "comments": [],
            }
        for sid in partly if inside else visible:
            if _member(members[sid], day):
                cells[sid] = {
                    "attendance": attendance.get(sid),
                    "marks": [],
                    "comments": [],
                }
        for mark_id, mark in lesson["marks"].items():
            cell = cells.get(mark["student_id"])
            if cell is None or mark["value"] is None:
                continue
            weight = weights.get(mark["work_type"])
            if weight is None:
                weight = weights[mark["work_type"]] = rules.weight(mark["work_type"])
            shown = {
                "mark_id": mark_id,
                "value": mark["value"],
                "work_type": mark["work_type"],
                "weight": weight,
                "late": mark["late"],
            }
            if mark.get("protocol") is not None:  # a made-up topic (S1.2.2)
                shown["protocol"] = mark["protocol"]
            cell["marks"].append(shown)
            if period is not None and mark["value"].isdigit():
                marks_by.setdefault(mark["student_id"], {}).setdefault(
                    period, []
                ).append((int(mark["value"]), weight))
        for comment_id, comment in lesson["comments"].items():
            cell = cells.get(comment["student_id"])
            if cell is not None:
                cell["comments"].append(
                    {"comment_id": comment_id, "text": comment["text"]}
                )
        out_lessons.append(
            {
                "lesson_id": lesson["id"],
                "date": day,
                "slot": lesson["slot"],
                "starts_at": lesson["starts_at"],
                "ends_at": lesson["ends_at"],
                "topic": lesson["topic"],
                "homework": lesson["homework"],
                "teacher_id": course["teacher_id"],
                "substitute_id": lesson["substitute_id"],
                "cells": cells,
            }
        )
    period_marks, final_marks = course_marks(course)
    avg: dict[str, dict[str, dict[str, float | None]]] = {}
    for sid in visible:
        for pid, marks in marks_by.get(sid, {}).items():
            plain, weighted = averages(marks)
            avg.setdefault(sid, {})[pid] = {"plain": plain, "weighted": weighted}
    return {
        "course_id": course_id,
        "subject": course["subject"],
        "teacher_id": course["teacher_id"],
        "class_id": course["class_id"],
        "group_id": course.get("group_id"),
        "year_id": course["year_id"],
        "period_id": period_id,
        "students": students,
        "lessons": out_lessons,
        "period_marks": {sid: period_marks.get(sid, {}) for sid in visible},
        "final_marks": {sid: final_marks.get(sid, {}) for sid in visible},
        "deferrals": {
            sid: course.get("deferrals", {}).get(sid, {})
            for sid in visible
            if course.get("deferrals", {}).get(sid)
        },
        "averages": avg,
    }


def course_marks(
    course: Doc,
) -> tuple[dict[str, dict[str, str]], dict[str, dict[str, str]]]:
    """A course's live period marks {pupil: {period_id: value}} and final marks
    {pupil: {annual|exam|final: value}}; struck marks are left out."""
    period: dict[str, dict[str, str]] = {}
    final: dict[str, dict[str, str]] = {}
    for mark in course.get("marks", {}).values():
        if mark["value"] is None:
            continue
        into = period if mark["kind"] == "period" else final
        into.setdefault(mark["student_id"], {})[mark["slot"]] = mark["value"]
    return period, final


def pupil_averages(
    lessons: list[Doc],
    year: Doc,
    spans: list[list[str | None]],
    student_id: str,
    rules: SchoolRules,
) -> dict[str, dict[str, float | None]]:
    """One pupil's {period_id: {plain, weighted}} over a course's ``lessons``, as
    course_journal counts them: live numeric marks on lessons of days the pupil
    belonged to the course, each period by its lessons' dates (domain averages)."""
    by_period: dict[str, list[tuple[int, int]]] = {}
    for lesson in lessons:
        period = _period_of(year, lesson["date"])
        if period is None or not _member(spans, lesson["date"]):
            continue
        for mark in lesson["marks"].values():
            value = mark["value"]
            if mark["student_id"] == student_id and value and value.isdigit():
                weight = rules.weight(mark["work_type"])
                by_period.setdefault(period, []).append((int(value), weight))
    out: dict[str, dict[str, float | None]] = {}
    for period, marks in by_period.items():
        plain, weighted = averages(marks)
        out[period] = {"plain": plain, "weighted": weighted}
    return out


def class_journal(
    r: Reader, class_id: str, rules: SchoolRules, period_id: str | None = None
) -> dict[str, Any]:
    get_kind(r, class_id, "class", "class")
    # children() leaves out courses that did not exist yet (as of a moment).
    courses = [c["id"] for c in r.children("course", [class_id])]
    return {
        "class_id": class_id,
        "courses": [course_journal(r, cid, rules, period_id) for cid in courses],
    }


def student_courses(
    r: Reader, student: Doc, lo: str, hi: str
) -> list[tuple[Doc, Doc, list[list[str | None]]]]:
    """(course, class, spans) for every course the pupil attends within [lo, hi]."""
    out = []
    class_ids = list(dict.fromkeys(p[0] for p in student["placements"]))
    classes = r.docs(class_ids)
    for course in r.children("course", class_ids):
        klass = classes.get(course["class_id"])
        if klass is None:
            continue
        spans = course_members(klass, course).get(student["id"])
        if spans and _overlaps(spans, lo, hi):
            out.append((course, klass, spans))
    return out


def diary(
    r: Reader, student_id: str, rules: SchoolRules, lo: date, hi: date
) -> dict[str, Any]:
    if hi < lo:
        raise Invalid("'to' is before 'from'", field="to")
    if (hi - lo).days > 366:
        raise Invalid("a diary spans at most a year", field="to")
    student = get_kind(r, student_id, "student", "pupil")
    lo_s, hi_s = lo.isoformat(), hi.isoformat()
    courses = student_courses(r, student, lo_s, hi_s)
    by_course = {c["id"]: (c, spans) for c, _, spans in courses}
    lessons = r.children("lesson", list(by_course), lo_s, hi_s + "/99")
    days: dict[str, list[dict[str, Any]]] = {}
    for lesson in sorted(lessons, key=lambda x: (x["date"], x["slot"])):
        course, spans = by_course[lesson["course_id"]]
        if not _member(spans, lesson["date"]):
            continue
        marks = [
            {
                "mark_id": mid,
                "value": m["value"],
                "work_type": m["work_type"],
                "weight": rules.weight(m["work_type"]),
                **({"protocol": m["protocol"]} if m.get("protocol") else {}),
            }
            for mid, m in lesson["marks"].items()
            if m["student_id"] == student_id and m["value"] is not None
        ]
        comments = [
            {"comment_id": cid, "text": c["text"]}
            for cid, c in lesson["comments"].items()
            if c["student_id"] == student_id
        ]
        days.setdefault(lesson["date"], []).append(
            {
                "lesson_id": lesson["id"],
                "slot": lesson["slot"],
                "starts_at": lesson["starts_at"],
                "ends_at": lesson["ends_at"],
                "course_id": course["id"],
                "subject": course["subject"],
                "teacher_id": course["teacher_id"],
                "substitute_id": lesson["substitute_id"],
                "topic": lesson["topic"],
                "homework": lesson["homework"],
                "attendance": lesson["attendance"].get(student_id),
                "marks": marks,
                "comments": comments,
            }
        )
    return {
        "student_id": student_id,
        "full_name": student["full_name"],
        "from": lo_s,
        "to": hi_s,
        "days": [{"date": d, "lessons": ls} for d, ls in days.items()],
    }
