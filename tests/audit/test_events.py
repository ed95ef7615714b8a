"""The auditor's event browser: filters, voided events, cursor pages, data."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from ejournal.domain.errors import Forbidden
from ejournal.projections.event_index import ts_key
from ejournal.queries import audit_events
from ejournal.service import Service
from tests.audit.conftest import Recorded
from tests.audit.support import History
from tests.builders import PASSWORD, School, run


@pytest.fixture
def history(recorded: Recorded) -> History:
    return recorded.history


@pytest.fixture
def school(recorded: Recorded) -> School:
    return recorded.school


def browse(service: Service, school: School, **filters: Any) -> dict[str, Any]:
    return audit_events(service, school.actor(service, "auditor"), **filters)


def every_page(service: Service, school: School, **filters: Any) -> list[Any]:
    out: list[Any] = []
    after = 0
    while True:
        page = browse(service, school, after=after, **filters)
        out.extend(page["events"])
        if page["next"] is None:
            return out
        assert page["next"] == page["events"][-1]["position"]
        after = page["next"]


def test_an_accounts_events_show_who_how_when_and_the_data(
    service: Service, school: School, history: History
) -> None:
    teacher = school.accounts["teacher"]
    events = browse(service, school, account_id=teacher)["events"]
    assert [e["type"] for e in events] == ["MarkRecorded"] * 3 + ["AttendanceRecorded"]
    first = events[0]
    assert first["actor_id"] == teacher
    assert first["session_id"] == history.teacher_session
    assert first["client_ip"] == "127.0.0.1"
    assert first["command_id"]
    assert first["timestamp"].endswith("Z")
    assert first["voided_by"] is None
    assert first["stream_id"] == school.lesson_ids[0]
    assert first["data"]["mark_id"] == history.marks[0]
    assert first["data"]["value"] == "4"
    assert first["data"]["student_id"] == school.students[0]
    assert "actor_id" not in first["data"] and "timestamp" not in first["data"]
    positions = [e["position"] for e in events]
    assert positions == sorted(positions)


def test_voided_events_are_left_out_unless_asked_for_with_the_incident(
    service: Service, school: School, history: History
) -> None:
    victim = school.accounts["substitute"]
    assert browse(service, school, account_id=victim, type_="MarkRecorded")[
        "events"
    ] == []
    shown = browse(
        service, school, account_id=victim, type_="MarkRecorded", include_voided=True
    )["events"]
    assert len(shown) == 1
    assert shown[0]["voided_by"] == history.incident_id
    assert shown[0]["data"]["mark_id"] == history.voided_mark


def test_filters_by_session_stream_type_and_time(
    service: Service, school: School, history: History
) -> None:
    by_session = browse(service, school, session_id=history.teacher_session)
    assert {e["actor_id"] for e in by_session["events"]} == {school.accounts["teacher"]}
    by_stream = browse(service, school, stream_id=school.lesson_ids[1])["events"]
    assert {e["stream_id"] for e in by_stream} == {school.lesson_ids[1]}
    assert [e["type"] for e in by_stream][-1] == "AttendanceRecorded"
    marks = browse(service, school, type_="MarkRecorded")["events"]
    assert len(marks) == 3  # the voided fourth is left out
    window = browse(
        service,
        school,
        since=history.before_void - timedelta(minutes=5),
        until=history.before_void,
    )["events"]
    assert [e["type"] for e in window] == ["AttendanceRecorded"]


def test_pages_follow_the_log_and_end_with_no_cursor(
    service: Service, school: School, history: History
) -> None:
    whole = browse(service, school, limit=1000, include_voided=True)
    assert whole["next"] is None
    paged = every_page(service, school, limit=7, include_voided=True)
    assert paged == whole["events"]
    assert len(paged) == int(service.app.recorder.max_notification_id() or 0)


def test_as_of_before_a_void_shows_the_event_live(
    service: Service, school: School, history: History
) -> None:
    victim = school.accounts["substitute"]
    incident = service.app.stream(history.incident_id)[0]
    before = incident.timestamp - timedelta(seconds=1)
    then = browse(service, school, account_id=victim, as_of=before)["events"]
    assert [e["type"] for e in then if e["type"] == "MarkRecorded"] == ["MarkRecorded"]
    assert all(e["voided_by"] is None for e in then)
    now = browse(service, school, account_id=victim, include_voided=True)["events"]
    assert any(e["voided_by"] == history.incident_id for e in now)
    paged = every_page(service, school, as_of=before, limit=3)
    assert paged == browse(service, school, as_of=before, limit=1000)["events"]
    assert all(e["timestamp"] <= ts_key(before) for e in paged)
    assert max(e["position"] for e in paged) < service.runner.position


def test_credentials_are_redacted(
    service: Service, school: School, history: History
) -> None:
    service.login(school.logins["deputy"], PASSWORD, "10.0.0.7")
    created = browse(service, school, type_="AccountCreated", limit=1)["events"][0]
    assert created["data"]["password_hash"] == "[redacted]"
    assert created["data"]["login"] == "admin"
    (opened,) = browse(service, school, type_="SessionOpened")["events"]
    assert opened["data"]["token_hash"] == "[redacted]"
    assert opened["client_ip"] == "10.0.0.7"
    assert opened["actor_id"] == school.accounts["deputy"]


@pytest.mark.parametrize("who", ["teacher", "director", "deputy", "guardian"])
def test_only_auditors_and_admins_browse(
    service: Service, school: School, who: str
) -> None:
    with pytest.raises(Forbidden):
        audit_events(service, school.actor(service, who))
    assert audit_events(service, school.actor(service, "admin"))["events"]


def test_a_new_event_shows_on_the_next_page(
    service: Service, school: School, history: History
) -> None:
    whole = browse(service, school, limit=1000)["events"]
    run(service, school.actor(service, "teacher"), "set-lesson-topic", {
        "lesson_id": school.lesson_ids[3], "topic": "Проценты",
    })
    more = browse(service, school, after=whole[-1]["position"])["events"]
    assert [e["type"] for e in more] == ["TopicSet"]
