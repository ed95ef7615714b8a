"""Void-aware folding: ``live_versions`` and ``fold`` (DESIGN.md "Voiding")."""

from __future__ import annotations

from functools import cache
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from ejournal.domain.base import (
    META_EVENTS,
    EventReinstated,
    EventsVoided,
    fold,
    live_versions,
)
from ejournal.domain.lesson import Lesson, MarkRecorded
from tests.domain.builders import PUPIL, LessonStream, meta


def values(lesson: Lesson) -> dict[str, str]:
    return {mark_id: m["value"] for mark_id, m in lesson.marks.items()}


def test_without_voids_every_version_is_live() -> None:
    s = LessonStream()
    given = [s.scheduled(), s.mark("m1"), s.mark("m2")]

    assert live_versions(given) == {1, 2, 3}


def test_a_void_removes_the_versions_it_names() -> None:
    s = LessonStream()
    given = [s.scheduled(), s.mark("m1"), s.mark("m2"), s.mark("m3"), s.void(2, 4)]

    assert live_versions(given) == {1, 3, 5}
    lesson = fold(given)
    assert values(lesson) == {"m2": "5"}


def test_a_voided_correction_brings_back_the_value_before_it() -> None:
    s = LessonStream()
    given = [s.scheduled(), s.mark("m1", value="3"), s.mark("m1", value="5"), s.void(3)]

    assert fold(given).marks["m1"]["value"] == "3"


def test_voiding_a_void_brings_its_targets_back() -> None:
    s = LessonStream()
    given = [s.scheduled(), s.mark("m1"), s.mark("m2"), s.void(2, 3), s.void(4)]

    assert live_versions(given) == {1, 2, 3, 5}
    assert values(fold(given)) == {"m1": "5", "m2": "5"}


def test_voiding_the_void_of_a_void_voids_the_targets_again() -> None:
    s = LessonStream()
    given = [s.scheduled(), s.mark("m1"), s.void(2), s.void(3), s.void(4)]

    assert live_versions(given) == {1, 3, 5}
    assert fold(given).marks == {}


def test_a_reinstatement_lifts_one_void_only() -> None:
    s = LessonStream()
    given = [s.scheduled(), s.mark("m1"), s.mark("m2"), s.void(2, 3), s.reinstate(2)]

    assert live_versions(given) == {1, 2, 4, 5}
    assert values(fold(given)) == {"m1": "5"}


def test_voiding_a_reinstatement_voids_its_target_again() -> None:
    s = LessonStream()
    given = [s.scheduled(), s.mark("m1"), s.void(2), s.reinstate(2), s.void(4)]

    assert live_versions(given) == {1, 3, 5}
    assert fold(given).marks == {}


def test_a_later_void_overrides_an_earlier_reinstatement() -> None:
    s = LessonStream()
    given = [
        s.scheduled(),
        s.mark("m1"),
        s.void(2),
        s.reinstate(2),
        s.void(2, incident="i2"),
    ]

    assert 2 not in live_versions(given)
    assert fold(given).marks == {}


def test_voiding_the_void_of_a_reinstatement_reinstates_again() -> None:
    s = LessonStream()
    given = [
        s.scheduled(),
        s.mark("m1"),
        s.void(2),
        s.reinstate(2),
        s.void(4),
        s.void(5),
    ]

    assert live_versions(given) == {1, 2, 3, 4, 6}
    assert values(fold(given)) == {"m1": "5"}


def test_voiding_the_creation_folds_to_nothing() -> None:
    s = LessonStream()
    given = [s.scheduled(), s.mark("m1"), s.void(1)]

    assert fold(given) is None


def test_voiding_the_void_of_the_creation_brings_the_aggregate_back() -> None:
    s = LessonStream()
    given = [s.scheduled(), s.mark("m1"), s.void(1), s.void(3)]

    lesson = fold(given)
    assert lesson is not None
    assert values(lesson) == {"m1": "5"}


def test_an_empty_stream_folds_to_nothing() -> None:
    assert fold([]) is None


def test_folded_version_is_the_last_version_even_when_it_is_a_void() -> None:
    s = LessonStream()
    given = [s.scheduled(), s.mark("m1"), s.mark("m2"), s.void(3), s.void(2)]

    lesson = fold(given)
    assert lesson.version == 5
    assert lesson.marks == {}


def test_folded_version_counts_voided_trailing_events() -> None:
    s = LessonStream()
    given = [s.scheduled(), s.mark("m1"), s.void(2), s.mark("m2"), s.void(4)]

    assert fold(given).version == 5


def test_the_next_decision_follows_the_stream_after_voids() -> None:
    s = LessonStream()
    given = [s.scheduled(), s.mark("m1"), s.void(2)]
    lesson = fold(given)

    lesson.record_substitution(meta(), "t-2", None)

    [event] = lesson.collect_events()
    assert event.originator_version == 4


# --- property: folding equals folding the stream without the voided events ------

MARK_IDS = ("m1", "m2", "m3")


@st.composite
def streams(draw: st.DrawFn) -> list[Any]:
    """A lesson stream of marks, voids (of any earlier versions, including voids,
    reinstatements and the creation) and reinstatements."""
    s = LessonStream()
    events: list[Any] = [s.scheduled()]
    for _ in range(draw(st.integers(0, 14))):
        earlier = st.integers(1, s.version)
        kind = draw(st.sampled_from(["mark", "mark", "void", "reinstate"]))
        if kind == "mark":
            mark_id = draw(st.sampled_from(MARK_IDS))
            value = draw(st.sampled_from(["2", "3", "4", "5"]))
            events.append(s.mark(mark_id, PUPIL, value))
        elif kind == "void":
            targets = draw(st.lists(earlier, min_size=1, max_size=3, unique=True))
            events.append(s.void(*targets))
        else:
            events.append(s.reinstate(draw(earlier)))
    return events


def effectively_voided(events: list[Any]) -> set[int]:
    """The oracle, from the definition: a version is void when the latest *live*
    later event that decides about it is a void (a reinstatement decides "live")."""
    by_version = {e.originator_version: e for e in events}

    @cache
    def live(version: int) -> bool:
        verdict = True
        for later in range(version + 1, max(by_version) + 1):
            event = by_version[later]
            if not live(later):
                continue
            if isinstance(event, EventsVoided) and version in event.versions:
                verdict = False
            elif isinstance(event, EventReinstated) and event.target_version == version:
                verdict = True
        return verdict

    return {v for v in by_version if not live(v)}


@settings(max_examples=300, deadline=None)
@given(streams())
def test_folding_equals_folding_without_the_voided_events(events: list[Any]) -> None:
    voided = effectively_voided(events)
    remaining = [e for e in events if e.originator_version not in voided]

    expected: dict[str, str] = {}
    for event in remaining:
        if isinstance(event, MarkRecorded):
            expected[event.mark_id] = event.value

    assert live_versions(events) == {e.originator_version for e in remaining}
    lesson = fold(events)
    if 1 in voided:
        assert lesson is None
    else:
        assert values(lesson) == expected
        assert lesson.version == len(events)
        plain = fold([e for e in remaining if not isinstance(e, META_EVENTS)])
        assert values(plain) == expected
