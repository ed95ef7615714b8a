"""The course journal as the teacher's page shows it (журнал предмета): the
journal of queries.course_journal for one period (or the year), with what the
page needs beside it: the year's periods, the names of the teachers, which
lessons the caller may write, which marks are still inside their entry window,
and each pupil's averages for the range shown.

A lesson's substitute reads the sheet of that one lesson (``lesson_sheet``): its
pupils and cells, without the rest of the course's marks.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from ejournal.domain.errors import Forbidden, NotFound
from ejournal.domain.rules import SchoolRules, averages
from ejournal.projections import journal
from ejournal.projections.reader import Reader, reader
from ejournal.projections.streams import Doc
from ejournal.security import (
    HISTORY_READERS,
    Actor,
    check_course_journal,
    may_write_lesson,
)
from ejournal.service import Service

WHOLE_YEAR = "all"


def journal_grid(
    service: Service,
    actor: Actor,
    course_id: str,
    period_id: str | None,
    lesson_id: str | None,
    as_of: datetime | None,
) -> dict[str, Any]:
    """Who queries.course_journal allows (the course's teacher, the class teacher,
    staff). ``period_id`` is a period of the course's year, ``"all"`` for the
    whole year, or None: the period of ``lesson_id``'s date, else of today."""
    with reader(service.app) as views:
        course = journal.get_kind(views, course_id, "course", "course")
        check_course_journal(views, actor, course)
        year = journal.get_kind(views, course["year_id"], "year", "year")
        focus = _lesson_of(views, lesson_id, course_id) if lesson_id else None
        today = service.rules_for(views).local_date(as_of or service.clock())
    chosen = _choose_period(year, period_id, focus["date"] if focus else today)
    out = _assemble(service, actor, course, year, chosen, as_of)
    out["focus"] = lesson_id if focus else None
    return out


def lesson_sheet(
    service: Service, actor: Actor, lesson_id: str, as_of: datetime | None
) -> dict[str, Any]:
    """One lesson's column: for who may write the lesson (the course's teacher,
    its substitute) and who reads the course journal."""
    with reader(service.app) as views:
        lesson = journal.get_kind(views, lesson_id, "lesson", "lesson")
        course = journal.get_kind(views, lesson["course_id"], "course", "course")
        check_lesson_reader(views, actor, course, lesson)
        year = journal.get_kind(views, course["year_id"], "year", "year")
    chosen = _choose_period(year, None, lesson["date"])
    out = _assemble(service, actor, course, year, chosen, as_of, only=lesson_id)
    out["focus"] = lesson_id
    return out


def check_lesson_reader(r: Reader, actor: Actor, course: Doc, lesson: Doc) -> None:
    """The lesson's writers, and whoever reads the course journal."""
    if may_write_lesson(actor, course, lesson):
        return
    try:
        check_course_journal(r, actor, course)
    except Forbidden:
        raise Forbidden(
            "only the lesson's teachers and the readers of its course journal read it"
        ) from None


def _lesson_of(r: Reader, lesson_id: str, course_id: str) -> Doc:
    lesson = r.doc(lesson_id)
    if lesson is None or lesson.get("course_id") != course_id:
        raise NotFound(f"no lesson {lesson_id} in course {course_id}")
    return lesson


def _choose_period(year: Doc, period_id: str | None, day: str | date) -> str | None:
    """The period asked for (None for the whole year), else the one of ``day``,
    else the next one after it, else the last."""
    periods = year["periods"]
    if period_id == WHOLE_YEAR:
        return None
    if period_id is not None:
        if any(p["id"] == period_id for p in periods):
            return period_id
        raise NotFound(f"no period {period_id} in year {year['name']}")
    iso = day.isoformat() if isinstance(day, date) else day
    for period in periods:
        if iso <= period["ends_on"]:
            return str(period["id"])
    return str(periods[-1]["id"]) if periods else None


def _assemble(
    service: Service,
    actor: Actor,
    course: Doc,
    year: Doc,
    period_id: str | None,
    as_of: datetime | None,
    only: str | None = None,
) -> dict[str, Any]:
    with reader(service.app, as_of) as r:
        rules = service.rules_for(r)
        answer = journal.course_journal(r, course["id"], rules, period_id)
        if only is not None:
            _only_lesson(answer, only)
        people = {answer["teacher_id"]}
        people.update(x["substitute_id"] for x in answer["lessons"])
        people.discard(None)
        names = {aid: doc["full_name"] for aid, doc in r.docs(people).items()}
        klass = r.doc(course["class_id"]) or {}
    writable = {
        x["lesson_id"]: as_of is None and may_write_lesson(actor, course, x)
        for x in answer["lessons"]
    }
    open_marks = (
        open_mark_ids(
            rules,
            service.clock(),
            year,
            (x for x in answer["lessons"] if writable[x["lesson_id"]]),
        )
        if any(writable.values())
        else set()
    )
    if only is not None:
        avg: dict[str, dict[str, float | None]] = {}
    elif period_id is not None:
        avg = {
            sid: by_period.get(period_id, {})
            for sid, by_period in answer["averages"].items()
        }
    else:
        avg = _year_averages(answer["lessons"])
    return {
        "journal": answer,
        "class_name": klass.get("name"),
        "teacher_name": names.get(answer["teacher_id"]),
        "names": names,
        "periods": [
            {k: p[k] for k in ("id", "name", "starts_on", "ends_on")}
            for p in year["periods"]
        ],
        "period_id": period_id,
        "sheet": only is not None,
        "writable": writable,
        "open_marks": open_marks,
        "averages": avg,
        "may_read_history": actor.has(*HISTORY_READERS),
    }


def _only_lesson(answer: dict[str, Any], lesson_id: str) -> None:
    """Keep one lesson and its pupils: a substitute sees that lesson, not the
    course's other marks."""
    answer["lessons"] = [x for x in answer["lessons"] if x["lesson_id"] == lesson_id]
    cells = answer["lessons"][0]["cells"] if answer["lessons"] else {}
    answer["students"] = [s for s in answer["students"] if s["student_id"] in cells]
    for key in ("period_marks", "final_marks", "deferrals", "averages"):
        answer[key] = {}


def _year_averages(lessons: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    marks: dict[str, list[tuple[int, int]]] = {}
    for lesson in lessons:
        for sid, cell in lesson["cells"].items():
            for mark in cell["marks"]:
                if mark["value"].isdigit():
                    marks.setdefault(sid, []).append(
                        (int(mark["value"]), mark["weight"])
                    )
    out: dict[str, dict[str, Any]] = {}
    for sid, pairs in marks.items():
        plain, weighted = averages(pairs)
        out[sid] = {"plain": plain, "weighted": weighted}
    return out


def open_mark_ids(
    rules: SchoolRules,
    now: datetime,
    year: Doc,
    lessons: Iterable[dict[str, Any]],
) -> set[str]:
    """The marks of these lessons still inside their entry window at ``now``
    (their author may correct them alone): a mark is due by the end of its
    work type's days after the lesson, a makeup by the end of its period
    (commands/marks.py)."""
    out: set[str] = set()
    due_of: dict[tuple[str, str], datetime] = {}
    for lesson in lessons:
        day = lesson["date"]
        for cell in lesson["cells"].values():
            for mark in cell["marks"]:
                kind = "makeup" if mark.get("protocol") else mark["work_type"]
                due = due_of.get((day, kind))
                if due is None:
                    due = due_of[(day, kind)] = _mark_due(rules, year, day, kind)
                if now <= due:
                    out.add(mark["mark_id"])
    return out


def _mark_due(rules: SchoolRules, year: Doc, day: str, kind: str) -> datetime:
    lesson_day = date.fromisoformat(day)
    if kind != "makeup":
        return rules.mark_due(lesson_day, kind)
    last = year["ends_on"]
    for period in year["periods"]:
        if period["starts_on"] <= day <= period["ends_on"]:
            last = period["ends_on"]
    return rules.end_of_day(max(date.fromisoformat(last), lesson_day))
