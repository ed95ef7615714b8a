"""A lesson cancelled (only when empty; nothing written after) or moved (its
entries come along; deadlines then follow the new date)."""

from __future__ import annotations

import re
from datetime import date

import pytest

from ejournal.domain.base import fold
from ejournal.domain.errors import Conflict
from ejournal.domain.lesson import (
    CommentAdded,
    Lesson,
    LessonCancelled,
    LessonMoved,
    TopicSet,
)
from ejournal.domain.rules import DEFAULT_RULES
from tests.domain.builders import (
    LESSON_DAY,
    PUPIL,
    LessonStream,
    local,
    meta,
    only_event,
    pupils,
)

RULES = DEFAULT_RULES
WEDNESDAY = date(2026, 11, 18)


def test_an_empty_lesson_is_cancelled_with_its_reason() -> None:
    s = LessonStream()
    lesson: Lesson = fold([s.scheduled()])

    lesson.cancel(meta(), "teacher ill, no substitute")

    event = only_event(lesson, LessonCancelled)
    assert event.reason == "teacher ill, no substitute"
    assert lesson.cancelled == "teacher ill, no substitute"


@pytest.mark.parametrize(
    ("entry", "named"),
    [
        ("topic", "a topic"),
        ("homework", "homework"),
        ("attendance", "1 attendance note(s)"),
        ("mark", "1 mark(s)"),
        ("comment", "1 comment(s)"),
    ],
)
def test_a_lesson_with_an_entry_is_not_cancelled_and_the_refusal_names_it(
    entry: str, named: str
) -> None:
    s = LessonStream()
    given = [s.scheduled()]
    if entry == "topic":
        given.append(s.topic())
    elif entry == "homework":
        given.append(s.homework())
    elif entry == "attendance":
        given.append(s.attendance(**{PUPIL: "absent"}))
    elif entry == "mark":
        given.append(s.mark("m1"))
    else:
        given.append(s.event(CommentAdded, comment_id="c1", student_id=PUPIL, text="x"))
    lesson: Lesson = fold(given)

    with pytest.raises(Conflict, match=re.escape(f"has entries ({named})")):
        lesson.cancel(meta(), "mistake")
    assert lesson.collect_events() == []


def test_a_lesson_whose_entries_were_voided_may_be_cancelled() -> None:
    s = LessonStream()
    lesson: Lesson = fold([s.scheduled(), s.mark("m1"), s.void(2)])

    lesson.cancel(meta(), "never held")

    only_event(lesson, LessonCancelled)


def test_nothing_is_written_to_a_cancelled_lesson() -> None:
    s = LessonStream()
    lesson: Lesson = fold([s.scheduled(), s.event(LessonCancelled, reason="flu")])

    with pytest.raises(Conflict, match="was cancelled \\(flu\\)"):
        lesson.set_topic(meta(), RULES, "Дроби", None)
    with pytest.raises(Conflict, match="was cancelled"):
        lesson.record_mark(
            meta(),
            RULES,
            mark_id="m1",
            student_id=PUPIL,
            value="5",
            work_type="oral",
            comment=None,
            is_pupil=pupils(PUPIL),
        )
    with pytest.raises(Conflict, match="was cancelled"):
        lesson.move(
            meta(), RULES, day=WEDNESDAY, slot=3, starts_at="10:20", ends_at="11:05"
        )
    with pytest.raises(Conflict, match="was cancelled"):
        lesson.cancel(meta(), "again")


def test_a_voided_cancellation_gives_the_lesson_back() -> None:
    s = LessonStream()
    lesson: Lesson = fold(
        [s.scheduled(), s.event(LessonCancelled, reason="flu"), s.void(2)]
    )

    lesson.set_topic(meta(), RULES, "Дроби", None)

    only_event(lesson, TopicSet)


def test_a_moved_lesson_keeps_its_marks_and_says_where_it_was() -> None:
    s = LessonStream()
    lesson: Lesson = fold([s.scheduled(), s.mark("m1")])

    lesson.move(
        meta(), RULES, day=WEDNESDAY, slot=4, starts_at="11:15", ends_at="12:00"
    )

    event = only_event(lesson, LessonMoved)
    assert (event.date, event.slot, event.from_date, event.from_slot) == (
        "2026-11-18",
        4,
        "2026-11-16",
        2,
    )
    assert (lesson.date, lesson.slot, lesson.starts_at) == ("2026-11-18", 4, "11:15")
    assert "m1" in lesson.marks


def test_entries_after_a_move_are_due_by_the_new_date() -> None:
    s = LessonStream()
    lesson: Lesson = fold([s.scheduled()])
    lesson.move(
        meta(), RULES, day=WEDNESDAY, slot=2, starts_at="09:25", ends_at="10:10"
    )
    lesson.collect_events()

    # Wednesday evening: late by the old date (Monday), on time by the new one.
    lesson.set_topic(meta(now=local(2026, 11, 18, 20)), RULES, "Дроби", None)

    topic = only_event(lesson, TopicSet)
    assert topic.due_at == "2026-11-18T20:59:59.999999+00:00"  # 23:59 Moscow
    assert not topic.late
    assert LESSON_DAY < WEDNESDAY


def test_a_lesson_with_marks_does_not_move_into_the_future() -> None:
    s = LessonStream()
    lesson: Lesson = fold([s.scheduled(), s.mark("m1")])

    with pytest.raises(Conflict, match="took place"):
        lesson.move(
            meta(),
            RULES,
            day=date(2026, 11, 30),
            slot=2,
            starts_at="09:25",
            ends_at="10:10",
        )


def test_an_empty_lesson_moves_into_the_future() -> None:
    s = LessonStream()
    lesson: Lesson = fold([s.scheduled()])

    lesson.move(
        meta(),
        RULES,
        day=date(2026, 11, 30),
        slot=2,
        starts_at="09:25",
        ends_at="10:10",
    )

    only_event(lesson, LessonMoved)


def test_moving_a_lesson_where_it_is_is_a_conflict() -> None:
    s = LessonStream()
    lesson: Lesson = fold([s.scheduled()])

    with pytest.raises(Conflict, match="already there"):
        lesson.move(
            meta(), RULES, day=LESSON_DAY, slot=2, starts_at="09:25", ends_at="10:10"
        )
