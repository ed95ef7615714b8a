"""A lesson's topic and homework cells of the journal grid, edited in place
(htmx): each save runs ONE command (set-lesson-topic, assign-homework) and
answers with the re-rendered cell, or with its editor and the message."""

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
from ejournal.web.teacher_grid import lesson_view

router = APIRouter(include_in_schema=False)


async def entry_response(
    request: Request,
    who: Visitor,
    lesson_id: str,
    field: str,
    *,
    editing: bool = False,
    outcome: Outcome | None = None,
    typed: dict[str, Any] | None = None,
) -> Response:
    data = await read(
        request,
        queries.lesson_entry,
        service_of(request),
        who.actor,
        lesson_id,
        as_of(request),
    )
    status, errors, back = form_answer(request, outcome, data["course_id"], lesson_id)
    if back is not None:
        return back
    view = lesson_view({**data, "lesson_id": lesson_id}, {}, data["writable"], False)
    homework = data["homework"] or {}
    return page(
        request,
        "teacher/entry.html",
        who,
        status_code=status,
        l=view,
        field=field,
        editing=editing or bool(errors),
        errors=errors,
        message=" ".join(errors.values()) if not view.editable else "",
        typed=typed or {},
        due_on=homework.get("due_on") or "",
    )


@router.get("/lessons/{lesson_id}/topic", response_class=HTMLResponse)
async def topic(request: Request, who: VisitorDep, lesson_id: str) -> Response:
    return await entry_response(request, who, path_id(lesson_id, "урок"), "topic")


@router.get("/lessons/{lesson_id}/topic/edit", response_class=HTMLResponse)
async def topic_editor(request: Request, who: VisitorDep, lesson_id: str) -> Response:
    lid = path_id(lesson_id, "урок")
    return await entry_response(request, who, lid, "topic", editing=True)


@router.post("/lessons/{lesson_id}/topic", response_class=HTMLResponse)
async def set_topic(
    request: Request, who: WriterDep, lesson_id: str, topic: Text = ""
) -> Response:
    lid = path_id(lesson_id, "урок")
    body = {"lesson_id": lid, "topic": topic}
    outcome = await run_command(request, who, "set-lesson-topic", body)
    refused(outcome)
    return await entry_response(
        request, who, lid, "topic", outcome=outcome, typed={"topic": topic}
    )


@router.get("/lessons/{lesson_id}/homework", response_class=HTMLResponse)
async def homework(request: Request, who: VisitorDep, lesson_id: str) -> Response:
    return await entry_response(request, who, path_id(lesson_id, "урок"), "homework")


@router.get("/lessons/{lesson_id}/homework/edit", response_class=HTMLResponse)
async def homework_editor(
    request: Request, who: VisitorDep, lesson_id: str
) -> Response:
    lid = path_id(lesson_id, "урок")
    return await entry_response(request, who, lid, "homework", editing=True)


@router.post("/lessons/{lesson_id}/homework", response_class=HTMLResponse)
async def assign_homework(
    request: Request,
    who: WriterDep,
    lesson_id: str,
    text: Text = "",
    due_on: Text = "",
) -> Response:
    lid = path_id(lesson_id, "урок")
    body: dict[str, Any] = {"lesson_id": lid, "text": text}
    if due_on.strip():
        body["due_on"] = due_on.strip()
    outcome = await run_command(request, who, "assign-homework", body)
    refused(outcome)
    typed = {"text": text, "due_on": due_on}
    return await entry_response(
        request, who, lid, "homework", outcome=outcome, typed=typed
    )
