"""One seed, one school: the same stored events (positions, stream ids, versions,
topics and state bytes, which hold command ids, mark ids and timestamps) in two
fresh databases; another seed, another school."""

from __future__ import annotations

from collections.abc import Callable

import orjson

from tests.generate.conftest import generate_into, stored_at


def test_same_seed_writes_identical_events(fresh_url: Callable[[], str]) -> None:
    first, second = fresh_url(), fresh_url()
    out_1 = generate_into(first, seed=7)
    out_2 = generate_into(second, seed=7)
    events_1, events_2 = stored_at(first), stored_at(second)
    assert out_1 == out_2
    assert len(events_1) == out_1.events > 1000
    assert events_1 == events_2
    # Not vacuously: the ids that used to be random are all set in the log.
    states = [orjson.loads(state) for *_, state in events_1]
    command_ids = [s["command_id"] for s in states]
    assert None not in command_ids
    assert len(set(command_ids)) > len(events_1) // 2
    mark_ids = {s["mark_id"] for s in states if "mark_id" in s}
    assert len(mark_ids) > 100


def test_another_seed_writes_another_school(fresh_url: Callable[[], str]) -> None:
    first, second = fresh_url(), fresh_url()
    generate_into(first, seed=7)
    generate_into(second, seed=8)
    events_1, events_2 = stored_at(first), stored_at(second)
    streams_1 = {stream for _, stream, *_ in events_1}
    streams_2 = {stream for _, stream, *_ in events_2}
    assert not streams_1 & streams_2
    states_1 = {state for *_, state in events_1}
    states_2 = {state for *_, state in events_2}
    assert not states_1 & states_2
