"""The academic year: its periods (четверти) and holidays."""

from __future__ import annotations

from datetime import date

from pydantic import Field

from ejournal.commands.base import Body, Context, Name, Outcome, command
from ejournal.domain.base import new_id
from ejournal.domain.errors import Conflict
from ejournal.domain.year import open_year


class Span(Body):
    name: Name
    starts_on: date
    ends_on: date


class OpenAcademicYear(Body):
    name: Name
    starts_on: date
    ends_on: date
    periods: list[Span] = Field(min_length=1, max_length=12)
    holidays: list[Span] = Field(default_factory=list, max_length=30)


@command(
    "open-academic-year",
    OpenAcademicYear,
    roles={"admin", "deputy"},
    summary="Open an academic year with its periods and holidays",
)
def open_academic_year(ctx: Context, cmd: OpenAcademicYear) -> Outcome:
    for existing in ctx.views.all_of_kind("year"):
        if existing["name"] == cmd.name:
            raise Conflict(f"a year named {cmd.name!r} exists", field="name")
    period_ids = [new_id() for _ in cmd.periods]
    year = open_year(
        ctx.meta,
        name=cmd.name,
        starts_on=cmd.starts_on,
        ends_on=cmd.ends_on,
        periods=[p.model_dump() for p in cmd.periods],
        holidays=[h.model_dump() for h in cmd.holidays],
        period_ids=period_ids,
    )
    return Outcome([year], {"year_id": str(year.id), "period_ids": period_ids})
