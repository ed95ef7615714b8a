"""A property of the decide step: for random histories (choices, consents, marks,
absences, period marks, voids and voids of voids), the outbox decided while the
history happens, in any rhythm, equals the outbox decided from scratch over the
finished log. Decisions depend on the log alone, never on when they are made."""

from __future__ import annotations

import contextlib
import os
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from ejournal.domain.errors import DomainError
from ejournal.notify import outbox
from ejournal.notify.notifier import Notifier
from ejournal.service import Service
from tests.builders import School, last_version, void

EXAMPLES = int(os.environ.get("EJOURNAL_NOTIFY_EXAMPLES", "12"))

steps = st.lists(
    st.tuples(
        st.sampled_from(["opt", "mark", "absent", "period", "consent", "void"]),
        st.integers(0, 1000),
        st.booleans(),  # decide right after this step
    ),
    min_size=1,
    max_size=10,
)


def act(service: Service, school: School, kind: str, n: int) -> None:
    def run(who: str, name: str, body: dict[str, Any]) -> None:
        # Refused (a voided lesson, a pupil not there, no consent): writes nothing.
        with contextlib.suppress(DomainError):
            service.execute(school.actor(service, who), name, body)

    pupil = school.students[n % 2]  # the guardian's child, or a classmate
    lesson = school.lesson_ids[n % 3]
    if kind == "opt":
        topics = {t: bool(n >> i & 1) for i, t in enumerate(
            ("low_marks", "absences", "period_marks"))}  # fmt: skip
        run("guardian", "set-notifications", {
            "student_id": school.students[0], "email": f"g{n % 2}@example.org",
            **topics,
        })  # fmt: skip
    elif kind == "mark":
        run("teacher", "record-mark", {
            "lesson_id": lesson, "student_id": pupil, "value": str(1 + n % 5),
            "work_type": "oral",
        })  # fmt: skip
    elif kind == "absent":
        code = ("absent", "ill", "present")[n % 3]
        run("teacher", "record-attendance", {
            "lesson_id": lesson, "entries": [{"student_id": pupil, "code": code}],
        })  # fmt: skip
    elif kind == "period":
        run("teacher", "set-period-mark", {
            "course_id": school.course_id, "student_id": pupil,
            "period_id": school.period_ids[1], "value": str(2 + n % 4),
        })  # fmt: skip
    elif kind == "consent":
        run("secretary", "record-consent", {
            "student_id": school.students[0],
            "guardian_account_id": school.accounts["guardian"],
            "granted": n % 3 != 0,
        })  # fmt: skip
    else:  # void a recent event of a lesson or of the pupil (a void, too)
        stream = [*school.lesson_ids[:3], school.students[0]][n % 4]
        last = last_version(service, stream)
        void(service, stream, [max(1, last - n % 4)])


def snapshot(service: Service) -> list[tuple[Any, ...]]:
    return [
        (r["key"], r["seq"], r["kind"], r["state"], r["email"], r["subject"],
         r["body"])
        for r in outbox.rows(service.app.db())
    ]  # fmt: skip


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(history=steps)
def test_deciding_as_it_happens_equals_deciding_from_scratch(
    service: Service, school: School, history: list[tuple[str, int, bool]]
) -> None:
    notifier = Notifier(service.app, None, clock=service.clock, from_start=True)
    for kind, n, then_decide in history:
        act(service, school, kind, n)
        if then_decide:
            notifier.decide()
    notifier.decide()
    as_it_happened = snapshot(service)
    states = {row[3] for row in as_it_happened}
    event(f"outbox states: {sorted(states)}")
    with service.app.db().write() as cur:
        cur.execute("DELETE FROM ej_outbox")
        cur.execute("DELETE FROM ej_notify_state")
    Notifier(service.app, None, clock=service.clock, from_start=True).decide()
    assert snapshot(service) == as_it_happened
