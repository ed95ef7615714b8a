"""The views loop in a process of its own, beside the server processes that follow
it (projections/runner.py, ``Runner.follow``).

In one process the loop and the requests share one interpreter lock: under load
each page waited on the requests and they on it. Here the views are applied on
the other core, and the servers only learn what each page changed.

The process ends with its parent (``ejournal serve``): when it is told to stop,
or when it finds the parent gone (killed without the chance to stop it), so a
restarted server never finds an orphan loop from before. Two loops would be safe
anyway (they take turns through the tracking row), only wasteful.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
from typing import Any

log = logging.getLogger(__name__)

PARENT_CHECK = 1.0  # seconds between looks at whether the parent is still there
SQLITE_POLL = 0.01  # seconds between the loop's looks at the log on SQLite


class ViewsProcess:
    """The views loop's process, started on ``url``."""

    def __init__(self, url: str) -> None:
        context = multiprocessing.get_context("spawn")
        self.ready = context.Event()  # set once caught up and running
        self.process = context.Process(
            target=run_views,
            args=(url, os.getpid(), self.ready),
            name="ejournal-views",
            daemon=True,
        )
        self.process.start()

    @property
    def pid(self) -> int | None:
        return self.process.pid

    def is_alive(self) -> bool:
        return self.process.is_alive()

    def stop(self, timeout: float = 10.0) -> int | None:
        """SIGTERM: the loop finishes its page and stops (killed after
        ``timeout``); returns the exit code."""
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(timeout)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(timeout)
        return self.process.exitcode


def run_views(url: str, parent: int, ready: Any = None) -> None:
    """The process's body: catch up, then keep the views until told to stop or
    orphaned."""
    from ejournal.projections.runner import Runner, views_of
    from ejournal.store import open_store

    logging.basicConfig(level=logging.INFO)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the terminal's ^C is the parent's
    app = open_store(url)
    # PostgreSQL wakes the loop on every append (NOTIFY); elsewhere nothing
    # tells this process that a server wrote, so it looks often.
    poll = 0.5 if app.config.backend == "postgres" else SQLITE_POLL
    runner = Runner(app, views_of(app), poll=poll)
    try:
        runner.catch_up()
        runner.start()
        log.info("views loop running at position %s", runner.position)
        if ready is not None:
            ready.set()
        while not stop.wait(PARENT_CHECK):
            if os.getppid() != parent:
                log.warning("the server is gone; the views loop stops")
                break
    finally:
        runner.stop()
        app.close()


__all__ = ["ViewsProcess", "run_views"]
