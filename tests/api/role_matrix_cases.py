"""The role matrix's table: every role or relation against every command and query
of API.md (and the extra routes), one cell per generated case of
tests/api/test_role_matrix.py.

Expectations come from API.md's "who" columns and DOMAIN.md "Roles and what they
may do": the course's teacher writes its lessons, period and final marks and its
plan; a lesson's recorded substitute writes that lesson (not the course's period
marks); the class teacher reads the class and keeps its groups and guardians;
the director decides corrections; the auditor reads and writes nothing; a parent
reads and acknowledges only their own child's diary (someone else's is 404, as if
it did not exist); a pupil reads only their own diary.
"""

from __future__ import annotations

# fmt: off
ROWS = (
    "teacher", "substitute", "sub_elsewhere", "other_teacher", "class_teacher",
    "deputy", "director", "admin", "secretary", "auditor", "guardian",
    "other_parent", "student",
)
# Legend: A allowed (2xx), 3 -> 403, 4 -> 404, . no such cell.
# "sub_elsewhere" is the substitute writing a lesson of the same course where they
# are not the recorded substitute (school.lesson_ids[0]).
COMMAND_COLUMNS = {
    "ca": "create-account", "rp": "reset-password", "oy": "open-academic-year",
    "cc": "create-class", "es": "enroll-student", "ts": "transfer-student",
    "ws": "withdraw-student", "lg": "link-guardian", "rc": "record-consent",
    "cg": "create-group", "cr": "create-course", "sl": "schedule-lessons",
    "pt": "add-plan-topics",
    "tp": "set-lesson-topic", "hw": "assign-homework", "at": "record-attendance",
    "mk": "record-mark", "mu": "record-makeup", "cm": "add-comment",
    "sb": "record-substitution", "co": "correct-mark", "rq": "request-correction",
    "ap": "approve-correction", "rj": "reject-correction", "pm": "set-period-mark",
    "dp": "defer-period-mark", "fm": "set-final-mark",
    "ad": "acknowledge-diary",
    "ic": "report-compromise", "ex": "execute-invalidation", "ri": "reinstate-event",
    "us": "update-school-settings",
}
COMMAND_GRID = """
              ca rp oy cc es ts ws lg rc cg cr sl pt tp hw at mk mu cm sb co rq ap rj pm dp fm ad ic ex ri us
teacher       3  3  3  3  3  3  3  3  3  3  3  3  A  A  A  A  A  A  A  A  A  A  3  3  A  A  A  3  3  3  3  3
substitute    3  3  3  3  3  3  3  3  3  3  3  3  3  A  A  A  A  A  A  A  A  A  3  3  3  3  3  3  3  3  3  3
sub_elsewhere .  .  .  .  .  .  .  .  .  .  .  .  .  3  3  3  3  .  3  3  .  .  .  .  .  .  .  .  .  .  .  .
other_teacher 3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3
class_teacher 3  3  3  3  3  3  3  A  3  A  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3
deputy        3  3  A  A  3  3  3  3  3  A  A  A  A  3  3  3  3  3  3  A  3  3  3  3  3  3  3  3  3  3  3  3
director      3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  A  A  3  3  3  3  3  3  3  3
admin         A  A  A  A  A  A  A  A  A  A  A  A  3  3  3  3  3  3  3  A  3  3  3  3  3  3  3  3  A  A  A  A
secretary     3  3  3  3  A  A  A  A  A  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3
auditor       3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3
guardian      3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  A  3  3  3  3
other_parent  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  4  3  3  3  3
student       3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3
"""  # noqa: E501
# cj course journal, kj class journal, dy diary of the guardian's and pupil's own
# child, od another pupil's diary, sm summary sheet, ct control report, cp
# compliance report, ip incident preview, ae audit events, mh a mark's history,
# lr ledger, he health, li login, me auth/me, lo logout; extra routes: mc
# /me/courses, ms /me/students, cq /corrections, ss /school/settings; lists: ly
# /years, lk /classes, lg /groups, lc /courses, ls /students, lu /guardians (a
# teacher: those of their own classes, maybe none), la /accounts; pk
# /students/{id}/marks and tt /students/{id}/timetable (as the diary), ak
# /classes/{id}/acknowledgements (as the class journal).
QUERY_COLUMNS = {
    "cj": "course-journal", "kj": "class-journal", "dy": "diary",
    "od": "other-diary", "sm": "summary", "ct": "control", "cp": "compliance",
    "ip": "incident-preview", "ae": "audit-events", "mh": "mark-history",
    "lr": "ledger", "he": "health", "li": "login", "me": "me", "lo": "logout",
    "mc": "my-courses", "ms": "my-students", "cq": "corrections",
    "ss": "school-settings",
    "ly": "list-years", "lk": "list-classes", "lg": "list-groups",
    "lc": "list-courses", "ls": "list-students", "lu": "list-guardians",
    "la": "list-accounts",
    "pk": "pupil-marks", "tt": "pupil-timetable", "ak": "acknowledgements",
}
QUERY_GRID = """
              cj kj dy od sm ct cp ip ae mh lr he li me lo mc ms cq ss ly lk lg lc ls lu la pk tt ak
teacher       A  3  A  A  3  3  3  3  3  3  3  A  A  A  A  A  A  A  A  A  A  A  A  A  A  3  A  A  3
substitute    3  3  3  3  3  3  3  3  3  3  3  A  A  A  A  A  A  A  A  A  A  A  A  A  A  3  3  3  3
sub_elsewhere .  .  .  .  .  .  .  .  .  .  .  .  .  .  .  .  .  .  .  .  .  .  .  .  .  .  .  .  .
other_teacher 3  3  3  3  3  3  3  3  3  3  3  A  A  A  A  A  A  A  A  A  A  A  A  A  A  3  3  3  3
class_teacher A  A  A  A  A  3  3  3  3  3  3  A  A  A  A  A  A  A  A  A  A  A  A  A  A  3  A  A  A
deputy        A  A  A  A  A  A  A  3  3  3  3  A  A  A  A  A  A  A  A  A  A  A  A  A  A  3  A  A  A
director      A  A  A  A  A  A  A  3  3  A  3  A  A  A  A  A  A  A  A  A  A  A  A  A  A  3  A  A  A
admin         A  A  A  A  A  A  A  A  A  A  A  A  A  A  A  A  A  A  A  A  A  A  A  A  A  A  A  A  A
secretary     3  3  A  A  3  3  3  3  3  3  3  A  A  A  A  A  A  A  A  A  A  A  A  A  A  A  A  A  3
auditor       A  A  A  A  A  3  3  A  A  A  A  A  A  A  A  A  A  A  A  A  A  A  A  A  A  A  A  A  A
guardian      3  3  A  4  3  3  3  3  3  3  3  A  A  A  A  A  A  A  A  3  3  3  3  3  3  3  A  A  3
other_parent  3  3  4  4  3  3  3  3  3  3  3  A  A  A  A  A  A  A  A  3  3  3  3  3  3  3  4  4  3
student       3  3  A  4  3  3  3  3  3  3  3  A  A  A  A  A  A  A  A  3  3  3  3  3  3  3  A  A  3
"""  # noqa: E501
OUTCOMES = {"A": "allowed", "3": "403", "4": "404"}
# fmt: on


def parse(grid: str, columns: dict[str, str]) -> list[tuple[str, str, str]]:
    head, *rows = [line.split() for line in grid.strip().splitlines()]
    assert head == list(columns)
    assert [r[0] for r in rows] == list(ROWS)
    cells = []
    for role, *marks in rows:
        assert len(marks) == len(head), role
        for column, mark in zip(head, marks, strict=True):
            if mark != ".":
                cells.append((role, columns[column], OUTCOMES[mark]))
    return cells


# Further areas (the year's administration, its close, notifications): each a grid
# of its own, with the same rows and legend, of commands and queries together.
# (columns, grid) pairs; a column's route is a command when BODIES has it.
AREAS: list[tuple[dict[str, str], str]] = []

# fmt: off
# lv POST /audit/ledger/verify: start the ledger's full check (as /audit/ledger).
TRUST_COLUMNS = {"lv": "ledger-check"}
TRUST_GRID = """
              lv
teacher       3
substitute    3
sub_elsewhere .
other_teacher 3
class_teacher 3
deputy        3
director      3
admin         A
secretary     3
auditor       A
guardian      3
other_parent  3
student       3
"""
# fmt: on
AREAS.append((TRUST_COLUMNS, TRUST_GRID))

# fmt: off
# Editing people and accounts: et edit-student, ea edit-account (the secretary:
# a parent's account, as the body names), ck change-class-teacher, gr grant-role,
# rr revoke-role, da deactivate-account, ra reactivate-account.
EDITING_COLUMNS = {
    "et": "edit-student", "ea": "edit-account", "ck": "change-class-teacher",
    "gr": "grant-role", "rr": "revoke-role", "da": "deactivate-account",
    "ra": "reactivate-account",
}
EDITING_GRID = """
              et ea ck gr rr da ra
teacher       3  3  3  3  3  3  3
substitute    3  3  3  3  3  3  3
sub_elsewhere .  .  .  .  .  .  .
other_teacher 3  3  3  3  3  3  3
class_teacher 3  3  3  3  3  3  3
deputy        3  3  A  3  3  3  3
director      3  3  3  3  3  3  3
admin         A  A  A  A  A  A  A
secretary     A  A  3  3  3  3  3
auditor       3  3  3  3  3  3  3
guardian      3  3  3  3  3  3  3
other_parent  3  3  3  3  3  3  3
student       3  3  3  3  3  3  3
"""
# fmt: on
AREAS.append((EDITING_COLUMNS, EDITING_GRID))

# The year's close (docs/year-close.md): cy close-academic-year, ps
# promote-students (the director's order; the administrator closes the year too,
# DOMAIN.md), cd clear-academic-debt (director, deputy); yc
# /years/{id}/close-check and yd /years/{id}/debts (those who run or prepare the
# close, and the auditor, who reads everything).
# fmt: off
YEAR_COLUMNS = {
    "cy": "close-academic-year", "ps": "promote-students",
    "cd": "clear-academic-debt", "yc": "year-close-check", "yd": "year-debts",
}
YEAR_GRID = """
              cy ps cd yc yd
teacher       3  3  3  3  3
substitute    3  3  3  3  3
sub_elsewhere .  .  .  .  .
other_teacher 3  3  3  3  3
class_teacher 3  3  3  3  3
deputy        3  3  A  A  A
director      A  A  A  A  A
admin         A  A  3  A  A
secretary     3  3  3  3  3
auditor       3  3  3  A  A
guardian      3  3  3  3  3
other_parent  3  3  3  3  3
student       3  3  3  3  3
"""
# fmt: on
AREAS.append((YEAR_COLUMNS, YEAR_GRID))

# fmt: off
# Groups, plan and timetable changes: the class teacher keeps the class's groups
# (as create-group); the course's teacher and a deputy plan (as add-plan-topics);
# the deputy and an admin keep the timetable (as schedule-lessons).
LESSONS_COLUMNS = {
    "gm": "change-group-membership", "ep": "edit-plan-topic",
    "ro": "reorder-plan-topics", "xl": "cancel-lesson", "ml": "move-lesson",
}
LESSONS_GRID = """
              gm ep ro xl ml
teacher       3  A  A  3  3
substitute    3  3  3  3  3
sub_elsewhere .  .  .  .  .
other_teacher 3  3  3  3  3
class_teacher A  3  3  3  3
deputy        A  A  A  A  A
director      3  3  3  3  3
admin         A  3  3  A  A
secretary     3  3  3  3  3
auditor       3  3  3  3  3
guardian      3  3  3  3  3
other_parent  3  3  3  3  3
student       3  3  3  3  3
"""
# fmt: on
AREAS.append((LESSONS_COLUMNS, LESSONS_GRID))

# Notifications (docs/notifications.md): sn set-notifications, gn GET
# /students/{id}/notifications, both a guardian's own, for their own child (another
# family's pupil is 404); every other role 403.
NOTIFY_COLUMNS = {"sn": "set-notifications", "gn": "notification-choice"}
NOTIFY_GRID = """
              sn gn
teacher       3  3
substitute    3  3
sub_elsewhere .  .
other_teacher 3  3
class_teacher 3  3
deputy        3  3
director      3  3
admin         3  3
secretary     3  3
auditor       3  3
guardian      A  A
other_parent  4  4
student       3  3
"""
AREAS.append((NOTIFY_COLUMNS, NOTIFY_GRID))

CELLS = parse(COMMAND_GRID, COMMAND_COLUMNS) + parse(QUERY_GRID, QUERY_COLUMNS)
for _columns, _grid in AREAS:
    CELLS += parse(_grid, _columns)
ROUTES = {
    *COMMAND_COLUMNS.values(),
    *QUERY_COLUMNS.values(),
    *(route for columns, _ in AREAS for route in columns.values()),
}
