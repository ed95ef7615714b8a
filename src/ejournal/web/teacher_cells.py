"""The journal grid's pupil cells, edited in place (htmx): marks, attendance,
makeups, corrections and correction requests. Each save runs ONE command and
answers with the re-rendered cell; a refusal (409, 422) answers with the
cell's editor showing the message and what was typed, nothing written. Refusals
of who may write (403) and unknown ids (404) are error fragments, as elsewhere.

A form posted without htmx (no script) is answered with a redirect back to the
journal, or with the error page.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse, Response

from ejournal import queries
from ejournal.web.render import (
    Outcome,
    as_of,
    page,
    read,
    run_command,
    service_of,
)
from ejournal.web.session import Visitor, VisitorDep, WriterDep
from ejournal.web.teacher_forms import Text, form_answer, path_id, refused
from ejournal.web.teacher_view import (
    ATTENDANCE_CHOICES,
    DEFAULT_WORK_TYPE,
    WORK_TYPES,
    cell_view,
)

router = APIRouter(include_in_schema=False)


# -- a pupil's cell ------------------------------------------------------------------
async def cell_response(
    request: Request,
    who: Visitor,
    lesson_id: str,
    student_id: str,
    *,
    editing: bool = False,
    failed: str | None = None,
    outcome: Outcome | None = None,
    typed: dict[str, Any] | None = None,
    asked: dict[str, bool] | None = None,
    notice: str = "",
) -> Response:
    data = await read(
        request,
        queries.journal_cell,
        service_of(request),
        who.actor,
        lesson_id,
        student_id,
        as_of(request),
    )
    status, errors, back = form_answer(request, outcome, data["course_id"], lesson_id)
    if back is not None:
        return back
    view = cell_view(
        lesson_id,
        student_id,
        data["cell"],
        editable=data["writable"],
        open_marks=data["open_marks"],
        history=data["may_read_history"],
    )
    view.notice = notice
    if errors and not view.editable:  # e.g. the pupil left the class that day
        view.message = " ".join(errors.values())
    asked = asked or {}
    forms = {"mark", "attendance"} | ({"makeup"} if view.missed else set())
    forms |= {
        ("correct:" if m.open and not asked.get(m.mark_id) else "request:") + m.mark_id
        for m in view.marks
    }
    work_type = request.query_params.get("work_type", DEFAULT_WORK_TYPE)
    return page(
        request,
        "teacher/cell.html",
        who,
        status_code=status,
        c=view,
        editing=editing or bool(errors),
        failed=failed,
        errors=errors,
        typed=typed or {},
        asked=asked,
        loose=errors if failed not in forms else {},
        lesson_day=data["date"],
        work_type=work_type if work_type in WORK_TYPES else DEFAULT_WORK_TYPE,
        WORK_TYPES=WORK_TYPES,
        ATTENDANCE_CHOICES=ATTENDANCE_CHOICES,
    )


@router.get("/lessons/{lesson_id}/cells/{student_id}", response_class=HTMLResponse)
async def cell(
    request: Request, who: VisitorDep, lesson_id: str, student_id: str
) -> Response:
    lid, sid = path_id(lesson_id, "урок"), path_id(student_id, "ученик")
    return await cell_response(request, who, lid, sid)


@router.get("/lessons/{lesson_id}/cells/{student_id}/edit", response_class=HTMLResponse)
async def cell_editor(
    request: Request, who: VisitorDep, lesson_id: str, student_id: str
) -> Response:
    lid, sid = path_id(lesson_id, "урок"), path_id(student_id, "ученик")
    return await cell_response(request, who, lid, sid, editing=True)


@router.post(
    "/lessons/{lesson_id}/cells/{student_id}/mark", response_class=HTMLResponse
)
async def record_mark(
    request: Request,
    who: WriterDep,
    lesson_id: str,
    student_id: str,
    value: Text = "",
    work_type: Text = "",
) -> Response:
    lid, sid = path_id(lesson_id, "урок"), path_id(student_id, "ученик")
    body = {"lesson_id": lid, "student_id": sid, "value": value, "work_type": work_type}
    outcome = await run_command(request, who, "record-mark", body)
    refused(outcome)
    typed = {"value": value, "work_type": work_type}
    return await cell_response(
        request, who, lid, sid, failed="mark", outcome=outcome, typed=typed
    )


@router.post(
    "/lessons/{lesson_id}/cells/{student_id}/attendance", response_class=HTMLResponse
)
async def record_attendance(
    request: Request, who: WriterDep, lesson_id: str, student_id: str, code: Text = ""
) -> Response:
    lid, sid = path_id(lesson_id, "урок"), path_id(student_id, "ученик")
    body = {"lesson_id": lid, "entries": [{"student_id": sid, "code": code}]}
    outcome = await run_command(request, who, "record-attendance", body)
    refused(outcome)
    return await cell_response(
        request,
        who,
        lid,
        sid,
        failed="attendance",
        outcome=outcome,
        typed={"code": code},
    )


@router.post(
    "/lessons/{lesson_id}/cells/{student_id}/makeup", response_class=HTMLResponse
)
async def record_makeup(
    request: Request,
    who: WriterDep,
    lesson_id: str,
    student_id: str,
    value: Text = "",
    work_type: Text = "",
    protocol: Text = "",
) -> Response:
    lid, sid = path_id(lesson_id, "урок"), path_id(student_id, "ученик")
    body = {
        "lesson_id": lid,
        "student_id": sid,
        "value": value,
        "work_type": work_type,
        "protocol": protocol,
    }
    outcome = await run_command(request, who, "record-makeup", body)
    refused(outcome)
    typed = {"value": value, "work_type": work_type, "protocol": protocol}
    return await cell_response(
        request, who, lid, sid, failed="makeup", outcome=outcome, typed=typed
    )


@router.post(
    "/lessons/{lesson_id}/cells/{student_id}/marks/{mark_id}/correct",
    response_class=HTMLResponse,
)
async def correct_mark(
    request: Request,
    who: WriterDep,
    lesson_id: str,
    student_id: str,
    mark_id: str,
    value: Text = "",
    reason: Text = "",
) -> Response:
    lid, sid = path_id(lesson_id, "урок"), path_id(student_id, "ученик")
    mid = path_id(mark_id, "отметка")
    body = {"mark_id": mid, "value": value or None, "reason": reason}
    outcome = await run_command(request, who, "correct-mark", body)
    refused(outcome)
    typed = {"value": value, "reason": reason}
    if outcome.status == 409 and "mark_id" in outcome.errors:
        # Past the entry window (or not the author): offer the request instead.
        return await cell_response(
            request,
            who,
            lid,
            sid,
            failed=f"request:{mid}",
            outcome=outcome,
            typed=typed,
            asked={mid: True},
        )
    return await cell_response(
        request, who, lid, sid, failed=f"correct:{mid}", outcome=outcome, typed=typed
    )


@router.post(
    "/lessons/{lesson_id}/cells/{student_id}/marks/{mark_id}/request-correction",
    response_class=HTMLResponse,
)
async def request_correction(
    request: Request,
    who: WriterDep,
    lesson_id: str,
    student_id: str,
    mark_id: str,
    value: Text = "",
    reason: Text = "",
) -> Response:
    lid, sid = path_id(lesson_id, "урок"), path_id(student_id, "ученик")
    mid = path_id(mark_id, "отметка")
    body = {"mark_id": mid, "value": value or None, "reason": reason}
    outcome = await run_command(request, who, "request-correction", body)
    refused(outcome)
    return await cell_response(
        request,
        who,
        lid,
        sid,
        failed=f"request:{mid}",
        outcome=outcome,
        typed={"value": value, "reason": reason},
        asked={mid: True},
        notice="Запрос на исправление отправлен директору." if outcome.ok else "",
    )
