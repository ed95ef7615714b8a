"""A rebuild that replays the documents in one process and the event index and
ledger in another (on PostgreSQL; SQLite replays in one process) ends with exactly
the views the catch-up loop keeps, and a
rebuild that dies half-way is never resumed on partial views."""

from __future__ import annotations

import dataclasses
from typing import Any
from uuid import UUID

import pytest

from ejournal.domain.base import SYSTEM_ACTOR, EventReinstated, new_id, voided_by
from ejournal.projections.documents import SECONDARY
from ejournal.projections.event_index import COLUMNS, INDEXES, drop_indexes
from ejournal.projections.rebuild import PAGE, rebuild
from ejournal.service import Service
from tests.builders import FakeClock, School, build_school, last_version, run, void
from tests.projections.support import table_diff, tables


def everything(service: Service) -> dict[str, Any]:
    out = tables(service)
    with service.app.db().read() as cur:
        # By name: a PostgreSQL row is a dict, whose tuple is its column names.
        out["events"] = [
            tuple(r[c] for c in COLUMNS)
            for r in cur.execute(
                f"SELECT {', '.join(COLUMNS)} FROM ej_events ORDER BY position"
            ).fetchall()
        ]
        out["ledger"] = [
            (int(r["position"]), r["hash"])
            for r in cur.execute(
                "SELECT position, hash FROM ej_ledger ORDER BY position"
            ).fetchall()
        ]
        out["last_ts"] = [
            (r["stream_id"], r["last_ts"])
            for r in cur.execute(
                "SELECT stream_id, last_ts FROM ej_docs ORDER BY stream_id"
            ).fetchall()
        ]
    out["position"] = service.runner.position
    return out


def event_indexes(service: Service, tables: str = "ej_events") -> set[str]:
    """The secondary indexes of ej_events (or ``tables``) that exist."""
    db = service.app.db()
    with db.read() as cur:
        if db.backend == "postgres":
            cur.raw.execute(
                "SELECT indexname AS name FROM pg_indexes "
                "WHERE schemaname = %s AND tablename = ANY(%s)",
                (db.schema, tables.split()),
            )
            rows = cur.raw.fetchall()
        else:
            rows = cur.execute(
                "SELECT name FROM sqlite_master WHERE type = 'index' "
                f"AND tbl_name IN ({', '.join(repr(t) for t in tables.split())})"
            ).fetchall()
    return {str(r["name"]) for r in rows} & (set(INDEXES) | set(SECONDARY))


def view_indexes(service: Service) -> set[str]:
    """The secondary indexes of the event index, documents and keys."""
    return event_indexes(service, "ej_events ej_docs ej_keys")


def reinstate(service: Service, stream_id: str, version: int) -> None:
    """Append an EventReinstated of a voided ``version`` (an administrator's
    decision on the incident that voided it)."""
    stream = service.app.stream(stream_id)
    event = EventReinstated(  # type: ignore[call-arg]
        originator_id=UUID(stream_id),
        originator_version=last_version(service, stream_id) + 1,
        timestamp=service.clock(),
        actor_id=SYSTEM_ACTOR,
        session_id=None,
        command_id=new_id(),
        client_ip=None,
        incident_id=voided_by(stream)[version],
        target_version=version,
        reason="decided in review",
    )
    service.app.save(event)


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


def voided_school(service: Service, clock: FakeClock) -> None:
    """Voids of every sort, with events after them: a mark voided and one
    reinstated, a void voided, a lesson's creation voided (its row kept, listed
    where its creation put it) and a class's join voided, then more marks."""
    school = busy_school(service)  # voids versions 2, 3 of the first lesson
    teacher = school.actor(service, "teacher")
    first, second, third = school.lesson_ids[:3]
    pupil = school.students[0]

    def mark(lesson: str, value: str) -> None:
        clock.advance(minutes=7)
        run(service, teacher, "record-mark", {
            "lesson_id": lesson, "student_id": pupil, "value": value,
            "work_type": "oral",
        })

    mark(second, "5")
    mark(second, "3")
    clock.advance(minutes=3)
    reinstate(service, first, 2)
    mark(first, "4")
    clock.advance(minutes=3)
    undone = void(service, second, [last_version(service, second)])
    for value in "2345234523":  # the two voids on pages of their own
        mark(second, value)
    clock.advance(minutes=3)
    void(service, second, [undone])  # the void itself is void
    clock.advance(minutes=3)
    void(service, third, [1])  # the lesson's creation
    mark(first, "5")
    joined = [
        e.originator_version for e in service.app.stream(school.class_id)
        if type(e).__name__ == "StudentJoined"
    ]
    clock.advance(minutes=3)
    void(service, school.class_id, joined[:1])
    service.runner.catch_up()


@pytest.mark.parametrize(
    ("page", "hot", "shards"),
    [(PAGE, None, 2), (7, None, 2), (7, 2, 2), (7, 2, 3), (PAGE, None, 1)],
)
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_a_parallel_rebuild_of_a_log_with_voids_and_reinstatements(
    database_url: str, clock: FakeClock, page: int, hot: int | None, shards: int
) -> None:
    """The documents folded in memory over every page and written once, the
    event index filled without its indexes and its voids set at the end, equal
    what the catch-up loop kept page by page, last_ts and voided_by included;
    and the indexes exist again. ``hot``: documents kept as objects, the others
    set aside as bytes until touched again."""
    service = Service(database_url, clock=clock)
    try:
        voided_school(service, clock)
        kept = everything(service)
        assert any(r[10] is not None for r in kept["events"])  # voided_by set
        assert any(r[4] is None for r in kept["docs"])  # a creation voided
        position = rebuild(
            service.runner, database_url, parallel=True, page=page, hot=hot,
            shards=shards,
        )
        rebuilt = everything(service)
        indexes = view_indexes(service)
    finally:
        service.close()
    assert position == kept["position"]
    assert table_diff(kept, rebuilt) == []
    assert rebuilt == kept
    assert indexes == set(INDEXES) | set(SECONDARY)


def test_the_event_indexes_exist_after_a_rebuild(
    database_url: str, clock: FakeClock
) -> None:
    service = Service(database_url, clock=clock)
    try:
        busy_school(service)
        assert view_indexes(service) == set(INDEXES) | set(SECONDARY)
        rebuild(service.runner, database_url, parallel=True)
        assert view_indexes(service) == set(INDEXES) | set(SECONDARY)
    finally:
        service.close()


def test_indexes_a_rebuild_dropped_before_it_died_are_built_again(
    database_url: str, clock: FakeClock
) -> None:
    service = Service(database_url, clock=clock)
    try:
        busy_school(service)
        kept = everything(service)
        # The rebuild's processes were killed after the indexes were dropped.
        service.runner.reset(rebuilding=True)
        db = service.app.db()
        with db.write() as cur:
            drop_indexes(cur)
            for index in SECONDARY:
                schema = f'"{db.schema}".' if db.backend == "postgres" else ""
                cur.execute(f"DROP INDEX IF EXISTS {schema}{index}")
    finally:
        service.close()
    again = Service(database_url, clock=clock)
    try:
        assert view_indexes(again) == set(INDEXES) | set(SECONDARY)
        assert again.runner.position == 0
        again.runner.catch_up()
        assert everything(again) == kept
    finally:
        again.close()


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_a_rebuild_whose_process_fails_leaves_the_indexes_built(
    database_url: str, clock: FakeClock
) -> None:
    service = Service(database_url, clock=clock)
    try:
        busy_school(service)
        # A page size the log cannot be read with: the processes fail after
        # the event index's indexes were dropped.
        with pytest.raises(RuntimeError, match="rebuild failed"):
            rebuild(service.runner, database_url, parallel=True, page=-1)
        assert view_indexes(service) == set(INDEXES) | set(SECONDARY)
    finally:
        service.close()


def shard_of(stream_id: str, shards: int) -> int:
    """The process that folds a stream (rebuild._shard_page's split)."""
    return UUID(stream_id).bytes[15] % shards


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_a_key_claimed_by_streams_folded_in_different_processes(
    database_url: str, clock: FakeClock
) -> None:
    """Two lessons claim one mark's key and are folded by different processes:
    the rebuild decides the key as the loop did (the lesson created later,
    which recorded it last, keeps it), and every document and index row of
    both is there once."""
    service = Service(database_url, clock=clock)
    try:
        school = build_school(service)
        teacher = school.actor(service, "teacher")
        lessons = school.lesson_ids  # in the order they were created
        first, second, shards = next(
            (a, b, n)
            for n in (2, 3, 4, 5)
            for i, a in enumerate(lessons)
            for b in lessons[i + 1 :]
            if shard_of(a, n) != shard_of(b, n)
        )
        pupil = school.students[0]
        run(
            service,
            teacher,
            "record-mark",
            {
                "lesson_id": first,
                "student_id": pupil,
                "value": "4",
                "work_type": "oral",
            },
        )
        recorded = next(
            e for e in service.app.stream(first) if type(e).__name__ == "MarkRecorded"
        )
        clock.advance(minutes=5)
        service.app.save(  # the same mark, recorded in the other lesson too
            dataclasses.replace(
                recorded,
                originator_id=UUID(second),
                originator_version=last_version(service, second) + 1,
                timestamp=service.clock(),
            )
        )
        clock.advance(minutes=5)
        run(
            service,
            teacher,
            "record-mark",
            {  # the first lesson touched again
                "lesson_id": first,
                "student_id": school.students[1],
                "value": "5",
                "work_type": "oral",
            },
        )
        service.runner.catch_up()
        kept = everything(service)
        key = f"mark:{recorded.mark_id}"
        assert (key, second) in kept["keys"]
        rebuild(service.runner, database_url, parallel=True, shards=shards)
        rebuilt = everything(service)
    finally:
        service.close()
    assert table_diff(kept, rebuilt) == []
    assert rebuilt == kept
