"""PDF documents, with the same role policy as their JSON reads (they call the
same ``ejournal.queries``), and the check of a printed document against the log."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from ejournal.api.deps import ActorDep, ServiceDep
from ejournal.api.errors import COMMON, problem_responses
from ejournal.api.journals import AsOf, moment, uuid_id
from ejournal.datebounds import Day
from ejournal.domain.errors import Invalid
from ejournal.printouts import check, documents, read_document

router = APIRouter(tags=["documents"])
ERRORS = problem_responses(*COMMON, 401, 403, 404, 422)
PDF: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/pdf": {}}, "description": "The PDF"}
}
MAX_UPLOAD = 20 * 1024 * 1024


def pdf(body: bytes, name: str) -> Response:
    return Response(
        body,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{name}"'},
    )


@router.get(
    "/students/{student_id}/diary.pdf",
    responses={**ERRORS, **PDF},
    response_class=Response,
)
async def diary_pdf(
    student_id: str,
    actor: ActorDep,
    service: ServiceDep,
    from_: Annotated[Day | None, Query(alias="from")] = None,
    to: Day | None = None,
    as_of: AsOf = None,
) -> Response:
    """A pupil's diary extract (who may read the diary may print it)."""
    body = await run_in_threadpool(
        documents.diary_pdf,
        service,
        actor,
        uuid_id(student_id, "pupil"),
        from_,
        to,
        moment(as_of),
    )
    return pdf(body, "diary.pdf")


@router.get(
    "/courses/{course_id}/journal.pdf",
    responses={**ERRORS, **PDF},
    response_class=Response,
)
async def journal_pdf(
    course_id: str,
    actor: ActorDep,
    service: ServiceDep,
    period_id: str | None = None,
    as_of: AsOf = None,
) -> Response:
    """A course journal for a period: grid, topics, homework, who taught."""
    body = await run_in_threadpool(
        documents.journal_pdf,
        service,
        actor,
        uuid_id(course_id, "course"),
        uuid_id(period_id, "period") if period_id else None,
        moment(as_of),
    )
    return pdf(body, "journal.pdf")


@router.get(
    "/classes/{class_id}/summary.pdf",
    responses={**ERRORS, **PDF},
    response_class=Response,
)
async def summary_pdf(
    class_id: str,
    actor: ActorDep,
    service: ServiceDep,
    year_id: str | None = None,
    as_of: AsOf = None,
) -> Response:
    """The class summary sheet."""
    body = await run_in_threadpool(
        documents.summary_pdf,
        service,
        actor,
        uuid_id(class_id, "class"),
        uuid_id(year_id, "year") if year_id else None,
        moment(as_of),
    )
    return pdf(body, "summary.pdf")


@router.get(
    "/classes/{class_id}/archive.pdf",
    responses={**ERRORS, **PDF},
    response_class=Response,
)
async def archive_pdf(
    class_id: str,
    actor: ActorDep,
    service: ServiceDep,
    year_id: str | None = None,
    as_of: AsOf = None,
) -> Response:
    """The class's year-end archive: every course journal and the summary
    sheet, with a table of contents (PDF/A-3b)."""
    body = await run_in_threadpool(
        documents.archive_pdf,
        service,
        actor,
        uuid_id(class_id, "class"),
        uuid_id(year_id, "year") if year_id else None,
        moment(as_of),
    )
    return pdf(body, "archive.pdf")


VERIFY_BODY: dict[str, Any] = {
    "requestBody": {
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "position": {"type": "integer"},
                        "hash": {"type": "string"},
                    },
                }
            },
            "application/json": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "position": {"type": "integer"},
                        "hash": {"type": "string"},
                    },
                    "required": ["position", "hash"],
                }
            },
        }
    }
}


async def _claim(request: Request) -> tuple[int, str]:
    """The position and hash a document claims: from an uploaded PDF, or given
    as fields (the footer's)."""
    kind = request.headers.get("content-type", "")
    if kind.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
        form = await request.form()
        upload = form.get("file")
        if upload is not None and not isinstance(upload, str):
            data = await upload.read(MAX_UPLOAD + 1)
            if len(data) > MAX_UPLOAD:
                raise Invalid("the file is too large for a document", field="file")
            found = await run_in_threadpool(read_document, data)
            return found.position, found.hash
        fields: Any = {k: form.get(k) for k in ("position", "hash")}
    else:
        try:
            fields = orjson.loads(await request.body())
        except orjson.JSONDecodeError:
            raise Invalid("send a PDF as file, or position and hash") from None
    if not isinstance(fields, dict):
        raise Invalid("send a PDF as file, or position and hash")
    position: Any = fields.get("position")
    hash_ = fields.get("hash")
    try:
        number = int(position) if not isinstance(position, bool) else None
    except (TypeError, ValueError):
        number = None
    if number is None:
        raise Invalid("position must be a whole number", field="position")
    if not isinstance(hash_, str):
        raise Invalid("hash must be 64 hexadecimal digits", field="hash")
    return number, hash_


@router.post(
    "/documents/verify",
    responses=problem_responses(*COMMON, 401, 422),
    openapi_extra=VERIFY_BODY,
)
async def verify_document(
    request: Request, actor: ActorDep, service: ServiceDep
) -> dict[str, Any]:
    """Whether the log still holds the position with the hash a printed
    document carries: upload the PDF (``file``), or send its footer's
    ``position`` and ``hash``. ``holds`` is false once the log was edited at or
    before that position behind the application's back."""
    position, hash_ = await _claim(request)
    return await run_in_threadpool(check, service, position, hash_)
