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
from ejournal.commands.lookups import lesson_for_writing, need_doc, pupil_check
from ejournal.domain.base import new_id
from ejournal.domain.course import Course
from ejournal.domain.errors import Forbidden, NotFound
from ejournal.domain.school_class import SchoolClass
from ejournal.domain.year import AcademicYear
from ejournal.projections.streams import Doc
from ejournal.security import is_course_teacher

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


def course_for_marks(ctx: Context, course_id: UUID) -> tuple[Course, Doc]:
    doc = need_doc(ctx, str(course_id), "course", "course", "course_id")
    if not is_course_teacher(ctx.actor, doc):
        raise Forbidden("only the course's teacher sets its period and final marks")
    course: Course = ctx.app.get(course_id, Course)
    return course, doc


def attends(ctx: Context, course: Course, student_id: str, lo: str, hi: str) -> bool:
    """Whether the pupil belongs to the course's class (and group) on some day of
    [lo, hi]."""
    klass: SchoolClass = ctx.app.peek(course.class_id, SchoolClass)
    if course.group_id and student_id not in klass.group_members(course.group_id):
        return False
    return any(
        str(start) <= hi and (end is None or str(end) > lo)
        for start, end in klass.roster.get(student_id, [])
    )


def period_of(ctx: Context, course: Course, period_id: UUID) -> dict[str, str]:
    year: AcademicYear = ctx.app.peek(course.year_id, AcademicYear)
    period = year.period(str(period_id))
    if period is None:
        raise NotFound(f"no period {period_id} in the course's year", field="period_id")
    return period


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
    course, _ = course_for_marks(ctx, cmd.course_id)
    period = period_of(ctx, course, cmd.period_id)
    sid = str(cmd.student_id)
    mark_id = course.set_period_mark(
        ctx.meta,
        ctx.rules,
        student_id=sid,
        period=period,
        value=cmd.value,
        is_pupil=attends(ctx, course, sid, period["starts_on"], period["ends_on"]),
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
    course, _ = course_for_marks(ctx, cmd.course_id)
    period = period_of(ctx, course, cmd.period_id)
    sid = str(cmd.student_id)
    course.defer_period_mark(
        ctx.meta,
        ctx.rules,
        student_id=sid,
        period=period,
        until=cmd.until,
        reason=cmd.reason,
        is_pupil=attends(ctx, course, sid, period["starts_on"], period["ends_on"]),
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
    course, _ = course_for_marks(ctx, cmd.course_id)
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
