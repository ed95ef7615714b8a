"""A group's membership over time (подгруппа): per pupil, spans ``[from, until]``,
joining inclusive, leaving exclusive, like the class roster's. A span starting at
None runs from the group's start, which is the year's start: the pupils a group
was created with.

Pure helpers shared by the class aggregate and its document.
"""

from __future__ import annotations

Spans = list[list[str | None]]


def member(spans: Spans, day: str) -> bool:
    return any(
        (start is None or start <= day) and (end is None or day < end)
        for start, end in spans
    )


def join(members: dict[str, Spans], student_id: str, on: str) -> None:
    members.setdefault(student_id, []).append([on, None])


def leave(members: dict[str, Spans], student_id: str, on: str) -> None:
    spans = members.get(student_id)
    if spans and spans[-1][1] is None:
        spans[-1][1] = on


def current(members: dict[str, Spans]) -> list[str]:
    """The group's current members (an open span), in the order they first
    joined."""
    return [sid for sid, spans in members.items() if spans and spans[-1][1] is None]


def intersect(a: Spans, b: Spans) -> Spans:
    """The days in both: a pupil's class spans and their group spans."""
    out: Spans = []
    for a0, a1 in a:
        for b0, b1 in b:
            lo = a0 if b0 is None else b0 if a0 is None else max(a0, b0)
            hi = a1 if b1 is None else b1 if a1 is None else min(a1, b1)
            if lo is None or hi is None or lo < hi:
                out.append([lo, hi])
    return out
