"""An account (учётная запись): login, password hash, roles, sessions, lock.

A session is the credential instance that can be compromised: every event written
through it carries its id. Tokens themselves are never stored, only their hash.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from ejournal.domain.base import Meta, SchoolAggregate, SchoolEvent, meta_fields
from ejournal.domain.errors import Conflict, Invalid

ROLES = (
    "admin",
    "director",
    "deputy",
    "teacher",
    "secretary",
    "auditor",
    "parent",
    "student",
)


class AccountEvent(SchoolEvent):
    stream_kind = "account"


class AccountCreated(AccountEvent, SchoolAggregate.Created):
    login: str
    full_name: str
    roles: list[str]
    password_hash: str
    student_id: str | None


class PasswordReset(AccountEvent):
    password_hash: str

    def apply(self, aggregate: Account) -> None:
        aggregate.password_hash = self.password_hash
        aggregate.blocked = False
        self.outlast(aggregate)

    def outlast(self, aggregate: Account) -> None:
        """Voided, the new password and the unblocking go; the sessions it ended
        stay ended (domain/base.py: a void never reopens a door)."""
        for session in aggregate.sessions.values():
            session["closed"] = True


class SessionOpened(AccountEvent):
    """A login. The event's own ``session_id`` is the new session."""

    token_hash: str
    expires_at: str

    def apply(self, aggregate: Account) -> None:
        assert self.session_id is not None
        aggregate.sessions[self.session_id] = {
            "token_hash": self.token_hash,
            "expires_at": self.expires_at,
            "closed": False,
        }


class SessionClosed(AccountEvent):
    closed_session_id: str
    reason: str

    def apply(self, aggregate: Account) -> None:
        session = aggregate.sessions.get(self.closed_session_id)
        if session is not None:
            session["closed"] = True

    def outlast(self, aggregate: Account) -> None:
        """Voided, the session stays closed."""
        self.apply(aggregate)


class AccountBlocked(AccountEvent):
    """A compromise was reported: every session dies, login waits for a new
    password."""

    incident_id: str

    def apply(self, aggregate: Account) -> None:
        aggregate.blocked = True
        for session in aggregate.sessions.values():
            session["closed"] = True

    def outlast(self, aggregate: Account) -> None:
        """Voided, the block and the ended sessions stay, until a password reset
        by a legitimate administrator."""
        self.apply(aggregate)


class Account(SchoolAggregate):
    def __init__(
        self,
        login: str,
        full_name: str,
        roles: list[str],
        password_hash: str,
        student_id: str | None,
    ) -> None:
        self.login = login
        self.full_name = full_name
        self.roles = list(roles)
        self.password_hash = password_hash
        self.student_id = student_id
        self.blocked = False
        self.sessions: dict[str, dict[str, Any]] = {}

    def open_session(self, meta: Meta, token_hash: str, expires_at: datetime) -> None:
        if self.blocked:
            raise Conflict("the account is blocked until its password is reset")
        self._trigger(
            SessionOpened,
            meta,
            token_hash=token_hash,
            expires_at=expires_at.isoformat(),
        )

    def close_session(self, meta: Meta, session_id: str, reason: str) -> None:
        session = self.sessions.get(session_id)
        if session is None or session["closed"]:
            raise Conflict("the session is not open")
        self._trigger(SessionClosed, meta, closed_session_id=session_id, reason=reason)

    def block(self, meta: Meta, incident_id: str) -> None:
        self._trigger(AccountBlocked, meta, incident_id=incident_id)

    def reset_password(self, meta: Meta, password_hash: str) -> None:
        self._trigger(PasswordReset, meta, password_hash=password_hash)


def create_account(
    meta: Meta,
    *,
    account_id: str,
    login: str,
    full_name: str,
    roles: list[str],
    password_hash: str,
    student_id: str | None,
) -> Account:
    if not roles:
        raise Invalid("an account needs at least one role", field="roles")
    if len(set(roles)) != len(roles):
        raise Invalid("a role is listed twice", field="roles")
    if "student" in roles and student_id is None:
        raise Invalid("a student account names its pupil", field="student_id")
    if student_id is not None and "student" not in roles:
        raise Invalid("only a student account names a pupil", field="student_id")
    return Account._create(
        AccountCreated,
        id=UUID(account_id),
        **meta_fields(meta),
        login=login,
        full_name=full_name,
        roles=list(roles),
        password_hash=password_hash,
        student_id=student_id,
    )
