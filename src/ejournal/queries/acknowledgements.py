"""Which guardians acknowledged which weeks of their children's diaries (факт
ознакомления, S1), per class: what the class teacher checks and calls about."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from ejournal.domain.errors import Invalid
from ejournal.projections import journal
from ejournal.projections.reader import reader
from ejournal.security import Actor, check_class_journal, has_consent
from ejournal.service import Service

DEFAULT_WEEKS = 4  # the current week and the three before it
MAX_WEEKS = 53


def class_acknowledgements(
    service: Service,
    actor: Actor,
    class_id: str,
    lo: date | None,
    hi: date | None,
    as_of: datetime | None,
) -> dict[str, Any]:
    """The class teacher and staff (as the class journal). Weeks are Monday to
    Sunday, from the week holding ``lo`` to the week holding ``hi`` (default: the
    current week and the three before it; at most 53 weeks).

    ``{class_id, class_name, from, to, weeks: [{week_start, week_end,
    acknowledged, guardians, students: [{student_id, full_name, guardians:
    [{guardian_id, full_name, consent, acknowledged_at}]}]}]}``: a week lists the
    pupils on the class roll on any of its days; ``acknowledged_at`` is null
    for a guardian who has not acknowledged that week; ``consent`` says whether
    the guardian's consent to data processing is live (without it they cannot)."""
    with reader(service.app) as views:
        klass = journal.get_kind(views, class_id, "class", "class")
        check_class_journal(actor, klass)
        today = service.rules_for(views).local_date(as_of or service.clock())
    try:
        hi = hi or max(today, lo or today)
        hi -= timedelta(days=hi.weekday())
        lo = lo - timedelta(days=lo.weekday()) if lo else hi - timedelta(weeks=3)
        last_day = hi + timedelta(days=6)
    except OverflowError:
        raise Invalid("the weeks run past the calendar's end", field="from") from None
    if hi < lo:
        raise Invalid("'to' is before 'from'", field="to")
    count = (hi - lo).days // 7 + 1
    if count > MAX_WEEKS:
        raise Invalid(f"at most {MAX_WEEKS} weeks at once", field="to")
    mondays = [lo + timedelta(weeks=n) for n in range(count)]
    with reader(service.app, as_of) as r:
        klass = journal.get_kind(r, class_id, "class", "class")
        roster: dict[str, list[list[str | None]]] = klass["roster"]
        pupils = r.docs(list(roster))
        guardian_ids = {g for p in pupils.values() for g in p["guardians"]}
        names = {
            gid: str(doc.get("full_name") or "")
            for gid, doc in r.docs(guardian_ids).items()
        }
    ordered = sorted(pupils.values(), key=lambda p: (p["full_name"], p["id"]))
    weeks = []
    for monday in mondays:
        first, last = monday.isoformat(), (monday + timedelta(days=6)).isoformat()
        students = []
        done = total = 0
        for pupil in ordered:
            spans = roster.get(pupil["id"], [])
            if not any(str(s) <= last and (e is None or e > first) for s, e in spans):
                continue
            acks = pupil.get("acknowledgements", {}).get(first, {})
            guardians = [
                {
                    "guardian_id": gid,
                    "full_name": names.get(gid, ""),
                    "consent": has_consent(pupil, gid),
                    "acknowledged_at": acks.get(gid),
                }
                for gid in pupil["guardians"]
            ]
            total += len(guardians)
            done += sum(1 for g in guardians if g["acknowledged_at"])
            students.append(
                {
                    "student_id": pupil["id"],
                    "full_name": pupil["full_name"],
                    "guardians": guardians,
                }
            )
        weeks.append(
            {
                "week_start": first,
                "week_end": last,
                "acknowledged": done,
                "guardians": total,
                "students": students,
            }
        )
    return {
        "class_id": class_id,
        "class_name": klass["name"],
        "from": lo.isoformat(),
        "to": last_day.isoformat(),
        "weeks": weeks,
    }
