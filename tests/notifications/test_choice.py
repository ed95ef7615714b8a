"""Given-when-then tests of a guardian's choice of e-mails (set_notifications) and
its fold into the pupil's document."""

from __future__ import annotations

import pytest

from ejournal.domain.base import fold
from ejournal.domain.errors import Invalid
from ejournal.domain.student import NotificationsSet, Student, set_notifications
from ejournal.projections.streams import fold_doc
from tests.domain.builders import GUARDIAN, StudentStream, meta, only_event

ALL = {"period_marks": True, "low_marks": True, "absences": True,
       "weekly_digest": True}  # fmt: skip
NONE = dict.fromkeys(ALL, False)


def test_a_guardian_opts_in_with_an_address() -> None:
    s = StudentStream()
    student: Student = fold([s.enrolled(), s.guardian(GUARDIAN)])

    set_notifications(student, meta(), GUARDIAN, "mama@example.org", ALL)

    event = only_event(student, NotificationsSet)
    assert (event.guardian_account_id, event.email) == (GUARDIAN, "mama@example.org")
    assert (event.low_marks, event.weekly_digest) == (True, True)


def test_opting_out_drops_the_address() -> None:
    s = StudentStream()
    student: Student = fold([s.enrolled(), s.guardian(GUARDIAN)])

    set_notifications(student, meta(), GUARDIAN, "mama@example.org", NONE)

    assert only_event(student, NotificationsSet).email is None


def test_a_topic_without_an_address_is_refused() -> None:
    s = StudentStream()
    student: Student = fold([s.enrolled(), s.guardian(GUARDIAN)])

    with pytest.raises(Invalid) as refused:
        set_notifications(student, meta(), GUARDIAN, None, {"low_marks": True})
    assert refused.value.field == "email"
    assert student.collect_events() == []


def test_someone_who_is_no_guardian_is_refused() -> None:
    s = StudentStream()
    student: Student = fold([s.enrolled()])

    with pytest.raises(Invalid):
        set_notifications(student, meta(), GUARDIAN, "x@example.org", ALL)


def test_the_latest_live_choice_is_in_the_pupils_document() -> None:
    s = StudentStream()
    given = [s.enrolled(), s.guardian(GUARDIAN)]
    first = s.event(NotificationsSet, guardian_account_id=GUARDIAN,
                    email="old@example.org", **ALL)  # fmt: skip
    only_low = {**NONE, "low_marks": True}
    second = s.event(NotificationsSet, guardian_account_id=GUARDIAN,
                     email="new@example.org", **only_low)  # fmt: skip
    doc = fold_doc([*given, first, second])
    assert doc is not None
    assert doc["notifications"][GUARDIAN] == {
        "email": "new@example.org", "period_marks": False, "low_marks": True,
        "absences": False, "weekly_digest": False,
    }  # fmt: skip
    # The later choice voided: the earlier one holds again.
    voided = fold_doc([*given, first, second, s.void(second.originator_version)])
    assert voided is not None
    assert voided["notifications"][GUARDIAN]["email"] == "old@example.org"
    aggregate: Student = fold([*given, first])
    assert aggregate.__dict__["notifications"][GUARDIAN]["weekly_digest"] is True
