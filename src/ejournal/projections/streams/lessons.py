"""The lesson stream's document: topic, homework, attendance, marks, comments."""

from __future__ import annotations

import uuid
from typing import Any

from ejournal.domain import lesson as les
from ejournal.domain import marks
from ejournal.projections.streams.common import Doc, Handler, Start, _ts, late, start

ABSENCE_LABELS = {"absent": "absent (н)", "ill": "ill (б)", "excused": "excused (уп)"}


def makeup_comment_id(mark_id: str) -> str:
    """The note that records a makeup has an id derived from the makeup's mark."""
    return str(uuid.uuid5(uuid.UUID(les.LESSON_NAMESPACE.hex), f"makeup/{mark_id}"))


def _scheduled(doc: Doc, e: les.LessonScheduled) -> None:
    start(doc, e, "lesson", "course_id", "date", "slot", "starts_at", "ends_at")
    doc.update(
        topic=None,
        plan_topic_no=None,
        homework=None,
        attendance={},
        marks={},
        comments={},
        substitute_id=None,
        late=[],
    )


def _topic(doc: Doc, e: les.TopicSet) -> None:
    doc["topic"], doc["plan_topic_no"] = e.topic, e.plan_topic_no
    if e.late:
        late(doc, e, e.due_at)


def _homework(doc: Doc, e: les.HomeworkAssigned) -> None:
    doc["homework"] = {"text": e.text, "due_on": e.due_on}
    if e.late:
        late(doc, e, e.entry_due_at)


def _attendance(doc: Doc, e: les.AttendanceRecorded) -> None:
    for entry in e.entries:
        if entry["code"] == "present":
            doc["attendance"].pop(entry["student_id"], None)
        else:
            doc["attendance"][entry["student_id"]] = entry["code"]
    if e.late:
        late(doc, e, e.due_at)


def _mark(doc: Doc, e: les.MarkRecorded) -> None:
    marks.record_lesson_mark(
        doc["marks"], e, marks.history, comment=e.comment, protocol=None
    )
    if e.late:
        late(doc, e, e.due_at)


def _corrected(doc: Doc, e: les.MarkCorrected) -> None:
    marks.correct(doc["marks"], e, marks.history)


def _makeup(doc: Doc, e: les.MakeupRecorded) -> None:
    marks.record_lesson_mark(
        doc["marks"], e, marks.history, comment=None, protocol=e.protocol
    )
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
        late(doc, e, e.due_at)


def _comment(doc: Doc, e: les.CommentAdded) -> None:
    doc["comments"][e.comment_id] = {
        "student_id": e.student_id,
        "text": e.text,
        "author_id": e.actor_id,
        "recorded_at": _ts(e),
    }


def _substitution(doc: Doc, e: les.SubstitutionRecorded) -> None:
    doc["substitute_id"] = e.substitute_teacher_id


def _cancelled(doc: Doc, e: les.LessonCancelled) -> None:
    doc["cancelled"] = {"reason": e.reason, "by": e.actor_id, "at": _ts(e)}


def _moved(doc: Doc, e: les.LessonMoved) -> None:
    doc.setdefault("moved_from", []).append(
        {"date": e.from_date, "slot": e.from_slot, "moved_at": _ts(e)}
    )
    doc.update(date=e.date, slot=e.slot, starts_at=e.starts_at, ends_at=e.ends_at)


def placement(doc: Doc) -> tuple[str | None, str | None]:
    """Under its course by date and slot; a cancelled lesson under nothing, so
    that no journal, diary, timetable or count lists it."""
    sort_key = f"{doc['date']}/{doc['slot']:02d}"
    if doc.get("cancelled"):
        return None, sort_key
    return doc["course_id"], sort_key


PLACED = "lesson_at"
"""Keys of the places a moved or cancelled lesson has had:
``lesson_at:<course_id>:<date>/<slot>:<lesson_id>``. The index lists a stream
where it is now; ``as_of`` a moment before a move or a cancellation finds the
lesson where it was through these (AsOfReader.child_ids)."""


def placed_key(course_id: str, sort_key: str, lesson_id: str) -> str:
    return f"{PLACED}:{course_id}:{sort_key}:{lesson_id}"


def lookup_keys(doc: Doc) -> list[str]:
    keys = [f"mark:{mid}" for mid in doc["marks"]]
    if doc["substitute_id"] and not doc.get("cancelled"):
        keys.append(f"substitute:{doc['substitute_id']}:{doc['id']}")
    moved = doc.get("moved_from") or []
    if moved or doc.get("cancelled"):
        places = [f"{m['date']}/{int(m['slot']):02d}" for m in moved]
        places.append(f"{doc['date']}/{doc['slot']:02d}")
        keys += [
            placed_key(doc["course_id"], p, doc["id"]) for p in dict.fromkeys(places)
        ]
    return keys


START: dict[type[Any], Start] = {les.LessonScheduled: _scheduled}
APPLY: dict[type[Any], Handler] = {
    les.TopicSet: _topic,
    les.HomeworkAssigned: _homework,
    les.AttendanceRecorded: _attendance,
    les.MarkRecorded: _mark,
    les.MarkCorrected: _corrected,
    les.MakeupRecorded: _makeup,
    les.CommentAdded: _comment,
    les.SubstitutionRecorded: _substitution,
    les.LessonCancelled: _cancelled,
    les.LessonMoved: _moved,
}
