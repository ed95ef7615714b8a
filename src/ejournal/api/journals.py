"""GET routes: journals, diary, the caller's lists, incident preview, health. Every
query takes ``as_of``."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from starlette.concurrency import run_in_threadpool

from ejournal import queries
from ejournal.api.deps import ActorDep, ServiceDep
from ejournal.api.errors import COMMON, problem_responses
from ejournal.datebounds import Day, Moment
from ejournal.domain.errors import Invalid, NotFound

router = APIRouter(tags=["queries"])
ERRORS = problem_responses(*COMMON, 401, 403, 404, 422)
# The caller's own lists: no id, no role to lack, only ``as_of``-free reads.
OWN = problem_responses(*COMMON, 401)

AsOf = Annotated[
    Moment | None,
    Query(description="RFC 3339 timestamp with offset: the answer as it stood then"),
]


def uuid_id(value: str, label: str) -> str:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise NotFound(f"no {label} {value}") from None


def moment(as_of: datetime | None) -> datetime | None:
    if as_of is None:
        return None
    if as_of.tzinfo is None:
        raise Invalid(
            "as_of needs a UTC offset, e.g. 2026-11-22T08:15:00+03:00", field="as_of"
        )
    try:
        return as_of.astimezone(UTC)
    except OverflowError:
        raise Invalid(
            "as_of is outside the representable range", field="as_of"
        ) from None


@router.get("/health", responses=problem_responses(400, 413))
async def health(service: ServiceDep) -> Any:
    return service.health()


@router.get("/incidents/{incident_id}/preview", responses=ERRORS)
async def incident_preview(
    incident_id: str, actor: ActorDep, service: ServiceDep, as_of: AsOf = None
) -> Any:
    """What execute-invalidation would void, and the 24 h before ``since``."""
    return await run_in_threadpool(
        queries.incident_preview,
        service,
        actor,
        uuid_id(incident_id, "incident"),
        moment(as_of),
    )


@router.get("/me/courses", responses=OWN)
async def my_courses(actor: ActorDep, service: ServiceDep) -> Any:
    """The caller's courses: a teacher's own, every course for staff."""
    return await run_in_threadpool(queries.my_courses, service, actor)


@router.get("/me/students", responses=OWN)
async def my_students(actor: ActorDep, service: ServiceDep) -> Any:
    """The pupils whose diary a guardian or pupil reads."""
    return await run_in_threadpool(queries.my_children, service, actor)


@router.get("/courses/{course_id}/journal", responses=ERRORS)
async def course_journal(
    course_id: str,
    actor: ActorDep,
    service: ServiceDep,
    period_id: str | None = None,
    as_of: AsOf = None,
) -> Any:
    return await run_in_threadpool(
        queries.course_journal,
        service,
        actor,
        uuid_id(course_id, "course"),
        uuid_id(period_id, "period") if period_id else None,
        moment(as_of),
    )


@router.get("/classes/{class_id}/journal", responses=ERRORS)
async def class_journal(
    class_id: str,
    actor: ActorDep,
    service: ServiceDep,
    period_id: str | None = None,
    as_of: AsOf = None,
) -> Any:
    return await run_in_threadpool(
        queries.class_journal,
        service,
        actor,
        uuid_id(class_id, "class"),
        uuid_id(period_id, "period") if period_id else None,
        moment(as_of),
    )


@router.get("/students/{student_id}/diary", responses=ERRORS)
async def diary(
    student_id: str,
    actor: ActorDep,
    service: ServiceDep,
    from_: Annotated[Day | None, Query(alias="from")] = None,
    to: Day | None = None,
    as_of: AsOf = None,
) -> Any:
    """A pupil's diary for [from, to] (default: the current week), as API.md has
    it. The period, annual, exam and final marks with averages and holidays are at
    `GET /students/{id}/marks`; next week's timetable and the tests at
    `GET /students/{id}/timetable?week=`: this answer is unchanged.

    Who: the pupil, their guardians, their teachers, staff. A guardian without a
    live consent to personal-data processing (never recorded, or the latest
    record-consent said no) is answered 403 with a detail saying which and that
    the secretary records it; `as_of` applies the consent as it stood then. The
    same gate covers the marks, timetable, the diary PDF and acknowledge-diary."""
    return await run_in_threadpool(
        queries.diary,
        service,
        actor,
        uuid_id(student_id, "pupil"),
        from_,
        to,
        moment(as_of),
    )
