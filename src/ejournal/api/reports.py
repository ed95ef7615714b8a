"""GET routes of reports: summary sheet, control and compliance reports, correction
requests, the school's settings. Every query takes ``as_of``."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from starlette.concurrency import run_in_threadpool

from ejournal import queries
from ejournal.api.deps import ActorDep, ServiceDep
from ejournal.api.journals import ERRORS, AsOf, moment, uuid_id
from ejournal.datebounds import Day

router = APIRouter(tags=["reports"])


@router.get("/classes/{class_id}/summary", responses=ERRORS)
async def summary(
    class_id: str,
    actor: ActorDep,
    service: ServiceDep,
    year_id: str | None = None,
    as_of: AsOf = None,
) -> Any:
    """The summary sheet (сводная ведомость): period, annual, exam and final marks,
    and absences, per pupil and course."""
    return await run_in_threadpool(
        queries.summary,
        service,
        actor,
        uuid_id(class_id, "class"),
        uuid_id(year_id, "academic year") if year_id else None,
        moment(as_of),
    )


@router.get("/reports/control", responses=ERRORS)
async def control(
    actor: ActorDep,
    service: ServiceDep,
    year_id: str,
    period_id: str | None = None,
    class_id: str | None = None,
    as_of: AsOf = None,
) -> Any:
    """The deputy's control of the journal, per course (S4)."""
    return await run_in_threadpool(
        queries.control,
        service,
        actor,
        uuid_id(year_id, "academic year"),
        uuid_id(period_id, "period") if period_id else None,
        uuid_id(class_id, "class") if class_id else None,
        moment(as_of),
    )


@router.get("/reports/compliance", responses=ERRORS)
async def compliance(
    actor: ActorDep,
    service: ServiceDep,
    from_: Annotated[Day | None, Query(alias="from")] = None,
    to: Day | None = None,
    as_of: AsOf = None,
) -> Any:
    """Late entries with their due and recorded times (S1, S4)."""
    return await run_in_threadpool(
        queries.compliance, service, actor, from_, to, moment(as_of)
    )


@router.get("/corrections", responses=ERRORS)
async def corrections(
    actor: ActorDep,
    service: ServiceDep,
    status: Literal["pending", "approved", "rejected"] | None = None,
    as_of: AsOf = None,
) -> Any:
    """Correction requests: every one for staff, a teacher's own otherwise."""
    return await run_in_threadpool(
        queries.corrections, service, actor, status, moment(as_of)
    )


@router.get("/school/settings", responses=ERRORS)
async def school_settings(
    actor: ActorDep, service: ServiceDep, as_of: AsOf = None
) -> Any:
    """The school's settings: time zone, deadlines, weights, minimum marks."""
    return await run_in_threadpool(queries.school_settings, service, moment(as_of))
