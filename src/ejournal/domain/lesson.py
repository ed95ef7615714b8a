# Over ~300 lines on purpose: one aggregate with its event catalogue (STYLE.md: one
# event catalogue per area).
"""A lesson (урок): one stream per scheduled lesson, where the 8:00 surge writes.

Topic, homework, attendance, marks, comments and the substitution of one lesson.
Every entry keeps its revisions; a late entry is accepted and flagged, never refused
(refusing it would push teachers back to paper).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from ejournal.domain import marks
from ejournal.domain.base import Meta, SchoolAggregate, SchoolEvent, meta_fields
from ejournal.domain.correction import ApprovedChange, check_correction
from ejournal.domain.errors import Conflict, Invalid
from ejournal.domain.rules import MARK_VALUES, SchoolRules

LESSON_NAMESPACE = uuid.UUID("5b0f4c1e-2f7a-4d7e-9a53-6b1f0e2d8c41")


def lesson_id_for(course_id: str, day: date, slot: int, generation: int = 0) -> str:
    """A lesson's id is derived from course, date and slot: scheduling it twice
    lands on the same stream. A moved lesson keeps its id, so a later lesson in
    the place it left takes the next ``generation`` of that place's id."""
    name = f"{course_id}/{day.isoformat()}/{slot}"
    if generation:
        name += f"#{generation}"
    return str(uuid.uuid5(LESSON_NAMESPACE, name))


class LessonEvent(SchoolEvent):
    stream_kind = "lesson"


class LessonScheduled(LessonEvent, SchoolAggregate.Created):
    course_id: str
    date: str
    slot: int
    starts_at: str
    ends_at: str


class TopicSet(LessonEvent):
    topic: str
    plan_topic_no: int | None
    due_at: str
    late: bool

    def apply(self, aggregate: Lesson) -> None:
        aggregate.topic = self.topic
        aggregate.plan_topic_no = self.plan_topic_no


class HomeworkAssigned(LessonEvent):
    text: str
    due_on: str | None
    entry_due_at: str
    late: bool

    def apply(self, aggregate: Lesson) -> None:
        aggregate.homework = {"text": self.text, "due_on": self.due_on}


class AttendanceRecorded(LessonEvent):
    entries: list[dict[str, str]]
    due_at: str
    late: bool

    def apply(self, aggregate: Lesson) -> None:
        for entry in self.entries:
            if entry["code"] == "present":
                aggregate.attendance.pop(entry["student_id"], None)
            else:
                aggregate.attendance[entry["student_id"]] = entry["code"]


class MarkRecorded(LessonEvent):
    mark_id: str
    student_id: str
    value: str
    work_type: str
    comment: str | None
    due_at: str
    late: bool

    def apply(self, aggregate: Lesson) -> None:
        marks.record_lesson_mark(
            aggregate.marks, self, marks.count, comment=self.comment, protocol=None
        )


class MarkCorrected(LessonEvent):
    """A new value for a recorded mark, or ``None`` to strike it (исправление
    отметки). The mark's earlier revisions stay in the stream; ``request_id`` names
    the director-approved correction request, if one was needed."""

    mark_id: str
    value: str | None
    reason: str
    request_id: str | None

    def apply(self, aggregate: Lesson) -> None:
        mark = marks.correct(aggregate.marks, self, marks.count)
        if mark is not None and self.request_id is not None:
            aggregate.applied_requests.add(self.request_id)


class MakeupRecorded(LessonEvent):
    """A mark for a missed lesson's topic, made up later on a protocol (зачёт
    пропущенной темы, S1.2.2): it goes into the missed lesson; the absence stays."""

    mark_id: str
    student_id: str
    value: str
    work_type: str
    protocol: str
    made_up_on: str
    due_at: str
    late: bool

    def apply(self, aggregate: Lesson) -> None:
        marks.record_lesson_mark(
            aggregate.marks, self, marks.count, comment=None, protocol=self.protocol
        )


class CommentAdded(LessonEvent):
    comment_id: str
    student_id: str
    text: str

    def apply(self, aggregate: Lesson) -> None:
        aggregate.comments[self.comment_id] = {
            "student_id": self.student_id,
            "text": self.text,
            "author_id": self.actor_id,
        }


class SubstitutionRecorded(LessonEvent):
    substitute_teacher_id: str
    reason: str | None

    def apply(self, aggregate: Lesson) -> None:
        aggregate.substitute_id = self.substitute_teacher_id


class LessonCancelled(LessonEvent):
    """The lesson will not take place (отмена урока): it leaves the timetable,
    journals, diaries and counts; nothing more is written to it."""

    reason: str

    def apply(self, aggregate: Lesson) -> None:
        aggregate.cancelled = self.reason


class LessonMoved(LessonEvent):
    """The lesson takes place on another date or slot (перенос урока). It keeps
    its id, so its entries move with it; ``from_date``/``from_slot`` say where it
    was."""

    date: str
    slot: int
    starts_at: str
    ends_at: str
    from_date: str
    from_slot: int

    def apply(self, aggregate: Lesson) -> None:
        aggregate.date, aggregate.slot = self.date, self.slot
        aggregate.starts_at, aggregate.ends_at = self.starts_at, self.ends_at


class Lesson(SchoolAggregate):
    def __init__(
        self, course_id: str, date: str, slot: int, starts_at: str, ends_at: str
    ) -> None:
        self.course_id = course_id
        self.date = date
        self.slot = slot
        self.starts_at = starts_at
        self.ends_at = ends_at
        self.topic: str | None = None
        self.plan_topic_no: int | None = None
        self.homework: dict[str, Any] | None = None
        self.attendance: dict[str, str] = {}
        self.marks: dict[str, dict[str, Any]] = {}
        self.comments: dict[str, dict[str, Any]] = {}
        self.substitute_id: str | None = None
        self.applied_requests: set[str] = set()
        self.cancelled: str | None = None  # the reason, once cancelled

    def _trigger(self, event_class: type[SchoolEvent], meta: Meta, **data: Any) -> None:
        """A cancelled lesson takes no more entries, nor a second cancellation
        or a move."""
        if self.cancelled is not None:
            raise Conflict(
                f"the lesson on {self.date} (slot {self.slot}) was cancelled "
                f"({self.cancelled}): nothing more is written to it",
                field="lesson_id",
            )
        super()._trigger(event_class, meta, **data)

    def entries(self) -> list[str]:
        """What is written in the lesson, named for a refusal: its live topic,
        homework, attendance notes, marks (struck ones aside) and comments."""
        out = []
        if self.topic is not None:
            out.append("a topic")
        if self.homework is not None:
            out.append("homework")
        if self.attendance:
            out.append(f"{len(self.attendance)} attendance note(s)")
        marked = sum(1 for m in self.marks.values() if m["value"] is not None)
        if marked:
            out.append(f"{marked} mark(s)")
        if self.comments:
            out.append(f"{len(self.comments)} comment(s)")
        return out

    def cancel(self, meta: Meta, reason: str) -> None:
        """Only an empty lesson is cancelled: one with entries took place (move it
        instead, or void what was written by mistake)."""
        entries = self.entries()
        if entries and self.cancelled is None:
            raise Conflict(
                f"the lesson on {self.date} has entries ({', '.join(entries)}): "
                "it took place and cannot be cancelled; move it to the day it "
                "was held instead",
                field="lesson_id",
            )
        self._trigger(LessonCancelled, meta, reason=reason)

    def move(
        self,
        meta: Meta,
        rules: SchoolRules,
        *,
        day: date,
        slot: int,
        starts_at: str,
        ends_at: str,
    ) -> None:
        """Another date or slot. Entries come along; each entry's deadline and
        lateness stay as recorded, and entries made after the move are due by
        the new date. A lesson with marks or attendance has taken place, so it
        moves only to a day that is not in the future."""
        here = (self.date, self.slot, self.starts_at, self.ends_at)
        there = (day.isoformat(), slot, starts_at, ends_at)
        if self.cancelled is None and here == there:
            raise Conflict("the lesson is already there", field="date")
        if (
            self.cancelled is None
            and (self.attendance or any(self.marks.values()))
            and day > rules.local_date(meta.now)
        ):
            raise Conflict(
                "the lesson has marks or attendance, so it took place: it cannot "
                f"move to {day.isoformat()}, a day still to come",
                field="date",
            )
        self._trigger(
            LessonMoved,
            meta,
            date=day.isoformat(),
            slot=slot,
            starts_at=starts_at,
            ends_at=ends_at,
            from_date=self.date,
            from_slot=self.slot,
        )

    @property
    def day(self) -> date:
        return date.fromisoformat(self.date)

    def _check_held(self, rules: SchoolRules, now: datetime) -> None:
        """Marks and attendance only on a lesson whose date is not in the future
        (a mark on a date with no lesson is a known fraud)."""
        if self.day > rules.local_date(now):
            raise Conflict(
                f"the lesson on {self.date} has not taken place yet", field="lesson_id"
            )

    @staticmethod
    def _check_pupil(
        is_pupil: Callable[[str], bool], student_id: str, field: str
    ) -> None:
        if not is_pupil(student_id):
            raise Invalid(
                f"pupil {student_id} does not belong to the class or group on the "
                "lesson's date",
                field=field,
            )

    def set_topic(
        self, meta: Meta, rules: SchoolRules, topic: str, plan_topic_no: int | None
    ) -> None:
        due = rules.end_of_day(self.day)
        self._trigger(
            TopicSet,
            meta,
            topic=topic,
            plan_topic_no=plan_topic_no,
            due_at=due.isoformat(),
            late=meta.now > due,
        )

    def assign_homework(
        self, meta: Meta, text: str, due_on: date | None, entry_due: datetime
    ) -> None:
        if due_on is not None and due_on <= self.day:
            raise Invalid(
                "homework must be due after the lesson's date", field="due_on"
            )
        self._trigger(
            HomeworkAssigned,
            meta,
            text=text,
            due_on=due_on.isoformat() if due_on else None,
            entry_due_at=entry_due.isoformat(),
            late=meta.now > entry_due,
        )

    def record_attendance(
        self,
        meta: Meta,
        rules: SchoolRules,
        entries: list[dict[str, str]],
        is_pupil: Callable[[str], bool],
    ) -> None:
        self._check_held(rules, meta.now)
        seen: set[str] = set()
        for i, entry in enumerate(entries):
            sid = entry["student_id"]
            if sid in seen:
                raise Invalid(f"pupil {sid} is listed twice", field=f"entries[{i}]")
            seen.add(sid)
            self._check_pupil(is_pupil, sid, f"entries[{i}].student_id")
        due = rules.end_of_day(self.day)
        self._trigger(
            AttendanceRecorded,
            meta,
            entries=entries,
            due_at=due.isoformat(),
            late=meta.now > due,
        )

    def record_mark(
        self,
        meta: Meta,
        rules: SchoolRules,
        *,
        mark_id: str,
        student_id: str,
        value: str,
        work_type: str,
        comment: str | None,
        is_pupil: Callable[[str], bool],
    ) -> None:
        self._check_held(rules, meta.now)
        self._check_pupil(is_pupil, student_id, "student_id")
        due = rules.mark_due(self.day, work_type)
        self._trigger(
            MarkRecorded,
            meta,
            mark_id=mark_id,
            student_id=student_id,
            value=value,
            work_type=work_type,
            comment=comment,
            due_at=due.isoformat(),
            late=meta.now > due,
        )

    def add_comment(
        self,
        meta: Meta,
        *,
        comment_id: str,
        student_id: str,
        text: str,
        is_pupil: Callable[[str], bool],
    ) -> None:
        self._check_pupil(is_pupil, student_id, "student_id")
        self._trigger(
            CommentAdded, meta, comment_id=comment_id, student_id=student_id, text=text
        )

    def record_substitution(
        self, meta: Meta, substitute_teacher_id: str, reason: str | None
    ) -> None:
        if self.substitute_id == substitute_teacher_id:
            raise Conflict(
                "that substitution is already recorded", field="substitute_teacher_id"
            )
        self._trigger(
            SubstitutionRecorded,
            meta,
            substitute_teacher_id=substitute_teacher_id,
            reason=reason,
        )

    # -- corrections and makeups ---------------------------------------------------
    def mark(self, mark_id: str) -> dict[str, Any]:
        return marks.find(self.marks, mark_id)

    def correct_mark(
        self,
        meta: Meta,
        *,
        mark_id: str,
        value: str | None,
        reason: str,
        request: ApprovedChange | None = None,
    ) -> None:
        """Correct or strike a mark (S4). Without an approved request only the
        mark's author may, and only inside the mark's entry window; after it the
        director decides on a correction request."""
        mark = self.mark(mark_id)
        if value is not None and value not in MARK_VALUES:
            raise Invalid("a mark is 1 to 5, or null to strike it", field="value")
        request_id = check_correction(
            meta,
            mark=mark,
            mark_id=mark_id,
            value=value,
            request=request,
            applied_requests=self.applied_requests,
            may_correct_alone=(mark["author_id"],),
            who="the mark's author",
        )
        self._trigger(
            MarkCorrected,
            meta,
            mark_id=mark_id,
            value=value,
            reason=reason,
            request_id=request_id,
        )

    def record_makeup(
        self,
        meta: Meta,
        rules: SchoolRules,
        *,
        mark_id: str,
        student_id: str,
        value: str,
        work_type: str,
        protocol: str,
        due: datetime,
        is_pupil: Callable[[str], bool],
    ) -> None:
        """A made-up topic's mark goes into the missed lesson; the pupil must have
        missed it, and the absence stays."""
        self._check_held(rules, meta.now)
        self._check_pupil(is_pupil, student_id, "student_id")
        code = self.attendance.get(student_id)
        if code not in MISSED:
            raise Conflict(
                "the pupil did not miss this lesson: record a mark instead",
                field="student_id",
            )
        self._trigger(
            MakeupRecorded,
            meta,
            mark_id=mark_id,
            student_id=student_id,
            value=value,
            work_type=work_type,
            protocol=protocol,
            made_up_on=rules.local_date(meta.now).isoformat(),
            due_at=due.isoformat(),
            late=meta.now > due,
        )


MISSED = ("absent", "ill", "excused")
"""Attendance codes of a missed lesson (н, б, уп); ``late`` (оп) is not a miss."""


def schedule_lesson(
    meta: Meta,
    *,
    course_id: str,
    day: date,
    slot: int,
    starts_at: str,
    ends_at: str,
    lesson_id: str | None = None,
) -> Lesson:
    """``lesson_id``: the id of the place (lesson_id_for), by default its first."""
    return Lesson._create(
        LessonScheduled,
        id=uuid.UUID(lesson_id or lesson_id_for(course_id, day, slot)),
        **meta_fields(meta),
        course_id=course_id,
        date=day.isoformat(),
        slot=slot,
        starts_at=starts_at,
        ends_at=ends_at,
    )
