"""Pages: the auditor's — the event browser (filters, paging), a mark's history,
the ledger's state.

Who: the event browser and the ledger are the auditor's and the administrator's
(security.EVENT_READERS, as queries.audit_events and queries.ledger_status
decide); a mark's history also the director's (HISTORY_READERS), who finds on
``/audit`` only the form that opens a mark's history.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from ejournal import queries
from ejournal.domain.errors import Forbidden
from ejournal.security import EVENT_READERS, HISTORY_READERS, Actor
from ejournal.web.admin_common import (
    EVENT_LABELS,
    KIND_LABELS,
    LOCAL_HINT,
    event_label,
    filter_uuid,
    parse_local,
    parse_uuid,
    short_data,
)
from ejournal.web.render import as_of, link, page, read, service_of
from ejournal.web.session import Visitor, VisitorDep

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 50
MAX_PAGE = 500
Filter = Annotated[str, Query(max_length=100)]
UUID_HINT = "Идентификатор вида 8-4-4-4-12 шестнадцатеричных знаков."


def may_browse(actor: Actor) -> bool:
    return actor.has(*EVENT_READERS)


def lookup_page(
    request: Request, who: Visitor, mark_id: str = "", error: str | None = None
) -> HTMLResponse:
    if not who.actor.has(*HISTORY_READERS):
        raise Forbidden("Историю отметок читают аудитор, администратор и директор.")
    return page(
        request,
        "audit/lookup.html",
        who,
        status_code=422 if error else 200,
        mark_id=mark_id,
        error=error,
        may_browse=may_browse(who.actor),
    )


@router.get("/audit", response_class=HTMLResponse)
async def events(
    request: Request,
    who: VisitorDep,
    account: Filter = "",
    since: Filter = "",
    until: Filter = "",
    stream: Filter = "",
    kind: Annotated[str, Query(alias="type", max_length=100)] = "",
    voided: Filter = "",
    after: Filter = "",
    limit: Filter = "",
) -> HTMLResponse:
    if not may_browse(who.actor):
        # As GET /audit/events decides; the director reads a mark's history
        # (/audit/marks), not the event browser.
        raise Forbidden("Журнал событий читают аудитор и администратор.")
    typed = {
        "account": account.strip(),
        "since": since.strip(),
        "until": until.strip(),
        "stream": stream.strip(),
        "type": kind.strip(),
        "voided": "1" if voided else "",
        "limit": limit.strip(),
    }
    errors: dict[str, str] = {}
    args: dict[str, Any] = {"include_voided": bool(voided), "limit": PAGE_SIZE}
    if typed["limit"]:
        if typed["limit"].isdigit() and 1 <= int(typed["limit"]) <= MAX_PAGE:
            args["limit"] = int(typed["limit"])
        else:
            errors["limit"] = f"По сколько событий: от 1 до {MAX_PAGE}."
    for name, key in (("account", "account_id"), ("stream", "stream_id")):
        try:
            args[key] = filter_uuid(typed[name])
        except ValueError:
            errors[name] = UUID_HINT
    for name in ("since", "until"):
        try:
            args[name] = parse_local(typed[name])
        except ValueError:
            errors[name] = LOCAL_HINT
    if typed["type"] and typed["type"] not in EVENT_LABELS:
        errors["type"] = "Выберите вид события из списка."
    args["type_"] = typed["type"] or None
    if after and not (after.isdigit() and len(after) <= 18):
        errors["after"] = "Страница задана неверно: начните с первой."
    args["after"] = int(after) if "after" not in errors and after else 0
    if args.get("since") and args.get("until") and args["since"] > args["until"]:
        errors["until"] = "Конец не может быть раньше начала."
    service, moment = service_of(request), as_of(request)
    listing = await read(request, queries.accounts, service, who.actor, moment)
    found: dict[str, Any] = {"events": [], "next": None}
    if not errors:
        found = await read(
            request,
            lambda: queries.audit_events(service, who.actor, as_of=moment, **args),
        )
    names = {a["account_id"]: a["full_name"] for a in listing["accounts"]}
    streams = await read(
        request,
        queries.display_names,
        service,
        who.actor,
        [e["stream_id"] for e in found["events"]],
    )
    rows = [_row(e, names, streams) for e in found["events"]]
    next_link = (
        link(request, "/audit", **typed, after=found["next"])
        if found["next"] is not None
        else None
    )
    return page(
        request,
        "audit/events.html",
        who,
        status_code=422 if errors else 200,
        typed=typed,
        errors=errors,
        accounts=listing["accounts"],
        types=sorted(EVENT_LABELS.items(), key=lambda t: t[1]),
        rows=rows,
        next_link=next_link,
        first_link=link(request, "/audit", **typed) if args["after"] else None,
    )


def _row(
    event: dict[str, Any], names: dict[str, str], streams: dict[str, str]
) -> dict[str, Any]:
    data = event.get("data")
    mark_id = data.get("mark_id") if isinstance(data, dict) else None
    return {
        **event,
        "label": event_label(event["type"]),
        "actor_name": names.get(event.get("actor_id") or ""),
        "stream_name": streams.get(event["stream_id"])
        or KIND_LABELS.get(event["kind"], event["kind"]),
        "short": short_data(data if isinstance(data, dict) else None),
        "mark_id": mark_id if isinstance(mark_id, str) else None,
    }


@router.get("/audit/marks", response_class=HTMLResponse)
async def find_mark(
    request: Request,
    who: VisitorDep,
    mark_id: Annotated[str, Query(max_length=100)] = "",
) -> Response:
    if not mark_id.strip():
        return lookup_page(request, who)
    try:
        found = filter_uuid(mark_id)
    except ValueError:
        return lookup_page(request, who, mark_id, UUID_HINT)
    return RedirectResponse(link(request, f"/audit/marks/{found}"), status_code=303)


@router.get("/audit/marks/{mark_id}", response_class=HTMLResponse)
async def mark_history(request: Request, who: VisitorDep, mark_id: str) -> HTMLResponse:
    service = service_of(request)
    history = await read(
        request,
        queries.mark_history,
        service,
        who.actor,
        parse_uuid(mark_id),
        as_of(request),
    )
    ids = [r["actor_id"] for r in history["revisions"]]
    names = await read(
        request,
        queries.display_names,
        service,
        who.actor,
        [*ids, history.get("student_id"), history.get("lesson_id")],
    )
    return page(
        request,
        "audit/mark.html",
        who,
        history=history,
        names=names,
        label=event_label,
        may_browse=may_browse(who.actor),
    )


@router.get("/audit/ledger", response_class=HTMLResponse)
async def ledger(request: Request, who: VisitorDep) -> HTMLResponse:
    status = await read(
        request, queries.ledger_status, service_of(request), who.actor, as_of(request)
    )
    return page(request, "audit/ledger.html", who, ledger=status)
