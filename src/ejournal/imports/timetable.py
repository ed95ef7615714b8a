"""The timetable (расписание): a row is a weekly lesson of a class (or group)
in a subject, with its teacher, weekday and lesson number, from a date to a
date; it becomes the dated lessons of those weeks, holidays skipped, at the
school's bell times. A course (class or group × subject) missing in the year is
created, its hours a week being the number of its weekly lessons in the file."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from ejournal.demo import curriculum
from ejournal.domain.course import create_course
from ejournal.domain.lesson import lesson_id_for, schedule_lesson
from ejournal.imports.plan import ClassPlanner, ru_date
from ejournal.projections.streams.lessons import PLACED

WEEKDAYS = {
    "пн": 0, "понедельник": 0, "вт": 1, "вторник": 1, "ср": 2, "среда": 2,
    "чт": 3, "четверг": 3, "пт": 4, "пятница": 4, "сб": 5, "суббота": 5,
    "mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5,
    "1": 0, "2": 1, "3": 2, "4": 3, "5": 4, "6": 5,
}  # fmt: skip


@dataclass
class _Course:
    course_id: str
    teacher_id: str
    weekly: int = 0
    new: bool = False
    aggregate: Any = None
    lessons: list[tuple[date, int]] = field(default_factory=list)


class TimetablePlanner(ClassPlanner):
    def __init__(self, *args: Any, year: dict[str, Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.year = year
        self.starts_on = date.fromisoformat(year["starts_on"])
        self.ends_on = date.fromisoformat(year["ends_on"])
        self.holidays = [(h["starts_on"], h["ends_on"]) for h in year["holidays"]]
        self.bells: list[list[str]] = curriculum()["bell_schedule"]
        self.courses: dict[tuple[str, str | None, str], _Course] = {}
        self.existing: dict[str, list[dict[str, Any]]] = {}  # class id -> courses
        self.teachers: dict[str, str | None] = {}
        self.staff: list[dict[str, Any]] | None = None  # the teachers' accounts
        self.slots: dict[tuple[str, str | None, int, int], int] = {}
        self.lessons: dict[str, tuple[_Course, date, int, int]] = {}

    def plan_row(self, r: dict[str, str]) -> None:
        class_name = self.required(r, "class")
        subject = self.required(r, "subject")
        teacher = self.required(r, "teacher")
        weekday = self.weekday(r)
        slot = self.slot(r)
        first = self.date_of(r, "from") or self.starts_on
        last = self.date_of(r, "until") or self.ends_on
        if first > last:
            self.problem("until", "«По» раньше, чем «С»")
        for key, day in (("from", first), ("until", last)):
            if not self.starts_on <= day <= self.ends_on:
                self.problem(
                    key, f"{ru_date(day)} вне учебного года {self.year_name()}"
                )
        teacher_id = self.teacher(teacher) if teacher else None
        if not class_name:
            return
        class_id = self.class_id(class_name, "class", create=False)
        if class_id is None:
            return
        group_id = self.group(class_id, r.get("group", ""))
        if self.row_has_problems() or weekday is None or slot is None:
            return
        assert teacher_id is not None
        clash = self.slots.setdefault((class_id, group_id, weekday, slot), self.row)
        if clash != self.row:
            self.problem("slot", f"этот урок класса уже занят строкой {clash}")
            return
        course = self.course(class_id, group_id, subject, teacher_id)
        if course is None:
            return
        course.weekly += 1
        day = first + timedelta(days=(weekday - first.weekday()) % 7)
        while day <= last:
            if not self.holiday(day):
                lesson_id = lesson_id_for(course.course_id, day, slot)
                self.lessons.setdefault(lesson_id, (course, day, slot, self.row))
            day += timedelta(days=7)

    def _moved_in(self) -> set[tuple[str, str, int]]:
        """(course, date, slot) where a moved lesson of a course now is: the
        lessons that were moved or cancelled have ``lesson_at`` keys."""
        out: set[tuple[str, str, int]] = set()
        ids: set[str] = set()
        for course in self.courses.values():
            if not course.new:
                keys = self.views.keys_with_prefix(f"{PLACED}:{course.course_id}:")
                ids.update(sid for _, sid in keys)
        for doc in self.views.docs(ids).values():
            if not doc.get("cancelled"):
                out.add((doc["course_id"], doc["date"], doc["slot"]))
        return out

    def _free_id(
        self, lesson_id: str, doc: dict[str, Any] | None, place: tuple[str, str, int]
    ) -> str | None:
        """The place's id for a new lesson, or None when a lesson is there. A
        lesson moved away or cancelled keeps the place's id: the next one is
        taken (as schedule-lessons does)."""
        course_id, iso, slot = place
        for generation in range(100):
            if generation:
                lesson_id = lesson_id_for(
                    course_id, date.fromisoformat(iso), slot, generation
                )
                doc = self.views.doc(lesson_id)
            if doc is None:
                return lesson_id
            if not doc.get("cancelled") and (doc["date"], doc["slot"]) == (iso, slot):
                return None
        return None

    def year_name(self) -> str:
        return str(self.year["name"]) if self.year else ""

    def row_has_problems(self) -> bool:
        return any(p.row == self.row for p in self.problems)

    def holiday(self, day: date) -> bool:
        iso = day.isoformat()
        return any(a <= iso <= b for a, b in self.holidays)

    def weekday(self, r: dict[str, str]) -> int | None:
        text = r.get("weekday", "").strip().lower().rstrip(".")
        if not text:
            self.problem("weekday", "не заполнено")
            return None
        day = WEEKDAYS.get(text)
        if day is None:
            self.problem(
                "weekday", f"«{r['weekday']}»: нужен день Пн, Вт, Ср, Чт, Пт, Сб"
            )
        return day

    def slot(self, r: dict[str, str]) -> int | None:
        text = r.get("slot", "").strip()
        if not text.isdigit() or not 1 <= int(text) <= len(self.bells):
            self.problem(
                "slot", f"«{text}»: нужен номер урока от 1 до {len(self.bells)}"
            )
            return None
        return int(text)

    def teacher(self, text: str) -> str | None:
        """A teacher by login, or by full name when only one teacher has it."""
        if text in self.teachers:
            found = self.teachers[text]
        else:
            found = None
            account_id = self.views.key(f"login:{text.lower()}")
            doc = self.views.doc(account_id) if account_id else None
            if doc is None:
                wanted = " ".join(text.lower().replace("ё", "е").split())
                if self.staff is None:
                    self.staff = [
                        d
                        for d in self.views.all_of_kind("account")
                        if "teacher" in d["roles"]
                    ]
                same = [
                    d
                    for d in self.staff
                    if " ".join(d["full_name"].lower().replace("ё", "е").split())
                    == wanted
                    and "teacher" in d["roles"]
                ]
                if len(same) > 1:
                    self.problem(
                        "teacher", f"учителей «{text}» несколько: укажите логин"
                    )
                    self.teachers[text] = None
                    return None
                doc = same[0] if same else None
            if doc is not None and "teacher" in doc["roles"]:
                found = str(doc["id"])
            self.teachers[text] = found
        if found is None:
            self.problem("teacher", f"учителя «{text}» нет в журнале (логин или ФИО)")
        return found

    def group(self, class_id: str, name: str) -> str | None:
        name = " ".join(name.split())
        if not name:
            return None
        doc = self.views.doc(class_id) or {}
        for gid, group in doc.get("groups", {}).items():
            if group["name"].lower() == name.lower():
                return str(gid)
        self.problem(
            "group", f"в классе нет группы «{name}»: её создаёт классный руководитель"
        )
        return None

    def course(
        self, class_id: str, group_id: str | None, subject: str, teacher_id: str
    ) -> _Course | None:
        key = (class_id, group_id, subject.lower())
        course = self.courses.get(key)
        if course is None:
            if class_id not in self.existing:
                self.existing[class_id] = self.views.children("course", [class_id])
            doc = next(
                (
                    d
                    for d in self.existing[class_id]
                    if d["year_id"] == self.year_id()
                    and d.get("group_id") == group_id
                    and d["subject"].lower() == subject.lower()
                ),
                None,
            )
            if doc is not None:
                course = _Course(str(doc["id"]), str(doc["teacher_id"]))
            else:
                aggregate = create_course(
                    self.meta,
                    year_id=self.year_id(),
                    class_id=class_id,
                    group_id=group_id,
                    subject=subject,
                    teacher_id=teacher_id,
                    hours_per_week=1,
                )
                course = _Course(str(aggregate.id), teacher_id, new=True,
                                 aggregate=aggregate)  # fmt: skip
            self.courses[key] = course
        if course.teacher_id != teacher_id:
            self.problem(
                "teacher",
                f"«{subject}» в этом классе ведёт другой учитель: "
                "один предмет класса (группы) — один учитель",
            )
            return None
        return course

    def year_id(self) -> str:
        assert self.year is not None
        return str(self.year["id"])

    def finish(self) -> None:
        if self.problems:
            return
        existing = self.views.docs(self.lessons)
        for course in self.courses.values():
            if course.new:
                # The course's hours a week are its weekly lessons in the file.
                course.aggregate = create_course(
                    self.meta,
                    year_id=self.year_id(),
                    class_id=course.aggregate.class_id,
                    group_id=course.aggregate.group_id,
                    subject=course.aggregate.subject,
                    teacher_id=course.teacher_id,
                    hours_per_week=max(course.weekly, 1),
                    course_id=course.course_id,
                )
                self.touched[course.course_id] = course.aggregate
                self.created["courses"] += 1
        rows_changed: set[int] = set()
        moved_in = self._moved_in()
        for lesson_id, (course, day, slot, row) in self.lessons.items():
            place = (course.course_id, day.isoformat(), slot)
            if place in moved_in:
                continue
            free = self._free_id(lesson_id, existing.get(lesson_id), place)
            if free is None:
                continue
            starts_at, ends_at = self.bells[slot - 1]
            lesson = schedule_lesson(
                self.meta,
                course_id=course.course_id,
                day=day,
                slot=slot,
                starts_at=starts_at,
                ends_at=ends_at,
                lesson_id=free,
            )
            self.touched[free] = lesson
            self.created["lessons"] += 1
            rows_changed.add(row)
        self.unchanged = self.rows - len(
            rows_changed
            | {row for (course, _, _, row) in self.lessons.values() if course.new}
        )
