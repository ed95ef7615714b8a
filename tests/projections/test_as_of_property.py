"""Property: the fast ``as_of`` (current documents where nothing changed after the
moment, bounded folds elsewhere) equals folding every stream's whole log up to
the moment, at every moment of random histories.

The histories are those of the compromise property (tests/incidents/
test_void_property.py): every command of the catalogue by two actors, logins, X's
incident against Y with its execution and reinstatement, then Z's incident voiding
X's events since T (voids of voids among them) and Z's reinstatements. Drawn per
example too: a last void the views have not applied yet. Set
EJOURNAL_AS_OF_EXAMPLES to change the number of examples.
"""

from __future__ import annotations

import os
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tests.incidents.test_void_property as void_property
from ejournal.projections.reader import AsOfReader
from ejournal.projections.streams import Doc, fold_doc
from ejournal.security import Actor
from ejournal.service import Service
from tests.builders import NOW, FakeClock, last_version, void
from tests.incidents.support import Stores, copy_into, notifications
from tests.incidents.test_void_property import (
    Case,
    Template,
    World,
    _actor,
    cases,
    play,
)
from tests.projections.test_as_of_shortcut import (
    all_stream_ids,
    assert_fast_equals_slow,
)

# The compromise property's fixtures: its template school (built with fast password
# hashes) and its empty stores of each backend.
fast_hashes = void_property.fast_hashes
template = void_property.template
stores = void_property.stores

EXAMPLES = int(os.environ.get("EJOURNAL_AS_OF_EXAMPLES", "30"))


def history(service: Service, clock: FakeClock, t: Template, case: Case) -> None:
    """The compromise property's history, then Z voids X's events since T and
    reinstates some."""
    w = World(
        service,
        clock,
        t,
        [
            [_actor(t.x, "actor.x", f"actor.x-session-{i}") for i in range(2)],
            [_actor(t.y, "actor.y", f"actor.y-session-{i}") for i in range(2)],
        ],
        accounts=[t.x, t.y, t.z, *t.parents],
        parents=list(t.parents),
        teachers=[],
        years=[t.year],
        classes=list(t.classes),
        students=list(t.students),
        courses=list(t.courses),
        lessons=list(t.lessons),
        marks=list(t.marks),
        requests=list(t.requests),
    )
    since = play(w, case)
    z = Actor(t.z, "admin.z", "Admin Z", frozenset({"admin"}), "z-session", None)
    incident = service.execute(
        z,
        "report-compromise",
        {
            "account_id": t.x,
            "reported_at": clock().isoformat(),
            "since": since.isoformat(),
            "note": "X's laptop was stolen",
        },
    )["incident_id"]
    clock.advance(minutes=1)
    service.execute(z, "execute-invalidation", {"incident_id": incident})
    voided = w.voided_by(incident)
    for i in sorted(set(case.reinstate)):
        if not voided:
            break
        stream, version = voided[i % len(voided)]
        clock.advance(minutes=1)
        service.execute(
            z,
            "reinstate-event",
            {
                "incident_id": incident,
                "stream_id": stream,
                "version": version,
                "reason": "X confirmed it was theirs",
            },
        )
        voided.remove((stream, version))


def folded_docs(service: Service, ids: list[str], moment: datetime) -> dict[str, Doc]:
    """The oracle: every stream's whole log, decoded through the library, kept where
    recorded at or before the moment, folded."""
    to_event = service.app.mapper.to_domain_event
    streams: dict[str, list[Any]] = defaultdict(list)
    for n in notifications(service):
        event: Any = to_event(n)
        if event.timestamp <= moment:
            streams[str(n.originator_id)].append(event)
    out: dict[str, Doc] = {}
    for sid in ids:
        doc = fold_doc(streams.get(sid, []))
        if doc is not None:
            out[sid] = doc
    return out


def fast_docs(service: Service, ids: list[str], moment: datetime) -> dict[str, Doc]:
    with service.app.db().read() as cur:
        return AsOfReader(cur, service.app, moment).docs(ids)


def moments_of(service: Service) -> list[datetime]:
    """Each distinct event timestamp, a microsecond before each, and after all."""
    to_event = service.app.mapper.to_domain_event
    stamps: set[datetime] = {
        to_event(n).timestamp  # type: ignore[attr-defined]
        for n in notifications(service)
    }
    out = {max(stamps) + timedelta(days=1)}
    for t in stamps:
        out |= {t, t - timedelta(microseconds=1)}
    return sorted(out)


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(case=cases, lag=st.booleans(), lag_pick=st.integers(0, 10_000))
def test_fast_as_of_equals_the_fold_at_every_moment(
    stores: Stores, template: Template, case: Case, lag: bool, lag_pick: int
) -> None:
    clock = FakeClock(NOW)
    with stores.empty(clock) as service:
        copy_into(service, template.events)
        history(service, clock, template, case)
        ids = all_stream_ids(service)
        if lag:  # a void the views have not applied: as_of must still see it
            sid = ids[lag_pick % len(ids)]
            clock.advance(minutes=1)
            void(service, sid, [last_version(service, sid)], catch_up=False)
        moments = moments_of(service)
        for moment in moments:
            got, expected = (
                fast_docs(service, ids, moment),
                folded_docs(service, ids, moment),
            )
            assert got == expected, (
                moment,
                [s for s in ids if got.get(s) != expected.get(s)][:3],
            )
        # End to end (journals, diaries) at a few of the moments.
        assert_fast_equals_slow(service, moments[:: max(1, len(moments) // 4)])
