"""A group's membership over time: join, leave and a move between subgroups on a
date (joining inclusive, leaving exclusive); the first members from the year's
start."""

from __future__ import annotations

from datetime import date

import pytest

from ejournal.domain.base import fold
from ejournal.domain.errors import Conflict, Invalid
from ejournal.domain.groups import intersect
from ejournal.domain.school_class import (
    GroupMemberJoined,
    GroupMemberLeft,
    SchoolClass,
)
from tests.domain.builders import OTHER_PUPIL, PUPIL, ClassStream, meta

MOVE_DAY = date(2026, 11, 16)


def two_groups() -> tuple[ClassStream, list[object]]:
    c = ClassStream()
    given = [
        c.created(),
        c.joined(PUPIL, "2026-09-01"),
        c.joined(OTHER_PUPIL, "2026-09-01"),
        c.group("g1", "English 1", PUPIL),
        c.group("g2", "English 2", OTHER_PUPIL),
    ]
    return c, given


def test_a_groups_first_members_belong_to_it_from_the_years_start() -> None:
    _, given = two_groups()
    klass: SchoolClass = fold(given)

    assert klass.in_group("g1", PUPIL, date(2026, 9, 1))
    assert not klass.in_group("g2", PUPIL, date(2026, 9, 1))


def test_a_move_between_subgroups_is_one_decision_leaving_then_joining() -> None:
    _, given = two_groups()
    klass: SchoolClass = fold(given)

    klass.change_group_membership(
        meta(), student_id=PUPIL, on=MOVE_DAY, from_group_id="g1", to_group_id="g2"
    )

    left, joined = klass.collect_events()
    assert isinstance(left, GroupMemberLeft)
    assert isinstance(joined, GroupMemberJoined)
    assert (left.group_id, left.on, joined.group_id, joined.on) == (
        "g1",
        "2026-11-16",
        "g2",
        "2026-11-16",
    )
    assert klass.in_group("g1", PUPIL, date(2026, 11, 15))
    assert not klass.in_group("g1", PUPIL, MOVE_DAY)
    assert klass.in_group("g2", PUPIL, MOVE_DAY)
    assert not klass.in_group("g2", PUPIL, date(2026, 11, 15))
    assert klass.group_members("g1") == []
    assert klass.group_members("g2") == [OTHER_PUPIL, PUPIL]


def test_joining_a_group_one_is_in_is_a_conflict() -> None:
    _, given = two_groups()
    klass: SchoolClass = fold(given)

    with pytest.raises(Conflict, match="already in the group"):
        klass.change_group_membership(
            meta(), student_id=PUPIL, on=MOVE_DAY, from_group_id=None, to_group_id="g1"
        )
    assert klass.collect_events() == []


def test_leaving_a_group_one_is_not_in_is_a_conflict() -> None:
    _, given = two_groups()
    klass: SchoolClass = fold(given)

    with pytest.raises(Conflict, match="not in the group"):
        klass.change_group_membership(
            meta(), student_id=PUPIL, on=MOVE_DAY, from_group_id="g2", to_group_id=None
        )


def test_a_pupil_outside_the_class_joins_no_group() -> None:
    c, given = two_groups()
    klass: SchoolClass = fold([*given, c.left(OTHER_PUPIL, "2026-10-01")])

    with pytest.raises(Conflict, match="does not belong to this class"):
        klass.change_group_membership(
            meta(),
            student_id=OTHER_PUPIL,
            on=MOVE_DAY,
            from_group_id=None,
            to_group_id="g1",
        )


def test_leaving_before_joining_or_rejoining_before_leaving_is_invalid() -> None:
    c, given = two_groups()
    given += [
        c.event(GroupMemberJoined, group_id="g2", student_id=PUPIL, on="2026-11-16"),
        c.event(GroupMemberLeft, group_id="g1", student_id=PUPIL, on="2026-11-16"),
    ]
    klass: SchoolClass = fold(given)

    with pytest.raises(Invalid, match="joined that group on 2026-11-16"):
        klass.change_group_membership(
            meta(),
            student_id=PUPIL,
            on=date(2026, 11, 10),
            from_group_id="g2",
            to_group_id=None,
        )
    with pytest.raises(Invalid, match="left that group on 2026-11-16"):
        klass.change_group_membership(
            meta(),
            student_id=PUPIL,
            on=date(2026, 11, 10),
            from_group_id=None,
            to_group_id="g1",
        )


def test_naming_no_group_or_the_same_group_twice_is_invalid() -> None:
    _, given = two_groups()
    klass: SchoolClass = fold(given)

    with pytest.raises(Invalid, match="from_group_id, to_group_id or both"):
        klass.change_group_membership(
            meta(), student_id=PUPIL, on=MOVE_DAY, from_group_id=None, to_group_id=None
        )
    with pytest.raises(Invalid, match="moves to the group they leave"):
        klass.change_group_membership(
            meta(), student_id=PUPIL, on=MOVE_DAY, from_group_id="g1", to_group_id="g1"
        )
    with pytest.raises(Invalid, match="no group g9"):
        klass.change_group_membership(
            meta(), student_id=PUPIL, on=MOVE_DAY, from_group_id=None, to_group_id="g9"
        )


def test_a_voided_move_leaves_the_pupil_in_the_first_group() -> None:
    c, given = two_groups()
    given += [
        c.event(GroupMemberLeft, group_id="g1", student_id=PUPIL, on="2026-11-16"),
        c.event(GroupMemberJoined, group_id="g2", student_id=PUPIL, on="2026-11-16"),
        c.void(6, 7),
    ]
    klass: SchoolClass = fold(given)

    assert klass.in_group("g1", PUPIL, date(2027, 1, 20))
    assert not klass.in_group("g2", PUPIL, date(2027, 1, 20))


def test_class_and_group_spans_intersect_to_the_days_in_both() -> None:
    roster = [["2026-09-01", "2026-12-01"]]

    assert intersect(roster, [[None, None]]) == [["2026-09-01", "2026-12-01"]]
    assert intersect(roster, [["2026-11-16", None]]) == [["2026-11-16", "2026-12-01"]]
    assert intersect(roster, [[None, "2026-10-01"]]) == [["2026-09-01", "2026-10-01"]]
    assert intersect(roster, [["2026-12-05", None]]) == []


def test_a_move_into_a_group_whose_creation_is_void_changes_nothing() -> None:
    c, given = two_groups()
    given += [
        c.event(GroupMemberLeft, group_id="g1", student_id=PUPIL, on="2026-11-16"),
        c.event(GroupMemberJoined, group_id="g2", student_id=PUPIL, on="2026-11-16"),
        c.void(5),
    ]
    klass: SchoolClass = fold(given)

    assert "g2" not in klass.groups
    assert not klass.in_group("g1", PUPIL, MOVE_DAY)
