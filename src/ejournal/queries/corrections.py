"""The list of correction requests: the director's queue, a teacher's own."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ejournal.projections.reader import Reader, reader
from ejournal.security import STAFF_READERS, Actor
from ejournal.service import Service


def visible_requests(
    r: Reader, actor: Actor, status: str | None
) -> list[dict[str, Any]]:
    """The correction requests the caller may list: staff and the director
    every one, anyone else their own (a teacher's); of one status, if given."""
    docs = r.all_of_kind("correction")
    if not actor.has(*STAFF_READERS):
        docs = [d for d in docs if d["requested_by"] == actor.account_id]
    if status is not None:
        docs = [d for d in docs if d["status"] == status]
    return docs


def corrections(
    service: Service, actor: Actor, status: str | None, as_of: datetime | None
) -> dict[str, Any]:
    """Staff and the director see all; a teacher their own."""
    with reader(service.app, as_of) as r:
        docs = visible_requests(r, actor, status)
    docs.sort(key=lambda d: (d["created_at"], d["id"]))
    return {
        "requests": [
            {
                "request_id": d["id"],
                **{k: v for k, v in d.items() if k not in ("id", "kind")},
            }
            for d in docs
        ]
    }
