"""What several command areas look up the same way: a document of a kind, an
account with a role, a stream a derived id may reuse, a lesson its caller may
write, the pupils of a course on a day."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from uuid import UUID

from ejournal.commands.base import Context
from ejournal.domain.base import A, continue_stream, fold
from ejournal.domain.course import Course
from ejournal.domain.errors import Conflict, Forbidden, Invalid, NotFound
from ejournal.domain.lesson import Lesson
from ejournal.domain.school_class import SchoolClass
from ejournal.projections.streams import Doc
from ejournal.security import is_course_teacher, may_write_lesson


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


def course_for_writing(
    ctx: Context, course_id: UUID, refusal: str, *, deputy: bool = False
) -> Course:
    """A course its teacher (or, with ``deputy``, also a deputy) writes to."""
    doc = need_doc(ctx, str(course_id), "course", "course", "course_id")
    if not (deputy and ctx.actor.has("deputy")) and not is_course_teacher(
        ctx.actor, doc
    ):
        raise Forbidden(refusal)
    course: Course = ctx.app.get(course_id, Course)
    return course


def lesson_for_writing(ctx: Context, lesson_id: UUID) -> tuple[Lesson, Doc]:
    lesson: Lesson = ctx.app.get(lesson_id, Lesson)
    course = _course_of(ctx, lesson.course_id)
    doc = {"substitute_id": lesson.substitute_id}
    if not may_write_lesson(ctx.actor, course, doc):
        raise Forbidden(
            "only the course's teacher or the lesson's substitute writes it"
        )
    return lesson, course


def _course_of(ctx: Context, course_id: str) -> Doc:
    """What writing a lesson needs of its course, from the (cached, shared)
    aggregate: its document carries every period mark of the course, tens of
    kilobytes to decode for each mark."""
    try:
        course: Course = ctx.app.peek(course_id, Course)
    except NotFound:
        raise NotFound(f"no course {course_id}", field="lesson_id") from None
    return {
        "id": str(course.id),
        "kind": "course",
        "year_id": course.year_id,
        "class_id": course.class_id,
        "group_id": course.group_id,
        "teacher_id": course.teacher_id,
        "plan": list(course.plan),
    }


def pupil_check(ctx: Context, course: Doc, day: date) -> Callable[[str], bool]:
    """Whether a pupil belongs to the course's class (and group) on the lesson's
    date: group membership is dated too (change-group-membership)."""
    klass: SchoolClass = ctx.app.peek(course["class_id"], SchoolClass)
    group_id = course.get("group_id")

    def is_pupil(student_id: str) -> bool:
        if klass.is_member(student_id, day) and (
            group_id is None or klass.in_group(group_id, student_id, day)
        ):
            return True
        # Not in this class: an unknown id is 404, a pupil of another class 422.
        doc = ctx.views.doc(student_id)
        if doc is None or doc.get("kind") != "student":
            raise NotFound(f"no pupil {student_id}")
        return False

    return is_pupil
