"""The notifier's decisions, pure: which mails an event asks for, and what a change
of an event's liveness (a void, a reinstatement) does to the mails about it.

No clock, no database: the caller hands each event the facts as they stood at the
event's log position (the pupil's document, the lesson's date, the subject).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ejournal.domain.course import PeriodMarkSet
from ejournal.domain.lesson import AttendanceRecorded, MarkRecorded
from ejournal.security import has_consent

LOW_MARKS = frozenset({"1", "2"})  # неудовлетворительные отметки
ABSENT_CODES = frozenset({"absent"})  # н: not ill (б) nor excused (уп)
NOTICE_KINDS = ("low_mark", "period_mark", "absence")
TOPIC_OF = {
    "low_mark": "low_marks",
    "period_mark": "period_marks",
    "absence": "absences",
}


@dataclass(frozen=True)
class Mail:
    """One outbox row: a mail to one guardian about one pupil."""

    key: str
    kind: str  # low_mark, period_mark, absence, correction, digest
    guardian_id: str
    student_id: str
    email: str
    facts: dict[str, Any] = field(default_factory=dict)
    source_stream: str | None = None
    source_version: int | None = None


@dataclass(frozen=True)
class Facts:
    """What a mail about an event says besides the event, as of its position."""

    student: dict[str, Any] | None  # the pupil's document
    subject: str
    date: str | None = None  # the lesson's date
    period: str | None = None  # the period's name


def notices(event: Any, position: int, stream_id: str, facts_for: Any) -> list[Mail]:
    """The mails an event asks for. ``facts_for(student_id)`` answers the Facts
    of this event for one pupil (called only for events that may notify)."""
    found: list[tuple[str, str, dict[str, Any]]] = []
    if isinstance(event, MarkRecorded) and event.value in LOW_MARKS:
        found.append(
            (
                "low_mark",
                event.student_id,
                {"value": event.value, "work_type": event.work_type},
            )
        )
    elif isinstance(event, PeriodMarkSet):
        found.append(("period_mark", event.student_id, {"value": event.value}))
    elif isinstance(event, AttendanceRecorded):
        for entry in event.entries:
            if entry.get("code") in ABSENT_CODES:
                found.append(("absence", entry["student_id"], {"code": entry["code"]}))
    mails: list[Mail] = []
    for kind, student_id, data in found:
        facts: Facts = facts_for(student_id)
        for guardian, email in recipients(facts.student, TOPIC_OF[kind]):
            mails.append(
                Mail(
                    key=f"ev:{position}:{student_id}:{guardian}",
                    kind=kind,
                    guardian_id=guardian,
                    student_id=student_id,
                    email=email,
                    facts={
                        **data,
                        "pupil": facts.student["full_name"] if facts.student else "",
                        "subject": facts.subject,
                        "date": facts.date,
                        "period": facts.period,
                    },
                    source_stream=stream_id,
                    source_version=int(event.originator_version),
                )
            )
    return mails


def recipients(student: dict[str, Any] | None, topic: str) -> list[tuple[str, str]]:
    """The guardians of the pupil opted in to ``topic``, with a live consent to
    personal-data processing, and their addresses."""
    if student is None:
        return []
    out = []
    for guardian in student.get("guardians", []):
        choice = student.get("notifications", {}).get(guardian) or {}
        if choice.get(topic) and choice.get("email") and has_consent(student, guardian):
            out.append((guardian, str(choice["email"])))
    return out


def still_wanted(student: dict[str, Any] | None, mail: dict[str, Any]) -> bool:
    """Whether a mail not yet sent may still go: its guardian still has a live
    consent and, for a notice or digest, still wants that topic at that address
    (an opt-out, a new address, a withdrawn consent or a voided choice stops it)."""
    if student is None or not has_consent(student, mail["guardian_id"]):
        return False
    if mail["kind"] == "correction":
        return True
    topic = "weekly_digest" if mail["kind"] == "digest" else TOPIC_OF[mail["kind"]]
    return (mail["guardian_id"], mail["email"]) in recipients(student, topic)


@dataclass(frozen=True)
class Row:
    """The latest outbox row about one (event, pupil, guardian)."""

    key: str
    kind: str
    state: str  # pending, sending, sent, cancelled, failed
    origin: str  # the key of the notice this row is about (itself for a notice)


@dataclass(frozen=True)
class Change:
    """What a liveness change does: set a row's state, or add a row."""

    key: str
    state: str | None = None  # set this row's state
    add: str | None = None  # add a row of this kind ("correction", or a notice)


def on_liveness(latest: Row, live: bool, position: int) -> list[Change]:
    """An event whose mails' last row is ``latest`` became void (``live`` False)
    or counts again (True), at log ``position``. A row that never went out is
    cancelled or brought back; one that went out is answered by a new row."""
    delivered = latest.state in ("sent", "sending")
    undelivered = latest.state == "pending"  # a failed row is never sent again
    notice = latest.kind != "correction"
    # What the guardian is, or will be, told: the event holds (a notice), or it
    # was annulled (a correction).
    if notice == live:  # already says so, or says the opposite but never went out?
        if latest.state == "cancelled":
            return [Change(latest.key, state="pending")]
        return []
    if undelivered:
        return [Change(latest.key, state="cancelled")]
    if delivered:
        kind = "notice" if live else "correction"
        prefix = "re" if live else "fix"
        return [Change(f"{prefix}:{position}:{latest.origin}", add=kind)]
    return []  # a cancelled row saying the opposite: nothing was ever said
