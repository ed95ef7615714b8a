"""A lesson's entries: marks, attendance, topic, homework, substitution; the
"not in the future" rule and the late flags (DOMAIN.md "Entry deadlines")."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta

import pytest

from ejournal.domain.base import fold
from ejournal.domain.errors import Conflict, Invalid
from ejournal.domain.lesson import (
    AttendanceRecorded,
    CommentAdded,
    HomeworkAssigned,
    Lesson,
    LessonScheduled,
    MarkRecorded,
    SubstitutionRecorded,
    TopicSet,
    lesson_id_for,
    schedule_lesson,
)
from ejournal.domain.rules import DEFAULT_RULES
from tests.domain.builders import (
    COURSE,
    LESSON_DAY,
    OTHER_PUPIL,
    PUPIL,
    TEACHER,
    LessonStream,
    local,
    meta,
    only_event,
    pupils,
)

RULES = DEFAULT_RULES
CLASS = pupils(PUPIL, OTHER_PUPIL)
NOW_MONDAY = local(2026, 11, 23, 10)


def a_lesson(day: date = LESSON_DAY) -> Lesson:
    s = LessonStream()
    lesson: Lesson = fold([s.scheduled(day)])
    return lesson


def when_marking(
    lesson: Lesson,
    now: datetime,
    work_type: str = "oral",
    student_id: str = PUPIL,
    is_pupil: object = CLASS,
) -> MarkRecorded:
    lesson.record_mark(
        meta(now),
        RULES,
        mark_id="m1",
        student_id=student_id,
        value="4",
        work_type=work_type,
        comment="at the board",
        is_pupil=is_pupil,  # type: ignore[arg-type]
    )
    [event] = lesson.collect_events()
    assert isinstance(event, MarkRecorded)
    return event


# --- scheduling ---------------------------------------------------------------


def test_lesson_id_is_derived_from_course_date_and_slot() -> None:
    first = lesson_id_for(COURSE, LESSON_DAY, 2)

    assert first == lesson_id_for(COURSE, LESSON_DAY, 2)
    assert uuid.UUID(first).version == 5
    assert first != lesson_id_for(COURSE, LESSON_DAY, 3)
    assert first != lesson_id_for(COURSE, LESSON_DAY + timedelta(days=1), 2)
    assert first != lesson_id_for("other-course", LESSON_DAY, 2)


def test_scheduling_a_lesson_uses_the_derived_id() -> None:
    lesson = schedule_lesson(
        meta(),
        course_id=COURSE,
        day=LESSON_DAY,
        slot=2,
        starts_at="09:25",
        ends_at="10:10",
    )

    [event] = lesson.collect_events()
    assert isinstance(event, LessonScheduled)
    assert str(event.originator_id) == lesson_id_for(COURSE, LESSON_DAY, 2)
    assert (event.course_id, event.date, event.slot) == (COURSE, "2026-11-16", 2)
    assert (event.starts_at, event.ends_at) == ("09:25", "10:10")


# --- marks --------------------------------------------------------------------


def test_recording_a_mark_records_who_when_and_what() -> None:
    lesson = a_lesson()
    now = local(2026, 11, 16, 10, 5)

    event = when_marking(lesson, now)

    assert (event.mark_id, event.student_id, event.value, event.work_type) == (
        "m1",
        PUPIL,
        "4",
        "oral",
    )
    assert event.comment == "at the board"
    assert (event.actor_id, event.session_id, event.timestamp) == (
        TEACHER,
        "session-1",
        now,
    )
    assert event.late is False
    assert lesson.marks["m1"]["author_id"] == TEACHER


def test_mark_on_a_lesson_dated_tomorrow_is_a_conflict() -> None:
    lesson = a_lesson(date(2026, 11, 24))

    with pytest.raises(Conflict) as error:
        when_marking(lesson, NOW_MONDAY)
    assert error.value.field == "lesson_id"


def test_mark_late_in_the_evening_before_the_lesson_day_is_a_conflict() -> None:
    lesson = a_lesson(date(2026, 11, 23))

    with pytest.raises(Conflict):
        when_marking(lesson, local(2026, 11, 22, 23, 59, 59))


def test_mark_after_local_midnight_is_on_the_lesson_day_although_utc_is_not() -> None:
    lesson = a_lesson(date(2026, 11, 23))
    now = local(2026, 11, 23, 0, 30)
    assert now.date() == date(2026, 11, 22)  # still the day before in UTC

    event = when_marking(lesson, now)

    assert event.late is False


def test_mark_for_a_non_pupil_is_refused() -> None:
    lesson = a_lesson()

    with pytest.raises(Invalid, match="stranger") as error:
        when_marking(lesson, NOW_MONDAY, student_id="stranger")
    assert error.value.field == "student_id"
    assert lesson.collect_events() == []


def test_mark_asks_the_roster_about_the_pupil_being_marked() -> None:
    asked: list[str] = []

    def is_pupil(student_id: str) -> bool:
        asked.append(student_id)
        return False

    with pytest.raises(Invalid):
        when_marking(a_lesson(), NOW_MONDAY, student_id=OTHER_PUPIL, is_pupil=is_pupil)
    assert asked == [OTHER_PUPIL]


# (work type, last on-time local moment): the lesson is on Monday 16 November.
DEADLINES = [
    ("oral", (2026, 11, 16)),
    ("classwork", (2026, 11, 16)),
    ("homework", (2026, 11, 16)),
    ("lab", (2026, 11, 16)),
    ("practical", (2026, 11, 16)),
    ("test", (2026, 11, 19)),
    ("control", (2026, 11, 19)),
    ("written", (2026, 11, 23)),
]


@pytest.mark.parametrize(("work_type", "due_day"), DEADLINES)
def test_mark_at_the_last_second_of_its_due_day_is_on_time(
    work_type: str, due_day: tuple[int, int, int]
) -> None:
    due = local(*due_day, 23, 59, 59, 999_999)

    event = when_marking(a_lesson(), due, work_type)

    assert event.late is False
    assert event.due_at == due.isoformat()


@pytest.mark.parametrize(("work_type", "due_day"), DEADLINES)
def test_mark_at_midnight_after_its_due_day_is_flagged_late(
    work_type: str, due_day: tuple[int, int, int]
) -> None:
    after = local(*due_day) + timedelta(days=1)

    event = when_marking(a_lesson(), after, work_type)

    assert event.late is True
    assert event.due_at == local(*due_day, 23, 59, 59, 999_999).isoformat()


def test_oral_mark_due_at_is_stored_in_utc() -> None:
    event = when_marking(a_lesson(), local(2026, 11, 16, 12))

    assert event.due_at == "2026-11-16T20:59:59.999999+00:00"


def test_oral_mark_in_the_last_second_of_the_lesson_day_is_not_late() -> None:
    # 23:59:59.5 local is still the lesson's day: the entry is on time.
    event = when_marking(a_lesson(), local(2026, 11, 16, 23, 59, 59, 500_000))

    assert event.late is False


def test_test_mark_on_the_day_of_the_lesson_is_on_time() -> None:
    event = when_marking(a_lesson(), local(2026, 11, 16, 9, 30), "test")

    assert event.late is False


def test_a_later_mark_with_the_same_id_replaces_the_value() -> None:
    s = LessonStream()
    lesson: Lesson = fold([s.scheduled(), s.mark("m1", value="3")])

    when_marking(lesson, NOW_MONDAY)

    assert lesson.marks["m1"]["value"] == "4"


# --- attendance ---------------------------------------------------------------


def test_recording_attendance_keeps_the_codes_of_each_pupil() -> None:
    lesson = a_lesson()
    entries = [
        {"student_id": PUPIL, "code": "absent"},
        {"student_id": OTHER_PUPIL, "code": "late"},
    ]

    lesson.record_attendance(meta(local(2026, 11, 16, 9, 30)), RULES, entries, CLASS)

    [event] = lesson.collect_events()
    assert isinstance(event, AttendanceRecorded)
    assert event.entries == entries
    assert event.late is False
    assert event.due_at == "2026-11-16T20:59:59.999999+00:00"
    assert lesson.attendance == {PUPIL: "absent", OTHER_PUPIL: "late"}


def test_attendance_listing_a_pupil_twice_is_refused() -> None:
    lesson = a_lesson()
    entries = [
        {"student_id": PUPIL, "code": "absent"},
        {"student_id": OTHER_PUPIL, "code": "present"},
        {"student_id": PUPIL, "code": "ill"},
    ]

    with pytest.raises(Invalid) as error:
        lesson.record_attendance(meta(), RULES, entries, CLASS)
    assert error.value.field == "entries[2]"
    assert lesson.collect_events() == []


def test_attendance_of_a_non_pupil_is_refused() -> None:
    lesson = a_lesson()
    entries = [
        {"student_id": PUPIL, "code": "absent"},
        {"student_id": "stranger", "code": "absent"},
    ]

    with pytest.raises(Invalid) as error:
        lesson.record_attendance(meta(), RULES, entries, CLASS)
    assert error.value.field == "entries[1].student_id"


def test_attendance_on_a_future_lesson_is_a_conflict() -> None:
    lesson = a_lesson(date(2026, 11, 30))

    with pytest.raises(Conflict):
        lesson.record_attendance(
            meta(), RULES, [{"student_id": PUPIL, "code": "absent"}], CLASS
        )


def test_present_clears_an_earlier_absence() -> None:
    s = LessonStream()
    lesson: Lesson = fold(
        [s.scheduled(), s.attendance(**{PUPIL: "absent", OTHER_PUPIL: "ill"})]
    )

    lesson.record_attendance(
        meta(), RULES, [{"student_id": PUPIL, "code": "present"}], CLASS
    )

    assert lesson.attendance == {OTHER_PUPIL: "ill"}


def test_voiding_the_present_brings_the_absence_back() -> None:
    s = LessonStream()
    lesson: Lesson = fold(
        [
            s.scheduled(),
            s.attendance(**{PUPIL: "absent"}),
            s.attendance(**{PUPIL: "present"}),
            s.void(3),
        ]
    )

    assert lesson.attendance == {PUPIL: "absent"}


def test_attendance_after_the_lesson_day_is_flagged_late() -> None:
    lesson = a_lesson()

    lesson.record_attendance(
        meta(local(2026, 11, 17)), RULES, [{"student_id": PUPIL, "code": "ill"}], CLASS
    )

    event = only_event(lesson, AttendanceRecorded)
    assert event.late is True


def test_attendance_at_the_last_second_of_the_lesson_day_is_on_time() -> None:
    lesson = a_lesson()

    lesson.record_attendance(
        meta(local(2026, 11, 16, 23, 59, 59)),
        RULES,
        [{"student_id": PUPIL, "code": "ill"}],
        CLASS,
    )

    event = only_event(lesson, AttendanceRecorded)
    assert event.late is False


# --- homework -----------------------------------------------------------------

ENTRY_DUE = RULES.homework_due(LESSON_DAY, time(14, 10))  # 15:40 local


@pytest.mark.parametrize("due_on", [LESSON_DAY, LESSON_DAY - timedelta(days=1)])
def test_homework_due_on_or_before_the_lesson_date_is_refused(due_on: date) -> None:
    lesson = a_lesson()

    with pytest.raises(Invalid) as error:
        lesson.assign_homework(meta(), "No. 12", due_on, ENTRY_DUE)
    assert error.value.field == "due_on"
    assert lesson.collect_events() == []


def test_homework_due_the_next_day_is_assigned() -> None:
    lesson = a_lesson()

    lesson.assign_homework(
        meta(local(2026, 11, 16, 12)),
        "No. 12",
        LESSON_DAY + timedelta(days=1),
        ENTRY_DUE,
    )

    [event] = lesson.collect_events()
    assert isinstance(event, HomeworkAssigned)
    assert (event.text, event.due_on) == ("No. 12", "2026-11-17")
    assert event.entry_due_at == ENTRY_DUE.isoformat()
    assert event.late is False
    assert lesson.homework == {"text": "No. 12", "due_on": "2026-11-17"}


def test_homework_without_a_due_date_is_assigned() -> None:
    lesson = a_lesson()

    lesson.assign_homework(meta(local(2026, 11, 16, 12)), "Read §4", None, ENTRY_DUE)

    event = only_event(lesson, HomeworkAssigned)
    assert event.due_on is None


def test_homework_at_its_entry_due_is_on_time() -> None:
    lesson = a_lesson()

    lesson.assign_homework(meta(ENTRY_DUE), "No. 12", None, ENTRY_DUE)

    event = only_event(lesson, HomeworkAssigned)
    assert event.late is False


def test_homework_a_second_after_its_entry_due_is_flagged_late() -> None:
    lesson = a_lesson()

    lesson.assign_homework(
        meta(ENTRY_DUE + timedelta(seconds=1)), "No. 12", None, ENTRY_DUE
    )

    event = only_event(lesson, HomeworkAssigned)
    assert event.late is True


# --- topic --------------------------------------------------------------------


def test_topic_on_the_lesson_day_is_on_time() -> None:
    lesson = a_lesson()

    lesson.set_topic(meta(local(2026, 11, 16, 23, 59, 59)), RULES, "Fractions", 7)

    [event] = lesson.collect_events()
    assert isinstance(event, TopicSet)
    assert (event.topic, event.plan_topic_no, event.late) == ("Fractions", 7, False)
    assert event.due_at == "2026-11-16T20:59:59.999999+00:00"
    assert (lesson.topic, lesson.plan_topic_no) == ("Fractions", 7)


def test_topic_after_the_lesson_day_is_flagged_late() -> None:
    lesson = a_lesson()

    lesson.set_topic(meta(local(2026, 11, 17)), RULES, "Fractions", None)

    event = only_event(lesson, TopicSet)
    assert event.late is True


# --- substitution and comments ------------------------------------------------


def test_recording_a_substitution_names_the_substitute() -> None:
    lesson = a_lesson()

    lesson.record_substitution(meta(), "teacher-2", "illness")

    [event] = lesson.collect_events()
    assert isinstance(event, SubstitutionRecorded)
    assert (event.substitute_teacher_id, event.reason) == ("teacher-2", "illness")
    assert lesson.substitute_id == "teacher-2"


def test_recording_the_same_substitution_twice_is_a_conflict() -> None:
    s = LessonStream()
    lesson: Lesson = fold([s.scheduled(), s.substitution("teacher-2")])

    with pytest.raises(Conflict) as error:
        lesson.record_substitution(meta(), "teacher-2", "illness")
    assert error.value.field == "substitute_teacher_id"


def test_recording_another_substitute_replaces_the_first() -> None:
    s = LessonStream()
    lesson: Lesson = fold([s.scheduled(), s.substitution("teacher-2")])

    lesson.record_substitution(meta(), "teacher-3", None)

    assert lesson.substitute_id == "teacher-3"


def test_comment_on_a_non_pupil_is_refused() -> None:
    lesson = a_lesson()

    with pytest.raises(Invalid):
        lesson.add_comment(
            meta(), comment_id="c1", student_id="stranger", text="x", is_pupil=CLASS
        )


def test_comment_on_a_pupil_is_recorded_with_its_author() -> None:
    lesson = a_lesson()

    lesson.add_comment(
        meta(), comment_id="c1", student_id=PUPIL, text="topic made up", is_pupil=CLASS
    )

    [event] = lesson.collect_events()
    assert isinstance(event, CommentAdded)
    assert lesson.comments["c1"] == {
        "student_id": PUPIL,
        "text": "topic made up",
        "author_id": TEACHER,
    }
