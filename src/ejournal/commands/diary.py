"""The diary: a guardian acknowledges having read a week of the pupil's diary
(факт ознакомления, S1)."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from ejournal.commands.base import Body, Context, Outcome, command
from ejournal.domain.errors import NotFound
from ejournal.domain.student import Student
from ejournal.security import check_consent


class AcknowledgeDiary(Body):
    student_id: UUID
    week_start: date


@command(
    "acknowledge-diary",
    AcknowledgeDiary,
    roles={"parent"},
    summary="A guardian confirms having read the pupil's diary for a week "
    "(week_start is its Monday)",
)
def acknowledge_diary(ctx: Context, cmd: AcknowledgeDiary) -> Outcome:
    student_id = str(cmd.student_id)
    doc = ctx.views.doc(student_id)
    # Like the diary itself: another family's pupil does not exist for a parent.
    if (
        doc is None
        or doc.get("kind") != "student"
        or ctx.actor.account_id not in doc["guardians"]
    ):
        raise NotFound(f"no pupil {student_id}", field="student_id")
    # Acknowledging is reading the diary: the same consent gate as the diary.
    check_consent(ctx.actor, student_id, doc)
    student: Student = ctx.app.get(cmd.student_id, Student)
    student.acknowledge_diary(
        ctx.meta,
        ctx.actor.account_id,
        cmd.week_start,
        ctx.rules.local_date(ctx.now),
    )
    return Outcome([student])
