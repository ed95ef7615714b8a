"""What the editing tests share: commands as a caller, refusals that write
nothing, fresh accounts with a live session."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import API, PROBLEM_JSON, Env
from tests.builders import PASSWORD


def post(env: Env, who: str | dict[str, str], name: str, body: dict[str, Any]) -> Any:
    headers = env.headers[who] if isinstance(who, str) else who
    return env.client.post(f"{API}/commands/{name}", headers=headers, json=body)


def ok(env: Env, who: str | dict[str, str], name: str, body: dict[str, Any]) -> Any:
    r = post(env, who, name, body)
    assert r.status_code == 200, r.text
    return r.json()


def refused(
    env: Env, who: str | dict[str, str], name: str, body: dict[str, Any], status: int
) -> dict[str, Any]:
    before = env.position()
    r = post(env, who, name, body)
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith(PROBLEM_JSON)
    assert env.position() == before, "a refused command wrote events"
    problem: dict[str, Any] = r.json()
    return problem


def get(env: Env, who: str | dict[str, str], path: str, **params: Any) -> Any:
    headers = env.headers[who] if isinstance(who, str) else who
    return env.client.get(f"{API}{path}", headers=headers, params=params)


def new_account(env: Env, *roles: str) -> tuple[str, dict[str, str]]:
    """A fresh account and a logged-in session of it."""
    login = env.unique("ed.")
    account_id = env.run(
        "create-account",
        {"login": login, "password": PASSWORD, "full_name": login, "roles": roles},
    )["account_id"]
    return str(account_id), login_as(env, login)


def login_as(env: Env, login: str) -> dict[str, str]:
    r = env.client.post(
        f"{API}/auth/login", json={"login": login, "password": PASSWORD}
    )
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


def account_row(env: Env, who: str, account_id: str) -> dict[str, Any]:
    r = get(env, who, "/accounts", limit=500)
    assert r.status_code == 200, r.text
    [row] = [a for a in r.json()["items"] if a["account_id"] == account_id]
    return dict(row)


def fields(problem: dict[str, Any]) -> set[str]:
    return {e["field"] for e in problem.get("errors", [])}
