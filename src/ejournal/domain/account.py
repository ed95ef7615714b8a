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


class AccountDetailsEdited(AccountEvent):
    """The account's name, e-mail or phone changed: only the fields in ``changes``
    (a ``None`` clears an e-mail or a phone)."""

    changes: dict[str, str | None]

    def apply(self, aggregate: Account) -> None:
        for name, value in self.changes.items():
            setattr(aggregate, name, value)


class RoleGranted(AccountEvent):
    role: str

    def apply(self, aggregate: Account) -> None:
        if self.role not in aggregate.roles:
            aggregate.roles.append(self.role)


class RoleRevoked(AccountEvent):
    """Takes effect on the account's next request: sessions carry no roles."""

    role: str

    def apply(self, aggregate: Account) -> None:
        if self.role in aggregate.roles:
            aggregate.roles.remove(self.role)


class AccountDeactivated(AccountEvent):
    """The account leaves the school's service (not a compromise): every session
    dies, login is refused until reactivation."""

    reason: str

    def apply(self, aggregate: Account) -> None:
        aggregate.deactivated = True
        for session in aggregate.sessions.values():
            session["closed"] = True

    def outlast(self, aggregate: Account) -> None:
        """Voided, the account stays deactivated and its sessions ended, until a
        legitimate administrator reactivates it (a void never reopens a door)."""
        self.apply(aggregate)


class AccountReactivated(AccountEvent):
    """Login opens again; the sessions closed by the deactivation stay closed."""

    def apply(self, aggregate: Account) -> None:
        aggregate.deactivated = False


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
        self.deactivated = False
        self.email: str | None = None
        self.phone: str | None = None
        self.sessions: dict[str, dict[str, Any]] = {}

    @property
    def active(self) -> bool:
        """Login is open: neither blocked (a compromise) nor deactivated."""
        return not self.blocked and not self.deactivated

    def open_session(self, meta: Meta, token_hash: str, expires_at: datetime) -> None:
        if self.blocked:
            raise Conflict("the account is blocked until its password is reset")
        if self.deactivated:
            raise Conflict("the account is deactivated until an admin reactivates it")
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

    def edit_details(self, meta: Meta, fields: dict[str, str | None]) -> None:
        """``fields``: full_name, email, phone as asked; those already so are
        left out, and nothing left is a conflict (an edit must change something)."""
        if not fields:
            raise Invalid(
                "name at least one of full_name, email, phone", field="full_name"
            )
        if "full_name" in fields and not fields["full_name"]:
            raise Invalid("an account keeps a name", field="full_name")
        changes = {k: v for k, v in fields.items() if getattr(self, k) != v}
        if not changes:
            raise Conflict(
                f"the account already has that {', '.join(fields)}",
                field=next(iter(fields)),
            )
        self._trigger(AccountDetailsEdited, meta, changes=changes)

    def grant_role(self, meta: Meta, role: str) -> None:
        if role not in ROLES:
            raise Invalid(f"no role {role!r}", field="role")
        if role == "student":
            raise Invalid(
                "a pupil's account is created with its pupil, not granted",
                field="role",
            )
        if role in self.roles:
            raise Conflict(f"the account already has the role {role}", field="role")
        self._trigger(RoleGranted, meta, role=role)

    def revoke_role(self, meta: Meta, role: str, *, other_active_admins: int) -> None:
        """``other_active_admins``: active accounts with the admin role besides
        this one (the school must keep one)."""
        if role not in self.roles:
            raise Conflict(f"the account does not have the role {role}", field="role")
        if role == "student":
            raise Invalid(
                "a pupil's account keeps its role: deactivate it instead", field="role"
            )
        if role == "admin" and str(self.id) == meta.actor_id:
            raise Conflict("you cannot revoke your own admin role", field="role")
        if role == "admin" and self.active and other_active_admins == 0:
            raise Conflict(
                "this is the school's last active administrator: grant the admin "
                "role to another account first",
                field="role",
            )
        if self.roles == [role]:
            raise Conflict(
                "that is the account's only role: deactivate the account instead",
                field="role",
            )
        self._trigger(RoleRevoked, meta, role=role)

    def deactivate(self, meta: Meta, reason: str, *, other_active_admins: int) -> None:
        if str(self.id) == meta.actor_id:
            raise Conflict("you cannot deactivate your own account", field="account_id")
        if self.deactivated:
            raise Conflict("the account is already deactivated", field="account_id")
        if "admin" in self.roles and self.active and other_active_admins == 0:
            raise Conflict(
                "this is the school's last active administrator: grant the admin "
                "role to another account first",
                field="account_id",
            )
        self._trigger(AccountDeactivated, meta, reason=reason)

    def reactivate(self, meta: Meta) -> None:
        if not self.deactivated:
            raise Conflict("the account is not deactivated", field="account_id")
        self._trigger(AccountReactivated, meta)


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
