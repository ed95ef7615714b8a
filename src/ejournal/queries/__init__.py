"""Read models by the page or report they serve: one module each, holding who may
read it, which views answer (current, or ``as_of`` a moment) and the assembly.

The API routes (and the web pages and documents) call these and nothing below
them. The names most callers want are re-exported here.
"""

from ejournal.queries.class_journal import class_journal
from ejournal.queries.compliance_report import compliance
from ejournal.queries.control_report import control
from ejournal.queries.corrections import corrections
from ejournal.queries.course_journal import course_journal
from ejournal.queries.diary import diary
from ejournal.queries.events import audit_events
from ejournal.queries.incident_preview import incident_preview
from ejournal.queries.ledger import ledger_status
from ejournal.queries.mark_history import mark_history
from ejournal.queries.mine import my_children, my_courses
from ejournal.queries.settings import school_settings
from ejournal.queries.summary_sheet import summary

__all__ = [
    "audit_events",
    "class_journal",
    "compliance",
    "control",
    "corrections",
    "course_journal",
    "diary",
    "incident_preview",
    "ledger_status",
    "mark_history",
    "my_children",
    "my_courses",
    "school_settings",
    "summary",
]
