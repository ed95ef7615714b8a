"""A class's roster over time (admission inclusive, leaving exclusive) and groups."""

from __future__ import annotations

from datetime import date

import pytest

from ejournal.domain.base import fold
from ejournal.domain.errors import Conflict, Invalid
from ejournal.domain.school_class import (
    ClassCreated,
    GroupCreated,
    SchoolClass,
    StudentJoined,
    StudentLeft,
    create_class,
)
from tests.domain.builders import OTHER_PUPIL, PUPIL, ClassStream, meta


def test_creating_a_class_names_its_year_grade_and_class_teacher() -> None:
    klass = create_class(
        meta(), year_id="year-1", name="5А", grade=5, class_teacher_id="t-9"
    )

    [event] = klass.collect_events()
    assert isinstance(event, ClassCreated)
    assert (event.year_id, event.name, event.grade, event.class_teacher_id) == (
        "year-1",
        "5А",
        5,
        "t-9",
    )
    assert klass.roster == {}


def test_admitting_a_pupil_records_the_date_they_join() -> None:
    c = ClassStream()
    klass: SchoolClass = fold([c.created()])

    klass.admit(meta(), PUPIL, date(2026, 9, 1))

    [event] = klass.collect_events()
    assert isinstance(event, StudentJoined)
    assert (event.student_id, event.on) == (PUPIL, "2026-09-01")
    assert event.originator_version == 2


def test_membership_starts_on_the_admission_day_inclusive() -> None:
    c = ClassStream()
    klass: SchoolClass = fold([c.created(), c.joined(PUPIL, "2026-09-10")])

    assert not klass.is_member(PUPIL, date(2026, 9, 9))
    assert klass.is_member(PUPIL, date(2026, 9, 10))
    assert klass.is_member(PUPIL, date(2027, 5, 31))
    assert not klass.is_member(OTHER_PUPIL, date(2026, 9, 10))


def test_membership_ends_the_day_before_leaving() -> None:
    c = ClassStream()
    klass: SchoolClass = fold(
        [c.created(), c.joined(PUPIL, "2026-09-01"), c.left(PUPIL, "2026-11-16")]
    )

    assert klass.is_member(PUPIL, date(2026, 11, 15))
    assert not klass.is_member(PUPIL, date(2026, 11, 16))
    assert not klass.is_current_member(PUPIL)


def test_a_pupil_who_left_and_came_back_is_a_member_of_both_spans_only() -> None:
    c = ClassStream()
    klass: SchoolClass = fold(
        [
            c.created(),
            c.joined(PUPIL, "2026-09-01"),
            c.left(PUPIL, "2026-10-01"),
            c.joined(PUPIL, "2026-11-10"),
        ]
    )

    assert klass.is_member(PUPIL, date(2026, 9, 30))
    assert not klass.is_member(PUPIL, date(2026, 10, 15))
    assert klass.is_member(PUPIL, date(2026, 11, 10))
    assert klass.is_current_member(PUPIL)


def test_admitting_a_current_member_again_is_a_conflict() -> None:
    c = ClassStream()
    klass: SchoolClass = fold([c.created(), c.joined(PUPIL, "2026-09-01")])

    with pytest.raises(Conflict) as error:
        klass.admit(meta(), PUPIL, date(2026, 11, 16))
    assert error.value.field == "student_id"
    assert klass.collect_events() == []


def test_readmitting_a_pupil_who_left_is_accepted() -> None:
    c = ClassStream()
    klass: SchoolClass = fold(
        [c.created(), c.joined(PUPIL, "2026-09-01"), c.left(PUPIL, "2026-10-01")]
    )

    klass.admit(meta(), PUPIL, date(2026, 11, 10))

    [event] = klass.collect_events()
    assert isinstance(event, StudentJoined)
    assert event.on == "2026-11-10"


def test_releasing_a_pupil_records_the_leaving_date_and_reason() -> None:
    c = ClassStream()
    klass: SchoolClass = fold([c.created(), c.joined(PUPIL, "2026-09-01")])

    klass.release(meta(), PUPIL, date(2026, 11, 16), "transfer")

    [event] = klass.collect_events()
    assert isinstance(event, StudentLeft)
    assert (event.student_id, event.on, event.reason) == (
        PUPIL,
        "2026-11-16",
        "transfer",
    )
    assert not klass.is_member(PUPIL, date(2026, 11, 16))


def test_releasing_before_the_pupil_joined_is_refused() -> None:
    c = ClassStream()
    klass: SchoolClass = fold([c.created(), c.joined(PUPIL, "2026-09-10")])

    with pytest.raises(Invalid) as error:
        klass.release(meta(), PUPIL, date(2026, 9, 9), "transfer")
    assert error.value.field == "on"
    assert klass.collect_events() == []


def test_releasing_a_pupil_who_never_joined_is_a_conflict() -> None:
    c = ClassStream()
    klass: SchoolClass = fold([c.created(), c.joined(PUPIL, "2026-09-01")])

    with pytest.raises(Conflict):
        klass.release(meta(), OTHER_PUPIL, date(2026, 11, 16), "transfer")


def test_releasing_a_pupil_who_already_left_is_a_conflict() -> None:
    c = ClassStream()
    klass: SchoolClass = fold(
        [c.created(), c.joined(PUPIL, "2026-09-01"), c.left(PUPIL, "2026-10-01")]
    )

    with pytest.raises(Conflict):
        klass.release(meta(), PUPIL, date(2026, 11, 16), "withdrawal")


def test_a_voided_admission_makes_the_pupil_a_non_member() -> None:
    c = ClassStream()
    klass: SchoolClass = fold([c.created(), c.joined(PUPIL, "2026-09-01"), c.void(2)])

    assert not klass.is_member(PUPIL, date(2026, 11, 16))
    with pytest.raises(Conflict):
        klass.release(meta(), PUPIL, date(2026, 11, 16), "transfer")


def test_creating_a_group_of_members_records_it() -> None:
    c = ClassStream()
    klass: SchoolClass = fold(
        [
            c.created(),
            c.joined(PUPIL, "2026-09-01"),
            c.joined(OTHER_PUPIL, "2026-09-01"),
        ]
    )

    klass.create_group(meta(), "g1", "English 1", [PUPIL, OTHER_PUPIL])

    [event] = klass.collect_events()
    assert isinstance(event, GroupCreated)
    assert (event.group_id, event.name, event.student_ids) == (
        "g1",
        "English 1",
        [PUPIL, OTHER_PUPIL],
    )
    assert klass.group_members("g1") == [PUPIL, OTHER_PUPIL]


def test_creating_a_group_with_a_taken_name_is_a_conflict() -> None:
    c = ClassStream()
    klass: SchoolClass = fold(
        [c.created(), c.joined(PUPIL, "2026-09-01"), c.group("g1", "English 1", PUPIL)]
    )

    with pytest.raises(Conflict) as error:
        klass.create_group(meta(), "g2", "English 1", [PUPIL])
    assert error.value.field == "name"


def test_creating_a_group_listing_a_pupil_twice_is_refused() -> None:
    c = ClassStream()
    klass: SchoolClass = fold([c.created(), c.joined(PUPIL, "2026-09-01")])

    with pytest.raises(Invalid) as error:
        klass.create_group(meta(), "g1", "English 1", [PUPIL, PUPIL])
    assert error.value.field == "student_ids"


def test_creating_a_group_with_a_non_member_is_refused() -> None:
    c = ClassStream()
    klass: SchoolClass = fold([c.created(), c.joined(PUPIL, "2026-09-01")])

    with pytest.raises(Invalid, match=OTHER_PUPIL) as error:
        klass.create_group(meta(), "g1", "English 1", [PUPIL, OTHER_PUPIL])
    assert error.value.field == "student_ids"
    assert klass.collect_events() == []


def test_creating_a_group_with_a_pupil_who_left_is_refused() -> None:
    c = ClassStream()
    klass: SchoolClass = fold(
        [c.created(), c.joined(PUPIL, "2026-09-01"), c.left(PUPIL, "2026-10-01")]
    )

    with pytest.raises(Invalid):
        klass.create_group(meta(), "g1", "English 1", [PUPIL])
