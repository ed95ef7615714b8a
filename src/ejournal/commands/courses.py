"""Courses and the timetable: a subject taught to a class or group by a teacher,
its lessons, its calendar-thematic plan (КТП)."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from pydantic import Field, field_validator

from ejournal.commands.base import Body, Context, Outcome, ShortText, command
from ejournal.commands.lookups import (
    course_for_writing,
    need_account_with_role,
    need_doc,
    on_free_stream,
)
from ejournal.domain.course import create_course
from ejournal.domain.errors import Conflict, Invalid, NotFound
from ejournal.domain.lesson import lesson_id_for, schedule_lesson
from ejournal.domain.year import AcademicYear


class CreateCourse(Body):
    year_id: UUID
    class_id: UUID
    group_id: UUID | None = None
    subject: ShortText
    teacher_id: UUID
    hours_per_week: float = Field(gt=0, le=40)


@command(
    "create-course",
    CreateCourse,
    roles={"deputy", "admin"},
    summary="A subject taught to a class or group by a teacher for a year",
)
def create_course_(ctx: Context, cmd: CreateCourse) -> Outcome:
    year_id, class_id = str(cmd.year_id), str(cmd.class_id)
    need_doc(ctx, year_id, "year", "academic year", "year_id")
    klass = need_doc(ctx, class_id, "class", "class", "class_id")
    if klass["year_id"] != year_id:
        raise Invalid("the class belongs to another academic year", field="class_id")
    group_id = str(cmd.group_id) if cmd.group_id else None
    if group_id is not None and group_id not in klass["groups"]:
        raise NotFound(f"no group {group_id} in that class", field="group_id")
    need_account_with_role(ctx, str(cmd.teacher_id), "teacher", "teacher_id")
    course = create_course(
        ctx.meta,
        year_id=year_id,
        class_id=class_id,
        group_id=group_id,
        subject=cmd.subject,
        teacher_id=str(cmd.teacher_id),
        hours_per_week=cmd.hours_per_week,
    )
    return Outcome([course], {"course_id": str(course.id)})


HHMM = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"


class LessonSlot(Body):
    date: date
    slot: int = Field(ge=1, le=12)
    starts_at: str = Field(pattern=HHMM)
    ends_at: str = Field(pattern=HHMM)

    @field_validator("ends_at")
    @classmethod
    def _after_start(cls, value: str, info: object) -> str:
        data = getattr(info, "data", {})
        if "starts_at" in data and value <= data["starts_at"]:
            msg = "ends_at must be after starts_at"
            raise ValueError(msg)
        return value


class ScheduleLessons(Body):
    course_id: UUID
    lessons: list[LessonSlot] = Field(min_length=1, max_length=500)


@command(
    "schedule-lessons",
    ScheduleLessons,
    roles={"deputy", "admin"},
    summary="Put lessons of a course in the timetable",
)
def schedule_lessons(ctx: Context, cmd: ScheduleLessons) -> Outcome:
    course_id = str(cmd.course_id)
    course = need_doc(ctx, course_id, "course", "course", "course_id")
    year: AcademicYear = ctx.app.get(course["year_id"], AcademicYear)
    seen: set[tuple[str, int]] = set()
    lessons = []
    for i, item in enumerate(cmd.lessons):
        year.check_teaching_day(item.date, field=f"lessons[{i}].date")
        place = (item.date.isoformat(), item.slot)
        if place in seen:
            raise Invalid(
                "the same date and slot is listed twice", field=f"lessons[{i}]"
            )
        seen.add(place)
        check_slot_free(ctx, course_id, item.date, item.slot, f"lessons[{i}]")
        lesson = schedule_lesson(
            ctx.meta,
            course_id=course_id,
            day=item.date,
            slot=item.slot,
            starts_at=item.starts_at,
            ends_at=item.ends_at,
            lesson_id=free_lesson_id(ctx, course_id, item.date, item.slot),
        )
        lessons.append(on_free_stream(ctx, lesson))
    return Outcome(lessons, {"lesson_ids": [str(lesson.id) for lesson in lessons]})


def check_slot_free(
    ctx: Context, course_id: str, day: date, slot: int, field: str
) -> None:
    """No lesson of the course is in that place (one moved there included)."""
    key = f"{day.isoformat()}/{slot:02d}"
    # children, not child_ids: a stream whose creation is void keeps its place.
    if ctx.views.children("lesson", [course_id], key, key):
        raise Conflict(
            f"a lesson is already scheduled on {day.isoformat()} in slot {slot}",
            field=field,
        )


def free_lesson_id(ctx: Context, course_id: str, day: date, slot: int) -> str:
    """The place's id, or its next generation where a lesson that was there has
    moved away or been cancelled (it keeps its id)."""
    for generation in range(100):
        lesson_id = lesson_id_for(course_id, day, slot, generation)
        if ctx.views.doc(lesson_id) is None:
            return lesson_id
    raise Conflict(
        f"too many lessons have left {day.isoformat()} slot {slot}", field="date"
    )


class PlanTopic(Body):
    title: ShortText
    hours: float = Field(gt=0, le=100)


class AddPlanTopics(Body):
    course_id: UUID
    topics: list[PlanTopic] = Field(min_length=1, max_length=500)


@command(
    "add-plan-topics",
    AddPlanTopics,
    roles={"teacher", "deputy"},
    summary="Append topics to the course's calendar-thematic plan (КТП)",
)
def add_plan_topics(ctx: Context, cmd: AddPlanTopics) -> Outcome:
    course = course_for_writing(
        ctx,
        cmd.course_id,
        "only the course's teacher or a deputy plans the course",
        deputy=True,
    )
    course.add_plan_topics(ctx.meta, [t.model_dump() for t in cmd.topics])
    return Outcome([course])
