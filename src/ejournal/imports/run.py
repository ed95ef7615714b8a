"""Running an import: read the file, plan every row against the current views,
and only if no row has a problem (and this is not a dry run) save every event
of the file in one transaction, as one command.

Atomic: the planners build the aggregates with the domain's own functions (as
the commands do, and as ``ejournal.generate`` writes a school in bulk) and keep
them in memory; the events of the whole file go to the store in one ``save()``
(one transaction, through the group writer when it runs). A stream changed by
someone else meanwhile fails that save as a whole (a version conflict): the
file is planned again on the new state."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ejournal.domain.base import Meta, new_id
from ejournal.domain.errors import Conflict, DomainError, Forbidden, Invalid
from ejournal.imports.files import BadFile, read_table
from ejournal.imports.layouts import LAYOUTS, map_header, records
from ejournal.imports.plan import Planner, find_year
from ejournal.imports.pupils import PupilsPlanner
from ejournal.imports.staff import StaffPlanner
from ejournal.imports.timetable import TimetablePlanner
from ejournal.security import Actor
from ejournal.store import IdempotencyRecord, IntegrityError

if TYPE_CHECKING:
    from ejournal.service import Service

KINDS: dict[str, tuple[type[Planner], frozenset[str]]] = {
    "pupils": (PupilsPlanner, frozenset({"secretary", "admin"})),
    "staff": (StaffPlanner, frozenset({"admin"})),
    "timetable": (TimetablePlanner, frozenset({"deputy", "admin"})),
}
COMMAND_NAMES = {
    "pupils": "import-pupils",
    "staff": "import-staff",
    "timetable": "import-timetable",
}
ATTEMPTS = 3
VIEWS_TIMEOUT = 120.0  # seconds for the views to take in a large import


class BadImportFile(Invalid):
    """422: the file is not a table of this layout at all."""

    title = "Invalid import file"

    def __init__(self, detail: str) -> None:
        super().__init__(detail, field="file")
        self.errors = [{"field": "file", "message": detail}]


@dataclass
class ImportResult:
    kind: str
    dry_run: bool
    rows: int = 0
    created: dict[str, int] = field(default_factory=dict)
    unchanged: int = 0
    problems: list[dict[str, Any]] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    events: int = 0
    position: int | None = None
    command_id: str | None = None
    format: str = ""

    @property
    def new(self) -> int:
        return sum(self.created.values())

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "dry_run": self.dry_run,
            "rows": self.rows,
            "created": self.created,
            "unchanged": self.unchanged,
            "problems": self.problems,
            "ignored_columns": self.ignored_columns,
            "events": self.events,
            "position": self.position,
            "command_id": self.command_id,
            "format": self.format,
        }


def check_role(actor: Actor, kind: str) -> None:
    if kind not in KINDS:
        msg = f"unknown import {kind!r}: pupils, staff or timetable"
        raise Invalid(msg, field="kind")
    roles = KINDS[kind][1]
    if not actor.roles & roles:
        msg = f"importing {kind} needs one of the roles: {', '.join(sorted(roles))}"
        raise Forbidden(msg)


def run_import(
    service: Service,
    actor: Actor,
    kind: str,
    data: bytes,
    *,
    filename: str | None = None,
    year: str | None = None,
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> ImportResult:
    """Import ``data`` (CSV or XLSX) of layout ``kind``; see docs/import.md."""
    check_role(actor, kind)
    try:
        table = read_table(data, filename)
        mapped = map_header(kind, table)
    except BadFile as exc:
        raise BadImportFile(str(exc)) from None
    rows = records(table, mapped)
    planner_cls = KINDS[kind][0]
    defaults = {c.key: c.title for c in LAYOUTS[kind]}
    digest = hashlib.sha256(kind.encode() + b"\0" + data).hexdigest()
    for _ in range(ATTEMPTS):
        # Matching what exists needs the views of the whole log, not only of
        # this caller's writes.
        service.runner.wait_for(
            service.app.recorder.max_notification_id() or 0, VIEWS_TIMEOUT
        )
        command_id = new_id()
        meta = Meta(
            actor.account_id,
            actor.session_id,
            command_id,
            actor.client_ip,
            service.clock(),
        )
        with service.views() as views:
            year_doc = find_year(views, year)
            if year_doc is None and (year or kind != "staff"):
                named = f"«{year}»" if year else ""
                msg = f"учебный год {named} не найден".replace("  ", " ")
                raise Invalid(msg, field="year_id")
            planner = planner_cls(
                service.app, views, meta, mapped.titles, defaults, year=year_doc
            )
            planner.progress = progress
            planner.run(rows)
        aggregates = planner.aggregates()
        events = [e for a in aggregates for e in a.pending_events]
        result = ImportResult(
            kind,
            dry_run,
            rows=planner.rows,
            created=dict(planner.created),
            unchanged=planner.unchanged,
            problems=[p.as_dict() for p in planner.problems],
            ignored_columns=mapped.unknown,
            events=len(events),
            format=table.format,
        )
        if planner.problems or dry_run or not events:
            return result
        record = IdempotencyRecord(None, digest, {}, len(events))
        try:
            recordings = service.commands.save(aggregates, record)
        except IntegrityError:
            continue  # another command wrote one of these streams: plan again
        result.command_id = command_id
        if recordings:
            result.position = recordings[-1].notification.id
            service.runner.notify()
            service.runner.wait_for(result.position, VIEWS_TIMEOUT)
        return result
    msg = "the journal kept changing during the import; try again"
    raise Conflict(msg)


__all__ = ["DomainError", "ImportResult", "check_role", "run_import"]
