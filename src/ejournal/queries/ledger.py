"""The ledger's state: its head and whether the stored events still match it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ejournal.projections.event_index import ts_key
from ejournal.queries.caught_up import catch_up
from ejournal.security import EVENT_READERS, Actor
from ejournal.service import Service
from ejournal.verification import verify


def ledger_status(
    service: Service, actor: Actor, as_of: datetime | None = None
) -> dict[str, Any]:
    """The ledger's head and whether the log still matches it, recomputed from
    the stored events. As of a moment: the chain up to the last event recorded
    at or before it."""
    actor.require(*EVENT_READERS)
    catch_up(service)
    with service.app.db().read() as cur:
        upto: int | None = None
        if as_of is not None:
            row = cur.execute(
                "SELECT MAX(position) AS p FROM ej_events WHERE ts <= ?",
                (ts_key(as_of),),
            ).fetchone()
            upto = int(row["p"]) if row and row["p"] is not None else 0
        verdict = verify(cur, upto=upto)
    return verdict.as_dict()
