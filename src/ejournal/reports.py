"""Report queries: who may ask, and which views answer (current, or as of a moment).

The answers are assembled in ``projections.reports`` from stream documents; this
module checks the caller, picks the reader and the school's rules.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from ejournal.domain.errors import Invalid
from ejournal.domain.settings import SETTINGS_ID, settings_dict
from ejournal.projections import reports
from ejournal.projections.audit import ts_key
from ejournal.projections.journal import get_kind
from ejournal.projections.reader import Reader, reader
from ejournal.security import STAFF_READERS, Actor, check_class_journal
from ejournal.service import Service

REPORT_READERS = ("deputy", "director", "admin")
MAX_RANGE_DAYS = 366


def summary(
    service: Service,
    actor: Actor,
    class_id: str,
    year_id: str | None,
    as_of: datetime | None,
) -> dict[str, Any]:
    """The summary sheet: the class teacher, deputy, director, auditor, admin."""
    with reader(service.app) as views:
        klass = get_kind(views, class_id, "class", "class")
        check_class_journal(actor, klass)
    with reader(service.app, as_of) as r:
        return reports.summary_sheet(r, class_id, year_id)


def control(
    service: Service,
    actor: Actor,
    year_id: str,
    period_id: str | None,
    class_id: str | None,
    as_of: datetime | None,
) -> list[dict[str, Any]]:
    """The deputy's control report, per course."""
    actor.require(*REPORT_READERS)
    now = as_of or service.clock()
    with reader(service.app, as_of) as r:
        return reports.control_report(
            r,
            service.rules_for(r),
            year_id=year_id,
            period_id=period_id,
            class_id=class_id,
            now=now,
        )


def compliance(
    service: Service,
    actor: Actor,
    lo: date | None,
    hi: date | None,
    as_of: datetime | None,
) -> list[dict[str, Any]]:
    """Late entries recorded between two school-local dates (inclusive); by default
    the last two weeks."""
    actor.require(*REPORT_READERS)
    with reader(service.app, as_of) as r:
        rules = service.rules_for(r)
        today = rules.local_date(as_of or service.clock())
        hi = hi or today
        lo = lo or hi - timedelta(days=13)
        if hi < lo:
            raise Invalid("'to' is before 'from'", field="to")
        if (hi - lo).days > MAX_RANGE_DAYS:
            raise Invalid("a compliance report spans at most a year", field="to")
        start = datetime.combine(lo, time(0), rules.tz).astimezone(UTC)
        end = datetime.combine(hi + timedelta(days=1), time(0), rules.tz).astimezone(
            UTC
        )
        if as_of is not None:
            end = min(end, as_of + timedelta(microseconds=1))
        return reports.late_entries(r, _streams_written(r, start, end), start, end)


def _streams_written(r: Reader, start: datetime, end: datetime) -> list[str]:
    """Lesson and course streams with any event recorded in [start, end), from the
    event index: the candidates whose documents may hold late entries then."""
    rows = r.cur.execute(
        "SELECT DISTINCT stream_id FROM ej_events WHERE ts >= ? AND ts < ? "
        "AND kind IN ('lesson', 'course')",
        (ts_key(start), ts_key(end)),
    ).fetchall()
    return sorted(str(row["stream_id"]) for row in rows)


def corrections(
    service: Service, actor: Actor, status: str | None, as_of: datetime | None
) -> dict[str, Any]:
    """Correction requests: staff and the director see all; a teacher their own."""
    with reader(service.app, as_of) as r:
        docs = r.all_of_kind("correction")
    if not actor.has(*STAFF_READERS):
        docs = [d for d in docs if d["requested_by"] == actor.account_id]
    if status is not None:
        docs = [d for d in docs if d["status"] == status]
    docs.sort(key=lambda d: (d["created_at"], d["id"]))
    return {
        "requests": [
            {
                "request_id": d["id"],
                **{k: v for k, v in d.items() if k not in ("id", "kind")},
            }
            for d in docs
        ]
    }


def school_settings(service: Service, as_of: datetime | None) -> dict[str, Any]:
    with reader(service.app, as_of) as r:
        rules = service.rules_for(r)
        doc = r.doc(SETTINGS_ID)
    return {**settings_dict(rules), "version": doc.get("version") if doc else None}
