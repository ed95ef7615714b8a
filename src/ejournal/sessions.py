"""Signing in and out: the login throttle, sessions opened and closed on the
account's stream, and the token lookup every request makes (kept in the views
cache while the views loop keeps it exact)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from ejournal.commands.executor import MAX_ATTEMPTS, pause
from ejournal.domain.account import Account
from ejournal.domain.base import Meta, new_id
from ejournal.domain.errors import Conflict, TooManyAttempts, Unauthorized
from ejournal.projections.reader import reader
from ejournal.security import (
    DUMMY_HASH,
    Actor,
    new_token,
    token_hash,
    verify_password,
)
from ejournal.store import IntegrityError

if TYPE_CHECKING:
    from ejournal.service import Service

LOGIN_WINDOW = timedelta(minutes=15)
LOGIN_FAILURES_ALLOWED = 5
# The login throttle: one row per failed attempt, by normalized login.
TABLES = [
    """CREATE TABLE IF NOT EXISTS ej_login_failures (
        login TEXT NOT NULL, at TEXT NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS ix_login_failures ON ej_login_failures (login, at)",
]


class Sessions:
    """Login, logout and authentication for one service."""

    def __init__(self, service: Service) -> None:
        self.service = service
        service.app.db().create(TABLES)

    def login(self, login: str, password: str, client_ip: str | None) -> dict[str, Any]:
        now = self.service.clock()
        normalized = login.strip().lower()
        db = self.service.app.db()
        since = (now - LOGIN_WINDOW).isoformat()
        with db.read() as cur:
            failures = cur.execute(
                "SELECT COUNT(*) AS n FROM ej_login_failures "
                "WHERE login = ? AND at > ?",
                (normalized, since),
            ).fetchone()["n"]
            account_id = cur.execute(
                "SELECT stream_id FROM ej_keys WHERE key = ?", (f"login:{normalized}",)
            ).fetchone()
        if failures >= LOGIN_FAILURES_ALLOWED:
            raise TooManyAttempts(
                "too many failed logins: try again in 15 minutes", field="login"
            )
        account: Account | None = (
            self.service.app.find(account_id["stream_id"], Account)
            if account_id
            else None
        )
        valid = verify_password(
            account.password_hash if account else DUMMY_HASH, password
        )
        if account is None or not valid:
            with db.write() as cur:
                cur.execute(
                    "INSERT INTO ej_login_failures (login, at) VALUES (?, ?)",
                    (normalized, now.isoformat()),
                )
            raise Unauthorized("wrong login or password")
        if account.blocked:
            raise Unauthorized(
                "the account is blocked until an administrator resets its password"
            )
        if account.deactivated:
            raise Unauthorized(
                "the account is deactivated: an administrator must reactivate it"
            )
        token = new_token()
        session_id = new_id()
        expires_at = now + self.service.token_ttl
        meta = Meta(str(account.id), session_id, new_id(), client_ip, now)
        verified = account.password_hash

        def open_session(current: Account) -> bool:
            # A retry sees the account as it is now: blocked or given a new
            # password meanwhile, the password just checked no longer opens it.
            if current.deactivated:
                raise Unauthorized(
                    "the account is deactivated: an administrator must reactivate it"
                )
            if current.blocked or current.password_hash != verified:
                raise Unauthorized("wrong login or password")
            current.open_session(meta, token_hash(token), expires_at)
            return True

        self.change_account(str(account.id), open_session)
        return {
            "token": token,
            "account_id": str(account.id),
            "roles": account.roles,
            "expires_at": expires_at.isoformat(),
        }

    def sync(self) -> None:
        if self.service.shared and self.service.caching:
            position = self.service.app.db().tracked(self.service.runner.name)
            if position > self.service.runner.position:
                self.service.runner.wait_for(position)

    def authenticate(self, token: str, client_ip: str | None) -> Actor:
        self.sync()
        digest = token_hash(token)
        key = ("session", digest)
        found: tuple[str, Actor, str] | None = self.service.view_cache.get(key)
        if found is None:
            with self.service.views() as views:
                account_id = views.key(f"token:{digest}")
                doc = views.doc(account_id) if account_id else None
                stamp = getattr(views, "stamp", None)
            found = session_of(doc, digest)
            if found is None:
                raise Unauthorized("the token is not valid")
            if stamp is not None:
                self.service.view_cache.put(key, found[0], stamp, found)
        account_id, actor, expires_at = found
        if expires_at <= self.service.clock().isoformat():
            raise Unauthorized("the token has expired or been revoked")
        return dataclasses.replace(actor, client_ip=client_ip)

    def logout(self, actor: Actor) -> None:
        if actor.session_id is None:
            return
        session_id = actor.session_id
        meta = Meta(
            actor.account_id,
            session_id,
            new_id(),
            actor.client_ip,
            self.service.clock(),
        )

        def close_session(current: Account) -> bool:
            session = current.sessions.get(session_id)
            if session is None or session["closed"]:
                return False  # closed meanwhile (a second logout, a block)
            current.close_session(meta, session_id, "logout")
            return True

        self.change_account(actor.account_id, close_session)

    def change_account(
        self, account_id: str, change: Callable[[Account], bool]
    ) -> None:
        """Load the account, change it, save. Two sessions of one account opening
        or closing at once race for its next version: the loser decides again on
        the new state instead of failing."""
        for attempt in range(MAX_ATTEMPTS):
            account: Account = self.service.app.get(account_id, Account)
            if not change(account):
                return
            try:
                recordings = self.service.app.save(account)
            except IntegrityError:
                pause(attempt)
                continue
            self.service.await_position(recordings[-1].notification.id)
            return
        raise Conflict("the account kept changing under this request; try again")

    def ensure_admin(self, login: str | None, password: str | None) -> str | None:
        """The first administrator, from the environment, when no account exists."""
        if not login or not password:
            return None
        with reader(self.service.app) as views:
            if views.all_of_kind("account"):
                return None
        result = self.service.execute(
            self.service.system_actor(),
            "create-account",
            {
                "login": login,
                "password": password,
                "full_name": "Administrator",
                "roles": ["admin"],
            },
        )
        return str(result["account_id"])


def session_of(
    doc: dict[str, Any] | None, digest: str
) -> tuple[str, Actor, str] | None:
    """(account id, actor, expiry) of the open session with this token hash."""
    if doc is None or doc.get("blocked") or doc.get("deactivated"):
        return None
    for session_id, session in doc["sessions"].items():
        if session["token_hash"] == digest:
            if session["closed"]:
                return None
            actor = Actor(
                account_id=doc["id"],
                login=doc["login"],
                full_name=doc["full_name"],
                roles=frozenset(doc["roles"]),
                session_id=session_id,
                client_ip=None,
                student_id=doc.get("student_id"),
            )
            return doc["id"], actor, session["expires_at"]
    return None
