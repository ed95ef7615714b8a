"""A teacher's lesson: topic, homework, attendance, marks, comments, substitution.

The course's teacher or the lesson's recorded substitute writes these (S1.1.1,
S1.2.8); a substitution may also be recorded by a deputy or an admin.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, time
from typing import Literal
from uuid import UUID

from pydantic import Field

from ejournal.commands.base import Body, Context, LongText, Outcome, ShortText, command
from ejournal.commands.setup import need_account_with_role
from ejournal.domain.base import new_id
from ejournal.domain.course import Course
from ejournal.domain.errors import Forbidden, Invalid, NotFound
from ejournal.domain.lesson import Lesson
from ejournal.domain.school_class import SchoolClass
from ejournal.domain.year import AcademicYear
from ejournal.projections.streams import Doc
from ejournal.security import may_write_lesson

MarkValue = Literal["1", "2", "3", "4", "5"]
WorkType = Literal[
    "oral", "classwork", "homework", "test", "control", "written", "lab", "practical"
]
AttendanceCode = Literal["present", "absent", "ill", "excused", "late"]


def lesson_for_writing(ctx: Context, lesson_id: UUID) -> tuple[Lesson, Doc]:
    lesson: Lesson = ctx.app.get(lesson_id, Lesson)
    course = _course_of(ctx, lesson.course_id)
    doc = {"substitute_id": lesson.substitute_id}
    if not may_write_lesson(ctx.actor, course, doc):
        raise Forbidden(
            "only the course's teacher or the lesson's substitute writes it"
        )
    return lesson, course


def _course_of(ctx: Context, course_id: str) -> Doc:
    """What writing a lesson needs of its course, from the (cached, shared)
    aggregate: its document carries every period mark of the course, tens of
    kilobytes to decode for each mark."""
    try:
        course: Course = ctx.app.peek(course_id, Course)
    except NotFound:
        raise NotFound(f"no course {course_id}", field="lesson_id") from None
    return {
        "id": str(course.id),
        "kind": "course",
        "year_id": course.year_id,
        "class_id": course.class_id,
        "group_id": course.group_id,
        "teacher_id": course.teacher_id,
        "plan": list(course.plan),
    }


def pupil_check(ctx: Context, course: Doc, day: date) -> Callable[[str], bool]:
    """Whether a pupil belongs to the course's class (and group) on the lesson's
    date."""
    klass: SchoolClass = ctx.app.peek(course["class_id"], SchoolClass)
    group_id = course.get("group_id")
    group = set(klass.group_members(group_id)) if group_id else None

    def is_pupil(student_id: str) -> bool:
        if (group is None or student_id in group) and klass.is_member(student_id, day):
            return True
        # Not in this class: an unknown id is 404, a pupil of another class 422.
        doc = ctx.views.doc(student_id)
        if doc is None or doc.get("kind") != "student":
            raise NotFound(f"no pupil {student_id}")
        return False

    return is_pupil


class SetLessonTopic(Body):
    lesson_id: UUID
    topic: ShortText
    plan_topic_no: int | None = Field(default=None, ge=1, le=1000)


@command(
    "set-lesson-topic",
    SetLessonTopic,
    roles={"teacher"},
    summary="Record the lesson's topic",
)
def set_lesson_topic(ctx: Context, cmd: SetLessonTopic) -> Outcome:
    lesson, course = lesson_for_writing(ctx, cmd.lesson_id)
    plan = course.get("plan") or []
    if plan and cmd.plan_topic_no is not None and cmd.plan_topic_no > len(plan):
        raise Invalid(
            f"the course's plan has {len(plan)} topics", field="plan_topic_no"
        )
    lesson.set_topic(ctx.meta, ctx.rules, cmd.topic, cmd.plan_topic_no)
    return Outcome([lesson])


class AssignHomework(Body):
    lesson_id: UUID
    text: LongText
    due_on: date | None = None


def last_lesson_end(ctx: Context, class_id: str, day: date) -> time:
    """End of the class's last lesson that day (homework is due after it)."""
    course_ids = ctx.views.child_ids("course", [class_id])
    iso = day.isoformat()
    lessons = ctx.views.children("lesson", course_ids, iso, iso + "/99")
    ends = [lesson["ends_at"] for lesson in lessons] or ["23:59"]
    return time.fromisoformat(max(ends))


@command(
    "assign-homework",
    AssignHomework,
    roles={"teacher"},
    summary="Record the homework set at the lesson",
)
def assign_homework(ctx: Context, cmd: AssignHomework) -> Outcome:
    lesson, course = lesson_for_writing(ctx, cmd.lesson_id)
    end = max(
        time.fromisoformat(lesson.ends_at),
        last_lesson_end(ctx, course["class_id"], lesson.day),
    )
    due = ctx.rules.homework_due(lesson.day, end)
    lesson.assign_homework(ctx.meta, cmd.text, cmd.due_on, due)
    return Outcome([lesson])


class AttendanceEntry(Body):
    student_id: UUID
    code: AttendanceCode


class RecordAttendance(Body):
    lesson_id: UUID
    entries: list[AttendanceEntry] = Field(min_length=1, max_length=60)


@command(
    "record-attendance",
    RecordAttendance,
    roles={"teacher"},
    summary="Record absences (н, б, уп, оп) at a lesson",
)
def record_attendance(ctx: Context, cmd: RecordAttendance) -> Outcome:
    lesson, course = lesson_for_writing(ctx, cmd.lesson_id)
    entries = [{"student_id": str(e.student_id), "code": e.code} for e in cmd.entries]
    lesson.record_attendance(
        ctx.meta, ctx.rules, entries, pupil_check(ctx, course, lesson.day)
    )
    return Outcome([lesson])


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


class AddComment(Body):
    lesson_id: UUID
    student_id: UUID
    text: ShortText


@command(
    "add-comment",
    AddComment,
    roles={"teacher"},
    summary="Add a note (особая отметка) to a pupil's cell",
)
def add_comment(ctx: Context, cmd: AddComment) -> Outcome:
    lesson, course = lesson_for_writing(ctx, cmd.lesson_id)
    comment_id = new_id()
    lesson.add_comment(
        ctx.meta,
        comment_id=comment_id,
        student_id=str(cmd.student_id),
        text=cmd.text,
        is_pupil=pupil_check(ctx, course, lesson.day),
    )
    return Outcome([lesson], {"comment_id": comment_id})


class RecordSubstitution(Body):
    lesson_id: UUID
    substitute_teacher_id: UUID
    reason: ShortText | None = None


@command(
    "record-substitution",
    RecordSubstitution,
    roles={"teacher", "deputy", "admin"},
    summary="Record that another teacher taught the lesson (замена)",
)
def record_substitution(ctx: Context, cmd: RecordSubstitution) -> Outcome:
    if ctx.actor.has("deputy", "admin"):
        lesson: Lesson = ctx.app.get(cmd.lesson_id, Lesson)
    else:
        lesson, _ = lesson_for_writing(ctx, cmd.lesson_id)
    need_account_with_role(
        ctx, str(cmd.substitute_teacher_id), "teacher", "substitute_teacher_id"
    )
    lesson.record_substitution(ctx.meta, str(cmd.substitute_teacher_id), cmd.reason)
    return Outcome([lesson])
