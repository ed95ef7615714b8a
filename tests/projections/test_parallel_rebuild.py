"""A rebuild that replays the documents in one process and the event index and
ledger in another (on PostgreSQL; SQLite replays in one process) ends with exactly
the views the catch-up loop keeps, and a
rebuild that dies half-way is never resumed on partial views."""

from __future__ import annotations

from typing import Any

from ejournal.projections.rebuild import rebuild
from ejournal.service import Service
from tests.builders import FakeClock, School, build_school, run
from tests.projections.support import table_diff, tables, void


def everything(service: Service) -> dict[str, Any]:
    out = tables(service)
    with service.app.db().read() as cur:
        out["events"] = [
            tuple(r)
            for r in cur.execute(
                "SELECT position, stream_id, version, type, kind, ts, actor_id, "
                "session_id, command_id, client_ip, voided_by, pupils FROM ej_events "
                "ORDER BY position"
            ).fetchall()
        ]
        out["ledger"] = [
            (int(r["position"]), r["hash"])
            for r in cur.execute(
                "SELECT position, hash FROM ej_ledger ORDER BY position"
            ).fetchall()
        ]
    out["position"] = service.runner.position
    return out


def busy_school(service: Service) -> School:
    school = build_school(service)
    teacher = school.actor(service, "teacher")
    lesson = school.lesson_ids[0]
    for n, pupil in enumerate(school.students):
        run(
            service,
            teacher,
            "record-mark",
            {
                "lesson_id": lesson,
                "student_id": pupil,
                "value": str(2 + n % 4),
                "work_type": "oral",
            },
        )
    void(service, lesson, [2, 3])  # some of it voided
    service.runner.catch_up()
    return school


def test_a_parallel_rebuild_ends_with_the_views_the_loop_keeps(
    database_url: str, clock: FakeClock
) -> None:
    service = Service(database_url, clock=clock)
    try:
        busy_school(service)
        kept = everything(service)
        assert len(kept["events"]) == kept["position"] > 30
        position = rebuild(service.runner, database_url, parallel=True)
        rebuilt = everything(service)
    finally:
        service.close()
    assert position == kept["position"]
    assert table_diff(kept, rebuilt) == []
    assert rebuilt == kept


def test_a_rebuild_that_died_half_way_is_started_again_from_nothing(
    database_url: str, clock: FakeClock
) -> None:
    service = Service(database_url, clock=clock)
    try:
        busy_school(service)
        kept = everything(service)
        # The rebuild's processes were killed after the views were dropped.
        service.runner.reset(rebuilding=True)
    finally:
        service.close()
    again = Service(database_url, clock=clock)
    try:
        assert again.runner.position == 0  # partial views are not trusted
        again.runner.catch_up()
        assert everything(again) == kept
    finally:
        again.close()


def test_a_sequential_rebuild_gives_the_same_views(
    database_url: str, clock: FakeClock
) -> None:
    service = Service(database_url, clock=clock)
    try:
        busy_school(service)
        kept = everything(service)
        rebuild(service.runner, database_url, parallel=False)
        assert everything(service) == kept
    finally:
        service.close()
