"""Group membership over time (состав подгрупп): a pupil joins, leaves or moves
between the groups of their class on a date.

One command for the three: a move between two subgroups on one date is one
decision, written in one transaction (the pupil is never in both, nor in
neither).
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from ejournal.commands.base import Body, Context, Outcome, command
from ejournal.commands.lookups import need_doc
from ejournal.domain.errors import Forbidden, Invalid, NotFound
from ejournal.domain.school_class import SchoolClass
from ejournal.domain.year import AcademicYear
from ejournal.security import is_class_teacher


class ChangeGroupMembership(Body):
    student_id: UUID
    on: date
    from_group_id: UUID | None = None
    to_group_id: UUID | None = None


def _class_of_group(ctx: Context, group_id: UUID, field: str) -> str:
    class_id = ctx.views.key(f"group:{group_id}")
    if class_id is None:
        raise NotFound(f"no group {group_id}", field=field)
    return class_id


@command(
    "change-group-membership",
    ChangeGroupMembership,
    roles={"teacher", "deputy", "admin"},
    summary="A pupil joins, leaves or moves between groups (подгруппы) of their "
    "class from a date",
)
def change_group_membership(ctx: Context, cmd: ChangeGroupMembership) -> Outcome:
    if cmd.from_group_id is None and cmd.to_group_id is None:
        raise Invalid("name from_group_id, to_group_id or both", field="to_group_id")
    class_ids = {
        _class_of_group(ctx, gid, name)
        for gid, name in (
            (cmd.from_group_id, "from_group_id"),
            (cmd.to_group_id, "to_group_id"),
        )
        if gid is not None
    }
    if len(class_ids) > 1:
        raise Invalid(
            "a pupil moves only between groups of one class", field="to_group_id"
        )
    [class_id] = class_ids
    if not ctx.actor.has("deputy", "admin") and not is_class_teacher(
        ctx.actor, ctx.views.doc(class_id)
    ):
        raise Forbidden(
            "only the class teacher, a deputy or an admin changes the class's groups"
        )
    need_doc(ctx, str(cmd.student_id), "student", "pupil", "student_id")
    klass: SchoolClass = ctx.app.get(class_id, SchoolClass)
    year: AcademicYear = ctx.app.peek(klass.year_id, AcademicYear)
    if not year.contains(cmd.on):
        raise Invalid(
            f"{cmd.on.isoformat()} is outside the class's academic year", field="on"
        )
    klass.change_group_membership(
        ctx.meta,
        student_id=str(cmd.student_id),
        on=cmd.on,
        from_group_id=str(cmd.from_group_id) if cmd.from_group_id else None,
        to_group_id=str(cmd.to_group_id) if cmd.to_group_id else None,
    )
    return Outcome([klass])
