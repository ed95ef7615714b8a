"""A pupil (обучающийся): person, placements, guardians (законные представители),
consent to data processing (согласие на обработку ПДн)."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from ejournal.domain.base import Meta, SchoolAggregate, SchoolEvent, meta_fields
from ejournal.domain.errors import Conflict, Invalid


class StudentEvent(SchoolEvent):
    stream_kind = "student"


class StudentEnrolled(StudentEvent, SchoolAggregate.Created):
    full_name: str
    birth_date: str | None
    class_id: str
    on: str


class StudentTransferred(StudentEvent):
    from_class_id: str
    to_class_id: str
    on: str

    def apply(self, aggregate: Student) -> None:
        aggregate.class_id = self.to_class_id
        aggregate.placements[-1][2] = self.on
        aggregate.placements.append([self.to_class_id, self.on, None])


class StudentWithdrawn(StudentEvent):
    class_id: str
    on: str
    reason: str

    def apply(self, aggregate: Student) -> None:
        aggregate.class_id = None
        aggregate.placements[-1][2] = self.on


class GuardianLinked(StudentEvent):
    account_id: str

    def apply(self, aggregate: Student) -> None:
        if self.account_id not in aggregate.guardians:
            aggregate.guardians.append(self.account_id)


class ConsentRecorded(StudentEvent):
    guardian_account_id: str
    granted: bool

    def apply(self, aggregate: Student) -> None:
        aggregate.consents[self.guardian_account_id] = self.granted


class DiaryAcknowledged(StudentEvent):
    """A guardian confirms having read the diary for a week (факт ознакомления)."""

    guardian_account_id: str
    week_start: str

    def apply(self, aggregate: Student) -> None:
        aggregate.acknowledgements.setdefault(self.week_start, []).append(
            self.guardian_account_id
        )


class StudentDetailsEdited(StudentEvent):
    """The pupil's name or birth date changed from now on (an earlier ``as_of``
    still shows the old ones): only the fields in ``changes``."""

    changes: dict[str, str | None]

    def apply(self, aggregate: Student) -> None:
        for name, value in self.changes.items():
            setattr(aggregate, name, value)


class NotificationsSet(StudentEvent):
    """A guardian's choice of e-mails about this pupil (оповещения): all false is
    opting out. docs/notifications.md."""

    guardian_account_id: str
    email: str | None
    period_marks: bool
    low_marks: bool
    absences: bool
    weekly_digest: bool

    def apply(self, aggregate: Student) -> None:
        # Kept beside the aggregate's other state without touching its
        # constructor: older folds simply have no choices yet.
        choices = aggregate.__dict__.setdefault("notifications", {})
        choices[self.guardian_account_id] = notification_choice(self)


def notification_choice(e: NotificationsSet) -> dict[str, object]:
    return {
        "email": e.email,
        "period_marks": e.period_marks,
        "low_marks": e.low_marks,
        "absences": e.absences,
        "weekly_digest": e.weekly_digest,
    }


NOTIFICATION_TOPICS = ("period_marks", "low_marks", "absences", "weekly_digest")


class Student(SchoolAggregate):
    def __init__(
        self, full_name: str, birth_date: str | None, class_id: str, on: str
    ) -> None:
        self.full_name = full_name
        self.birth_date = birth_date
        self.class_id: str | None = class_id
        # [class_id, from, until-exclusive or None]
        self.placements: list[list[str | None]] = [[class_id, on, None]]
        self.guardians: list[str] = []
        self.consents: dict[str, bool] = {}
        # week_start (a Monday) -> guardians who acknowledged that week's diary
        self.acknowledgements: dict[str, list[str]] = {}

    def transfer(self, meta: Meta, to_class_id: str, on: date) -> str:
        if self.class_id is None:
            raise Conflict("the pupil has been withdrawn", field="student_id")
        if self.class_id == to_class_id:
            raise Conflict(
                "the pupil already belongs to that class", field="to_class_id"
            )
        start = self.placements[-1][1]
        assert start is not None
        if on.isoformat() <= start:
            raise Invalid(f"the transfer must be after {start}", field="on")
        from_class = self.class_id
        self._trigger(
            StudentTransferred,
            meta,
            from_class_id=from_class,
            to_class_id=to_class_id,
            on=on.isoformat(),
        )
        return from_class

    def withdraw(self, meta: Meta, on: date, reason: str) -> str:
        if self.class_id is None:
            raise Conflict("the pupil has already been withdrawn", field="student_id")
        start = self.placements[-1][1]
        assert start is not None
        if on.isoformat() < start:
            raise Invalid(f"the withdrawal cannot precede {start}", field="on")
        class_id = self.class_id
        self._trigger(
            StudentWithdrawn, meta, class_id=class_id, on=on.isoformat(), reason=reason
        )
        return class_id

    def edit_details(self, meta: Meta, fields: dict[str, str | None]) -> None:
        """``fields``: full_name and/or birth_date (ISO, or None to clear it); the
        ones already so are left out, and an edit that changes nothing is a
        conflict."""
        if not fields:
            raise Invalid(
                "name at least one of full_name, birth_date", field="full_name"
            )
        if "full_name" in fields and not fields["full_name"]:
            raise Invalid("a pupil keeps a name", field="full_name")
        admitted = self.placements[0][1]
        birth = fields.get("birth_date")
        if birth is not None and admitted is not None and birth >= admitted:
            raise Invalid(
                f"the birth date must be before the admission date {admitted}",
                field="birth_date",
            )
        changes = {k: v for k, v in fields.items() if getattr(self, k) != v}
        if not changes:
            raise Conflict(
                f"the pupil already has that {', '.join(fields)}",
                field=next(iter(fields)),
            )
        self._trigger(StudentDetailsEdited, meta, changes=changes)

    def link_guardian(self, meta: Meta, account_id: str) -> None:
        if account_id in self.guardians:
            raise Conflict("that guardian is already linked", field="account_id")
        self._trigger(GuardianLinked, meta, account_id=account_id)

    def record_consent(
        self, meta: Meta, guardian_account_id: str, granted: bool
    ) -> None:
        if guardian_account_id not in self.guardians:
            raise Invalid(
                "the account is not a guardian of this pupil",
                field="guardian_account_id",
            )
        self._trigger(
            ConsentRecorded,
            meta,
            guardian_account_id=guardian_account_id,
            granted=granted,
        )

    def acknowledge_diary(
        self, meta: Meta, guardian_account_id: str, week_start: date, today: date
    ) -> None:
        """A guardian of the pupil confirms a week that has begun, once (S1)."""
        if guardian_account_id not in self.guardians:
            raise Invalid(
                "the account is not a guardian of this pupil", field="student_id"
            )
        if week_start.weekday() != 0:
            raise Invalid("week_start must be a Monday", field="week_start")
        if week_start > today:
            raise Invalid("that week has not begun yet", field="week_start")
        week = week_start.isoformat()
        if guardian_account_id in self.acknowledgements.get(week, []):
            raise Conflict(
                "this week's diary is already acknowledged", field="week_start"
            )
        self._trigger(
            DiaryAcknowledged,
            meta,
            guardian_account_id=guardian_account_id,
            week_start=week,
        )


def enroll(
    meta: Meta,
    *,
    full_name: str,
    birth_date: date | None,
    class_id: str,
    on: date,
    student_id: str | None = None,
) -> Student:
    """``student_id``: an explicit id (a reproducible generated school), else a
    new one."""
    if birth_date is not None and birth_date >= on:
        raise Invalid(
            "the birth date must be before the admission date", field="birth_date"
        )
    return Student._create(
        StudentEnrolled,
        id=UUID(student_id) if student_id else None,
        **meta_fields(meta),
        full_name=full_name,
        birth_date=birth_date.isoformat() if birth_date else None,
        class_id=class_id,
        on=on.isoformat(),
    )


def set_notifications(
    student: Student,
    meta: Meta,
    guardian_account_id: str,
    email: str | None,
    topics: dict[str, bool],
) -> None:
    """A guardian of the pupil chooses, for themself, which e-mails they get about
    this pupil; any topic chosen needs an address."""
    if guardian_account_id not in student.guardians:
        raise Invalid("the account is not a guardian of this pupil", field="student_id")
    if any(topics.values()) and not email:
        raise Invalid("an e-mail address is needed to get notifications", field="email")
    student._trigger(
        NotificationsSet,
        meta,
        guardian_account_id=guardian_account_id,
        email=email if any(topics.values()) else None,
        **{name: bool(topics.get(name, False)) for name in NOTIFICATION_TOPICS},
    )
