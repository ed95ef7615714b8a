"""The command catalogue: one module per area the commands act on.

Importing the package registers every command in ``COMMANDS``, in the order a
school's year runs: accounts, the year, classes and roster, courses and the
timetable, lesson entries, marks and their corrections, the diary, incidents,
settings.
"""

from __future__ import annotations

from ejournal.commands.base import (
    COMMANDS,
    Body,
    CommandSpec,
    Context,
    Outcome,
    command,
)

# isort: off
from ejournal.commands import accounts, school_year, roster, courses
from ejournal.commands import groups, plan, timetable
from ejournal.commands import lesson_entries, marks, corrections, diary
from ejournal.commands import incidents, settings
from ejournal.commands import editing, account_admin
from ejournal.commands import year_close
from ejournal.commands import notifications

# isort: on

__all__ = [
    "COMMANDS",
    "Body",
    "CommandSpec",
    "Context",
    "Outcome",
    "account_admin",
    "accounts",
    "command",
    "corrections",
    "courses",
    "diary",
    "editing",
    "groups",
    "incidents",
    "lesson_entries",
    "marks",
    "notifications",
    "plan",
    "roster",
    "school_year",
    "settings",
    "timetable",
    "year_close",
]
