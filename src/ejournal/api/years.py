"""GET routes of the year's close: what blocks it and the academic debts its
promotion left. Each takes ``as_of``; who reads them is in
ejournal.queries.year_close."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from ejournal.api.deps import ActorDep, ServiceDep
from ejournal.api.journals import ERRORS, AsOf, moment, uuid_id
from ejournal.queries.year_close import close_check, year_debts

router = APIRouter(tags=["queries"])


@router.get("/years/{year_id}/close-check", responses=ERRORS)
async def year_close_check(
    year_id: str, actor: ActorDep, service: ServiceDep, as_of: AsOf = None
) -> Any:
    """Whether the year may be closed: per pupil of each class, per course, an
    annual mark missing without a recorded reason (`exempt`, `not_attested`,
    `ungraded`, a deferral) blocks it. `{year_id, name, state: open|closed,
    ready, classes, blocking: [{class_id, class_name, student_id, full_name,
    course_id, subject, missing}], failing: [{.., annual}]}`. Who: the director,
    a deputy, the administrator, the auditor."""
    return await run_in_threadpool(
        close_check, service, actor, uuid_id(year_id, "academic year"), moment(as_of)
    )


@router.get("/years/{year_id}/debts", responses=ERRORS)
async def year_debts_list(
    year_id: str, actor: ActorDep, service: ServiceDep, as_of: AsOf = None
) -> Any:
    """The academic debts (академическая задолженность) of the year's conditional
    promotions: `{year_id, state, items: [{student_id, full_name, class_id,
    course_id, subject, year_id, since, cleared: {value, on, ..} | null}]}`, open
    ones first. Who: the director, a deputy, the administrator, the auditor."""
    return await run_in_threadpool(
        year_debts, service, actor, uuid_id(year_id, "academic year"), moment(as_of)
    )
