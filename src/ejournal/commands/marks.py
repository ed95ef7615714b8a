"""Marks: a lesson's marks and make-ups (зачёт), period and final marks
(четвертные, годовые, экзаменационные, итоговые отметки), deferrals.

The course's teacher writes them (S1 items 5, 11, 12); a lesson's marks also its
recorded substitute. After the period's last day (or the end of a deferral) a
period mark changes only through a correction request the director approves; a
first entry made late is accepted and flagged.
"""

from __future__ import annotations

from datetime import date
from typing import Literal
from uuid import UUID

from ejournal.commands.base import Body, Context, Outcome, ShortText, command
from ejournal.commands.lookups import (
    course_for_writing,
    lesson_for_writing,
    pupil_check,
)
from ejournal.domain import groups
from ejournal.domain.base import new_id
from ejournal.domain.course import Course
from ejournal.domain.errors import NotFound
from ejournal.domain.school_class import SchoolClass
from ejournal.domain.year import AcademicYear

MarkValue = Literal["1", "2", "3", "4", "5"]
WorkType = Literal[
    "oral", "classwork", "homework", "test", "control", "written", "lab", "practical"
]
PeriodValue = Literal["1", "2", "3", "4", "5", "exempt", "not_attested", "ungraded"]
FinalKind = Literal["annual", "exam", "final"]


class RecordMark(Body):
    lesson_id: UUID
    student_id: UUID
    value: MarkValue
    work_type: WorkType
    comment: ShortText | None = None


@command("record-mark", RecordMark, roles={"teacher"}, summary="Record a mark")
def record_mark(ctx: Context, cmd: RecordMark) -> Outcome:
    lesson, course = lesson_for_writing(ctx, cmd.lesson_id)
    mark_id = new_id()
    lesson.record_mark(
        ctx.meta,
        ctx.rules,
        mark_id=mark_id,
        student_id=str(cmd.student_id),
        value=cmd.value,
        work_type=cmd.work_type,
        comment=cmd.comment,
        is_pupil=pupil_check(ctx, course, lesson.day),
    )
    return Outcome([lesson], {"mark_id": mark_id})


class RecordMakeup(Body):
    lesson_id: UUID
    student_id: UUID
    value: MarkValue
    work_type: WorkType
    protocol: ShortText


@command(
    "record-makeup",
    RecordMakeup,
    roles={"teacher"},
    summary="A mark for a missed lesson's topic made up on a protocol (зачёт); "
    "the absence stays",
)
def record_makeup(ctx: Context, cmd: RecordMakeup) -> Outcome:
    lesson, course = lesson_for_writing(ctx, cmd.lesson_id)
    # A missed topic is made up within its period: the mark is due by its end.
    year: AcademicYear = ctx.app.peek(course["year_id"], AcademicYear)
    period = year.period_of(lesson.day)
    last = date.fromisoformat(period["ends_on"]) if period else year.ends_on
    mark_id = new_id()
    lesson.record_makeup(
        ctx.meta,
        ctx.rules,
        mark_id=mark_id,
        student_id=str(cmd.student_id),
        value=cmd.value,
        work_type=cmd.work_type,
        protocol=cmd.protocol,
        due=ctx.rules.end_of_day(max(last, lesson.day)),
        is_pupil=pupil_check(ctx, course, lesson.day),
    )
    return Outcome([lesson], {"mark_id": mark_id})


def course_for_marks(ctx: Context, course_id: UUID) -> Course:
    return course_for_writing(
        ctx, course_id, "only the course's teacher sets its period and final marks"
    )


def attends(ctx: Context, course: Course, student_id: str, lo: str, hi: str) -> bool:
    """Whether the pupil belongs to the course's class (and group) on some day of
    [lo, hi]."""
    klass: SchoolClass = ctx.app.peek(course.class_id, SchoolClass)
    spans = klass.roster.get(student_id, [])
    if course.group_id:
        group = klass.group_spans.get(course.group_id, {})
        spans = groups.intersect(spans, group.get(student_id, []))
    return any(
        str(start) <= hi and (end is None or str(end) > lo) for start, end in spans
    )


def period_mark_of(
    ctx: Context, course_id: UUID, period_id: UUID, student_id: UUID
) -> tuple[Course, dict[str, str], str, bool]:
    """The course, the period of its year, the pupil's id and whether the pupil
    attends the course during that period: what a period mark is decided on."""
    course = course_for_marks(ctx, course_id)
    year: AcademicYear = ctx.app.peek(course.year_id, AcademicYear)
    period = year.period(str(period_id))
    if period is None:
        raise NotFound(f"no period {period_id} in the course's year", field="period_id")
    sid = str(student_id)
    is_pupil = attends(ctx, course, sid, period["starts_on"], period["ends_on"])
    return course, period, sid, is_pupil


class SetPeriodMark(Body):
    course_id: UUID
    student_id: UUID
    period_id: UUID
    value: PeriodValue


@command(
    "set-period-mark",
    SetPeriodMark,
    roles={"teacher"},
    summary="Set a pupil's period mark (четвертная): 1-5, exempt, not_attested, "
    "ungraded",
)
def set_period_mark(ctx: Context, cmd: SetPeriodMark) -> Outcome:
    course, period, sid, is_pupil = period_mark_of(
        ctx, cmd.course_id, cmd.period_id, cmd.student_id
    )
    mark_id = course.set_period_mark(
        ctx.meta,
        ctx.rules,
        student_id=sid,
        period=period,
        value=cmd.value,
        is_pupil=is_pupil,
    )
    return Outcome([course], {"mark_id": mark_id})


class DeferPeriodMark(Body):
    course_id: UUID
    student_id: UUID
    period_id: UUID
    until: date
    reason: ShortText


@command(
    "defer-period-mark",
    DeferPeriodMark,
    roles={"teacher"},
    summary="Defer an ill pupil's period mark until a date (отсрочка)",
)
def defer_period_mark(ctx: Context, cmd: DeferPeriodMark) -> Outcome:
    course, period, sid, is_pupil = period_mark_of(
        ctx, cmd.course_id, cmd.period_id, cmd.student_id
    )
    course.defer_period_mark(
        ctx.meta,
        ctx.rules,
        student_id=sid,
        period=period,
        until=cmd.until,
        reason=cmd.reason,
        is_pupil=is_pupil,
    )
    return Outcome([course])


class SetFinalMark(Body):
    course_id: UUID
    student_id: UUID
    kind: FinalKind
    value: PeriodValue


@command(
    "set-final-mark",
    SetFinalMark,
    roles={"teacher"},
    summary="Set a pupil's annual, exam or final mark",
)
def set_final_mark(ctx: Context, cmd: SetFinalMark) -> Outcome:
    course = course_for_marks(ctx, cmd.course_id)
    year: AcademicYear = ctx.app.peek(course.year_id, AcademicYear)
    sid = str(cmd.student_id)
    mark_id = course.set_final_mark(
        ctx.meta,
        ctx.rules,
        student_id=sid,
        kind=cmd.kind,
        value=cmd.value,
        year_ends_on=year.ends_on,
        is_pupil=attends(
            ctx, course, sid, year.starts_on.isoformat(), year.ends_on.isoformat()
        ),
    )
    return Outcome([course], {"mark_id": mark_id})
