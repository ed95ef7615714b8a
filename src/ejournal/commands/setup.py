"""School set-up: accounts, the year, classes, pupils, guardians, groups, courses,
the timetable."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Literal
from uuid import UUID

from pydantic import Field, field_validator

from ejournal.commands.base import (
    Body,
    Context,
    Login,
    Name,
    Outcome,
    Password,
    ShortText,
    command,
)
from ejournal.domain.account import Account, create_account
from ejournal.domain.base import A, continue_stream, fold, new_id
from ejournal.domain.course import create_course
from ejournal.domain.errors import Conflict, Forbidden, Invalid, NotFound
from ejournal.domain.lesson import lesson_id_for, schedule_lesson
from ejournal.domain.school_class import SchoolClass, create_class
from ejournal.domain.student import Student, enroll
from ejournal.domain.year import AcademicYear, open_year
from ejournal.projections.streams import Doc
from ejournal.security import hash_password, is_class_teacher

Role = Literal[
    "admin",
    "director",
    "deputy",
    "teacher",
    "secretary",
    "auditor",
    "parent",
    "student",
]
ACCOUNT_NAMESPACE = uuid.UUID("0c7a0a57-3a3e-4c8e-8d7e-52b7c1f0a9d3")


def account_id_for(login: str) -> str:
    """One login, one stream: two concurrent creations of a login conflict."""
    return str(uuid.uuid5(ACCOUNT_NAMESPACE, login.lower()))


def on_free_stream(ctx: Context, aggregate: A) -> A:
    """A derived id may name a stream whose creation was voided: continue it.
    One whose creation stands is taken (the views may not show it yet)."""
    stream = ctx.app.stream(aggregate.id)
    if not stream:
        return aggregate
    if fold(stream) is not None:
        raise Conflict(f"{type(aggregate).__name__.lower()} {aggregate.id} exists")
    return continue_stream(aggregate, stream[-1].originator_version)


def need_doc(ctx: Context, stream_id: str, kind: str, label: str, field: str) -> Doc:
    doc = ctx.views.doc(stream_id)
    if doc is None or doc.get("kind") != kind:
        raise NotFound(f"no {label} {stream_id}", field=field)
    return doc


def need_account_with_role(ctx: Context, account_id: str, role: str, field: str) -> Doc:
    doc = need_doc(ctx, account_id, "account", "account", field)
    if role not in doc["roles"]:
        raise Invalid(f"account {account_id} is not a {role}", field=field)
    return doc


class CreateAccount(Body):
    login: Login
    password: Password
    full_name: Name
    roles: list[Role] = Field(min_length=1, max_length=8)
    student_id: UUID | None = None


@command("create-account", CreateAccount, roles={"admin"}, summary="Create an account")
def create_account_(ctx: Context, cmd: CreateAccount) -> Outcome:
    if ctx.views.key(f"login:{cmd.login.lower()}") is not None:
        raise Conflict(f"login {cmd.login!r} is taken", field="login")
    student_id = str(cmd.student_id) if cmd.student_id else None
    if student_id is not None:
        need_doc(ctx, student_id, "student", "pupil", "student_id")
    account = create_account(
        ctx.meta,
        account_id=account_id_for(cmd.login),
        login=cmd.login,
        full_name=cmd.full_name,
        roles=list(cmd.roles),
        password_hash=hash_password(cmd.password),
        student_id=student_id,
    )
    return Outcome([on_free_stream(ctx, account)], {"account_id": str(account.id)})


class ResetPassword(Body):
    account_id: UUID
    new_password: Password


@command(
    "reset-password",
    ResetPassword,
    roles={"admin"},
    summary="Set a new password; closes the account's sessions and lifts a block",
)
def reset_password(ctx: Context, cmd: ResetPassword) -> Outcome:
    account: Account = ctx.app.get(cmd.account_id, Account)
    account.reset_password(ctx.meta, hash_password(cmd.new_password))
    return Outcome([account])


class Span(Body):
    name: Name
    starts_on: date
    ends_on: date


class OpenAcademicYear(Body):
    name: Name
    starts_on: date
    ends_on: date
    periods: list[Span] = Field(min_length=1, max_length=12)
    holidays: list[Span] = Field(default_factory=list, max_length=30)


@command(
    "open-academic-year",
    OpenAcademicYear,
    roles={"admin", "deputy"},
    summary="Open an academic year with its periods and holidays",
)
def open_academic_year(ctx: Context, cmd: OpenAcademicYear) -> Outcome:
    for existing in ctx.views.all_of_kind("year"):
        if existing["name"] == cmd.name:
            raise Conflict(f"a year named {cmd.name!r} exists", field="name")
    period_ids = [new_id() for _ in cmd.periods]
    year = open_year(
        ctx.meta,
        name=cmd.name,
        starts_on=cmd.starts_on,
        ends_on=cmd.ends_on,
        periods=[p.model_dump() for p in cmd.periods],
        holidays=[h.model_dump() for h in cmd.holidays],
        period_ids=period_ids,
    )
    return Outcome([year], {"year_id": str(year.id), "period_ids": period_ids})


class CreateClassBody(Body):
    year_id: UUID
    name: ShortText
    grade: int = Field(ge=1, le=11)
    class_teacher_id: UUID | None = None


@command(
    "create-class", CreateClassBody, roles={"admin", "deputy"}, summary="Create a class"
)
def create_class_(ctx: Context, cmd: CreateClassBody) -> Outcome:
    year_id = str(cmd.year_id)
    need_doc(ctx, year_id, "year", "academic year", "year_id")
    teacher_id = str(cmd.class_teacher_id) if cmd.class_teacher_id else None
    if teacher_id is not None:
        need_account_with_role(ctx, teacher_id, "teacher", "class_teacher_id")
    for other in ctx.views.children("class", [year_id]):
        if other["name"] == cmd.name:
            raise Conflict(f"class {cmd.name!r} exists in that year", field="name")
    klass = create_class(
        ctx.meta,
        year_id=year_id,
        name=cmd.name,
        grade=cmd.grade,
        class_teacher_id=teacher_id,
    )
    return Outcome([klass], {"class_id": str(klass.id)})


class EnrollStudent(Body):
    class_id: UUID
    full_name: Name
    birth_date: date | None = None
    on: date


def _check_in_year(ctx: Context, klass: SchoolClass, on: date, field: str) -> None:
    year: AcademicYear = ctx.app.peek(klass.year_id, AcademicYear)
    if not year.contains(on):
        raise Invalid(
            f"{on.isoformat()} is outside the class's academic year", field=field
        )


@command(
    "enroll-student",
    EnrollStudent,
    roles={"secretary", "admin"},
    summary="Admit a pupil to a class from a date",
)
def enroll_student(ctx: Context, cmd: EnrollStudent) -> Outcome:
    klass: SchoolClass = ctx.app.get(cmd.class_id, SchoolClass)
    _check_in_year(ctx, klass, cmd.on, "on")
    student = enroll(
        ctx.meta,
        full_name=cmd.full_name,
        birth_date=cmd.birth_date,
        class_id=str(klass.id),
        on=cmd.on,
    )
    klass.admit(ctx.meta, str(student.id), cmd.on)
    return Outcome([student, klass], {"student_id": str(student.id)})


class TransferStudent(Body):
    student_id: UUID
    to_class_id: UUID
    on: date


@command(
    "transfer-student",
    TransferStudent,
    roles={"secretary", "admin"},
    summary="Move a pupil to another class from a date",
)
def transfer_student(ctx: Context, cmd: TransferStudent) -> Outcome:
    student: Student = ctx.app.get(cmd.student_id, Student)
    target: SchoolClass = ctx.app.get(cmd.to_class_id, SchoolClass)
    _check_in_year(ctx, target, cmd.on, "on")
    from_class_id = student.transfer(ctx.meta, str(target.id), cmd.on)
    source: SchoolClass = ctx.app.get(from_class_id, SchoolClass)
    source.release(ctx.meta, str(student.id), cmd.on, "transfer")
    target.admit(ctx.meta, str(student.id), cmd.on)
    return Outcome([student, source, target])


class WithdrawStudent(Body):
    student_id: UUID
    on: date
    reason: ShortText


@command(
    "withdraw-student",
    WithdrawStudent,
    roles={"secretary", "admin"},
    summary="A pupil leaves the school from a date",
)
def withdraw_student(ctx: Context, cmd: WithdrawStudent) -> Outcome:
    student: Student = ctx.app.get(cmd.student_id, Student)
    class_id = student.withdraw(ctx.meta, cmd.on, cmd.reason)
    klass: SchoolClass = ctx.app.get(class_id, SchoolClass)
    klass.release(ctx.meta, str(student.id), cmd.on, cmd.reason)
    return Outcome([student, klass])


class LinkGuardian(Body):
    student_id: UUID
    account_id: UUID


@command(
    "link-guardian",
    LinkGuardian,
    roles={"secretary", "admin", "teacher"},
    summary="Link a parent's account to a pupil",
)
def link_guardian(ctx: Context, cmd: LinkGuardian) -> Outcome:
    student: Student = ctx.app.get(cmd.student_id, Student)
    if not ctx.actor.has("secretary", "admin"):
        klass = ctx.views.doc(student.class_id) if student.class_id else None
        if not is_class_teacher(ctx.actor, klass):
            raise Forbidden("only the pupil's class teacher links guardians")
    need_account_with_role(ctx, str(cmd.account_id), "parent", "account_id")
    student.link_guardian(ctx.meta, str(cmd.account_id))
    return Outcome([student])


class RecordConsent(Body):
    student_id: UUID
    guardian_account_id: UUID
    granted: bool


@command(
    "record-consent",
    RecordConsent,
    roles={"secretary", "admin"},
    summary="Record a guardian's consent to data processing",
)
def record_consent(ctx: Context, cmd: RecordConsent) -> Outcome:
    student: Student = ctx.app.get(cmd.student_id, Student)
    need_doc(
        ctx, str(cmd.guardian_account_id), "account", "account", "guardian_account_id"
    )
    student.record_consent(ctx.meta, str(cmd.guardian_account_id), cmd.granted)
    return Outcome([student])


class CreateGroup(Body):
    class_id: UUID
    name: ShortText
    student_ids: list[UUID] = Field(min_length=1, max_length=60)


@command(
    "create-group",
    CreateGroup,
    roles={"teacher", "deputy", "admin"},
    summary="Create a group (подгруппа) of a class",
)
def create_group(ctx: Context, cmd: CreateGroup) -> Outcome:
    klass: SchoolClass = ctx.app.get(cmd.class_id, SchoolClass)
    if not ctx.actor.has("deputy", "admin") and not is_class_teacher(
        ctx.actor, ctx.views.doc(str(klass.id))
    ):
        raise Forbidden("only the class teacher, a deputy or an admin creates groups")
    for i, sid in enumerate(cmd.student_ids):
        need_doc(ctx, str(sid), "student", "pupil", f"student_ids[{i}]")
    group_id = new_id()
    klass.create_group(ctx.meta, group_id, cmd.name, [str(s) for s in cmd.student_ids])
    return Outcome([klass], {"group_id": group_id})


class CreateCourse(Body):
    year_id: UUID
    class_id: UUID
    group_id: UUID | None = None
    subject: ShortText
    teacher_id: UUID
    hours_per_week: float = Field(gt=0, le=40)


@command(
    "create-course",
    CreateCourse,
    roles={"deputy", "admin"},
    summary="A subject taught to a class or group by a teacher for a year",
)
def create_course_(ctx: Context, cmd: CreateCourse) -> Outcome:
    year_id, class_id = str(cmd.year_id), str(cmd.class_id)
    need_doc(ctx, year_id, "year", "academic year", "year_id")
    klass = need_doc(ctx, class_id, "class", "class", "class_id")
    if klass["year_id"] != year_id:
        raise Invalid("the class belongs to another academic year", field="class_id")
    group_id = str(cmd.group_id) if cmd.group_id else None
    if group_id is not None and group_id not in klass["groups"]:
        raise NotFound(f"no group {group_id} in that class", field="group_id")
    need_account_with_role(ctx, str(cmd.teacher_id), "teacher", "teacher_id")
    course = create_course(
        ctx.meta,
        year_id=year_id,
        class_id=class_id,
        group_id=group_id,
        subject=cmd.subject,
        teacher_id=str(cmd.teacher_id),
        hours_per_week=cmd.hours_per_week,
    )
    return Outcome([course], {"course_id": str(course.id)})


HHMM = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"


class LessonSlot(Body):
    date: date
    slot: int = Field(ge=1, le=12)
    starts_at: str = Field(pattern=HHMM)
    ends_at: str = Field(pattern=HHMM)

    @field_validator("ends_at")
    @classmethod
    def _after_start(cls, value: str, info: object) -> str:
        data = getattr(info, "data", {})
        if "starts_at" in data and value <= data["starts_at"]:
            msg = "ends_at must be after starts_at"
            raise ValueError(msg)
        return value


class ScheduleLessons(Body):
    course_id: UUID
    lessons: list[LessonSlot] = Field(min_length=1, max_length=500)


@command(
    "schedule-lessons",
    ScheduleLessons,
    roles={"deputy", "admin"},
    summary="Put lessons of a course in the timetable",
)
def schedule_lessons(ctx: Context, cmd: ScheduleLessons) -> Outcome:
    course_id = str(cmd.course_id)
    course = need_doc(ctx, course_id, "course", "course", "course_id")
    year: AcademicYear = ctx.app.get(course["year_id"], AcademicYear)
    seen: set[str] = set()
    lessons = []
    for i, item in enumerate(cmd.lessons):
        year.check_teaching_day(item.date, field=f"lessons[{i}].date")
        lesson_id = lesson_id_for(course_id, item.date, item.slot)
        if lesson_id in seen:
            raise Invalid(
                "the same date and slot is listed twice", field=f"lessons[{i}]"
            )
        seen.add(lesson_id)
        if ctx.views.doc(lesson_id) is not None:
            raise Conflict(
                f"a lesson is already scheduled on {item.date} in slot {item.slot}",
                field=f"lessons[{i}]",
            )
        lesson = schedule_lesson(
            ctx.meta,
            course_id=course_id,
            day=item.date,
            slot=item.slot,
            starts_at=item.starts_at,
            ends_at=item.ends_at,
        )
        lessons.append(on_free_stream(ctx, lesson))
    return Outcome(lessons, {"lesson_ids": [str(lesson.id) for lesson in lessons]})
