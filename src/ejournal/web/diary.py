"""Pages: the diary (дневник) for parents and pupils, and for whoever else may read
a pupil's diary (their teachers, staff).

``/diary`` sends a guardian or pupil to a diary of their own; ``/students/{id}/
diary?week=`` shows a week as day cards, then the following week's timetable, the
tests around today, the period and final marks with the journal's averages, and
the year's holidays; a guardian acknowledges a week that has begun
(``acknowledge-diary``). A guardian without a live consent to data processing
gets a page saying so (security.check_consent, web.consent_message).
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from ejournal import labels, queries
from ejournal.datebounds import EARLIEST, LATEST
from ejournal.domain.errors import ConsentMissing, Forbidden, Invalid, NotFound
from ejournal.web.render import as_of, link, page, read, run_command, service_of
from ejournal.web.session import Visitor, VisitorDep, WriterDep

router = APIRouter(include_in_schema=False)

WORK_TYPES = labels.WORK_TYPES
# The journal's codes (DOMAIN.md "attendance") and what they mean for a parent.
ATTENDANCE = {
    "absent": ("н", "не был(а) на уроке"),
    "ill": ("б", "пропуск по болезни"),
    "excused": ("уп", "пропуск по уважительной причине"),
    "late": ("оп", "опоздание"),
}
SPECIAL_MARKS = {
    "exempt": ("осв", "освобождён(а)"),
    "not_attested": ("н/а", "не аттестован(а)"),
    "ungraded": ("безотм", "без отметки"),
}
FINAL_KINDS = {"annual": "годовая", "exam": "экзамен", "final": "итоговая"}
DAY_NAMES = (
    "Понедельник", "Вторник", "Среда", "Четверг", "Пятница", "Суббота", "Воскресенье",
)  # fmt: skip
# The domain's refusals of acknowledge-diary, as a parent reads them.
ACK_MESSAGES = {
    "this week's diary is already acknowledged": "Вы уже ознакомились с этой неделей.",
    "that week has not begun yet": "Эта неделя ещё не началась: ознакомиться с ней "
    "можно с её понедельника.",
    "week_start must be a Monday": "Неделя начинается с понедельника: укажите его.",
}
WEEK_HINT = "Неделя задаётся датой ГГГГ-ММ-ДД, например 2026-11-23."
NO_PUPIL = "Такого ученика нет."
NOT_YOURS = (
    "Дневник ученика читают сам ученик, его родители, его учителя и администрация."
)


def pupil_id(raw: str) -> str:
    """The path's pupil id; a malformed one is an unknown pupil."""
    try:
        return str(uuid.UUID(raw))
    except ValueError:
        raise NotFound(NO_PUPIL) from None


def parse_week(raw: str | None, field: str = "week") -> date | None:
    """Any day of the wanted week, as YYYY-MM-DD; empty means the current one."""
    if raw is None or not raw.strip():
        return None
    try:
        day = date.fromisoformat(raw.strip())
    except ValueError:
        raise Invalid(WEEK_HINT, field=field) from None
    if not EARLIEST <= day <= LATEST:
        raise Invalid("Неделя должна быть между 1900 и 2199 годом.", field=field)
    return day


async def children_of(request: Request, who: Visitor) -> list[dict[str, Any]]:
    """The visitor's own pupils (a guardian's children, a pupil themselves)."""
    if not who.actor.has("parent", "student"):
        return []
    mine = await read(request, queries.my_children, service_of(request), who.actor)
    students: list[dict[str, Any]] = mine["students"]
    return sorted(students, key=lambda s: (s["full_name"], s["student_id"]))


@router.get("/diary", response_class=HTMLResponse)
async def diary_home(request: Request, who: VisitorDep) -> Response:
    children = await children_of(request, who)
    if children:
        first = children[0]["student_id"]
        return RedirectResponse(link(request, f"/students/{first}/diary"), 303)
    return page(request, "diary/index.html", who, children=children)


async def week_page(
    request: Request,
    who: Visitor,
    student_id: str,
    week: date | None,
    *,
    ack_error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    service, moment = service_of(request), as_of(request)
    try:
        shown = await read(
            request, queries.diary_week, service, who.actor, student_id, week, moment
        )
        marks = await read(
            request,
            queries.pupil_marks,
            service,
            who.actor,
            student_id,
            date.fromisoformat(shown["week_start"]),
            moment,
        )
        schedule = await read(
            request,
            queries.pupil_timetable,
            service,
            who.actor,
            student_id,
            date.fromisoformat(shown["next_week"]),
            moment,
        )
    except NotFound:
        raise NotFound(NO_PUPIL) from None
    except ConsentMissing:
        raise  # its own page (web.consent_message)
    except Forbidden:
        raise Forbidden(NOT_YOURS) from None
    children = await children_of(request, who)
    switcher = (
        children
        if len(children) > 1 and any(c["student_id"] == student_id for c in children)
        else []
    )
    return page(
        request,
        "diary/week.html",
        who,
        status_code=status_code,
        week=shown,
        marks=marks,
        schedule=schedule,
        children=switcher,
        ack_error=ack_error,
        work_types=WORK_TYPES,
        attendance=ATTENDANCE,
        special_marks=SPECIAL_MARKS,
        final_kinds=FINAL_KINDS,
        day_names=DAY_NAMES,
    )


@router.get("/students/{student_id}/diary", response_class=HTMLResponse)
async def diary_week(
    request: Request,
    who: VisitorDep,
    student_id: str,
    week: Annotated[str | None, Query(max_length=40)] = None,
) -> HTMLResponse:
    return await week_page(request, who, pupil_id(student_id), parse_week(week))


@router.post("/students/{student_id}/diary/acknowledge", response_class=HTMLResponse)
async def acknowledge(
    request: Request,
    who: WriterDep,
    student_id: str,
    week_start: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    sid = pupil_id(student_id)
    try:
        week = parse_week(week_start, "week_start")
    except Invalid as exc:
        return await week_page(
            request, who, sid, None, ack_error=exc.detail, status_code=422
        )
    if week is None:
        return await week_page(
            request, who, sid, None, ack_error="Укажите неделю.", status_code=422
        )
    outcome = await run_command(
        request,
        who,
        "acknowledge-diary",
        {"student_id": sid, "week_start": week.isoformat()},
    )
    if outcome.ok:
        target = link(request, f"/students/{sid}/diary", week=week.isoformat())
        return RedirectResponse(target, status_code=303)
    if outcome.status == 404:
        raise NotFound(NO_PUPIL)
    if outcome.status == 403 and "consent" in " ".join(outcome.errors.values()):
        # The consent gate (security.check_consent) refuses the week page too.
        await week_page(request, who, sid, week)
    if outcome.status == 403:
        raise Forbidden("Отметить ознакомление с дневником может только родитель.")
    message = " ".join(ACK_MESSAGES.get(m, m) for m in outcome.errors.values())
    return await week_page(
        request, who, sid, week, ack_error=message, status_code=outcome.status
    )
