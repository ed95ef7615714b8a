"""The school's lists for an administrator's scripts and the staff's pages: years,
classes, groups, courses, pupils, guardians and accounts, each filtered, sorted
(by name, then id: stable) and cut into pages after an opaque cursor.

Each list reads every document of its kind from the views (or folds them up to
``as_of``): a school has a few thousand, never the log. Filters apply before
paging, so a page is always full but for the last.

Who reads what (DOMAIN.md "Roles and what they may do"): the staff, teachers and
the secretary list the school's structure and pupils; a pupil's birth date is
personal data, shown to the secretary, the administration, the auditor and the
pupil's class teacher only. Guardians are listed to those who keep them (the
secretary, the administration, the auditor; a class teacher: those of their own
classes). Accounts (logins, roles) only to the administrator, the auditor and
the director. Parents and pupils list nothing here.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from ejournal.domain.errors import NotFound
from ejournal.projections.reader import Reader, reader
from ejournal.projections.streams import Doc
from ejournal.queries.accounts import ACCOUNT_READERS
from ejournal.queries.classes import LISTERS
from ejournal.queries.paging import PAGE, Page, Row, paged
from ejournal.security import Actor, is_class_teacher
from ejournal.service import Service

# Who sees a pupil's birth date (besides the class teacher of the pupil's class),
# and every guardian of the school.
PERSONAL_READERS = ("secretary", "admin", "director", "deputy", "auditor")
# Who lists accounts with their logins and roles (the director read-only).
# The accounts page's readers (queries.accounts): one policy for the page and the
# list; the secretary finds parent accounts there to link them.
ACCOUNT_LISTERS = ACCOUNT_READERS


SPAN = ("name", "starts_on", "ends_on")


def _fold(name: Any) -> str:
    return str(name or "").casefold()


def _matches(q: str | None, *texts: Any) -> bool:
    return q is None or any(q.casefold() in _fold(t) for t in texts)


def _names(r: Reader, ids: Iterable[str | None]) -> dict[str, str]:
    docs = r.docs({i for i in ids if i})
    return {
        sid: str(d.get("full_name") or d.get("name") or "") for sid, d in docs.items()
    }


def _need(r: Reader, stream_id: str | None, kind: str, label: str) -> None:
    """A filter's id names a stream of that kind (at the moment asked about)."""
    if stream_id is not None:
        doc = r.doc(stream_id)
        if doc is None or doc.get("kind") != kind:
            raise NotFound(f"no {label} {stream_id}")


def list_years(
    service: Service, actor: Actor, *, as_of: datetime | None = None, page: Page = PAGE
) -> Row:
    """Academic years with their periods and holidays, by start date."""
    actor.require(*LISTERS)
    with reader(service.app, as_of) as r:
        docs = r.all_of_kind("year")
    rows = [
        (
            f"{y['starts_on']}\x1f{_fold(y['name'])}",
            {
                "year_id": y["id"],
                "name": y["name"],
                "starts_on": y["starts_on"],
                "ends_on": y["ends_on"],
                "periods": [
                    {"period_id": p["id"], **{k: p[k] for k in SPAN}}
                    for p in y["periods"]
                ],
                "holidays": [dict(h) for h in y.get("holidays") or []],
                "state": "closed" if y.get("closed") else "open",
                "closed": y.get("closed"),
                "promoted": y.get("promoted"),
            },
        )
        for y in docs
    ]
    return paged(rows, "year_id", page)


def _pupils(klass: Doc) -> int:
    """Pupils on the roster whose last stay has not ended."""
    return sum(1 for spans in klass["roster"].values() if spans[-1][1] is None)


def list_classes(
    service: Service,
    actor: Actor,
    *,
    year_id: str | None = None,
    grade: int | None = None,
    as_of: datetime | None = None,
    page: Page = PAGE,
) -> Row:
    """Classes by year, grade and name, with the class teacher and the number of
    pupils on the roster."""
    actor.require(*LISTERS)
    with reader(service.app, as_of) as r:
        _need(r, year_id, "year", "academic year")
        docs = [
            k
            for k in r.all_of_kind("class")
            if (year_id is None or k["year_id"] == year_id)
            and (grade is None or k["grade"] == grade)
        ]
        starts = {y["id"]: y["starts_on"] for y in r.all_of_kind("year")}
        names = _names(r, (k["class_teacher_id"] for k in docs))
    rows = [
        (
            f"{starts.get(k['year_id'], '')}\x1f{k['grade']:02d}\x1f{_fold(k['name'])}",
            {
                "class_id": k["id"],
                "name": k["name"],
                "grade": k["grade"],
                "year_id": k["year_id"],
                "class_teacher_id": k["class_teacher_id"],
                "class_teacher_name": names.get(k["class_teacher_id"] or ""),
                "pupils": _pupils(k),
            },
        )
        for k in docs
    ]
    return paged(rows, "class_id", page)


def list_groups(
    service: Service,
    actor: Actor,
    *,
    class_id: str | None = None,
    as_of: datetime | None = None,
    page: Page = PAGE,
) -> Row:
    """Groups (подгруппы) of the classes, by class name and group name."""
    actor.require(*LISTERS)
    with reader(service.app, as_of) as r:
        _need(r, class_id, "class", "class")
        docs = [
            k for k in r.all_of_kind("class") if class_id is None or k["id"] == class_id
        ]
    rows = [
        (
            f"{_fold(k['name'])}\x1f{k['id']}\x1f{_fold(g['name'])}",
            {
                "group_id": gid,
                "name": g["name"],
                "class_id": k["id"],
                "class_name": k["name"],
                "student_ids": list(g["student_ids"]),
                # Each pupil's spans [from (None: the year's start), until).
                "members": g.get("members")
                or {sid: [[None, None]] for sid in g["student_ids"]},
            },
        )
        for k in docs
        for gid, g in k["groups"].items()
    ]
    return paged(rows, "group_id", page)


def list_courses(
    service: Service,
    actor: Actor,
    *,
    year_id: str | None = None,
    class_id: str | None = None,
    teacher_id: str | None = None,
    as_of: datetime | None = None,
    page: Page = PAGE,
) -> Row:
    """Courses by class and subject, with their group, teacher and hours a week."""
    actor.require(*LISTERS)
    with reader(service.app, as_of) as r:
        _need(r, year_id, "year", "academic year")
        _need(r, class_id, "class", "class")
        _need(r, teacher_id, "account", "teacher")
        docs = [
            c
            for c in r.all_of_kind("course")
            if (year_id is None or c["year_id"] == year_id)
            and (class_id is None or c["class_id"] == class_id)
            and (teacher_id is None or c["teacher_id"] == teacher_id)
        ]
        klasses = r.docs({c["class_id"] for c in docs})
        names = _names(r, (c["teacher_id"] for c in docs))
    rows = []
    for c in docs:
        klass = klasses.get(c["class_id"]) or {}
        group = (klass.get("groups") or {}).get(c.get("group_id") or "") or {}
        rows.append(
            (
                f"{_fold(klass.get('name'))}\x1f{c['class_id']}\x1f{_fold(c['subject'])}",
                {
                    "course_id": c["id"],
                    "subject": c["subject"],
                    "year_id": c["year_id"],
                    "class_id": c["class_id"],
                    "class_name": klass.get("name"),
                    "group_id": c.get("group_id"),
                    "group_name": group.get("name"),
                    "teacher_id": c["teacher_id"],
                    "teacher_name": names.get(c["teacher_id"]),
                    "hours_per_week": c["hours_per_week"],
                },
            )
        )
    return paged(rows, "course_id", page)


def list_students(
    service: Service,
    actor: Actor,
    *,
    class_id: str | None = None,
    q: str | None = None,
    status: str | None = None,
    as_of: datetime | None = None,
    page: Page = PAGE,
) -> Row:
    """Pupils by name: their class (a withdrawn pupil's last one), status and
    dates; the birth date only to those who may see personal data."""
    actor.require(*LISTERS)
    with reader(service.app, as_of) as r:
        _need(r, class_id, "class", "class")
        docs = [
            s
            for s in r.all_of_kind("student")
            if (class_id is None or s["placements"][-1][0] == class_id)
            and (status is None or _status(s) == status)
            and _matches(q, s["full_name"])
        ]
        klasses = r.docs({s["placements"][-1][0] for s in docs})
    personal = actor.has(*PERSONAL_READERS)
    rows = []
    for s in docs:
        klass = klasses.get(s["placements"][-1][0])
        item: Row = {
            "student_id": s["id"],
            "full_name": s["full_name"],
            "class_id": s["placements"][-1][0],
            "class_name": klass["name"] if klass else None,
            "status": _status(s),
            "enrolled_on": s["placements"][0][1],
            "withdrawn_on": s["placements"][-1][2] if s["class_id"] is None else None,
        }
        if personal or is_class_teacher(actor, klass):
            item["birth_date"] = s.get("birth_date")
        rows.append((_fold(s["full_name"]), item))
    return paged(rows, "student_id", page)


def _status(student: Doc) -> str:
    return "withdrawn" if student["class_id"] is None else "enrolled"


CONSENT = {True: "granted", False: "refused", None: "not_recorded"}


def list_guardians(
    service: Service,
    actor: Actor,
    *,
    student_id: str | None = None,
    q: str | None = None,
    as_of: datetime | None = None,
    page: Page = PAGE,
) -> Row:
    """Parents' accounts by name, with the pupils linked to each and the consent
    (согласие на обработку ПДн) each gave for that pupil. A class teacher (not
    staff) sees only the guardians of their classes' pupils, and only those
    pupils."""
    actor.require(*PERSONAL_READERS, "teacher")
    every = actor.has(*PERSONAL_READERS)
    with reader(service.app, as_of) as r:
        _need(r, student_id, "student", "pupil")
        pupils = r.all_of_kind("student")
        klasses = r.docs({s["placements"][-1][0] for s in pupils})
        parents = [a for a in r.all_of_kind("account") if "parent" in a["roles"]]
    if not every:
        pupils = [
            s
            for s in pupils
            if is_class_teacher(actor, klasses.get(s["placements"][-1][0]))
        ]
    children: dict[str, list[Row]] = {}
    for s in pupils:
        for account_id in s["guardians"]:
            children.setdefault(account_id, []).append(
                {
                    "student_id": s["id"],
                    "full_name": s["full_name"],
                    "class_id": s["placements"][-1][0],
                    "consent": CONSENT[s["consents"].get(account_id)],
                }
            )
    rows = []
    for a in parents:
        mine = sorted(
            children.get(a["id"], []),
            key=lambda c: (_fold(c["full_name"]), c["student_id"]),
        )
        if student_id is not None and not any(
            c["student_id"] == student_id for c in mine
        ):
            continue
        if not (every or mine) or not _matches(q, a["full_name"]):
            continue
        rows.append(
            (
                _fold(a["full_name"]),
                {
                    "account_id": a["id"],
                    "full_name": a["full_name"],
                    "email": a.get("email"),
                    "phone": a.get("phone"),
                    "children": mine,
                },
            )
        )
    return paged(rows, "account_id", page)


def list_accounts(
    service: Service,
    actor: Actor,
    *,
    role: str | None = None,
    q: str | None = None,
    active: bool | None = None,
    as_of: datetime | None = None,
    page: Page = PAGE,
) -> Row:
    """Accounts by login: name, contacts, roles, and whether login is open
    (``active``): not blocked (after a compromise, until a new password) nor
    deactivated (until reactivated). ``q`` looks in the login and the name."""
    actor.require(*ACCOUNT_LISTERS)
    with reader(service.app, as_of) as r:
        docs = r.all_of_kind("account")
    rows = [
        (
            _fold(a["login"]),
            {
                "account_id": a["id"],
                "login": a["login"],
                "full_name": a["full_name"],
                "roles": sorted(a["roles"]),
                "email": a.get("email"),
                "phone": a.get("phone"),
                "active": _active(a),
                "blocked": bool(a["blocked"]),
                "deactivated": bool(a.get("deactivated")),
                "student_id": a.get("student_id"),
            },
        )
        for a in docs
        if (role is None or role in a["roles"])
        and (active is None or active is _active(a))
        and _matches(q, a["login"], a["full_name"])
    ]
    return paged(rows, "account_id", page)


def _active(account: Doc) -> bool:
    return not account["blocked"] and not account.get("deactivated")
