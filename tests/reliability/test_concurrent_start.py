"""Processes opening one new store at the same moment (serve --workers N, a
rebuild's processes) all start: table creation takes turns instead of racing on
PostgreSQL's catalog ("tuple concurrently updated")."""

from __future__ import annotations

import multiprocessing

PROCESSES = 4


def _open(url: str, barrier: object) -> None:
    from ejournal.service import Service

    barrier.wait(timeout=60)  # type: ignore[attr-defined]
    Service(url).close()  # the store, our tables and every view's tables


def test_processes_opening_a_new_store_together_all_start(database_url: str) -> None:
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(PROCESSES)
    workers = [
        context.Process(target=_open, args=(database_url, barrier))
        for _ in range(PROCESSES)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert [w.exitcode for w in workers] == [0] * PROCESSES
