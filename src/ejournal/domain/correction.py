"""A correction request (заявка на исправление отметки): after a mark's entry window
a teacher asks, the director approves or rejects, and approval applies it (S4: "no
correction of marks without the director's agreement").

The request remembers which revision of the mark it was filed against: if the mark
changed since, approving it would overwrite a change the director never saw, so it
is refused (409).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from ejournal.domain.base import Meta, SchoolAggregate, SchoolEvent, meta_fields
from ejournal.domain.errors import Conflict, Invalid

PENDING, APPROVED, REJECTED = "pending", "approved", "rejected"


@dataclass(frozen=True)
class MarkRef:
    """A mark as it stands when a request is filed: where it lives and its
    revision (the stream version of its latest live change)."""

    mark_id: str
    stream_id: str
    target: str  # "lesson" (a lesson mark) or "course" (period or final mark)
    course_id: str
    student_id: str
    value: str | None
    version: int


@dataclass(frozen=True)
class ApprovedChange:
    """What an approved request allows: this value for this mark, once."""

    request_id: str
    mark_id: str
    value: str | None
    status: str

    def check(self, mark_id: str, value: str | None) -> None:
        if self.status != APPROVED:
            raise Conflict(
                f"the correction request is {self.status}, not approved",
                field="correction_request_id",
            )
        if self.mark_id != mark_id:
            raise Invalid(
                "the correction request is for another mark",
                field="correction_request_id",
            )
        if self.value != value:
            raise Invalid(
                f"the director approved the value {self.value!r}", field="value"
            )


class CorrectionEvent(SchoolEvent):
    stream_kind = "correction"


class CorrectionRequested(CorrectionEvent, SchoolAggregate.Created):
    mark_id: str
    stream_id: str
    target: str
    course_id: str
    student_id: str
    current_value: str | None
    value: str | None
    reason: str
    mark_version: int


class CorrectionApproved(CorrectionEvent):
    def apply(self, aggregate: CorrectionRequest) -> None:
        aggregate.status = APPROVED
        aggregate.decided_by = self.actor_id


class CorrectionRejected(CorrectionEvent):
    reason: str

    def apply(self, aggregate: CorrectionRequest) -> None:
        aggregate.status = REJECTED
        aggregate.decided_by = self.actor_id


class CorrectionRequest(SchoolAggregate):
    def __init__(
        self,
        mark_id: str,
        stream_id: str,
        target: str,
        course_id: str,
        student_id: str,
        current_value: str | None,
        value: str | None,
        reason: str,
        mark_version: int,
    ) -> None:
        self.mark_id = mark_id
        self.stream_id = stream_id
        self.target = target
        self.course_id = course_id
        self.student_id = student_id
        self.current_value = current_value
        self.value = value
        self.reason = reason
        self.mark_version = mark_version
        self.status = PENDING
        self.decided_by: str | None = None

    def _check_pending(self) -> None:
        if self.status != PENDING:
            raise Conflict(f"the request is already {self.status}", field="request_id")

    def approve(self, meta: Meta, mark: MarkRef) -> ApprovedChange:
        """The director agrees; refused if the mark changed since filing."""
        self._check_pending()
        if mark.version != self.mark_version:
            raise Conflict(
                "the mark has changed since the request was filed: reject it and "
                "file a new one",
                field="request_id",
            )
        self._trigger(CorrectionApproved, meta)
        return self.approved_change()

    def reject(self, meta: Meta, reason: str) -> None:
        self._check_pending()
        self._trigger(CorrectionRejected, meta, reason=reason)

    def approved_change(self) -> ApprovedChange:
        return ApprovedChange(str(self.id), self.mark_id, self.value, self.status)


def file_request(
    meta: Meta,
    *,
    mark: MarkRef,
    value: str | None,
    reason: str,
    request_id: str | None = None,
) -> CorrectionRequest:
    """Decide to file a request against the mark as it stands now. ``request_id``:
    an explicit id (a reproducible generated school), else a new one."""
    if mark.value == value:
        raise Conflict(
            "the mark already has that value" if value else "the mark is struck",
            field="value",
        )
    return CorrectionRequest._create(
        CorrectionRequested,
        id=UUID(request_id) if request_id else None,
        **meta_fields(meta),
        mark_id=mark.mark_id,
        stream_id=mark.stream_id,
        target=mark.target,
        course_id=mark.course_id,
        student_id=mark.student_id,
        current_value=mark.value,
        value=value,
        reason=reason,
        mark_version=mark.version,
    )


def check_correction(
    meta: Meta,
    *,
    mark: dict[str, Any],
    mark_id: str,
    value: str | None,
    request: ApprovedChange | None,
    applied_requests: Collection[str],
    may_correct_alone: Collection[str],
    who: str,
) -> str | None:
    """The correction rule shared by lesson marks and period/final marks (S4):
    without an approved request only ``may_correct_alone`` may, and only until the
    mark's due time; with one, it must be for this change and not yet applied; and
    the value must change. Returns the request id the correction references."""
    if request is None:
        if meta.actor_id not in may_correct_alone:
            raise Conflict(
                f"only {who} corrects it without the director's approval: file a "
                "correction request",
                field="mark_id",
            )
        if meta.now > datetime.fromisoformat(mark["due_at"]):
            raise Conflict(
                f"the mark's entry window closed at {mark['due_at']}: file a "
                "correction request for the director",
                field="mark_id",
            )
    else:
        request.check(mark_id, value)
        if request.request_id in applied_requests:
            raise Conflict(
                "that correction request is already applied",
                field="correction_request_id",
            )
    if mark["value"] == value:
        raise Conflict(
            "the mark already has that value" if value else "the mark is struck",
            field="value",
        )
    return request.request_id if request else None
