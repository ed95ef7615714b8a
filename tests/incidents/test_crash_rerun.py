"""execute-invalidation is safe to re-run after a crash half-way: whatever part of
its voids was written before, a re-run ends in the same state as one clean run on
an identical history.

The crash is simulated by writing, with the domain's own ``plan_void`` and
``void_event``, the ``EventsVoided`` of only some of the streams the execution
would touch (or only part of one stream's versions), then running
execute-invalidation. The same history is copied into a second store of the same
backend, where execute-invalidation runs once, cleanly.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest

from ejournal.domain.base import EventsVoided, Meta, new_id
from ejournal.domain.incident import Incident, plan_void, void_event
from ejournal.security import Actor
from ejournal.service import Service
from tests.builders import FakeClock, School, actor_for
from tests.incidents.support import (
    aggregate,
    answers,
    backend_of,
    copy_into,
    decoded,
    diff,
    docs,
    fresh_service,
    index,
    keys,
    notifications,
)

MODES = ["half-the-streams", "stream-by-stream-views-behind", "part-of-one-stream"]


@pytest.fixture
def twin(
    request: pytest.FixtureRequest, database_url: str, clock: FakeClock
) -> Iterator[Service]:
    """A second, empty store of the same backend on the same clock."""
    backend = backend_of(database_url)
    base = request.getfixturevalue("postgres_url") if backend == "postgres" else None
    with fresh_service(backend, base, clock) as service:
        yield service


def run(service: Service, actor: Actor, name: str, body: dict[str, Any]) -> Any:
    return service.execute(actor, name, body)


def history(service: Service, school: School, clock: FakeClock) -> tuple[str, datetime]:
    """An account X holding every staff role writes into every kind of stream,
    partly before ``since``; returns X's id and ``since``."""
    system = service.system_actor()
    x_id = run(
        service,
        system,
        "create-account",
        {
            "login": "multi",
            "password": "multi-pass-1",
            "full_name": "Multi Role",
            "roles": ["admin", "deputy", "secretary", "teacher"],
        },
    )["account_id"]
    x = actor_for(service, x_id)
    course = run(
        service,
        x,
        "create-course",
        {
            "year_id": school.year_id,
            "class_id": school.class_id,
            "subject": "Физика",
            "teacher_id": x_id,
            "hours_per_week": 2,
        },
    )["course_id"]
    lessons = run(
        service,
        x,
        "schedule-lessons",
        {
            "course_id": course,
            "lessons": [
                {"date": d, "slot": 6, "starts_at": "12:30", "ends_at": "13:15"}
                for d in ("2026-11-16", "2026-11-17", "2026-11-18")
            ],
        },
    )["lesson_ids"]
    s0, s1, s2 = school.students
    run(
        service,
        x,
        "record-mark",
        {
            "lesson_id": lessons[0],
            "student_id": s0,
            "value": "4",
            "work_type": "oral",
        },
    )
    clock.advance(hours=2)
    since = clock()
    for value in ("5", "3"):
        run(
            service,
            x,
            "record-mark",
            {
                "lesson_id": lessons[0],
                "student_id": s1,
                "value": value,
                "work_type": "oral",
            },
        )
    run(service, x, "set-lesson-topic", {"lesson_id": lessons[0], "topic": "Сила"})
    run(
        service,
        x,
        "record-attendance",
        {
            "lesson_id": lessons[1],
            "entries": [{"student_id": s2, "code": "ill"}],
        },
    )
    run(service, x, "assign-homework", {"lesson_id": lessons[1], "text": "§3"})
    run(
        service,
        x,
        "add-comment",
        {
            "lesson_id": lessons[2],
            "student_id": s0,
            "text": "excellent",
        },
    )
    run(
        service,
        x,
        "record-substitution",
        {
            "lesson_id": school.lesson_ids[0],
            "substitute_teacher_id": school.accounts["other_teacher"],
        },
    )
    run(
        service,
        x,
        "create-account",
        {
            "login": "made.by.x",
            "password": "made-pass-1",
            "full_name": "Made",
            "roles": ["parent"],
        },
    )
    run(
        service,
        x,
        "reset-password",
        {
            "account_id": school.accounts["other_parent"],
            "new_password": "reset-pass-1",
        },
    )
    newcomer = run(
        service,
        x,
        "enroll-student",
        {
            "class_id": school.other_class_id,
            "full_name": "Новиков Ян",
            "on": "2026-11-18",
        },
    )["student_id"]
    run(
        service,
        x,
        "transfer-student",
        {
            "student_id": s1,
            "to_class_id": school.other_class_id,
            "on": "2026-11-19",
        },
    )
    run(
        service,
        x,
        "link-guardian",
        {
            "student_id": newcomer,
            "account_id": school.accounts["guardian"],
        },
    )
    run(
        service,
        x,
        "create-group",
        {
            "class_id": school.class_id,
            "name": "Группа X",
            "student_ids": [s0],
        },
    )
    teacher = actor_for(service, school.accounts["teacher"])
    run(
        service,
        teacher,
        "record-mark",
        {
            "lesson_id": school.lesson_ids[1],
            "student_id": s2,
            "value": "5",
            "work_type": "oral",
        },
    )
    incident = run(
        service,
        x,
        "report-compromise",
        {
            "account_id": school.accounts["teacher"],
            "reported_at": clock().isoformat(),
            "since": since.isoformat(),
            "note": "not really",
        },
    )["incident_id"]
    run(service, x, "execute-invalidation", {"incident_id": incident})
    clock.advance(minutes=30)
    return x_id, since


def simulate_crash(
    service: Service,
    admin: Actor,
    incident_id: str,
    x_id: str,
    since: datetime,
    mode: str,
) -> int:
    """Write part of what execute-invalidation would write; returns how many
    versions that part voided."""
    streams = sorted(
        {
            str(e.originator_id)
            for e in decoded(service, notifications(service))
            if e.actor_id == x_id and e.timestamp >= since
        }
    )
    planned = []
    # Execution stops at the report: what the account writes later is re-entry.
    until = service.app.get(incident_id, Incident).created_on
    for sid in streams:
        stream = service.app.stream(sid)
        versions = plan_void(incident_id, x_id, since, until, stream)
        if versions:
            planned.append((sid, stream, versions))
    assert len(planned) >= 8, "the history should touch many streams"
    meta = Meta(admin.account_id, admin.session_id, new_id(), None, service.clock())
    if mode == "part-of-one-stream":
        (sid, stream, versions) = next(p for p in planned if len(p[2]) >= 3)
        written = [void_event(meta, incident_id, stream, versions[:2])]
        service.app.save(*written)
        service.runner.catch_up()
        return 2
    chosen = (
        planned[: len(planned) // 2] if mode == "half-the-streams" else planned[::2]
    )
    written = [void_event(meta, incident_id, s, v) for _, s, v in chosen]
    if mode == "half-the-streams":
        service.app.save(*written)
        service.runner.catch_up()
    else:  # each stream in its own transaction, and the views never saw them
        for event in written:
            service.app.save(event)
        assert service.runner.position < position(service)
    return sum(len(v) for _, _, v in chosen)


def position(service: Service) -> int:
    return int(service.app.recorder.max_notification_id() or 0)


def voids_by_stream(service: Service, incident_id: str) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for e in decoded(service, notifications(service)):
        if isinstance(e, EventsVoided) and e.incident_id == incident_id:
            out.setdefault(str(e.originator_id), []).extend(e.versions)
    return out


@pytest.mark.parametrize("mode", MODES)
def test_a_rerun_after_a_crash_half_way_ends_as_one_clean_run(
    service: Service, twin: Service, school: School, clock: FakeClock, mode: str
) -> None:
    x_id, since = history(service, school, clock)
    admin = actor_for(service, school.accounts["admin"])
    incident_id = run(
        service,
        admin,
        "report-compromise",
        {
            "account_id": x_id,
            "reported_at": clock().isoformat(),
            "since": since.isoformat(),
            "note": "the laptop was stolen",
        },
    )["incident_id"]
    copy_into(twin, notifications(service))
    assert docs(twin) == docs(service)
    clock.advance(minutes=5)

    crashed = simulate_crash(service, admin, incident_id, x_id, since, mode)
    rerun = run(service, admin, "execute-invalidation", {"incident_id": incident_id})
    clean = run(twin, admin, "execute-invalidation", {"incident_id": incident_id})

    assert crashed > 0 and rerun["voided"] > 0
    assert crashed + rerun["voided"] == clean["voided"]
    assert (
        run(
            service,
            admin,
            "execute-invalidation",
            {
                "incident_id": incident_id,
            },
        )["voided"]
        == 0
    )
    # Every version was voided once, and the same versions as the clean run.
    got, want = (
        voids_by_stream(service, incident_id),
        voids_by_stream(twin, incident_id),
    )
    assert {s: sorted(v) for s, v in got.items()} == {
        s: sorted(v) for s, v in want.items()
    }
    assert all(len(v) == len(set(v)) for v in got.values())

    # The views and the aggregates as after the clean run; the incident's own
    # counter only counts what its executions wrote (the crash wrote no
    # InvalidationExecuted), so it is compared apart.
    a, b = docs(service), docs(twin)
    assert a[incident_id].pop("voided") + crashed == b[incident_id].pop("voided")
    a[incident_id].pop("executions")
    b[incident_id].pop("executions")
    assert a == b, diff(a, b)
    assert keys(service) == keys(twin)
    assert answers(service, a) == answers(twin, b)
    entries = {k: v for k, v in index(service).items() if v[0] != EventsVoided.__name__}
    clean_entries = {
        k: v for k, v in index(twin).items() if v[0] != EventsVoided.__name__
    }
    incident_rows = {k for k in entries if k[0] == incident_id}
    assert {k: v for k, v in entries.items() if k not in incident_rows} == {
        k: v for k, v in clean_entries.items() if k not in incident_rows
    }
    if mode != "part-of-one-stream":
        assert (
            index(service).keys() - incident_rows == index(twin).keys() - incident_rows
        )
    skip = ("voided", "executions", "_modified_on")
    for sid in {sid for sid, _ in index(twin)}:
        hidden = skip if sid == incident_id else ()
        assert aggregate(service, sid, hidden) == aggregate(twin, sid, hidden), sid
