"""Closing the academic year and promoting its pupils (regulation 004: закрытие
учебного года, перевод учащихся), and clearing an academic debt.

The director (and the administrator, DOMAIN.md: "closes the year") closes a year
once nothing blocks it, then promotes its pupils by the director's order into the
next year's classes; the director or a deputy records a cleared debt.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Literal
from uuid import UUID

from pydantic import Field

from ejournal.commands.base import Body, Context, Outcome, ShortText, command
from ejournal.commands.lookups import need_doc
from ejournal.domain.errors import Conflict, Invalid
from ejournal.domain.promotion import clear_debt, debts_of, promote
from ejournal.domain.school_class import SchoolClass, create_class
from ejournal.domain.student import Student
from ejournal.domain.year import AcademicYear
from ejournal.projections.streams import Doc
from ejournal.projections.year_readiness import problem_entries, readiness

CLOSERS = {"director", "admin"}


class BlockedClose(Conflict):
    """409 with the blocking list in the problem's ``errors``."""

    def __init__(self, name: str, blocking: list[dict[str, object]]) -> None:
        super().__init__(
            f"the academic year {name} cannot be closed: {len(blocking)} annual "
            "mark(s) are missing without a recorded reason (see errors, or GET "
            "/years/{year_id}/close-check)"
        )
        self.errors = problem_entries(blocking)


class CloseAcademicYear(Body):
    year_id: UUID
    order_no: ShortText | None = None
    on: date | None = None


@command(
    "close-academic-year",
    CloseAcademicYear,
    roles=CLOSERS,
    summary="Close a year once every pupil has annual marks or a recorded reason; "
    "the closed year is read-only",
    current_views=True,
)
def close_academic_year(ctx: Context, cmd: CloseAcademicYear) -> Outcome:
    year_doc = need_doc(ctx, str(cmd.year_id), "year", "academic year", "year_id")
    year: AcademicYear = ctx.app.get(cmd.year_id, AcademicYear)
    if year.closed_reason() is not None:
        raise Conflict(year.closed_reason() or "", field="year_id")
    check = readiness(ctx.views, year_doc)
    if check["blocking"]:
        raise BlockedClose(year.name, check["blocking"])
    on = cmd.on or ctx.rules.local_date(ctx.now)
    year.close(ctx.meta, order_no=cmd.order_no, on=on)
    return Outcome([year], {"year_id": str(year.id), "state": "closed"})


class Order(Body):
    number: ShortText
    date: date


class Decision(Body):
    student_id: UUID
    outcome: Literal["promoted", "conditional", "repeat", "graduated"]
    debts: list[UUID] = Field(default_factory=list, max_length=30)


class PromoteStudents(Body):
    year_id: UUID
    next_year_id: UUID
    order: Order
    decisions: list[Decision] = Field(default_factory=list, max_length=5000)


def next_name(name: str, grade: int, to_grade: int) -> str:
    """5А -> 6А: the grade's number at the start of the name is replaced."""
    match = re.match(r"^(\d+)(.*)$", name)
    if match and int(match.group(1)) == grade:
        return f"{to_grade}{match.group(2)}"
    return name if to_grade == grade else f"{to_grade} {name}"


class NextClasses:
    """The next year's classes by name, created on first use."""

    def __init__(self, ctx: Context, year_id: str) -> None:
        self.ctx, self.year_id = ctx, year_id
        self.by_name: dict[str, SchoolClass] = {}
        self.created: list[str] = []
        self.ids = {d["name"]: d["id"] for d in ctx.views.children("class", [year_id])}

    def get(self, name: str, grade: int, teacher_id: str | None) -> SchoolClass:
        if name not in self.by_name:
            if name in self.ids:
                self.by_name[name] = self.ctx.app.get(self.ids[name], SchoolClass)
            else:
                self.by_name[name] = create_class(
                    self.ctx.meta,
                    year_id=self.year_id,
                    name=name,
                    grade=grade,
                    class_teacher_id=teacher_id,
                )
                self.created.append(str(self.by_name[name].id))
        return self.by_name[name]


def _default(grade: int) -> str:
    return "graduated" if grade >= 11 else "promoted"


def _debts(courses: list[Doc], ids: list[UUID], where: str) -> list[dict[str, str]]:
    known = {c["id"]: c for c in courses}
    out = []
    for j, cid in enumerate(ids):
        course = known.get(str(cid))
        if course is None:
            raise Invalid(
                "not a course of the pupil's class in the closed year",
                field=f"{where}.debts[{j}]",
            )
        out.append({"course_id": course["id"], "subject": course["subject"]})
    if len({d["course_id"] for d in out}) != len(out):
        raise Invalid("a course is named twice", field=f"{where}.debts")
    return out


@command(
    "promote-students",
    PromoteStudents,
    roles=CLOSERS,
    summary="Promote the closed year's pupils by the director's order into the "
    "next year's classes (5А -> 6А); pupils not named are promoted (11th grade: "
    "graduated)",
    current_views=True,
)
def promote_students(ctx: Context, cmd: PromoteStudents) -> Outcome:
    year_id, next_id = str(cmd.year_id), str(cmd.next_year_id)
    need_doc(ctx, year_id, "year", "academic year", "year_id")
    need_doc(ctx, next_id, "year", "academic year", "next_year_id")
    year: AcademicYear = ctx.app.get(year_id, AcademicYear)
    next_year: AcademicYear = ctx.app.get(next_id, AcademicYear)
    if year.closed_reason() is None:
        raise Conflict(
            f"close the academic year {year.name} before promoting its pupils",
            field="year_id",
        )
    on = next_year.starts_on
    classes = ctx.views.children("class", [year_id])
    courses = ctx.views.children("course", [k["id"] for k in classes])
    members: dict[str, SchoolClass] = {}
    old: dict[str, SchoolClass] = {}
    for doc in classes:
        klass: SchoolClass = ctx.app.get(doc["id"], SchoolClass)
        old[doc["id"]] = klass
        for sid in klass.roster:
            if klass.is_current_member(sid):
                members[sid] = klass
    decided: dict[str, tuple[str, list[dict[str, str]]]] = {}
    for i, decision in enumerate(cmd.decisions):
        sid, where = str(decision.student_id), f"decisions[{i}]"
        if sid in decided:
            raise Invalid("the pupil is named twice", field=f"{where}.student_id")
        if sid not in members:
            raise Invalid(
                "not a pupil of a class of the closed year", field=f"{where}.student_id"
            )
        klass = members[sid]
        own = [c for c in courses if c["class_id"] == str(klass.id)]
        debts = _debts(own, decision.debts, where)
        grade = klass.grade
        if decision.outcome == "graduated" and grade not in (9, 11):
            raise Invalid(
                f"only pupils of grade 9 or 11 graduate (grade {grade})",
                field=f"{where}.outcome",
            )
        if decision.outcome in ("promoted", "conditional") and grade >= 11:
            raise Invalid(
                "a pupil of grade 11 graduates or repeats", field=f"{where}.outcome"
            )
        if (decision.outcome == "conditional") != bool(debts):
            raise Invalid(
                "a conditional promotion names its debts, and only it does",
                field=f"{where}.debts",
            )
        decided[sid] = (decision.outcome, debts)
    nexts = NextClasses(ctx, next_id)
    students: list[Student] = []
    counts = {"promoted": 0, "conditional": 0, "repeat": 0, "graduated": 0}
    order = (cmd.order.number, cmd.order.date)
    outcomes = {
        sid: decided.get(sid, (_default(klass.grade), []))
        for sid, klass in members.items()
    }
    # Promotions first: a class a repeat and a promotion share (4А -> 5А, 5А
    # repeating) takes the promoted class's teacher.
    for sid in sorted(outcomes, key=lambda s: outcomes[s][0] == "repeat"):
        klass = members[sid]
        outcome, debts = outcomes[sid]
        target: SchoolClass | None = None
        if outcome in ("promoted", "conditional"):
            grade = klass.grade + 1
            name = next_name(klass.name, klass.grade, grade)
            target = nexts.get(name, grade, klass.class_teacher_id)
        elif outcome == "repeat":
            target = nexts.get(klass.name, klass.grade, None)
        student: Student = ctx.app.get(sid, Student)
        promote(
            student,
            ctx.meta,
            year_id=year_id,
            outcome=outcome,
            from_class_id=str(klass.id),
            to_class_id=str(target.id) if target else None,
            on=on,
            order=order,
            debts=debts,
        )
        klass.release(ctx.meta, sid, on, outcome)
        if target is not None:
            target.admit(ctx.meta, sid, on)
        students.append(student)
        counts[outcome] += 1
    year.record_promotion(
        ctx.meta,
        next_year=next_year,
        order_no=cmd.order.number,
        order_date=cmd.order.date,
        counts=counts,
    )
    return Outcome(
        [year, *old.values(), *nexts.by_name.values(), *students],
        {"counts": counts, "class_ids": nexts.created},
    )


class ClearAcademicDebt(Body):
    student_id: UUID
    course_id: UUID
    value: Literal["3", "4", "5"]
    on: date


@command(
    "clear-academic-debt",
    ClearAcademicDebt,
    roles={"director", "deputy"},
    summary="Record that a pupil cleared an academic debt (пересдача) with a mark",
)
def clear_academic_debt(ctx: Context, cmd: ClearAcademicDebt) -> Outcome:
    student: Student = ctx.app.get(cmd.student_id, Student)
    if str(cmd.course_id) not in debts_of(student):
        need_doc(ctx, str(cmd.course_id), "course", "course", "course_id")
    if cmd.on > ctx.rules.local_date(ctx.now):
        raise Invalid("the re-take cannot be in the future", field="on")
    clear_debt(
        student, ctx.meta, course_id=str(cmd.course_id), value=cmd.value, on=cmd.on
    )
    return Outcome([student])
