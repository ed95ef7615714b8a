"""Editing the school's people: a pupil's name and birth date, a class's class
teacher. Each edit is an event on the stream it changes, so an ``as_of`` read
before it shows what stood then, and a void undoes it."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from ejournal.commands.base import Body, Context, Name, Outcome, command
from ejournal.commands.lookups import need_account_with_role
from ejournal.domain.errors import Conflict, Invalid
from ejournal.domain.school_class import SchoolClass
from ejournal.domain.student import Student
from ejournal.domain.year import AcademicYear


class EditStudent(Body):
    """Only the fields sent change; ``birth_date: null`` clears it."""

    student_id: UUID
    full_name: Name | None = None
    birth_date: date | None = None


@command(
    "edit-student",
    EditStudent,
    roles={"secretary", "admin"},
    summary="Correct a pupil's name or birth date (from now on)",
)
def edit_student(ctx: Context, cmd: EditStudent) -> Outcome:
    fields: dict[str, str | None] = {}
    if "full_name" in cmd.model_fields_set:
        fields["full_name"] = cmd.full_name
    if "birth_date" in cmd.model_fields_set:
        fields["birth_date"] = cmd.birth_date.isoformat() if cmd.birth_date else None
    student: Student = ctx.app.get(cmd.student_id, Student)
    student.edit_details(ctx.meta, fields)
    return Outcome([student])


class ChangeClassTeacher(Body):
    """``class_teacher_id: null`` leaves the class without one; ``on`` (default
    today; not in the future, nor before the class's year) is the date recorded
    for the change, which takes effect at once."""

    class_id: UUID
    class_teacher_id: UUID | None
    on: date | None = None


@command(
    "change-class-teacher",
    ChangeClassTeacher,
    roles={"admin", "deputy"},
    summary="Name another class teacher (or none): the class journal moves with it",
)
def change_class_teacher(ctx: Context, cmd: ChangeClassTeacher) -> Outcome:
    klass: SchoolClass = ctx.app.get(cmd.class_id, SchoolClass)
    teacher_id = str(cmd.class_teacher_id) if cmd.class_teacher_id else None
    if teacher_id is not None:
        doc = need_account_with_role(ctx, teacher_id, "teacher", "class_teacher_id")
        if doc.get("deactivated"):
            raise Conflict(
                f"account {teacher_id} is deactivated", field="class_teacher_id"
            )
    today = ctx.rules.local_date(ctx.now)
    on = cmd.on or today
    if on > today:
        raise Invalid(
            "the change takes effect at once: `on` cannot be in the future",
            field="on",
        )
    if cmd.on is not None:
        year: AcademicYear = ctx.app.peek(klass.year_id, AcademicYear)
        if on < year.starts_on:
            raise Invalid(
                f"the class's year starts on {year.starts_on.isoformat()}", field="on"
            )
    klass.change_class_teacher(ctx.meta, teacher_id, on)
    return Outcome([klass])
