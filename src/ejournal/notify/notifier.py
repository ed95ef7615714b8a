"""The notifier: follows the log as the views do, decides mails into the outbox
with its tracked position in the same transaction (exactly once, resumable), and
sends pending rows over SMTP (at least once, with a stable Message-ID).

It never runs past the views loop's position: the facts of a mail (the pupil's
document at the event's position) are read through the event index.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import orjson

from ejournal.domain.base import META_EVENTS, live_versions
from ejournal.domain.course import CourseCreated
from ejournal.domain.lesson import LessonScheduled
from ejournal.domain.rules import DEFAULT_RULES, SchoolRules
from ejournal.domain.student import ConsentRecorded, NotificationsSet
from ejournal.domain.year import YearOpened
from ejournal.notify import outbox
from ejournal.notify.decide import Facts, Mail, notices, on_liveness, still_wanted
from ejournal.notify.digest import weekly_digests
from ejournal.notify.sender import Sender
from ejournal.notify.smtp import SmtpSettings
from ejournal.projections.streams import Doc, fold_doc
from ejournal.store import SchoolApp

log = logging.getLogger(__name__)

PAGE_SIZE = 500


class _Moved(Exception):
    pass


def utc_now() -> datetime:
    return datetime.now(UTC)


class Notifier(Sender):
    """``from_start``: a notifier with no tracked position yet starts at the
    log's beginning; otherwise at its end (a notifier switched on for a running
    school does not mail the school's past)."""

    def __init__(
        self,
        app: SchoolApp,
        settings: SmtpSettings | None,
        *,
        clock: Callable[[], datetime] = utc_now,
        rules: SchoolRules = DEFAULT_RULES,
        from_start: bool = False,
        domain: str | None = None,
    ) -> None:
        self.app = app
        self.db = app.db()
        self.settings = settings
        self.clock = clock
        self.rules = rules
        self.domain = domain or (settings.domain if settings else "localhost")
        self._subjects: dict[str, tuple[str, str]] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        outbox.create_tables(self.db)
        with self.db.write() as cur:
            if outbox.get_state(cur, "position") is None:
                start = 0 if from_start else self.app.recorder.max_notification_id()
                outbox.set_state(cur, "position", int(start or 0))
            # A sender that died between claiming and marking: its rows go out
            # again (the same Message-ID).
            cur.execute(
                "UPDATE ej_outbox SET state = 'pending' WHERE state = 'sending'"
            )

    # -- position -------------------------------------------------------------
    @property
    def position(self) -> int:
        with self.db.read() as cur:
            return outbox.get_state(cur, "position") or 0

    def tick(self) -> dict[str, int]:
        """One round: decide up to the views' position, the past week's digests,
        then send what is pending."""
        decided = self.decide()
        digests = self.digest()
        sent = self.send() if self.settings else 0
        return {"decided": decided, "digests": digests, "sent": sent}

    # -- decide ---------------------------------------------------------------
    def decide(self) -> int:
        """Decide mails for every notification past the tracked position, up to
        the views' position, a page per transaction; answers the rows written."""
        written = 0
        while True:
            position = self.position
            upto = min(
                self.db.tracked("views"),
                int(self.app.recorder.max_notification_id() or 0),
            )
            if upto <= position:
                return written
            page = self.app.recorder.select_notifications(
                start=position + 1, limit=PAGE_SIZE, stop=upto
            )
            if not page:
                return written
            try:
                written += self._apply(position, page)
            except _Moved:
                continue  # another notifier decided this page first

    def _apply(self, position: int, page: Sequence[Any]) -> int:
        to_event = self.app.mapper.to_domain_event
        with self.db.write() as cur:
            cur.execute(
                "UPDATE ej_notify_state SET value = value WHERE name = 'position'"
            )
            if outbox.get_state(cur, "position") != position:
                raise _Moved
            written = 0
            for n in page:
                written += self._decide_one(cur, n, to_event(n))
            outbox.set_state(cur, "position", int(page[-1].id))
        return written

    def _decide_one(self, cur: Any, n: Any, event: Any) -> int:
        stream_id = str(n.originator_id)
        # A void carries no stream kind: a stream with no mails finds none.
        if isinstance(event, (*META_EVENTS, NotificationsSet, ConsentRecorded)):
            self._recheck(cur, stream_id, int(n.id))
        if isinstance(event, META_EVENTS):
            return self._liveness(cur, stream_id, int(n.originator_version), n.id)
        mails = notices(
            event, int(n.id), stream_id, lambda sid: self._facts(cur, event, n, sid)
        )
        outbox.insert(cur, mails, int(n.id), self.domain)
        return len(mails)

    def _recheck(self, cur: Any, student_id: str, position: int) -> None:
        """A guardian's choice or consent changed (or was voided): the mails
        about this pupil not yet sent go only if still wanted."""
        waiting = cur.execute(
            "SELECT key, kind, guardian_id, email FROM ej_outbox "
            "WHERE student_id = ? AND state = 'pending'",
            (student_id,),
        ).fetchall()
        if not waiting:
            return
        student = self._student_at(cur, student_id, position)
        for mail in waiting:
            if not still_wanted(student, dict(mail)):
                outbox.set_row_state(cur, mail["key"], "cancelled")

    def _liveness(self, cur: Any, stream_id: str, version: int, position: int) -> int:
        """A void or reinstatement on a stream: the mails about its events."""
        latest = outbox.latest_about(cur, stream_id)
        if not latest:
            return 0
        events = self.app.stream(stream_id, lte=version)
        # A stream whose creation is void never happened, all its events with it.
        live = live_versions(events) if fold_doc(events) is not None else set()
        written = 0
        for origin, (source_version, row) in latest.items():
            for change in on_liveness(row, source_version in live, position):
                notice = outbox.row(cur, origin)
                assert notice is not None
                kind = notice["kind"]
                if change.add == "correction" or (
                    change.state == "pending" and row.kind == "correction"
                ):
                    kind = "correction"
                if change.state != "cancelled" and not still_wanted(
                    self._student_at(cur, notice["student_id"], position),
                    {**notice, "kind": kind},
                ):
                    continue  # not wanted any more: nothing goes out
                if change.state is not None:
                    outbox.set_row_state(cur, change.key, change.state)
                    continue
                facts = orjson.loads(notice["facts"])
                if kind == "correction":
                    facts = {**facts, "about": notice["kind"]}
                mail = Mail(
                    change.key, kind, notice["guardian_id"], notice["student_id"],
                    notice["email"], facts, stream_id, source_version,
                )  # fmt: skip
                outbox.insert(
                    cur, [mail], position, self.domain, origin=origin,
                    repeat=change.add == "notice",
                )  # fmt: skip
                written += 1
        return written

    def _facts(self, cur: Any, event: Any, n: Any, student_id: str) -> Facts:
        student = self._student_at(cur, student_id, int(n.id))
        stream_id = str(n.originator_id)
        if event.stream_kind == "lesson":
            lesson = self._first(stream_id, LessonScheduled, int(n.originator_version))
            subject, _ = self._course(lesson.course_id) if lesson else ("", "")
            return Facts(student, subject, date=lesson.date if lesson else None)
        subject, year_id = self._course(stream_id)
        return Facts(student, subject, period=self._period(year_id, event))

    def _student_at(self, cur: Any, student_id: str, position: int) -> Doc | None:
        """The pupil's document as of a log position (its events up to it)."""
        found = cur.execute(
            "SELECT max(version) AS v FROM ej_events "
            "WHERE stream_id = ? AND position <= ?",
            (student_id, position),
        ).fetchone()
        if found is None or found["v"] is None:
            return None
        return fold_doc(self.app.stream(student_id, lte=int(found["v"])))

    def _first(self, stream_id: str, cls: type[Any], lte: int) -> Any:
        return next(
            (e for e in self.app.stream(stream_id, lte=lte) if isinstance(e, cls)),
            None,
        )

    def _course(self, course_id: str) -> tuple[str, str]:
        if course_id not in self._subjects:
            created = self._first(course_id, CourseCreated, 1_000_000_000)
            self._subjects[course_id] = (
                (created.subject, created.year_id) if created else ("", "")
            )
        return self._subjects[course_id]

    def _period(self, year_id: str, event: Any) -> str | None:
        period_id = getattr(event, "period_id", None)
        if not year_id or period_id is None:
            return None
        year = self._first(year_id, YearOpened, 1_000_000_000)
        periods = year.periods if year else []
        return next((p["name"] for p in periods if p.get("id") == period_id), None)

    # -- digest ---------------------------------------------------------------
    def digest(self) -> int:
        return weekly_digests(self.app, self.db, self.clock(), self.rules, self.domain)

    # -- running --------------------------------------------------------------
    def run(self, poll: float = 5.0, once: bool = False) -> None:
        while not self._stop.is_set():
            try:
                self.tick()
            except Exception:  # a lost mail server must not stop the notifier
                log.exception("notifier tick failed; retrying")
            if once:
                return
            self._stop.wait(poll)

    def start(self, poll: float = 5.0) -> None:
        self._thread = threading.Thread(
            target=self.run, args=(poll,), name="notifier", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None


def start_notifier(service: Any) -> Notifier | None:
    """The notifier as a thread of the service, when EJOURNAL_SMTP_HOST is set;
    EJOURNAL_NOTIFY_POLL: seconds between its rounds (default 10)."""
    import os

    settings = SmtpSettings.from_environment()
    if settings is None:
        return None
    notifier = Notifier(service.app, settings, clock=service.clock, rules=service.rules)
    notifier.start(float(os.environ.get("EJOURNAL_NOTIFY_POLL") or 10.0))
    return notifier
