"""Mark corrections (исправление отметок, S4): the author inside the mark's entry
window; afterwards a correction request that the director approves or rejects.

The same rule holds for period and final marks after their window (the period's
last day, or the end of a deferral): their ids are accepted wherever a mark id is.
"""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from ejournal.commands.base import Body, Context, Outcome, ShortText, command
from ejournal.commands.lookups import need_doc
from ejournal.domain.correction import CorrectionRequest, MarkRef, file_request
from ejournal.domain.course import Course
from ejournal.domain.errors import Conflict, Forbidden, Invalid, NotFound
from ejournal.domain.lesson import Lesson
from ejournal.projections.streams import Doc
from ejournal.security import is_course_teacher, may_write_lesson

AnyMarkValue = Literal["1", "2", "3", "4", "5", "exempt", "not_attested", "ungraded"]


def find_mark(ctx: Context, mark_id: str) -> tuple[Lesson | Course, Doc, MarkRef]:
    """The lesson or course holding a mark, the course's view, and the mark as it
    stands now."""
    stream_id = ctx.views.key(f"mark:{mark_id}")
    doc = ctx.views.doc(stream_id) if stream_id else None
    if stream_id is None or doc is None:
        raise NotFound(f"no mark {mark_id}", field="mark_id")
    holder: Lesson | Course
    if doc["kind"] == "lesson":
        lesson: Lesson = ctx.app.get(stream_id, Lesson)
        course = need_doc(ctx, lesson.course_id, "course", "course", "mark_id")
        holder = lesson
    else:
        holder = ctx.app.get(stream_id, Course)
        course = need_doc(ctx, stream_id, "course", "course", "mark_id")
    mark = holder.marks.get(mark_id)
    if mark is None:
        raise NotFound(f"no mark {mark_id}", field="mark_id")
    ref = MarkRef(
        mark_id=mark_id,
        stream_id=stream_id,
        target=doc["kind"],
        course_id=str(course["id"]),
        student_id=mark["student_id"],
        value=mark["value"],
        version=mark["version"],
    )
    return holder, course, ref


def check_may_correct(
    ctx: Context, holder: Lesson | Course, course: Doc, mark_id: str
) -> None:
    """A lesson mark: its author, the course's teacher or the lesson's substitute.
    A period or final mark: the course's teacher."""
    if isinstance(holder, Lesson):
        lesson = {"substitute_id": holder.substitute_id}
        if may_write_lesson(ctx.actor, course, lesson):
            return
        if holder.marks[mark_id]["author_id"] == ctx.actor.account_id:
            return
        raise Forbidden("only the lesson's teachers correct its marks")
    if not is_course_teacher(ctx.actor, course):
        raise Forbidden("only the course's teacher corrects period and final marks")


class CorrectMark(Body):
    mark_id: UUID
    value: AnyMarkValue | None
    reason: ShortText
    correction_request_id: UUID | None = None


@command(
    "correct-mark",
    CorrectMark,
    roles={"teacher"},
    summary="Correct or strike a mark: the author inside its entry window, or anyone "
    "allowed with an approved correction request",
)
def correct_mark(ctx: Context, cmd: CorrectMark) -> Outcome:
    holder, course, ref = find_mark(ctx, str(cmd.mark_id))
    check_may_correct(ctx, holder, course, ref.mark_id)
    change = None
    if cmd.correction_request_id is not None:
        request = ctx.views.doc(str(cmd.correction_request_id))
        if request is None or request.get("kind") != "correction":
            raise NotFound(
                f"no correction request {cmd.correction_request_id}",
                field="correction_request_id",
            )
        loaded: CorrectionRequest = ctx.app.get(
            cmd.correction_request_id, CorrectionRequest
        )
        change = loaded.approved_change()
    holder.correct_mark(
        ctx.meta,
        mark_id=ref.mark_id,
        value=cmd.value,
        reason=cmd.reason,
        request=change,
    )
    return Outcome([holder])


class RequestCorrection(Body):
    mark_id: UUID
    value: AnyMarkValue | None
    reason: ShortText


@command(
    "request-correction",
    RequestCorrection,
    roles={"teacher"},
    summary="Ask the director to correct or strike a mark after its entry window",
)
def request_correction(ctx: Context, cmd: RequestCorrection) -> Outcome:
    holder, course, ref = find_mark(ctx, str(cmd.mark_id))
    check_may_correct(ctx, holder, course, ref.mark_id)
    if ref.target == "lesson" and cmd.value not in (None, "1", "2", "3", "4", "5"):
        raise Invalid("a lesson mark is 1 to 5, or null to strike it", field="value")
    if ctx.views.keys_with_prefix(f"pending_correction:{ref.mark_id}:"):
        raise Conflict(
            "a correction request for this mark is waiting for the director",
            field="mark_id",
        )
    request = file_request(ctx.meta, mark=ref, value=cmd.value, reason=cmd.reason)
    return Outcome([request], {"request_id": str(request.id)})


class DecideCorrection(Body):
    request_id: UUID


def _request(ctx: Context, request_id: UUID) -> CorrectionRequest:
    found = ctx.app.find(request_id, CorrectionRequest)
    if found is None:
        raise NotFound(f"no correction request {request_id}", field="request_id")
    request: CorrectionRequest = found
    return request


@command(
    "approve-correction",
    DecideCorrection,
    roles={"director"},
    summary="The director approves a correction request; the correction is applied",
)
def approve_correction(ctx: Context, cmd: DecideCorrection) -> Outcome:
    request = _request(ctx, cmd.request_id)
    holder: Lesson | Course = (
        ctx.app.get(request.stream_id, Lesson)
        if request.target == "lesson"
        else ctx.app.get(request.stream_id, Course)
    )
    mark = holder.marks.get(request.mark_id)
    if mark is None:
        raise Conflict("the mark no longer exists", field="request_id")
    ref = MarkRef(
        mark_id=request.mark_id,
        stream_id=request.stream_id,
        target=request.target,
        course_id=request.course_id,
        student_id=request.student_id,
        value=mark["value"],
        version=mark["version"],
    )
    change = request.approve(ctx.meta, ref)
    holder.correct_mark(
        ctx.meta,
        mark_id=request.mark_id,
        value=change.value,
        reason=request.reason,
        request=change,
    )
    return Outcome([request, holder])


class RejectCorrection(Body):
    request_id: UUID
    reason: ShortText


@command(
    "reject-correction",
    RejectCorrection,
    roles={"director"},
    summary="The director rejects a correction request; the mark stays",
)
def reject_correction(ctx: Context, cmd: RejectCorrection) -> Outcome:
    request = _request(ctx, cmd.request_id)
    request.reject(ctx.meta, cmd.reason)
    return Outcome([request])
