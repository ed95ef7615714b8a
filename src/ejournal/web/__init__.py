"""The web pages: server-rendered with Jinja2, enhanced with htmx (vendored in
static/), on the same service layer as the API: reads through ejournal.queries
(the same permission checks and ``as_of``), writes through the command
catalogue. Pages live under ``/``; the API stays under ``/api/v1``.

One module per group of pages: ``auth`` (sign-in, home), ``teacher`` (my
lessons, the course journal grid), ``diary`` (parents and pupils), ``staff``
(class journals, reports, the correction queue), ``admin`` (accounts,
incidents), ``audit`` (the event browser, mark history, the ledger).
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import RedirectResponse, Response

from ejournal.api.errors import domain_problem, http_problem, validation_problem
from ejournal.domain.errors import ConsentMissing, DomainError
from ejournal.web import (
    admin,
    audit,
    auth,
    diary,
    printouts,
    spreadsheets,
    staff,
    teacher,
)
from ejournal.web.render import HERE, page
from ejournal.web.session import SignInNeeded

NOT_PAGES = ("/api/", "/docs", "/redoc", "/openapi.json", "/static/")


def is_page(request: Request) -> bool:
    path = request.url.path
    return not any(path.startswith(prefix) for prefix in NOT_PAGES)


def consent_message(exc: ConsentMissing) -> str:
    """A guardian refused the diary for want of consent (152-ФЗ), in words."""
    if exc.withdrawn:
        state = "согласие на обработку персональных данных отозвано"
    else:
        state = "согласие на обработку персональных данных не записано"
    return (
        f"Электронный дневник недоступен: {state}. Согласие родителя (законного "
        "представителя) записывает секретарь школы — обратитесь к нему. До тех "
        "пор дневник можно получить на бумаге у классного руководителя."
    )


def error_page(request: Request, status: int, message: str) -> Response:
    if request.headers.get("hx-request"):
        # An htmx swap shows the message where the fragment would go.
        return page(
            request,
            "partials/error.html",
            None,
            status_code=status,
            status=status,
            message=message,
        )
    return page(
        request,
        "error.html",
        None,
        status_code=status,
        status=status,
        message=message,
    )


def install(app: FastAPI) -> None:
    """Mount the pages and their static files, and answer a page's errors with
    a page (the API's routes keep their problem+json)."""
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    for module in (auth, teacher, diary, staff, admin, audit, printouts, spreadsheets):
        app.include_router(module.router)

    async def on_domain(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, DomainError)
        if not is_page(request):
            return domain_problem(exc)
        if isinstance(exc, SignInNeeded) or exc.status == 401:
            target = request.url.path
            if request.url.query:
                target += "?" + request.url.query
            if request.headers.get("hx-request"):
                return Response(status_code=401, headers={"HX-Redirect": "/login"})
            return RedirectResponse(
                f"/login?next={quote(target, safe='')}", status_code=303
            )
        if isinstance(exc, ConsentMissing):
            return error_page(request, 403, consent_message(exc))
        return error_page(request, exc.status, exc.detail)

    async def on_validation(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        if not is_page(request):
            return validation_problem(exc)
        fields = ", ".join(
            str(err["loc"][-1]) for err in exc.errors() if err.get("loc")
        )
        return error_page(
            request, 422, f"Неверные параметры страницы: {fields or 'запрос'}."
        )

    async def on_http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if not is_page(request):
            return http_problem(exc)
        message = {
            404: "Такой страницы нет.",
            405: "Эта страница так не открывается.",
        }.get(exc.status_code, str(exc.detail))
        return error_page(request, exc.status_code, message)

    app.add_exception_handler(DomainError, on_domain)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
