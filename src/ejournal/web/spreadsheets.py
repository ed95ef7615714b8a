"""Pages: the spreadsheets for a signed-in visitor (cookie session), the same
workbooks and role policy as ``/api/v1/…xlsx``; a refusal is an error page.

The event list's CSV takes the event browser's own filters (``account``,
``stream``, ``type``, ``since``/``until`` in school time, ``voided``), so the
page's link carries what the visitor filtered."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.responses import Response, StreamingResponse

from ejournal import queries
from ejournal.api.spreadsheets import csv_stream, xlsx
from ejournal.domain.errors import Forbidden, Invalid, NotFound
from ejournal.printouts import sheets
from ejournal.web.admin_common import (
    EVENT_LABELS,
    LOCAL_HINT,
    filter_uuid,
    parse_local,
)
from ejournal.web.audit import UUID_HINT, may_browse
from ejournal.web.printouts import _day, _id
from ejournal.web.render import as_of, read, service_of
from ejournal.web.session import VisitorDep

router = APIRouter(include_in_schema=False)
Filter = Annotated[str, Query(max_length=100)]


@router.get("/classes/{class_id}/summary.xlsx")
async def summary_xlsx(
    request: Request, class_id: str, who: VisitorDep, year_id: str | None = None
) -> Response:
    body = await read(
        request, sheets.summary_xlsx, service_of(request), who.actor,
        _id(class_id, "класс") or "", _id(year_id, "год"), as_of(request),
    )  # fmt: skip
    return xlsx(body, "summary.xlsx")


@router.get("/courses/{course_id}/journal.xlsx")
async def journal_xlsx(
    request: Request, course_id: str, who: VisitorDep, period_id: str | None = None
) -> Response:
    body = await read(
        request, sheets.journal_xlsx, service_of(request), who.actor,
        _id(course_id, "курс") or "", _id(period_id, "период"), as_of(request),
    )  # fmt: skip
    return xlsx(body, "journal.xlsx")


@router.get("/reports/control.xlsx")
async def control_xlsx(
    request: Request,
    who: VisitorDep,
    year_id: str | None = None,
    period_id: str | None = None,
    class_id: str | None = None,
) -> Response:
    """As the control page: without a year, the current one."""
    service, moment = service_of(request), as_of(request)
    year = _id(year_id, "учебный год")
    if year is None:
        listing = await read(
            request, queries.school_classes, service, who.actor, None, moment
        )
        if not listing["reads_reports"]:
            raise Forbidden("Отчёты открывают завуч, директор и администратор.")
        if not listing["year"]:
            raise NotFound("Учебного года нет.")
        year = str(listing["year"]["year_id"])
    body = await read(
        request, sheets.control_xlsx, service, who.actor, year,
        _id(period_id, "период"), _id(class_id, "класс"), moment,
    )  # fmt: skip
    return xlsx(body, "control.xlsx")


@router.get("/reports/compliance.xlsx")
async def compliance_xlsx(
    request: Request,
    who: VisitorDep,
    from_: Annotated[str | None, Query(alias="from", max_length=40)] = None,
    to: Annotated[str | None, Query(max_length=40)] = None,
) -> Response:
    body = await read(
        request, sheets.compliance_xlsx, service_of(request), who.actor,
        _day(from_, "from"), _day(to, "to"), as_of(request),
    )  # fmt: skip
    return xlsx(body, "compliance.xlsx")


@router.get("/audit/events.csv")
async def events_csv(
    request: Request,
    who: VisitorDep,
    account: Filter = "",
    since: Filter = "",
    until: Filter = "",
    stream: Filter = "",
    kind: Annotated[str, Query(alias="type", max_length=100)] = "",
    voided: Filter = "",
) -> StreamingResponse:
    """The event browser's list, every page of it, as CSV."""
    if not may_browse(who.actor):
        raise Forbidden("Журнал событий читают аудитор и администратор.")
    filters: dict[str, Any] = {"include_voided": bool(voided)}
    for name, key, value in (
        ("account", "account_id", account),
        ("stream", "stream_id", stream),
    ):
        try:
            filters[key] = filter_uuid(value)
        except ValueError:
            raise Invalid(UUID_HINT, field=name) from None
    for name, value in (("since", since), ("until", until)):
        try:
            filters[name] = parse_local(value)
        except ValueError:
            raise Invalid(LOCAL_HINT, field=name) from None
    if kind.strip() and kind.strip() not in EVENT_LABELS:
        raise Invalid("Выберите вид события из списка.", field="type")
    filters["type_"] = kind.strip() or None
    if filters["since"] and filters["until"] and filters["since"] > filters["until"]:
        raise Invalid("Конец не может быть раньше начала.", field="until")
    service, moment = service_of(request), as_of(request)
    lines = await read(
        request,
        lambda: sheets.events_csv(service, who.actor, as_of=moment, **filters),
    )
    return csv_stream(lines, "events.csv")
