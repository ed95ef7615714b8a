"""The base of every aggregate and event: who, how and when, and void-aware folding.

Every event carries the actor, the session (the credential instance that can be
compromised), the command (idempotency) and the client's address. eventsourcing
9.5.6 has no metadata envelope, so these are plain fields on our base event.

An aggregate's state is the fold of its *live* events: an ``EventsVoided`` event
appended by an incident removes the versions it names, an ``EventReinstated`` event
brings one back, and both can themselves be voided (voiding a void reinstates its
targets).

One exception to "a voided event never happened": a void never reopens a door.
An event class may define ``outlast(aggregate)``, the part of its effect that
stays when the event is voided; the folds apply it in the event's place (the
stream documents do the same: projections/streams ``LASTING``). Only security
effects that close something outlast: sessions ended (a logout, a block, a password
reset, a deactivation) stay ended and a block stays until a new password, even
when the event that did it is voided. Voiding a compromised administrator's
password reset thus takes the password they set away without reviving the
sessions it ended; voiding their report of a compromise leaves the account
blocked until a legitimate administrator resets its password.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, TypeVar

from eventsourcing.domain import Aggregate

SYSTEM_ACTOR = "00000000-0000-0000-0000-000000000001"
"""The named system actor: the CLI, start-up bootstrap, demo loader and generator."""


@dataclass(frozen=True)
class Meta:
    """Who is acting, through which session and command, from where, and when."""

    actor_id: str
    session_id: str | None
    command_id: str | None
    client_ip: str | None
    now: datetime

    @classmethod
    def system(cls, now: datetime, command_id: str | None = None) -> Meta:
        return cls(SYSTEM_ACTOR, None, command_id, None, now)


class SchoolEvent(Aggregate.Event):
    """Base of every event: the metadata an auditor and a security officer need."""

    actor_id: str
    session_id: str | None
    command_id: str | None
    client_ip: str | None

    stream_kind: ClassVar[str] = ""


class EventsVoided(SchoolEvent):
    """Versions of this stream are void (an incident's execution)."""

    incident_id: str
    versions: list[int]

    def apply(self, aggregate: Any) -> None:  # pragma: no cover - never folded
        pass


class EventReinstated(SchoolEvent):
    """One voided version of this stream counts again (an administrator's decision)."""

    incident_id: str
    target_version: int
    reason: str

    def apply(self, aggregate: Any) -> None:  # pragma: no cover - never folded
        pass


META_EVENTS = (EventsVoided, EventReinstated)


def live_versions(events: Sequence[Any]) -> set[int]:
    """The versions of a stream that count, after voids, reinstatements and
    voids of those.

    A void or reinstatement can only target earlier versions, so walking the
    stream backwards decides every event before it is reached: the latest live
    decision about a version wins.
    """
    decided: dict[int, bool] = {}
    live: set[int] = set()
    for event in reversed(events):
        version = event.originator_version
        if not decided.get(version, True):
            continue
        live.add(version)
        if isinstance(event, EventsVoided):
            for target in event.versions:
                decided.setdefault(target, False)
        elif isinstance(event, EventReinstated):
            decided.setdefault(event.target_version, True)
    return live


def voided_by(events: Sequence[Any]) -> dict[int, str]:
    """For each voided version of a stream, the incident whose live void decides it."""
    decided: dict[int, str | None] = {}
    for event in reversed(events):
        version = event.originator_version
        if decided.get(version) is not None:
            continue
        if isinstance(event, EventsVoided):
            for target in event.versions:
                decided.setdefault(target, event.incident_id)
        elif isinstance(event, EventReinstated):
            decided.setdefault(event.target_version, None)
    return {v: i for v, i in decided.items() if i is not None}


def meta_fields(meta: Meta) -> dict[str, Any]:
    return {
        "actor_id": meta.actor_id,
        "session_id": meta.session_id,
        "command_id": meta.command_id,
        "client_ip": meta.client_ip,
        "timestamp": meta.now,
    }


class SchoolAggregate(Aggregate):
    """An aggregate whose events carry metadata and whose history can be voided."""

    def _trigger(self, event_class: type[SchoolEvent], meta: Meta, **data: Any) -> None:
        self.trigger_event(event_class, **meta_fields(meta), **data)


A = TypeVar("A", bound=SchoolAggregate)


def fold(events: Iterable[Any]) -> Any:
    """Reconstruct an aggregate from its stored events, skipping void ones.

    The aggregate's ``version`` is the stream's last version (voided or not), so
    the next event it triggers follows the stream. Returns None when the
    creation itself is void.
    """
    evs = list(events)
    if not evs:
        return None
    live = live_versions(evs)
    aggregate: Any = None
    for event in evs:
        version = event.originator_version
        if version in live and not isinstance(event, META_EVENTS):
            if aggregate is None:
                if isinstance(event, Aggregate.Created):
                    aggregate = event.mutate(None)
            elif isinstance(event, Aggregate.Created):
                # A re-creation after a voided creation, whose void was itself
                # voided: the stream already exists, as in the views.
                pass
            else:
                aggregate.version = version - 1
                event.mutate(aggregate)
        elif aggregate is not None and hasattr(event, "outlast"):
            event.outlast(aggregate)  # a door a void does not reopen
        if aggregate is not None:
            aggregate.version = version
    return aggregate


def continue_stream(aggregate: A, last_version: int) -> A:
    """Re-create an aggregate on a stream whose creation was voided: its creation
    event follows the stream's last version instead of being version 1 (ids derived
    from a login or a lesson's slot land on the old stream)."""
    import dataclasses

    created: Any = aggregate.pending_events[0]
    renumbered = dataclasses.replace(created, originator_version=last_version + 1)
    aggregate.pending_events[0] = renumbered
    aggregate.version = last_version + 1
    return aggregate


def new_id() -> str:
    import uuid

    return str(uuid.uuid4())
