"""Rebuild every view from the log, the views split between processes.

The catch-up loop applies the three views page by page in one transaction, on one
core. A rebuild does not need that: the views are empty and nobody reads them, so
the documents are replayed in one process while the event index and the ledger
are replayed in another, each reading and decoding the log itself, and the
tracked position is set once both have finished. Until then it says the views are
partial (``REBUILDING``): a rebuild that dies half-way is started again from
nothing by the next catch-up loop, never resumed on partial views.

Because nobody reads the views meanwhile, the documents are folded in memory over
the whole log and each written once at the end (documents.RebuildDocuments), and
the event index is filled without its secondary indexes, built once at the end
(audit.RebuildEventIndex; a process that dies before that leaves them to the next
EventIndex, which creates them).

On SQLite the two processes would only take turns at the database's single write
lock, so the rebuild runs in this process there.
"""

from __future__ import annotations

import gc
import multiprocessing
import time
from collections.abc import Callable
from typing import Any

from ejournal.projections.audit import EventIndex
from ejournal.projections.runner import Projection, Runner
from ejournal.store import Database, SchoolApp

PAGE = 16_000
PARALLEL_FROM = 50_000  # events: below this, starting processes costs more
GROUPS = (("documents",), ("events", "ledger"))


def rebuild(
    runner: Runner,
    url: str,
    progress: Callable[[int, int], None] | None = None,
    *,
    parallel: bool | None = None,
    page: int = PAGE,
    hot: int | None = None,
) -> int:
    """Drop and replay every view; returns the position reached. ``page``: the
    notifications each process reads and applies at a time; ``hot``: the
    documents kept unserialised (RebuildDocuments.HOT)."""
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
    runner.reset(rebuilding=True)
    context = multiprocessing.get_context("spawn")
    counters = [context.Value("q", 0) for _ in GROUPS]
    errors = context.Queue()
    workers = [
        context.Process(
            target=_replay,
            args=(url, names, target, page, hot, counter, errors),
            name=f"rebuild-{'-'.join(names)}",
        )
        for names, counter in zip(GROUPS, counters, strict=True)
    ]
    for worker in workers:
        worker.start()
    reported = 0
    while any(worker.is_alive() for worker in workers):
        time.sleep(0.2)
        reported = _report(counters, reported, target, progress)
    _report(counters, reported, target, progress)
    failed = [w.name for w in workers if w.exitcode != 0]
    if failed:
        detail = errors.get(timeout=1) if not errors.empty() else "no detail"
        EventIndex(app)  # its indexes again, if the process that dropped them died
        raise RuntimeError(f"rebuild failed in {', '.join(failed)}: {detail}")
    runner.rebuilt(target)
    runner.catch_up(progress)  # whatever was appended meanwhile
    return runner.position


def _report(
    counters: list[Any],
    reported: int,
    target: int,
    progress: Callable[[int, int], None] | None,
) -> int:
    """Progress is that of the slower group."""
    done = min(int(c.value) for c in counters)
    if progress is not None and done > reported:
        progress(done - reported, min(done, target))
    return max(done, reported)


def _replay(
    url: str,
    names: tuple[str, ...],
    stop: int,
    size: int,
    hot: int | None,
    done: Any,
    errors: Any,
) -> None:
    """One process: replay the named views over positions 1..stop. A view may
    prepare for the replay (``start``) and write what it kept back (``finish``):
    the views are empty and nobody reads them until the rebuild has finished."""
    from ejournal.projections.audit import RebuildEventIndex
    from ejournal.projections.documents import RebuildDocuments
    from ejournal.projections.ledger import Ledger
    from ejournal.store import open_store

    app = open_store(url)
    try:
        makers: dict[str, Callable[[SchoolApp], Projection]] = {
            "documents": RebuildDocuments,
            "events": RebuildEventIndex,
            "ledger": Ledger,
        }
        projections = [makers[name](app) for name in names]
        db = app.db()
        for projection in projections:
            getattr(projection, "start", _nothing)(db)
        # Folded in memory outside any transaction; the others in one per page.
        folded = [p for p in projections if isinstance(p, RebuildDocuments)]
        for projection in folded:
            projection.HOT = hot or projection.HOT
        stored = [p for p in projections if not isinstance(p, RebuildDocuments)]
        to_event = app.mapper.to_domain_event
        start = 1
        while start <= stop:
            page = app.recorder.select_notifications(start=start, limit=size, stop=stop)
            if not page:
                break
            pairs = [(n, to_event(n)) for n in page]
            for projection in folded:
                projection.fold_page(pairs)
            if stored:
                with db.write() as cur:
                    for other in stored:
                        other.apply_page(cur, pairs)
            start = page[-1].id + 1
            # What the views keep in memory lives until the end: kept out of
            # the collector's way, or each full collection walks all of it.
            gc.freeze()
            with done.get_lock():
                done.value += len(page)
        for projection in projections:
            getattr(projection, "finish", _nothing)(db)
    except BaseException as exc:
        errors.put(f"{type(exc).__name__}: {exc}")
        raise
    finally:
        app.close()


def _nothing(db: Database) -> None:
    """A view with nothing to prepare or write back."""
