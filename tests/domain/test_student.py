"""A pupil: enrolment, transfer, withdrawal, guardians and consent."""

from __future__ import annotations

from datetime import date

import pytest

from ejournal.domain.base import fold
from ejournal.domain.errors import Conflict, Invalid
from ejournal.domain.student import (
    ConsentRecorded,
    GuardianLinked,
    Student,
    StudentEnrolled,
    StudentTransferred,
    StudentWithdrawn,
    enroll,
)
from tests.domain.builders import (
    CLASS_A,
    CLASS_B,
    GUARDIAN,
    StudentStream,
    meta,
    only_event,
)


def test_enrolling_records_the_pupil_in_a_class_from_a_date() -> None:
    student = enroll(
        meta(),
        full_name="Борисова Вера",
        birth_date=date(2015, 3, 10),
        class_id=CLASS_A,
        on=date(2026, 9, 1),
    )

    [event] = student.collect_events()
    assert isinstance(event, StudentEnrolled)
    assert (event.full_name, event.birth_date, event.class_id, event.on) == (
        "Борисова Вера",
        "2015-03-10",
        CLASS_A,
        "2026-09-01",
    )
    assert student.placements == [[CLASS_A, "2026-09-01", None]]


def test_enrolling_without_a_birth_date_is_accepted() -> None:
    student = enroll(
        meta(), full_name="X", birth_date=None, class_id=CLASS_A, on=date(2026, 9, 1)
    )

    event = only_event(student, StudentEnrolled)
    assert event.birth_date is None


@pytest.mark.parametrize("birth", [date(2026, 9, 1), date(2026, 9, 2)])
def test_enrolling_with_a_birth_date_not_before_admission_is_refused(
    birth: date,
) -> None:
    with pytest.raises(Invalid) as error:
        enroll(
            meta(),
            full_name="X",
            birth_date=birth,
            class_id=CLASS_A,
            on=date(2026, 9, 1),
        )
    assert error.value.field == "birth_date"


def test_transferring_moves_the_pupil_and_closes_the_placement() -> None:
    s = StudentStream()
    student: Student = fold([s.enrolled(CLASS_A, "2026-09-01")])

    left = student.transfer(meta(), CLASS_B, date(2026, 11, 16))

    assert left == CLASS_A
    [event] = student.collect_events()
    assert isinstance(event, StudentTransferred)
    assert (event.from_class_id, event.to_class_id, event.on) == (
        CLASS_A,
        CLASS_B,
        "2026-11-16",
    )
    assert student.placements == [
        [CLASS_A, "2026-09-01", "2026-11-16"],
        [CLASS_B, "2026-11-16", None],
    ]


@pytest.mark.parametrize("on", [date(2026, 9, 1), date(2026, 8, 31)])
def test_transfer_not_after_the_current_placement_start_is_refused(on: date) -> None:
    s = StudentStream()
    student: Student = fold([s.enrolled(CLASS_A, "2026-09-01")])

    with pytest.raises(Invalid) as error:
        student.transfer(meta(), CLASS_B, on)
    assert error.value.field == "on"


def test_transfer_is_measured_from_the_latest_placement() -> None:
    s = StudentStream()
    student: Student = fold(
        [
            s.enrolled(CLASS_A, "2026-09-01"),
            s.transferred(CLASS_A, CLASS_B, "2026-10-01"),
        ]
    )

    with pytest.raises(Invalid):
        student.transfer(meta(), CLASS_A, date(2026, 9, 15))


def test_transfer_to_the_same_class_is_a_conflict() -> None:
    s = StudentStream()
    student: Student = fold([s.enrolled(CLASS_A, "2026-09-01")])

    with pytest.raises(Conflict) as error:
        student.transfer(meta(), CLASS_A, date(2026, 11, 16))
    assert error.value.field == "to_class_id"


def test_transfer_of_a_withdrawn_pupil_is_a_conflict() -> None:
    s = StudentStream()
    student: Student = fold(
        [s.enrolled(CLASS_A, "2026-09-01"), s.withdrawn(CLASS_A, "2026-10-01")]
    )

    with pytest.raises(Conflict):
        student.transfer(meta(), CLASS_B, date(2026, 11, 16))
    assert student.collect_events() == []


def test_withdrawing_records_the_class_left_and_the_reason() -> None:
    s = StudentStream()
    student: Student = fold([s.enrolled(CLASS_A, "2026-09-01")])

    left = student.withdraw(meta(), date(2026, 11, 16), "moved away")

    assert left == CLASS_A
    [event] = student.collect_events()
    assert isinstance(event, StudentWithdrawn)
    assert (event.class_id, event.on, event.reason) == (
        CLASS_A,
        "2026-11-16",
        "moved away",
    )
    assert student.class_id is None


def test_withdrawing_twice_is_a_conflict() -> None:
    s = StudentStream()
    student: Student = fold(
        [s.enrolled(CLASS_A, "2026-09-01"), s.withdrawn(CLASS_A, "2026-10-01")]
    )

    with pytest.raises(Conflict):
        student.withdraw(meta(), date(2026, 11, 16), "again")


def test_withdrawing_before_the_placement_started_is_refused() -> None:
    s = StudentStream()
    student: Student = fold([s.enrolled(CLASS_A, "2026-09-01")])

    with pytest.raises(Invalid) as error:
        student.withdraw(meta(), date(2026, 8, 31), "moved away")
    assert error.value.field == "on"


def test_a_voided_withdrawal_lets_the_pupil_be_withdrawn_again() -> None:
    s = StudentStream()
    student: Student = fold(
        [
            s.enrolled(CLASS_A, "2026-09-01"),
            s.withdrawn(CLASS_A, "2026-10-01"),
            s.void(2),
        ]
    )

    student.withdraw(meta(), date(2026, 11, 16), "moved away")

    event = only_event(student, StudentWithdrawn)
    assert event.on == "2026-11-16"
    assert event.originator_version == 4


def test_linking_a_guardian_records_it() -> None:
    s = StudentStream()
    student: Student = fold([s.enrolled()])

    student.link_guardian(meta(), GUARDIAN)

    [event] = student.collect_events()
    assert isinstance(event, GuardianLinked)
    assert event.account_id == GUARDIAN
    assert student.guardians == [GUARDIAN]


def test_linking_the_same_guardian_twice_is_a_conflict() -> None:
    s = StudentStream()
    student: Student = fold([s.enrolled(), s.guardian(GUARDIAN)])

    with pytest.raises(Conflict) as error:
        student.link_guardian(meta(), GUARDIAN)
    assert error.value.field == "account_id"


def test_recording_consent_of_a_guardian_records_the_answer() -> None:
    s = StudentStream()
    student: Student = fold([s.enrolled(), s.guardian(GUARDIAN)])

    student.record_consent(meta(), GUARDIAN, False)

    [event] = student.collect_events()
    assert isinstance(event, ConsentRecorded)
    assert (event.guardian_account_id, event.granted) == (GUARDIAN, False)
    assert student.consents == {GUARDIAN: False}


def test_recording_consent_of_a_non_guardian_is_refused() -> None:
    s = StudentStream()
    student: Student = fold([s.enrolled(), s.guardian(GUARDIAN)])

    with pytest.raises(Invalid) as error:
        student.record_consent(meta(), "stranger", True)
    assert error.value.field == "guardian_account_id"


def test_recording_consent_of_a_guardian_whose_link_was_voided_is_refused() -> None:
    s = StudentStream()
    student: Student = fold([s.enrolled(), s.guardian(GUARDIAN), s.void(2)])

    with pytest.raises(Invalid):
        student.record_consent(meta(), GUARDIAN, True)
