"""Helpers for the rule tests: school-local times, ``Meta`` with an injected clock,
fresh aggregates whose creation is already saved, and service shortcuts."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from ejournal.domain.base import Meta
from ejournal.domain.course import Course, create_course
from ejournal.domain.lesson import Lesson, schedule_lesson
from ejournal.domain.rules import DEFAULT_RULES
from ejournal.projections.reader import reader
from ejournal.security import Actor
from ejournal.service import Service

MSK = ZoneInfo("Europe/Moscow")
RULES = DEFAULT_RULES
TEACHER = "teacher-1"
OTHER_TEACHER = "teacher-2"
DIRECTOR = "director-1"
PUPIL = "pupil-1"
MONDAY = date(2026, 11, 16)
PERIOD_II = {
    "id": "period-2",
    "name": "II",
    "starts_on": "2026-11-05",
    "ends_on": "2026-12-27",
}


def local(y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0) -> datetime:
    """A Moscow wall-clock time as an aware UTC datetime."""
    return datetime(y, mo, d, h, mi, s, tzinfo=MSK).astimezone(UTC)


def meta(now: datetime, actor: str = TEACHER) -> Meta:
    return Meta(actor, f"session-{actor}", None, "127.0.0.1", now)


def everyone(_: str) -> bool:
    return True


def a_lesson(day: date = MONDAY) -> Lesson:
    """Given: a lesson in the timetable (its scheduling already saved)."""
    lesson = schedule_lesson(
        meta(local(2026, 9, 1), "deputy"),
        course_id="course-1",
        day=day,
        slot=2,
        starts_at="09:25",
        ends_at="10:10",
    )
    lesson.collect_events()
    return lesson


def a_course(hours: float = 2) -> Course:
    course = create_course(
        meta(local(2026, 9, 1), "deputy"),
        year_id="year-1",
        class_id="class-1",
        group_id=None,
        subject="Математика",
        teacher_id=TEACHER,
        hours_per_week=hours,
    )
    course.collect_events()
    return course


def new_events(aggregate: Any) -> list[Any]:
    """Then: the events the decision triggered."""
    return list(aggregate.collect_events())


def run(service: Service, actor: Actor, name: str, body: dict[str, Any]) -> Any:
    return service.execute(actor, name, body)


def doc(service: Service, stream_id: str) -> Any:
    with reader(service.app) as views:
        return views.doc(stream_id)
