"""Academic year (учебный год): its periods (четверти) and holidays (каникулы)."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from ejournal.domain.base import Meta, SchoolAggregate, SchoolEvent, meta_fields
from ejournal.domain.errors import Invalid


class YearEvent(SchoolEvent):
    stream_kind = "year"


class YearOpened(YearEvent, SchoolAggregate.Created):
    name: str
    starts_on: str
    ends_on: str
    periods: list[dict[str, str]]
    holidays: list[dict[str, str]]


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
