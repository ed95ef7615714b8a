"""The compliance report: entries made after their deadline, with the due and
recorded times (S1, S4)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from ejournal.domain.errors import Invalid
from ejournal.projections import reports
from ejournal.projections.event_index import ts_key
from ejournal.projections.reader import Reader, reader
from ejournal.security import REPORT_READERS, Actor
from ejournal.service import Service

MAX_RANGE_DAYS = 366
# What each late entry is, in the report's words (the page and the workbook).
LATE_TYPES = {
    "TopicSet": "тема урока",
    "HomeworkAssigned": "домашнее задание",
    "AttendanceRecorded": "посещаемость",
    "MarkRecorded": "отметка",
    "MakeupRecorded": "отметка за отработку",
    "PeriodMarkSet": "отметка за период",
    "FinalMarkSet": "итоговая отметка",
    "PeriodMarkDeferred": "отсрочка отметки за период",
}


def compliance(
    service: Service,
    actor: Actor,
    lo: date | None,
    hi: date | None,
    as_of: datetime | None,
) -> list[dict[str, Any]]:
    """Late entries recorded between two school-local dates (inclusive); by default
    the last two weeks. Deputy, director, admin."""
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
        try:
            start = datetime.combine(lo, time(0), rules.tz).astimezone(UTC)
            end = datetime.combine(
                hi + timedelta(days=1), time(0), rules.tz
            ).astimezone(UTC)
        except OverflowError:  # 0001-01-01 east of UTC, 9999-12-31
            raise Invalid("the dates are out of range", field="from") from None
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
