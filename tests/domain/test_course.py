"""A course: a subject taught to a class or group by a teacher for a year."""

from __future__ import annotations

from ejournal.domain.base import fold
from ejournal.domain.course import Course, CourseCreated, create_course
from tests.domain.builders import CLASS_A, TEACHER, meta


def test_creating_a_course_records_class_group_subject_teacher_and_hours() -> None:
    course = create_course(
        meta(),
        year_id="year-1",
        class_id=CLASS_A,
        group_id="g1",
        subject="Английский язык",
        teacher_id=TEACHER,
        hours_per_week=1.5,
    )

    [event] = course.collect_events()
    assert isinstance(event, CourseCreated)
    assert (event.class_id, event.group_id, event.subject, event.teacher_id) == (
        CLASS_A,
        "g1",
        "Английский язык",
        TEACHER,
    )
    assert event.hours_per_week == 1.5
    refolded: Course = fold([event])
    assert (refolded.teacher_id, refolded.hours_per_week) == (TEACHER, 1.5)
