"""A pupil's timetable (расписание) of a week, by default the coming one, and
their schedule of tests (контрольные и проверочные работы): what the diary shows
ahead of the days it records."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from ejournal.domain.errors import Invalid, NotFound
from ejournal.projections import journal
from ejournal.projections.reader import reader
from ejournal.security import Actor, check_consent, check_diary
from ejournal.service import Service

TEST_WORK_TYPES = frozenset({"test", "control"})
# A lesson's topic naming a test: the data model has no planned work type, so a
# teacher announces a test by the topic they set ahead (set-lesson-topic works on
# future lessons): "Контрольная работа № 2", "Проверочная работа", "Тест".
TEST_WORDS = ("контрольн", "проверочн", "тест", "зачёт", "зачет", "диктант")
TESTS_AHEAD = 28  # days of upcoming lessons searched for announced tests
TESTS_BEHIND = 28  # days of held lessons searched for recorded test marks


def announces_test(topic: str | None) -> bool:
    words = (topic or "").lower()
    return any(word in words for word in TEST_WORDS)


def test_marks(lesson: dict[str, Any]) -> list[str]:
    """The test work types among the pupil's marks on a diary lesson."""
    return sorted({m["work_type"] for m in lesson["marks"]} & TEST_WORK_TYPES)


def pupil_timetable(
    service: Service,
    actor: Actor,
    student_id: str,
    week: date | None,
    as_of: datetime | None,
) -> dict[str, Any]:
    """Whoever reads the pupil's diary (a guardian with consent). ``week``: any
    day of the wanted week, default the coming one (next Monday..Sunday from the
    school's today, or from ``as_of``).

    ``{student_id, full_name, today, week_start, week_end, lessons: [{lesson_id,
    date, slot, starts_at, ends_at, course_id, subject, teacher_id,
    substitute_id, topic, test}], holidays: [{name, starts_on, ends_on}], tests:
    [{lesson_id, date, slot, subject, topic, source, work_types}]}``.

    ``holidays`` are the year's holidays overlapping the week. ``tests`` runs
    from 28 days back to 28 days ahead of today: ``source`` is ``"topic"`` for a
    lesson whose topic announces a test (TEST_WORDS; there is no planned work
    type to read), ``"marks"`` for a held lesson where the pupil got a mark of
    work type test or control."""
    with reader(service.app) as views:
        student = views.doc(student_id)
        if student is None or student.get("kind") != "student":
            raise NotFound(f"no pupil {student_id}")
        as_guardian = check_diary(views, actor, student)
        rules = service.rules_for(views)
    today = rules.local_date(as_of or service.clock())
    try:
        day = week or today + timedelta(days=7)
        monday = day - timedelta(days=day.weekday())
        sunday = monday + timedelta(days=6)
        since, until = (
            today - timedelta(days=TESTS_BEHIND),
            today + timedelta(days=TESTS_AHEAD),
        )
    except OverflowError:
        raise Invalid("the week runs past the calendar's end", field="week") from None
    with reader(service.app, as_of) as r:
        if as_guardian:
            check_consent(actor, student_id, r.doc(student_id))
        shown = journal.diary(r, student_id, rules, monday, sunday)
        window = journal.diary(r, student_id, rules, since, until)
        student = journal.get_kind(r, student_id, "student", "pupil")
        classes = r.docs(dict.fromkeys(str(p[0]) for p in student["placements"]))
        years = r.docs(dict.fromkeys(str(k["year_id"]) for k in classes.values()))
    first, last = monday.isoformat(), sunday.isoformat()
    lessons = [
        {
            "lesson_id": lesson["lesson_id"],
            "date": shown_day["date"],
            "slot": lesson["slot"],
            "starts_at": lesson["starts_at"],
            "ends_at": lesson["ends_at"],
            "course_id": lesson["course_id"],
            "subject": lesson["subject"],
            "teacher_id": lesson["teacher_id"],
            "substitute_id": lesson["substitute_id"],
            "topic": lesson["topic"],
            "test": announces_test(lesson["topic"]) or bool(test_marks(lesson)),
        }
        for shown_day in shown["days"]
        for lesson in shown_day["lessons"]
    ]
    tests = [
        {
            "lesson_id": lesson["lesson_id"],
            "date": shown_day["date"],
            "slot": lesson["slot"],
            "subject": lesson["subject"],
            "topic": lesson["topic"],
            "source": "marks" if test_marks(lesson) else "topic",
            "work_types": test_marks(lesson),
        }
        for shown_day in window["days"]
        for lesson in shown_day["lessons"]
        if test_marks(lesson) or announces_test(lesson["topic"])
    ]
    holidays = sorted(
        (
            {"name": h["name"], "starts_on": h["starts_on"], "ends_on": h["ends_on"]}
            for y in years.values()
            for h in y.get("holidays", [])
            if h["starts_on"] <= last and h["ends_on"] >= first
        ),
        key=lambda h: h["starts_on"],
    )
    return {
        "student_id": student_id,
        "full_name": shown["full_name"],
        "today": today.isoformat(),
        "week_start": first,
        "week_end": last,
        "lessons": lessons,
        "holidays": holidays,
        "tests": tests,
    }
