"""The school's settings: time zone, entry deadlines, weights, minimum marks (an
administrator changes them; DOMAIN.md gives the defaults)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from ejournal.commands.base import Body, Context, Outcome, command
from ejournal.domain.settings import (
    SETTINGS_ID,
    SchoolSettings,
    change_settings,
    settings_dict,
)

WorkType = Literal[
    "oral", "classwork", "homework", "test", "control", "written", "lab", "practical"
]
SmallInt = Annotated[int, Field(strict=True)]


class UpdateSchoolSettings(Body):
    time_zone: str | None = Field(default=None, max_length=64)
    homework_delay_minutes: SmallInt | None = None
    homework_rule: Literal["after_last_lesson", "end_of_day"] | None = None
    weights: dict[WorkType, SmallInt] | None = None
    mark_due_days: dict[WorkType, SmallInt] | None = None
    min_marks_one_hour: SmallInt | None = None
    min_marks_more_hours: SmallInt | None = None
    early_marks: list[tuple[SmallInt, SmallInt]] | None = Field(
        default=None, max_length=10
    )
    guardian_login_days: SmallInt | None = None


@command(
    "update-school-settings",
    UpdateSchoolSettings,
    roles={"admin"},
    summary="Change the school's settings: time zone, deadlines, weights, minimum "
    "marks",
)
def update_school_settings(ctx: Context, cmd: UpdateSchoolSettings) -> Outcome:
    changes = cmd.model_dump(exclude_none=True)
    if "early_marks" in changes:
        changes["early_marks"] = [list(pair) for pair in changes["early_marks"]]
    current = ctx.app.find(SETTINGS_ID, SchoolSettings)
    settings = change_settings(ctx.meta, current, changes)
    return Outcome([settings], {"settings": settings_dict(settings.rules)})
