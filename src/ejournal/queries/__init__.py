"""Read models by the page or report they serve: one module each, holding who may
read it, which views answer (current, or ``as_of`` a moment) and the assembly.

The API routes (and the web pages and documents) call these and nothing below
them. The names most callers want are re-exported here.
"""

from ejournal.queries.accounts import accounts, display_names
from ejournal.queries.acknowledgements import class_acknowledgements
from ejournal.queries.class_journal import class_journal
from ejournal.queries.classes import school_classes
from ejournal.queries.compliance_report import compliance
from ejournal.queries.control_report import control
from ejournal.queries.corrections import corrections
from ejournal.queries.course_journal import course_journal
from ejournal.queries.diary import diary
from ejournal.queries.diary_week import diary_week
from ejournal.queries.events import audit_events
from ejournal.queries.incident_preview import incident_preview
from ejournal.queries.incidents import incident_story, incidents
from ejournal.queries.journal_cell import (
    journal_cell,
    lesson_entry,
    mark_history_named,
)
from ejournal.queries.journal_grid import journal_grid, lesson_sheet
from ejournal.queries.ledger import ledger_status, start_ledger_check
from ejournal.queries.listing import (
    list_accounts,
    list_classes,
    list_courses,
    list_groups,
    list_guardians,
    list_students,
    list_years,
)
from ejournal.queries.mark_history import mark_history
from ejournal.queries.mine import my_children, my_courses
from ejournal.queries.my_lessons import my_lessons
from ejournal.queries.pupil_marks import pupil_marks
from ejournal.queries.pupil_schedule import pupil_timetable
from ejournal.queries.settings import school_settings
from ejournal.queries.summary_sheet import summary

__all__ = [
    "accounts",
    "audit_events",
    "class_acknowledgements",
    "class_journal",
    "compliance",
    "control",
    "corrections",
    "course_journal",
    "diary",
    "diary_week",
    "display_names",
    "incident_preview",
    "incident_story",
    "incidents",
    "journal_cell",
    "journal_grid",
    "ledger_status",
    "lesson_entry",
    "lesson_sheet",
    "list_accounts",
    "list_classes",
    "list_courses",
    "list_groups",
    "list_guardians",
    "list_students",
    "list_years",
    "mark_history",
    "mark_history_named",
    "my_children",
    "my_courses",
    "my_lessons",
    "pupil_marks",
    "pupil_timetable",
    "school_classes",
    "school_settings",
    "start_ledger_check",
    "summary",
]
