"""A seeded, reproducible school year, written in bulk through the domain.

Grades 1–11, ~25 pupils a class, the federal curriculum's weekly hours (languages,
technology and informatics taught in two groups), quarters and holidays, a weekly
timetable, and for every lesson of the year: topic, homework, attendance (~8 %
absent), marks for about one pupil in four, some substitutions. The events are the
ones the commands make (aggregate methods with the lesson day's clock), saved a
school day at a time. The year generated is the one before the curriculum's, so
that all of it lies in the past.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from ejournal.demo import BOYS, GIRLS, SURNAMES, curriculum
from ejournal.domain.account import create_account
from ejournal.domain.base import SYSTEM_ACTOR, Meta, new_id
from ejournal.domain.course import create_course
from ejournal.domain.lesson import Lesson, schedule_lesson
from ejournal.domain.rules import DEFAULT_RULES
from ejournal.domain.school_class import SchoolClass, create_class
from ejournal.domain.student import enroll
from ejournal.domain.year import open_year
from ejournal.security import hash_password
from ejournal.store import SchoolApp

GENERATED_PASSWORD = "generated-school"  # noqa: S105  (documented for benchmarks)
SAVE_EVENTS = 1000
SHIFT = timedelta(days=364)  # 52 weeks back: the same weekdays, a year earlier
WORK_TYPES = [
    "oral",
    "oral",
    "classwork",
    "classwork",
    "homework",
    "test",
    "written",
    "control",
    "lab",
    "practical",
]
CODES = ["absent", "ill", "ill", "excused", "late"]


@dataclass
class Generated:
    events: int = 0
    pupils: int = 0
    classes: int = 0
    lessons: int = 0
    teachers: dict[str, str] = field(default_factory=dict)  # login -> account id
    courses: list[str] = field(default_factory=list)


@dataclass
class _Course:
    course_id: str
    subject: str
    teacher: str  # account id
    pupils: list[str]
    no_marks: bool
    hours: int


def _d(text: str) -> date:
    return date.fromisoformat(text) - SHIFT


def _meta(actor: str, moment: datetime, command: str | None = None) -> Meta:
    return Meta(actor, f"gen-{actor[:8]}", command, "10.0.0.1", moment)


def generate(
    app: SchoolApp,
    *,
    classes_per_grade: int = 4,
    pupils_per_class: int = 25,
    seed: int = 1,
    progress: Callable[[int], None] | None = None,
) -> Generated:
    """Write a school year into an empty store. ``progress`` gets event counts."""
    rng = random.Random(seed)
    data = curriculum()
    out = Generated()
    quarters = [(_d(a), _d(b)) for a, b in data["periods_2026_2027"]["quarters"]]
    holidays = [(_d(a), _d(b), n) for a, b, n in data["periods_2026_2027"]["holidays"]]
    start, end = quarters[0][0], quarters[-1][1]
    setup_at = datetime.combine(start - timedelta(days=7), time(9), UTC)
    system = Meta.system(setup_at, "generate")
    batch: list[Any] = []

    def flush() -> None:
        # Transactions of at most ~SAVE_EVENTS events: psycopg's pipeline was
        # seen to stall (client and server both waiting) on one of ~6,500.
        chunk: list[Any] = []
        size = 0
        for aggregate in [*batch, None]:
            if aggregate is not None:
                chunk.append(aggregate)
                size += len(aggregate.pending_events)
            if chunk and (aggregate is None or size >= SAVE_EVENTS):
                app.save(*chunk)
                out.events += size
                if progress is not None:
                    progress(size)
                chunk, size = [], 0
        batch.clear()

    year = open_year(
        system,
        name=f"{start.year}/{end.year}",
        starts_on=start,
        ends_on=end,
        periods=[
            {"name": f"{i + 1} четверть", "starts_on": a, "ends_on": b}
            for i, (a, b) in enumerate(quarters)
        ],
        holidays=[{"name": n, "starts_on": a, "ends_on": b} for a, b, n in holidays],
        period_ids=[new_id() for _ in quarters],
    )
    batch.append(year)
    password_hash = hash_password(GENERATED_PASSWORD)
    subjects: dict[str, dict[str, int]] = data["subjects"]
    groups: list[str] = data["groups"]
    teachers: dict[str, list[str]] = {}  # subject -> account ids

    def teacher_for(subject: str, index: int) -> str:
        pool = teachers.setdefault(subject, [])
        slot = index // 6  # a teacher takes about six classes of a subject
        while len(pool) <= slot:
            login = f"t{len(out.teachers) + 1:03d}"
            account = create_account(
                system,
                account_id=new_id(),
                login=login,
                full_name=f"{rng.choice(SURNAMES)} {rng.choice(BOYS + GIRLS)}",
                roles=["teacher"],
                password_hash=password_hash,
                student_id=None,
            )
            batch.append(account)
            out.teachers[login] = str(account.id)
            pool.append(str(account.id))
        return pool[slot]

    courses_by_class: list[tuple[SchoolClass, list[_Course]]] = []
    index = 0
    for grade in range(1, 12):
        for letter in _letters(classes_per_grade):
            klass = create_class(
                system,
                year_id=str(year.id),
                name=f"{grade}{letter}",
                grade=grade,
                class_teacher_id=None,
            )
            out.classes += 1
            pupils = []
            for _ in range(pupils_per_class):
                girl = rng.random() < 0.5
                student = enroll(
                    system,
                    full_name=f"{rng.choice(SURNAMES)}{'а' if girl else ''} "
                    f"{rng.choice(GIRLS if girl else BOYS)}",
                    birth_date=date(start.year - grade - 6, 1, 1)
                    + timedelta(days=rng.randrange(365)),
                    class_id=str(klass.id),
                    on=start,
                )
                klass.admit(system, str(student.id), start)
                batch.append(student)
                pupils.append(str(student.id))
            out.pupils += len(pupils)
            halves = [
                sorted(pupils[: len(pupils) // 2]),
                sorted(pupils[len(pupils) // 2 :]),
            ]
            group_ids = []
            for i, half in enumerate(halves):
                new_group = new_id()
                klass.create_group(system, new_group, f"группа {i + 1}", half)
                group_ids.append(new_group)
            courses: list[_Course] = []
            for subject, hours_by_grade in subjects.items():
                hours = hours_by_grade.get(str(grade))
                if not hours:
                    continue
                parts: list[tuple[str | None, list[str]]] = (
                    list(zip(group_ids, halves, strict=True))
                    if subject in groups
                    else [(None, pupils)]
                )
                for gid, members in parts:
                    teacher = teacher_for(subject, index)
                    course = create_course(
                        system,
                        year_id=str(year.id),
                        class_id=str(klass.id),
                        group_id=gid,
                        subject=subject,
                        teacher_id=teacher,
                        hours_per_week=hours,
                    )
                    batch.append(course)
                    courses.append(
                        _Course(
                            str(course.id), subject, teacher, members, grade == 1, hours
                        )
                    )
                    out.courses.append(str(course.id))
            batch.append(klass)
            courses_by_class.append((klass, courses))
            index += 1
            flush()
    timetables = [_timetable(rng, courses) for _, courses in courses_by_class]
    bells = data["bell_schedule"]
    all_teachers = [t for pool in teachers.values() for t in pool]
    for day in _school_days(start, end, holidays):
        for timetable in timetables:
            for slot, taught in timetable[day.weekday()]:
                lesson = _lesson(rng, system, taught, day, slot, bells, all_teachers)
                batch.append(lesson)
                out.lessons += 1
        flush()
    flush()
    return out


def _letters(n: int) -> list[str]:
    """Class letters: А, Б, … and past twelve А2, Б2, … (big schools)."""
    base = "АБВГДЕЖИКЛМН"
    return [
        base[i % len(base)] + (str(i // len(base) + 1) if i >= len(base) else "")
        for i in range(n)
    ]


def _school_days(
    start: date, end: date, holidays: list[tuple[date, date, str]]
) -> Iterator[date]:
    day = start
    while day <= end:
        if day.weekday() < 5 and not any(a <= day <= b for a, b, _ in holidays):
            yield day
        day += timedelta(days=1)


def _timetable(
    rng: random.Random, courses: list[_Course]
) -> dict[int, list[tuple[int, _Course]]]:
    """Weekday -> (slot, course): each course's weekly hours spread over the week;
    the two groups of a split subject share a slot."""
    by_subject: dict[str, list[_Course]] = {}
    for course in courses:
        by_subject.setdefault(course.subject, []).append(course)
    days: dict[int, list[list[_Course]]] = {d: [] for d in range(5)}
    for _subject, group in sorted(by_subject.items()):
        hours = group[0].hours
        for d in sorted(range(5), key=lambda d: (len(days[d]), rng.random()))[:hours]:
            days[d].append(group)
        for _ in range(max(0, hours - 5)):
            d = min(range(5), key=lambda d: len(days[d]))
            days[d].append(group)
    table: dict[int, list[tuple[int, _Course]]] = {}
    for d, lessons in days.items():
        rng.shuffle(lessons)
        table[d] = [
            (slot, c) for slot, group in enumerate(lessons, start=1) for c in group
        ]
    return table


def _lesson(
    rng: random.Random,
    system: Meta,
    course: _Course,
    day: date,
    slot: int,
    bells: list[list[str]],
    teachers: list[str],
) -> Lesson:
    starts, ends = bells[min(slot, len(bells)) - 1]
    lesson = schedule_lesson(
        system,
        course_id=course.course_id,
        day=day,
        slot=slot,
        starts_at=starts,
        ends_at=ends,
    )
    rules = DEFAULT_RULES
    end_at = datetime.combine(day, time.fromisoformat(ends), rules.tz).astimezone(UTC)
    teacher = course.teacher
    if rng.random() < 0.03:
        substitute = rng.choice(teachers)
        lesson.record_substitution(
            _meta(SYSTEM_ACTOR, end_at - timedelta(hours=3)),
            substitute,
            "болезнь учителя",
        )
        teacher = substitute
    late = rng.random() < 0.04
    moment = end_at + (
        timedelta(days=rng.randint(1, 9))
        if late
        else timedelta(minutes=rng.randint(2, 50))
    )
    meta = _meta(teacher, moment)
    members = set(course.pupils)

    def is_pupil(student_id: str) -> bool:
        return student_id in members

    lesson.set_topic(meta, rules, f"Тема урока {day.isoformat()}", None)
    absent = [p for p in course.pupils if rng.random() < 0.08]
    if absent:
        lesson.record_attendance(
            meta,
            rules,
            [{"student_id": p, "code": rng.choice(CODES)} for p in absent],
            is_pupil,
        )
    lesson.assign_homework(
        meta,
        f"§ {rng.randint(1, 40)}, № {rng.randint(1, 900)}",
        None,
        rules.homework_due(day, time(15, 5)),
    )
    if not course.no_marks:
        present = [p for p in course.pupils if p not in absent]
        for pupil in rng.sample(present, k=max(1, len(present) // 4)):
            lesson.record_mark(
                meta,
                rules,
                mark_id=new_id(),
                student_id=pupil,
                value=rng.choices("5432", weights=[35, 40, 20, 5])[0],
                work_type=rng.choice(WORK_TYPES),
                comment=None,
                is_pupil=is_pupil,
            )
    return lesson
