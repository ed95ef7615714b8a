"""Pages for the class teacher, deputy and director: the classes of the year, a
class's journal across subjects and its summary sheet (сводная ведомость). The
reports are in staff_reports, the correction queue in staff_corrections."""

from __future__ import annotations

from functools import partial
from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import HTMLResponse

from ejournal import queries
from ejournal.queries.classes import class_card, staff_labels
from ejournal.web import staff_corrections, staff_reports
from ejournal.web.diary import parse_week
from ejournal.web.render import as_of, page, read, service_of
from ejournal.web.session import VisitorDep
from ejournal.web.staff_view import (
    course_section,
    journal_people,
    summary_table,
    uuid_or_404,
)

router = APIRouter(include_in_schema=False)
router.include_router(staff_reports.router)
router.include_router(staff_corrections.router)

WHOLE_YEAR = "all"


@router.get("/classes", response_class=HTMLResponse)
async def classes(
    request: Request, who: VisitorDep, year_id: str | None = None
) -> HTMLResponse:
    year = uuid_or_404(year_id, "учебный год") if year_id else None
    listing = await read(
        request,
        queries.school_classes,
        service_of(request),
        who.actor,
        year,
        as_of(request),
    )
    return page(request, "staff/classes.html", who, **listing)


@router.get("/classes/{class_id}/journal", response_class=HTMLResponse)
async def class_journal(
    request: Request, who: VisitorDep, class_id: str, period_id: str | None = None
) -> HTMLResponse:
    cid = uuid_or_404(class_id, "класс")
    moment = as_of(request)
    card = await read(request, class_card, service_of(request), who.actor, cid, moment)
    if period_id == WHOLE_YEAR:
        chosen: str | None = None
    elif period_id:
        chosen = uuid_or_404(period_id, "период")
    else:
        chosen = card["current_period_id"]
    journal = await read(
        request,
        queries.class_journal,
        service_of(request),
        who.actor,
        cid,
        chosen,
        moment,
    )
    labels = await read(
        request,
        partial(staff_labels, account_ids=journal_people(journal), as_of=moment),
        service_of(request),
        who.actor,
    )
    sections = [course_section(c, labels["names"], chosen) for c in journal["courses"]]
    return page(
        request,
        "staff/class_journal.html",
        who,
        card=card,
        sections=sections,
        period_id=chosen or WHOLE_YEAR,
        whole_year=WHOLE_YEAR,
    )


@router.get("/classes/{class_id}/summary", response_class=HTMLResponse)
async def summary(
    request: Request, who: VisitorDep, class_id: str, year_id: str | None = None
) -> HTMLResponse:
    cid = uuid_or_404(class_id, "класс")
    year = uuid_or_404(year_id, "учебный год") if year_id else None
    moment = as_of(request)
    sheet = await read(
        request, queries.summary, service_of(request), who.actor, cid, year, moment
    )
    labels = await read(
        request,
        partial(
            staff_labels,
            account_ids=[c["teacher_id"] for c in sheet["courses"]],
            as_of=moment,
        ),
        service_of(request),
        who.actor,
    )
    courses, rows = summary_table(sheet, labels["names"])
    return page(
        request,
        "staff/summary.html",
        who,
        sheet=sheet,
        courses=courses,
        rows=rows,
    )


@router.get("/classes/{class_id}/acknowledgements", response_class=HTMLResponse)
async def acknowledgements(
    request: Request,
    who: VisitorDep,
    class_id: str,
    from_: Annotated[str | None, Query(alias="from", max_length=40)] = None,
    to: Annotated[str | None, Query(max_length=40)] = None,
) -> HTMLResponse:
    """Which guardians acknowledged which weeks of the diary (факт ознакомления):
    the class teacher and staff, as the class journal."""
    cid = uuid_or_404(class_id, "класс")
    lo, hi = parse_week(from_, "from"), parse_week(to, "to")
    listing = await read(
        request,
        queries.class_acknowledgements,
        service_of(request),
        who.actor,
        cid,
        lo,
        hi,
        as_of(request),
    )
    return page(request, "staff/acknowledgements.html", who, acks=listing)
