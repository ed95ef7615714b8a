"""GET /audit/…: the event browser, a mark's history and the ledger's state."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from starlette.concurrency import run_in_threadpool

from ejournal import queries
from ejournal.api.deps import ActorDep, ServiceDep
from ejournal.api.journals import ERRORS, AsOf, uuid_id
from ejournal.datebounds import Moment
from ejournal.domain.errors import Invalid
from ejournal.security import EVENT_READERS, HISTORY_READERS

router = APIRouter(prefix="/audit", tags=["audit"])

MAX_POSITION = 2**63 - 1
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Text filters go to the database as given: no control characters (PostgreSQL
# refuses NUL in text).
PRINTABLE = r"^[^\x00-\x1f\x7f]*$"


def _uuid_filter(value: str | None, field: str) -> str | None:
    if value is None:
        return None
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise Invalid(f"{field} must be a UUID", field=field) from None


def _instant(value: datetime | None, field: str) -> datetime | None:
    """A moment in UTC. Moments before the epoch select what the epoch does (the
    log has nothing older), so the index's fixed-width text keys stay ordered."""
    if value is None:
        return None
    if value.tzinfo is None:
        raise Invalid(
            f"{field} needs a UTC offset, e.g. 2026-11-22T08:15:00+03:00", field=field
        )
    try:
        return max(value.astimezone(UTC), EPOCH)
    except OverflowError:  # year 1 at +14:00, year 9999 at -14:00
        raise Invalid(f"{field} is out of range", field=field) from None


@router.get("/events", responses=ERRORS)
async def events(
    actor: ActorDep,
    service: ServiceDep,
    account_id: Annotated[
        str | None, Query(max_length=64, description="The acting account")
    ] = None,
    session_id: Annotated[
        str | None,
        Query(max_length=200, pattern=PRINTABLE, description="The session it acted in"),
    ] = None,
    stream_id: Annotated[str | None, Query(max_length=64)] = None,
    type_: Annotated[
        str | None,
        Query(
            alias="type",
            max_length=100,
            pattern=PRINTABLE,
            description="Event type, e.g. MarkRecorded",
        ),
    ] = None,
    since: Annotated[Moment | None, Query(description="Recorded at or after")] = None,
    until: Annotated[
        Moment | None, Query(description="Recorded at or before")
    ] = None,
    include_voided: bool = False,
    after: Annotated[
        int, Query(ge=0, le=MAX_POSITION, description="The previous page's `next`")
    ] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    as_of: AsOf = None,
) -> Any:
    """Events in log order with who, session, address, command and data; voided
    events (with the incident that voided them) on request."""
    actor.require(*EVENT_READERS)
    return await run_in_threadpool(
        lambda: queries.audit_events(
            service,
            actor,
            account_id=_uuid_filter(account_id, "account_id"),
            session_id=session_id,
            stream_id=_uuid_filter(stream_id, "stream_id"),
            type_=type_,
            since=_instant(since, "since"),
            until=_instant(until, "until"),
            include_voided=include_voided,
            after=after,
            limit=limit,
            as_of=_instant(as_of, "as_of"),
        )
    )


@router.get("/marks/{mark_id}/history", responses=ERRORS)
async def mark_history(
    mark_id: str, actor: ActorDep, service: ServiceDep, as_of: AsOf = None
) -> Any:
    """Every revision of a mark, the first being the mark as recorded."""
    actor.require(*HISTORY_READERS)
    return await run_in_threadpool(
        queries.mark_history,
        service,
        actor,
        uuid_id(mark_id, "mark"),
        _instant(as_of, "as_of"),
    )


@router.get("/ledger", responses=ERRORS)
async def ledger(actor: ActorDep, service: ServiceDep, as_of: AsOf = None) -> Any:
    """The chain's head and whether the stored events still match it, as the last
    full check (``checked_upto``, ``checked_at``) and the log's end say; answered
    without reading the log."""
    return await run_in_threadpool(
        queries.ledger_status, service, actor, _instant(as_of, "as_of")
    )


@router.post("/ledger/verify", status_code=202, responses=ERRORS)
async def ledger_verify(actor: ActorDep, service: ServiceDep) -> Any:
    """Start the full check of the chain against every stored event, in the
    background (one at a time across the server's processes): ``started`` says
    whether this call started it; GET /audit/ledger shows its progress (``check``)
    and, once done, its verdict."""
    return await run_in_threadpool(queries.start_ledger_check, service, actor)
