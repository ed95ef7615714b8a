# Over ~300 lines on purpose: the parallel rebuild's coordinator and its worker
# processes share one staging protocol (shards, key claims, index drop and rebuild).
"""Rebuild every view from the log, the work split between processes.

The catch-up loop applies the three views page by page in one transaction, on one
core. A rebuild does not need that: the views are empty and nobody reads them.
The streams are split between ``SHARDS`` processes (by the last byte of their id),
each reading, decoding and folding only its own streams' events, into their
documents and their event index rows: a document is the fold of one stream, an
index row needs only its event and its stream's voids, so every event is decoded
once. The lookup keys two streams may claim are staged with the position of each
stream's first event and decided once every process has written
(documents.merge_staged_keys), as one process would. Another process links the
ledger, which hashes the stored bytes and decodes nothing. The tracked position is
set once all have finished; until then it says the views are partial
(``REBUILDING``): a rebuild that dies half-way is started again from nothing by
the next catch-up loop, never resumed on partial views.

Because nobody reads the views meanwhile, they are emptied by TRUNCATE, the
documents are folded in memory over the whole log and each written once at the
end (documents.RebuildDocuments), and the tables are filled without their
secondary indexes, built once at the end (a rebuild that dies before that leaves
them to the next start: EventIndex and Documents create them).

On SQLite the processes would only take turns at the database's single write
lock, so the rebuild runs in this process there.
"""

from __future__ import annotations

import gc
import multiprocessing
import queue
import time
from collections.abc import Callable
from typing import Any, NamedTuple
from uuid import UUID

from eventsourcing.persistence import Notification
from psycopg.rows import tuple_row

from ejournal.database import Database
from ejournal.projections import documents
from ejournal.projections.documents import (
    RebuildDocuments,
    merge_staged_keys,
    stage_keys,
)
from ejournal.projections.event_index import (
    EventIndex,
    RebuildEventIndex,
    drop_indexes,
    finish_rebuild,
)
from ejournal.projections.ledger import Ledger
from ejournal.projections.runner import REBUILDING, Runner
from ejournal.store import SchoolApp

PAGE = 16_000
PARALLEL_FROM = 50_000  # events: below this, starting processes costs more
SHARDS = 2  # processes that fold the streams, each its share; one more links the ledger


def rebuild(
    runner: Runner,
    url: str,
    progress: Callable[[int, int], None] | None = None,
    *,
    parallel: bool | None = None,
    page: int = PAGE,
    hot: int | None = None,
    shards: int = SHARDS,
) -> int:
    """Drop and replay every view; returns the position reached. ``page``: the
    notifications each process reads and applies at a time; ``hot``: the
    documents kept unserialised (RebuildDocuments.HOT); ``shards``: the
    processes the streams are split between."""
    app = runner.app
    target = app.recorder.max_notification_id() or 0
    if app.config.backend != "postgres":
        parallel = False  # one writer at a time: the processes would only take turns
    elif parallel is None:
        parallel = target >= PARALLEL_FROM
    if not parallel:
        runner.reset()
        runner.catch_up(progress)
        return runner.position
    _empty(runner)
    context = multiprocessing.get_context("spawn")
    jobs: list[tuple[Callable[..., None], tuple[Any, ...], str]] = [
        (_replay_shard, (shard, shards, hot), f"rebuild-streams-{shard}")
        for shard in range(shards)
    ]
    jobs.append((_replay_ledger, (), "rebuild-ledger"))
    counters = [context.Value("q", 0) for _ in jobs]
    results = context.Queue()
    workers = [
        context.Process(
            target=_run,
            args=(job, url, target, page, counter, results, name, *args),
            name=name,
        )
        for (job, args, name), counter in zip(jobs, counters, strict=True)
    ]
    for worker in workers:
        worker.start()
    db = app.db()
    reported = 0
    refold: dict[str, int] = {}
    errors: list[str] = []
    told = 0  # shards whose event index rows are written (with their voids)
    indexed = merged = False

    def drain(wait: float = 0.0) -> None:
        nonlocal told
        while True:
            try:
                kind, payload = (
                    results.get(timeout=wait) if wait else results.get_nowait()
                )
            except queue.Empty:
                return
            if kind == "events":
                refold.update(payload)
                told += 1
            else:
                errors.append(payload)

    def finish() -> None:
        """What can be done before every process has ended: the event index's
        indexes once every shard has written its rows (while they write their
        documents), the keys once every shard has ended (while the ledger may
        still link)."""
        nonlocal indexed, merged
        if any(w.exitcode not in (None, 0) for w in workers):
            return  # failed: see below
        if not indexed and told == shards:
            finish_rebuild(app, db, refold)
            indexed = True
        if indexed and not merged and all(w.exitcode == 0 for w in workers[:shards]):
            with db.write() as cur:
                merge_staged_keys(cur)
            documents.create_tables(db)  # with their secondary indexes
            merged = True

    while any(worker.is_alive() for worker in workers):
        time.sleep(0.2)
        drain()
        finish()
        reported = _report(counters, reported, target, progress)
    _report(counters, reported, target, progress)
    failed = [w.name for w in workers if w.exitcode != 0]
    while not failed and told < shards:
        drain(wait=5.0)  # a process puts its last words before it ends
        if told < shards:
            failed = ["the streams' processes (no word from them)"]
    drain()
    if failed:
        detail = errors[0] if errors else "no detail"
        EventIndex(app)  # its indexes again, dropped for the rebuild
        documents.create_tables(db)  # and those of the documents and keys
        raise RuntimeError(f"rebuild failed in {', '.join(failed)}: {detail}")
    finish()
    runner.rebuilt(target)
    runner.catch_up(progress)  # whatever was appended meanwhile
    return runner.position


def _empty(runner: Runner) -> None:
    """Say the views are being rebuilt and empty them (TRUNCATE: a DELETE of
    a million rows costs the database as much as writing them), in one
    transaction; drop the event index's secondary indexes and stage the keys."""
    db = runner.app.db()
    with db.write() as cur:
        cur.execute("DELETE FROM ej_tracking WHERE name = ?", (runner.name,))
        cur.execute(
            "INSERT INTO ej_tracking (name, position) VALUES (?, ?)",
            (runner.name, REBUILDING),
        )
        cur.execute("TRUNCATE ej_docs, ej_keys, ej_events")
        drop_indexes(cur)
        for index in documents.SECONDARY:  # built again by documents.create_tables
            cur.execute(f'DROP INDEX IF EXISTS "{db.schema}".{index}')
        stage_keys(cur)
    runner.reset(rebuilding=True)  # over empty tables: its in-memory state


def _report(
    counters: list[Any],
    reported: int,
    target: int,
    progress: Callable[[int, int], None] | None,
) -> int:
    """Progress is the lesser of the streams' (together) and the ledger's."""
    done = min(sum(int(c.value) for c in counters[:-1]), int(counters[-1].value))
    if progress is not None and done > reported:
        progress(done - reported, min(done, target))
    return max(done, reported)


def _run(
    job: Callable[..., None],
    url: str,
    stop: int,
    size: int,
    done: Any,
    results: Any,
    name: str,
    *args: Any,
) -> None:
    """One process: open the store, run ``job``, report a failure. Not by
    open_store: its tables exist, and creating them would build the indexes
    dropped for the rebuild again."""
    from ejournal.store import DatabaseConfig

    app = SchoolApp(DatabaseConfig.from_url(url))
    try:
        job(app, stop, size, done, results, *args)
    except BaseException as exc:
        results.put(("error", f"{name}: {type(exc).__name__}: {exc}"))
        raise
    finally:
        app.close()


def _replay_shard(
    app: SchoolApp,
    stop: int,
    size: int,
    done: Any,
    results: Any,
    shard: int,
    shards: int,
    hot: int | None,
) -> None:
    """The documents and the event index rows of this shard's streams (those
    whose id's last byte modulo ``shards`` is ``shard``), over positions
    1..stop: every event is decoded by one process only. A document is a fold
    of one stream and an event's index row that of its own stream's events, so
    neither needs another shard's; the lookup keys two streams claim are
    decided once every shard has written (documents.merge_staged_keys)."""
    docs = RebuildDocuments(app, staged=True)
    docs.HOT = hot or docs.HOT
    index = RebuildEventIndex(app, create=False)  # its indexes stay dropped
    db = app.db()
    to_event = app.mapper.to_domain_event
    if size < 1:
        raise ValueError(f"a page of {size} notifications")
    start = 1
    while start <= stop:
        # Read by windows of positions, about ``size`` of them this shard's:
        # with a LIMIT instead, the planner, which cannot tell how many rows
        # the shard's condition keeps, scans and sorts the whole log.
        end = min(stop, start + size * shards - 1)
        page = _shard_page(db, start, end, shard, shards)
        start = end + 1
        if not page:
            continue
        pairs = [(n, to_event(n)) for n in page]
        docs.fold_page(pairs)
        with db.write() as cur:
            index.apply_page(cur, pairs)
        # What the documents keep in memory lives until the end: kept out of
        # the collector's way, or each full collection walks all of it.
        gc.freeze()
        with done.get_lock():
            done.value += len(page)
    # The event index is complete for these streams: it may be indexed while
    # the documents are written.
    results.put(("events", index.refold))
    docs.finish(db)


def _shard_page(
    db: Database, start: int, end: int, shard: int, shards: int
) -> list[Notification]:
    """The notifications of the shard's streams at positions start..end."""
    where = f"mod(get_byte(uuid_send(originator_id), 15), {int(shards)}) = {shard}"
    return [
        Notification(
            id=position,
            originator_id=originator_id,
            originator_version=version,
            topic=topic,
            state=state,
        )
        for position, originator_id, version, topic, state in _read(
            db, start, end, None, where
        )
    ]


def _read(
    db: Database, start: int, stop: int, limit: int | None, where: str = "TRUE"
) -> list[tuple[int, UUID, int, str, bytes]]:
    """Stored events at positions start..stop (the first ``limit``), as
    tuples, in binary: the database neither spells the states out in hex nor
    the driver reads them back."""
    sql = (
        "SELECT notification_id, originator_id, originator_version, topic, state "
        f"FROM {db.events_table_ref} WHERE notification_id >= %s "
        f"AND notification_id <= %s AND {where} ORDER BY notification_id"
    )
    params: tuple[int, ...] = (start, stop)
    if limit is not None:
        sql, params = sql + " LIMIT %s", (*params, limit)
    with db.read() as cur:
        raw = cur.raw.connection.cursor(binary=True, row_factory=tuple_row)
        raw.execute(sql, params, prepare=True)
        rows: list[tuple[int, UUID, int, str, bytes]] = raw.fetchall()
    return rows


class _Stored(NamedTuple):
    """What the ledger links of a stored event (Ledger.apply_page)."""

    id: int
    originator_id: UUID
    originator_version: int
    topic: str
    state: bytes


def _replay_ledger(
    app: SchoolApp, stop: int, size: int, done: Any, results: Any
) -> None:
    """The ledger over positions 1..stop: links the stored bytes, decodes nothing."""
    ledger = Ledger(app)
    db = app.db()
    start = 1
    while start <= stop:
        page = _read(db, start, stop, size)
        if not page:
            break
        with db.write() as cur:
            ledger.apply_page(cur, [(_Stored(*row), None) for row in page])
        start = page[-1][0] + 1
        with done.get_lock():
            done.value += len(page)
