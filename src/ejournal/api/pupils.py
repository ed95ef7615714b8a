"""GET routes around the diary beyond API.md's: a pupil's period and final marks
with averages and the year's holidays, their timetable and tests, and a class's
acknowledgements of its diaries. Every query takes ``as_of``.

The diary route of API.md keeps its answer unchanged; what a parent sees besides
the recorded days comes from these two routes, so a client that wants only the
week's days reads no more than before."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from starlette.concurrency import run_in_threadpool

from ejournal import queries
from ejournal.api.deps import ActorDep, ServiceDep
from ejournal.api.journals import ERRORS, AsOf, moment, uuid_id
from ejournal.datebounds import Day

router = APIRouter(tags=["queries"])


@router.get("/students/{student_id}/marks", responses=ERRORS)
async def pupil_marks(
    student_id: str,
    actor: ActorDep,
    service: ServiceDep,
    on: Annotated[
        Day | None,
        Query(description="a day of the wanted academic year (default: today)"),
    ] = None,
    as_of: AsOf = None,
) -> Any:
    """A pupil's period, annual, exam and final marks of one academic year, the
    weighted and plain averages per course and period (the course journal's), and
    the year's holidays (итоговые отметки, каникулы).

    `{student_id, year: {year_id, name} | null, periods: [{period_id, name,
    starts_on, ends_on}], courses: [{course_id, subject, period_marks:
    {period_id: value}, final_marks: {annual|exam|final: value}, deferrals:
    {period_id: {until, reason}}, averages: {period_id: {plain, weighted}}}],
    holidays: [{name, starts_on, ends_on}]}`.

    Who: as the diary: the pupil, their guardians, their teachers, staff. A
    guardian whose consent to personal-data processing is not recorded, or whose
    latest record-consent said no, is answered 403 (so is the diary and its PDF).
    """
    return await run_in_threadpool(
        queries.pupil_marks,
        service,
        actor,
        uuid_id(student_id, "pupil"),
        on,
        moment(as_of),
    )


@router.get("/students/{student_id}/timetable", responses=ERRORS)
async def pupil_timetable(
    student_id: str,
    actor: ActorDep,
    service: ServiceDep,
    week: Annotated[
        Day | None,
        Query(description="any day of the wanted week (default: the coming week)"),
    ] = None,
    as_of: AsOf = None,
) -> Any:
    """A pupil's lessons of one week (default: next Monday to Sunday), the year's
    holidays overlapping it, and the tests of the 28 days either side of today.

    `{student_id, full_name, today, week_start, week_end, lessons: [{lesson_id,
    date, slot, starts_at, ends_at, course_id, subject, teacher_id, substitute_id,
    topic, test}], holidays: [{name, starts_on, ends_on}], tests: [{lesson_id,
    date, slot, subject, topic, source, work_types}]}`.

    A test is a lesson whose topic announces one (контрольная, проверочная, тест,
    зачёт, диктант: `source: "topic"`; a teacher may set a future lesson's topic)
    or a held lesson where the pupil has a mark of work type `test` or `control`
    (`source: "marks"`, `work_types`). The journal has no planned work type, so a
    test not announced in a topic is not listed ahead. Who: as the diary
    (a guardian only with consent recorded)."""
    return await run_in_threadpool(
        queries.pupil_timetable,
        service,
        actor,
        uuid_id(student_id, "pupil"),
        week,
        moment(as_of),
    )


@router.get("/classes/{class_id}/acknowledgements", responses=ERRORS)
async def class_acknowledgements(
    class_id: str,
    actor: ActorDep,
    service: ServiceDep,
    from_: Annotated[Day | None, Query(alias="from")] = None,
    to: Day | None = None,
    as_of: AsOf = None,
) -> Any:
    """Which guardians of a class's pupils acknowledged which weeks of the diary
    (факт ознакомления). Weeks run Monday to Sunday from the week of `from` to
    the week of `to` (default: the current week and the three before; at most
    53).

    `{class_id, class_name, from, to, weeks: [{week_start, week_end,
    acknowledged, guardians, students: [{student_id, full_name, guardians:
    [{guardian_id, full_name, consent, acknowledged_at}]}]}]}`; `acknowledged_at`
    is null when that guardian did not acknowledge the week.

    Who: the class teacher, deputy, director, auditor, admin (as the class
    journal)."""
    return await run_in_threadpool(
        queries.class_acknowledgements,
        service,
        actor,
        uuid_id(class_id, "class"),
        from_,
        to,
        moment(as_of),
    )


@router.get("/students/{student_id}/notifications", responses=ERRORS)
async def pupil_notifications(
    student_id: str, actor: ActorDep, service: ServiceDep, as_of: AsOf = None
) -> Any:
    """The caller's own choice of e-mails about a pupil (set-notifications):
    `{student_id, guardian_account_id, email, period_marks, low_marks, absences,
    weekly_digest}`; all false when never chosen. docs/notifications.md.

    Who: a guardian of the pupil, for themself, with a live consent to
    personal-data processing (403 without, as the diary); another family's pupil
    is 404; every other role 403."""
    from ejournal.queries.notifications import notification_choice

    return await run_in_threadpool(
        notification_choice,
        service,
        actor,
        uuid_id(student_id, "pupil"),
        moment(as_of),
    )
