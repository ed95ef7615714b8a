"""The school's settings (настройки школы): time zone, deadlines, weights, minimum
marks. One stream with a fixed, well-known id; ``SchoolRules`` are built from it.

DOMAIN.md gives the defaults. Where the seeds disagree (homework: S1 "1.5 hours
after the class's last lesson", S4 "the same day") the other reading is a setting.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, replace
from functools import cache
from typing import Any
from zoneinfo import available_timezones

from ejournal.domain.base import Meta, SchoolAggregate, SchoolEvent, meta_fields
from ejournal.domain.errors import Conflict, Invalid
from ejournal.domain.rules import DEFAULT_RULES, WORK_TYPES, SchoolRules

SETTINGS_ID = str(uuid.UUID("e5c1a8f0-7d1b-4f5e-9c3a-2b6d0f4e8a17"))
"""The one settings stream of a school."""

HOMEWORK_RULES = ("after_last_lesson", "end_of_day")
SETTING_NAMES = (
    "time_zone",
    "homework_delay_minutes",
    "homework_rule",
    "weights",
    "mark_due_days",
    "min_marks_one_hour",
    "min_marks_more_hours",
    "early_marks",
    "guardian_login_days",
)


class SettingsEvent(SchoolEvent):
    stream_kind = "settings"


class SchoolSettingsCreated(SettingsEvent, SchoolAggregate.Created):
    """The first change of the defaults creates the stream."""


class SchoolSettingsChanged(SettingsEvent):
    """Some settings took new values (only the changed ones are listed)."""

    changes: dict[str, Any]

    def apply(self, aggregate: SchoolSettings) -> None:
        aggregate.values.update(self.changes)


class SchoolSettings(SchoolAggregate):
    def __init__(self) -> None:
        self.values: dict[str, Any] = {}

    @property
    def rules(self) -> SchoolRules:
        return rules_from(self.values)

    def change(self, meta: Meta, changes: dict[str, Any]) -> None:
        checked = check_changes(changes)
        current = settings_dict(self.rules)
        effective = {k: v for k, v in checked.items() if current.get(k) != v}
        if not effective:
            raise Conflict("the settings already have these values")
        self._trigger(SchoolSettingsChanged, meta, changes=effective)


def settings_dict(rules: SchoolRules) -> dict[str, Any]:
    """The settings as JSON-native values."""
    out = asdict(rules)
    out["early_marks"] = [list(pair) for pair in rules.early_marks]
    return {k: out[k] for k in SETTING_NAMES}


def rules_from(
    values: dict[str, Any] | None, base: SchoolRules = DEFAULT_RULES
) -> SchoolRules:
    """Rules with the stored values over ``base`` (the defaults)."""
    if not values:
        return base
    known = {k: v for k, v in values.items() if k in SETTING_NAMES}
    if "weights" in known:
        known["weights"] = {**base.weights, **known["weights"]}
    if "mark_due_days" in known:
        known["mark_due_days"] = {**base.mark_due_days, **known["mark_due_days"]}
    if "early_marks" in known:
        known["early_marks"] = tuple(
            (int(week), int(count)) for week, count in known["early_marks"]
        )
    return replace(base, **known)


@cache
def _time_zones() -> frozenset[str]:
    """IANA names only: a directory or a stray file of the tz database is not a
    time zone."""
    return frozenset(available_timezones())


def _int_in(name: str, value: Any, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise Invalid(f"{name} must be a whole number from {lo} to {hi}", field=name)
    return value


def _per_work_type(name: str, value: Any, lo: int, hi: int) -> dict[str, int]:
    if not isinstance(value, dict) or not value:
        raise Invalid(f"{name} must map work types to numbers", field=name)
    out = {}
    for work_type, number in value.items():
        if work_type not in WORK_TYPES:
            raise Invalid(
                f"unknown work type {work_type!r}", field=f"{name}.{work_type}"
            )
        out[work_type] = _int_in(f"{name}.{work_type}", number, lo, hi)
    return out


def check_changes(changes: dict[str, Any]) -> dict[str, Any]:
    """Validate new setting values; returns them normalised."""
    out: dict[str, Any] = {}
    for name, value in changes.items():
        if name == "time_zone":
            if not isinstance(value, str) or value not in _time_zones():
                raise Invalid(f"unknown time zone {value!r}", field=name)
            out[name] = value
        elif name == "homework_delay_minutes":
            out[name] = _int_in(name, value, 0, 24 * 60)
        elif name == "homework_rule":
            if value not in HOMEWORK_RULES:
                raise Invalid(
                    f"homework_rule is one of {', '.join(HOMEWORK_RULES)}", field=name
                )
            out[name] = value
        elif name == "weights":
            out[name] = _per_work_type(name, value, 1, 10)
        elif name == "mark_due_days":
            out[name] = _per_work_type(name, value, 0, 30)
        elif name in ("min_marks_one_hour", "min_marks_more_hours"):
            out[name] = _int_in(name, value, 0, 50)
        elif name == "guardian_login_days":
            out[name] = _int_in(name, value, 1, 90)
        elif name == "early_marks":
            out[name] = _early_marks(value)
        else:
            raise Invalid(f"no setting named {name!r}", field=name)
    if not out:
        raise Invalid("name at least one setting to change", field="")
    return out


def _early_marks(value: Any) -> list[list[int]]:
    if not isinstance(value, list) or len(value) > 10:
        raise Invalid("early_marks is a list of [week, marks]", field="early_marks")
    pairs = []
    for i, pair in enumerate(value):
        if not isinstance(pair, list | tuple) or len(pair) != 2:
            raise Invalid("each entry is [week, marks]", field=f"early_marks[{i}]")
        pairs.append(
            [
                _int_in(f"early_marks[{i}][0]", pair[0], 1, 20),
                _int_in(f"early_marks[{i}][1]", pair[1], 0, 50),
            ]
        )
    return sorted(pairs)


def change_settings(
    meta: Meta, current: SchoolSettings | None, changes: dict[str, Any]
) -> SchoolSettings:
    """Decide a change of settings; the first change creates the stream."""
    if current is None:
        current = SchoolSettings._create(
            SchoolSettingsCreated, id=uuid.UUID(SETTINGS_ID), **meta_fields(meta)
        )
    current.change(meta, changes)
    return current
