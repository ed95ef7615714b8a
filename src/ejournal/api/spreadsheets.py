"""Spreadsheets: the summary sheet, the control and compliance reports and a
course journal as XLSX, and the event browser's list as CSV, with the same
parameters, validation and role policy as their JSON twins (they call the same
``ejournal.queries``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Query
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response, StreamingResponse

from ejournal.api.audit import PRINTABLE, _instant, _uuid_filter
from ejournal.api.deps import ActorDep, ServiceDep
from ejournal.api.journals import ERRORS, AsOf, moment, uuid_id
from ejournal.datebounds import Day, Moment
from ejournal.printouts import sheets
from ejournal.security import EVENT_READERS

router = APIRouter(tags=["documents"])
XLSX_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {sheets.XLSX: {}}, "description": "The workbook (XLSX)"}
}
CSV_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {sheets.CSV: {}},
        "description": "The events as CSV (UTF-8 with a BOM), at most "
        f"{sheets.CSV_MAX_ROWS:,} rows",
    }
}


def xlsx(body: bytes, name: str) -> Response:
    return Response(
        body,
        media_type=sheets.XLSX,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def csv_stream(lines: Iterator[bytes], name: str) -> StreamingResponse:
    return StreamingResponse(
        lines,
        media_type=sheets.CSV,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get(
    "/classes/{class_id}/summary.xlsx",
    responses={**ERRORS, **XLSX_RESPONSE},
    response_class=Response,
)
async def summary_xlsx(
    class_id: str,
    actor: ActorDep,
    service: ServiceDep,
    year_id: str | None = None,
    as_of: AsOf = None,
) -> Response:
    """The class summary sheet (who may read ``/classes/{id}/summary``)."""
    body = await run_in_threadpool(
        sheets.summary_xlsx,
        service,
        actor,
        uuid_id(class_id, "class"),
        uuid_id(year_id, "academic year") if year_id else None,
        moment(as_of),
    )
    return xlsx(body, "summary.xlsx")


@router.get(
    "/reports/control.xlsx",
    responses={**ERRORS, **XLSX_RESPONSE},
    response_class=Response,
)
async def control_xlsx(
    actor: ActorDep,
    service: ServiceDep,
    year_id: str,
    period_id: str | None = None,
    class_id: str | None = None,
    as_of: AsOf = None,
) -> Response:
    """The deputy's control of the journal, a row per course."""
    body = await run_in_threadpool(
        sheets.control_xlsx,
        service,
        actor,
        uuid_id(year_id, "academic year"),
        uuid_id(period_id, "period") if period_id else None,
        uuid_id(class_id, "class") if class_id else None,
        moment(as_of),
    )
    return xlsx(body, "control.xlsx")


@router.get(
    "/reports/compliance.xlsx",
    responses={**ERRORS, **XLSX_RESPONSE},
    response_class=Response,
)
async def compliance_xlsx(
    actor: ActorDep,
    service: ServiceDep,
    from_: Annotated[Day | None, Query(alias="from")] = None,
    to: Day | None = None,
    as_of: AsOf = None,
) -> Response:
    """Late entries with their due and recorded times (school time)."""
    body = await run_in_threadpool(
        sheets.compliance_xlsx, service, actor, from_, to, moment(as_of)
    )
    return xlsx(body, "compliance.xlsx")


@router.get(
    "/courses/{course_id}/journal.xlsx",
    responses={**ERRORS, **XLSX_RESPONSE},
    response_class=Response,
)
async def journal_xlsx(
    course_id: str,
    actor: ActorDep,
    service: ServiceDep,
    period_id: str | None = None,
    as_of: AsOf = None,
) -> Response:
    """A course journal: pupils × lessons, and a sheet of the lessons."""
    body = await run_in_threadpool(
        sheets.journal_xlsx,
        service,
        actor,
        uuid_id(course_id, "course"),
        uuid_id(period_id, "period") if period_id else None,
        moment(as_of),
    )
    return xlsx(body, "journal.xlsx")


@router.get(
    "/audit/events.csv",
    responses={**ERRORS, **CSV_RESPONSE},
    response_class=StreamingResponse,
)
async def events_csv(
    actor: ActorDep,
    service: ServiceDep,
    account_id: Annotated[
        str | None, Query(max_length=64, description="The acting account")
    ] = None,
    session_id: Annotated[
        str | None,
        Query(max_length=200, pattern=PRINTABLE, description="The session it acted in"),
    ] = None,
    stream_id: Annotated[str | None, Query(max_length=64)] = None,
    type_: Annotated[
        str | None,
        Query(
            alias="type",
            max_length=100,
            pattern=PRINTABLE,
            description="Event type, e.g. MarkRecorded",
        ),
    ] = None,
    since: Annotated[Moment | None, Query(description="Recorded at or after")] = None,
    until: Annotated[
        Moment | None, Query(description="Recorded at or before")
    ] = None,
    include_voided: bool = False,
    as_of: AsOf = None,
) -> StreamingResponse:
    """The events of ``/audit/events`` under the same filters, every page of
    them in log order (at most 100,000 rows): columns position, recorded_at,
    type, stream, actor, session, address, command, voided, data (JSON)."""
    actor.require(*EVENT_READERS)
    filters: dict[str, Any] = {
        "account_id": _uuid_filter(account_id, "account_id"),
        "session_id": session_id,
        "stream_id": _uuid_filter(stream_id, "stream_id"),
        "type_": type_,
        "since": _instant(since, "since"),
        "until": _instant(until, "until"),
        "include_voided": include_voided,
    }
    at = _instant(as_of, "as_of")
    lines = await run_in_threadpool(
        lambda: sheets.events_csv(service, actor, as_of=at, **filters)
    )
    return csv_stream(lines, "events.csv")
