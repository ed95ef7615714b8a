"""What the stream folds share: the document type, timestamps, late entries."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ejournal.domain.marks import timestamp

Doc = dict[str, Any]
Start = Callable[[Doc, Any], None]
"""Fills a new document (``id``, ``created_at`` set) from a creation event."""
Handler = Callable[[Doc, Any], None]
"""Applies one live event to a stream's document."""
Placement = Callable[[Doc], tuple[str | None, str | None]]
LookupKeys = Callable[[Doc], list[str]]

_ts = timestamp


def late(doc: Doc, event: Any, due_at: str) -> None:
    doc.setdefault("late", []).append(
        {
            "version": event.originator_version,
            "type": type(event).__name__,
            "actor_id": event.actor_id,
            "due_at": due_at,
            "recorded_at": _ts(event),
            "student_id": getattr(event, "student_id", None),
            "period_id": getattr(event, "period_id", None),
            "mark_kind": getattr(event, "kind", None),
        }
    )


def start(doc: Doc, event: Any, kind: str, *fields: str) -> None:
    """A new document of this kind with these fields of its creation event."""
    doc["kind"] = kind
    for name in fields:
        doc[name] = getattr(event, name)
