"""Security incidents: report a compromised account, void its operations since a
moment, lift a single void (DOMAIN.md "Credential compromise")."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from pydantic import AwareDatetime

from ejournal.commands.base import Body, Context, LongText, Outcome, ShortText, command
from ejournal.domain.account import Account
from ejournal.domain.errors import Conflict, NotFound
from ejournal.domain.incident import (
    Incident,
    plan_void,
    reinstate_event,
    report_compromise,
    void_event,
)
from ejournal.projections.event_index import ts_key


class ReportCompromise(Body):
    account_id: UUID
    reported_at: AwareDatetime
    since: AwareDatetime | None = None
    note: LongText


@command(
    "report-compromise",
    ReportCompromise,
    roles={"admin"},
    summary="Report a compromised account: its sessions die and its login is blocked",
)
def report_compromise_(ctx: Context, cmd: ReportCompromise) -> Outcome:
    account: Account = ctx.app.get(cmd.account_id, Account)
    if str(account.id) == ctx.actor.account_id:
        raise Conflict(
            "an administrator cannot report their own account: another one must",
            field="account_id",
        )
    reported_at = cmd.reported_at.astimezone(UTC)
    since = (cmd.since or cmd.reported_at).astimezone(UTC)
    incident = report_compromise(
        ctx.meta,
        account_id=str(account.id),
        reported_at=reported_at,
        since=since,
        note=cmd.note,
    )
    account.block(ctx.meta, str(incident.id))
    return Outcome([incident, account], {"incident_id": str(incident.id)})


class ExecuteInvalidation(Body):
    incident_id: UUID


def affected_streams(
    ctx: Context, account_id: str, since: datetime, until: datetime
) -> list[str]:
    """Streams holding events the account wrote between ``since`` and the report,
    from the event index (never a scan of the log)."""
    rows = ctx.views.cur.execute(
        "SELECT DISTINCT stream_id FROM ej_events WHERE actor_id = ? AND ts >= ? "
        "AND ts <= ?",
        (account_id, ts_key(since), ts_key(until)),
    ).fetchall()
    return sorted(r["stream_id"] for r in rows)


@command(
    "execute-invalidation",
    ExecuteInvalidation,
    roles={"admin"},
    summary="Void every event the incident's account wrote since the moment",
    current_views=True,
)
def execute_invalidation(ctx: Context, cmd: ExecuteInvalidation) -> Outcome:
    incident: Incident = ctx.app.get(cmd.incident_id, Incident)
    incident_id = str(incident.id)
    voids = []
    voided = 0
    since, until = incident.since, incident.created_on
    for stream_id in affected_streams(ctx, incident.account_id, since, until):
        stream = ctx.app.stream(stream_id)
        versions = plan_void(incident_id, incident.account_id, since, until, stream)
        if versions:
            voids.append(void_event(ctx.meta, incident_id, stream, versions))
            voided += len(versions)
    incident.record_execution(ctx.meta, voided=voided, streams=len(voids))
    return Outcome([*voids, incident], {"voided": voided})


class ReinstateEvent(Body):
    incident_id: UUID
    stream_id: UUID
    version: int
    reason: ShortText


@command(
    "reinstate-event",
    ReinstateEvent,
    roles={"admin"},
    summary="Lift one void of an incident, with a reason",
)
def reinstate_event_(ctx: Context, cmd: ReinstateEvent) -> Outcome:
    incident: Incident = ctx.app.get(cmd.incident_id, Incident)
    stream = ctx.app.stream(cmd.stream_id)
    if not stream:
        raise NotFound(f"no stream {cmd.stream_id}", field="stream_id")
    event = reinstate_event(ctx.meta, str(incident.id), stream, cmd.version, cmd.reason)
    incident.note_reinstatement(ctx.meta, str(cmd.stream_id), cmd.version, cmd.reason)
    return Outcome([event, incident])
