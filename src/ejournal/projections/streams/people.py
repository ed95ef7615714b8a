"""The year's, class's, student's and settings' documents."""

from __future__ import annotations

from typing import Any

from ejournal.domain import groups
from ejournal.domain import promotion as pro
from ejournal.domain import school_class as cls
from ejournal.domain import settings as sts
from ejournal.domain import student as stu
from ejournal.domain import year as yr
from ejournal.projections.streams.common import Doc, Handler, Start, _ts, start


def _year(doc: Doc, e: yr.YearOpened) -> None:
    start(doc, e, "year", "name", "starts_on", "ends_on", "periods", "holidays")


def _class(doc: Doc, e: cls.ClassCreated) -> None:
    start(doc, e, "class", "year_id", "name", "grade", "class_teacher_id")
    doc.update(roster={}, groups={})


def _enrolled(doc: Doc, e: stu.StudentEnrolled) -> None:
    start(doc, e, "student", "full_name", "birth_date", "class_id")
    doc.update(
        placements=[[e.class_id, e.on, None]],
        guardians=[],
        consents={},
        acknowledgements={},
    )


def _settings(doc: Doc, e: sts.SchoolSettingsCreated) -> None:
    doc.update(kind="settings", values={})


def _settings_changed(doc: Doc, e: sts.SchoolSettingsChanged) -> None:
    doc["values"].update(e.changes)


def _joined(doc: Doc, e: cls.StudentJoined) -> None:
    doc["roster"].setdefault(e.student_id, []).append([e.on, None])


def _left(doc: Doc, e: cls.StudentLeft) -> None:
    spans = doc["roster"].get(e.student_id)
    if spans and spans[-1][1] is None:
        spans[-1][1] = e.on


def _group(doc: Doc, e: cls.GroupCreated) -> None:
    doc["groups"][e.group_id] = {
        "name": e.name,
        "student_ids": list(e.student_ids),
        "members": {sid: [[None, None]] for sid in e.student_ids},
    }


def _group_members(group: Doc) -> dict[str, list[list[str | None]]]:
    members: dict[str, list[list[str | None]]] = group.setdefault(
        "members", {sid: [[None, None]] for sid in group["student_ids"]}
    )
    return members


def _group_joined(doc: Doc, e: cls.GroupMemberJoined) -> None:
    group = doc["groups"].get(e.group_id)
    if group is None:  # the group's creation is void
        return
    groups.join(_group_members(group), e.student_id, e.on)
    group["student_ids"] = groups.current(group["members"])


def _group_left(doc: Doc, e: cls.GroupMemberLeft) -> None:
    group = doc["groups"].get(e.group_id)
    if group is None:  # the group's creation is void
        return
    groups.leave(_group_members(group), e.student_id, e.on)
    group["student_ids"] = groups.current(group["members"])


def _class_teacher(doc: Doc, e: cls.ClassTeacherChanged) -> None:
    doc["class_teacher_id"] = e.to_teacher_id
    doc["class_teacher_since"] = e.on


def _student_edited(doc: Doc, e: stu.StudentDetailsEdited) -> None:
    doc.update(e.changes)


def _transferred(doc: Doc, e: stu.StudentTransferred) -> None:
    doc["class_id"] = e.to_class_id
    doc["placements"][-1][2] = e.on
    doc["placements"].append([e.to_class_id, e.on, None])


def _withdrawn(doc: Doc, e: stu.StudentWithdrawn) -> None:
    doc["class_id"] = None
    doc["placements"][-1][2] = e.on


def _guardian(doc: Doc, e: stu.GuardianLinked) -> None:
    if e.account_id not in doc["guardians"]:
        doc["guardians"].append(e.account_id)


def _consent(doc: Doc, e: stu.ConsentRecorded) -> None:
    doc["consents"][e.guardian_account_id] = e.granted


def _acknowledged(doc: Doc, e: stu.DiaryAcknowledged) -> None:
    week = doc.setdefault("acknowledgements", {}).setdefault(e.week_start, {})
    week[e.guardian_account_id] = _ts(e)


def _year_closed(doc: Doc, e: yr.YearClosed) -> None:
    doc["closed"] = {
        "order_no": e.order_no,
        "on": e.on,
        "closed_at": _ts(e),
        "closed_by": e.actor_id,
    }


def _year_promoted(doc: Doc, e: yr.YearPromoted) -> None:
    doc["promoted"] = {
        "next_year_id": e.next_year_id,
        "order_no": e.order_no,
        "order_date": e.order_date,
        "counts": dict(e.counts),
        "recorded_at": _ts(e),
    }


def _promoted(doc: Doc, e: pro.StudentPromoted) -> None:
    doc["class_id"] = e.to_class_id
    doc["placements"][-1][2] = e.on
    if e.to_class_id is not None:
        doc["placements"].append([e.to_class_id, e.on, None])
    doc.setdefault("outcomes", []).append(
        {
            "year_id": e.year_id,
            "outcome": e.outcome,
            "from_class_id": e.from_class_id,
            "to_class_id": e.to_class_id,
            "on": e.on,
            "order_no": e.order_no,
            "order_date": e.order_date,
        }
    )
    debts = doc.setdefault("debts", {})
    for debt in e.debts:
        debts[debt["course_id"]] = {
            "course_id": debt["course_id"],
            "subject": debt["subject"],
            "year_id": e.year_id,
            "since": e.order_date,
            "cleared": None,
        }


def _debt_cleared(doc: Doc, e: pro.AcademicDebtCleared) -> None:
    debt = doc.setdefault("debts", {}).get(e.course_id)
    if debt is None:  # the promotion that recorded it was voided
        return
    debt["cleared"] = {
        "value": e.value,
        "on": e.on,
        "recorded_at": _ts(e),
        "recorded_by": e.actor_id,
    }


def _notifications(doc: Doc, e: stu.NotificationsSet) -> None:
    """A guardian's choice of e-mails (docs/notifications.md)."""
    doc.setdefault("notifications", {})[e.guardian_account_id] = (
        stu.notification_choice(e)
    )


def year_placement(doc: Doc) -> tuple[str | None, str | None]:
    return None, doc["starts_on"]


def class_placement(doc: Doc) -> tuple[str | None, str | None]:
    return doc["year_id"], doc["name"]


def class_keys(doc: Doc) -> list[str]:
    keys = [f"group:{gid}" for gid in doc["groups"]]
    if doc["class_teacher_id"]:
        keys.append(f"class_teacher:{doc['class_teacher_id']}:{doc['id']}")
    return keys


def student_placement(doc: Doc) -> tuple[str | None, str | None]:
    return doc["class_id"], doc["full_name"]


def student_keys(doc: Doc) -> list[str]:
    return [f"guardian:{g}:{doc['id']}" for g in doc["guardians"]]


START: dict[type[Any], Start] = {
    yr.YearOpened: _year,
    cls.ClassCreated: _class,
    stu.StudentEnrolled: _enrolled,
    sts.SchoolSettingsCreated: _settings,
}
APPLY: dict[type[Any], Handler] = {
    sts.SchoolSettingsChanged: _settings_changed,
    cls.StudentJoined: _joined,
    cls.StudentLeft: _left,
    cls.GroupCreated: _group,
    cls.ClassTeacherChanged: _class_teacher,
    stu.StudentDetailsEdited: _student_edited,
    cls.GroupMemberJoined: _group_joined,
    cls.GroupMemberLeft: _group_left,
    stu.StudentTransferred: _transferred,
    stu.StudentWithdrawn: _withdrawn,
    stu.GuardianLinked: _guardian,
    stu.ConsentRecorded: _consent,
    stu.DiaryAcknowledged: _acknowledged,
    yr.YearClosed: _year_closed,
    yr.YearPromoted: _year_promoted,
    pro.StudentPromoted: _promoted,
    pro.AcademicDebtCleared: _debt_cleared,
    stu.NotificationsSet: _notifications,
}
