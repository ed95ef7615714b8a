"""A course (предмет в классе или группе): a subject taught to a class or group by a
teacher for a year."""

from __future__ import annotations

from ejournal.domain.base import Meta, SchoolAggregate, SchoolEvent, meta_fields


class CourseEvent(SchoolEvent):
    stream_kind = "course"


class CourseCreated(CourseEvent, SchoolAggregate.Created):
    year_id: str
    class_id: str
    group_id: str | None
    subject: str
    teacher_id: str
    hours_per_week: float


class Course(SchoolAggregate):
    def __init__(
        self,
        year_id: str,
        class_id: str,
        group_id: str | None,
        subject: str,
        teacher_id: str,
        hours_per_week: float,
    ) -> None:
        self.year_id = year_id
        self.class_id = class_id
        self.group_id = group_id
        self.subject = subject
        self.teacher_id = teacher_id
        self.hours_per_week = hours_per_week


def create_course(
    meta: Meta,
    *,
    year_id: str,
    class_id: str,
    group_id: str | None,
    subject: str,
    teacher_id: str,
    hours_per_week: float,
) -> Course:
    return Course._create(
        CourseCreated,
        **meta_fields(meta),
        year_id=year_id,
        class_id=class_id,
        group_id=group_id,
        subject=subject,
        teacher_id=teacher_id,
        hours_per_week=hours_per_week,
    )
