"""A class (класс): its roster over time, its groups (подгруппы), its class teacher."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from ejournal.domain import groups
from ejournal.domain.base import Meta, SchoolAggregate, SchoolEvent, meta_fields
from ejournal.domain.errors import Conflict, Invalid


class ClassEvent(SchoolEvent):
    stream_kind = "class"


class ClassCreated(ClassEvent, SchoolAggregate.Created):
    year_id: str
    name: str
    grade: int
    class_teacher_id: str | None


class StudentJoined(ClassEvent):
    """A pupil belongs to the class from ``on`` (admission or transfer in)."""

    student_id: str
    on: str

    def apply(self, aggregate: SchoolClass) -> None:
        aggregate.roster.setdefault(self.student_id, []).append([self.on, None])


class StudentLeft(ClassEvent):
    """A pupil no longer belongs to the class from ``on`` (withdrawal, transfer out)."""

    student_id: str
    on: str
    reason: str

    def apply(self, aggregate: SchoolClass) -> None:
        spans = aggregate.roster.get(self.student_id)
        if spans and spans[-1][1] is None:
            spans[-1][1] = self.on


class GroupCreated(ClassEvent):
    """A group (подгруппа) of the class. Its first members belong to it from the
    start of the year (their spans start at None): a group is formed for the
    year's lessons, and the class roster bounds each pupil's days anyway."""

    group_id: str
    name: str
    student_ids: list[str]

    def apply(self, aggregate: SchoolClass) -> None:
        aggregate.groups[self.group_id] = {
            "name": self.name,
            "student_ids": list(self.student_ids),
        }
        aggregate.group_spans[self.group_id] = {
            sid: [[None, None]] for sid in self.student_ids
        }


class GroupMemberJoined(ClassEvent):
    """A pupil belongs to a group from ``on`` (inclusive)."""

    group_id: str
    student_id: str
    on: str

    def apply(self, aggregate: SchoolClass) -> None:
        members = aggregate.group_spans.get(self.group_id)
        if members is None:  # the group's creation is void
            return
        groups.join(members, self.student_id, self.on)
        aggregate.groups[self.group_id]["student_ids"] = groups.current(members)


class GroupMemberLeft(ClassEvent):
    """A pupil no longer belongs to a group from ``on`` (exclusive)."""

    group_id: str
    student_id: str
    on: str

    def apply(self, aggregate: SchoolClass) -> None:
        members = aggregate.group_spans.get(self.group_id)
        if members is None:  # the group's creation is void
            return
        groups.leave(members, self.student_id, self.on)
        aggregate.groups[self.group_id]["student_ids"] = groups.current(members)


class ClassTeacherChanged(ClassEvent):
    """Another teacher (or none) is the class teacher from ``on``: the old one
    loses the class journal, the new one gains it."""

    from_teacher_id: str | None
    to_teacher_id: str | None
    on: str

    def apply(self, aggregate: SchoolClass) -> None:
        aggregate.class_teacher_id = self.to_teacher_id


class SchoolClass(SchoolAggregate):
    def __init__(
        self, year_id: str, name: str, grade: int, class_teacher_id: str | None
    ) -> None:
        self.year_id = year_id
        self.name = name
        self.grade = grade
        self.class_teacher_id = class_teacher_id
        # student_id -> [[from, until-exclusive or None], ...]
        self.roster: dict[str, list[list[str | None]]] = {}
        self.groups: dict[str, dict[str, object]] = {}
        # group_id -> student_id -> [[from or None (the year's start), until], ...]
        self.group_spans: dict[str, dict[str, list[list[str | None]]]] = {}

    def is_member(self, student_id: str, day: date) -> bool:
        """Admission date inclusive, leaving date exclusive."""
        iso = day.isoformat()
        for start, end in self.roster.get(student_id, []):
            assert start is not None
            if start <= iso and (end is None or iso < end):
                return True
        return False

    def is_current_member(self, student_id: str) -> bool:
        spans = self.roster.get(student_id)
        return bool(spans) and spans[-1][1] is None  # type: ignore[index]

    def group_members(self, group_id: str) -> list[str]:
        """The group's current members (an open span)."""
        group = self.groups.get(group_id)
        return list(group["student_ids"]) if group else []  # type: ignore[call-overload]

    def in_group(self, group_id: str, student_id: str, day: date) -> bool:
        """In the group on ``day`` (joining inclusive, leaving exclusive); the
        class roster is checked apart (``is_member``)."""
        spans = self.group_spans.get(group_id, {}).get(student_id, [])
        return groups.member(spans, day.isoformat())

    def change_group_membership(
        self,
        meta: Meta,
        *,
        student_id: str,
        on: date,
        from_group_id: str | None,
        to_group_id: str | None,
    ) -> None:
        """A pupil leaves one group and/or joins another of this class on one
        date: a move between subgroups is one decision."""
        if from_group_id is None and to_group_id is None:
            raise Invalid(
                "name from_group_id, to_group_id or both", field="to_group_id"
            )
        if from_group_id == to_group_id:
            raise Invalid(
                "the pupil moves to the group they leave", field="to_group_id"
            )
        iso = on.isoformat()
        if from_group_id is not None:
            spans = self._group(from_group_id, "from_group_id").get(student_id)
            if not spans or spans[-1][1] is not None:
                raise Conflict(
                    "the pupil is not in the group they would leave",
                    field="from_group_id",
                )
            if spans[-1][0] is not None and iso < str(spans[-1][0]):
                raise Invalid(
                    f"the pupil joined that group on {spans[-1][0]}: cannot leave "
                    f"on {iso}",
                    field="on",
                )
        if to_group_id is not None:
            if not self.is_current_member(student_id):
                raise Conflict(
                    f"pupil {student_id} does not belong to this class",
                    field="student_id",
                )
            spans = self._group(to_group_id, "to_group_id").get(student_id)
            if spans and spans[-1][1] is None:
                raise Conflict(
                    "the pupil is already in the group they would join",
                    field="to_group_id",
                )
            if spans and iso < str(spans[-1][1]):
                raise Invalid(
                    f"the pupil left that group on {spans[-1][1]}: cannot rejoin "
                    "before",
                    field="on",
                )
        if from_group_id is not None:
            self._trigger(
                GroupMemberLeft,
                meta,
                group_id=from_group_id,
                student_id=student_id,
                on=iso,
            )
        if to_group_id is not None:
            self._trigger(
                GroupMemberJoined,
                meta,
                group_id=to_group_id,
                student_id=student_id,
                on=iso,
            )

    def _group(self, group_id: str, field: str) -> dict[str, list[list[str | None]]]:
        if group_id not in self.group_spans:
            raise Invalid(f"no group {group_id} in this class", field=field)
        return self.group_spans[group_id]

    def admit(self, meta: Meta, student_id: str, on: date) -> None:
        if self.is_current_member(student_id):
            raise Conflict(
                "the pupil already belongs to this class", field="student_id"
            )
        spans = self.roster.get(student_id)
        if spans and on.isoformat() < str(spans[-1][1]):
            raise Invalid(
                f"the pupil left this class on {spans[-1][1]}: cannot rejoin before",
                field="on",
            )
        self._trigger(StudentJoined, meta, student_id=student_id, on=on.isoformat())

    def release(self, meta: Meta, student_id: str, on: date, reason: str) -> None:
        spans = self.roster.get(student_id)
        if not spans or spans[-1][1] is not None:
            raise Conflict(
                "the pupil does not belong to this class", field="student_id"
            )
        if on.isoformat() < str(spans[-1][0]):
            raise Invalid(
                f"the pupil joined the class on {spans[-1][0]}: "
                f"cannot leave on {on.isoformat()}",
                field="on",
            )
        self._trigger(
            StudentLeft, meta, student_id=student_id, on=on.isoformat(), reason=reason
        )

    def change_class_teacher(
        self, meta: Meta, teacher_id: str | None, on: date
    ) -> None:
        if teacher_id == self.class_teacher_id:
            detail = (
                "the class has no class teacher"
                if teacher_id is None
                else "that teacher is already the class teacher"
            )
            raise Conflict(detail, field="class_teacher_id")
        self._trigger(
            ClassTeacherChanged,
            meta,
            from_teacher_id=self.class_teacher_id,
            to_teacher_id=teacher_id,
            on=on.isoformat(),
        )

    def create_group(
        self, meta: Meta, group_id: str, name: str, student_ids: list[str]
    ) -> None:
        if group_id in self.groups:
            raise Conflict("that group exists", field="group_id")
        if any(g["name"] == name for g in self.groups.values()):
            raise Conflict(
                f"the class already has a group named {name!r}", field="name"
            )
        if len(set(student_ids)) != len(student_ids):
            raise Invalid("a pupil is listed twice", field="student_ids")
        for sid in student_ids:
            if not self.is_current_member(sid):
                raise Invalid(
                    f"pupil {sid} does not belong to this class", field="student_ids"
                )
        self._trigger(
            GroupCreated, meta, group_id=group_id, name=name, student_ids=student_ids
        )


def create_class(
    meta: Meta,
    *,
    year_id: str,
    name: str,
    grade: int,
    class_teacher_id: str | None,
    class_id: str | None = None,
) -> SchoolClass:
    """``class_id``: an explicit id (a reproducible generated school), else a new
    one."""
    return SchoolClass._create(
        ClassCreated,
        id=UUID(class_id) if class_id else None,
        **meta_fields(meta),
        year_id=year_id,
        name=name,
        grade=grade,
        class_teacher_id=class_teacher_id,
    )
