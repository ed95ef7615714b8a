"""The ledger's full check, kept as state so that no request recomputes the chain.

Recomputing the chain from every stored event costs the whole log (about a minute
on a year of a million events), so it never runs inside a request. It runs as a
job: ``ejournal ledger verify`` on the command line, or a background thread of the
server (``POST /api/v1/audit/ledger/verify``, and by itself once a day while the
server runs: ``EJOURNAL_LEDGER_CHECK_HOURS``, 0 to turn it off). Each job records
its progress and its verdict in ``ej_ledger_check`` (one row). ``GET /audit/ledger``
answers from that row, the ledger's head (which the views loop advances with every
page) and the log's last position, in constant time:

- ``verified`` is false when the last full check found the log and its chain
  parted at or before the position asked about, or when the log now ends before
  its chain (a deleted tail, seen at once);
- ``checked_upto``/``checked_at`` say how far and when the last full check went:
  positions after it were chained by the views loop from the rows it read, and are
  checked again by the next job.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from ejournal.database import Cursor, Database
from ejournal.projections.ledger import head
from ejournal.verification import Checkpoint, Verdict, verify

log = logging.getLogger(__name__)

# The job now (state running/done/failed, its progress) and the last verdict of a
# job that finished (last_*), kept while the next one runs.
TABLE = """CREATE TABLE IF NOT EXISTS ej_ledger_check (
    id INTEGER PRIMARY KEY, state TEXT NOT NULL, started_at TEXT NOT NULL,
    finished_at TEXT, beat_at TEXT NOT NULL, checked BIGINT NOT NULL,
    total BIGINT NOT NULL, failure TEXT, last_upto BIGINT, last_hash TEXT,
    last_verified INTEGER, last_bad BIGINT, last_problem TEXT, last_at TEXT)"""
STALE_SECONDS = 120.0  # a "running" row not beaten for this long: its job died
BEAT_EVERY = 10_000  # events between progress writes


def create_table(db: Database) -> None:
    db.create([TABLE])


def _now() -> str:
    return datetime.now(UTC).isoformat()


def state(cur: Cursor) -> dict[str, Any] | None:
    row = cur.execute("SELECT * FROM ej_ledger_check WHERE id = 1").fetchone()
    return dict(row) if row is not None else None


def _running(row: dict[str, Any] | None) -> bool:
    if row is None or row["state"] != "running":
        return False
    beat = datetime.fromisoformat(str(row["beat_at"]))
    return (datetime.now(UTC) - beat).total_seconds() < STALE_SECONDS


def claim(db: Database, total: int) -> bool:
    """Mark a job as running unless one runs (in any process); whether this
    caller got it. The last finished verdict stays beside the running one."""
    now = _now()
    with db.write() as cur:
        row = state(cur)
        if _running(row):
            return False
        if row is None:
            cur.execute(
                "INSERT INTO ej_ledger_check (id, state, started_at, beat_at, "
                "checked, total) VALUES (1, 'running', ?, ?, 0, ?)",
                (now, now, total),
            )
        else:
            cur.execute(
                "UPDATE ej_ledger_check SET state = 'running', started_at = ?, "
                "beat_at = ?, finished_at = NULL, checked = 0, total = ? "
                "WHERE id = 1",
                (now, now, total),
            )
    return True


def beat(db: Database, checked: int) -> None:
    with db.write() as cur:
        cur.execute(
            "UPDATE ej_ledger_check SET checked = ?, beat_at = ? WHERE id = 1",
            (checked, _now()),
        )


def finish(db: Database, verdict: Verdict) -> None:
    now = _now()
    with db.write() as cur:
        cur.execute(
            "UPDATE ej_ledger_check SET state = 'done', finished_at = ?, beat_at = ?, "
            "checked = ?, failure = NULL, last_upto = ?, last_hash = ?, "
            "last_verified = ?, last_bad = ?, last_problem = ?, last_at = ? "
            "WHERE id = 1",
            (
                now,
                now,
                verdict.checked,
                verdict.position,
                verdict.head_hash,
                int(verdict.verified),
                verdict.first_bad_position,
                verdict.problem,
                now,
            ),
        )


def fail(db: Database, error: BaseException) -> None:
    with db.write() as cur:
        cur.execute(
            "UPDATE ej_ledger_check SET state = 'failed', finished_at = ?, "
            "failure = ? WHERE id = 1",
            (_now(), f"the check stopped: {error}"),
        )


def _events_to_check(db: Database) -> int:
    """About how many events a check reads (the ledger's head: counting costs a
    pass of its own)."""
    with db.read() as cur:
        return head(cur)[0]


def run_check(
    db: Database,
    *,
    checkpoint: Checkpoint | None = None,
    progress: Callable[[int], None] | None = None,
) -> Verdict | None:
    """One full check, recorded; None if another job is running."""
    if not claim(db, _events_to_check(db)):
        return None
    return check_claimed(db, checkpoint=checkpoint, progress=progress)


def check_claimed(
    db: Database,
    *,
    checkpoint: Checkpoint | None = None,
    progress: Callable[[int], None] | None = None,
) -> Verdict:
    """The check of a job already claimed: recompute, record the verdict."""
    seen = 0

    def tick(n: int) -> None:
        nonlocal seen
        before, seen = seen, seen + n
        if before // BEAT_EVERY != seen // BEAT_EVERY:
            beat(db, seen)
        if progress is not None:
            progress(n)

    try:
        with db.read() as cur:
            verdict = verify(cur, checkpoint=checkpoint, progress=tick)
    except BaseException as exc:
        fail(db, exc)
        raise
    finish(db, verdict)
    return verdict


class Stopped(Exception):
    """The server is stopping: the check in progress gives up (it is recorded as
    failed if the database is still there; the next one starts afresh)."""


class Checker:
    """The server's background job: on demand, and once every ``hours`` (the
    first one ``FIRST_DELAY`` seconds after a start when none ever ran, so that a
    server does not read its whole log while it warms up)."""

    FIRST_DELAY = 900.0

    def __init__(self, db: Database, hours: float) -> None:
        self.db = db
        self.hours = hours
        self._thread: threading.Thread | None = None
        self._schedule: threading.Thread | None = None
        self._stop = threading.Event()
        self._lock = threading.Lock()

    def start_now(self) -> bool:
        """Start a check in the background unless one runs; whether it started."""
        with self._lock:
            if self._stop.is_set():
                return False
            if self._thread is not None and self._thread.is_alive():
                return False
            if not claim(self.db, _events_to_check(self.db)):
                return False  # another process runs one
            self._thread = threading.Thread(
                target=self._run, name="ledger-check", daemon=True
            )
            self._thread.start()
            return True

    def _tick(self, _n: int) -> None:
        if self._stop.is_set():
            raise Stopped

    def _run(self) -> None:
        try:
            verdict = check_claimed(self.db, progress=self._tick)
        except Stopped:
            return
        except Exception:
            if not self._stop.is_set():
                log.exception("the ledger check failed")
            return
        if not verdict.verified:
            log.critical(
                "ALARM: the log does not match its ledger at position %s: %s",
                verdict.first_bad_position,
                verdict.problem,
            )

    def schedule(self) -> None:
        """Check once every ``hours`` (the first when the last is that old)."""
        if self.hours <= 0:
            return
        self._schedule = threading.Thread(
            target=self._every, name="ledger-schedule", daemon=True
        )
        self._schedule.start()

    def _due_in(self) -> float:
        """Seconds until the next check is due."""
        with self.db.read() as cur:
            row = state(cur)
        last = row.get("last_at") if row else None
        if not last:
            return self.FIRST_DELAY
        age = (datetime.now(UTC) - datetime.fromisoformat(str(last))).total_seconds()
        return self.hours * 3600 - age

    def _every(self) -> None:
        wait = self.FIRST_DELAY
        try:
            wait = self._due_in()
        except Exception:
            log.exception("the ledger check's schedule could not read its state")
        while not self._stop.wait(max(60.0, wait)):
            try:
                self.start_now()
                wait = self._due_in()
            except Exception:
                if self._stop.is_set():
                    return
                log.exception("the scheduled ledger check could not start")
                wait = 3600.0

    def stop(self) -> None:
        """Stop the schedule and the check in progress, before the database
        closes under them."""
        self._stop.set()
        for thread in (self._thread, self._schedule):
            if thread is not None:
                thread.join(timeout=10)

    def wait(self, timeout: float = 60.0) -> None:
        """Until the job of this process ends (tests, the CLI)."""
        deadline = time.monotonic() + timeout
        thread = self._thread
        if thread is not None:
            thread.join(max(0.0, deadline - time.monotonic()))
