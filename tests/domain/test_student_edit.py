"""Correcting a pupil's name or birth date (given the pupil's history, when the
secretary edits, then the event or refusal)."""

from __future__ import annotations

import pytest

from ejournal.domain.base import fold
from ejournal.domain.errors import Conflict, Invalid
from ejournal.domain.student import Student, StudentDetailsEdited
from ejournal.projections.streams import fold_doc
from tests.domain.builders import StudentStream, meta, only_event


def test_editing_the_name_records_it_from_now_on() -> None:
    s = StudentStream()
    student: Student = fold([s.enrolled(full_name="Алексеев Антон")])

    student.edit_details(meta(), {"full_name": "Алексеев Антоний"})

    event = only_event(student, StudentDetailsEdited)
    assert event.changes == {"full_name": "Алексеев Антоний"}
    assert student.full_name == "Алексеев Антоний"


def test_only_the_changed_fields_are_recorded() -> None:
    s = StudentStream()
    student: Student = fold([s.enrolled(birth_date="2015-03-10")])

    student.edit_details(
        meta(), {"full_name": "Алексеев Антон", "birth_date": "2015-03-11"}
    )

    event = only_event(student, StudentDetailsEdited)
    assert event.changes == {"birth_date": "2015-03-11"}


def test_the_birth_date_may_be_cleared() -> None:
    s = StudentStream()
    student: Student = fold([s.enrolled(birth_date="2015-03-10")])

    student.edit_details(meta(), {"birth_date": None})

    assert only_event(student, StudentDetailsEdited).changes == {"birth_date": None}
    assert student.birth_date is None


def test_an_edit_that_changes_nothing_is_a_conflict() -> None:
    s = StudentStream()
    student: Student = fold([s.enrolled(full_name="Алексеев Антон")])

    with pytest.raises(Conflict) as error:
        student.edit_details(meta(), {"full_name": "Алексеев Антон"})
    assert error.value.field == "full_name"
    assert student.collect_events() == []


def test_an_edit_naming_nothing_is_refused() -> None:
    student: Student = fold([StudentStream().enrolled()])

    with pytest.raises(Invalid):
        student.edit_details(meta(), {})


def test_a_pupil_keeps_a_name() -> None:
    student: Student = fold([StudentStream().enrolled()])

    with pytest.raises(Invalid) as error:
        student.edit_details(meta(), {"full_name": None})
    assert error.value.field == "full_name"


@pytest.mark.parametrize("birth", ["2026-09-01", "2027-01-01"])
def test_a_birth_date_not_before_the_first_admission_is_refused(birth: str) -> None:
    s = StudentStream()
    student: Student = fold(
        [
            s.enrolled(on="2026-09-01"),
            s.transferred("class-5a", "class-5b", "2026-10-01"),
        ]
    )

    with pytest.raises(Invalid) as error:
        student.edit_details(meta(), {"birth_date": birth})
    assert error.value.field == "birth_date"


def test_the_document_shows_the_new_name_and_a_void_brings_the_old_one_back() -> None:
    s = StudentStream()
    enrolled = s.enrolled(full_name="Алексеев Антон")
    edited = s.event(StudentDetailsEdited, changes={"full_name": "Антонов Алексей"})

    doc = fold_doc([enrolled, edited])
    assert doc is not None and doc["full_name"] == "Антонов Алексей"
    voided = fold_doc([enrolled, edited, s.void(2)])
    assert voided is not None and voided["full_name"] == "Алексеев Антон"
