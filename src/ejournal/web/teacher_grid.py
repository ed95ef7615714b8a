"""The journal grid as the page prints it: each lesson's header, each pupil's
row (its cells written as HTML by teacher_view, a few microseconds each), the
averages and the period marks."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape as esc
from typing import Any

from markupsafe import Markup

from ejournal.web.render import short_date, weekday
from ejournal.web.teacher_view import PERIOD_VALUES, built, pupil_td


@dataclass(frozen=True, slots=True)
class LessonView:
    lesson_id: str
    date: str
    day: str  # 16.11
    weekday: str  # пн
    slot: int
    time: str
    topic: str
    homework: str
    homework_due: str
    substitute: str  # the substitute's name, "" when the course's teacher taught
    editable: bool
    focus: bool


@dataclass(frozen=True, slots=True)
class RowView:
    student_id: str
    full_name: str
    cells: Markup  # the row's pupil cells, in lesson order
    weighted: str
    plain: str
    period_marks: list[str]


def lesson_view(
    lesson: dict[str, Any], names: dict[str, str], editable: bool, focus: bool
) -> LessonView:
    homework = lesson["homework"] or {}
    substitute = lesson["substitute_id"]
    return LessonView(
        lesson_id=lesson["lesson_id"],
        date=lesson["date"],
        day=short_date(lesson["date"]),
        weekday=weekday(lesson["date"]),
        slot=lesson["slot"],
        time=f"{lesson['starts_at']}–{lesson['ends_at']}",
        topic=lesson["topic"] or "",
        homework=homework.get("text") or "",
        homework_due=short_date(homework.get("due_on")),
        substitute=(names.get(substitute, "другой учитель") if substitute else ""),
        editable=editable,
        focus=focus,
    )


def number(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}".replace(".", ",")


def period_value(value: str | None) -> str:
    return "" if value is None else PERIOD_VALUES.get(value, value)


@dataclass
class Grid:
    lessons: list[LessonView]
    rows: list[RowView]
    periods: list[dict[str, Any]]
    editable: bool  # some lesson may be written by the visitor


def build_grid(answer: dict[str, Any]) -> Grid:
    """The grid of a queries.journal_grid or lesson_sheet answer."""
    journal = answer["journal"]
    writable: dict[str, bool] = answer["writable"]
    history: bool = answer["may_read_history"]
    focus = answer.get("focus")
    lessons = journal["lessons"]
    columns = [
        lesson_view(
            x, answer["names"], writable[x["lesson_id"]], x["lesson_id"] == focus
        )
        for x in lessons
    ]
    # Each cell's classes and keys: the lesson's part once, the pupil's once.
    heads = [
        (
            "cell focus-col" if x["lesson_id"] == focus else "cell",
            f'tabindex="-1" data-lesson="{esc(x["lesson_id"])}" data-student="',
        )
        for x in lessons
    ]
    periods = answer["periods"]
    rows = []
    for student in journal["students"]:
        sid = student["student_id"]
        tail = f'{esc(sid)}"'
        parts = [
            pupil_td(classes, keys + tail, x["cells"].get(sid), history, "")
            for x, (classes, keys) in zip(lessons, heads, strict=True)
        ]
        avg = answer["averages"].get(sid) or {}
        marks = journal["period_marks"].get(sid, {})
        rows.append(
            RowView(
                sid,
                student["full_name"],
                built("".join(parts)),
                number(avg.get("weighted")),
                number(avg.get("plain")),
                [period_value(marks.get(p["id"])) for p in periods],
            )
        )
    return Grid(columns, rows, periods, any(writable.values()))
