"""A security incident (нарушение конфиденциальности): a compromised account, the
moment from which its operations are invalid, what was voided, what was reinstated.

S1 items 11 and 16: "all operations made from the moment the head and support
received the information are invalid".
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from ejournal.domain.base import (
    EventReinstated,
    EventsVoided,
    Meta,
    SchoolAggregate,
    SchoolEvent,
    live_versions,
    meta_fields,
    voided_by,
)
from ejournal.domain.errors import Conflict, Invalid


class IncidentEvent(SchoolEvent):
    stream_kind = "incident"


class CompromiseReported(IncidentEvent, SchoolAggregate.Created):
    account_id: str
    reported_at: str
    since: str
    note: str


class InvalidationExecuted(IncidentEvent):
    voided: int
    streams: int

    def apply(self, aggregate: Incident) -> None:
        aggregate.executions += 1
        aggregate.voided += self.voided


class ReinstatementNoted(IncidentEvent):
    stream_id: str
    version: int
    reason: str

    def apply(self, aggregate: Incident) -> None:
        aggregate.reinstated.append([self.stream_id, self.version])


class Incident(SchoolAggregate):
    def __init__(
        self, account_id: str, reported_at: str, since: str, note: str
    ) -> None:
        self.account_id = account_id
        self.reported_at = datetime.fromisoformat(reported_at)
        self.since = datetime.fromisoformat(since)
        self.note = note
        self.executions = 0
        self.voided = 0
        self.reinstated: list[list[Any]] = []

    def record_execution(self, meta: Meta, voided: int, streams: int) -> None:
        self._trigger(InvalidationExecuted, meta, voided=voided, streams=streams)

    def note_reinstatement(
        self, meta: Meta, stream_id: str, version: int, reason: str
    ) -> None:
        self._trigger(
            ReinstatementNoted,
            meta,
            stream_id=stream_id,
            version=version,
            reason=reason,
        )


def report_compromise(
    meta: Meta, *, account_id: str, reported_at: datetime, since: datetime, note: str
) -> Incident:
    if reported_at > meta.now:
        raise Invalid("reported_at is in the future", field="reported_at")
    if since > reported_at:
        raise Invalid("since must not be after reported_at", field="since")
    return Incident._create(
        CompromiseReported,
        **meta_fields(meta),
        account_id=account_id,
        reported_at=reported_at.isoformat(),
        since=since.isoformat(),
        note=note,
    )


def plan_void(
    incident_id: str,
    account_id: str,
    since: datetime,
    until: datetime,
    stream: Sequence[Any],
) -> list[int]:
    """The versions of one stream this incident must void now: written by the
    account from ``since`` until the report revoked its sessions (what it writes
    after a new password is its owner's re-entry), still live, and never voided
    by this incident before (a version it voided and an admin reinstated stays
    reinstated)."""
    handled = {
        v
        for e in stream
        if isinstance(e, EventsVoided) and e.incident_id == incident_id
        for v in e.versions
    }
    live = live_versions(stream)
    return [
        e.originator_version
        for e in stream
        if e.actor_id == account_id
        and since <= e.timestamp <= until
        and e.originator_version in live
        and e.originator_version not in handled
    ]


def void_event(
    meta: Meta, incident_id: str, stream: Sequence[Any], versions: list[int]
) -> EventsVoided:
    last = stream[-1]
    event: EventsVoided = EventsVoided(  # type: ignore[call-arg]
        originator_id=last.originator_id,
        originator_version=last.originator_version + 1,
        incident_id=incident_id,
        versions=versions,
        **meta_fields(meta),
    )
    return event


def reinstate_event(
    meta: Meta, incident_id: str, stream: Sequence[Any], version: int, reason: str
) -> EventReinstated:
    if voided_by(stream).get(version) != incident_id:
        raise Conflict(
            f"version {version} of that stream is not voided by this incident",
            field="version",
        )
    last = stream[-1]
    event: EventReinstated = EventReinstated(  # type: ignore[call-arg]
        originator_id=last.originator_id,
        originator_version=last.originator_version + 1,
        incident_id=incident_id,
        target_version=version,
        reason=reason,
        **meta_fields(meta),
    )
    return event
