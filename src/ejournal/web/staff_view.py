"""What the staff pages show, computed in Python from the read models' answers:
the labels of codes, the class journal's grid cells and the summary sheet's rows
as plain strings, so the templates only loop."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ejournal import labels
from ejournal.datebounds import EARLIEST, LATEST
from ejournal.domain.errors import NotFound
from ejournal.web.render import short_date, weekday

ATTENDANCE = labels.ATTENDANCE_CODES
SPECIAL = labels.SPECIAL_CODES
WORK_TYPES = {
    "oral": "устный ответ",
    "classwork": "работа на уроке",
    "homework": "домашняя работа",
    "test": "тест",
    "control": "контрольная",
    "written": "письменная работа",
    "lab": "лабораторная",
    "practical": "практическая",
}
FINAL_KINDS = {"annual": "год", "exam": "экз.", "final": "итог"}
STATUS_NAMES = {
    "pending": "ждёт решения",
    "approved": "утверждён",
    "rejected": "отклонён",
}


def uuid_or_404(value: str, label: str) -> str:
    """A path's or filter's id in canonical form; a malformed one is unknown."""
    try:
        return str(uuid.UUID(value))
    except (ValueError, AttributeError):
        raise NotFound(f"Нет такого объекта ({label}): {value[:60]}") from None


def mark_text(value: str | None) -> str:
    """A mark as the journal writes it: 1..5, or осв / н/а / безотм."""
    if value is None:
        return ""
    return SPECIAL.get(value, value)


def pct(value: float | None) -> str:
    return "—" if value is None else f"{value:g} %"


# -- the class journal's grid -------------------------------------------------------
@dataclass
class Cell:
    att: str = ""
    marks: str = ""
    title: str = ""
    css: str = "cell"


@dataclass
class Row:
    name: str
    cells: list[Cell] = field(default_factory=list)
    period_mark: str = ""
    average: str = ""


@dataclass
class Column:
    day: str
    weekday: str
    title: str


@dataclass
class Topic:
    day: str
    topic: str
    homework: str
    substitute: str


@dataclass
class Section:
    course_id: str
    subject: str
    teacher: str
    columns: list[Column]
    rows: list[Row]
    topics: list[Topic]


def _cell(cell: dict[str, Any] | None) -> Cell:
    if cell is None:
        return Cell(css="cell out", title="не в составе на этот день")
    code = cell.get("attendance")
    att = ATTENDANCE.get(code or "", "")
    marks = cell.get("marks", [])
    shown = " ".join(str(m["value"]) for m in marks)
    title = "; ".join(
        f"{m['value']} — {WORK_TYPES.get(m['work_type'], m['work_type'])}"
        f" (вес {m['weight']}){', внесена с опозданием' if m.get('late') else ''}"
        for m in marks
    )
    css = "cell late-entry" if any(m.get("late") for m in marks) else "cell"
    return Cell(att, shown, title, css)


def course_section(
    course: dict[str, Any], names: dict[str, str], period_id: str | None
) -> Section:
    """One course of the class journal: pupils × lessons, and the topics."""
    lessons = course["lessons"]
    columns = [
        Column(short_date(x["date"]), weekday(x["date"]), x["topic"] or "")
        for x in lessons
    ]
    rows = []
    for student in course["students"]:
        sid = student["student_id"]
        avg = course.get("averages", {}).get(sid, {}).get(period_id or "", {})
        weighted = avg.get("weighted")
        rows.append(
            Row(
                student["full_name"],
                [_cell(x["cells"].get(sid)) for x in lessons],
                mark_text(course["period_marks"].get(sid, {}).get(period_id or "")),
                "" if weighted is None else f"{weighted:.2f}",
            )
        )
    topics = [
        Topic(
            short_date(x["date"]),
            x["topic"] or "",
            (x["homework"] or {}).get("text", ""),
            names.get(x["substitute_id"] or "", x["substitute_id"] or ""),
        )
        for x in lessons
    ]
    teacher = names.get(course["teacher_id"], course["teacher_id"])
    return Section(
        course["course_id"], course["subject"], teacher, columns, rows, topics
    )


def journal_people(journal: dict[str, Any]) -> set[str]:
    """The accounts a class journal names: teachers and substitutes."""
    ids = {c["teacher_id"] for c in journal["courses"]}
    for course in journal["courses"]:
        ids |= {x["substitute_id"] for x in course["lessons"] if x["substitute_id"]}
    return ids


# -- the summary sheet ----------------------------------------------------------------
@dataclass
class SummaryColumn:
    label: str
    key: str


@dataclass
class SummaryCourse:
    subject: str
    teacher: str
    columns: list[SummaryColumn]


@dataclass
class SummaryRow:
    name: str
    cells: list[str]
    missed: str


def summary_table(
    sheet: dict[str, Any], names: dict[str, str]
) -> tuple[list[SummaryCourse], list[SummaryRow]]:
    period_cols = [SummaryColumn(p["name"], p["period_id"]) for p in sheet["periods"]]
    final_cols = [SummaryColumn(label, key) for key, label in FINAL_KINDS.items()]
    courses = [
        SummaryCourse(
            c["subject"],
            names.get(c["teacher_id"], ""),
            period_cols + final_cols,
        )
        for c in sheet["courses"]
    ]
    keys = [col.key for col in period_cols + final_cols]
    rows = []
    for student in sheet["students"]:
        sid = student["student_id"]
        marks = sheet["marks"].get(sid, {})
        deferred = sheet.get("deferrals", {}).get(sid, {})
        cells: list[str] = []
        for c in sheet["courses"]:
            by_course = marks.get(c["course_id"])
            if by_course is None:
                cells.extend("·" for _ in keys)
                continue
            for key in keys:
                text = mark_text(by_course.get(key))
                if not text and key in deferred.get(c["course_id"], {}):
                    until = deferred[c["course_id"]][key].get("until")
                    text = f"отср. до {short_date(until)}" if until else "отср."
                cells.append(text)
        absences = sheet["absences"].get(sid, {})
        missed = absences.get("lessons_missed", 0)
        ill = absences.get("ill", 0)
        rows.append(
            SummaryRow(
                student["full_name"],
                cells,
                f"{missed} (по болезни {ill})" if missed else "0",
            )
        )
    return courses, rows


def parse_day(raw: str | None, label: str) -> tuple[date | None, str | None]:
    """A date of a filter, or the message to show next to it."""
    text = (raw or "").strip()
    if not text:
        return None, None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return None, f"«{label}» — дата вида 2026-11-23."
    if not EARLIEST <= day <= LATEST:
        return None, f"«{label}» — дата между 1900 и 2199 годом."
    return day, None
