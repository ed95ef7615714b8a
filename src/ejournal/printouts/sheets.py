"""Spreadsheets: the summary sheet, the control and compliance reports and a
course journal as XLSX (XlsxWriter), and the event browser's list as CSV.

Each calls the same ``ejournal.queries`` read model as its JSON route, so the
same people may download it, ``as_of`` and voids are honoured alike. Marks and
averages are number cells (a mark that is not a number, "н", "зач", "осв",
stays text), dates are date cells. Every workbook carries its provenance in its
document properties (custom property ``ejournalprovenance``, and the comments)
and on a last sheet, "Источник"."""

from __future__ import annotations

import csv
import io
import re
import warnings
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from xml.etree import ElementTree as ET

import orjson
import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from ejournal import queries
from ejournal.domain.errors import Invalid
from ejournal.printouts.documents import ATTENDANCE, FINAL_COLUMNS, _class_of, _names
from ejournal.printouts.pdf import SCHOOL_TZ
from ejournal.printouts.provenance import FOOTER_RE, META_KEY, Provenance, stamped
from ejournal.projections.reader import reader
from ejournal.queries.compliance_report import LATE_TYPES
from ejournal.security import Actor
from ejournal.service import Service

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"
MAX_WIDTH = 60
MIN_WIDTH = 6
NUMBER_RE = re.compile(r"^-?\d+(?:[.,]\d+)?$")
SPECIAL = {"exempt": "осв", "not_attested": "н/а", "ungraded": "безотм"}
# The event list as CSV: pages of the JSON route's size, up to this many rows.
CSV_PAGE = 1000
CSV_MAX_ROWS = 100_000
CSV_COLUMNS = (
    "position",
    "recorded_at",
    "type",
    "stream",
    "actor",
    "session",
    "address",
    "command",
    "voided",
    "data",
)
# An uploaded workbook's parts are read whole: no bigger than this, and no DTD
# (no entity expansion).
MAX_PART = 16 * 1024 * 1024
CUSTOM_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/custom-properties}"
MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


# -- cells ----------------------------------------------------------------------------
def mark_value(value: Any) -> str | int | float | None:
    """A mark as a cell: "5" is the number 5, "4.5" 4.5; "зач" stays text, and
    the special period marks read as on the pages ("exempt" is "осв")."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return value
    text = SPECIAL.get(str(value), str(value)).strip()
    if NUMBER_RE.match(text):
        number = float(text.replace(",", "."))
        return int(number) if number.is_integer() and "." not in text else number
    return text


def _moment(value: str | datetime | None) -> datetime | None:
    """An RFC 3339 moment as a naive school-time datetime (Excel has no zones)."""
    if value is None or value == "":
        return None
    when = (
        value
        if isinstance(value, datetime)
        else datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    )
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(SCHOOL_TZ).replace(tzinfo=None)


def _day(value: str | date | None) -> date | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _shown(value: Any) -> str:
    """The text a cell shows, for its column's width."""
    if isinstance(value, datetime):
        return "00.00.0000 00:00"
    if isinstance(value, date):
        return "00.00.0000"
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


@dataclass
class Book:
    """A workbook being written in memory, with its formats."""

    out: io.BytesIO = field(default_factory=io.BytesIO)

    def __post_init__(self) -> None:
        self.wb = xlsxwriter.Workbook(self.out, {"in_memory": True})
        self.header = self.wb.add_format(
            {"bold": True, "bg_color": "#EEEEEE", "border": 1, "text_wrap": True}
        )
        self.header_date = self.wb.add_format(
            {"bold": True, "bg_color": "#EEEEEE", "border": 1, "num_format": "dd.mm"}
        )
        self.date = self.wb.add_format({"num_format": "dd.mm.yyyy"})
        self.moment = self.wb.add_format({"num_format": "dd.mm.yyyy hh:mm"})
        self.decimal = self.wb.add_format({"num_format": "0.00"})
        self.pct = self.wb.add_format({"num_format": "0.0"})
        self.center = self.wb.add_format({"align": "center"})

    def sheet(self, name: str) -> Sheet:
        return Sheet(self, self.wb.add_worksheet(name))

    def close(self, title: str, provenance: Provenance) -> bytes:
        """Stamp the provenance (properties and the "Источник" sheet), and the
        workbook's bytes."""
        self.wb.set_properties(
            {
                "title": title,
                "author": provenance.printed_by,
                "comments": provenance.to_json(),
                "company": "ejournal",
                "keywords": "ejournal",
            }
        )
        with warnings.catch_warnings():
            # Longer than the 255 characters Excel edits; it keeps them.
            warnings.simplefilter("ignore", UserWarning)
            self.wb.set_custom_property(META_KEY, provenance.to_json(), "text")
        source = self.sheet("Источник")
        source.row(0, [footer(provenance)])
        rows: list[tuple[str, Any]] = [
            ("Документ", title),
            ("Позиция журнала", provenance.position),
            ("Хеш", provenance.hash),
            ("По состоянию на", _moment(provenance.as_of) or "текущее состояние"),
            ("Напечатал(а)", provenance.printed_by),
            ("Когда", _moment(provenance.printed_at)),
        ]
        for n, (label, value) in enumerate(rows, start=2):
            source.row(n, [label, value], header_cols=1)
        source.finish(max_width={0: 20, 1: 70})
        self.wb.close()
        return self.out.getvalue()


class Sheet:
    """A worksheet that writes typed cells and sizes its columns to them."""

    def __init__(self, book: Book, ws: Worksheet) -> None:
        self.book, self.ws = book, ws
        self.widths: dict[int, int] = {}

    def cell(self, row: int, col: int, value: Any, fmt: Format | None = None) -> None:
        if value is None or value == "":
            return
        book, ws = self.book, self.ws
        if isinstance(value, bool):
            ws.write_string(row, col, "да" if value else "нет", fmt)
        elif isinstance(value, int | float):
            ws.write_number(row, col, value, fmt)
        elif isinstance(value, datetime):
            ws.write_datetime(row, col, value, fmt or book.moment)
        elif isinstance(value, date):
            ws.write_datetime(row, col, value, fmt or book.date)
        else:
            ws.write_string(row, col, str(value), fmt)
        self.widths[col] = max(self.widths.get(col, 0), len(_shown(value)))

    def row(
        self,
        row: int,
        values: Iterable[Any],
        fmt: Format | None = None,
        *,
        start: int = 0,
        header_cols: int = 0,
    ) -> None:
        for col, value in enumerate(values, start=start):
            self.cell(row, col, value, self.book.header if col < header_cols else fmt)

    def headers(self, row: int, labels: Iterable[Any], start: int = 0) -> None:
        for col, label in enumerate(labels, start=start):
            fmt = self.book.header_date if isinstance(label, date) else None
            self.cell(row, col, label, fmt or self.book.header)

    def finish(
        self,
        freeze: tuple[int, int] | None = None,
        max_width: dict[int, int] | None = None,
    ) -> None:
        """Columns as wide as their longest text (capped), headers frozen."""
        for col, length in self.widths.items():
            cap = (max_width or {}).get(col, MAX_WIDTH)
            self.ws.set_column(col, col, min(max(length * 1.1 + 2, MIN_WIDTH), cap))
        if freeze:
            self.ws.freeze_panes(*freeze)


def footer(provenance: Provenance) -> str:
    """The provenance line, as the PDFs' footer reads."""
    when = _moment(provenance.as_of)
    state = (
        f"по состоянию на {when:%d.%m.%Y %H:%M} МСК" if when else "текущее состояние"
    )
    printed = _moment(provenance.printed_at)
    at = f" {printed:%d.%m.%Y %H:%M} МСК" if printed else ""
    return (
        f"позиция журнала {provenance.position} · хеш {provenance.hash} · {state} · "
        f"напечатал(а) {provenance.printed_by}{at}"
    )


# -- the workbooks -------------------------------------------------------------------
def summary_xlsx(
    service: Service,
    actor: Actor,
    class_id: str,
    year_id: str | None,
    as_of: datetime | None,
) -> bytes:
    """The class summary sheet: period, annual, exam and final marks per pupil
    and course, and the lessons missed."""
    sheet, provenance = stamped(
        service, actor, as_of, f"summary {class_id}",
        lambda: queries.summary(service, actor, class_id, year_id, as_of),
    )  # fmt: skip
    _, class_teacher = _class_of(service, sheet["class_id"])
    book = Book()
    ws = book.sheet("Ведомость")
    periods, courses = sheet["periods"], sheet["courses"]
    span = len(periods) + len(FINAL_COLUMNS)
    ws.headers(0, ["Ученик"])
    ws.headers(1, [""])
    ws.ws.merge_range(0, 0, 1, 0, "Ученик", book.header)
    for n, course in enumerate(courses):
        first = 1 + n * span
        ws.ws.merge_range(0, first, 0, first + span - 1, course["subject"], book.header)
        labels = [p["name"] for p in periods] + [label for _, label in FINAL_COLUMNS]
        ws.headers(1, labels, start=first)
    tail = 1 + len(courses) * span
    ws.ws.merge_range(0, tail, 0, tail + 1, "Пропущено уроков", book.header)
    ws.headers(1, ["всего", "по болезни"], start=tail)
    row = 2
    for pupil in sheet["students"]:
        sid = pupil["student_id"]
        marks = sheet["marks"].get(sid, {})
        ws.cell(row, 0, pupil["full_name"])
        for n, course in enumerate(courses):
            cells = marks.get(course["course_id"], {})
            keys = [p["period_id"] for p in periods] + [k for k, _ in FINAL_COLUMNS]
            values = [mark_value(cells.get(k)) for k in keys]
            ws.row(row, values, book.center, start=1 + n * span)
        missed = sheet["absences"].get(sid, {})
        ws.row(row, [missed.get("lessons_missed", 0), missed.get("ill", 0)], start=tail)
        row += 1
    # Not counted in the column's width: the line runs over the empty cells.
    ws.ws.write_string(row + 1, 0, f"Классный руководитель: {class_teacher}")
    ws.finish(freeze=(2, 1), max_width={0: 40})
    return book.close(f"Сводная ведомость: класс {sheet['class_name']}", provenance)


CONTROL_COLUMNS: tuple[tuple[str, str], ...] = (
    ("class_name", "Класс"),
    ("subject", "Предмет"),
    ("teacher", "Учитель"),
    ("hours_per_week", "Часов в неделю"),
    ("lessons_scheduled", "Уроков по расписанию"),
    ("lessons_held", "Уроков проведено"),
    ("topics_filled_pct", "Темы заполнены, %"),
    ("homework_filled_pct", "ДЗ заполнено, %"),
    ("students", "Учеников"),
    ("students_without_marks_pct", "Без отметок, %"),
    ("students_with_one_mark_pct", "С одной отметкой, %"),
    ("late_entries", "Поздних записей"),
    ("plan_coverage_pct", "Выполнение плана, %"),
    ("substitutions", "Замен"),
    ("shortfalls", "Мало отметок (учеников)"),
    ("guardians_logged_in_pct", "Родители входили, %"),
)


def control_xlsx(
    service: Service,
    actor: Actor,
    year_id: str,
    period_id: str | None,
    class_id: str | None,
    as_of: datetime | None,
) -> bytes:
    """The control of the journal, a row per course."""
    rows, provenance = stamped(
        service, actor, as_of, f"control {year_id}",
        lambda: queries.control(service, actor, year_id, period_id, class_id, as_of),
    )  # fmt: skip
    names = _names(service, [r.get("teacher_id") for r in rows])
    book = Book()
    ws = book.sheet("Контроль")
    ws.headers(0, [label for _, label in CONTROL_COLUMNS])
    for n, r in enumerate(rows, start=1):
        values = {
            **r,
            "teacher": names.get(r.get("teacher_id") or "", ""),
            "shortfalls": len(r.get("min_marks_shortfalls") or []),
        }
        for col, (key, _) in enumerate(CONTROL_COLUMNS):
            fmt = book.pct if key.endswith("_pct") else None
            ws.cell(n, col, values.get(key), fmt)
    ws.finish(freeze=(1, 3), max_width=dict.fromkeys(range(3, 16), 16))
    return book.close("Контроль ведения журнала", provenance)


def compliance_xlsx(
    service: Service,
    actor: Actor,
    lo: date | None,
    hi: date | None,
    as_of: datetime | None,
) -> bytes:
    """The late entries, with when each was due and when it was recorded (in
    school time)."""
    entries, provenance = stamped(
        service, actor, as_of, "compliance",
        lambda: queries.compliance(service, actor, lo, hi, as_of),
    )  # fmt: skip
    names = _names(
        service,
        [x for e in entries for x in (e.get("actor_id"), e.get("student_id"))],
    )
    courses, lessons = _courses_and_lessons(service, entries)
    book = Book()
    ws = book.sheet("Поздние записи")
    ws.headers(
        0,
        [
            "Запись",
            "Кто",
            "Класс",
            "Предмет",
            "Урок",
            "Ученик",
            "Срок",
            "Записано",
            "Опоздание, ч",
            "Тип события",
        ],
    )
    for n, e in enumerate(entries, start=1):
        course = courses.get(e.get("course_id") or "", {})
        due, recorded = _moment(e.get("due_at")), _moment(e.get("recorded_at"))
        hours = (
            round((recorded - due).total_seconds() / 3600, 2)
            if due and recorded
            else None
        )
        ws.row(
            n,
            [
                LATE_TYPES.get(e["type"], e["type"]),
                names.get(e.get("actor_id") or "", e.get("actor_id")),
                course.get("class_name"),
                course.get("subject"),
                lessons.get(e.get("lesson_id") or ""),
                names.get(e.get("student_id") or ""),
                due,
                recorded,
            ],
        )
        ws.cell(n, 8, hours, book.decimal)
        ws.cell(n, 9, e["type"])
    ws.finish(freeze=(1, 0))
    return book.close("Поздние записи в журнале", provenance)


def _courses_and_lessons(
    service: Service, entries: list[dict[str, Any]]
) -> tuple[dict[str, dict[str, str]], dict[str, date | None]]:
    course_ids = list(dict.fromkeys(e["course_id"] for e in entries if e["course_id"]))
    lesson_ids = list(dict.fromkeys(e["lesson_id"] for e in entries if e["lesson_id"]))
    with reader(service.app) as views:
        course_docs = views.docs(course_ids) if course_ids else {}
        lesson_docs = views.docs(lesson_ids) if lesson_ids else {}
        class_ids = [d.get("class_id") for d in course_docs.values()]
        class_docs = views.docs([c for c in class_ids if c]) if class_ids else {}
    courses = {
        cid: {
            "subject": str(doc.get("subject") or ""),
            "class_name": str(
                (class_docs.get(doc.get("class_id") or "") or {}).get("name") or ""
            ),
        }
        for cid, doc in course_docs.items()
    }
    lessons = {lid: _day(doc.get("date")) for lid, doc in lesson_docs.items()}
    return courses, lessons


def _journal_cell(cell: dict[str, Any] | None) -> str | int | float | None:
    """A grid cell: a lone mark as a number, else the text the PDF shows."""
    if not cell:
        return None
    marks = [m["value"] for m in cell.get("marks") or []]
    absent = ATTENDANCE.get(cell.get("attendance") or "", "")
    if len(marks) == 1 and not absent:
        return mark_value(marks[0])
    return " ".join([absent, *marks]).strip() or None


def journal_xlsx(
    service: Service,
    actor: Actor,
    course_id: str,
    period_id: str | None,
    as_of: datetime | None,
) -> bytes:
    """A course journal: pupils × lessons with averages and period marks, and a
    sheet of the lessons with their topic, homework and who taught."""
    journal, provenance = stamped(
        service, actor, as_of, f"journal {course_id}",
        lambda: queries.course_journal(service, actor, course_id, period_id, as_of),
    )  # fmt: skip
    lessons = journal["lessons"]
    names = _names(
        service,
        [journal.get("teacher_id")]
        + [x for ls in lessons for x in (ls["teacher_id"], ls["substitute_id"])],
    )
    class_name, _ = _class_of(service, journal.get("class_id"))
    periods = _periods(
        service, journal.get("year_id"), journal.get("period_id"), lessons
    )
    book = Book()
    ws = book.sheet("Журнал")
    ws.headers(0, ["Ученик", *[_day(ls["date"]) for ls in lessons]])
    tail = 1 + len(lessons)
    labels: list[str] = []
    for _, name in periods:
        labels += [f"Средний взв. {name}", f"Средний {name}", f"За период {name}"]
    labels += [label for _, label in FINAL_COLUMNS]
    ws.headers(0, labels, start=tail)
    for n, pupil in enumerate(journal["students"], start=1):
        sid = pupil["student_id"]
        ws.cell(n, 0, pupil["full_name"])
        for col, lesson in enumerate(lessons, start=1):
            ws.cell(n, col, _journal_cell(lesson["cells"].get(sid)), book.center)
        averages = journal.get("averages", {}).get(sid, {})
        marks = journal.get("period_marks", {}).get(sid, {})
        col = tail
        for pid, _ in periods:
            avg = averages.get(pid) or {}
            ws.cell(n, col, avg.get("weighted"), book.decimal)
            ws.cell(n, col + 1, avg.get("plain"), book.decimal)
            ws.cell(n, col + 2, mark_value(_mark_of(marks.get(pid))), book.center)
            col += 3
        finals = journal.get("final_marks", {}).get(sid, {})
        for key, _ in FINAL_COLUMNS:
            ws.cell(n, col, mark_value(_mark_of(finals.get(key))), book.center)
            col += 1
    for col in range(1, tail):
        ws.widths[col] = 4  # a date header dd.mm over one-mark cells
    ws.finish(freeze=(1, 1), max_width=dict.fromkeys(range(tail, tail + 20), 14))

    ls_sheet = book.sheet("Уроки")
    ls_sheet.headers(
        0, ["Дата", "Урок", "Начало", "Тема", "Домашнее задание", "Провёл(а)", "Замена"]
    )
    for n, lesson in enumerate(lessons, start=1):
        who = lesson["substitute_id"] or lesson["teacher_id"]
        ls_sheet.row(
            n,
            [
                _day(lesson["date"]),
                lesson.get("slot"),
                lesson.get("starts_at"),
                lesson.get("topic"),
                lesson.get("homework"),
                names.get(who or "", ""),
                "замена" if lesson["substitute_id"] else "",
            ],
        )
    ls_sheet.finish(freeze=(1, 1))
    subject = journal["subject"]
    title = f"Журнал: {subject} {class_name}".strip()
    return book.close(title, provenance)


def _mark_of(value: Any) -> Any:
    """A period or final mark, given as its value or as ``{"value": …}``."""
    return value.get("value") if isinstance(value, dict) else value


def _periods(
    service: Service,
    year_id: str | None,
    period_id: str | None,
    lessons: list[dict[str, Any]],
) -> list[tuple[str, str]]:
    """The (id, name) of the journal's periods: the one chosen, or those of the
    year its lessons fall in."""
    if not year_id:
        return []
    with reader(service.app) as views:
        year = views.doc(year_id) or {}
    days = {str(ls["date"]) for ls in lessons}
    return [
        (str(p["id"]), str(p.get("name") or ""))
        for p in year.get("periods", [])
        if (p["id"] == period_id)
        or (
            not period_id
            and any(str(p["starts_on"]) <= d <= str(p["ends_on"]) for d in days)
        )
    ]


# -- the event list as CSV -----------------------------------------------------------
def events_csv(
    service: Service, actor: Actor, *, as_of: datetime | None, **filters: Any
) -> Iterator[bytes]:
    """The event browser's list under the filters of ``queries.audit_events``
    (account_id, session_id, stream_id, type_, since, until, include_voided), as
    CSV in UTF-8 with a BOM (so Excel reads the Cyrillic), in log order, at most
    100,000 rows (``CSV_MAX_ROWS``): pages of ``CSV_PAGE`` are read as the CSV
    is sent. The first page is read here, so a refusal is raised before any
    byte is sent."""
    first = queries.audit_events(
        service, actor, after=0, limit=CSV_PAGE, as_of=as_of, **filters
    )

    def lines() -> Iterator[bytes]:
        buffer = io.StringIO()
        out = csv.writer(buffer)
        out.writerow(CSV_COLUMNS)
        yield ("\ufeff" + _drain(buffer)).encode()
        found, sent = first, 0
        while True:
            for event in found["events"][: CSV_MAX_ROWS - sent]:
                out.writerow(_csv_row(event))
                sent += 1
            yield _drain(buffer).encode()
            if found["next"] is None or sent >= CSV_MAX_ROWS:
                return
            found = queries.audit_events(
                service,
                actor,
                after=found["next"],
                limit=CSV_PAGE,
                as_of=as_of,
                **filters,
            )

    return lines()


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def _csv_row(event: dict[str, Any]) -> list[Any]:
    data = event.get("data")
    return [
        event["position"],
        event.get("timestamp") or "",
        event["type"],
        event["stream_id"],
        event.get("actor_id") or "",
        event.get("session_id") or "",
        event.get("client_ip") or "",
        event.get("command_id") or "",
        event.get("voided_by") or "",
        "" if data is None else orjson.dumps(data).decode(),
    ]


# -- reading a workbook's provenance -------------------------------------------------
def read_workbook_provenance(data: bytes) -> Provenance:
    """A workbook's provenance: its custom property ``ejournalprovenance``, else
    its comments, else the "Источник" line among its texts."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            members = set(z.namelist())
            custom = _custom_property(z, members)
            if custom:
                return Provenance.from_json(custom)
            comments = _core_comments(z, members)
            if comments and comments.lstrip().startswith("{"):
                return Provenance.from_json(comments)
            texts = _shared_strings(z, members)
    except (zipfile.BadZipFile, ET.ParseError, KeyError, OSError, ValueError):
        raise Invalid("the file is not a readable XLSX", field="file") from None
    for text in texts:
        found = FOOTER_RE.search(text)
        if found:
            return Provenance(
                position=int(found.group(1)),
                hash=re.sub(r"\s", "", found.group(2)),
                as_of=None,
                printed_by="",
                printed_at="",
            )
    raise Invalid("the document carries no ejournal provenance", field="file")


def _part(z: zipfile.ZipFile, members: set[str], name: str) -> ET.Element | None:
    """A part of the zip as XML, if it is there, small and without a DTD."""
    if name not in members:
        return None
    if z.getinfo(name).file_size > MAX_PART:
        raise ValueError(name)
    raw = z.read(name)
    if len(raw) > MAX_PART or b"<!DOCTYPE" in raw.upper():
        raise ValueError(name)
    return ET.fromstring(raw)  # noqa: S314 - size-capped, no DTD, so no entities


def _custom_property(z: zipfile.ZipFile, members: set[str]) -> str | None:
    root = _part(z, members, "docProps/custom.xml")
    if root is None:
        return None
    for prop in root.iter(f"{CUSTOM_NS}property"):
        if prop.get("name") == META_KEY:
            return "".join(child.text or "" for child in prop)
    return None


def _core_comments(z: zipfile.ZipFile, members: set[str]) -> str | None:
    root = _part(z, members, "docProps/core.xml")
    if root is None:
        return None
    for node in root.iter():
        if node.tag.endswith("}description"):
            return node.text
    return None


def _shared_strings(z: zipfile.ZipFile, members: set[str]) -> list[str]:
    root = _part(z, members, "xl/sharedStrings.xml")
    if root is None:
        return []
    return [
        "".join(t.text or "" for t in si.iter(f"{MAIN_NS}t"))
        for si in root.iter(f"{MAIN_NS}si")
    ]
