"""The diary's week page: queries.diary for a Monday..Sunday, laid out as days
Mon–Sat (and Sunday when it has lessons), with the teachers' names and the
guardians' acknowledgements of that week (факт ознакомления, S1)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from ejournal.domain.errors import Invalid
from ejournal.projections.reader import reader
from ejournal.queries.diary import diary
from ejournal.security import Actor
from ejournal.service import Service

SCHOOL_DAYS = 6  # Monday..Saturday are always shown


def diary_week(
    service: Service,
    actor: Actor,
    student_id: str,
    week: date | None,
    as_of: datetime | None,
) -> dict[str, Any]:
    """Whoever queries.diary allows. ``week``: any day of the week (default: the
    week of ``as_of``, else of today).

    ``{student_id, full_name, week_start, week_end, previous_week, next_week,
    this_week, today, days: [{date, weekday (0 = Monday), lessons}], names:
    {account_id: full_name}, acknowledgements: [{guardian_id, full_name, at}],
    acknowledged_at, is_guardian, may_acknowledge}``: ``acknowledged_at`` is the
    caller's own acknowledgement as of the moment; ``may_acknowledge`` says
    whether the caller could acknowledge the week now (a guardian of the pupil,
    the week begun, not yet acknowledged)."""
    with reader(service.app) as views:
        rules = service.rules_for(views)
    today = rules.local_date(service.clock())
    day = week or (rules.local_date(as_of) if as_of else today)
    try:
        monday = day - timedelta(days=day.weekday())
        sunday = monday + timedelta(days=6)
        previous_week, next_week = monday - timedelta(weeks=1), sunday + timedelta(1)
    except OverflowError:
        raise Invalid("the week runs past the calendar's end", field="week") from None
    shown = diary(service, actor, student_id, monday, sunday, as_of)  # checks
    by_day = {d["date"]: d["lessons"] for d in shown["days"]}
    days = []
    for n in range(7):
        iso = (monday + timedelta(days=n)).isoformat()
        if n < SCHOOL_DAYS or by_day.get(iso):
            days.append({"date": iso, "weekday": n, "lessons": by_day.get(iso, [])})
    week_iso = monday.isoformat()
    with reader(service.app, as_of) as r:
        student = r.doc(student_id) or {}
        acks: dict[str, str] = student.get("acknowledgements", {}).get(week_iso, {})
        teachers = {
            str(x)
            for d in days
            for lesson in d["lessons"]
            for x in (lesson["teacher_id"], lesson["substitute_id"])
            if x
        }
        names = {
            sid: str(doc.get("full_name") or "")
            for sid, doc in r.docs(teachers | set(acks)).items()
        }
    with reader(service.app) as views:
        now = views.doc(student_id) or {}
    is_guardian = actor.has("parent") and actor.account_id in now.get("guardians", [])
    done_now = actor.account_id in now.get("acknowledgements", {}).get(week_iso, {})
    return {
        "student_id": student_id,
        "full_name": shown["full_name"],
        "week_start": week_iso,
        "week_end": sunday.isoformat(),
        "previous_week": previous_week.isoformat(),
        "next_week": next_week.isoformat(),
        "this_week": (today - timedelta(days=today.weekday())).isoformat(),
        "today": today.isoformat(),
        "days": days,
        "names": names,
        "acknowledgements": sorted(
            (
                {"guardian_id": gid, "full_name": names.get(gid, ""), "at": at}
                for gid, at in acks.items()
            ),
            key=lambda a: a["at"],
        ),
        "acknowledged_at": acks.get(actor.account_id),
        "is_guardian": is_guardian,
        "may_acknowledge": is_guardian and monday <= today and not done_now,
    }
