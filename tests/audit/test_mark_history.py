"""A mark's history: every revision with who, when, why and under which request,
the first being the mark as recorded."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from ejournal.domain.errors import Forbidden, NotFound
from ejournal.projections.event_index import ts_key
from ejournal.queries import mark_history
from ejournal.service import Service
from tests.audit.conftest import Recorded
from tests.builders import FakeClock, run


@dataclass
class Corrected:
    mark_id: str
    request_id: str
    after_first_correction: datetime


@pytest.fixture
def corrected(service: Service, recorded: Recorded, clock: FakeClock) -> Corrected:
    """A mark on the 30 November lesson, corrected by its author the same hour,
    then struck days later through a request the director approved."""
    school = recorded.school
    teacher = school.actor(service, "teacher")
    clock.set(datetime(2026, 11, 30, 8, 0, tzinfo=UTC))
    mark_id = run(service, teacher, "record-mark", {
        "lesson_id": school.future_lesson_id, "student_id": school.students[0],
        "value": "4", "work_type": "oral",
    })["mark_id"]
    clock.advance(minutes=10)
    run(service, teacher, "correct-mark", {
        "mark_id": mark_id, "value": "5", "reason": "typo",
    })
    clock.advance(minutes=1)
    after_first = clock()
    clock.advance(days=3)
    request_id = run(service, teacher, "request-correction", {
        "mark_id": mark_id, "value": None, "reason": "wrong pupil",
    })["request_id"]
    clock.advance(hours=2)
    run(service, school.actor(service, "director"), "approve-correction", {
        "request_id": request_id,
    })
    clock.advance(minutes=1)
    return Corrected(mark_id, request_id, after_first)


def test_every_revision_in_the_order_recorded(
    service: Service, recorded: Recorded, corrected: Corrected
) -> None:
    school = recorded.school
    answer = mark_history(service, school.actor(service, "auditor"), corrected.mark_id)
    assert answer["mark_id"] == corrected.mark_id
    assert answer["lesson_id"] == school.future_lesson_id
    assert answer["student_id"] == school.students[0]
    revisions = answer["revisions"]
    assert [r["type"] for r in revisions] == ["MarkRecorded"] + ["MarkCorrected"] * 2
    assert [r["value"] for r in revisions] == ["4", "5", None]
    assert [r["reason"] for r in revisions] == [None, "typo", "wrong pupil"]
    assert [r["request_id"] for r in revisions] == [None, None, corrected.request_id]
    assert [r["voided_by"] for r in revisions] == [None, None, None]
    assert revisions[0]["actor_id"] == school.accounts["teacher"]
    assert revisions[1]["actor_id"] == school.accounts["teacher"]
    assert revisions[0]["session_id"] == "session-teacher"
    stamps = [r["timestamp"] for r in revisions]
    assert stamps == sorted(stamps) and len(set(stamps)) == 3
    positions = [r["position"] for r in revisions]
    assert positions == sorted(positions) and None not in positions


def test_as_of_shows_the_revisions_made_by_then(
    service: Service, recorded: Recorded, corrected: Corrected
) -> None:
    auditor = recorded.school.actor(service, "auditor")
    then = mark_history(
        service, auditor, corrected.mark_id, corrected.after_first_correction
    )
    assert [r["value"] for r in then["revisions"]] == ["4", "5"]
    before = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)
    with pytest.raises(NotFound):
        mark_history(service, auditor, corrected.mark_id, before)


def test_a_voided_marks_history_names_the_incident(
    service: Service, recorded: Recorded
) -> None:
    history = recorded.history
    answer = mark_history(
        service, recorded.school.actor(service, "admin"), history.voided_mark
    )
    (revision,) = answer["revisions"]
    assert revision["value"] == "2"
    assert revision["voided_by"] == history.incident_id
    assert revision["actor_id"] == recorded.school.accounts["substitute"]
    before_void = mark_history(
        service,
        recorded.school.actor(service, "admin"),
        history.voided_mark,
        service.app.stream(history.incident_id)[0].timestamp - timedelta(seconds=1),
    )
    assert before_void["revisions"][0]["voided_by"] is None


def test_a_makeup_is_the_first_revision_of_its_mark(
    service: Service, recorded: Recorded, clock: FakeClock
) -> None:
    school = recorded.school
    teacher = school.actor(service, "teacher")
    clock.set(datetime(2026, 11, 30, 9, 0, tzinfo=UTC))
    run(service, teacher, "record-attendance", {
        "lesson_id": school.future_lesson_id,
        "entries": [{"student_id": school.students[1], "code": "ill"}],
    })
    clock.advance(days=2)
    mark_id = run(service, teacher, "record-makeup", {
        "lesson_id": school.future_lesson_id, "student_id": school.students[1],
        "value": "3", "work_type": "oral", "protocol": "П-7",
    })["mark_id"]
    answer = mark_history(service, school.actor(service, "director"), mark_id)
    (revision,) = answer["revisions"]
    assert (revision["type"], revision["value"]) == ("MakeupRecorded", "3")
    assert revision["timestamp"] == ts_key(clock())


@pytest.mark.parametrize("who", ["teacher", "deputy", "guardian", "secretary"])
def test_only_auditors_admins_and_the_director_read_it(
    service: Service, recorded: Recorded, who: str
) -> None:
    mark = recorded.history.marks[0]
    with pytest.raises(Forbidden):
        mark_history(service, recorded.school.actor(service, who), mark)
    for allowed in ("auditor", "admin", "director"):
        actor = recorded.school.actor(service, allowed)
        assert mark_history(service, actor, mark)["revisions"]


def test_an_unknown_mark_is_not_found(service: Service, recorded: Recorded) -> None:
    with pytest.raises(NotFound):
        mark_history(
            service,
            recorded.school.actor(service, "auditor"),
            "7d3f5a8e-0000-4000-8000-000000000000",
        )
