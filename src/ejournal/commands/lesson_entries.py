"""A teacher's lesson entries: topic, homework, attendance, comments, substitution.

The course's teacher or the lesson's recorded substitute writes these (S1.1.1,
S1.2.8); a substitution may also be recorded by a deputy or an admin.
"""

from __future__ import annotations

from datetime import date, time
from typing import Literal
from uuid import UUID

from pydantic import Field

from ejournal.commands.base import Body, Context, LongText, Outcome, ShortText, command
from ejournal.commands.lookups import (
    lesson_for_writing,
    need_account_with_role,
    pupil_check,
)
from ejournal.domain.base import new_id
from ejournal.domain.errors import Invalid
from ejournal.domain.lesson import Lesson

AttendanceCode = Literal["present", "absent", "ill", "excused", "late"]


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
    numbers = {int(t["no"]) for t in plan}
    if plan and cmd.plan_topic_no is not None and cmd.plan_topic_no not in numbers:
        raise Invalid(
            f"the course's plan has no topic {cmd.plan_topic_no} (it has "
            f"{len(plan)} topics)",
            field="plan_topic_no",
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
