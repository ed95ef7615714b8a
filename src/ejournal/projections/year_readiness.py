"""Whether an academic year may be closed: per pupil of each class, per course,
what blocks the close. A pure function of the views (current or ``as_of``), so
the close check page and ``close-academic-year`` answer alike.

A pupil on the class's roster on the year's last day needs, in every course of
the class (of their group, for a group's course), an annual mark or a recorded
reason for its absence: an annual, exam or final value ``exempt``,
``not_attested`` or ``ungraded`` (осв, н/а, безотм), or a deferral of a period
mark (отсрочка) still without its period mark. A pupil who left the class before
the last day (transferred, withdrawn) needs nothing here. A correction request of
the year's courses still awaiting the director blocks too: a closed year could
never decide it.
"""

from __future__ import annotations

from typing import Any

from ejournal.domain.correction import PENDING
from ejournal.domain.course import SPECIAL_MARKS, course_mark_id
from ejournal.projections.reader import Reader
from ejournal.projections.streams import Doc

FAILING = ("2", "1", "not_attested")
"""Annual values that make a pupil a candidate for a conditional promotion."""


def pupils_at_end(klass: Doc, last_day: str) -> list[str]:
    """Pupils on the class's roster on ``last_day`` (joined on or before it, not
    left by it)."""
    return [
        sid
        for sid, spans in klass["roster"].items()
        if any(
            str(start) <= last_day and (end is None or str(end) > last_day)
            for start, end in spans
        )
    ]


def _value(course: Doc, student_id: str, kind: str) -> str | None:
    mark = course.get("marks", {}).get(course_mark_id(course["id"], student_id, kind))
    return None if mark is None else mark.get("value")


def _deferred(course: Doc, student_id: str) -> bool:
    for period_id in course.get("deferrals", {}).get(student_id, {}):
        if _value(course, student_id, period_id) is None:
            return True
    return False


def readiness(r: Reader, year: Doc) -> dict[str, Any]:
    """``{year_id, state, ready, blocking: [..], failing: [..], classes: n}``: each
    blocking entry names the class, pupil and course; ``failing`` lists annual
    marks of 1, 2 or н/а (the director decides those pupils' outcome)."""
    last_day = year["ends_on"]
    classes = r.children("class", [year["id"]])
    courses = r.children("course", [k["id"] for k in classes])
    by_class: dict[str, list[Doc]] = {}
    for course in courses:
        by_class.setdefault(course["class_id"], []).append(course)
    pupil_ids = {sid for k in classes for sid in pupils_at_end(k, last_day)}
    pupils = r.docs(pupil_ids)
    blocking: list[dict[str, Any]] = []
    failing: list[dict[str, Any]] = []
    for klass in classes:
        for sid in sorted(
            pupils_at_end(klass, last_day),
            key=lambda s: (pupils.get(s, {}).get("full_name", ""), s),
        ):
            for course in by_class.get(klass["id"], []):
                group_id = course.get("group_id")
                if group_id and sid not in klass["groups"].get(group_id, {}).get(
                    "student_ids", []
                ):
                    continue
                entry = {
                    "class_id": klass["id"],
                    "class_name": klass["name"],
                    "student_id": sid,
                    "full_name": pupils.get(sid, {}).get("full_name"),
                    "course_id": course["id"],
                    "subject": course["subject"],
                }
                annual = _value(course, sid, "annual")
                if annual in FAILING:
                    failing.append({**entry, "annual": annual})
                if annual is not None or _has_reason(course, sid):
                    continue
                blocking.append({**entry, "missing": "annual mark"})
    blocking += _pending_corrections(r, classes, courses, pupils)
    return {
        "year_id": year["id"],
        "name": year["name"],
        "state": year_state(year),
        "ready": not blocking,
        "classes": len(classes),
        "blocking": blocking,
        "failing": failing,
    }


def _pending_corrections(
    r: Reader, classes: list[Doc], courses: list[Doc], pupils: dict[str, Doc]
) -> list[dict[str, Any]]:
    """A correction request still undecided: once the year is closed nobody could
    decide it, so it blocks the close too."""
    names = {k["id"]: k["name"] for k in classes}
    by_id = {c["id"]: c for c in courses}
    out = []
    for request in r.children("correction", list(by_id)):
        if request.get("status") != PENDING:
            continue
        course = by_id[request["course_id"]]
        sid = str(request.get("student_id"))
        out.append(
            {
                "class_id": course["class_id"],
                "class_name": names.get(course["class_id"]),
                "student_id": sid,
                "full_name": (pupils.get(sid) or r.doc(sid) or {}).get("full_name"),
                "course_id": course["id"],
                "subject": course["subject"],
                "missing": "decision on a correction request",
                "request_id": request["id"],
            }
        )
    return out


def _has_reason(course: Doc, student_id: str) -> bool:
    for kind in ("exam", "final"):
        if _value(course, student_id, kind) in SPECIAL_MARKS:
            return True
    return _deferred(course, student_id)


def year_state(year: Doc) -> str:
    return "closed" if year.get("closed") else "open"


def problem_entries(blocking: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The blocking list as a problem's ``errors``: a field and a message each,
    with the ids beside them."""
    return [
        {
            "field": f"blocking[{i}]",
            "message": f"{b['class_name']}, {b['full_name']}, {b['subject']}: "
            + (
                "no annual mark and no recorded reason"
                if b["missing"] == "annual mark"
                else "a correction request awaits the director's decision"
            ),
            "class_id": b["class_id"],
            "student_id": b["student_id"],
            "course_id": b["course_id"],
        }
        for i, b in enumerate(blocking)
    ]
