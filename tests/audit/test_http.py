"""GET /audit/…: who may ask, what bad input gets, and the answers' shape."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from ejournal import ledger_check
from ejournal.service import Service
from tests.audit.conftest import Recorded
from tests.audit.support import flip_byte, position_of, set_state
from tests.builders import PASSWORD, void
from tests.conftest import auth

API = "/api/v1/audit"
PROBLEM = "application/problem+json"


def login(client: TestClient, recorded: Recorded, name: str) -> dict[str, str]:
    return auth(client, recorded.school.logins[name], PASSWORD)


def get(client: TestClient, path: str, headers: dict[str, str], **params: Any) -> Any:
    return client.get(f"{API}{path}", headers=headers, params=params)


def test_an_auditor_pages_through_the_events(
    client: TestClient, recorded: Recorded
) -> None:
    headers = login(client, recorded, "auditor")
    first = get(client, "/events", headers, limit=5, include_voided="true")
    assert first.status_code == 200, first.text
    body = first.json()
    assert len(body["events"]) == 5 and body["next"] == body["events"][-1]["position"]
    event = body["events"][0]
    assert {
        "position", "stream_id", "version", "type", "timestamp", "actor_id",
        "session_id", "client_ip", "data", "voided_by",
    } <= set(event)
    second = get(client, "/events", headers, limit=5, after=body["next"]).json()
    assert second["events"][0]["position"] > body["next"]
    voided = get(
        client, "/events", headers, include_voided="true",
        account_id=recorded.school.accounts["substitute"], type="MarkRecorded",
    ).json()["events"]
    assert [e["voided_by"] for e in voided] == [recorded.history.incident_id]


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 0},
        {"limit": 1001},
        {"limit": "many"},
        {"after": -1},
        {"after": "abc"},
        {"after": 2**63},
        {"since": "yesterday"},
        {"since": "2026-11-23T10:00:00"},
        {"until": "2026-13-01T00:00:00+03:00"},
        {"as_of": "2026-11-23T10:00:00"},
        {"account_id": "not-a-uuid"},
        {"stream_id": "12345"},
        {"include_voided": "perhaps"},
        {"type": "X" * 101},
        {"type": "Mark\x01"},
        {"session_id": "\x00"},
        {"since": "0001-01-01T00:00:00+14:00"},
        {"as_of": "9999-12-31T23:59:59-14:00"},
    ],
)
def test_bad_event_filters_are_422(
    client: TestClient, recorded: Recorded, params: dict[str, Any]
) -> None:
    r = get(client, "/events", login(client, recorded, "admin"), **params)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith(PROBLEM)
    assert r.json()["errors"]


@pytest.mark.parametrize(
    ("path", "allowed", "refused"),
    [
        ("/events", ["auditor", "admin"],
         ["director", "deputy", "teacher", "guardian"]),
        ("/ledger", ["auditor", "admin"], ["director", "teacher", "student"]),
        ("/marks/{mark}/history", ["auditor", "admin", "director"],
         ["deputy", "teacher", "guardian"]),
    ],
)
def test_who_may_ask(
    client: TestClient, recorded: Recorded, path: str, allowed: list[str],
    refused: list[str],
) -> None:
    path = path.format(mark=recorded.history.marks[0])
    assert client.get(f"{API}{path}").status_code == 401
    for name in allowed:
        assert get(client, path, login(client, recorded, name)).status_code == 200
    for name in refused:
        r = get(client, path, login(client, recorded, name))
        assert r.status_code == 403, (name, r.text)
        assert r.headers["content-type"].startswith(PROBLEM)


def test_mark_history_over_http(client: TestClient, recorded: Recorded) -> None:
    headers = login(client, recorded, "director")
    mark = recorded.history.marks[1]
    body = get(client, f"/marks/{mark}/history", headers).json()
    assert body["mark_id"] == mark
    assert [r["value"] for r in body["revisions"]] == ["5"]
    fields = {"value", "actor_id", "timestamp", "reason", "voided_by", "request_id"}
    assert fields <= set(body["revisions"][0])
    for unknown in ("not-a-mark", "7d3f5a8e-0000-4000-8000-000000000000"):
        r = get(client, f"/marks/{unknown}/history", headers)
        assert r.status_code == 404 and r.headers["content-type"].startswith(PROBLEM)
    for bad in ("x", "2026-11-23T10:00:00", "0001-01-01T00:00:00+14:00"):
        r = get(client, f"/marks/{mark}/history", headers, as_of=bad)
        assert r.status_code == 422, r.text
        r = get(client, "/ledger", login(client, recorded, "auditor"), as_of=bad)
        assert r.status_code == 422, r.text


def test_moments_before_the_epoch_select_what_the_epoch_does(
    client: TestClient, recorded: Recorded
) -> None:
    headers = login(client, recorded, "admin")
    everything = get(client, "/events", headers, limit=1000).json()
    old = get(client, "/events", headers, limit=1000, since="1900-01-02T00:00:00Z")
    assert old.status_code == 200 and old.json() == everything
    none = get(client, "/events", headers, until="1969-01-01T00:00:00+00:00")
    assert none.status_code == 200 and none.json() == {"events": [], "next": None}
    # Before the range a client may send at all (ejournal.datebounds): a 422.
    far = get(client, "/events", headers, since="0500-01-01T00:00:00Z")
    assert far.status_code == 422 and far.json()["errors"][0]["field"] == "since"


def test_the_ledger_answers_its_head_and_whether_the_log_matches(
    client: TestClient, service: Service, recorded: Recorded
) -> None:
    headers = login(client, recorded, "auditor")
    ok = get(client, "/ledger", headers).json()
    assert ok["verified"] is True and ok["first_bad_position"] is None
    assert ok["position"] == service.runner.position
    assert len(ok["head_hash"]) == 64
    moment = recorded.history.before_void.isoformat()
    then = get(client, "/ledger", headers, as_of=moment).json()
    assert then["verified"] and then["position"] < ok["position"]
    assert ok["check"] is None and ok["checked_at"] is None  # never checked yet
    target = position_of(service, "MarkRecorded", 0)
    flip_byte(service, target)
    # The read does not recompute the chain: it says what the last check found.
    unseen = get(client, "/ledger", headers).json()
    assert unseen["verified"] is True and unseen["checked_at"] is None
    started = client.post("/api/v1/audit/ledger/verify", headers=headers)
    assert started.status_code == 202, started.text
    assert started.json()["started"] is True
    assert started.json()["check"]["state"] == "running"
    service.ledger_checker.wait()
    broken = get(client, "/ledger", headers).json()
    assert broken["verified"] is False
    assert broken["first_bad_position"] == target
    assert broken["check"]["state"] == "done"
    assert broken["check"]["checked"] == target - 1  # the links before it held
    assert broken["checked_upto"] == ok["position"] and broken["checked_at"]


def test_only_one_full_check_runs_at_a_time_and_a_teacher_starts_none(
    client: TestClient, service: Service, recorded: Recorded
) -> None:
    headers = login(client, recorded, "admin")
    db = service.app.db()
    assert ledger_check.claim(db, 0)  # a job another process runs
    busy = client.post("/api/v1/audit/ledger/verify", headers=headers)
    assert busy.status_code == 202 and busy.json()["started"] is False
    assert busy.json()["check"]["state"] == "running"
    ledger_check.check_claimed(db)  # that job ends
    again = client.post("/api/v1/audit/ledger/verify", headers=headers).json()
    assert again["started"] is True
    service.ledger_checker.wait()
    done = get(client, "/ledger", headers).json()
    assert done["verified"] is True and done["check"]["state"] == "done"
    assert done["checked_upto"] == done["position"]
    teacher = login(client, recorded, "teacher")
    refused = client.post("/api/v1/audit/ledger/verify", headers=teacher)
    assert refused.status_code == 403, refused.text


def test_the_ledger_answers_even_when_the_views_are_stuck(
    client: TestClient, service: Service, recorded: Recorded
) -> None:
    """An event written past the views' position and then garbled in the database
    stops the catch-up; the auditor still gets the chain's state, not a 500."""
    headers = login(client, recorded, "auditor")
    void(service, recorded.school.lesson_ids[0], [2], catch_up=False)
    position = int(service.app.recorder.max_notification_id() or 0)
    set_state(service, position, b"not json")
    r = get(client, "/ledger", headers)
    assert r.status_code == 200, r.text
    assert r.json()["verified"] is True and r.json()["pending"] == 1
    assert get(client, "/events", headers).status_code == 200
