"""Stream views: one JSON document per stream, folded from that stream's live events.

Each document is a pure fold over exactly one stream, so the same code serves the
catch-up loop (incrementally, event by event) and ``as_of`` queries (folding the
streams involved up to a moment). Documents carry what pages need, not the
aggregates' internals.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from ejournal.domain import account as acc
from ejournal.domain import correction as cor
from ejournal.domain import course as crs
from ejournal.domain import incident as inc
from ejournal.domain import lesson as les
from ejournal.domain import school_class as cls
from ejournal.domain import settings as sts
from ejournal.domain import student as stu
from ejournal.domain import year as yr
from ejournal.domain.base import META_EVENTS, SchoolEvent, live_versions

Doc = dict[str, Any]


def _ts(event: Any) -> str:
    return str(event.timestamp.isoformat())


def _start(event: SchoolEvent) -> Doc | None:
    """The document a stream's creation event starts."""
    base: Doc = {"id": str(event.originator_id), "created_at": _ts(event)}
    if isinstance(event, yr.YearOpened):
        base.update(
            kind="year",
            name=event.name,
            starts_on=event.starts_on,
            ends_on=event.ends_on,
            periods=event.periods,
            holidays=event.holidays,
        )
    elif isinstance(event, cls.ClassCreated):
        base.update(
            kind="class",
            year_id=event.year_id,
            name=event.name,
            grade=event.grade,
            class_teacher_id=event.class_teacher_id,
            roster={},
            groups={},
        )
    elif isinstance(event, stu.StudentEnrolled):
        base.update(
            kind="student",
            full_name=event.full_name,
            birth_date=event.birth_date,
            class_id=event.class_id,
            placements=[[event.class_id, event.on, None]],
            guardians=[],
            consents={},
            acknowledgements={},
        )
    elif isinstance(event, crs.CourseCreated):
        base.update(
            kind="course",
            year_id=event.year_id,
            class_id=event.class_id,
            group_id=event.group_id,
            subject=event.subject,
            teacher_id=event.teacher_id,
            hours_per_week=event.hours_per_week,
            plan=[],
            marks={},
            deferrals={},
            late=[],
        )
    elif isinstance(event, cor.CorrectionRequested):
        base.update(
            kind="correction",
            mark_id=event.mark_id,
            stream_id=event.stream_id,
            target=event.target,
            course_id=event.course_id,
            student_id=event.student_id,
            current_value=event.current_value,
            value=event.value,
            reason=event.reason,
            mark_version=event.mark_version,
            requested_by=event.actor_id,
            status=cor.PENDING,
            decided_by=None,
            decided_at=None,
            rejection_reason=None,
        )
    elif isinstance(event, sts.SchoolSettingsCreated):
        base.update(kind="settings", values={})
    elif isinstance(event, les.LessonScheduled):
        base.update(
            kind="lesson",
            course_id=event.course_id,
            date=event.date,
            slot=event.slot,
            starts_at=event.starts_at,
            ends_at=event.ends_at,
            topic=None,
            plan_topic_no=None,
            homework=None,
            attendance={},
            marks={},
            comments={},
            substitute_id=None,
            late=[],
        )
    elif isinstance(event, inc.CompromiseReported):
        base.update(
            kind="incident",
            account_id=event.account_id,
            reported_at=event.reported_at,
            since=event.since,
            note=event.note,
            executions=0,
            voided=0,
            reinstated=[],
        )
    elif isinstance(event, acc.AccountCreated):
        base.update(
            kind="account",
            login=event.login,
            full_name=event.full_name,
            roles=event.roles,
            student_id=event.student_id,
            blocked=False,
            sessions={},
        )
    else:
        return None
    return base


def _late(doc: Doc, event: Any, due_at: str) -> None:
    doc.setdefault("late", []).append(
        {
            "version": event.originator_version,
            "type": type(event).__name__,
            "actor_id": event.actor_id,
            "due_at": due_at,
            "recorded_at": _ts(event),
            "student_id": getattr(event, "student_id", None),
            "period_id": getattr(event, "period_id", None),
            "mark_kind": getattr(event, "kind", None),
        }
    )


def _lesson(doc: Doc, e: Any) -> None:
    if isinstance(e, les.TopicSet):
        doc["topic"], doc["plan_topic_no"] = e.topic, e.plan_topic_no
        if e.late:
            _late(doc, e, e.due_at)
    elif isinstance(e, les.HomeworkAssigned):
        doc["homework"] = {"text": e.text, "due_on": e.due_on}
        if e.late:
            _late(doc, e, e.entry_due_at)
    elif isinstance(e, les.AttendanceRecorded):
        for entry in e.entries:
            if entry["code"] == "present":
                doc["attendance"].pop(entry["student_id"], None)
            else:
                doc["attendance"][entry["student_id"]] = entry["code"]
        if e.late:
            _late(doc, e, e.due_at)
    elif isinstance(e, les.MarkRecorded):
        doc["marks"][e.mark_id] = {
            "student_id": e.student_id,
            "value": e.value,
            "work_type": e.work_type,
            "late": e.late,
            "due_at": e.due_at,
            "author_id": e.actor_id,
            "recorded_at": _ts(e),
            "comment": e.comment,
            "protocol": None,
            "version": e.originator_version,
            "revisions": [_revision(e, e.value)],
        }
        if e.late:
            _late(doc, e, e.due_at)
    elif isinstance(e, les.MarkCorrected):
        _corrected(doc["marks"], e)
    elif isinstance(e, les.MakeupRecorded):
        doc["marks"][e.mark_id] = {
            "student_id": e.student_id,
            "value": e.value,
            "work_type": e.work_type,
            "late": e.late,
            "due_at": e.due_at,
            "author_id": e.actor_id,
            "recorded_at": _ts(e),
            "comment": None,
            "protocol": e.protocol,
            "version": e.originator_version,
            "revisions": [_revision(e, e.value)],
        }
        # S1.2.2: the absence stays and a note records the makeup.
        code = doc["attendance"].get(e.student_id)
        doc["comments"][makeup_comment_id(e.mark_id)] = {
            "student_id": e.student_id,
            "text": f"{ABSENCE_LABELS.get(str(code), 'absence')}: topic made up on "
            f"{e.made_up_on} (protocol {e.protocol})",
            "author_id": e.actor_id,
            "recorded_at": _ts(e),
            "makeup_mark_id": e.mark_id,
        }
        if e.late:
            _late(doc, e, e.due_at)
    elif isinstance(e, les.CommentAdded):
        doc["comments"][e.comment_id] = {
            "student_id": e.student_id,
            "text": e.text,
            "author_id": e.actor_id,
            "recorded_at": _ts(e),
        }
    elif isinstance(e, les.SubstitutionRecorded):
        doc["substitute_id"] = e.substitute_teacher_id


ABSENCE_LABELS = {"absent": "absent (н)", "ill": "ill (б)", "excused": "excused (уп)"}


def makeup_comment_id(mark_id: str) -> str:
    """The note that records a makeup has an id derived from the makeup's mark."""
    return str(uuid.uuid5(uuid.UUID(les.LESSON_NAMESPACE.hex), f"makeup/{mark_id}"))


def _revision(e: Any, value: str | None) -> Doc:
    """One revision of a mark: who, through which session, when, why."""
    return {
        "value": value,
        "version": e.originator_version,
        "actor_id": e.actor_id,
        "session_id": e.session_id,
        "recorded_at": _ts(e),
        "reason": getattr(e, "reason", None),
        "request_id": getattr(e, "request_id", None),
    }


def _corrected(marks: dict[str, Doc], e: Any) -> None:
    mark = marks.get(e.mark_id)
    if mark is None:  # the recording itself is void
        return
    mark["value"] = e.value
    mark["version"] = e.originator_version
    mark.setdefault("revisions", []).append(_revision(e, e.value))


def _course_mark(doc: Doc, e: Any, kind: str, slot: str) -> None:
    marks = doc.setdefault("marks", {})
    known = marks.get(e.mark_id)
    revisions = known["revisions"] if known else []
    revisions.append(_revision(e, e.value))
    marks[e.mark_id] = {
        "student_id": e.student_id,
        "kind": kind,
        "slot": slot,
        "value": e.value,
        "late": e.late,
        "due_at": e.due_at,
        "author_id": e.actor_id,
        "recorded_at": _ts(e),
        "version": e.originator_version,
        "revisions": revisions,
    }


def _course(doc: Doc, e: Any) -> None:
    if isinstance(e, crs.PlanTopicsAdded):
        doc.setdefault("plan", []).extend(dict(t) for t in e.topics)
    elif isinstance(e, crs.PeriodMarkSet):
        _course_mark(doc, e, "period", e.period_id)
        if e.late:
            _late(doc, e, e.due_at)
    elif isinstance(e, crs.FinalMarkSet):
        _course_mark(doc, e, e.kind, e.kind)
        if e.late:
            _late(doc, e, e.due_at)
    elif isinstance(e, crs.PeriodMarkDeferred):
        doc.setdefault("deferrals", {}).setdefault(e.student_id, {})[e.period_id] = {
            "until": e.until,
            "reason": e.reason,
            "recorded_at": _ts(e),
        }
        if e.late:
            _late(doc, e, e.due_at)
    elif isinstance(e, crs.CourseMarkCorrected):
        _corrected(doc.setdefault("marks", {}), e)


def _correction(doc: Doc, e: Any) -> None:
    if isinstance(e, cor.CorrectionApproved):
        doc.update(status=cor.APPROVED, decided_by=e.actor_id, decided_at=_ts(e))
    elif isinstance(e, cor.CorrectionRejected):
        doc.update(
            status=cor.REJECTED,
            decided_by=e.actor_id,
            decided_at=_ts(e),
            rejection_reason=e.reason,
        )


def _settings(doc: Doc, e: Any) -> None:
    if isinstance(e, sts.SchoolSettingsChanged):
        doc["values"].update(e.changes)


def _school_class(doc: Doc, e: Any) -> None:
    if isinstance(e, cls.StudentJoined):
        doc["roster"].setdefault(e.student_id, []).append([e.on, None])
    elif isinstance(e, cls.StudentLeft):
        spans = doc["roster"].get(e.student_id)
        if spans and spans[-1][1] is None:
            spans[-1][1] = e.on
    elif isinstance(e, cls.GroupCreated):
        doc["groups"][e.group_id] = {"name": e.name, "student_ids": list(e.student_ids)}


def _student(doc: Doc, e: Any) -> None:
    if isinstance(e, stu.StudentTransferred):
        doc["class_id"] = e.to_class_id
        doc["placements"][-1][2] = e.on
        doc["placements"].append([e.to_class_id, e.on, None])
    elif isinstance(e, stu.StudentWithdrawn):
        doc["class_id"] = None
        doc["placements"][-1][2] = e.on
    elif isinstance(e, stu.GuardianLinked):
        if e.account_id not in doc["guardians"]:
            doc["guardians"].append(e.account_id)
    elif isinstance(e, stu.ConsentRecorded):
        doc["consents"][e.guardian_account_id] = e.granted
    elif isinstance(e, stu.DiaryAcknowledged):
        week = doc.setdefault("acknowledgements", {}).setdefault(e.week_start, {})
        week[e.guardian_account_id] = _ts(e)


def _account(doc: Doc, e: Any) -> None:
    if isinstance(e, acc.SessionOpened):
        doc["sessions"][e.session_id] = {
            "token_hash": e.token_hash,
            "expires_at": e.expires_at,
            "closed": False,
            "opened_at": _ts(e),
        }
    elif isinstance(e, acc.SessionClosed):
        session = doc["sessions"].get(e.closed_session_id)
        if session is not None:
            session["closed"] = True
    elif isinstance(e, acc.PasswordReset):
        doc["blocked"] = False
        for session in doc["sessions"].values():
            session["closed"] = True
    elif isinstance(e, acc.AccountBlocked):
        doc["blocked"] = True
        for session in doc["sessions"].values():
            session["closed"] = True


def _incident(doc: Doc, e: Any) -> None:
    if isinstance(e, inc.InvalidationExecuted):
        doc["executions"] += 1
        doc["voided"] += e.voided
    elif isinstance(e, inc.ReinstatementNoted):
        doc["reinstated"].append([e.stream_id, e.version])


_APPLY: dict[str, Callable[[Doc, Any], None]] = {
    "incident": _incident,
    "lesson": _lesson,
    "class": _school_class,
    "student": _student,
    "account": _account,
    "course": _course,
    "correction": _correction,
    "settings": _settings,
}


def apply(doc: Doc | None, event: Any) -> Doc | None:
    """Apply one live event to a stream's document (the creation starts it)."""
    if isinstance(event, META_EVENTS):
        msg = "voids and reinstatements are folded, not applied"
        raise TypeError(msg)
    if doc is None:
        return _start(event)
    handler = _APPLY.get(doc["kind"])
    if handler is not None:
        handler(doc, event)
    doc["version"] = event.originator_version
    return doc


def fold_doc(events: Iterable[Any]) -> Doc | None:
    """The document of a stream: its live events folded in order."""
    evs: Sequence[Any] = list(events)
    live = live_versions(evs)
    doc: Doc | None = None
    for event in evs:
        if event.originator_version in live and not isinstance(event, META_EVENTS):
            if doc is None and not hasattr(event, "originator_topic"):
                continue
            doc = apply(doc, event)
    return doc


def placement(doc: Doc) -> tuple[str | None, str | None]:
    """(parent_id, sort_key) under which a document is listed."""
    kind = doc["kind"]
    if kind == "lesson":
        return doc["course_id"], f"{doc['date']}/{doc['slot']:02d}"
    if kind == "course":
        return doc["class_id"], doc["subject"]
    if kind == "class":
        return doc["year_id"], doc["name"]
    if kind == "student":
        return doc["class_id"], doc["full_name"]
    if kind == "year":
        return None, doc["starts_on"]
    if kind == "account":
        return None, doc["login"]
    if kind == "incident":
        return doc["account_id"], doc["since"]
    if kind == "correction":
        return doc["course_id"], doc["created_at"]
    return None, None


def lookup_keys(doc: Doc) -> list[str]:
    """Index keys that find this stream: logins, tokens, marks, guardians."""
    kind = doc["kind"]
    if kind == "account":
        keys = [f"login:{doc['login'].lower()}"]
        keys += [
            f"token:{s['token_hash']}"
            for s in doc["sessions"].values()
            if not s["closed"]
        ]
        return keys
    if kind == "lesson":
        keys = [f"mark:{mid}" for mid in doc["marks"]]
        if doc["substitute_id"]:
            keys.append(f"substitute:{doc['substitute_id']}:{doc['id']}")
        return keys
    if kind == "student":
        return [f"guardian:{g}:{doc['id']}" for g in doc["guardians"]]
    if kind == "course":
        keys = [f"teacher:{doc['teacher_id']}:{doc['id']}"]
        keys += [f"mark:{mid}" for mid in doc.get("marks", {})]
        return keys
    if kind == "correction" and doc["status"] == cor.PENDING:
        return [f"pending_correction:{doc['mark_id']}:{doc['id']}"]
    if kind == "class":
        keys = [f"group:{gid}" for gid in doc["groups"]]
        if doc["class_teacher_id"]:
            keys.append(f"class_teacher:{doc['class_teacher_id']}:{doc['id']}")
        return keys
    return []
