"""The pages' sign-in: the API's session token in a cookie, and CSRF tokens.

The cookie holds the same session token ``POST /auth/login`` hands out, so a
page load authenticates exactly as an API call does (sessions.Sessions): a
revoked, expired or compromised session is refused on the next page load, and
logins are throttled alike. The cookie is HttpOnly, SameSite=Lax, and Secure
when the page is served over TLS.

CSRF: every form and every htmx request carries a token derived from the session
token (an HMAC of it), which a page of another origin cannot read nor compute;
before sign-in the login form uses a random double-submit cookie instead.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from ejournal.domain.errors import DomainError, Forbidden, Unauthorized
from ejournal.security import Actor
from ejournal.service import Service

COOKIE = "ej_session"
LOGIN_CSRF_COOKIE = "ej_login_csrf"
CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"
MAX_TOKEN = 512


class SignInNeeded(DomainError):
    """No live session behind the page's cookie: the page answers with the
    sign-in form (a redirect to /login, remembering where the user was)."""

    status = 401
    title = "Sign in"


def csrf_for(token: str) -> str:
    return hmac.new(b"ejournal-csrf-v1", token.encode(), hashlib.sha256).hexdigest()


def is_tls(request: Request) -> bool:
    return request.url.scheme == "https"


def set_session_cookie(request: Request, response: Response, token: str) -> None:
    response.set_cookie(
        COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=is_tls(request),
        path="/",
    )


def clear_session_cookie(request: Request, response: Response) -> None:
    response.delete_cookie(
        COOKIE, path="/", httponly=True, samesite="lax", secure=is_tls(request)
    )


def login_csrf(request: Request) -> str:
    """The login form's double-submit token: the cookie's, or a new one."""
    current = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if 16 <= len(current) <= 128:
        return current
    return secrets.token_urlsafe(24)


def set_login_csrf(request: Request, response: Response, value: str) -> None:
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        value,
        httponly=True,
        samesite="lax",
        secure=is_tls(request),
        path="/login",
    )


def check_login_csrf(request: Request, sent: str) -> None:
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not cookie or not hmac.compare_digest(cookie.encode(), sent.encode()):
        raise Forbidden("Форма устарела: откройте страницу входа ещё раз.")


@dataclass(frozen=True)
class Visitor:
    """The signed-in person of a page request: who they are, and the token
    their forms must carry."""

    actor: Actor
    csrf: str


def _client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


async def visitor(request: Request) -> Visitor:
    token = request.cookies.get(COOKIE, "")
    if not token or len(token) > MAX_TOKEN:
        raise SignInNeeded("Войдите, чтобы открыть эту страницу.")
    service: Service = request.app.state.service
    try:
        actor = await run_in_threadpool(
            service.authenticate, token, _client_ip(request)
        )
    except Unauthorized:
        raise SignInNeeded("Сеанс завершён: войдите снова.") from None
    return Visitor(actor, csrf_for(token))


async def writer(
    request: Request, who: Annotated[Visitor, Depends(visitor)]
) -> Visitor:
    """A visitor sending a form or an htmx request: the CSRF token must match."""
    sent = request.headers.get(CSRF_HEADER, "")
    if not sent:
        form = await request.form()
        value = form.get(CSRF_FIELD, "")
        sent = value if isinstance(value, str) else ""
    if not sent or not hmac.compare_digest(sent.encode(), who.csrf.encode()):
        raise Forbidden("Форма устарела или пришла не с этой страницы: обновите её.")
    return who


VisitorDep = Annotated[Visitor, Depends(visitor)]
WriterDep = Annotated[Visitor, Depends(writer)]
