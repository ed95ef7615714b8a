"""A void never reopens a door (domain/base.py), through HTTP on both backends.

The administrator "admin" is compromised. Their attacker resets the teacher's
password (ending the teacher's sessions) and reports the deputy compromised
(ending the deputy's sessions, blocking the login). The second administrator
reports "admin" and voids everything done since. Then:

- the password the attacker set is void: the teacher's old password works again,
  the attacker's does not;
- the sessions the voided reset and the voided report ended stay ended: the old
  tokens get 401;
- the deputy stays blocked until a legitimate administrator resets the password.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from ejournal.api.app import create_app
from ejournal.domain.account import Account
from ejournal.service import Service
from tests.builders import PASSWORD, FakeClock, School
from tests.conftest import auth

API = "/api/v1"
ATTACKERS = "attackers-password-1"
Headers = dict[str, str]


@pytest.fixture
def client(service: Service, school: School) -> Iterator[TestClient]:
    app = create_app(lambda: service, start_runner=False)
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def post(client: TestClient, headers: Headers, name: str, body: object) -> object:
    r = client.post(f"{API}/commands/{name}", headers=headers, json=body)
    assert r.status_code == 200, (name, r.text)
    return r.json()


def status(client: TestClient, headers: Headers) -> int:
    return client.get(f"{API}/auth/me", headers=headers).status_code


def login_status(client: TestClient, login: str, password: str) -> int:
    r = client.post(f"{API}/auth/login", json={"login": login, "password": password})
    return r.status_code


def test_voiding_a_compromised_admin_reopens_no_session_and_lifts_no_block(
    service: Service, school: School, client: TestClient, clock: FakeClock
) -> None:
    teacher = auth(client, school.logins["teacher"], PASSWORD)
    deputy = auth(client, school.logins["deputy"], PASSWORD)
    since = clock()
    clock.advance(minutes=5)
    attacker = auth(client, school.logins["admin"], PASSWORD)
    post(
        client,
        attacker,
        "reset-password",
        {"account_id": school.accounts["teacher"], "new_password": ATTACKERS},
    )
    post(
        client,
        attacker,
        "report-compromise",
        {
            "account_id": school.accounts["deputy"],
            "reported_at": clock().isoformat(),
            "note": "a false report to lock the deputy out",
        },
    )
    assert status(client, teacher) == 401 and status(client, deputy) == 401

    clock.advance(minutes=30)
    admin2 = auth(client, school.logins["admin2"], PASSWORD)
    incident = post(
        client,
        admin2,
        "report-compromise",
        {
            "account_id": school.accounts["admin"],
            "reported_at": clock().isoformat(),
            "since": (since - timedelta(minutes=1)).isoformat(),
            "note": "the admin's password was phished",
        },
    )
    voided = post(
        client,
        admin2,
        "execute-invalidation",
        {"incident_id": incident["incident_id"]},  # type: ignore[index]
    )
    assert voided["voided"] >= 2  # type: ignore[index]

    # The attacker's password is void; the teacher's own works again.
    assert login_status(client, school.logins["teacher"], ATTACKERS) == 401
    assert login_status(client, school.logins["teacher"], PASSWORD) == 200
    # The sessions the voided reset and report ended stay ended.
    assert status(client, teacher) == 401
    assert status(client, deputy) == 401
    # The deputy stays blocked until a legitimate administrator resets it.
    assert login_status(client, school.logins["deputy"], PASSWORD) == 401
    listed = client.get(
        f"{API}/accounts", headers=admin2, params={"q": school.logins["deputy"]}
    ).json()
    rows = listed.get("accounts", listed.get("items", []))
    row = next(a for a in rows if a["account_id"] == school.accounts["deputy"])
    assert row["active"] is False
    post(
        client,
        admin2,
        "reset-password",
        {"account_id": school.accounts["deputy"], "new_password": "deputys-new-pw-2"},
    )
    assert login_status(client, school.logins["deputy"], "deputys-new-pw-2") == 200


def test_the_fold_keeps_what_outlasts_and_drops_the_rest(
    service: Service, school: School, client: TestClient, clock: FakeClock
) -> None:
    """The aggregate and its document agree on what a voided reset leaves."""
    teacher = auth(client, school.logins["teacher"], PASSWORD)
    since = clock()
    clock.advance(minutes=1)
    attacker = auth(client, school.logins["admin"], PASSWORD)
    post(
        client,
        attacker,
        "reset-password",
        {"account_id": school.accounts["teacher"], "new_password": ATTACKERS},
    )
    clock.advance(minutes=1)
    admin2 = auth(client, school.logins["admin2"], PASSWORD)
    incident = post(
        client,
        admin2,
        "report-compromise",
        {
            "account_id": school.accounts["admin"],
            "reported_at": clock().isoformat(),
            "since": since.isoformat(),
            "note": "phished",
        },
    )
    post(
        client,
        admin2,
        "execute-invalidation",
        {"incident_id": incident["incident_id"]},  # type: ignore[index]
    )
    assert status(client, teacher) == 401
    account: Account = service.app.get(school.accounts["teacher"], Account)
    from ejournal.projections.reader import reader

    with reader(service.app) as views:
        doc = views.doc(school.accounts["teacher"])
    assert doc is not None
    opened = list(doc["sessions"])
    assert opened, "the teacher's session is in the document"
    for sid in opened:
        assert doc["sessions"][sid]["closed"] is True
        assert account.sessions[sid]["closed"] is True
    assert account.blocked is False and doc["blocked"] is False
