"""The calendar-thematic plan (КТП) edited and reordered: topic numbers are ids,
the plan's order is its list's."""

from __future__ import annotations

import pytest

from ejournal.domain.base import fold
from ejournal.domain.course import (
    Course,
    CourseCreated,
    PlanTopicEdited,
    PlanTopicsAdded,
    PlanTopicsReordered,
)
from ejournal.domain.errors import Conflict, Invalid
from tests.domain.builders import CLASS_A, TEACHER, Stream, meta, only_event


class CourseStream(Stream):
    aggregate_class = Course

    def created(self) -> object:
        return self.event(
            CourseCreated,
            year_id="year-1",
            class_id=CLASS_A,
            group_id=None,
            subject="Математика",
            teacher_id=TEACHER,
            hours_per_week=5.0,
        )

    def topics(self, *titles: str, first: int = 1) -> object:
        return self.event(
            PlanTopicsAdded,
            topics=[
                {"no": first + i, "title": t, "hours": 2.0}
                for i, t in enumerate(titles)
            ],
        )


def planned() -> tuple[CourseStream, list[object]]:
    s = CourseStream()
    return s, [s.created(), s.topics("Дроби", "Проценты", "Уравнения")]


def test_editing_a_topic_keeps_its_number_and_changes_title_and_hours() -> None:
    _, given = planned()
    course: Course = fold(given)

    course.edit_plan_topic(meta(), 2, "Проценты и доли", None)

    event = only_event(course, PlanTopicEdited)
    assert (event.no, event.title, event.hours) == (2, "Проценты и доли", 2.0)
    assert course.plan[1] == {"no": 2, "title": "Проценты и доли", "hours": 2.0}


def test_an_edit_that_changes_nothing_is_a_conflict() -> None:
    _, given = planned()
    course: Course = fold(given)

    with pytest.raises(Conflict, match="already reads so"):
        course.edit_plan_topic(meta(), 1, "Дроби", 2.0)
    with pytest.raises(Invalid, match="no topic 9"):
        course.edit_plan_topic(meta(), 9, "X", None)
    with pytest.raises(Invalid, match="a new title, new hours or both"):
        course.edit_plan_topic(meta(), 1, None, None)


def test_reordering_keeps_the_numbers_and_changes_the_order() -> None:
    _, given = planned()
    course: Course = fold(given)

    course.reorder_plan_topics(meta(), [3, 1, 2])

    event = only_event(course, PlanTopicsReordered)
    assert event.order == [3, 1, 2]
    assert [(t["no"], t["title"]) for t in course.plan] == [
        (3, "Уравнения"),
        (1, "Дроби"),
        (2, "Проценты"),
    ]


def test_topics_added_after_a_reorder_take_new_numbers() -> None:
    s, given = planned()
    course: Course = fold([*given, s.event(PlanTopicsReordered, order=[3, 1, 2])])

    course.add_plan_topics(meta(), [{"title": "Графики", "hours": 1.0}])

    event = only_event(course, PlanTopicsAdded)
    assert event.topics == [{"no": 4, "title": "Графики", "hours": 1.0}]
    assert [t["no"] for t in course.plan] == [3, 1, 2, 4]


def test_an_order_must_name_every_topic_once() -> None:
    _, given = planned()
    course: Course = fold(given)

    with pytest.raises(Invalid, match="missing \\[3\\]"):
        course.reorder_plan_topics(meta(), [2, 1])
    with pytest.raises(Invalid, match="listed twice"):
        course.reorder_plan_topics(meta(), [1, 1, 2])
    with pytest.raises(Invalid, match="no topics \\[7\\]"):
        course.reorder_plan_topics(meta(), [1, 2, 7])
    with pytest.raises(Conflict, match="already in that order"):
        course.reorder_plan_topics(meta(), [1, 2, 3])


def test_a_voided_reorder_brings_back_the_order_before_it() -> None:
    s, given = planned()
    given += [s.event(PlanTopicsReordered, order=[3, 2, 1]), s.void(3)]
    course: Course = fold(given)

    assert [t["no"] for t in course.plan] == [1, 2, 3]
