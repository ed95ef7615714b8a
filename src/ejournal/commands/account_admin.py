"""Administering accounts: contacts, roles, deactivation. A role revoked or an
account deactivated counts on its next request: the session lookup reads roles
and state from the account's document, never from the session."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from pydantic import StringConstraints

from ejournal.commands.accounts import Role
from ejournal.commands.base import Body, Context, Name, Outcome, ShortText, command
from ejournal.domain.account import Account
from ejournal.domain.errors import Forbidden

Email = Annotated[
    str,
    StringConstraints(
        max_length=254,
        strip_whitespace=True,
        pattern=r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$",
    ),
]
Phone = Annotated[
    str,
    StringConstraints(
        min_length=5,
        max_length=20,
        strip_whitespace=True,
        pattern=r"^\+?[0-9]([0-9 -]*[0-9])?$",
    ),
]


class EditAccount(Body):
    """Only the fields sent change; ``email: null`` or ``phone: null`` clears it."""

    account_id: UUID
    full_name: Name | None = None
    email: Email | None = None
    phone: Phone | None = None


@command(
    "edit-account",
    EditAccount,
    roles={"admin", "secretary"},
    summary="Change an account's name, e-mail or phone (a secretary: parents' only)",
)
def edit_account(ctx: Context, cmd: EditAccount) -> Outcome:
    account: Account = ctx.app.get(cmd.account_id, Account)
    if not ctx.actor.has("admin") and set(account.roles) != {"parent"}:
        raise Forbidden("the secretary edits only parents' (guardians') accounts")
    fields: dict[str, str | None] = {
        name: getattr(cmd, name)
        for name in ("full_name", "email", "phone")
        if name in cmd.model_fields_set
    }
    account.edit_details(ctx.meta, fields)
    return Outcome([account])


class RoleBody(Body):
    account_id: UUID
    role: Role


def _other_active_admins(ctx: Context, account_id: str) -> int:
    return sum(
        1
        for a in ctx.views.all_of_kind("account")
        if a["id"] != account_id
        and "admin" in a["roles"]
        and not a.get("blocked")
        and not a.get("deactivated")
    )


@command(
    "grant-role",
    RoleBody,
    roles={"admin"},
    summary="Give an account a role (from its next request)",
)
def grant_role(ctx: Context, cmd: RoleBody) -> Outcome:
    account: Account = ctx.app.get(cmd.account_id, Account)
    account.grant_role(ctx.meta, cmd.role)
    return Outcome([account])


@command(
    "revoke-role",
    RoleBody,
    roles={"admin"},
    summary="Take a role from an account (from its next request)",
    current_views=True,
)
def revoke_role(ctx: Context, cmd: RoleBody) -> Outcome:
    account: Account = ctx.app.get(cmd.account_id, Account)
    others = _other_active_admins(ctx, str(account.id))
    account.revoke_role(ctx.meta, cmd.role, other_active_admins=others)
    return Outcome([account])


class Deactivate(Body):
    account_id: UUID
    reason: ShortText


@command(
    "deactivate-account",
    Deactivate,
    roles={"admin"},
    summary="Close every session of an account and refuse its login until reactivated",
    current_views=True,
)
def deactivate_account(ctx: Context, cmd: Deactivate) -> Outcome:
    account: Account = ctx.app.get(cmd.account_id, Account)
    others = _other_active_admins(ctx, str(account.id))
    account.deactivate(ctx.meta, cmd.reason, other_active_admins=others)
    return Outcome([account])


class Reactivate(Body):
    account_id: UUID


@command(
    "reactivate-account",
    Reactivate,
    roles={"admin"},
    summary="Let a deactivated account log in again (old sessions stay closed)",
)
def reactivate_account(ctx: Context, cmd: Reactivate) -> Outcome:
    account: Account = ctx.app.get(cmd.account_id, Account)
    account.reactivate(ctx.meta)
    return Outcome([account])
