"""Rendering the pages: the Jinja2 environment, what every page's template gets
(the visitor, the menu for their roles, the ``as_of`` moment, the CSRF token),
the header's "as of" moment read from the query, and running a form's command
with its errors kept for the form.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse

from ejournal.datebounds import check_moment
from ejournal.domain.errors import DomainError, Invalid
from ejournal.security import Actor
from ejournal.service import Service
from ejournal.web.session import Visitor

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")
SCHOOL_TZ = ZoneInfo("Europe/Moscow")  # the demo school's; see SchoolRules.time_zone
T = TypeVar("T")

ROLE_NAMES = {
    "admin": "администратор",
    "director": "директор",
    "deputy": "завуч",
    "secretary": "секретарь",
    "auditor": "аудитор",
    "teacher": "учитель",
    "parent": "родитель",
    "student": "ученик",
}
WEEKDAYS = ("пн", "вт", "ср", "чт", "пт", "сб", "вс")
MONTHS = (
    "января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа",
    "сентября", "октября", "ноября", "декабря",
)  # fmt: skip


@dataclass(frozen=True)
class MenuItem:
    href: str
    label: str


def menu(actor: Actor) -> list[MenuItem]:
    """The header's links for the visitor's roles (the pages themselves check)."""
    roles = actor.roles
    items = [MenuItem("/", "Главная")]
    if "teacher" in roles:
        items.append(MenuItem("/teacher", "Мои уроки"))
    if roles & {"parent", "student"}:
        items.append(MenuItem("/diary", "Дневник"))
    if roles & {"teacher", "deputy", "director", "auditor", "admin"}:
        items.append(MenuItem("/classes", "Классы и отчёты"))
    if roles & {"director", "deputy", "auditor", "admin", "teacher"}:
        items.append(MenuItem("/corrections", "Исправления"))
    if roles & {"admin", "secretary"}:
        items.append(MenuItem("/admin", "Администрирование"))
    if roles & {"auditor", "admin"}:
        items.append(MenuItem("/audit", "Аудит"))
    elif "director" in roles:
        items.append(MenuItem("/audit/marks", "История отметок"))
    return items


# -- the header's "as of" moment -------------------------------------------------
@dataclass
class Moment:
    """The ``as_of`` of a page: ``value`` as the browser's datetime-local field
    shows it (school time), ``at`` the UTC moment, or an error for the header."""

    value: str = ""
    at: datetime | None = None
    error: str | None = None


def read_moment(request: Request) -> Moment:
    raw = request.query_params.get("as_of", "").strip()
    if not raw:
        return Moment()
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError:
        return Moment(raw, None, "Момент — дата и время, например 2026-11-23T10:00.")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=SCHOOL_TZ)
    try:  # the API's range (ejournal.datebounds), so the conversion cannot overflow
        at = check_moment(parsed).astimezone(UTC)
    except ValueError:
        return Moment(
            raw,
            None,
            "Момент должен лежать между 1900 и 2199 годом, "
            "со смещением от UTC не больше ±14:00.",
        )
    local = at.astimezone(SCHOOL_TZ).replace(tzinfo=None)
    return Moment(local.isoformat(timespec="minutes"), at)


# -- filters and globals ----------------------------------------------------------
def human_date(value: str | date | None) -> str:
    if value is None or value == "":
        return ""
    day = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    return f"{day.day} {MONTHS[day.month - 1]}"


def short_date(value: str | date | None) -> str:
    if value is None or value == "":
        return ""
    day = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    return f"{day.day:02d}.{day.month:02d}"


def weekday(value: str | date) -> str:
    day = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    return WEEKDAYS[day.weekday()]


def local_time(value: str | datetime | None) -> str:
    """An RFC 3339 moment in school time, as a reader expects it."""
    if value is None or value == "":
        return ""
    moment = (
        value
        if isinstance(value, datetime)
        else datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    )
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(SCHOOL_TZ).strftime("%d.%m.%Y %H:%M")


templates.env.filters["human_date"] = human_date
templates.env.filters["short_date"] = short_date
templates.env.filters["weekday"] = weekday
templates.env.filters["local_time"] = local_time
templates.env.globals["ROLE_NAMES"] = ROLE_NAMES


def link(request: Request, path: str, **params: Any) -> str:
    """A link to another page that keeps the visitor's ``as_of``."""
    query = {k: v for k, v in params.items() if v not in (None, "")}
    as_of = request.query_params.get("as_of")
    if as_of and "as_of" not in params:
        query["as_of"] = as_of
    return path + ("?" + urlencode(query) if query else "")


def page(
    request: Request,
    template: str,
    who: Visitor | None,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    """A whole page (or, with a template under partials/, a fragment for htmx)."""
    moment = read_moment(request)
    base: dict[str, Any] = {
        "who": who,
        "actor": who.actor if who else None,
        "csrf": who.csrf if who else "",
        "menu": menu(who.actor) if who else [],
        "moment": moment,
        "reading_past": moment.at is not None,
        "link": lambda path, **params: link(request, path, **params),
        "path": request.url.path,
    }
    base.update(context)
    return templates.TemplateResponse(request, template, base, status_code=status_code)


def service_of(request: Request) -> Service:
    service: Service = request.app.state.service
    return service


def as_of(request: Request) -> datetime | None:
    """The page's moment; a malformed one is refused like a bad field."""
    moment = read_moment(request)
    if moment.error:
        raise Invalid(moment.error, field="as_of")
    return moment.at


async def read(request: Request, fn: Callable[..., T], *args: Any) -> T:
    """A read model of ejournal.queries, off the event loop."""
    return await run_in_threadpool(fn, *args)


# -- forms -------------------------------------------------------------------------
@dataclass
class Outcome:
    """A form's command: its answer, or the messages to show next to the fields
    (``errors`` by field path, "" for the form as a whole)."""

    result: dict[str, Any] | None = None
    errors: dict[str, str] = field(default_factory=dict)
    status: int = 200

    @property
    def ok(self) -> bool:
        return self.result is not None


async def run_command(
    request: Request, who: Visitor, name: str, body: dict[str, Any]
) -> Outcome:
    """Run one catalogue command as the visitor, as the API would; a refusal
    becomes messages for the form, and nothing is written."""
    service = service_of(request)
    try:
        result = await run_in_threadpool(service.execute, who.actor, name, body)
    except DomainError as exc:
        listed = getattr(exc, "errors", None)
        errors: dict[str, str] = {}
        if listed:
            for item in listed:
                errors.setdefault(item["field"], item["message"])
        else:
            errors[exc.field or ""] = exc.detail
        return Outcome(None, errors, exc.status)
    return Outcome(result)
