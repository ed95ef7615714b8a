"""``as_of``: the journals and the diary exactly as they stood at a moment."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest

from ejournal import queries
from ejournal.domain.errors import NotFound
from ejournal.projections import journal
from ejournal.projections.reader import AsOfReader, Reader, reader
from ejournal.service import Service
from tests.builders import NOW, FakeClock, School, run
from tests.projections.support import diary_lessons, lesson_of, views

WEEK = (date(2026, 11, 16), date(2026, 11, 22))


def course(service: Service, school: School, as_of: datetime | None) -> dict[str, Any]:
    return queries.course_journal(
        service, school.actor(service, "teacher"), school.course_id, None, as_of=as_of
    )


def diary(service: Service, school: School, as_of: datetime | None) -> dict[str, Any]:
    return queries.diary(
        service, school.actor(service, "guardian"), school.students[0], *WEEK,
        as_of=as_of,
    )


def marks_in(j: dict[str, Any], lesson_id: str, pupil: str) -> list[str]:
    cell = lesson_of(j, lesson_id)["cells"].get(pupil)
    return [] if cell is None else [m["value"] for m in cell["marks"]]


def test_as_of_returns_the_journal_and_diary_at_each_moment(
    service: Service, school: School, clock: FakeClock
) -> None:
    teacher = school.actor(service, "teacher")
    system = service.system_actor()
    l0, l1 = school.lesson_ids[:2]
    p0, p1, _ = school.students
    moments: list[datetime] = []
    seen: list[dict[str, Any]] = []

    def snapshot() -> None:
        moments.append(clock())
        seen.append({
            "course": course(service, school, None),
            "diary": diary(service, school, None),
            "class": queries.class_journal(
                service, system, school.class_id, None, None),
            "other": queries.diary(service, system, p1, *WEEK, None),
        })

    snapshot()  # T0: the school as built, no marks
    clock.advance(hours=1)
    run(service, teacher, "record-mark", {
        "lesson_id": l0, "student_id": p0, "value": "4", "work_type": "oral",
    })
    snapshot()  # T1: one mark
    clock.advance(minutes=30)
    run(service, teacher, "record-mark", {
        "lesson_id": l1, "student_id": p0, "value": "2", "work_type": "test",
    })
    run(service, teacher, "record-attendance", {
        "lesson_id": l1, "entries": [{"student_id": p1, "code": "absent"}],
    })
    snapshot()  # T2
    clock.advance(hours=2)
    run(service, teacher, "set-lesson-topic", {"lesson_id": l0, "topic": "Дроби"})
    run(service, teacher, "assign-homework", {"lesson_id": l0, "text": "№ 5"})
    run(service, teacher, "record-attendance", {
        "lesson_id": l1, "entries": [{"student_id": p1, "code": "present"}],
    })
    snapshot()  # T3
    clock.advance(days=1)
    extra = run(service, system, "schedule-lessons", {
        "course_id": school.course_id,
        "lessons": [{"date": "2026-11-19", "slot": 6, "starts_at": "13:00",
                     "ends_at": "13:45"}],
    })["lesson_ids"][0]
    run(service, system, "transfer-student", {
        "student_id": p1, "to_class_id": school.other_class_id, "on": "2026-11-18",
    })
    snapshot()  # T4: a lesson more, a pupil gone from the 18th

    # Every recorded moment: as_of gives exactly what the live view showed then,
    # including between commands (half-way to the next moment).
    for i, (moment, then) in enumerate(zip(moments, seen, strict=True)):
        probes = [moment]
        if i + 1 < len(moments):
            probes.append(moment + (moments[i + 1] - moment) / 2)
        for at in probes:
            assert course(service, school, at) == then["course"], (i, at)
            assert diary(service, school, at) == then["diary"], (i, at)
            assert queries.class_journal(service, system, school.class_id, None, at) \
                == then["class"], (i, at)
            assert queries.diary(
                service, system, p1, *WEEK, at) == then["other"], (i, at)

    # And the answers differ where they should.
    before, after = seen[0]["course"], seen[1]["course"]
    assert marks_in(before, l0, p0) == []
    assert marks_in(after, l0, p0) == ["4"]
    assert marks_in(course(service, school, moments[1] - timedelta(seconds=1)),
                    l0, p0) == []
    assert lesson_of(seen[2]["course"], l1)["cells"][p1]["attendance"] == "absent"
    assert lesson_of(seen[3]["course"], l1)["cells"][p1]["attendance"] is None
    assert lesson_of(seen[2]["course"], l0)["topic"] is None
    assert lesson_of(seen[3]["course"], l0)["topic"] == "Дроби"
    assert extra not in [x["lesson_id"] for x in seen[3]["course"]["lessons"]]
    assert extra in [x["lesson_id"] for x in seen[4]["course"]["lessons"]]
    assert p1 in lesson_of(seen[3]["course"], school.lesson_ids[3])["cells"]
    assert p1 not in lesson_of(seen[4]["course"], school.lesson_ids[3])["cells"]
    assert [v["value"] for d in seen[1]["diary"]["days"] for x in d["lessons"]
            for v in x["marks"]] == ["4"]
    assert [v["value"] for d in seen[2]["diary"]["days"] for x in d["lessons"]
            for v in x["marks"]] == ["4", "2"]
    assert ("2026-11-18", school.lesson_ids[2]) in diary_lessons(seen[3]["other"])
    assert ("2026-11-18", school.lesson_ids[2]) not in diary_lessons(seen[4]["other"])

    # The present answers as_of a moment after everything.
    assert course(service, school, clock() + timedelta(days=30)) == course(
        service, school, None
    )


def test_as_of_before_the_course_existed_is_not_found(
    service: Service, school: School
) -> None:
    with pytest.raises(NotFound):
        course(service, school, NOW - timedelta(days=1))
    with pytest.raises(NotFound):
        diary(service, school, NOW - timedelta(days=1))


def test_as_of_is_exact_to_the_microsecond(
    service: Service, school: School, clock: FakeClock
) -> None:
    teacher = school.actor(service, "teacher")
    clock.set(NOW + timedelta(hours=3, microseconds=123457))
    at = clock()
    run(service, teacher, "record-mark", {
        "lesson_id": school.lesson_ids[0], "student_id": school.students[0],
        "value": "5", "work_type": "oral",
    })
    l0, p0 = school.lesson_ids[0], school.students[0]
    assert marks_in(course(service, school, at - timedelta(microseconds=1)),
                    l0, p0) == []
    assert marks_in(course(service, school, at), l0, p0) == ["5"]
    # A moment given in another time zone is the same instant.
    from zoneinfo import ZoneInfo

    moscow = at.astimezone(ZoneInfo("Europe/Moscow"))
    assert marks_in(course(service, school, moscow), l0, p0) == ["5"]


def test_reader_and_as_of_reader_agree_at_now(
    service: Service, school: School, clock: FakeClock
) -> None:
    teacher = school.actor(service, "teacher")
    other_teacher = school.actor(service, "other_teacher")
    system = service.system_actor()
    p0, p1, p2 = school.students
    for i, lesson in enumerate(school.lesson_ids):
        clock.advance(minutes=7)
        run(service, teacher, "record-mark", {
            "lesson_id": lesson, "student_id": school.students[i % 3],
            "value": str(5 - i % 4), "work_type": ("oral", "test", "control")[i % 3],
        })
    run(service, teacher, "record-attendance", {"lesson_id": school.lesson_ids[2],
        "entries": [{"student_id": p2, "code": "ill"}]})
    run(service, teacher, "add-comment", {
        "lesson_id": school.lesson_ids[1], "student_id": p1, "text": "Хорошо",
    })
    run(service, other_teacher, "record-mark", {
        "lesson_id": school.other_lesson_id, "student_id": school.other_student,
        "value": "3", "work_type": "oral",
    })
    group = run(service, system, "create-group", {
        "class_id": school.class_id, "name": "A", "student_ids": [p0, p1],
    })["group_id"]
    run(service, system, "create-course", {
        "year_id": school.year_id, "class_id": school.class_id, "group_id": group,
        "subject": "Информатика", "teacher_id": school.accounts["other_teacher"],
        "hours_per_week": 1,
    })
    run(service, system, "transfer-student", {
        "student_id": p1, "to_class_id": school.other_class_id, "on": "2026-11-19",
    })
    run(service, system, "withdraw-student", {
        "student_id": p2, "on": "2026-11-20", "reason": "переезд",
    })

    now = clock()
    current = views(service, reader_as_of=True)
    assert views(service, now, reader_as_of=True) == current
    assert views(service, now) == current
    assert views(service) == current
    with reader(service.app) as r:
        assert type(r) is Reader
    with reader(service.app, now) as r:
        assert isinstance(r, AsOfReader)
        for period in school.period_ids:
            assert journal.course_journal(r, school.course_id, service.rules, period) \
                == queries.course_journal(
                    service, system, school.course_id, period, None)


def test_class_journal_as_of_before_a_later_course_was_created(
    service: Service, school: School, clock: FakeClock
) -> None:
    """A course created after the moment did not exist then: the class journal
    as of that moment lists only the courses of that moment."""
    system = service.system_actor()
    then = queries.class_journal(service, system, school.class_id, None, None)
    t = clock()
    clock.advance(hours=1)
    run(service, system, "create-course", {
        "year_id": school.year_id, "class_id": school.class_id,
        "subject": "Физкультура", "teacher_id": school.accounts["other_teacher"],
        "hours_per_week": 2,
    })
    assert len(queries.class_journal(service, system, school.class_id, None, None)[
        "courses"]) == 2
    assert queries.class_journal(service, system, school.class_id, None, t) == then
