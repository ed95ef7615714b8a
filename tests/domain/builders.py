"""Builders for pure domain tests: a clock in school-local time, ``Meta`` and one
line per given event.

A ``Stream`` numbers its events itself, so a given-list reads as a history::

    s = LessonStream()
    given = [s.scheduled(), s.mark("m1", PUPIL), s.void(2), s.reinstate(2)]
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, TypeVar
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

from eventsourcing.domain import Aggregate
from eventsourcing.utils import get_topic

from ejournal.domain.account import (
    Account,
    AccountCreated,
    PasswordReset,
    SessionClosed,
    SessionOpened,
)
from ejournal.domain.base import EventReinstated, EventsVoided, Meta, SchoolEvent
from ejournal.domain.lesson import (
    AttendanceRecorded,
    HomeworkAssigned,
    Lesson,
    LessonScheduled,
    MarkRecorded,
    SubstitutionRecorded,
    TopicSet,
)
from ejournal.domain.school_class import (
    ClassCreated,
    GroupCreated,
    SchoolClass,
    StudentJoined,
    StudentLeft,
)
from ejournal.domain.student import (
    ConsentRecorded,
    GuardianLinked,
    Student,
    StudentEnrolled,
    StudentTransferred,
    StudentWithdrawn,
)

E = TypeVar("E")

MSK = ZoneInfo("Europe/Moscow")

TEACHER = "teacher-1"
ADMIN = "admin-1"
PUPIL = "pupil-1"
OTHER_PUPIL = "pupil-2"
GUARDIAN = "guardian-1"
CLASS_A = "class-5a"
CLASS_B = "class-5b"
COURSE = "course-math-5a"

FIRST_HASH = "hash-0"
NEW_HASH = "hash-1"
TOKEN_HASH = "token-hash"

# Monday 16 November 2026: the lesson day most tests use.
LESSON_DAY = date(2026, 11, 16)


def local(
    y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0, us: int = 0
) -> datetime:
    """A school-local (Moscow) wall-clock time, as an aware UTC datetime."""
    return datetime(y, mo, d, h, mi, s, us, tzinfo=MSK).astimezone(UTC)


# Monday 23 November 2026, 10:00 Moscow time.
NOW = local(2026, 11, 23, 10)


def meta(
    now: datetime = NOW,
    actor: str = TEACHER,
    session: str | None = "session-1",
    command: str | None = None,
    ip: str | None = "127.0.0.1",
) -> Meta:
    return Meta(actor, session, command, ip, now)


def pupils(*ids: str) -> Any:
    """An ``is_pupil`` callback that knows exactly these pupils."""
    members = set(ids)
    return lambda student_id: student_id in members


class Stream:
    """Numbers the events of one aggregate's stream, filling who/when fields."""

    aggregate_class: type[Aggregate] = Aggregate

    def __init__(
        self,
        aggregate_id: UUID | None = None,
        *,
        at: datetime = NOW,
        actor: str = TEACHER,
        session: str | None = "session-1",
    ) -> None:
        self.id = aggregate_id or uuid4()
        self.version = 0
        self.at = at
        self.actor = actor
        self.session = session

    def event(self, cls: type[SchoolEvent], **fields: Any) -> Any:
        self.version += 1
        base: dict[str, Any] = {
            "originator_id": self.id,
            "originator_version": self.version,
            "timestamp": fields.pop("at", self.at),
            "actor_id": fields.pop("actor", self.actor),
            "session_id": fields.pop("session", self.session),
            "command_id": None,
            "client_ip": None,
        }
        if issubclass(cls, Aggregate.Created):
            base["originator_topic"] = get_topic(self.aggregate_class)
        return cls(**base, **fields)

    def void(self, *versions: int, incident: str = "i1") -> Any:
        return self.event(
            EventsVoided, incident_id=incident, versions=list(versions), actor=ADMIN
        )

    def reinstate(
        self, version: int, incident: str = "i1", reason: str = "genuine"
    ) -> Any:
        return self.event(
            EventReinstated,
            incident_id=incident,
            target_version=version,
            reason=reason,
            actor=ADMIN,
        )


class LessonStream(Stream):
    aggregate_class = Lesson

    def scheduled(
        self,
        day: date = LESSON_DAY,
        slot: int = 2,
        course_id: str = COURSE,
        starts_at: str = "09:25",
        ends_at: str = "10:10",
    ) -> Any:
        return self.event(
            LessonScheduled,
            course_id=course_id,
            date=day.isoformat(),
            slot=slot,
            starts_at=starts_at,
            ends_at=ends_at,
        )

    def mark(
        self,
        mark_id: str,
        student_id: str = PUPIL,
        value: str = "5",
        work_type: str = "oral",
    ) -> Any:
        return self.event(
            MarkRecorded,
            mark_id=mark_id,
            student_id=student_id,
            value=value,
            work_type=work_type,
            comment=None,
            due_at="2026-11-16T20:59:59.999999+00:00",
            late=False,
        )

    def attendance(self, **codes: str) -> Any:
        """``attendance(**{PUPIL: "absent"})``."""
        entries = [{"student_id": s, "code": c} for s, c in codes.items()]
        return self.event(
            AttendanceRecorded,
            entries=entries,
            due_at="2026-11-16T20:59:59.999999+00:00",
            late=False,
        )

    def topic(self, topic: str = "Fractions", plan_topic_no: int | None = 1) -> Any:
        return self.event(
            TopicSet,
            topic=topic,
            plan_topic_no=plan_topic_no,
            due_at="2026-11-16T20:59:59.999999+00:00",
            late=False,
        )

    def homework(self, text: str = "No. 12", due_on: str | None = None) -> Any:
        return self.event(
            HomeworkAssigned,
            text=text,
            due_on=due_on,
            entry_due_at="2026-11-16T09:40:00+00:00",
            late=False,
        )

    def substitution(self, teacher_id: str, reason: str | None = "illness") -> Any:
        return self.event(
            SubstitutionRecorded, substitute_teacher_id=teacher_id, reason=reason
        )


class ClassStream(Stream):
    aggregate_class = SchoolClass

    def created(
        self, name: str = "5А", grade: int = 5, class_teacher_id: str | None = None
    ) -> Any:
        return self.event(
            ClassCreated,
            year_id="year-1",
            name=name,
            grade=grade,
            class_teacher_id=class_teacher_id,
        )

    def joined(self, student_id: str, on: str) -> Any:
        return self.event(StudentJoined, student_id=student_id, on=on)

    def left(self, student_id: str, on: str, reason: str = "transfer") -> Any:
        return self.event(StudentLeft, student_id=student_id, on=on, reason=reason)

    def group(self, group_id: str, name: str, *student_ids: str) -> Any:
        return self.event(
            GroupCreated, group_id=group_id, name=name, student_ids=list(student_ids)
        )


class StudentStream(Stream):
    aggregate_class = Student

    def enrolled(
        self,
        class_id: str = CLASS_A,
        on: str = "2026-09-01",
        birth_date: str | None = "2015-03-10",
        full_name: str = "Алексеев Антон",
    ) -> Any:
        return self.event(
            StudentEnrolled,
            full_name=full_name,
            birth_date=birth_date,
            class_id=class_id,
            on=on,
        )

    def transferred(self, from_class: str, to_class: str, on: str) -> Any:
        return self.event(
            StudentTransferred, from_class_id=from_class, to_class_id=to_class, on=on
        )

    def withdrawn(self, class_id: str, on: str, reason: str = "moved away") -> Any:
        return self.event(StudentWithdrawn, class_id=class_id, on=on, reason=reason)

    def guardian(self, account_id: str = GUARDIAN) -> Any:
        return self.event(GuardianLinked, account_id=account_id)

    def consent(self, account_id: str = GUARDIAN, granted: bool = True) -> Any:
        return self.event(
            ConsentRecorded, guardian_account_id=account_id, granted=granted
        )


class AccountStream(Stream):
    aggregate_class = Account

    def created(
        self,
        login: str = "teacher",
        roles: tuple[str, ...] = ("teacher",),
        password_hash: str = FIRST_HASH,
        student_id: str | None = None,
    ) -> Any:
        return self.event(
            AccountCreated,
            login=login,
            full_name=login.title(),
            roles=list(roles),
            password_hash=password_hash,
            student_id=student_id,
            actor=ADMIN,
            session=None,
        )

    def session_opened(self, session_id: str, token_hash: str = TOKEN_HASH) -> Any:
        return self.event(
            SessionOpened,
            token_hash=token_hash,
            expires_at="2026-11-24T07:00:00+00:00",
            session=session_id,
            actor=str(self.id),
        )

    def session_closed(self, session_id: str, reason: str = "logout") -> Any:
        return self.event(SessionClosed, closed_session_id=session_id, reason=reason)

    def password_reset(self, password_hash: str = NEW_HASH) -> Any:
        return self.event(PasswordReset, password_hash=password_hash, actor=ADMIN)


def only_event(aggregate: Aggregate, cls: type[E]) -> E:
    """Then: the decision triggered exactly one event, of this type."""
    events = aggregate.collect_events()
    assert len(events) == 1, events
    [event] = events
    assert isinstance(event, cls), event
    return event
