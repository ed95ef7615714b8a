# Over ~300 lines on purpose: a whole school year in one pass; its stages share the
# reproducible ids, the calendar and the bulk writer.
"""A seeded, reproducible school year, written in bulk through the domain.

Grades 1–11 (or a chosen few), ``classes_per_grade`` classes of ~25 pupils, the
federal curriculum's weekly hours (languages, technology and informatics taught in
two groups), quarters and holidays, a weekly timetable, a director and the
teachers, and for every lesson of the year:

- topic and homework; attendance (~8 % of pupils absent, ill, excused or late);
- marks for about one pupil in four, those with the fewest marks in the period
  first, each pupil's values drawn from their own level (strong, good, average,
  weak); some lessons taught by a substitute, and about 4 % written days late;
- corrections: ~1.5 % of the marks corrected or struck by their author inside the
  mark's entry window (``correct-mark``), and ~0.1 % after it through a correction
  request that the director approves (four in five) or rejects
  (``request-correction``, ``approve-correction``, ``reject-correction``);

and at the end of each quarter a period mark for every pupil of every course (the
rounded weighted average of the pupil's marks in the quarter, ``not_attested`` for
a pupil with none, ``ungraded`` in grade 1; ~2 % entered late, ~1 % corrected by
the teacher the same day), and with the last quarter's the annual mark (the rounded
average of the quarter marks).

The events are the ones the commands make (the same aggregate methods, with the
lesson day's clock), saved a school day at a time in transactions of about
``SAVE_EVENTS`` events. The year generated is the one before the curriculum's, so
that all of it lies in the past. ``weeks_per_quarter`` shortens each quarter to its
first weeks (small test schools).

Reproducible: one seed gives the same stream ids, versions, command ids, timestamps
and event contents on every run and either backend. Every id comes from a
``random.Random`` seeded from the seed and is passed to the domain explicitly
(``new_id`` is not used); lesson and period-mark ids are derived from those
(uuid5); the accounts' password hash uses a salt drawn from the seed.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from argon2 import PasswordHasher, extract_parameters

from ejournal.demo import BOYS, GIRLS, SURNAMES, curriculum
from ejournal.domain.account import create_account
from ejournal.domain.base import SYSTEM_ACTOR, Meta
from ejournal.domain.correction import MarkRef, file_request
from ejournal.domain.course import Course, create_course
from ejournal.domain.lesson import Lesson, schedule_lesson
from ejournal.domain.rules import DEFAULT_RULES
from ejournal.domain.school_class import SchoolClass, create_class
from ejournal.domain.student import enroll
from ejournal.domain.year import AcademicYear, open_year
from ejournal.security import DUMMY_HASH
from ejournal.store import SchoolApp

GENERATED_PASSWORD = "generated-school"  # noqa: S105  (documented for benchmarks)
# Events per save (transaction). psycopg 3.3's pipeline stalls for good (client
# polling for results, server waiting in ClientRead, in pipeline.sync()) when the
# last flush of a transaction is partial: its loop (generators.py,
# _pipeline_communicate) ends once no command is left, whatever flush() left
# unsent. Measured over the embedded PostgreSQL's Unix socket with period-mark
# events (~420 B): saves of 1,050 events stalled within 15 saves, 777 and 525 did
# not in 150-300 saves, 252 not in 400. 250 keeps a wide margin; SQLite, with no
# such pipeline and a sync per commit, takes 1,000.
SAVE_EVENTS = {"postgres": 250, "sqlite": 1000}
SHIFT = timedelta(days=364)  # 52 weeks back: the same weekdays, a year earlier
GRADES = tuple(range(1, 12))
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
ABSENCE_RATE = 0.08
SUBSTITUTION_RATE = 0.03
LATE_LESSON_RATE = 0.04
CORRECTION_RATE = 0.015  # of marks, by the author inside the entry window
REQUEST_RATE = 0.001  # of marks, through the director after the window
APPROVAL_RATE = 0.8
STRIKE_RATE = 0.15  # of corrections: the mark is struck, not changed
PERIOD_LATE_RATE = 0.02
PERIOD_CORRECTION_RATE = 0.01
# A pupil's level: its share of pupils, and the weights of "5", "4", "3", "2".
LEVELS = [
    (10, (70, 25, 5, 0)),
    (35, (35, 50, 13, 2)),
    (40, (15, 40, 38, 7)),
    (15, (5, 25, 50, 20)),
]
CORRECTION_REASONS = ["ошибка при вводе отметки", "отметка выставлена не в ту графу"]
STRIKE_REASON = "отметка выставлена ошибочно"
REQUEST_REASONS = [
    "работа перепроверена, отметка изменена",
    "ошибка при вводе, замечена после срока",
]
REJECT_REASON = "оснований для исправления нет"
PERIOD_CORRECTION_REASON = "пересчёт с учётом работы над ошибками"


@dataclass
class Generated:
    events: int = 0
    pupils: int = 0
    classes: int = 0
    lessons: int = 0
    marks: int = 0
    corrections: int = 0  # lesson and period marks corrected inside their window
    requests: int = 0  # correction requests filed after the window
    approved: int = 0
    period_marks: int = 0
    annual_marks: int = 0
    director: str = ""  # account id (login "director")
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
    aggregate: Course
    # pupil -> (value, weight) of the marks standing in the current period
    marks: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    # pupil -> the period marks so far
    period_values: dict[str, list[str]] = field(default_factory=dict)


_V4_MASK = ~((0xC000 << 48) | (0xF000 << 64))  # variant and version bits
_V4_BITS = (0x8000 << 48) | (4 << 76)  # RFC 4122 variant, version 4


class _Ids:
    """Random (version 4) uuids from a seeded source: the same seed, the same ids."""

    def __init__(self, seed: int) -> None:
        self._rng = random.Random(seed)

    def __call__(self) -> str:
        # str(uuid.UUID(int=bits, version=4)), without the UUID object.
        bits = self._rng.getrandbits(128) & _V4_MASK | _V4_BITS
        h = f"{bits:032x}"
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _d(text: str) -> date:
    return date.fromisoformat(text) - SHIFT


def generate(
    app: SchoolApp,
    *,
    classes_per_grade: int = 4,
    pupils_per_class: int = 25,
    seed: int = 1,
    grades: Sequence[int] = GRADES,
    weeks_per_quarter: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> Generated:
    """Write a school year into an empty store. ``progress`` gets event counts."""
    if not grades or any(g not in GRADES for g in grades):
        msg = f"grades are among 1..11, got {list(grades)}"
        raise ValueError(msg)
    if weeks_per_quarter is not None and weeks_per_quarter < 1:
        msg = "weeks_per_quarter is at least 1"
        raise ValueError(msg)
    writer = _Writer(app, seed, progress)
    writer.setup(
        classes_per_grade=classes_per_grade,
        pupils_per_class=pupils_per_class,
        grades=sorted(set(grades)),
        weeks_per_quarter=weeks_per_quarter,
    )
    writer.teach()
    return writer.out


class _Writer:
    def __init__(
        self, app: SchoolApp, seed: int, progress: Callable[[int], None] | None
    ) -> None:
        self.app = app
        self.rng = random.Random(seed)
        self.ids = _Ids(self.rng.getrandbits(64))
        self.progress = progress
        self.save_events = SAVE_EVENTS[app.config.backend]
        self.rules = DEFAULT_RULES
        self.data = curriculum()
        self.out = Generated()
        self.batch: list[Any] = []
        self.teachers: dict[str, list[str]] = {}  # subject -> account ids
        self.levels: dict[str, tuple[int, ...]] = {}  # pupil -> mark weights
        self.classes: list[tuple[SchoolClass, list[_Course]]] = []
        self.year: AcademicYear
        self.system: Meta
        self.quarters: list[tuple[date, date]] = []
        self.holidays: list[tuple[date, date, str]] = []
        self.password_hash = ""
        self.all_teachers: list[str] = []

    # -- saving ----------------------------------------------------------------------
    def flush(self) -> None:
        # Transactions of about SAVE_EVENTS events (see there), never splitting
        # an aggregate's pending events.
        chunk: list[Any] = []
        size = 0
        for aggregate in [*self.batch, None]:
            if aggregate is not None:
                chunk.append(aggregate)
                size += len(aggregate.pending_events)
            if chunk and (aggregate is None or size >= self.save_events):
                self.app.save(*chunk)
                self.out.events += size
                if self.progress is not None:
                    self.progress(size)
                chunk, size = [], 0
        self.batch.clear()

    def meta(self, actor: str, moment: datetime) -> Meta:
        """One command of a person: its own command id, the person's session."""
        return Meta(actor, f"gen-{actor[:8]}", self.ids(), "10.0.0.1", moment)

    def local(self, day: date, at: time) -> datetime:
        return datetime.combine(day, at, self.rules.tz).astimezone(UTC)

    # -- the school ------------------------------------------------------------------
    def setup(
        self,
        *,
        classes_per_grade: int,
        pupils_per_class: int,
        grades: list[int],
        weeks_per_quarter: int | None,
    ) -> None:
        rng, ids = self.rng, self.ids
        periods = self.data["periods_2026_2027"]
        quarters = [(_d(a), _d(b)) for a, b in periods["quarters"]]
        if weeks_per_quarter is not None:
            span = timedelta(days=7 * weeks_per_quarter - 1)
            quarters = [(a, min(b, a + span)) for a, b in quarters]
        self.quarters = quarters
        start, end = quarters[0][0], quarters[-1][1]
        self.holidays = [
            (_d(a), _d(b), n) for a, b, n in periods["holidays"] if _d(b) <= end
        ]
        setup_at = datetime.combine(start - timedelta(days=7), time(9), UTC)
        self.system = system = Meta.system(setup_at, "generate")
        self.year = open_year(
            system,
            name=f"{start.year}/{quarters[-1][1].year}",
            starts_on=start,
            ends_on=end,
            periods=[
                {"name": f"{i + 1} четверть", "starts_on": a, "ends_on": b}
                for i, (a, b) in enumerate(quarters)
            ],
            holidays=[
                {"name": n, "starts_on": a, "ends_on": b} for a, b, n in self.holidays
            ],
            period_ids=[ids() for _ in quarters],
            year_id=ids(),
        )
        self.batch.append(self.year)
        # One hash with a salt drawn from the seed, with the service's parameters.
        hasher = PasswordHasher.from_parameters(extract_parameters(DUMMY_HASH))
        self.password_hash = hasher.hash(GENERATED_PASSWORD, salt=rng.randbytes(16))
        director = self.account("director", "director")
        self.out.director = director
        subjects: dict[str, dict[str, int]] = self.data["subjects"]
        groups: list[str] = self.data["groups"]
        year_id = str(self.year.id)
        index = 0
        for grade in grades:
            for letter in _letters(classes_per_grade):
                klass = create_class(
                    system,
                    year_id=year_id,
                    name=f"{grade}{letter}",
                    grade=grade,
                    class_teacher_id=None,
                    class_id=ids(),
                )
                self.out.classes += 1
                pupils = [
                    self.pupil(klass, grade, start) for _ in range(pupils_per_class)
                ]
                self.out.pupils += len(pupils)
                halves = [
                    sorted(pupils[: len(pupils) // 2]),
                    sorted(pupils[len(pupils) // 2 :]),
                ]
                group_ids = []
                for i, half in enumerate(halves):
                    new_group = ids()
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
                        teacher = self.teacher_for(subject, index)
                        course = create_course(
                            system,
                            year_id=year_id,
                            class_id=str(klass.id),
                            group_id=gid,
                            subject=subject,
                            teacher_id=teacher,
                            hours_per_week=hours,
                            course_id=ids(),
                        )
                        self.batch.append(course)
                        courses.append(
                            _Course(
                                str(course.id),
                                subject,
                                teacher,
                                members,
                                grade == 1,
                                hours,
                                course,
                                marks={p: [] for p in members},
                                period_values={p: [] for p in members},
                            )
                        )
                        self.out.courses.append(str(course.id))
                self.batch.append(klass)
                self.classes.append((klass, courses))
                index += 1
                self.flush()

    def account(self, login: str, role: str) -> str:
        rng = self.rng
        account = create_account(
            self.system,
            account_id=self.ids(),
            login=login,
            full_name=f"{rng.choice(SURNAMES)} {rng.choice(BOYS + GIRLS)}",
            roles=[role],
            password_hash=self.password_hash,
            student_id=None,
        )
        self.batch.append(account)
        return str(account.id)

    def teacher_for(self, subject: str, index: int) -> str:
        pool = self.teachers.setdefault(subject, [])
        slot = index // 6  # a teacher takes about six classes of a subject
        while len(pool) <= slot:
            login = f"t{len(self.out.teachers) + 1:03d}"
            account_id = self.account(login, "teacher")
            self.out.teachers[login] = account_id
            pool.append(account_id)
        return pool[slot]

    def pupil(self, klass: SchoolClass, grade: int, start: date) -> str:
        rng = self.rng
        girl = rng.random() < 0.5
        student = enroll(
            self.system,
            full_name=f"{rng.choice(SURNAMES)}{'а' if girl else ''} "
            f"{rng.choice(GIRLS if girl else BOYS)}",
            birth_date=date(start.year - grade - 6, 1, 1)
            + timedelta(days=rng.randrange(365)),
            class_id=str(klass.id),
            on=start,
            student_id=self.ids(),
        )
        klass.admit(self.system, str(student.id), start)
        self.batch.append(student)
        sid = str(student.id)
        self.levels[sid] = rng.choices(
            [w for _, w in LEVELS], weights=[s for s, _ in LEVELS]
        )[0]
        return sid

    # -- the year --------------------------------------------------------------------
    def teach(self) -> None:
        rng = self.rng
        timetables = [_timetable(rng, courses) for _, courses in self.classes]
        self.all_teachers = [t for pool in self.teachers.values() for t in pool]
        days = list(_school_days(self.quarters, self.holidays))
        last_days = {
            max(d for d in days if a <= d <= b): i
            for i, (a, b) in enumerate(self.quarters)
            if any(a <= d <= b for d in days)
        }
        for day in days:
            for timetable in timetables:
                for slot, taught in timetable[day.weekday()]:
                    self.lesson(taught, day, slot)
                    self.out.lessons += 1
            quarter = last_days.get(day)
            if quarter is not None:
                self.period_marks(quarter, day)
            self.flush()
        self.flush()

    def lesson(self, course: _Course, day: date, slot: int) -> None:
        rng, rules = self.rng, self.rules
        bells: list[list[str]] = self.data["bell_schedule"]
        starts, ends = bells[min(slot, len(bells)) - 1]
        lesson = schedule_lesson(
            self.system,
            course_id=course.course_id,
            day=day,
            slot=slot,
            starts_at=starts,
            ends_at=ends,
        )
        self.batch.append(lesson)
        end_at = self.local(day, time.fromisoformat(ends))
        teacher = course.teacher
        if rng.random() < SUBSTITUTION_RATE:
            others = [t for t in self.all_teachers if t != course.teacher]
            substitute = rng.choice(others)
            lesson.record_substitution(
                self.meta(SYSTEM_ACTOR, end_at - timedelta(hours=3)),
                substitute,
                "болезнь учителя",
            )
            teacher = substitute
        late = rng.random() < LATE_LESSON_RATE
        moment = end_at + (
            timedelta(days=rng.randint(1, 9))
            if late
            else timedelta(minutes=rng.randint(2, 50))
        )
        members = set(course.pupils)

        def is_pupil(student_id: str) -> bool:
            return student_id in members

        lesson.set_topic(
            self.meta(teacher, moment), rules, f"Тема урока {day.isoformat()}", None
        )
        absent = {p for p in course.pupils if rng.random() < ABSENCE_RATE}
        if absent:
            lesson.record_attendance(
                self.meta(teacher, moment),
                rules,
                [
                    {"student_id": p, "code": rng.choice(CODES)}
                    for p in course.pupils
                    if p in absent
                ],
                is_pupil,
            )
        lesson.assign_homework(
            self.meta(teacher, moment),
            f"§ {rng.randint(1, 40)}, № {rng.randint(1, 900)}",
            None,
            rules.homework_due(day, time(15, 5)),
        )
        if course.no_marks:
            return
        present = [p for p in course.pupils if p not in absent]
        # About one pupil in four, those with the fewest marks this period first.
        present.sort(key=lambda p: (len(course.marks[p]), rng.random()))
        chosen = max(1, round(len(present) / 4)) if present else 0
        for pupil in present[:chosen]:
            work_type = rng.choice(WORK_TYPES)
            mark_id = self.ids()
            lesson.record_mark(
                self.meta(teacher, moment),
                rules,
                mark_id=mark_id,
                student_id=pupil,
                value=rng.choices("5432", weights=self.levels[pupil])[0],
                work_type=work_type,
                comment=None,
                is_pupil=is_pupil,
            )
            self.out.marks += 1
            draw = rng.random()
            if draw < CORRECTION_RATE:
                self.correct(lesson, mark_id, teacher, moment)
            elif draw < CORRECTION_RATE + REQUEST_RATE:
                self.request(lesson, course, mark_id, teacher, moment)
            value = lesson.marks[mark_id]["value"]
            if value is not None:
                course.marks[pupil].append((int(value), rules.weight(work_type)))

    def changed(self, value: str, strike: bool) -> str | None:
        """A corrected value: one step up or down, or struck."""
        if strike and self.rng.random() < STRIKE_RATE:
            return None
        steps = [v for v in ("2", "3", "4", "5") if abs(int(v) - int(value)) == 1]
        return self.rng.choice(steps)

    def correct(
        self, lesson: Lesson, mark_id: str, author: str, recorded: datetime
    ) -> None:
        """``correct-mark`` by the mark's author, minutes later, inside its window
        (a mark recorded after its window is left alone)."""
        mark = lesson.marks[mark_id]
        at = recorded + timedelta(minutes=self.rng.randint(1, 30))
        if at > datetime.fromisoformat(mark["due_at"]):
            return
        value = self.changed(mark["value"], strike=True)
        lesson.correct_mark(
            self.meta(author, at),
            mark_id=mark_id,
            value=value,
            reason=STRIKE_REASON
            if value is None
            else self.rng.choice(CORRECTION_REASONS),
        )
        self.out.corrections += 1

    def request(
        self,
        lesson: Lesson,
        course: _Course,
        mark_id: str,
        author: str,
        recorded: datetime,
    ) -> None:
        """``request-correction`` some days after the mark's window, then the
        director's ``approve-correction`` (which corrects the mark) or
        ``reject-correction`` the next day."""
        rng, rules = self.rng, self.rules
        mark = lesson.marks[mark_id]
        after = max(recorded, datetime.fromisoformat(mark["due_at"]))
        filed_on = rules.local_date(after) + timedelta(days=rng.randint(1, 6))
        filed_at = self.local(filed_on, time(15, rng.randint(0, 59)))
        decided_at = self.local(
            filed_on + timedelta(days=1), time(rng.randint(9, 12), rng.randint(0, 59))
        )
        ref = MarkRef(
            mark_id=mark_id,
            stream_id=str(lesson.id),
            target="lesson",
            course_id=course.course_id,
            student_id=mark["student_id"],
            value=mark["value"],
            version=mark["version"],
        )
        request = file_request(
            self.meta(author, filed_at),
            mark=ref,
            value=self.changed(mark["value"], strike=True),
            reason=rng.choice(REQUEST_REASONS),
            request_id=self.ids(),
        )
        self.out.requests += 1
        decision = self.meta(self.out.director, decided_at)
        if rng.random() < APPROVAL_RATE:
            change = request.approve(decision, ref)
            lesson.correct_mark(
                decision,
                mark_id=mark_id,
                value=change.value,
                reason=request.reason,
                request=change,
            )
            self.out.approved += 1
        else:
            request.reject(decision, REJECT_REASON)
        self.batch.append(request)

    # -- period and annual marks -------------------------------------------------------
    def period_marks(self, quarter: int, day: date) -> None:
        """``set-period-mark`` for every pupil of every course on the quarter's last
        school day (after lessons), and with the last quarter ``set-final-mark``
        (annual)."""
        rng, rules = self.rng, self.rules
        period = self.year.periods[quarter]
        last = quarter == len(self.quarters) - 1
        for _klass, courses in self.classes:
            for course in courses:
                aggregate = course.aggregate
                for pupil in course.pupils:
                    at = self.local(day, time(16)) + timedelta(
                        minutes=rng.randint(0, 300)
                    )
                    if rng.random() < PERIOD_LATE_RATE:
                        at += timedelta(days=rng.randint(2, 5))
                    value = _period_value(course, pupil)
                    mark_id = aggregate.set_period_mark(
                        self.meta(course.teacher, at),
                        rules,
                        student_id=pupil,
                        period=period,
                        value=value,
                        is_pupil=True,
                    )
                    self.out.period_marks += 1
                    mark = aggregate.marks[mark_id]
                    fix_at = at + timedelta(minutes=rng.randint(5, 60))
                    if (
                        value.isdigit()
                        and rng.random() < PERIOD_CORRECTION_RATE
                        and fix_at <= datetime.fromisoformat(mark["due_at"])
                    ):
                        fixed = self.changed(value, strike=False)
                        assert fixed is not None
                        aggregate.correct_mark(
                            self.meta(course.teacher, fix_at),
                            mark_id=mark_id,
                            value=fixed,
                            reason=PERIOD_CORRECTION_REASON,
                        )
                        self.out.corrections += 1
                        value = fixed
                    course.period_values[pupil].append(value)
                    course.marks[pupil] = []
                    if last:
                        aggregate.set_final_mark(
                            self.meta(course.teacher, fix_at),
                            rules,
                            student_id=pupil,
                            kind="annual",
                            value=_annual_value(course, pupil),
                            year_ends_on=self.year.ends_on,
                            is_pupil=True,
                        )
                        self.out.annual_marks += 1
                self.batch.append(aggregate)


def _rounded(marks: list[tuple[int, int]]) -> str | None:
    """The weighted average of (value, weight) pairs as the journal shows it (half
    up to two places, ``rules.averages``), then half up to a whole mark; integer
    arithmetic, so exact and quick."""
    den = sum(w for _, w in marks)
    if not den:
        return None
    num = sum(v * w for v, w in marks)
    hundredths = (200 * num + den) // (2 * den)
    return str((hundredths + 50) // 100)


def _period_value(course: _Course, pupil: str) -> str:
    """The weighted average of the quarter's marks, rounded half up;
    ``not_attested`` (н/а) without marks; ``ungraded`` (безотм) where nothing is
    marked."""
    if course.no_marks:
        return "ungraded"
    return _rounded(course.marks[pupil]) or "not_attested"


def _annual_value(course: _Course, pupil: str) -> str:
    """The average of the quarter marks, rounded half up."""
    if course.no_marks:
        return "ungraded"
    marks = [(int(v), 1) for v in course.period_values[pupil] if v.isdigit()]
    return _rounded(marks) or "not_attested"


def _letters(n: int) -> list[str]:
    """Class letters: А, Б, … and past twelve А2, Б2, … (big schools)."""
    base = "АБВГДЕЖИКЛМН"
    return [
        base[i % len(base)] + (str(i // len(base) + 1) if i >= len(base) else "")
        for i in range(n)
    ]


def _school_days(
    quarters: list[tuple[date, date]], holidays: list[tuple[date, date, str]]
) -> Iterator[date]:
    """Weekdays inside a quarter and outside the holidays."""
    for start, end in quarters:
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
