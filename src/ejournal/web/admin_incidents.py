"""Pages: security incidents — the list, reporting a compromise, one incident's
preview of what will be voided (counts, and by course with the entries), the
"Аннулировать" button, the outcome, and reinstating a single voided event.

Who: the administrator acts; the auditor reads the list and each incident
(queries.incidents, queries.incident_preview decide).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from ejournal import queries
from ejournal.domain.errors import Forbidden, NotFound
from ejournal.web.admin_common import (
    KIND_LABELS,
    LOCAL_HINT,
    event_label,
    local_input,
    parse_local,
    parse_uuid,
    russian,
)
from ejournal.web.render import as_of, page, read, run_command, service_of
from ejournal.web.session import Visitor, VisitorDep, WriterDep

router = APIRouter(include_in_schema=False)

HINTS = {
    "account_id": "Выберите учётную запись из списка.",
    "account_id:409": "Нельзя сообщить о своей учётной записи: это делает другой "
    "администратор.",
    "reported_at": "Время сообщения не может быть позже текущего.",
    "since": "Начало не может быть позже времени сообщения.",
    "note": "Опишите, что случилось (до 4000 знаков).",
    "reason": "Укажите причину восстановления (до 500 знаков).",
    "version:409": "Это событие не аннулировано этим инцидентом.",
}
CONFIRM = "Отметьте, что вы проверили список: аннулирование затронет все эти события."


def text(form: Any, name: str) -> str:
    value = form.get(name, "")
    return value if isinstance(value, str) else ""


@router.get("/admin/incidents", response_class=HTMLResponse)
async def incident_list(request: Request, who: VisitorDep) -> HTMLResponse:
    listing = await read(
        request, queries.incidents, service_of(request), who.actor, as_of(request)
    )
    return page(
        request,
        "admin/incidents.html",
        who,
        incidents=listing["incidents"],
        may_manage=listing["may_manage"],
    )


# -- reporting a compromise --------------------------------------------------------
async def report_form(
    request: Request,
    who: Visitor,
    typed: dict[str, str],
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    listing = await read(request, queries.accounts, service_of(request), who.actor)
    if not listing["may_manage"]:
        raise Forbidden("Сообщить о нарушении может только администратор.")
    return page(
        request,
        "admin/incident_new.html",
        who,
        status_code=status_code,
        accounts=[
            a for a in listing["accounts"] if a["account_id"] != who.actor.account_id
        ],
        typed=typed,
        errors=errors or {},
    )


@router.get("/admin/incidents/new", response_class=HTMLResponse)
async def new_incident(
    request: Request, who: VisitorDep, account_id: str = ""
) -> HTMLResponse:
    now = service_of(request).clock()
    typed = {
        "account_id": account_id.strip(),
        "reported_at": local_input(now),
        "since": "",
        "note": "",
    }
    return await report_form(request, who, typed)


@router.post("/admin/incidents", response_class=HTMLResponse)
async def report(request: Request, who: WriterDep) -> Response:
    form = await request.form()
    typed = {
        k: text(form, k).strip() for k in ("account_id", "reported_at", "since", "note")
    }
    errors: dict[str, str] = {}
    moments: dict[str, str] = {}
    for name in ("reported_at", "since"):
        try:
            moment = parse_local(typed[name])
        except ValueError:
            errors[name] = LOCAL_HINT
            continue
        if moment is not None:
            moments[name] = moment.isoformat()
    if "reported_at" not in moments and "reported_at" not in errors:
        errors["reported_at"] = "Укажите, когда стало известно о нарушении."
    listing = await read(request, queries.accounts, service_of(request), who.actor)
    known = {a["account_id"] for a in listing["accounts"]}
    if typed["account_id"] not in known:
        errors["account_id"] = "Нет такой учётной записи: выберите её из списка."
    if errors:
        return await report_form(request, who, typed, errors, status_code=422)
    body = {"account_id": typed["account_id"], "note": typed["note"], **moments}
    outcome = await run_command(request, who, "report-compromise", body)
    if outcome.ok:
        assert outcome.result is not None
        target = f"/admin/incidents/{outcome.result['incident_id']}"
        return RedirectResponse(target, status_code=303)
    if outcome.status == 403:
        raise Forbidden("Сообщить о нарушении может только администратор.")
    errors = russian(outcome.errors, outcome.status, HINTS)
    return await report_form(request, who, typed, errors, status_code=outcome.status)


# -- one incident ------------------------------------------------------------------
async def incident_page(
    request: Request,
    who: Visitor,
    incident_id: str,
    *,
    status_code: int = 200,
    **extra: Any,
) -> HTMLResponse:
    service, moment = service_of(request), as_of(request)
    preview = await read(
        request, queries.incident_preview, service, who.actor, incident_id, moment
    )
    story = await read(
        request, queries.incident_story, service, who.actor, incident_id, moment
    )
    context: dict[str, Any] = {
        "confirm_error": None,
        "reinstate_key": None,
        "reinstate_reason": "",
        "reinstate_error": None,
    }
    context.update(extra)
    context["reinstate_listed"] = any(
        f"{e['stream_id']}:{e['version']}" == context["reinstate_key"]
        for e in story["voided_events"]
    )
    return page(
        request,
        "admin/incident.html",
        who,
        status_code=status_code,
        preview=preview,
        story=story,
        by_type=sorted(
            ((event_label(t), n) for t, n in preview["by_type"].items()),
            key=lambda x: -x[1],
        ),
        label=event_label,
        kinds=KIND_LABELS,
        **context,
    )


@router.get("/admin/incidents/{incident_id}", response_class=HTMLResponse)
async def incident(request: Request, who: VisitorDep, incident_id: str) -> HTMLResponse:
    return await incident_page(request, who, parse_uuid(incident_id))


@router.post("/admin/incidents/{incident_id}/execute", response_class=HTMLResponse)
async def execute(request: Request, who: WriterDep, incident_id: str) -> Response:
    incident_id = parse_uuid(incident_id)
    form = await request.form()
    if text(form, "confirm") != "yes":
        return await incident_page(
            request, who, incident_id, status_code=422, confirm_error=CONFIRM
        )
    outcome = await run_command(
        request, who, "execute-invalidation", {"incident_id": incident_id}
    )
    refusal = {"confirm_error": next(iter(outcome.errors.values()), None)}
    return await _after(request, who, incident_id, outcome.ok, outcome.status, refusal)


@router.post("/admin/incidents/{incident_id}/reinstate", response_class=HTMLResponse)
async def reinstate(request: Request, who: WriterDep, incident_id: str) -> Response:
    incident_id = parse_uuid(incident_id)
    form = await request.form()
    stream_id, version, reason = (
        text(form, "stream_id").strip(),
        text(form, "version").strip(),
        text(form, "reason").strip(),
    )
    key = f"{stream_id}:{version}"
    if not version.isdigit() or len(version) > 18:
        raise NotFound("Такого события нет.")
    body = {
        "incident_id": incident_id,
        "stream_id": parse_uuid(stream_id),
        "version": int(version),
        "reason": reason,
    }
    outcome = await run_command(request, who, "reinstate-event", body)
    errors = russian(outcome.errors, outcome.status, HINTS)
    refusal = {
        "reinstate_key": key,
        "reinstate_reason": reason,
        "reinstate_error": errors.get("reason") or next(iter(errors.values()), None),
    }
    return await _after(request, who, incident_id, outcome.ok, outcome.status, refusal)


async def _after(
    request: Request,
    who: Visitor,
    incident_id: str,
    ok: bool,
    status: int,
    refusal: dict[str, Any],
) -> Response:
    """Back to the incident after a command: its new state, or the refusal."""
    if ok:
        return RedirectResponse(f"/admin/incidents/{incident_id}", status_code=303)
    if status == 403:
        raise Forbidden("Это может сделать только администратор.")
    if status == 404:
        raise NotFound("Нет такого инцидента или события.")
    return await incident_page(request, who, incident_id, status_code=status, **refusal)
