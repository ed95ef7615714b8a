"""The account's document (login, roles, sessions) and the incident's."""

from __future__ import annotations

from typing import Any

from ejournal.domain import account as acc
from ejournal.domain import incident as inc
from ejournal.projections.streams.common import Doc, Handler, Start, _ts, start


def _created(doc: Doc, e: acc.AccountCreated) -> None:
    start(doc, e, "account", "login", "full_name", "roles", "student_id")
    doc.update(blocked=False, deactivated=False, email=None, phone=None, sessions={})


def _opened(doc: Doc, e: acc.SessionOpened) -> None:
    doc["sessions"][e.session_id] = {
        "token_hash": e.token_hash,
        "expires_at": e.expires_at,
        "closed": False,
        "opened_at": _ts(e),
    }


def _closed(doc: Doc, e: acc.SessionClosed) -> None:
    session = doc["sessions"].get(e.closed_session_id)
    if session is not None:
        session["closed"] = True


def _close_all(doc: Doc) -> None:
    for session in doc["sessions"].values():
        session["closed"] = True


def _password_reset(doc: Doc, e: acc.PasswordReset) -> None:
    doc["blocked"] = False
    _close_all(doc)


def _blocked(doc: Doc, e: acc.AccountBlocked) -> None:
    doc["blocked"] = True
    _close_all(doc)


def _password_reset_outlasts(doc: Doc, e: acc.PasswordReset) -> None:
    _close_all(doc)


def _edited(doc: Doc, e: acc.AccountDetailsEdited) -> None:
    doc.update(e.changes)


def _granted(doc: Doc, e: acc.RoleGranted) -> None:
    if e.role not in doc["roles"]:
        doc["roles"].append(e.role)


def _revoked(doc: Doc, e: acc.RoleRevoked) -> None:
    if e.role in doc["roles"]:
        doc["roles"].remove(e.role)


def _deactivated(doc: Doc, e: acc.AccountDeactivated) -> None:
    doc["deactivated"] = True
    doc["deactivated_reason"] = e.reason
    _close_all(doc)


def _reactivated(doc: Doc, e: acc.AccountReactivated) -> None:
    doc["deactivated"] = False
    doc["deactivated_reason"] = None


def _reported(doc: Doc, e: inc.CompromiseReported) -> None:
    start(doc, e, "incident", "account_id", "reported_at", "since", "note")
    doc.update(executions=0, voided=0, reinstated=[])


def _executed(doc: Doc, e: inc.InvalidationExecuted) -> None:
    doc["executions"] += 1
    doc["voided"] += e.voided


def _reinstated(doc: Doc, e: inc.ReinstatementNoted) -> None:
    doc["reinstated"].append([e.stream_id, e.version])


def account_placement(doc: Doc) -> tuple[str | None, str | None]:
    return None, doc["login"]


def account_keys(doc: Doc) -> list[str]:
    keys = [f"login:{doc['login'].lower()}"]
    keys += [
        f"token:{s['token_hash']}" for s in doc["sessions"].values() if not s["closed"]
    ]
    return keys


def incident_placement(doc: Doc) -> tuple[str | None, str | None]:
    return doc["account_id"], doc["since"]


START: dict[type[Any], Start] = {
    acc.AccountCreated: _created,
    inc.CompromiseReported: _reported,
}
APPLY: dict[type[Any], Handler] = {
    acc.SessionOpened: _opened,
    acc.SessionClosed: _closed,
    acc.PasswordReset: _password_reset,
    acc.AccountBlocked: _blocked,
    acc.AccountDetailsEdited: _edited,
    acc.RoleGranted: _granted,
    acc.RoleRevoked: _revoked,
    acc.AccountDeactivated: _deactivated,
    acc.AccountReactivated: _reactivated,
    inc.InvalidationExecuted: _executed,
    inc.ReinstatementNoted: _reinstated,
}


# What a voided event still does (domain/base.py: a void never reopens a door): the
# same as each event class's ``outlast``.
LASTING: dict[type[Any], Handler] = {
    acc.SessionClosed: _closed,
    acc.AccountBlocked: _blocked,
    acc.PasswordReset: _password_reset_outlasts,
    acc.AccountDeactivated: _deactivated,
}
