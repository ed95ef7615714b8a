"""What the generated year holds, read back from the stored events: attendance,
marks, corrections (inside the window, by the author; after it through the
director), substitutions, and period and annual marks for every pupil of every
course."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest

import ejournal.generate as gen
from ejournal.domain import course as crs
from ejournal.domain import lesson as les
from ejournal.domain import school_class as cls
from ejournal.domain import year as yr
from ejournal.store import open_store
from tests.generate.conftest import events, generate_into


class School:
    """The generated school as the events tell it."""

    def __init__(self, evs: list[Any]) -> None:
        self.events = evs
        self.grade: dict[str, int] = {}
        self.members: dict[str, list[str]] = defaultdict(list)  # class -> pupils
        self.groups: dict[str, list[str]] = {}
        self.courses: dict[str, Any] = {}
        self.lessons: dict[str, str] = {}  # lesson -> course
        self.periods: list[dict[str, str]] = []
        self.by_type: dict[str, list[Any]] = defaultdict(list)
        for e in evs:
            self.by_type[type(e).__name__].append(e)
            sid = str(e.originator_id)
            if isinstance(e, yr.YearOpened):
                self.periods = e.periods
            elif isinstance(e, cls.ClassCreated):
                self.grade[sid] = e.grade
            elif isinstance(e, cls.StudentJoined):
                self.members[sid].append(e.student_id)
            elif isinstance(e, cls.GroupCreated):
                self.groups[e.group_id] = list(e.student_ids)
            elif isinstance(e, crs.CourseCreated):
                self.courses[sid] = e
            elif isinstance(e, les.LessonScheduled):
                self.lessons[sid] = e.course_id

    def pupils(self, course_id: str) -> list[str]:
        course = self.courses[course_id]
        if course.group_id:
            return self.groups[course.group_id]
        return self.members[course.class_id]

    def graded(self, course_id: str) -> bool:
        return self.grade[self.courses[course_id].class_id] > 1

    def of(self, name: str) -> list[Any]:
        return self.by_type[name]


def school_at(url: str, seed: int = 1, **size: Any) -> tuple[gen.Generated, School]:
    out = generate_into(url, seed=seed, **size)
    app = open_store(url)
    try:
        return out, School(events(app))
    finally:
        app.close()


def test_lessons_attendance_marks_and_substitutions(
    fresh_url: Callable[[], str],
) -> None:
    out, school = school_at(fresh_url())
    assert out.classes == 2 and out.pupils == 32
    assert len(school.lessons) == out.lessons > 300
    for name in ("TopicSet", "HomeworkAssigned"):
        assert Counter(str(e.originator_id) for e in school.of(name)) == Counter(
            dict.fromkeys(school.lessons, 1)
        ), f"every lesson has one {name}"
    seats = sum(len(school.pupils(c)) for c in school.lessons.values())
    absences = sum(len(e.entries) for e in school.of("AttendanceRecorded"))
    assert 0.065 <= absences / seats <= 0.095, absences / seats
    marks = Counter(str(e.originator_id) for e in school.of("MarkRecorded"))
    graded = [lid for lid, c in school.lessons.items() if school.graded(c)]
    assert graded and len(graded) < len(school.lessons)
    assert set(marks) <= set(graded), "no marks in grade 1"
    assert all(marks[lid] >= 1 for lid in graded), "marks at every graded lesson"
    graded_seats = sum(len(school.pupils(school.lessons[lid])) for lid in graded)
    share = sum(marks.values()) / graded_seats
    assert 0.2 <= share <= 0.3, share
    assert len(school.of("MarkRecorded")) == out.marks
    substitutions = school.of("SubstitutionRecorded")
    assert 0 < len(substitutions) < 0.1 * len(school.lessons)
    # Marks count per pupil: the least-marked go first, so nobody is left out.
    per_pupil = Counter(e.student_id for e in school.of("MarkRecorded"))
    pupils = {p for c in school.courses if school.graded(c) for p in school.pupils(c)}
    assert set(per_pupil) == pupils


def test_corrections_inside_the_window_by_the_author(
    fresh_url: Callable[[], str],
) -> None:
    out, school = school_at(fresh_url())
    recorded = {e.mark_id: e for e in school.of("MarkRecorded")}
    corrected = school.of("MarkCorrected")
    alone = [e for e in corrected if e.request_id is None]
    assert alone, "some marks corrected by their author"
    assert len(alone) < 0.05 * len(recorded)
    for e in alone:
        mark = recorded[e.mark_id]
        assert e.actor_id == mark.actor_id
        assert mark.timestamp <= e.timestamp <= datetime.fromisoformat(mark.due_at)
        assert e.value != mark.value
        assert str(e.originator_id) == str(mark.originator_id)
    course_fixes = school.of("CourseMarkCorrected")
    assert out.corrections == len(alone) + len(course_fixes)


def test_period_and_annual_marks_for_every_pupil_of_every_course(
    fresh_url: Callable[[], str],
) -> None:
    out, school = school_at(fresh_url())
    period_ids = [p["id"] for p in school.periods]
    assert len(period_ids) == 4
    expected = {
        (course_id, pupil, period)
        for course_id in school.courses
        for pupil in school.pupils(course_id)
        for period in period_ids
    }
    period_marks = school.of("PeriodMarkSet")
    got = Counter(
        (str(e.originator_id), e.student_id, e.period_id) for e in period_marks
    )
    assert set(got) == expected and set(got.values()) == {1}
    assert out.period_marks == len(period_marks)
    annual = school.of("FinalMarkSet")
    assert {e.kind for e in annual} == {"annual"}
    assert Counter((str(e.originator_id), e.student_id) for e in annual) == Counter(
        {(c, p): 1 for c in school.courses for p in school.pupils(c)}
    )
    for e in [*period_marks, *annual]:
        course = str(e.originator_id)
        assert e.actor_id == school.courses[course].teacher_id
        if school.graded(course):
            assert e.value in ("2", "3", "4", "5", "not_attested"), e.value
        else:
            assert e.value == "ungraded"
    values = Counter(e.value for e in period_marks)
    assert values["ungraded"] > 0 and values["5"] > 0 and values["4"] > 0
    assert values["3"] > 0, "pupils' levels differ, so do their marks"
    # Entered on the quarter's last school day or a little after (some late).
    ends = {p["id"]: p["ends_on"] for p in school.periods}
    for e in period_marks:
        assert e.due_at.startswith(ends[e.period_id]) or e.due_at > ends[e.period_id]
    late = [e for e in period_marks if e.late]
    assert len(late) < 0.1 * len(period_marks)


def test_correction_requests_decided_by_the_director(
    fresh_url: Callable[[], str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(gen, "REQUEST_RATE", 0.05)
    out, school = school_at(fresh_url())
    requests = school.of("CorrectionRequested")
    assert len(requests) == out.requests > 10
    recorded = {e.mark_id: e for e in school.of("MarkRecorded")}
    approved = {str(e.originator_id): e for e in school.of("CorrectionApproved")}
    rejected = {str(e.originator_id): e for e in school.of("CorrectionRejected")}
    assert approved and rejected and len(approved) == out.approved
    applied = {e.request_id: e for e in school.of("MarkCorrected") if e.request_id}
    assert set(applied) == set(approved)
    for request in requests:
        rid = str(request.originator_id)
        mark = recorded[request.mark_id]
        assert request.stream_id == str(mark.originator_id)
        assert request.actor_id == mark.actor_id
        assert request.timestamp > datetime.fromisoformat(mark.due_at)
        decision = approved.get(rid) or rejected[rid]
        assert decision.actor_id == out.director
        assert decision.timestamp > request.timestamp
        if rid in approved:
            fix = applied[rid]
            assert fix.value == request.value and fix.actor_id == out.director
            assert fix.command_id == decision.command_id
            assert fix.originator_id == mark.originator_id


def test_smaller_sizes_and_bad_arguments(fresh_url: Callable[[], str]) -> None:
    out, school = school_at(fresh_url(), grades=(11,), weeks_per_quarter=1)
    assert set(school.grade.values()) == {11}
    assert out.lessons == len(school.lessons)
    days = {e.date for e in school.of("LessonScheduled")}
    spans = [(p["starts_on"], p["ends_on"]) for p in school.periods]
    assert all(any(a <= d <= b for a, b in spans) for d in days)
    with pytest.raises(ValueError, match="grades"):
        generate_into(fresh_url(), grades=(12,))
    with pytest.raises(ValueError, match="weeks_per_quarter"):
        generate_into(fresh_url(), weeks_per_quarter=0)
