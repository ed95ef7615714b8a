"""Academic year (учебный год): its periods (четверти) and holidays (каникулы)."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from ejournal.domain.base import Meta, SchoolAggregate, SchoolEvent, meta_fields
from ejournal.domain.errors import Conflict, Invalid


class YearEvent(SchoolEvent):
    stream_kind = "year"


class YearOpened(YearEvent, SchoolAggregate.Created):
    name: str
    starts_on: str
    ends_on: str
    periods: list[dict[str, str]]
    holidays: list[dict[str, str]]


class YearClosed(YearEvent):
    """The year is closed on the director's order: from now on it is read-only."""

    order_no: str | None
    on: str

    def apply(self, aggregate: AcademicYear) -> None:
        aggregate.closed = {"order_no": self.order_no, "on": self.on}


class YearPromoted(YearEvent):
    """The pupils of the closed year are promoted into ``next_year_id`` by an order
    (приказ о переводе); the pupils' own streams say each one's outcome."""

    next_year_id: str
    order_no: str
    order_date: str
    counts: dict[str, int]

    def apply(self, aggregate: AcademicYear) -> None:
        aggregate.promoted = {
            "next_year_id": self.next_year_id,
            "order_no": self.order_no,
            "order_date": self.order_date,
        }


class AcademicYear(SchoolAggregate):
    def __init__(
        self,
        name: str,
        starts_on: str,
        ends_on: str,
        periods: list[dict[str, str]],
        holidays: list[dict[str, str]],
    ) -> None:
        self.name = name
        self.starts_on = date.fromisoformat(starts_on)
        self.ends_on = date.fromisoformat(ends_on)
        self.periods = [dict(p) for p in periods]
        self.holidays = [dict(h) for h in holidays]
        self.closed: dict[str, str | None] | None = None
        self.promoted: dict[str, str] | None = None

    def closed_reason(self) -> str | None:
        """Why nothing of the year may change any more, or None while it is open."""
        closed = getattr(self, "closed", None)
        if closed is None:
            return None
        order = closed["order_no"]
        by = f"order {order} of {closed['on']}" if order else f"on {closed['on']}"
        return f"the academic year {self.name} is closed ({by})"

    def close(self, meta: Meta, *, order_no: str | None, on: date) -> None:
        """Close the year (the blocking list is checked by the caller, over the
        views: every pupil has an annual mark or a recorded reason)."""
        if self.closed_reason() is not None:
            raise Conflict(f"the academic year {self.name} is already closed")
        if on < self.starts_on:
            raise Invalid(
                f"the year cannot be closed before it starts ({self.starts_on})",
                field="on",
            )
        self._trigger(YearClosed, meta, order_no=order_no, on=on.isoformat())

    def record_promotion(
        self,
        meta: Meta,
        *,
        next_year: AcademicYear,
        order_no: str,
        order_date: date,
        counts: dict[str, int],
    ) -> None:
        if self.closed_reason() is None:
            raise Conflict(
                f"close the academic year {self.name} before promoting its pupils"
            )
        if getattr(self, "promoted", None) is not None:
            raise Conflict(f"the pupils of {self.name} have already been promoted")
        if next_year.id == self.id or next_year.starts_on <= self.ends_on:
            raise Invalid(
                "the next year must start after this one ends", field="next_year_id"
            )
        if next_year.closed_reason() is not None:
            raise Conflict(next_year.closed_reason() or "", field="next_year_id")
        self._trigger(
            YearPromoted,
            meta,
            next_year_id=str(next_year.id),
            order_no=order_no,
            order_date=order_date.isoformat(),
            counts=counts,
        )

    def contains(self, day: date) -> bool:
        return self.starts_on <= day <= self.ends_on

    def holiday_on(self, day: date) -> str | None:
        iso = day.isoformat()
        for holiday in self.holidays:
            if holiday["starts_on"] <= iso <= holiday["ends_on"]:
                return holiday["name"]
        return None

    def period(self, period_id: str) -> dict[str, str] | None:
        return next((p for p in self.periods if p["id"] == period_id), None)

    def period_of(self, day: date) -> dict[str, str] | None:
        iso = day.isoformat()
        return next(
            (p for p in self.periods if p["starts_on"] <= iso <= p["ends_on"]), None
        )

    def check_teaching_day(self, day: date, field: str = "date") -> None:
        """Lessons are scheduled only inside the year and outside holidays."""
        if not self.contains(day):
            raise Invalid(
                f"{day.isoformat()} is outside the academic year {self.name} "
                f"({self.starts_on.isoformat()}..{self.ends_on.isoformat()})",
                field=field,
            )
        holiday = self.holiday_on(day)
        if holiday is not None:
            raise Invalid(
                f"{day.isoformat()} falls in the holiday {holiday!r}", field=field
            )


def _check_span(item: dict[str, Any], where: str) -> tuple[date, date]:
    starts, ends = item["starts_on"], item["ends_on"]
    if ends < starts:
        raise Invalid(
            f"{where}: ends_on {ends} is before starts_on {starts}", field=where
        )
    return date.fromisoformat(starts), date.fromisoformat(ends)


def open_year(
    meta: Meta,
    *,
    name: str,
    starts_on: date,
    ends_on: date,
    periods: list[dict[str, Any]],
    holidays: list[dict[str, Any]],
    period_ids: list[str],
    year_id: str | None = None,
) -> AcademicYear:
    """Decide to open a year: periods ordered, inside the year and not overlapping;
    holidays inside the year. ``year_id``: an explicit id (a reproducible generated
    school), else a new one."""
    if ends_on <= starts_on:
        raise Invalid("ends_on must be after starts_on", field="ends_on")
    if not periods:
        raise Invalid("a year needs at least one period", field="periods")
    stored_periods: list[dict[str, str]] = []
    previous_end: date | None = None
    for i, (period, pid) in enumerate(zip(periods, period_ids, strict=True)):
        where = f"periods[{i}]"
        p_start, p_end = _check_span(
            {
                "starts_on": period["starts_on"].isoformat(),
                "ends_on": period["ends_on"].isoformat(),
            },
            where,
        )
        if p_start < starts_on or p_end > ends_on:
            raise Invalid(f"{where} lies outside the year", field=where)
        if previous_end is not None and p_start <= previous_end:
            raise Invalid(
                f"{where} overlaps or precedes the period before it", field=where
            )
        previous_end = p_end
        stored_periods.append(
            {
                "id": pid,
                "name": period["name"],
                "starts_on": p_start.isoformat(),
                "ends_on": p_end.isoformat(),
            }
        )
    stored_holidays: list[dict[str, str]] = []
    for i, holiday in enumerate(holidays):
        where = f"holidays[{i}]"
        h_start, h_end = _check_span(
            {
                "starts_on": holiday["starts_on"].isoformat(),
                "ends_on": holiday["ends_on"].isoformat(),
            },
            where,
        )
        if h_start < starts_on or h_end > ends_on:
            raise Invalid(f"{where} lies outside the year", field=where)
        stored_holidays.append(
            {
                "name": holiday["name"],
                "starts_on": h_start.isoformat(),
                "ends_on": h_end.isoformat(),
            }
        )
    return AcademicYear._create(
        YearOpened,
        id=UUID(year_id) if year_id else None,
        **meta_fields(meta),
        name=name,
        starts_on=starts_on.isoformat(),
        ends_on=ends_on.isoformat(),
        periods=stored_periods,
        holidays=stored_holidays,
    )
