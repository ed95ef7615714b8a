"""Changing a class's class teacher (given the class, when a deputy or an admin
names another teacher or none, then the event or refusal)."""

from __future__ import annotations

from datetime import date

import pytest

from ejournal.domain.base import fold
from ejournal.domain.errors import Conflict
from ejournal.domain.school_class import ClassTeacherChanged, SchoolClass
from ejournal.projections.streams import fold_doc, lookup_keys
from tests.domain.builders import ClassStream, meta, only_event


def test_naming_another_class_teacher_records_both_and_the_date() -> None:
    c = ClassStream()
    klass: SchoolClass = fold([c.created(class_teacher_id="t-1")])

    klass.change_class_teacher(meta(), "t-2", date(2026, 11, 23))

    event = only_event(klass, ClassTeacherChanged)
    assert (event.from_teacher_id, event.to_teacher_id, event.on) == (
        "t-1",
        "t-2",
        "2026-11-23",
    )
    assert klass.class_teacher_id == "t-2"


def test_a_class_may_be_left_without_a_class_teacher() -> None:
    c = ClassStream()
    klass: SchoolClass = fold([c.created(class_teacher_id="t-1")])

    klass.change_class_teacher(meta(), None, date(2026, 11, 23))

    assert only_event(klass, ClassTeacherChanged).to_teacher_id is None
    assert klass.class_teacher_id is None


def test_naming_the_current_class_teacher_is_a_conflict() -> None:
    c = ClassStream()
    klass: SchoolClass = fold([c.created(class_teacher_id="t-1")])

    with pytest.raises(Conflict) as error:
        klass.change_class_teacher(meta(), "t-1", date(2026, 11, 23))
    assert error.value.field == "class_teacher_id"


def test_emptying_an_empty_class_teacher_is_a_conflict() -> None:
    klass: SchoolClass = fold([ClassStream().created()])

    with pytest.raises(Conflict):
        klass.change_class_teacher(meta(), None, date(2026, 11, 23))


def test_the_lookup_key_moves_to_the_new_class_teacher_and_back_on_a_void() -> None:
    c = ClassStream()
    created = c.created(class_teacher_id="t-1")
    changed = c.event(
        ClassTeacherChanged, from_teacher_id="t-1", to_teacher_id="t-2", on="2026-11-23"
    )

    doc = fold_doc([created, changed])
    assert doc is not None
    assert f"class_teacher:t-2:{c.id}" in lookup_keys(doc)
    assert not any(k.startswith("class_teacher:t-1:") for k in lookup_keys(doc))
    voided = fold_doc([created, changed, c.void(2)])
    assert voided is not None
    assert f"class_teacher:t-1:{c.id}" in lookup_keys(voided)
