# Over ~300 lines on purpose: the views loop is one state machine (catch up, apply
# pages, follow another process, take over when it stalls, wake waiters).
"""The batched catch-up loop that keeps every view.

Reads pages of notifications and applies each page in one transaction together
with the tracking position (exactly once, resumable after a crash). Measured here:
the library's ProjectionRunner commits once per event; a page per transaction is an
order of magnitude faster. A command's answer waits until the loop has passed its
position (read-your-writes).

The loop can run in a process of its own (``ejournal serve`` does so on
PostgreSQL): the servers then *follow* it. A follower applies nothing; it learns
each page the loop commits (a NOTIFY on PostgreSQL, a poll of the tracked
position otherwise), reads which streams that page wrote to tell its caches, and
releases the commands waiting for those positions. So the views' work runs on
another core than the requests'. If the loop stops advancing while the log is
ahead of it, a follower applies the pages itself (taking turns through the
tracking row as any two loops do) until the loop is back.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from ejournal.database import Cursor
from ejournal.domain.errors import LogWentBackwards
from ejournal.store import SchoolApp

log = logging.getLogger(__name__)

PAGE_SIZE = 1000
REBUILDING = -1  # the tracked position while a parallel rebuild runs
GAP_READ = 10_000  # notifications another process applied that are read to tell
FOLLOW_POLL = 0.01  # seconds between a follower's looks where nothing announces
STANDBY = 3.0  # seconds a follower waits on a loop that does not advance


class Projection(Protocol):
    name: str

    def apply_page(self, cur: Cursor, page: Sequence[tuple[Any, Any]]) -> None:
        """Apply (notification, event) pairs, in log order, inside the transaction."""

    def reset(self, cur: Cursor) -> None:
        """Drop this projection's rows (for a rebuild)."""


def views_of(app: SchoolApp) -> list[Projection]:
    """Every view the loop keeps: the documents, the event index, the ledger."""
    from ejournal.projections.documents import Documents
    from ejournal.projections.event_index import EventIndex
    from ejournal.projections.ledger import Ledger

    return [Documents(app), EventIndex(app), Ledger(app)]


class _Moved(Exception):
    def __init__(self, position: int) -> None:
        super().__init__(position)
        self.position = position


class Runner:
    def __init__(
        self, app: SchoolApp, projections: Sequence[Projection], *, poll: float = 0.5
    ) -> None:
        self.app = app
        self.db = app.db()
        self.projections = list(projections)
        self.poll = poll
        self._cond = threading.Condition()
        self._position = self._load_position()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.error: BaseException | None = None
        self.following = False
        self._stalled_since: float | None = None
        if self._position == REBUILDING:
            # A parallel rebuild stopped half-way: its views are partial.
            self.reset()
        # Told, for every page this loop passes (applied here or by another
        # process), which streams changed up to which position: the caches.
        self.listeners: list[Callable[[dict[str, int] | None, int], None]] = []

    @property
    def name(self) -> str:
        return "views"

    @property
    def position(self) -> int:
        return self._position

    def _load_position(self) -> int:
        with self.db.read() as cur:
            row = cur.execute(
                "SELECT position FROM ej_tracking WHERE name = ?", (self.name,)
            ).fetchone()
        return int(row["position"]) if row else 0

    def catch_up(
        self,
        progress: Callable[[int, int], None] | None = None,
        until: int | None = None,
    ) -> int:
        """Apply every committed notification past the tracked position."""
        with self._lock:
            applied = 0
            limit = PAGE_SIZE
            while True:
                page = self.app.recorder.select_notifications(
                    start=self._position + 1, limit=limit
                )
                if not page:
                    return applied
                # Far behind (a rebuild, a restart): fewer, larger transactions.
                limit = (
                    min(limit * 2, PAGE_SIZE * 16) if len(page) == limit else PAGE_SIZE
                )
                self._apply(page)
                applied += len(page)
                if progress is not None:
                    progress(len(page), self._position)
                if until is not None and self._position >= until:
                    return applied

    def _check_not_behind(self) -> None:
        """On an idle pass of the loop (nothing new), whether the log still
        reaches the views: one that ends before them lost its tail behind the
        application's back. The loop then stops applying and raises the alarm
        (LogWentBackwards, which /health answers as a 503) until the log is whole
        again. A catch-up called directly (``ejournal ledger verify`` while the
        alarm stands) does not check."""
        if self._position <= 0:
            return
        top = int(self.app.recorder.max_notification_id() or 0)
        if top < self._position:
            raise LogWentBackwards(top, self._position)

    def _apply(self, page: Sequence[Any]) -> None:
        to_event = self.app.mapper.to_domain_event
        pairs = [(n, to_event(n)) for n in page]
        last = page[-1].id
        try:
            self._apply_claimed(pairs, last)
        except _Moved as moved:
            # Another process (a second server, the CLI) applied these first.
            self._advance(moved.position)
            return
        self._tell(page, last)
        with self._cond:
            self._position = last
            self._cond.notify_all()

    def _advance(self, position: int) -> None:
        """Another process has applied the views up to ``position``: tell the
        listeners which streams moved (read from the log's index, not decoded),
        and release the commands waiting for it. Too far ahead, or behind (the
        views were reset), every cached value is dropped."""
        if self.listeners:
            changes: dict[str, int] | None = None
            if self._position <= position <= self._position + GAP_READ:
                changes = self.db.streams_between(self._position, position)
            for listener in self.listeners:
                listener(changes, max(position, 0))
        with self._cond:
            self._position = position
            self._cond.notify_all()

    def _tell(self, page: Sequence[Any], position: int) -> None:
        if self.listeners and page:
            # Each stream with the last position it moved at (pages are in order).
            streams = {str(n.originator_id): n.id for n in page}
            for listener in self.listeners:
                listener(streams, position)

    def _apply_claimed(self, pairs: list[tuple[Any, Any]], last: int) -> None:
        """Apply a page only if the tracked position is still where this loop
        thinks it is; the tracking row is locked first, so two processes never
        apply the same page twice."""
        with self.db.write() as cur:
            cur.execute(
                "INSERT INTO ej_tracking (name, position) VALUES (?, 0) "
                "ON CONFLICT (name) DO NOTHING",
                (self.name,),
            )
            cur.execute(
                "UPDATE ej_tracking SET position = position WHERE name = ?",
                (self.name,),
            )
            row = cur.execute(
                "SELECT position FROM ej_tracking WHERE name = ?", (self.name,)
            ).fetchone()
            if int(row["position"]) != self._position:
                raise _Moved(int(row["position"]))
            for projection in self.projections:
                projection.apply_page(cur, pairs)
            cur.execute(
                "INSERT INTO ej_tracking (name, position) VALUES (?, ?) "
                "ON CONFLICT (name) DO UPDATE SET position = excluded.position",
                (self.name, last),
            )
            if self.db.backend == "postgres":
                # Delivered at commit, to the processes that follow this loop.
                cur.raw.execute("SELECT pg_notify(%s, %s)", (self.channel, str(last)))

    def reset(self, *, rebuilding: bool = False) -> None:
        """Drop every view. ``rebuilding``: other processes will replay the log
        into them (projections/rebuild.py); until one says they have finished,
        the tracked position says the views are partial."""
        with self._lock, self.db.write() as cur:
            for projection in self.projections:
                projection.reset(cur)
            cur.execute("DELETE FROM ej_tracking WHERE name = ?", (self.name,))
            if rebuilding:
                cur.execute(
                    "INSERT INTO ej_tracking (name, position) VALUES (?, ?)",
                    (self.name, REBUILDING),
                )
            self._position = 0

    def rebuilt(self, position: int) -> None:
        """The processes of a rebuild have replayed the log up to ``position``."""
        with self._lock, self.db.write() as cur:
            cur.execute(
                "UPDATE ej_tracking SET position = ? WHERE name = ? AND position = ?",
                (position, self.name, REBUILDING),
            )
            row = cur.execute(
                "SELECT position FROM ej_tracking WHERE name = ?", (self.name,)
            ).fetchone()
            if row is None or int(row["position"]) != position:
                raise RuntimeError("the views were reset while they were rebuilt")
            self._position = position

    @property
    def channel(self) -> str:
        """Where the loop announces each page it commits (PostgreSQL)."""
        return f"ej_{self.name}_{self.db.schema}"[:63]

    def follow(self) -> bool:
        """Learn how far the views are (another process keeps them) and tell this
        process's caches and waiting commands; returns whether that moved. If the
        loop seems gone (behind the log and still for STANDBY seconds), apply the
        pages here."""
        tracked = self.db.tracked(self.name)
        if tracked > self._position:
            self._advance(tracked)
            self._stalled_since = None
            return True
        if tracked < 0 or (self.app.recorder.max_notification_id() or 0) <= tracked:
            self._stalled_since = None  # a rebuild runs, or nothing to apply
            return False
        now = time.monotonic()
        if self._stalled_since is None:
            self._stalled_since = now
        elif now - self._stalled_since > STANDBY:
            log.warning("the views loop is not advancing; applying pages here")
            self.catch_up()
            self._stalled_since = None
            return True
        return False

    def notify(self) -> None:
        """A write has committed: wake the loop now rather than at the next poll
        (a follower waits for the loop's announcement instead)."""
        if not self.following:
            self._wake.set()

    def wait_for(self, position: int, timeout: float = 10.0) -> bool:
        if self._position >= position:
            return True
        if self._thread is None:
            self.catch_up()
            return self._position >= position
        self.notify()
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._position < position:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(remaining)
        return True

    def start(self, *, follow: bool = False) -> None:
        """Run the loop in a thread; ``follow``: follow the loop another process
        runs instead (see the module's docstring)."""
        self.following = follow
        if follow and self.app.config.backend != "postgres":
            self.poll = min(self.poll, FOLLOW_POLL)  # no announcements: ask often
        self._thread = threading.Thread(
            target=self._loop, name="follow" if follow else "projections", daemon=True
        )
        self._thread.start()
        if self.app.config.backend == "postgres":
            # The loop wakes on appends (the library NOTIFYs on every append); a
            # follower on the pages the loop commits.
            channel = (
                self.channel
                if follow
                else getattr(self.app.recorder, "channel_name", "")
            )
            threading.Thread(
                target=self._listen, args=(channel,), name="listen", daemon=True
            ).start()

    def _listen(self, channel: str) -> None:
        """Wake the loop on a channel's notifications; the poll remains the
        fallback if the connection drops."""
        import psycopg

        while not self._stop.is_set():
            try:
                with psycopg.connect(self.app.config.conninfo, autocommit=True) as conn:
                    conn.execute(f'LISTEN "{channel}"')
                    while not self._stop.is_set():
                        for _ in conn.notifies(timeout=1.0, stop_after=1):
                            self._wake.set()
            except psycopg.Error:
                log.warning("LISTEN connection lost; polling until it is back")
                self._stop.wait(5.0)

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                if self.following:
                    self.follow()
                elif not self.catch_up():
                    self._check_not_behind()  # only when idle: no cost per page
                self.error = None
            except LogWentBackwards as exc:
                if not isinstance(self.error, LogWentBackwards):
                    log.critical("ALARM: %s", exc.detail)
                self.error = exc
                time.sleep(1.0)
            except Exception as exc:  # a view bug must not kill the server
                self.error = exc
                log.exception("projection catch-up failed; retrying")
                time.sleep(1.0)
            self._wake.wait(self.poll)
            self._wake.clear()
