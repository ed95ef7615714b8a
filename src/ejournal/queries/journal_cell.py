"""One cell of the course journal (a pupil in a lesson), one lesson's topic and
homework, and a mark's history with the names of who wrote it: what the journal
page re-renders after a save, without assembling the whole journal again."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ejournal.domain.errors import NotFound
from ejournal.projections import journal
from ejournal.projections.reader import Reader, reader
from ejournal.projections.streams import Doc
from ejournal.queries.journal_grid import check_lesson_reader, open_mark_ids
from ejournal.queries.mark_history import mark_history
from ejournal.security import HISTORY_READERS, Actor, may_write_lesson
from ejournal.service import Service


def _lesson_and_course(r: Reader, actor: Actor, lesson_id: str) -> tuple[Doc, Doc]:
    lesson = journal.get_kind(r, lesson_id, "lesson", "lesson")
    course = journal.get_kind(r, lesson["course_id"], "course", "course")
    check_lesson_reader(r, actor, course, lesson)
    return lesson, course


def _member(spans: list[list[str | None]], day: str) -> bool:
    return any(str(lo) <= day and (hi is None or day < hi) for lo, hi in spans)


def journal_cell(
    service: Service,
    actor: Actor,
    lesson_id: str,
    student_id: str,
    as_of: datetime | None,
) -> dict[str, Any]:
    """The cell as the journal shows it (``cell`` None where the pupil was not in
    the class that day). The lesson's writers and the course journal's readers;
    a pupil never of the course is not found."""
    with reader(service.app) as views:
        current, course = _lesson_and_course(views, actor, lesson_id)
        year = journal.get_kind(views, course["year_id"], "year", "year")
    with reader(service.app, as_of) as r:
        lesson = r.doc(lesson_id)
        klass = r.doc(course["class_id"])
        rules = service.rules_for(r)
        if lesson is None or klass is None:
            raise NotFound(f"no lesson {lesson_id}")
        spans = journal.course_members(klass, course).get(student_id)
        if spans is None:
            raise NotFound(f"no pupil {student_id} in this course")
        cell = (
            _cell(lesson, student_id, rules.weight)
            if _member(spans, lesson["date"])
            else None
        )
    writable = as_of is None and may_write_lesson(actor, course, current)
    shown = {"lesson_id": lesson_id, "date": lesson["date"], "cells": {}}
    if cell is not None:
        shown["cells"][student_id] = cell
    return {
        "lesson_id": lesson_id,
        "course_id": course["id"],
        "date": lesson["date"],
        "student_id": student_id,
        "cell": cell,
        "writable": writable,
        "open_marks": (
            open_mark_ids(rules, service.clock(), year, [shown]) if writable else set()
        ),
        "may_read_history": actor.has(*HISTORY_READERS),
    }


def _cell(lesson: Doc, student_id: str, weight: Any) -> dict[str, Any]:
    """The pupil's cell of a lesson, as projections.journal.course_journal builds
    it: attendance, live marks (with weight, late flag, protocol), comments."""
    marks = []
    for mark_id, mark in lesson["marks"].items():
        if mark["student_id"] != student_id or mark["value"] is None:
            continue
        shown = {
            "mark_id": mark_id,
            "value": mark["value"],
            "work_type": mark["work_type"],
            "weight": weight(mark["work_type"]),
            "late": mark["late"],
        }
        if mark.get("protocol") is not None:
            shown["protocol"] = mark["protocol"]
        marks.append(shown)
    comments = [
        {"comment_id": cid, "text": c["text"]}
        for cid, c in lesson["comments"].items()
        if c["student_id"] == student_id
    ]
    return {
        "attendance": lesson["attendance"].get(student_id),
        "marks": marks,
        "comments": comments,
    }


def lesson_entry(
    service: Service, actor: Actor, lesson_id: str, as_of: datetime | None
) -> dict[str, Any]:
    """A lesson's topic and homework, and whether the caller may write them."""
    with reader(service.app) as views:
        current, course = _lesson_and_course(views, actor, lesson_id)
    with reader(service.app, as_of) as r:
        lesson = r.doc(lesson_id)
    if lesson is None:
        raise NotFound(f"no lesson {lesson_id}")
    return {
        "lesson_id": lesson_id,
        "course_id": course["id"],
        **{k: lesson[k] for k in ("date", "slot", "starts_at", "ends_at")},
        **{k: lesson[k] for k in ("topic", "homework", "substitute_id")},
        "writable": as_of is None and may_write_lesson(actor, course, current),
    }


def mark_history_named(
    service: Service, actor: Actor, mark_id: str, as_of: datetime | None
) -> dict[str, Any]:
    """queries.mark_history (who may read it is decided there), with the names
    of the people who wrote each revision."""
    history = mark_history(service, actor, mark_id, as_of)
    with reader(service.app) as views:
        people = {r["actor_id"] for r in history["revisions"]}
        if history["student_id"]:
            people.add(history["student_id"])
        docs = views.docs(people)
    history["names"] = {
        sid: str(doc.get("full_name") or doc.get("login") or sid)
        for sid, doc in docs.items()
    }
    return history
