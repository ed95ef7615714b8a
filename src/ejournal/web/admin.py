"""Pages: the administrator's accounts — the list (login, name, roles, blocked),
creating an account, resetting a password. The incidents' pages live in
``admin_incidents`` and are mounted on this router.

Who: the administrator manages; the secretary and the auditor see the list read
only (queries.accounts decides). Roles are given when an account is created: the
catalogue has no command to grant or revoke one yet, and the page says so.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.datastructures import FormData
from starlette.responses import HTMLResponse, RedirectResponse, Response

from ejournal import queries
from ejournal.domain.errors import Forbidden, NotFound
from ejournal.security import EVENT_READERS
from ejournal.web import admin_incidents
from ejournal.web.admin_common import parse_uuid, russian
from ejournal.web.render import as_of, page, read, run_command, service_of
from ejournal.web.session import Visitor, VisitorDep, WriterDep

router = APIRouter(include_in_schema=False)
router.include_router(admin_incidents.router)

ROLES = (
    "teacher",
    "parent",
    "student",
    "secretary",
    "deputy",
    "director",
    "auditor",
    "admin",
)
LENGTH_RULE = "Пароль — от 8 до 200 знаков."
HINTS = {
    "login": "Логин — от 2 до 64 знаков: латинские буквы, цифры, «.», «_», «@», «-».",
    "login:409": "Этот логин уже занят.",
    "full_name": "Укажите фамилию и имя (до 200 знаков).",
    "password": LENGTH_RULE,
    "new_password": LENGTH_RULE,
    "roles": "Отметьте хотя бы одну роль из списка.",
}


def text(form: FormData, name: str) -> str:
    value = form.get(name, "")
    return value if isinstance(value, str) else ""


async def accounts_page(
    request: Request,
    who: Visitor,
    *,
    status_code: int = 200,
    typed: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    reset_for: str | None = None,
    reset_error: str | None = None,
    notice_id: str | None = None,
    notice: str = "",
) -> HTMLResponse:
    listing = await read(
        request, queries.accounts, service_of(request), who.actor, as_of(request)
    )
    named = {a["account_id"]: a for a in listing["accounts"]}
    return page(
        request,
        "admin/accounts.html",
        who,
        status_code=status_code,
        accounts=listing["accounts"],
        may_manage=listing["may_manage"],
        may_audit=who.actor.has(*EVENT_READERS),
        roles=ROLES,
        typed=typed or {"login": "", "full_name": "", "roles": []},
        errors=errors or {},
        reset_for=reset_for,
        reset_error=reset_error,
        notice=notice.format(**named[notice_id]) if notice_id in named else "",
    )


@router.get("/admin", response_class=HTMLResponse)
async def accounts(
    request: Request,
    who: VisitorDep,
    created: str | None = None,
    reset: str | None = None,
) -> HTMLResponse:
    if created:
        notice_id, notice = created, "Учётная запись «{login}» создана."
    elif reset:
        notice_id, notice = reset, "Пароль «{login}» сброшен: её сеансы закрыты."
    else:
        notice_id, notice = None, ""
    return await accounts_page(request, who, notice_id=notice_id, notice=notice)


@router.post("/admin/accounts", response_class=HTMLResponse)
async def create_account(request: Request, who: WriterDep) -> Response:
    form = await request.form()
    typed = {
        "login": text(form, "login").strip(),
        "full_name": text(form, "full_name").strip(),
        "roles": [r for r in form.getlist("roles") if isinstance(r, str)],
    }
    body = {**typed, "password": text(form, "password")}
    outcome = await run_command(request, who, "create-account", body)
    if outcome.ok:
        assert outcome.result is not None
        target = f"/admin?created={outcome.result['account_id']}"
        return RedirectResponse(target, status_code=303)
    if outcome.status == 403:
        raise Forbidden("Создавать учётные записи может только администратор.")
    errors = russian(outcome.errors, outcome.status, HINTS)
    return await accounts_page(
        request, who, status_code=outcome.status, typed=typed, errors=errors
    )


@router.post("/admin/accounts/{account_id}/password", response_class=HTMLResponse)
async def reset_password(request: Request, who: WriterDep, account_id: str) -> Response:
    account_id = parse_uuid(account_id)
    form = await request.form()
    body = {"account_id": account_id, "new_password": text(form, "new_password")}
    outcome = await run_command(request, who, "reset-password", body)
    if outcome.ok:
        return RedirectResponse(f"/admin?reset={account_id}", status_code=303)
    if outcome.status == 403:
        raise Forbidden("Сбрасывать пароли может только администратор.")
    if outcome.status == 404:
        raise NotFound("Нет такой учётной записи.")
    errors = russian(outcome.errors, outcome.status, HINTS)
    return await accounts_page(
        request,
        who,
        status_code=outcome.status,
        reset_for=account_id,
        reset_error=errors.get("new_password") or next(iter(errors.values()), ""),
    )
