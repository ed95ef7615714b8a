"""Pages: the PDFs for a signed-in visitor (cookie session), the same documents
and role policy as ``/api/v1/…pdf``; a refusal is an error page."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from ejournal.api.printouts import pdf
from ejournal.domain.errors import Invalid, NotFound
from ejournal.printouts import documents
from ejournal.web.render import as_of, read, service_of
from ejournal.web.session import VisitorDep

router = APIRouter(include_in_schema=False)


def _id(value: str | None, label: str) -> str | None:
    if not value or value == "all":
        return None
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise NotFound(f"Такого объекта нет ({label}).") from None


def _day(value: str | None, field: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise Invalid("Дата задаётся как ГГГГ-ММ-ДД.", field=field) from None


@router.get("/students/{student_id}/diary.pdf")
async def diary_pdf(
    request: Request,
    student_id: str,
    who: VisitorDep,
    from_: Annotated[str | None, Query(alias="from")] = None,
    to: str | None = None,
) -> Response:
    body = await read(
        request, documents.diary_pdf, service_of(request), who.actor,
        _id(student_id, "ученик") or "", _day(from_, "from"), _day(to, "to"),
        as_of(request),
    )  # fmt: skip
    return pdf(body, "diary.pdf")


@router.get("/courses/{course_id}/journal.pdf")
async def journal_pdf(
    request: Request, course_id: str, who: VisitorDep, period_id: str | None = None
) -> Response:
    body = await read(
        request, documents.journal_pdf, service_of(request), who.actor,
        _id(course_id, "курс") or "", _id(period_id, "период"), as_of(request),
    )  # fmt: skip
    return pdf(body, "journal.pdf")


@router.get("/classes/{class_id}/summary.pdf")
async def summary_pdf(
    request: Request, class_id: str, who: VisitorDep, year_id: str | None = None
) -> Response:
    body = await read(
        request, documents.summary_pdf, service_of(request), who.actor,
        _id(class_id, "класс") or "", _id(year_id, "год"), as_of(request),
    )  # fmt: skip
    return pdf(body, "summary.pdf")


@router.get("/classes/{class_id}/archive.pdf")
async def archive_pdf(
    request: Request, class_id: str, who: VisitorDep, year_id: str | None = None
) -> Response:
    body = await read(
        request, documents.archive_pdf, service_of(request), who.actor,
        _id(class_id, "класс") or "", _id(year_id, "год"), as_of(request),
    )  # fmt: skip
    return pdf(body, "archive.pdf")
