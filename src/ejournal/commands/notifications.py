"""A guardian's e-mail notifications about a pupil (оповещения родителей):
opt-in per child and per topic; all false opts out. docs/notifications.md."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from pydantic import StringConstraints

from ejournal.commands.base import Body, Context, Outcome, command
from ejournal.domain.errors import NotFound
from ejournal.domain.student import Student, set_notifications
from ejournal.projections.reader import Reader
from ejournal.projections.streams import Doc
from ejournal.security import Actor, check_consent

Email = Annotated[
    str,
    StringConstraints(
        max_length=254, strip_whitespace=True, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
    ),
]


class SetNotifications(Body):
    student_id: UUID
    email: Email | None = None
    period_marks: bool = False
    low_marks: bool = False
    absences: bool = False
    weekly_digest: bool = False


def guardians_pupil(views: Reader, actor: Actor, student_id: str) -> Doc:
    """The pupil's document, for a guardian of theirs with a live consent; any
    other family's pupil does not exist for a parent (404), as in the diary."""
    doc = views.doc(student_id)
    if (
        doc is None
        or doc.get("kind") != "student"
        or actor.account_id not in doc["guardians"]
    ):
        raise NotFound(f"no pupil {student_id}", field="student_id")
    # Mails carry the pupil's personal data: the diary's consent gate.
    check_consent(actor, student_id, doc)
    return doc


@command(
    "set-notifications",
    SetNotifications,
    roles={"parent"},
    summary="A guardian chooses, for themself, the e-mails they get about a pupil: "
    "period marks, low marks (1 and 2), absences (н), a weekly digest; all false "
    "opts out",
)
def set_notifications_(ctx: Context, cmd: SetNotifications) -> Outcome:
    student_id = str(cmd.student_id)
    guardians_pupil(ctx.views, ctx.actor, student_id)
    student: Student = ctx.app.get(cmd.student_id, Student)
    set_notifications(
        student,
        ctx.meta,
        ctx.actor.account_id,
        cmd.email,
        {
            "period_marks": cmd.period_marks,
            "low_marks": cmd.low_marks,
            "absences": cmd.absences,
            "weekly_digest": cmd.weekly_digest,
        },
    )
    return Outcome([student])
