"""The course stream's document (plan, period and final marks, deferrals) and the
correction request's."""

from __future__ import annotations

from typing import Any

from ejournal.domain import correction as cor
from ejournal.domain import course as crs
from ejournal.domain import marks
from ejournal.projections.streams.common import Doc, Handler, Start, _ts, late, start


def _created(doc: Doc, e: crs.CourseCreated) -> None:
    start(
        doc,
        e,
        "course",
        "year_id",
        "class_id",
        "group_id",
        "subject",
        "teacher_id",
        "hours_per_week",
    )
    doc.update(plan=[], marks={}, deferrals={}, late=[])


def _plan(doc: Doc, e: crs.PlanTopicsAdded) -> None:
    doc.setdefault("plan", []).extend(dict(t) for t in e.topics)


def _plan_edited(doc: Doc, e: crs.PlanTopicEdited) -> None:
    crs.plan_edit(doc.setdefault("plan", []), e)


def _plan_reordered(doc: Doc, e: crs.PlanTopicsReordered) -> None:
    crs.plan_reorder(doc.setdefault("plan", []), e.order)


def _period_mark(doc: Doc, e: crs.PeriodMarkSet) -> None:
    marks.set_course_mark(
        doc.setdefault("marks", {}), e, marks.history, "period", e.period_id
    )
    if e.late:
        late(doc, e, e.due_at)


def _final_mark(doc: Doc, e: crs.FinalMarkSet) -> None:
    marks.set_course_mark(doc.setdefault("marks", {}), e, marks.history, e.kind, e.kind)
    if e.late:
        late(doc, e, e.due_at)


def _deferred(doc: Doc, e: crs.PeriodMarkDeferred) -> None:
    doc.setdefault("deferrals", {}).setdefault(e.student_id, {})[e.period_id] = {
        "until": e.until,
        "reason": e.reason,
        "recorded_at": _ts(e),
    }
    if e.late:
        late(doc, e, e.due_at)


def _corrected(doc: Doc, e: crs.CourseMarkCorrected) -> None:
    marks.correct(doc.setdefault("marks", {}), e, marks.history)


def _requested(doc: Doc, e: cor.CorrectionRequested) -> None:
    start(
        doc,
        e,
        "correction",
        "mark_id",
        "stream_id",
        "target",
        "course_id",
        "student_id",
        "current_value",
        "value",
        "reason",
        "mark_version",
    )
    doc.update(
        requested_by=e.actor_id,
        status=cor.PENDING,
        decided_by=None,
        decided_at=None,
        rejection_reason=None,
    )


def _approved(doc: Doc, e: cor.CorrectionApproved) -> None:
    doc.update(status=cor.APPROVED, decided_by=e.actor_id, decided_at=_ts(e))


def _rejected(doc: Doc, e: cor.CorrectionRejected) -> None:
    doc.update(
        status=cor.REJECTED,
        decided_by=e.actor_id,
        decided_at=_ts(e),
        rejection_reason=e.reason,
    )


def course_placement(doc: Doc) -> tuple[str | None, str | None]:
    return doc["class_id"], doc["subject"]


def course_keys(doc: Doc) -> list[str]:
    keys = [f"teacher:{doc['teacher_id']}:{doc['id']}"]
    keys += [f"mark:{mid}" for mid in doc.get("marks", {})]
    return keys


def correction_placement(doc: Doc) -> tuple[str | None, str | None]:
    return doc["course_id"], doc["created_at"]


def correction_keys(doc: Doc) -> list[str]:
    if doc["status"] == cor.PENDING:
        return [f"pending_correction:{doc['mark_id']}:{doc['id']}"]
    return []


START: dict[type[Any], Start] = {
    crs.CourseCreated: _created,
    cor.CorrectionRequested: _requested,
}
APPLY: dict[type[Any], Handler] = {
    crs.PlanTopicsAdded: _plan,
    crs.PlanTopicEdited: _plan_edited,
    crs.PlanTopicsReordered: _plan_reordered,
    crs.PeriodMarkSet: _period_mark,
    crs.FinalMarkSet: _final_mark,
    crs.PeriodMarkDeferred: _deferred,
    crs.CourseMarkCorrected: _corrected,
    cor.CorrectionApproved: _approved,
    cor.CorrectionRejected: _rejected,
}
