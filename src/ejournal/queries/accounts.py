"""The accounts list (login, name, roles, blocked) for the administrator's page,
and the display names of accounts, pupils, courses, classes and lessons that the
audit pages put beside the ids they show.

Credentials (password hashes, session token hashes) never leave this module.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from ejournal.projections.reader import reader
from ejournal.queries.caught_up import catch_up
from ejournal.security import Actor
from ejournal.service import Service

# Who lists the accounts; only the administrator changes them (the catalogue's
# create-account and reset-password are admin-only).
ACCOUNT_READERS = ("admin", "secretary", "auditor")
ACCOUNT_MANAGERS = ("admin",)
# Who may see the names behind ids on the audit pages (and the staff's pages).
NAME_READERS = ("admin", "secretary", "auditor", "director", "deputy")


def accounts(
    service: Service, actor: Actor, as_of: datetime | None = None
) -> dict[str, Any]:
    """Every account, by login: ``{accounts: [{account_id, login, full_name,
    roles, blocked, student_id, created_at, open_sessions}], may_manage}``."""
    actor.require(*ACCOUNT_READERS)
    catch_up(service)
    with reader(service.app, as_of) as views:
        docs = views.all_of_kind("account")
    out = [
        {
            "account_id": d["id"],
            "login": d["login"],
            "full_name": d["full_name"],
            "roles": sorted(d.get("roles") or []),
            "blocked": bool(d.get("blocked")),
            "deactivated": bool(d.get("deactivated")),
            "student_id": d.get("student_id"),
            "created_at": d.get("created_at"),
            "open_sessions": sum(
                1 for s in (d.get("sessions") or {}).values() if not s.get("closed")
            ),
        }
        for d in docs
    ]
    out.sort(key=lambda a: str(a["login"]).lower())
    return {"accounts": out, "may_manage": actor.has(*ACCOUNT_MANAGERS)}


def display_names(
    service: Service, actor: Actor, ids: Iterable[str | None]
) -> dict[str, str]:
    """A short human name for each id that is an account, pupil, course, class
    or lesson (current views); other ids are left out."""
    actor.require(*NAME_READERS)
    wanted = [i for i in dict.fromkeys(ids) if i]
    if not wanted:
        return {}
    with reader(service.app) as views:
        docs = views.docs(wanted)
        courses = views.docs(
            {str(d["course_id"]) for d in docs.values() if d.get("kind") == "lesson"}
        )
        every = {**courses, **docs}
        classes = views.docs(
            {
                str(d["class_id"])
                for d in every.values()
                if d.get("kind") == "course" and d.get("class_id")
            }
        )
    out: dict[str, str] = {}
    for sid, doc in docs.items():
        name = _name(doc, courses, classes)
        if name:
            out[sid] = name
    return out


def _name(
    doc: dict[str, Any], courses: dict[str, Any], classes: dict[str, Any]
) -> str | None:
    kind = doc.get("kind")
    if kind in ("account", "student"):
        return str(doc.get("full_name") or "")
    if kind == "class":
        return f"класс {doc.get('name')}"
    if kind == "course":
        return _course_name(doc, classes)
    if kind == "lesson":
        course = courses.get(str(doc.get("course_id")))
        subject = _course_name(course, classes) if course else "урок"
        return f"{subject}, урок {doc.get('date')}"
    return None


def _course_name(course: dict[str, Any], classes: dict[str, Any]) -> str:
    klass = classes.get(str(course.get("class_id")))
    suffix = f" ({klass['name']})" if klass else ""
    return f"{course.get('subject')}{suffix}"
