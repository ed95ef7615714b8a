"""Accounts: create one (its id derived from the login), reset a password."""

from __future__ import annotations

import uuid
from typing import Literal
from uuid import UUID

from pydantic import Field

from ejournal.commands.base import (
    Body,
    Context,
    Login,
    Name,
    Outcome,
    Password,
    command,
)
from ejournal.commands.lookups import need_doc, on_free_stream
from ejournal.domain.account import Account, create_account
from ejournal.domain.errors import Conflict
from ejournal.security import hash_password

Role = Literal[
    "admin",
    "director",
    "deputy",
    "teacher",
    "secretary",
    "auditor",
    "parent",
    "student",
]
ACCOUNT_NAMESPACE = uuid.UUID("0c7a0a57-3a3e-4c8e-8d7e-52b7c1f0a9d3")


def account_id_for(login: str) -> str:
    """One login, one stream: two concurrent creations of a login conflict."""
    return str(uuid.uuid5(ACCOUNT_NAMESPACE, login.lower()))


class CreateAccount(Body):
    login: Login
    password: Password
    full_name: Name
    roles: list[Role] = Field(min_length=1, max_length=8)
    student_id: UUID | None = None


@command("create-account", CreateAccount, roles={"admin"}, summary="Create an account")
def create_account_(ctx: Context, cmd: CreateAccount) -> Outcome:
    if ctx.views.key(f"login:{cmd.login.lower()}") is not None:
        raise Conflict(f"login {cmd.login!r} is taken", field="login")
    student_id = str(cmd.student_id) if cmd.student_id else None
    if student_id is not None:
        need_doc(ctx, student_id, "student", "pupil", "student_id")
    account = create_account(
        ctx.meta,
        account_id=account_id_for(cmd.login),
        login=cmd.login,
        full_name=cmd.full_name,
        roles=list(cmd.roles),
        password_hash=hash_password(cmd.password),
        student_id=student_id,
    )
    return Outcome([on_free_stream(ctx, account)], {"account_id": str(account.id)})


class ResetPassword(Body):
    account_id: UUID
    new_password: Password


@command(
    "reset-password",
    ResetPassword,
    roles={"admin"},
    summary="Set a new password; closes the account's sessions and lifts a block",
)
def reset_password(ctx: Context, cmd: ResetPassword) -> Outcome:
    account: Account = ctx.app.get(cmd.account_id, Account)
    account.reset_password(ctx.meta, hash_password(cmd.new_password))
    return Outcome([account])
