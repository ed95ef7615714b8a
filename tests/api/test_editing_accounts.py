"""Editing accounts over HTTP, on both backends: contacts in the lists, roles and
deactivation taking effect on a live session's next request, the last active
administrator kept, and the refusals (one school per module, fresh accounts)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from ejournal.api.app import create_app
from ejournal.domain.errors import Conflict
from ejournal.service import Service
from tests.api.conftest import API, Env
from tests.api.editing_support import (
    account_row,
    fields,
    get,
    login_as,
    new_account,
    ok,
    refused,
)
from tests.builders import PASSWORD


# -- edit-account -------------------------------------------------------------------
def test_the_admin_edits_a_name_and_contacts_shown_in_the_accounts_list(
    env: Env,
) -> None:
    teacher, session = new_account(env, "teacher")

    ok(
        env,
        "admin",
        "edit-account",
        {
            "account_id": teacher,
            "full_name": "Смирнова Ольга",
            "email": "o.smirnova@school.ru",
            "phone": "+7 900-12-34",
        },
    )

    row = account_row(env, "admin", teacher)
    assert (row["full_name"], row["email"], row["phone"]) == (
        "Смирнова Ольга",
        "o.smirnova@school.ru",
        "+7 900-12-34",
    )
    me = get(env, session, "/auth/me").json()
    assert me["full_name"] == "Смирнова Ольга"
    ok(env, "admin", "edit-account", {"account_id": teacher, "email": None})
    assert account_row(env, "auditor", teacher)["email"] is None


def test_the_secretary_edits_a_guardians_contacts_shown_in_the_guardians_list(
    env: Env,
) -> None:
    parent, _ = new_account(env, "parent")

    ok(
        env,
        "secretary",
        "edit-account",
        {"account_id": parent, "phone": "8 912 000 11 22"},
    )

    r = get(env, "secretary", "/guardians", limit=500)
    [row] = [g for g in r.json()["items"] if g["account_id"] == parent]
    assert (row["phone"], row["email"]) == ("8 912 000 11 22", None)


def test_edit_account_refusals(env: Env) -> None:
    teacher, _ = new_account(env, "teacher")
    parent_teacher, _ = new_account(env, "parent", "teacher")

    body = {"account_id": teacher, "full_name": "Другое Имя"}
    refused(env, "secretary", "edit-account", body, 403)
    mixed = {"account_id": parent_teacher, "phone": "12345"}
    refused(env, "secretary", "edit-account", mixed, 403)
    refused(env, "teacher", "edit-account", body, 403)
    for email in ("not-an-email", "a@b", "a b@c.ru", "x@" + "y" * 260 + ".ru"):
        bad = {"account_id": teacher, "email": email}
        assert fields(refused(env, "admin", "edit-account", bad, 422)) == {"email"}
    for phone in ("12", "phone-123456", "+7 900 12 34 56 78 90 12", "--12345"):
        bad = {"account_id": teacher, "phone": phone}
        assert fields(refused(env, "admin", "edit-account", bad, 422)) == {"phone"}
    same = {"account_id": teacher, "full_name": env.doc(teacher)["full_name"]}
    refused(env, "admin", "edit-account", same, 409)
    unknown = {"account_id": "00000000-0000-4000-8000-000000000000", "phone": "12345"}
    refused(env, "admin", "edit-account", unknown, 404)


# -- grant-role, revoke-role --------------------------------------------------------
def test_a_revoked_role_is_refused_on_the_live_session_at_once(env: Env) -> None:
    teacher, session = new_account(env, "teacher", "secretary")
    klass = env.run(
        "create-class",
        {
            "year_id": env.school.year_id,
            "name": env.unique("9-"),
            "grade": 9,
            "class_teacher_id": teacher,
        },
    )["class_id"]
    pupils = [env.enroll(klass) for _ in range(2)]
    group = {"class_id": klass, "name": "first", "student_ids": pupils}
    ok(env, session, "create-group", group)

    ok(env, "admin", "revoke-role", {"account_id": teacher, "role": "teacher"})

    problem = refused(env, session, "create-group", {**group, "name": "second"}, 403)
    assert "teacher" in problem["detail"]
    assert get(env, session, f"/classes/{klass}/journal").status_code == 403
    assert get(env, session, "/auth/me").json()["roles"] == ["secretary"]
    ok(env, "admin", "grant-role", {"account_id": teacher, "role": "teacher"})
    ok(env, session, "create-group", {**group, "name": "third"})
    assert sorted(account_row(env, "admin", teacher)["roles"]) == [
        "secretary",
        "teacher",
    ]


def test_role_refusals(env: Env) -> None:
    teacher, _ = new_account(env, "teacher")
    admin = env.school.accounts["admin"]

    held = {"account_id": teacher, "role": "teacher"}
    assert "already" in refused(env, "admin", "grant-role", held, 409)["detail"]
    absent = {"account_id": teacher, "role": "deputy"}
    refused(env, "admin", "revoke-role", absent, 409)
    assert "only role" in refused(env, "admin", "revoke-role", held, 409)["detail"]
    own = {"account_id": admin, "role": "admin"}
    assert "your own" in refused(env, "admin", "revoke-role", own, 409)["detail"]
    student = {"account_id": teacher, "role": "student"}
    assert fields(refused(env, "admin", "grant-role", student, 422)) == {"role"}
    bad = {"account_id": teacher, "role": "headmaster"}
    assert fields(refused(env, "admin", "grant-role", bad, 422)) == {"role"}
    unknown = {"account_id": "00000000-0000-4000-8000-000000000000", "role": "deputy"}
    refused(env, "admin", "grant-role", unknown, 404)
    refused(env, "deputy", "grant-role", absent, 403)
    refused(env, "director", "revoke-role", held, 403)


# -- deactivate-account, reactivate-account -----------------------------------------
def test_deactivation_ends_every_session_and_refuses_login_until_reactivated(
    env: Env,
) -> None:
    teacher, first = new_account(env, "teacher")
    login = env.doc(teacher)["login"]
    second = login_as(env, login)

    ok(env, "admin", "deactivate-account", {"account_id": teacher, "reason": "left"})

    for session in (first, second):
        assert get(env, session, "/auth/me").status_code == 401
    r = env.client.post(
        f"{API}/auth/login", json={"login": login, "password": PASSWORD}
    )
    assert r.status_code == 401
    assert "deactivated" in r.json()["detail"]
    row = account_row(env, "admin", teacher)
    assert (row["active"], row["deactivated"], row["blocked"]) == (False, True, False)
    inactive = get(env, "admin", "/accounts", active="false", limit=500).json()
    assert teacher in {a["account_id"] for a in inactive["items"]}

    ok(env, "admin", "reactivate-account", {"account_id": teacher})

    assert get(env, first, "/auth/me").status_code == 401
    assert get(env, login_as(env, login), "/auth/me").status_code == 200
    assert account_row(env, "admin", teacher)["active"] is True


def test_deactivation_refusals(env: Env) -> None:
    teacher, _ = new_account(env, "teacher")
    admin = env.school.accounts["admin"]

    refused(env, "admin", "reactivate-account", {"account_id": teacher}, 409)
    own = {"account_id": admin, "reason": "tired"}
    assert "your own" in refused(env, "admin", "deactivate-account", own, 409)["detail"]
    body = {"account_id": teacher, "reason": "left"}
    refused(env, "deputy", "deactivate-account", body, 403)
    refused(env, "secretary", "deactivate-account", body, 403)
    no_reason = {"account_id": teacher, "reason": " "}
    assert fields(refused(env, "admin", "deactivate-account", no_reason, 422)) == {
        "reason"
    }
    ok(env, "admin", "deactivate-account", body)
    refused(env, "admin", "deactivate-account", body, 409)
    refused(
        env,
        "admin",
        "reactivate-account",
        {"account_id": "00000000-0000-4000-8000-000000000000"},
        404,
    )


# -- the last active administrator (a school of its own) ----------------------------
@pytest.fixture
def bare(service: Service) -> Iterator[tuple[Service, TestClient]]:
    app = create_app(lambda: service, start_runner=False)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield service, client


def test_the_last_active_administrator_is_kept(
    bare: tuple[Service, TestClient],
) -> None:
    service, client = bare
    system = service.system_actor()
    ids = {}
    for login in ("first", "second"):
        ids[login] = service.execute(
            system,
            "create-account",
            {
                "login": login,
                "password": PASSWORD,
                "full_name": login,
                "roles": ["admin", "teacher"],
            },
        )["account_id"]
    r = client.post(f"{API}/auth/login", json={"login": "first", "password": PASSWORD})
    first = {"Authorization": f"Bearer {r.json()['token']}"}

    r = client.post(
        f"{API}/commands/revoke-role",
        headers=first,
        json={"account_id": ids["second"], "role": "admin"},
    )
    assert r.status_code == 200, r.text

    for name, body in (
        ("revoke-role", {"account_id": ids["first"], "role": "admin"}),
        ("deactivate-account", {"account_id": ids["first"], "reason": "gone"}),
    ):
        with pytest.raises(Conflict) as error:
            service.execute(system, name, body)
        assert "last active administrator" in error.value.detail
