"""The director's queue of correction requests (S4: no correction of a mark
without the director's agreement): approve, or reject with a reason. The deputy,
auditor and administrator see the queue read-only."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from ejournal.domain.errors import Invalid
from ejournal.queries.correction_queue import STATUSES, correction_queue
from ejournal.web.render import (
    as_of,
    local_time,
    page,
    read,
    run_command,
    service_of,
    short_date,
)
from ejournal.web.session import Visitor, VisitorDep, WriterDep
from ejournal.web.staff_view import (
    FINAL_KINDS,
    STATUS_NAMES,
    WORK_TYPES,
    mark_text,
    uuid_or_404,
)

router = APIRouter(include_in_schema=False)
ALL = "all"
MAX_REASON = 500  # as the catalogue's reject-correction allows


@dataclass
class QueueItem:
    """One request as the queue shows it."""

    request_id: str
    status: str
    status_name: str
    pupil: str
    subject: str
    mark: str
    filed_value: str
    current_value: str
    value: str
    reason: str
    requested_by: str
    requested_at: str
    decision: str
    pending: bool
    changed_since: bool


def _mark(d: dict[str, Any]) -> str:
    if d["target"] == "lesson":
        work = WORK_TYPES.get(d["work_type"] or "", d["work_type"] or "")
        return f"урок {short_date(d['lesson_date'])}, {work}".strip(", ")
    if d["mark_kind"] == "period":
        return f"за период {d['period_name'] or ''}".strip()
    return FINAL_KINDS.get(d["mark_kind"], "итоговая")


def _value(value: str | None) -> str:
    return "вычеркнуть" if value is None else mark_text(value)


def queue_rows(requests: list[dict[str, Any]]) -> list[QueueItem]:
    out = []
    for d in requests:
        decision = ""
        if d["status"] != "pending":
            who = d["decided_by_name"] or d["decided_by"] or ""
            decision = (
                f"{STATUS_NAMES[d['status']]}: {who}, {local_time(d['decided_at'])}"
            )
            if d["rejection_reason"]:
                decision += f" — «{d['rejection_reason']}»"
        out.append(
            QueueItem(
                request_id=d["request_id"],
                status=d["status"],
                status_name=STATUS_NAMES.get(d["status"], d["status"]),
                pupil=d["student_name"] or d["student_id"],
                subject=f"{d['subject'] or ''}, {d['class_name'] or ''}".strip(", "),
                mark=_mark(d),
                filed_value=_value(d["filed_value"]),
                current_value="вычеркнута"
                if d["current_value"] is None
                else mark_text(d["current_value"]),
                value=_value(d["value"]),
                reason=d["reason"],
                requested_by=d["requested_by_name"] or d["requested_by"],
                requested_at=local_time(d["created_at"]),
                decision=decision,
                pending=d["status"] == "pending",
                changed_since=d["filed_value"] != d["current_value"],
            )
        )
    return out


async def _queue(
    request: Request,
    who: Visitor,
    status: str,
    *,
    errors: dict[str, str] | None = None,
    typed: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    wanted = None if status == ALL else status
    answer = await read(
        request,
        correction_queue,
        service_of(request),
        who.actor,
        wanted,
        as_of(request),
    )
    rows = queue_rows(answer["requests"])
    shown = {r.request_id for r in rows}
    errors = errors or {}
    return page(
        request,
        "staff/corrections.html",
        who,
        status_code=status_code,
        requests=rows,
        may_decide=answer["may_decide"],
        status=status,
        statuses=[(s, STATUS_NAMES[s]) for s in STATUSES] + [(ALL, "все")],
        errors=errors,
        stray=[message for key, message in errors.items() if key not in shown],
        typed=typed or {},
    )


def _status(value: str | None) -> str:
    status = value or "pending"
    if status != ALL and status not in STATUSES:
        raise Invalid("Нет такого состояния заявки.", field="status")
    return status


@router.get("/corrections", response_class=HTMLResponse)
async def corrections(
    request: Request, who: VisitorDep, status: str | None = None
) -> HTMLResponse:
    return await _queue(request, who, _status(status))


@router.post("/corrections/{request_id}/approve", response_model=None)
async def approve(request: Request, who: WriterDep, request_id: str) -> Response:
    rid = uuid_or_404(request_id, "заявка")
    outcome = await run_command(request, who, "approve-correction", {"request_id": rid})
    if outcome.ok:
        return RedirectResponse("/corrections", status_code=303)
    message = next(iter(outcome.errors.values()), "Не удалось утвердить.")
    return await _queue(
        request, who, "pending", errors={rid: message}, status_code=outcome.status
    )


@router.post("/corrections/{request_id}/reject", response_model=None)
async def reject(
    request: Request,
    who: WriterDep,
    request_id: str,
    reason: Annotated[str, Form(max_length=20000)] = "",
) -> Response:
    rid = uuid_or_404(request_id, "заявка")
    typed = {rid: reason}
    message = None
    if not reason.strip():
        message = "Укажите причину отказа."
    elif len(reason.strip()) > MAX_REASON:
        message = f"Причина — не длиннее {MAX_REASON} знаков."
    if message:
        return await _queue(
            request, who, "pending", errors={rid: message}, typed=typed, status_code=422
        )
    outcome = await run_command(
        request, who, "reject-correction", {"request_id": rid, "reason": reason}
    )
    if outcome.ok:
        return RedirectResponse("/corrections", status_code=303)
    message = outcome.errors.get("reason") or next(
        iter(outcome.errors.values()), "Не удалось отклонить."
    )
    return await _queue(
        request,
        who,
        "pending",
        errors={rid: message},
        typed=typed,
        status_code=outcome.status,
    )
