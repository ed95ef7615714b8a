"""Changes to the timetable after scheduling: a lesson cancelled (отмена урока) or
moved to another date or slot (перенос урока). The deputy or an admin makes them,
as they schedule lessons.

A moved lesson keeps its id, so its topic, homework, attendance and marks move
with it. A cancelled lesson leaves every journal, diary, timetable and count;
only a lesson with no entries is cancelled.
"""

from __future__ import annotations

from uuid import UUID

from ejournal.commands.base import Body, Context, Outcome, ShortText, command
from ejournal.commands.courses import LessonSlot, check_slot_free
from ejournal.commands.lookups import need_doc
from ejournal.domain.errors import Conflict
from ejournal.domain.lesson import Lesson
from ejournal.domain.year import AcademicYear
from ejournal.projections.streams import Doc


class CancelLesson(Body):
    lesson_id: UUID
    reason: ShortText


@command(
    "cancel-lesson",
    CancelLesson,
    roles={"deputy", "admin"},
    summary="Cancel a lesson with no entries: it leaves the timetable and journals",
)
def cancel_lesson(ctx: Context, cmd: CancelLesson) -> Outcome:
    lesson: Lesson = ctx.app.get(cmd.lesson_id, Lesson)
    lesson.cancel(ctx.meta, cmd.reason)
    return Outcome([lesson])


class MoveLesson(LessonSlot):
    lesson_id: UUID


def check_class_free(
    ctx: Context, course: Doc, lesson_id: str, key: str, field: str
) -> None:
    """No other lesson of the class in that slot, but for lessons of two
    different groups (subgroups are taught side by side)."""
    for other in ctx.views.children("course", [course["class_id"]]):
        if other["id"] == course["id"]:
            continue
        both_groups = course.get("group_id") and other.get("group_id")
        if both_groups and course["group_id"] != other["group_id"]:
            continue
        taken = [
            doc for doc in ctx.views.children("lesson", [other["id"]], key, key)
            if doc["id"] != lesson_id
        ]
        if taken:
            raise Conflict(
                f"the class has a {other['subject']} lesson on {key[:10]} in slot "
                f"{int(key[11:])}",
                field=field,
            )


@command(
    "move-lesson",
    MoveLesson,
    roles={"deputy", "admin"},
    summary="Move a lesson to another date or slot; its entries move with it",
)
def move_lesson(ctx: Context, cmd: MoveLesson) -> Outcome:
    lesson: Lesson = ctx.app.get(cmd.lesson_id, Lesson)
    course = need_doc(ctx, lesson.course_id, "course", "course", "lesson_id")
    year: AcademicYear = ctx.app.peek(course["year_id"], AcademicYear)
    year.check_teaching_day(cmd.date, field="date")
    lesson_id = str(lesson.id)
    key = f"{cmd.date.isoformat()}/{cmd.slot:02d}"
    if (cmd.date.isoformat(), cmd.slot) != (lesson.date, lesson.slot):
        check_slot_free(ctx, lesson.course_id, cmd.date, cmd.slot, "slot")
    check_class_free(ctx, course, lesson_id, key, "slot")
    lesson.move(
        ctx.meta,
        ctx.rules,
        day=cmd.date,
        slot=cmd.slot,
        starts_at=cmd.starts_at,
        ends_at=cmd.ends_at,
    )
    return Outcome([lesson])
