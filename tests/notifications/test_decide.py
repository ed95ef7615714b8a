"""Given-when-then tests of the notifier's pure decisions: which mails an event
asks for (given the pupil's document as of the event), and what a void or a
reinstatement does to the mails already decided."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from ejournal.domain.course import PeriodMarkSet
from ejournal.domain.lesson import AttendanceRecorded, MarkRecorded
from ejournal.notify.decide import Facts, Mail, Row, notices, on_liveness

PUPIL, OTHER = str(uuid.uuid4()), str(uuid.uuid4())
MAMA, PAPA = str(uuid.uuid4()), str(uuid.uuid4())
LESSON = str(uuid.uuid4())


def event(cls: type[Any], **data: Any) -> Any:
    return cls(
        originator_id=uuid.UUID(LESSON), originator_version=7,
        timestamp=datetime(2026, 11, 16, 9, tzinfo=UTC), actor_id=str(uuid.uuid4()),
        session_id=None, command_id=None, client_ip=None, **data,
    )  # fmt: skip


def recorded(value: str, student_id: str = PUPIL) -> Any:
    return event(
        MarkRecorded, mark_id=str(uuid.uuid4()), student_id=student_id, value=value,
        work_type="test", comment=None, due_at="", late=False,
    )  # fmt: skip


def pupil(
    choices: dict[str, dict[str, Any]], consents: dict[str, bool] | None = None
) -> dict[str, Any]:
    return {
        "id": PUPIL, "kind": "student", "full_name": "Алексеев Антон",
        "guardians": [MAMA, PAPA], "notifications": choices,
        "consents": {MAMA: True, PAPA: True} if consents is None else consents,
    }  # fmt: skip


def wants(**topics: bool) -> dict[str, Any]:
    return {"email": "mama@example.org", **topics}


def decide(e: Any, student: dict[str, Any] | None) -> list[Mail]:
    facts = Facts(student, "Алгебра", date="2026-11-12")
    return notices(
        e, 42, LESSON, lambda sid: facts if sid == PUPIL else Facts(None, "")
    )


@pytest.mark.parametrize("value", ["1", "2"])
def test_a_low_mark_mails_each_guardian_who_chose_low_marks(value: str) -> None:
    given = pupil({MAMA: wants(low_marks=True), PAPA: wants(period_marks=True)})
    [mail] = decide(recorded(value), given)
    assert (mail.kind, mail.guardian_id) == ("low_mark", MAMA)
    assert mail.email == "mama@example.org"
    assert mail.key == f"ev:42:{PUPIL}:{MAMA}"
    assert mail.facts["value"] == value and mail.facts["subject"] == "Алгебра"
    assert (mail.source_stream, mail.source_version) == (LESSON, 7)


@pytest.mark.parametrize("value", ["3", "4", "5"])
def test_other_marks_mail_nobody(value: str) -> None:
    assert decide(recorded(value), pupil({MAMA: wants(low_marks=True)})) == []


def test_no_mail_without_consent_or_address_or_choice() -> None:
    no_consent = pupil({MAMA: wants(low_marks=True)}, consents={MAMA: False})
    assert decide(recorded("2"), no_consent) == []
    no_address = pupil({MAMA: {"email": None, "low_marks": True}})
    assert decide(recorded("2"), no_address) == []
    assert decide(recorded("2"), pupil({})) == []
    assert decide(recorded("2"), None) == []  # the pupil's enrolment is void


def test_only_absences_coded_absent_are_mailed() -> None:
    given = pupil({MAMA: wants(absences=True)})
    attendance = event(AttendanceRecorded, entries=[
        {"student_id": PUPIL, "code": "absent"},
        {"student_id": OTHER, "code": "absent"},  # not this family's pupil
    ], due_at="", late=False)  # fmt: skip
    [mail] = decide(attendance, given)
    assert (mail.kind, mail.student_id) == ("absence", PUPIL)
    for code in ("ill", "excused", "late", "present"):
        other = event(AttendanceRecorded, entries=[
            {"student_id": PUPIL, "code": code}], due_at="", late=False)  # fmt: skip
        assert decide(other, given) == []


def test_every_period_mark_is_mailed_to_who_chose_them() -> None:
    given = pupil({MAMA: wants(period_marks=True), PAPA: wants(low_marks=True)})
    pm = event(PeriodMarkSet, mark_id="m", student_id=PUPIL, period_id="p",
               value="exempt", due_at="", late=False)  # fmt: skip
    [mail] = decide(pm, given)
    assert (mail.kind, mail.guardian_id, mail.facts["value"]) == (
        "period_mark", MAMA, "exempt")  # fmt: skip


NOTICE, CORRECTION = "ev:1:p:g", "fix:9:ev:1:p:g"


@pytest.mark.parametrize(
    ("kind", "state", "live", "then"),
    [
        # a void: a notice not yet out is cancelled; one out gets a correction
        ("low_mark", "pending", False, [("set", NOTICE, "cancelled")]),
        ("low_mark", "failed", False, []),  # never went out, never will
        ("low_mark", "sent", False, [("add", f"fix:50:{NOTICE}", "correction")]),
        ("low_mark", "sending", False, [("add", f"fix:50:{NOTICE}", "correction")]),
        ("low_mark", "cancelled", False, []),
        # a reinstatement: a cancelled notice goes out after all
        ("low_mark", "cancelled", True, [("set", NOTICE, "pending")]),
        ("low_mark", "sent", True, []),
        # after a correction: a pending one is moot; a sent one is answered
        ("correction", "pending", True, [("set", CORRECTION, "cancelled")]),
        ("correction", "sent", True, [("add", f"re:50:{NOTICE}", "notice")]),
        ("correction", "cancelled", False, [("set", CORRECTION, "pending")]),
        ("correction", "sent", False, []),
    ],
)
def test_a_change_of_liveness_answers_what_the_guardian_was_told(
    kind: str, state: str, live: bool, then: list[tuple[str, str, str]]
) -> None:
    key = NOTICE if kind != "correction" else CORRECTION
    changes = on_liveness(Row(key, kind, state, NOTICE), live, 50)
    got = [
        ("set", c.key, c.state) if c.state else ("add", c.key, c.add) for c in changes
    ]
    assert got == then
