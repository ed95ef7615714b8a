"""A mark's revisions: recorded, corrected, struck; the latest live revision is
the mark's value.

One fold serves the lesson and course aggregates and the stream views; they differ
only in what they keep of the revisions (``Revisions``): the aggregates count them,
the views keep each one (who, through which session, when, why). Pure, no I/O.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ejournal.domain.errors import NotFound

Mark = dict[str, Any]
Marks = dict[str, Mark]
Revisions = Callable[[Any, Any], Any]
"""(the revisions kept so far or None, the event) -> the revisions after it."""


def timestamp(event: Any) -> str:
    return str(event.timestamp.isoformat())


def count(earlier: int | None, event: Any) -> int:
    """Keep how many revisions a mark has had."""
    return (earlier or 0) + 1


def revision(event: Any, value: str | None) -> Mark:
    """One revision of a mark: who, through which session, when, why."""
    return {
        "value": value,
        "version": event.originator_version,
        "actor_id": event.actor_id,
        "session_id": event.session_id,
        "recorded_at": timestamp(event),
        "reason": getattr(event, "reason", None),
        "request_id": getattr(event, "request_id", None),
    }


def history(earlier: list[Mark] | None, event: Any) -> list[Mark]:
    """Keep every revision of a mark."""
    revisions = earlier if earlier is not None else []
    revisions.append(revision(event, event.value))
    return revisions


def record_lesson_mark(
    marks: Marks,
    event: Any,
    revisions: Revisions,
    *,
    comment: str | None,
    protocol: str | None,
) -> None:
    """A lesson mark recorded (or a makeup's mark): its first revision."""
    marks[event.mark_id] = {
        "student_id": event.student_id,
        "value": event.value,
        "work_type": event.work_type,
        "late": event.late,
        "due_at": event.due_at,
        "author_id": event.actor_id,
        "recorded_at": timestamp(event),
        "comment": comment,
        "protocol": protocol,
        "version": event.originator_version,
        "revisions": revisions(None, event),
    }


def set_course_mark(
    marks: Marks, event: Any, revisions: Revisions, kind: str, slot: str
) -> None:
    """A period or final mark set, or set again: a further revision of it."""
    known = marks.get(event.mark_id)
    marks[event.mark_id] = {
        "student_id": event.student_id,
        "kind": kind,
        "slot": slot,
        "value": event.value,
        "late": event.late,
        "due_at": event.due_at,
        "author_id": event.actor_id,
        "recorded_at": timestamp(event),
        "version": event.originator_version,
        "revisions": revisions(known["revisions"] if known else None, event),
    }


def correct(marks: Marks, event: Any, revisions: Revisions) -> Mark | None:
    """A mark corrected, or struck (value None); None when the recording itself
    is void."""
    mark = marks.get(event.mark_id)
    if mark is None:
        return None
    mark["value"] = event.value
    mark["version"] = event.originator_version
    mark["revisions"] = revisions(mark.get("revisions"), event)
    return mark


def find(marks: Marks, mark_id: str) -> Mark:
    """A live mark, or 404."""
    mark = marks.get(mark_id)
    if mark is None:
        raise NotFound(f"no mark {mark_id}", field="mark_id")
    return mark
