"""The weekly digest (еженедельная сводка): once per guardian, pupil and ISO week,
after the week has ended, that week's marks and absences as the diary shows them.

A tick decides the digests of the last ended week once (the week is remembered in
the notifier's state); the row's key names the week, so deciding again changes
nothing.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from ejournal.database import Database
from ejournal.domain.errors import DomainError
from ejournal.domain.rules import SchoolRules
from ejournal.domain.settings import SETTINGS_ID, rules_from
from ejournal.notify import outbox
from ejournal.notify.decide import Mail, recipients
from ejournal.projections import journal
from ejournal.projections.reader import Reader, reader
from ejournal.store import SchoolApp

ABSENCES = ("absent", "ill", "excused")


def last_ended_week(today: date) -> date:
    """The Monday of the week before ``today``'s."""
    return today - timedelta(days=today.weekday() + 7)


def week_number(monday: date) -> int:
    iso = monday.isocalendar()
    return iso.year * 100 + iso.week


def weekly_digests(
    app: SchoolApp, db: Database, now: datetime, base: SchoolRules, domain: str
) -> int:
    with reader(app) as r:
        doc = r.doc(SETTINGS_ID)
        rules = rules_from(doc["values"] if doc else None, base)
        monday = last_ended_week(rules.local_date(now))
        week = week_number(monday)
        with db.read() as cur:
            done = outbox.get_state(cur, "digest_week") or 0
        if done >= week:
            return 0
        mails = digests_of(r, rules, monday, week)
    with db.write() as cur:
        if (outbox.get_state(cur, "digest_week") or 0) >= week:
            return 0
        outbox.insert(cur, mails, int(app.recorder.max_notification_id() or 0), domain)
        outbox.set_state(cur, "digest_week", week)
    return len(mails)


def digests_of(r: Reader, rules: SchoolRules, monday: date, week: int) -> list[Mail]:
    mails = []
    for student in r.all_of_kind("student"):
        to = recipients(student, "weekly_digest")
        if not to:
            continue
        facts = week_facts(r, rules, student, monday)
        for guardian, email in to:
            mails.append(
                Mail(
                    key=f"digest:{week}:{student['id']}:{guardian}",
                    kind="digest",
                    guardian_id=guardian,
                    student_id=student["id"],
                    email=email,
                    facts=facts,
                )
            )
    return mails


def week_facts(
    r: Reader, rules: SchoolRules, student: dict[str, Any], monday: date
) -> dict[str, Any]:
    """The pupil's marks and absences of the week, from the diary's fold."""
    sunday = monday + timedelta(days=6)
    try:
        diary = journal.diary(r, student["id"], rules, monday, sunday)
    except DomainError:
        diary = {"days": []}
    marks, absences = [], []
    for day in diary["days"]:
        for lesson in day["lessons"]:
            for mark in lesson["marks"]:
                marks.append(
                    {
                        "date": day["date"],
                        "subject": lesson["subject"],
                        "value": mark["value"],
                        "work_type": mark["work_type"],
                    }
                )
            if lesson.get("attendance") in ABSENCES:
                absences.append(
                    {
                        "date": day["date"],
                        "subject": lesson["subject"],
                        "code": lesson["attendance"],
                    }
                )
    return {
        "pupil": student["full_name"],
        "week_start": monday.isoformat(),
        "week_end": sunday.isoformat(),
        "marks": marks,
        "absences": absences,
    }
