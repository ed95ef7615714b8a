"""Sessions and idempotency over HTTP (API.md "Auth" and "Conventions").

Tests that move the clock or count failed logins get a school of their own
(function-scoped ``client``/``school``/``clock``); the others share ``env``.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import API, PROBLEM_JSON, Env
from tests.builders import PASSWORD, FakeClock, School


def login(client: TestClient, name: str, password: str = PASSWORD) -> Any:
    return client.post(f"{API}/auth/login", json={"login": name, "password": password})


def bearer(client: TestClient, name: str) -> dict[str, str]:
    r = login(client, name)
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


def assert_problem(r: Any, status: int) -> None:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith(PROBLEM_JSON)
    body = r.json()
    assert body["status"] == status
    assert {"type", "title", "detail"} <= set(body)


def mark_body(school: School, value: str = "5") -> dict[str, Any]:
    return {"lesson_id": school.lesson_ids[0], "student_id": school.students[0],
            "value": value, "work_type": "oral"}


def test_five_failures_lock_the_login_for_15_minutes(
    client: TestClient, school: School, clock: FakeClock
) -> None:
    for _ in range(4):
        assert_problem(login(client, "director", "wrong-horse-9"), 401)
    assert login(client, "director").status_code == 200  # four do not lock
    for _ in range(5):
        assert_problem(login(client, "teacher", "wrong-horse-9"), 401)
    assert_problem(login(client, "teacher"), 429)  # even with the right password
    assert_problem(login(client, "teacher", "wrong-horse-9"), 429)
    assert login(client, "deputy").status_code == 200  # other logins are not locked
    clock.advance(minutes=14)
    assert_problem(login(client, "teacher"), 429)
    clock.advance(minutes=2)
    r = login(client, "teacher")
    assert r.status_code == 200, r.text


def test_token_expires_after_12_hours(
    client: TestClient, school: School, clock: FakeClock
) -> None:
    headers = bearer(client, "teacher")
    clock.advance(hours=11, minutes=59)
    assert client.get(f"{API}/auth/me", headers=headers).status_code == 200
    clock.advance(minutes=1)
    assert_problem(client.get(f"{API}/auth/me", headers=headers), 401)
    r = client.post(f"{API}/commands/record-mark", headers=headers,
                    json=mark_body(school))
    assert_problem(r, 401)


# -- the rest does not move the clock, so shares one school per backend -----------
@pytest.mark.parametrize("raw", [b'{"login": "teacher", ', b"[1, 2]", b""],
                         ids=["truncated", "array", "empty"])
def test_malformed_login_body_is_400(env: Env, raw: bytes) -> None:
    """As for commands (the same inputs are 400 there): 400 malformed."""
    r = env.client.post(f"{API}/auth/login", content=raw,
                        headers={"Content-Type": "application/json"})
    assert_problem(r, 400)


def test_login_without_password_is_422(env: Env) -> None:
    r = env.client.post(f"{API}/auth/login", json={"login": "teacher"})
    assert_problem(r, 422)
    assert [e["field"] for e in r.json()["errors"]] == ["password"]


def test_login_answers_token_account_roles_and_expiry(env: Env) -> None:
    r = login(env.client, "teacher")
    assert r.status_code == 200, r.text
    body = r.json()
    assert {"token", "account_id", "roles", "expires_at"} <= set(body)
    assert isinstance(body["token"], str) and len(body["token"]) >= 20
    assert body["account_id"] == env.school.accounts["teacher"]
    assert body["roles"] == ["teacher"]
    expires = datetime.fromisoformat(body["expires_at"].replace("Z", "+00:00"))
    assert expires.utcoffset() is not None
    assert expires == env.clock() + timedelta(hours=12)
    me = env.client.get(f"{API}/auth/me",
                        headers={"Authorization": f"Bearer {body['token']}"})
    assert me.status_code == 200, me.text
    assert me.json() == {"account_id": env.school.accounts["teacher"],
                         "login": "teacher", "full_name": "Teacher",
                         "roles": ["teacher"]}


# The failures land on logins no other test of this module signs in with.
@pytest.mark.parametrize(("name", "password"), [
    ("auditor", "wrong-horse-9"), ("nobody", PASSWORD), ("auditor", PASSWORD + " "),
], ids=["wrong-password", "unknown-login", "password-with-space"])
def test_bad_credentials_are_401(env: Env, name: str, password: str) -> None:
    before = env.position()
    r = login(env.client, name, password)
    assert_problem(r, 401)
    assert "token" not in r.json()
    assert env.position() == before


def test_logout_kills_only_that_token(env: Env) -> None:
    first, second = env.login("teacher"), env.login("teacher")
    r = env.client.post(f"{API}/auth/logout", headers=first)
    assert r.status_code == 204, r.text
    assert r.content == b""
    assert_problem(env.client.get(f"{API}/auth/me", headers=first), 401)
    before = env.position()
    r = env.client.post(f"{API}/commands/record-mark", headers=first,
                        json=mark_body(env.school))
    assert_problem(r, 401)
    assert env.position() == before
    assert_problem(env.client.post(f"{API}/auth/logout", headers=first), 401)
    assert env.client.get(f"{API}/auth/me", headers=second).status_code == 200


BAD_AUTH = {
    "none": {},
    "garbage": {"Authorization": "Bearer not-a-token"},
    "empty-bearer": {"Authorization": "Bearer "},
    "no-scheme": {"Authorization": "not-a-token"},
    "basic": {"Authorization": "Basic dGVhY2hlcjpjb3JyZWN0LWhvcnNlLTk="},
    "huge": {"Authorization": "Bearer " + "x" * 600},
}
ROUTES = {
    "me": ("GET", "/auth/me"),
    "logout": ("POST", "/auth/logout"),
    "record-mark": ("POST", "/commands/record-mark"),
    "create-account": ("POST", "/commands/create-account"),
    "course-journal": ("GET", "/courses/{course}/journal"),
    "diary": ("GET", "/students/{student}/diary"),
}


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("auth", BAD_AUTH)
def test_missing_or_invalid_bearer_is_401(env: Env, auth: str, route: str) -> None:
    method, path = ROUTES[route]
    school = env.school
    url = API + path.format(course=school.course_id, student=school.students[0])
    before = env.position()
    if method == "GET":
        r = env.client.get(url, headers=BAD_AUTH[auth])
    else:
        r = env.client.post(url, headers=BAD_AUTH[auth], json=mark_body(school))
    assert_problem(r, 401)
    assert env.position() == before


def test_health_needs_no_token(env: Env) -> None:
    r = env.client.get(f"{API}/health")
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "ok"
    assert isinstance(r.json()["position"], int)


def with_key(env: Env, name: str, key: str | None = None) -> dict[str, str]:
    return {**env.headers[name], "Idempotency-Key": key or str(uuid.uuid4())}


def test_same_key_same_body_replays_the_first_answer(env: Env) -> None:
    school, headers = env.school, with_key(env, "teacher")
    body = mark_body(school, "3")
    first = env.client.post(f"{API}/commands/record-mark", headers=headers, json=body)
    assert first.status_code == 200, first.text
    after_first = env.position()
    assert first.json()["position"] == after_first
    again = env.client.post(f"{API}/commands/record-mark", headers=headers, json=body)
    assert again.status_code == 200, again.text
    assert again.json() == first.json()
    assert env.position() == after_first
    journal = env.client.get(f"{API}/courses/{school.course_id}/journal",
                             headers=headers)
    lesson = next(x for x in journal.json()["lessons"]
                  if x["lesson_id"] == school.lesson_ids[0])
    marks = lesson["cells"][school.students[0]]["marks"]
    assert [m["mark_id"] for m in marks].count(first.json()["mark_id"]) == 1
    assert len(marks) == len({m["mark_id"] for m in marks})


def test_same_key_replays_a_created_account(env: Env) -> None:
    headers = with_key(env, "admin")
    body = {"login": "idem.teacher", "password": PASSWORD, "full_name": "Новый",
            "roles": ["teacher"]}
    first = env.client.post(f"{API}/commands/create-account", headers=headers,
                            json=body)
    assert first.status_code == 200, first.text
    after_first = env.position()
    again = env.client.post(f"{API}/commands/create-account", headers=headers,
                            json=body)
    assert again.status_code == 200, again.text  # not 409 "login taken"
    assert again.json() == first.json()
    assert env.position() == after_first


def test_same_key_other_body_is_409(env: Env) -> None:
    headers = with_key(env, "teacher")
    first = env.client.post(f"{API}/commands/record-mark", headers=headers,
                            json=mark_body(env.school, "5"))
    assert first.status_code == 200, first.text
    before = env.position()
    r = env.client.post(f"{API}/commands/record-mark", headers=headers,
                        json=mark_body(env.school, "4"))
    assert_problem(r, 409)
    assert env.position() == before


@pytest.mark.parametrize("key", ["not-a-uuid", "12345", "{}"])
def test_non_uuid_key_is_400(env: Env, key: str) -> None:
    before = env.position()
    r = env.client.post(f"{API}/commands/record-mark",
                        headers=with_key(env, "teacher", key),
                        json=mark_body(env.school))
    assert_problem(r, 400)
    assert env.position() == before
