"""acknowledge-diary (API.md "Parents"): a guardian confirms having read a week of
the pupil's diary (факт ознакомления, S1). Who may is in the full role matrix;
here, what it records and what it refuses."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import API, PROBLEM_JSON, Env


def acknowledge(env: Env, who: str, body: dict[str, Any]) -> Any:
    return env.client.post(f"{API}/commands/acknowledge-diary",
                           headers=env.headers[who], json=body)


def refused(env: Env, answer: Any, status: int, field: str) -> None:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith(PROBLEM_JSON)
    if status == 422:
        assert field in [e["field"] for e in answer.json()["errors"]], answer.json()


def test_a_guardian_acknowledges_a_week_once(env: Env) -> None:
    pupil = env.school.students[0]
    body = {"student_id": pupil, "week_start": "2026-11-16"}

    r = acknowledge(env, "guardian", body)

    assert r.status_code == 200, r.text
    assert [e["type"] for e in r.json()["events"]] == ["DiaryAcknowledged"]
    event = r.json()["events"][0]
    assert event["stream_id"] == pupil
    week = env.doc(pupil)["acknowledgements"]["2026-11-16"]
    assert list(week) == [env.school.accounts["guardian"]]
    assert week[env.school.accounts["guardian"]].startswith("2026-11-23T07:00")
    before = env.position()
    refused(env, acknowledge(env, "guardian", body), 409, "week_start")
    assert env.position() == before
    # The current week may be acknowledged too (it has begun).
    current = {"student_id": pupil, "week_start": "2026-11-23"}
    assert acknowledge(env, "guardian", current).status_code == 200


def test_the_week_is_named_by_its_monday_and_has_begun(env: Env) -> None:
    pupil = env.school.students[0]
    before = env.position()
    refused(env, acknowledge(env, "guardian", {
        "student_id": pupil, "week_start": "2026-11-18"}), 422, "week_start")
    refused(env, acknowledge(env, "guardian", {
        "student_id": pupil, "week_start": "2026-11-30"}), 422, "week_start")
    refused(env, acknowledge(env, "guardian", {
        "student_id": pupil, "week_start": "not a date"}), 422, "week_start")
    refused(env, acknowledge(env, "guardian", {
        "student_id": pupil}), 422, "week_start")
    assert env.position() == before


def test_someone_elses_child_does_not_exist_for_a_parent(env: Env) -> None:
    before = env.position()
    for pupil in (env.school.students[1], env.school.other_student,
                  "3f0c9a52-8a0e-4a3b-9c55-0d1e2f3a4b5c"):
        refused(env, acknowledge(env, "guardian", {
            "student_id": pupil, "week_start": "2026-11-16"}), 404, "student_id")
    assert env.position() == before


def test_an_acknowledgement_is_in_the_audit_trail(env: Env) -> None:
    pupil = env.school.students[0]
    assert acknowledge(env, "guardian", {
        "student_id": pupil, "week_start": "2026-11-09"}).status_code == 200
    r = env.client.get(f"{API}/audit/events", headers=env.headers["auditor"],
                       params={"stream_id": pupil, "type": "DiaryAcknowledged"})
    assert r.status_code == 200, r.text
    events = r.json()["events"]
    assert {e["data"]["week_start"] for e in events} >= {"2026-11-09"}
    assert {e["actor_id"] for e in events} == {env.school.accounts["guardian"]}
