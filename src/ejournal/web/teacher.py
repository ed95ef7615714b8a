"""The teacher's pages: "Мои уроки" (today's lessons and the courses), the
course journal as a grid (pupils × lessons, with topics, homework, averages and
period marks), one lesson's sheet for its substitute, and a mark's history.
The grid's cells are edited in place through teacher_cells (htmx)."""

from __future__ import annotations

from datetime import date, timedelta

from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse

from ejournal import queries
from ejournal.domain.base import SYSTEM_ACTOR
from ejournal.domain.errors import Forbidden
from ejournal.web import teacher_cells, teacher_entries
from ejournal.web.render import as_of, link, page, read, service_of
from ejournal.web.session import Visitor, VisitorDep
from ejournal.web.teacher_forms import path_id
from ejournal.web.teacher_grid import build_grid
from ejournal.web.teacher_view import ATTENDANCE_CHOICES, DEFAULT_WORK_TYPE, WORK_TYPES

router = APIRouter(include_in_schema=False)
router.include_router(teacher_cells.router)
router.include_router(teacher_entries.router)

ACTIONS = {
    "MarkRecorded": "поставлена",
    "MakeupRecorded": "зачёт темы",
    "MarkCorrected": "исправлена",
    "PeriodMarkSet": "выставлена",
    "FinalMarkSet": "выставлена",
    "CourseMarkCorrected": "исправлена",
}
HISTORY_REFUSAL = (
    "История исправлений отметки доступна директору, аудитору и администратору."
)


@router.get("/teacher", response_class=HTMLResponse)
async def my_lessons(
    request: Request, who: VisitorDep, day: date | None = None
) -> HTMLResponse:
    if not who.actor.has("teacher"):
        raise Forbidden("Страница «Мои уроки» — для учителей.")
    service = service_of(request)
    moment = as_of(request)
    shown = await read(request, queries.my_lessons, service, who.actor, day, moment)
    courses = await read(request, queries.my_courses, service, who.actor)
    lessons = [
        {
            **x,
            "href": link(
                request, f"/courses/{x['course_id']}/journal", lesson=x["lesson_id"]
            )
            if x["own_course"]
            else link(request, f"/lessons/{x['lesson_id']}"),
        }
        for x in shown["lessons"]
    ]
    current = date.fromisoformat(shown["date"])
    return page(
        request,
        "teacher/lessons.html",
        who,
        day=shown["date"],
        today=shown["today"],
        prev_day=_shift(current, -1),
        next_day=_shift(current, 1),
        lessons=lessons,
        courses=courses["courses"],
    )


def _shift(day: date, days: int) -> str:
    try:
        return (day + timedelta(days=days)).isoformat()
    except OverflowError:
        return day.isoformat()


@router.get("/courses/{course_id}/journal", response_class=HTMLResponse)
async def course_journal(
    request: Request,
    who: VisitorDep,
    course_id: str,
    period_id: str | None = None,
    lesson: str | None = None,
) -> HTMLResponse:
    cid = path_id(course_id, "предмет")
    period = (
        period_id if period_id in (None, "", "all") else path_id(period_id, "период")
    )
    focus = path_id(lesson, "урок") if lesson else None
    answer = await read(
        request,
        queries.journal_grid,
        service_of(request),
        who.actor,
        cid,
        period or None,
        focus,
        as_of(request),
    )
    return _journal_page(request, who, answer)


@router.get("/lessons/{lesson_id}", response_class=HTMLResponse)
async def lesson_sheet(
    request: Request, who: VisitorDep, lesson_id: str
) -> HTMLResponse:
    lid = path_id(lesson_id, "урок")
    answer = await read(
        request,
        queries.lesson_sheet,
        service_of(request),
        who.actor,
        lid,
        as_of(request),
    )
    return _journal_page(request, who, answer)


def _journal_page(
    request: Request, who: Visitor, answer: dict[str, object]
) -> HTMLResponse:
    grid = build_grid(answer)
    return page(
        request,
        "teacher/journal.html",
        who,
        grid=grid,
        journal=answer["journal"],
        class_name=answer["class_name"],
        teacher_name=answer["teacher_name"],
        period_id=answer["period_id"],
        sheet=answer["sheet"],
        focus=answer.get("focus"),
        work_type=DEFAULT_WORK_TYPE,
        WORK_TYPES=WORK_TYPES,
        ATTENDANCE_CHOICES=ATTENDANCE_CHOICES,
    )


@router.get("/journal/marks/{mark_id}/history", response_class=HTMLResponse)
async def mark_history(request: Request, who: VisitorDep, mark_id: str) -> HTMLResponse:
    mid = path_id(mark_id, "отметка")
    fragment = bool(request.headers.get("hx-request"))
    template = "teacher/history.html" if fragment else "teacher/history_page.html"
    try:
        history = await read(
            request,
            queries.mark_history_named,
            service_of(request),
            who.actor,
            mid,
            as_of(request),
        )
    except Forbidden:
        # A polite refusal where the history would go (htmx swaps a 200 only).
        return page(
            request,
            template,
            who,
            status_code=200 if fragment else 403,
            refusal=HISTORY_REFUSAL,
        )
    names = {SYSTEM_ACTOR: "система", **history["names"]}
    return page(request, template, who, history=history, names=names, ACTIONS=ACTIONS)
