"""Sign-in, sign-out and the home page (what each role starts from)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse, RedirectResponse, Response

from ejournal.domain.errors import DomainError
from ejournal.web.render import menu, page, service_of
from ejournal.web.session import (
    VisitorDep,
    WriterDep,
    check_login_csrf,
    clear_session_cookie,
    login_csrf,
    set_login_csrf,
    set_session_cookie,
)

router = APIRouter(include_in_schema=False)


def safe_next(value: str | None) -> str:
    """Where to go after sign-in: a path of this site only (no open redirect)."""
    if not value or not value.startswith("/") or value.startswith("//"):
        return "/"
    if "\\" in value or any(ord(c) < 32 for c in value):
        return "/"
    return value


def _login_page(
    request: Request,
    *,
    login: str = "",
    error: str | None = None,
    next_path: str = "/",
    status_code: int = 200,
) -> HTMLResponse:
    token = login_csrf(request)
    response = page(
        request,
        "login.html",
        None,
        status_code=status_code,
        login=login,
        error=error,
        next_path=next_path,
        login_csrf=token,
    )
    set_login_csrf(request, response, token)
    return response


@router.get("/login", response_class=HTMLResponse)
async def login_form(request: Request, next: str | None = None) -> HTMLResponse:
    return _login_page(request, next_path=safe_next(next))


@router.post("/login", response_class=HTMLResponse)
async def login(
    request: Request,
    login: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=200)] = "",
    csrf: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    target = safe_next(next)
    try:
        check_login_csrf(request, csrf)
    except DomainError as exc:
        return _login_page(
            request, login=login, error=exc.detail, next_path=target, status_code=403
        )
    if not login.strip() or not password:
        return _login_page(
            request,
            login=login,
            error="Введите логин и пароль.",
            next_path=target,
            status_code=422,
        )
    if any(ord(c) < 32 or ord(c) == 127 for c in login):
        return _login_page(
            request,
            login="",
            error="В логине не может быть управляющих символов.",
            next_path=target,
            status_code=422,
        )
    service = service_of(request)
    client = request.client.host if request.client else None
    try:
        answer = await run_in_threadpool(service.login, login, password, client)
    except DomainError as exc:
        message = {
            401: "Неверный логин или пароль.",
            429: "Слишком много неудачных попыток: подождите 15 минут.",
        }.get(exc.status, exc.detail)
        if exc.status == 401 and "deactivated" in exc.detail:
            # Said only after the password matched (sessions.Sessions.login).
            message = "Учётная запись отключена: обратитесь к администратору школы."
        response = _login_page(
            request,
            login=login,
            error=message,
            next_path=target,
            status_code=exc.status,
        )
        for name, value in (getattr(exc, "headers", None) or {}).items():
            response.headers[name] = value
        return response
    redirect = RedirectResponse(target, status_code=303)
    set_session_cookie(request, redirect, answer["token"])
    return redirect


@router.post("/logout")
async def logout(request: Request, who: WriterDep) -> Response:
    service = service_of(request)
    await run_in_threadpool(service.logout, who.actor)
    redirect = RedirectResponse("/login", status_code=303)
    clear_session_cookie(request, redirect)
    return redirect


@router.get("/", response_class=HTMLResponse)
async def home(request: Request, who: VisitorDep) -> HTMLResponse:
    return page(request, "home.html", who, links=menu(who.actor)[1:])
