"""Imports: a school's lists uploaded as CSV or XLSX (pupils and guardians,
staff, the timetable), checked row by row; written whole or not at all
(ejournal.imports)."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, File, Form, UploadFile
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from ejournal.api.deps import ActorDep, ServiceDep
from ejournal.api.errors import COMMON, JSON, PROBLEM_MEDIA_TYPE, problem_responses
from ejournal.imports.files import MAX_FILE_BYTES
from ejournal.imports.run import BadImportFile, check_role, run_import

router = APIRouter(tags=["imports"])
TOO_LARGE = f"файл больше {MAX_FILE_BYTES // (1024 * 1024)} МБ"


def refused(result: dict[str, Any]) -> Response:
    """422 problem+json naming every problem of the file (nothing was written)."""
    problems = result["problems"]
    body = {
        "type": "https://ejournal.example/problems/422",
        "title": "Invalid import file",
        "status": 422,
        "detail": f"в файле {len(problems)} ошибок; ничего не записано",
        "errors": [
            {"field": f"строка {p['row']}: {p['column']}", "message": p["message"]}
            for p in problems
        ],
        **result,
    }
    return Response(orjson.dumps(body), status_code=422, media_type=PROBLEM_MEDIA_TYPE)


class ImportProblem(BaseModel):
    row: int
    column: str
    message: str


class ImportAnswer(BaseModel):
    """What an import found and wrote (a dry run: would write)."""

    kind: str
    dry_run: bool
    rows: int
    created: dict[str, int]
    unchanged: int
    problems: list[ImportProblem]
    ignored_columns: list[str]
    events: int
    position: int | None
    command_id: str | None
    format: str


@router.post(
    "/imports/{kind}",
    responses=problem_responses(*COMMON, 401, 403, 409, 422),
    response_model=ImportAnswer,
    response_class=JSON,
    summary="Import pupils and guardians, staff or the timetable from CSV or XLSX",
)
async def import_file(
    kind: str,
    actor: ActorDep,
    service: ServiceDep,
    file: Annotated[
        UploadFile, File(description="CSV (UTF-8 or Windows-1251) or XLSX")
    ],
    dry_run: Annotated[
        bool, Form(description="check every row, write nothing")
    ] = False,
    year_id: Annotated[
        str | None, Form(description="the year (id or name, 2026/2027)")
    ] = None,
) -> Response:
    """Every row is checked against the journal first. With `dry_run`, or when
    any row has a problem, nothing is written (the problems are listed: row,
    column, message; a real import with problems answers 422). Otherwise the
    whole file is written in one transaction. Re-importing a file writes
    nothing new. Roles: pupils — secretary, admin; staff — admin; timetable —
    deputy, admin."""
    check_role(actor, kind)
    data = await file.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise BadImportFile(TOO_LARGE)
    result = await run_in_threadpool(
        run_import,
        service,
        actor,
        kind,
        data,
        filename=file.filename,
        year=year_id,
        dry_run=dry_run,
    )
    answer = result.as_dict()
    if result.problems and not dry_run:
        return refused(answer)
    return JSON(answer)
