"""Stream views: one JSON document per stream, folded from that stream's live events.

Each document is a pure fold over exactly one stream, so the same code serves the
catch-up loop (incrementally, event by event) and ``as_of`` queries (folding the
streams involved up to a moment). Documents carry what pages need, not the
aggregates' internals.

One module per kind of stream holds its fold; here they are dispatched on the
event's class (a dict lookup per event: a rebuild folds a million of them) and on
the document's kind.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from ejournal.domain.base import META_EVENTS, SchoolEvent, live_versions
from ejournal.projections.streams import accounts, courses, lessons, people
from ejournal.projections.streams.common import (
    Doc,
    Handler,
    LookupKeys,
    Placement,
    Start,
    _ts,
)
from ejournal.projections.streams.lessons import ABSENCE_LABELS, makeup_comment_id

__all__ = [
    "ABSENCE_LABELS",
    "Doc",
    "apply",
    "fold_doc",
    "lookup_keys",
    "makeup_comment_id",
    "placement",
]

_START: dict[type[Any], Start] = {
    **people.START,
    **courses.START,
    **lessons.START,
    **accounts.START,
}
_APPLY: dict[type[Any], Handler] = {
    **people.APPLY,
    **courses.APPLY,
    **lessons.APPLY,
    **accounts.APPLY,
}
_LASTING: dict[type[Any], Handler] = {**accounts.LASTING}
_PLACEMENT: dict[str, Placement] = {
    "lesson": lessons.placement,
    "course": courses.course_placement,
    "class": people.class_placement,
    "student": people.student_placement,
    "year": people.year_placement,
    "account": accounts.account_placement,
    "incident": accounts.incident_placement,
    "correction": courses.correction_placement,
}
_LOOKUP_KEYS: dict[str, LookupKeys] = {
    "account": accounts.account_keys,
    "lesson": lessons.lookup_keys,
    "student": people.student_keys,
    "course": courses.course_keys,
    "correction": courses.correction_keys,
    "class": people.class_keys,
}


def _start(event: SchoolEvent) -> Doc | None:
    """The document a stream's creation event starts."""
    start = _START.get(type(event))
    if start is None:
        return None
    doc: Doc = {"id": str(event.originator_id), "created_at": _ts(event)}
    start(doc, event)
    return doc


def apply(doc: Doc | None, event: Any) -> Doc | None:
    """Apply one live event to a stream's document (the creation starts it)."""
    if isinstance(event, META_EVENTS):
        msg = "voids and reinstatements are folded, not applied"
        raise TypeError(msg)
    if doc is None:
        return _start(event)
    handler = _APPLY.get(type(event))
    if handler is not None:
        handler(doc, event)
    doc["version"] = event.originator_version
    return doc


def fold_doc(events: Iterable[Any]) -> Doc | None:
    """The document of a stream: its live events folded in order."""
    evs: Sequence[Any] = list(events)
    live = live_versions(evs)
    doc: Doc | None = None
    for event in evs:
        if event.originator_version in live and not isinstance(event, META_EVENTS):
            if doc is None and not hasattr(event, "originator_topic"):
                continue
            doc = apply(doc, event)
        elif doc is not None and (outlast := _LASTING.get(type(event))) is not None:
            outlast(doc, event)  # a door a void does not reopen
    return doc


def placement(doc: Doc) -> tuple[str | None, str | None]:
    """(parent_id, sort_key) under which a document is listed."""
    place = _PLACEMENT.get(doc["kind"])
    return place(doc) if place is not None else (None, None)


def lookup_keys(doc: Doc) -> list[str]:
    """Index keys that find this stream: logins, tokens, marks, guardians."""
    keys = _LOOKUP_KEYS.get(doc["kind"])
    return keys(doc) if keys is not None else []
