"""Classes and their roster: pupils admitted, moved and withdrawn, guardians and
their consent, groups (подгруппы)."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from pydantic import Field

from ejournal.commands.base import Body, Context, Name, Outcome, ShortText, command
from ejournal.commands.lookups import need_account_with_role, need_doc
from ejournal.domain.base import new_id
from ejournal.domain.errors import Conflict, Forbidden, Invalid
from ejournal.domain.school_class import SchoolClass, create_class
from ejournal.domain.student import Student, enroll
from ejournal.domain.year import AcademicYear
from ejournal.security import is_class_teacher


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
