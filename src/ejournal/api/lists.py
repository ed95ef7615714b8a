"""GET routes that list the school's years, classes, groups, courses, pupils,
guardians and accounts, so that an administrator's scripts find ids rather than
keep them. Each takes ``as_of``, ``limit`` and ``after`` (the previous page's
``next``) and answers ``{items, next}``; who may list what is in
ejournal.queries.listing."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from starlette.concurrency import run_in_threadpool

from ejournal import queries
from ejournal.api.deps import ActorDep, ServiceDep
from ejournal.api.journals import ERRORS, AsOf, moment
from ejournal.domain.errors import Invalid
from ejournal.queries.paging import MAX_LIMIT, Page

router = APIRouter(tags=["lists"])

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items per page")]
After = Annotated[
    str | None,
    Query(max_length=1000, description="The previous page's `next` (opaque)"),
]
Search = Annotated[
    str | None,
    Query(max_length=200, description="A part of the name, in any letter case"),
]
Id = Annotated[str | None, Query(max_length=64)]
Role = Literal[
    "admin",
    "director",
    "deputy",
    "teacher",
    "secretary",
    "auditor",
    "parent",
    "student",
]


def _id(value: str | None, field: str) -> str | None:
    if value is None:
        return None
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise Invalid(f"{field} must be a UUID", field=field) from None


@router.get("/years", responses=ERRORS)
async def years(
    actor: ActorDep,
    service: ServiceDep,
    limit: Limit = 100,
    after: After = None,
    as_of: AsOf = None,
) -> Any:
    """Academic years with their periods and holidays, by start date."""
    return await run_in_threadpool(
        lambda: queries.list_years(
            service, actor, as_of=moment(as_of), page=Page(limit, after)
        )
    )


@router.get("/classes", responses=ERRORS)
async def classes(
    actor: ActorDep,
    service: ServiceDep,
    year_id: Id = None,
    grade: Annotated[int | None, Query(ge=1, le=11)] = None,
    limit: Limit = 100,
    after: After = None,
    as_of: AsOf = None,
) -> Any:
    """Classes by year, grade and name: class teacher, number of pupils."""
    return await run_in_threadpool(
        lambda: queries.list_classes(
            service,
            actor,
            year_id=_id(year_id, "year_id"),
            grade=grade,
            as_of=moment(as_of),
            page=Page(limit, after),
        )
    )


@router.get("/groups", responses=ERRORS)
async def groups(
    actor: ActorDep,
    service: ServiceDep,
    class_id: Id = None,
    limit: Limit = 100,
    after: After = None,
    as_of: AsOf = None,
) -> Any:
    """Groups (подгруппы) of the classes with their pupils."""
    return await run_in_threadpool(
        lambda: queries.list_groups(
            service,
            actor,
            class_id=_id(class_id, "class_id"),
            as_of=moment(as_of),
            page=Page(limit, after),
        )
    )


@router.get("/courses", responses=ERRORS)
async def courses(
    actor: ActorDep,
    service: ServiceDep,
    year_id: Id = None,
    class_id: Id = None,
    teacher_id: Id = None,
    limit: Limit = 100,
    after: After = None,
    as_of: AsOf = None,
) -> Any:
    """Courses by class and subject: group, teacher, hours a week."""
    return await run_in_threadpool(
        lambda: queries.list_courses(
            service,
            actor,
            year_id=_id(year_id, "year_id"),
            class_id=_id(class_id, "class_id"),
            teacher_id=_id(teacher_id, "teacher_id"),
            as_of=moment(as_of),
            page=Page(limit, after),
        )
    )


@router.get("/students", responses=ERRORS)
async def students(
    actor: ActorDep,
    service: ServiceDep,
    class_id: Id = None,
    q: Search = None,
    status: Literal["enrolled", "withdrawn"] | None = None,
    limit: Limit = 100,
    after: After = None,
    as_of: AsOf = None,
) -> Any:
    """Pupils by name: class, enrolled or withdrawn; the birth date only for the
    secretary, the administration, the auditor and the pupil's class teacher."""
    return await run_in_threadpool(
        lambda: queries.list_students(
            service,
            actor,
            class_id=_id(class_id, "class_id"),
            q=q,
            status=status,
            as_of=moment(as_of),
            page=Page(limit, after),
        )
    )


@router.get("/guardians", responses=ERRORS)
async def guardians(
    actor: ActorDep,
    service: ServiceDep,
    student_id: Id = None,
    q: Search = None,
    limit: Limit = 100,
    after: After = None,
    as_of: AsOf = None,
) -> Any:
    """Parents' accounts with their linked pupils and consent for each."""
    return await run_in_threadpool(
        lambda: queries.list_guardians(
            service,
            actor,
            student_id=_id(student_id, "student_id"),
            q=q,
            as_of=moment(as_of),
            page=Page(limit, after),
        )
    )


@router.get("/accounts", responses=ERRORS)
async def accounts(
    actor: ActorDep,
    service: ServiceDep,
    role: Role | None = None,
    q: Annotated[
        str | None,
        Query(max_length=200, description="A part of the login or name, any case"),
    ] = None,
    active: Annotated[
        bool | None,
        Query(description="false: only accounts blocked or deactivated"),
    ] = None,
    limit: Limit = 100,
    after: After = None,
    as_of: AsOf = None,
) -> Any:
    """Accounts by login: name, roles, active or blocked (admin, auditor,
    director)."""
    return await run_in_threadpool(
        lambda: queries.list_accounts(
            service,
            actor,
            role=role,
            q=q,
            active=active,
            as_of=moment(as_of),
            page=Page(limit, after),
        )
    )
