"""The dates and moments a client may send: one range for every date and date-time
field of a command body and every date or date-time query parameter.

A school journal has no use for year 1 or year 9999, and Python's date arithmetic
overflows near them (a UTC conversion, a day added for an end-exclusive bound, a
fixed-width index key). So the edges are refused where input enters, with a 422 that
names the field, instead of failing deep inside a read:

- dates from 1900-01-01 to 2199-12-31;
- moments with a UTC offset, in whole minutes, of at most ±14:00 (the widest a
  real time zone uses, Kiribati's +14:00), that fall in the same years once in UTC.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated, Any

from pydantic import AfterValidator

EARLIEST = date(1900, 1, 1)
LATEST = date(2199, 12, 31)
MAX_OFFSET = timedelta(hours=14)
RANGE = f"{EARLIEST.isoformat()}..{LATEST.isoformat()}"


def check_day(value: date) -> date:
    """A date inside the range, else ValueError (pydantic's 422 with the field)."""
    if not EARLIEST <= value <= LATEST:
        raise ValueError(f"a date must lie in {RANGE}, not {value.isoformat()}")
    return value


def check_moment(value: datetime) -> datetime:
    """A moment with a real UTC offset inside the range, else ValueError."""
    offset = value.utcoffset()
    if offset is None:
        raise ValueError(
            "a timestamp needs a UTC offset, e.g. 2026-11-22T08:15:00+03:00"
        )
    if abs(offset) > MAX_OFFSET or offset % timedelta(minutes=1):
        raise ValueError(
            "a UTC offset must be whole minutes between -14:00 and +14:00"
        )
    # Checked on the local date, strictly inside the range: the conversion to UTC
    # (which overflows at year 1 with +14:00) then always stays representable.
    if not EARLIEST < value.date() < LATEST:
        raise ValueError(f"a timestamp must lie strictly inside {RANGE}")
    return value


def check_value(value: Any) -> Any:
    """Any date or moment inside a field's value (lists and dicts too)."""
    if isinstance(value, datetime):
        return check_moment(value)
    if isinstance(value, date):
        return check_day(value)
    if isinstance(value, list):
        return [check_value(v) for v in value]
    if isinstance(value, dict):
        return {k: check_value(v) for k, v in value.items()}
    return value


Day = Annotated[date, AfterValidator(check_day)]
Moment = Annotated[datetime, AfterValidator(check_moment)]
