"""The deputy's reports: control of the journal per course (контроль ведения
журнала) with its year/period/class filter, and the late entries (compliance)
between two dates. A bad filter value is shown next to its field; the report is
left out until the filter is right."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.responses import HTMLResponse

from ejournal import queries
from ejournal.domain.errors import Forbidden, Invalid, NotFound
from ejournal.queries.classes import staff_labels
from ejournal.queries.compliance_report import LATE_TYPES
from ejournal.security import Actor
from ejournal.web.render import as_of, local_time, page, read, service_of, short_date
from ejournal.web.session import Visitor, VisitorDep
from ejournal.web.staff_view import parse_day, pct

router = APIRouter(include_in_schema=False)
MAX_RANGE_DAYS = 366  # as the compliance report allows
QUERY_MESSAGES = {
    "'to' is before 'from'": "«По» раньше, чем «С» (без даты «по» — сегодня).",
    "a compliance report spans at most a year": "Отчёт охватывает не больше года "
    "(без даты «по» — сегодня).",
}


def _uuid(value: str | None) -> str | None:
    """A filter's id in canonical form; "" for a malformed one, None for none."""
    if not value:
        return None
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return ""


async def _listing(
    request: Request, actor: Actor, year_id: str | None, moment: datetime | None
) -> dict[str, Any]:
    out: dict[str, Any] = await read(
        request, queries.school_classes, service_of(request), actor, year_id, moment
    )
    return out


async def _require_reports(
    request: Request, who: Visitor, moment: datetime | None
) -> None:
    """Before showing a filter's errors: the reports' readers only."""
    listing = await _listing(request, who.actor, None, moment)
    if not listing["reads_reports"]:
        raise Forbidden("Отчёты открывают завуч, директор и администратор.")


# -- control --------------------------------------------------------------------------
@dataclass
class ControlRow:
    course_id: str
    class_id: str
    class_name: str
    subject: str
    teacher: str
    held: str
    topics: str
    homework: str
    without_marks: str
    one_mark: str
    late: int
    coverage: str
    shortfalls: int


def control_rows(rows: list[dict[str, Any]], names: dict[str, str]) -> list[ControlRow]:
    return [
        ControlRow(
            r["course_id"],
            r["class_id"],
            r["class_name"],
            r["subject"],
            names.get(r["teacher_id"], r["teacher_id"]),
            f"{r['lessons_held']} из {r['lessons_scheduled']}",
            pct(r["topics_filled_pct"]),
            pct(r["homework_filled_pct"]),
            pct(r["students_without_marks_pct"]),
            pct(r["students_with_one_mark_pct"]),
            r["late_entries"],
            pct(r["plan_coverage_pct"]),
            len(r.get("min_marks_shortfalls", [])),
        )
        for r in rows
    ]


@router.get("/reports/control", response_class=HTMLResponse)
async def control(
    request: Request,
    who: VisitorDep,
    year_id: str | None = None,
    period_id: str | None = None,
    class_id: str | None = None,
) -> HTMLResponse:
    moment = as_of(request)
    errors: dict[str, str] = {}
    status = 200
    year, period, klass = _uuid(year_id), _uuid(period_id), _uuid(class_id)
    for name, value in (("year_id", year), ("period_id", period), ("class_id", klass)):
        if value == "":
            errors[name] = "Неверный идентификатор в фильтре."
            status = 422
    try:
        listing = await _listing(request, who.actor, year or None, moment)
    except NotFound:
        errors["year_id"] = "Такого учебного года нет."
        status = 404
        listing = await _listing(request, who.actor, None, moment)
    chosen = listing["year"]
    if chosen and period and period not in {p["period_id"] for p in chosen["periods"]}:
        errors["period_id"] = "В этом учебном году нет такого периода."
        status = 404
    if chosen and klass and klass not in {c["class_id"] for c in listing["classes"]}:
        errors["class_id"] = "В этом учебном году нет такого класса."
        status = 404
    rows: list[ControlRow] | None = None
    no_consent: dict[str, list[dict[str, Any]]] = {}
    shown_period = period or None
    if errors or chosen is None:
        await _require_reports(request, who, moment)
    else:
        try:
            answer = await read(
                request,
                queries.control,
                service_of(request),
                who.actor,
                chosen["year_id"],
                period or None,
                klass or None,
                moment,
            )
        except (NotFound, Invalid) as exc:
            errors[""] = exc.detail
            status = exc.status
        else:
            labels = await read(
                request,
                partial(
                    staff_labels,
                    account_ids=[r["teacher_id"] for r in answer],
                    as_of=moment,
                ),
                service_of(request),
                who.actor,
            )
            rows = control_rows(answer, labels["names"])
            for r in answer:  # one list per class, repeated on its course rows
                if r.get("guardians_without_consent"):
                    no_consent[r["class_name"]] = r["guardians_without_consent"]
            if answer:
                shown_period = answer[0]["period_id"]
    return page(
        request,
        "staff/control.html",
        who,
        status_code=status,
        listing=listing,
        year=chosen,
        period_id=shown_period or "",
        class_id=klass or "",
        typed={"year_id": year_id, "period_id": period_id, "class_id": class_id},
        errors=errors,
        rows=rows,
        no_consent=no_consent,
    )


# -- compliance -----------------------------------------------------------------------
@dataclass
class LateRow:
    what: str
    who: str
    where: str
    class_id: str | None
    due: str
    recorded: str


def _where(
    entry: dict[str, Any], lessons: dict[str, Any], courses: dict[str, Any]
) -> tuple[str, str | None]:
    course = courses.get(entry["course_id"] or "")
    subject = (
        f"{course['subject']}, {course['class_name']}" if course else entry["course_id"]
    )
    lesson = lessons.get(entry["lesson_id"] or "")
    class_id = course["class_id"] if course else None
    if lesson:
        return f"{subject}: урок {short_date(lesson['date'])}, {lesson['slot']}-й", (
            class_id
        )
    if entry["lesson_id"]:
        return f"{subject}: урок {entry['lesson_id']}", class_id
    return f"{subject}: отметки за период и год", class_id


def late_rows(entries: list[dict[str, Any]], labels: dict[str, Any]) -> list[LateRow]:
    names, lessons, courses = labels["names"], labels["lessons"], labels["courses"]
    out = []
    for e in entries:
        where, class_id = _where(e, lessons, courses)
        out.append(
            LateRow(
                LATE_TYPES.get(e["type"], e["type"]),
                names.get(e["actor_id"], e["actor_id"]),
                where,
                class_id,
                local_time(e["due_at"]),
                local_time(e["recorded_at"]),
            )
        )
    return out


@router.get("/reports/compliance", response_class=HTMLResponse)
async def compliance(
    request: Request,
    who: VisitorDep,
    from_: Annotated[str | None, Query(alias="from", max_length=40)] = None,
    to: Annotated[str | None, Query(max_length=40)] = None,
) -> HTMLResponse:
    moment = as_of(request)
    errors: dict[str, str] = {}
    lo, message = parse_day(from_, "С")
    if message:
        errors["from"] = message
    hi, message = parse_day(to, "По")
    if message:
        errors["to"] = message
    if lo and hi and hi < lo:
        errors["to"] = "«По» раньше, чем «С»."
    elif lo and hi and (hi - lo).days > MAX_RANGE_DAYS:
        errors["to"] = "Отчёт охватывает не больше года."
    rows: list[LateRow] | None = None
    if errors:
        await _require_reports(request, who, moment)
    else:
        try:
            entries = await read(
                request,
                queries.compliance,
                service_of(request),
                who.actor,
                lo,
                hi,
                moment,
            )
        except Invalid as exc:
            errors[exc.field or ""] = QUERY_MESSAGES.get(exc.detail, exc.detail)
        else:
            labels = await read(
                request,
                partial(
                    staff_labels,
                    account_ids=[e["actor_id"] for e in entries],
                    lesson_ids=[e["lesson_id"] for e in entries],
                    course_ids=[e["course_id"] for e in entries],
                    as_of=moment,
                ),
                service_of(request),
                who.actor,
            )
            rows = late_rows(entries, labels)
    return page(
        request,
        "staff/compliance.html",
        who,
        status_code=422 if errors else 200,
        typed={"from": from_ or "", "to": to or ""},
        errors=errors,
        rows=rows,
    )
