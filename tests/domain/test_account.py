"""Accounts: roles, sessions (the credential instance that can be compromised),
password reset."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from ejournal.domain.account import (
    Account,
    AccountCreated,
    PasswordReset,
    SessionClosed,
    SessionOpened,
    create_account,
)
from ejournal.domain.base import fold
from ejournal.domain.errors import Conflict, Invalid
from tests.domain.builders import NOW, PUPIL, AccountStream, meta, only_event


def when_creating(
    roles: list[str], student_id: str | None = None, **kw: Any
) -> Account:
    return create_account(
        meta(),
        account_id=kw.get("account_id", str(uuid4())),
        login="ivanova",
        full_name="Иванова Мария",
        roles=roles,
        password_hash="argon2-hash",
        student_id=student_id,
    )


def test_creating_an_account_records_login_roles_and_hash_under_the_given_id() -> None:
    account_id = "8a4ad8cf-2d8c-4f7e-9a4b-1b7c5f0e6d21"

    account = when_creating(["teacher", "deputy"], account_id=account_id)

    [event] = account.collect_events()
    assert isinstance(event, AccountCreated)
    assert event.originator_id == UUID(account_id)
    assert (event.login, event.roles, event.password_hash, event.student_id) == (
        "ivanova",
        ["teacher", "deputy"],
        "argon2-hash",
        None,
    )
    assert account.blocked is False
    assert account.sessions == {}


def test_account_without_roles_is_refused() -> None:
    with pytest.raises(Invalid) as error:
        when_creating([])
    assert error.value.field == "roles"


def test_account_listing_a_role_twice_is_refused() -> None:
    with pytest.raises(Invalid) as error:
        when_creating(["teacher", "teacher"])
    assert error.value.field == "roles"


def test_student_account_without_its_pupil_is_refused() -> None:
    with pytest.raises(Invalid) as error:
        when_creating(["student"])
    assert error.value.field == "student_id"


def test_non_student_account_naming_a_pupil_is_refused() -> None:
    with pytest.raises(Invalid) as error:
        when_creating(["parent"], student_id=PUPIL)
    assert error.value.field == "student_id"


def test_student_account_names_its_pupil() -> None:
    account = when_creating(["student"], student_id=PUPIL)

    event = only_event(account, AccountCreated)
    assert event.student_id == PUPIL
    assert account.student_id == PUPIL


def test_opening_a_session_records_it_under_the_events_session_id() -> None:
    a = AccountStream()
    account: Account = fold([a.created()])
    expires = NOW + timedelta(hours=12)

    account.open_session(meta(session="s-new"), "token-hash", expires)

    [event] = account.collect_events()
    assert isinstance(event, SessionOpened)
    assert (event.session_id, event.token_hash, event.expires_at) == (
        "s-new",
        "token-hash",
        expires.isoformat(),
    )
    assert account.sessions["s-new"]["closed"] is False


def test_opening_a_session_on_a_blocked_account_is_a_conflict() -> None:
    a = AccountStream()
    account: Account = fold([a.created()])
    # No domain event blocks an account yet (the compromise incident will):
    # the state is set directly.
    account.blocked = True

    with pytest.raises(Conflict):
        account.open_session(meta(session="s-new"), "token-hash", NOW)
    assert account.collect_events() == []


def test_closing_an_open_session_records_why() -> None:
    a = AccountStream()
    account: Account = fold([a.created(), a.session_opened("s1")])

    account.close_session(meta(session="s1"), "s1", "logout")

    [event] = account.collect_events()
    assert isinstance(event, SessionClosed)
    assert (event.closed_session_id, event.reason) == ("s1", "logout")
    assert account.sessions["s1"]["closed"] is True


def test_closing_a_session_twice_is_a_conflict() -> None:
    a = AccountStream()
    account: Account = fold(
        [a.created(), a.session_opened("s1"), a.session_closed("s1")]
    )

    with pytest.raises(Conflict):
        account.close_session(meta(session="s1"), "s1", "logout")


def test_closing_an_unknown_session_is_a_conflict() -> None:
    a = AccountStream()
    account: Account = fold([a.created(), a.session_opened("s1")])

    with pytest.raises(Conflict):
        account.close_session(meta(), "s-unknown", "logout")


def test_closing_a_session_whose_login_was_voided_is_a_conflict() -> None:
    a = AccountStream()
    account: Account = fold([a.created(), a.session_opened("s1"), a.void(2)])

    with pytest.raises(Conflict):
        account.close_session(meta(), "s1", "logout")


def test_resetting_the_password_closes_every_session() -> None:
    a = AccountStream()
    account: Account = fold(
        [
            a.created(),
            a.session_opened("s1"),
            a.session_opened("s2"),
            a.session_closed("s1"),
            a.session_opened("s3"),
        ]
    )

    account.reset_password(meta(), "hash-new")

    [event] = account.collect_events()
    assert isinstance(event, PasswordReset)
    assert event.password_hash == "hash-new"
    assert account.password_hash == "hash-new"
    assert {sid: s["closed"] for sid, s in account.sessions.items()} == {
        "s1": True,
        "s2": True,
        "s3": True,
    }
    with pytest.raises(Conflict):
        account.close_session(meta(), "s3", "logout")


def test_resetting_the_password_unblocks_the_account() -> None:
    a = AccountStream()
    account: Account = fold([a.created()])
    account.blocked = True

    account.reset_password(meta(), "hash-new")
    account.open_session(meta(session="s-new"), "token-hash", NOW)

    assert [type(e) for e in account.collect_events()] == [PasswordReset, SessionOpened]


def test_voiding_a_password_reset_brings_the_old_hash_but_no_session_back() -> None:
    # Given a session, a password reset that ended it, and a void of the reset
    a = AccountStream()
    account: Account = fold(
        [
            a.created(password_hash="hash-0"),
            a.session_opened("s1"),
            a.password_reset("hash-1"),
            a.void(3),
        ]
    )

    # Then the password is the old one, and the session stays ended: a void
    # never reopens a door (domain/base.py)
    assert account.password_hash == "hash-0"
    assert account.sessions["s1"]["closed"] is True
