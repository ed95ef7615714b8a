"""Administering an account: its contacts, roles, deactivation and reactivation
(given its history, when an administrator decides, then the event or refusal)."""

from __future__ import annotations

from typing import Any

import pytest

from ejournal.domain.account import (
    Account,
    AccountBlocked,
    AccountDeactivated,
    AccountDetailsEdited,
    AccountReactivated,
    RoleGranted,
    RoleRevoked,
)
from ejournal.domain.base import fold
from ejournal.domain.errors import Conflict, Invalid
from ejournal.projections.streams import fold_doc
from tests.domain.builders import ADMIN, NOW, AccountStream, meta, only_event


def admin_meta() -> Any:
    return meta(actor=ADMIN, session="s-admin")


def given(*events: Any) -> Account:
    account: Account = fold(list(events))
    return account


# -- edit-account -----------------------------------------------------------------
def test_editing_records_only_the_fields_that_change() -> None:
    a = AccountStream()
    account = given(a.created(login="petrova"))

    account.edit_details(
        admin_meta(), {"full_name": "Petrova", "email": "p@school.ru", "phone": None}
    )

    event = only_event(account, AccountDetailsEdited)
    assert event.changes == {"email": "p@school.ru"}
    assert (account.full_name, account.email, account.phone) == (
        "Petrova",
        "p@school.ru",
        None,
    )


def test_an_edit_that_changes_nothing_is_a_conflict() -> None:
    a = AccountStream()
    account = given(
        a.created(login="petrova"),
        a.event(AccountDetailsEdited, changes={"phone": "+7 900 000-00-00"}),
    )

    with pytest.raises(Conflict) as error:
        account.edit_details(admin_meta(), {"phone": "+7 900 000-00-00"})
    assert error.value.field == "phone"
    assert account.collect_events() == []


def test_an_edit_naming_no_field_is_refused() -> None:
    account = given(AccountStream().created())

    with pytest.raises(Invalid):
        account.edit_details(admin_meta(), {})


def test_an_account_keeps_a_name() -> None:
    account = given(AccountStream().created())

    with pytest.raises(Invalid) as error:
        account.edit_details(admin_meta(), {"full_name": None})
    assert error.value.field == "full_name"


def test_a_voided_edit_leaves_the_old_name_in_the_document() -> None:
    a = AccountStream()
    events = [
        a.created(login="petrova"),
        a.event(
            AccountDetailsEdited, changes={"full_name": "Сидорова", "email": "x@y.ru"}
        ),
        a.void(2),
    ]

    doc = fold_doc(events)
    assert doc is not None
    assert (doc["full_name"], doc["email"]) == ("Petrova", None)
    assert given(*events).full_name == "Petrova"


# -- grant-role, revoke-role ------------------------------------------------------
def test_granting_a_role_adds_it() -> None:
    account = given(AccountStream().created())

    account.grant_role(admin_meta(), "deputy")

    assert only_event(account, RoleGranted).role == "deputy"
    assert account.roles == ["teacher", "deputy"]


def test_granting_a_role_held_is_a_conflict() -> None:
    account = given(AccountStream().created())

    with pytest.raises(Conflict):
        account.grant_role(admin_meta(), "teacher")


def test_the_student_role_is_not_granted() -> None:
    account = given(AccountStream().created())

    with pytest.raises(Invalid) as error:
        account.grant_role(admin_meta(), "student")
    assert error.value.field == "role"


def test_revoking_a_role_removes_it() -> None:
    a = AccountStream()
    account = given(a.created(roles=("teacher", "deputy")))

    account.revoke_role(admin_meta(), "teacher", other_active_admins=1)

    assert only_event(account, RoleRevoked).role == "teacher"
    assert account.roles == ["deputy"]


def test_revoking_a_role_not_held_is_a_conflict() -> None:
    account = given(AccountStream().created())

    with pytest.raises(Conflict):
        account.revoke_role(admin_meta(), "deputy", other_active_admins=1)


def test_revoking_the_only_role_is_a_conflict() -> None:
    account = given(AccountStream().created())

    with pytest.raises(Conflict) as error:
        account.revoke_role(admin_meta(), "teacher", other_active_admins=1)
    assert "deactivate" in error.value.detail


def test_revoking_your_own_admin_role_is_a_conflict() -> None:
    a = AccountStream()
    account = given(a.created(roles=("admin", "teacher")))

    with pytest.raises(Conflict) as error:
        account.revoke_role(meta(actor=str(a.id)), "admin", other_active_admins=3)
    assert "your own" in error.value.detail


def test_revoking_the_last_active_admin_is_a_conflict() -> None:
    account = given(AccountStream().created(roles=("admin", "teacher")))

    with pytest.raises(Conflict) as error:
        account.revoke_role(admin_meta(), "admin", other_active_admins=0)
    assert "last active administrator" in error.value.detail


def test_a_deactivated_admin_is_not_the_last_active_one() -> None:
    a = AccountStream()
    account = given(
        a.created(roles=("admin", "teacher")),
        a.event(AccountDeactivated, reason="left"),
    )

    account.revoke_role(admin_meta(), "admin", other_active_admins=0)

    assert account.roles == ["teacher"]


def test_a_voided_grant_takes_the_role_back() -> None:
    a = AccountStream()
    events = [a.created(), a.event(RoleGranted, role="deputy"), a.void(2)]

    assert given(*events).roles == ["teacher"]
    doc = fold_doc(events)
    assert doc is not None and doc["roles"] == ["teacher"]


# -- deactivate-account, reactivate-account ---------------------------------------
def test_deactivating_closes_every_session_and_refuses_login() -> None:
    a = AccountStream()
    account = given(a.created(), a.session_opened("s1"), a.session_opened("s2"))

    account.deactivate(admin_meta(), "left the school", other_active_admins=1)

    assert only_event(account, AccountDeactivated).reason == "left the school"
    assert account.deactivated and not account.blocked
    assert all(s["closed"] for s in account.sessions.values())
    with pytest.raises(Conflict) as error:
        account.open_session(meta(session="s3"), "h", NOW)
    assert "deactivated" in error.value.detail


def test_deactivating_yourself_is_a_conflict() -> None:
    a = AccountStream()
    account = given(a.created(roles=("admin",)))

    with pytest.raises(Conflict):
        account.deactivate(meta(actor=str(a.id)), "bye", other_active_admins=2)


def test_deactivating_twice_is_a_conflict() -> None:
    a = AccountStream()
    account = given(a.created(), a.event(AccountDeactivated, reason="left"))

    with pytest.raises(Conflict):
        account.deactivate(admin_meta(), "again", other_active_admins=1)


def test_deactivating_the_last_active_admin_is_a_conflict() -> None:
    account = given(AccountStream().created(roles=("admin",)))

    with pytest.raises(Conflict):
        account.deactivate(admin_meta(), "bye", other_active_admins=0)


def test_reactivating_opens_login_but_not_the_old_sessions() -> None:
    a = AccountStream()
    events = [
        a.created(),
        a.session_opened("s1"),
        a.event(AccountDeactivated, reason="left"),
    ]
    account = given(*events)

    account.reactivate(admin_meta())

    only_event(account, AccountReactivated)
    assert account.deactivated is False
    assert account.sessions["s1"]["closed"] is True
    doc = fold_doc([*events, a.event(AccountReactivated)])
    assert doc is not None
    assert doc["deactivated"] is False
    assert doc["sessions"]["s1"]["closed"] is True


def test_reactivating_an_active_account_is_a_conflict() -> None:
    account = given(AccountStream().created())

    with pytest.raises(Conflict):
        account.reactivate(admin_meta())


def test_deactivated_and_blocked_are_distinct() -> None:
    a = AccountStream()
    account = given(
        a.created(),
        a.event(AccountBlocked, incident_id="i1"),
        a.event(AccountDeactivated, reason="left"),
        a.password_reset(),
    )

    assert account.blocked is False
    assert account.deactivated is True
    assert not account.active


def test_a_voided_deactivation_outlasts_its_void() -> None:
    # Given a session, a deactivation (by a compromised admin), and its void
    a = AccountStream()
    events = [
        a.created(),
        a.session_opened("s1"),
        a.event(AccountDeactivated, reason="left"),
        a.void(3),
    ]

    # Then the account stays deactivated and the session ended, in the aggregate
    # and in its document alike: a void never reopens a door (domain/base.py);
    # a legitimate administrator reactivates it
    account = given(*events)
    assert account.deactivated is True
    assert account.sessions["s1"]["closed"] is True
    doc = fold_doc(events)
    assert doc is not None and doc["deactivated"] is True
    assert doc["sessions"]["s1"]["closed"] is True
