# Over ~300 lines on purpose: one aggregate with its event catalogue (STYLE.md: one
# event catalogue per area).
"""A course (предмет в классе или группе): a subject taught to a class or group by a
teacher for a year."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Any

from ejournal.domain import marks
from ejournal.domain.base import Meta, SchoolAggregate, SchoolEvent, meta_fields
from ejournal.domain.correction import ApprovedChange, check_correction
from ejournal.domain.errors import Conflict, Invalid
from ejournal.domain.rules import MARK_VALUES, SchoolRules

SPECIAL_MARKS = ("exempt", "not_attested", "ungraded")
"""осв, н/а, безотм: for period and final marks only."""
PERIOD_VALUES = MARK_VALUES + SPECIAL_MARKS
FINAL_KINDS = ("annual", "exam", "final")
PLAN_LIMIT = 1000
COURSE_MARK_NAMESPACE = uuid.UUID("3f9e7d2a-1c4b-4e8f-a6d5-0b2c9e7f1a34")


def course_mark_id(course_id: str, student_id: str, slot: str) -> str:
    """A period or final mark has one id per course, pupil and period (or kind):
    every revision of it refers to the same mark."""
    return str(uuid.uuid5(COURSE_MARK_NAMESPACE, f"{course_id}/{student_id}/{slot}"))


class CourseEvent(SchoolEvent):
    stream_kind = "course"


class CourseCreated(CourseEvent, SchoolAggregate.Created):
    year_id: str
    class_id: str
    group_id: str | None
    subject: str
    teacher_id: str
    hours_per_week: float


class PlanTopicsAdded(CourseEvent):
    """Topics appended to the calendar-thematic plan (КТП), numbered in order."""

    topics: list[dict[str, Any]]

    def apply(self, aggregate: Course) -> None:
        aggregate.plan.extend(dict(t) for t in self.topics)


class PlanTopicEdited(CourseEvent):
    """A plan topic's new title and hours. Its number stays: lessons refer to it."""

    no: int
    title: str
    hours: float

    def apply(self, aggregate: Course) -> None:
        plan_edit(aggregate.plan, self)


class PlanTopicsReordered(CourseEvent):
    """The plan's topics in a new order, by their numbers. A topic keeps its
    number (a stable id that lessons' ``plan_topic_no`` names); the plan's order
    is the list's."""

    order: list[int]

    def apply(self, aggregate: Course) -> None:
        plan_reorder(aggregate.plan, self.order)


def plan_edit(plan: list[dict[str, Any]], event: Any) -> None:
    """Shared by the aggregate and the course's document."""
    for topic in plan:
        if topic["no"] == event.no:
            topic["title"], topic["hours"] = event.title, event.hours


def plan_reorder(plan: list[dict[str, Any]], order: list[int]) -> None:
    rank = {no: i for i, no in enumerate(order)}
    plan.sort(key=lambda t: rank.get(t["no"], len(rank)))


class PeriodMarkSet(CourseEvent):
    """A period mark (четвертная отметка), or a new value of it in its window."""

    mark_id: str
    student_id: str
    period_id: str
    value: str
    due_at: str
    late: bool

    def apply(self, aggregate: Course) -> None:
        aggregate.put_mark(self, "period", self.period_id)


class FinalMarkSet(CourseEvent):
    """An annual, exam or final mark (годовая, экзаменационная, итоговая)."""

    mark_id: str
    student_id: str
    kind: str
    value: str
    due_at: str
    late: bool

    def apply(self, aggregate: Course) -> None:
        aggregate.put_mark(self, self.kind, self.kind)


class PeriodMarkDeferred(CourseEvent):
    """An ill pupil's period mark is deferred until a date (S1 item 12)."""

    student_id: str
    period_id: str
    until: str
    reason: str
    due_at: str
    late: bool

    def apply(self, aggregate: Course) -> None:
        aggregate.deferrals[f"{self.student_id}/{self.period_id}"] = {
            "until": self.until,
            "reason": self.reason,
        }


class CourseMarkCorrected(CourseEvent):
    """A period or final mark corrected or struck: the same fields as a lesson's
    ``MarkCorrected``."""

    mark_id: str
    value: str | None
    reason: str
    request_id: str | None

    def apply(self, aggregate: Course) -> None:
        mark = marks.correct(aggregate.marks, self, marks.count)
        if mark is not None and self.request_id is not None:
            aggregate.applied_requests.add(self.request_id)


class Course(SchoolAggregate):
    def __init__(
        self,
        year_id: str,
        class_id: str,
        group_id: str | None,
        subject: str,
        teacher_id: str,
        hours_per_week: float,
    ) -> None:
        self.year_id = year_id
        self.class_id = class_id
        self.group_id = group_id
        self.subject = subject
        self.teacher_id = teacher_id
        self.hours_per_week = hours_per_week
        self.plan: list[dict[str, Any]] = []
        self.marks: dict[str, dict[str, Any]] = {}
        self.deferrals: dict[str, dict[str, str]] = {}
        self.applied_requests: set[str] = set()

    def put_mark(self, event: Any, kind: str, slot: str) -> None:
        marks.set_course_mark(self.marks, event, marks.count, kind, slot)

    # -- the calendar-thematic plan ------------------------------------------------
    def add_plan_topics(self, meta: Meta, topics: list[dict[str, Any]]) -> None:
        if not topics:
            raise Invalid("name at least one topic", field="topics")
        if len(self.plan) + len(topics) > PLAN_LIMIT:
            raise Invalid(f"a plan has at most {PLAN_LIMIT} topics", field="topics")
        # Numbers are ids: never reused, whatever the order (plan_reorder).
        first = max((int(t["no"]) for t in self.plan), default=0) + 1
        numbered = [
            {"no": first + i, "title": t["title"], "hours": t["hours"]}
            for i, t in enumerate(topics)
        ]
        self._trigger(PlanTopicsAdded, meta, topics=numbered)

    def plan_topic(self, no: int) -> dict[str, Any]:
        for topic in self.plan:
            if topic["no"] == no:
                return topic
        raise Invalid(f"the course's plan has no topic {no}", field="topic_no")

    def edit_plan_topic(
        self, meta: Meta, no: int, title: str | None, hours: float | None
    ) -> None:
        if title is None and hours is None:
            raise Invalid("name a new title, new hours or both", field="title")
        topic = self.plan_topic(no)
        new_title = topic["title"] if title is None else title
        new_hours = topic["hours"] if hours is None else hours
        if (new_title, new_hours) == (topic["title"], topic["hours"]):
            raise Conflict(f"plan topic {no} already reads so", field="topic_no")
        self._trigger(PlanTopicEdited, meta, no=no, title=new_title, hours=new_hours)

    def reorder_plan_topics(self, meta: Meta, order: list[int]) -> None:
        numbers = [int(t["no"]) for t in self.plan]
        if not numbers:
            raise Conflict("the course's plan has no topics", field="order")
        if len(set(order)) != len(order):
            raise Invalid("a topic is listed twice", field="order")
        if sorted(order) != sorted(numbers):
            missing = sorted(set(numbers) - set(order))
            unknown = sorted(set(order) - set(numbers))
            raise Invalid(
                "list every topic of the plan once"
                + (f"; missing {missing}" if missing else "")
                + (f"; no topics {unknown}" if unknown else ""),
                field="order",
            )
        if order == numbers:
            raise Conflict("the plan is already in that order", field="order")
        self._trigger(PlanTopicsReordered, meta, order=order)

    # -- period and final marks ------------------------------------------------------
    def deferral(self, student_id: str, period_id: str) -> dict[str, str] | None:
        return self.deferrals.get(f"{student_id}/{period_id}")

    def period_window(
        self, rules: SchoolRules, student_id: str, period: dict[str, str]
    ) -> datetime:
        """A period mark is due by the period's last day, or by the end of its
        deferral; after that it changes only with the director's approval."""
        last = date.fromisoformat(period["ends_on"])
        deferral = self.deferral(student_id, period["id"])
        if deferral is not None:
            last = max(last, date.fromisoformat(deferral["until"]))
        return rules.end_of_day(last)

    def _set(
        self,
        meta: Meta,
        mark_id: str,
        value: str,
        due: datetime,
        what: str,
    ) -> bool:
        """Common checks of a period or final mark; whether it is late."""
        if value not in PERIOD_VALUES:
            raise Invalid(
                "a period or final mark is 1 to 5, exempt, not_attested or ungraded",
                field="value",
            )
        existing = self.marks.get(mark_id)
        if existing is not None:
            if meta.now > due:
                raise Conflict(
                    f"the {what} is past its window ({due.isoformat()}): a change "
                    "needs a correction request approved by the director",
                    field="value",
                )
            if existing["value"] == value:
                raise Conflict(f"the {what} already has that value", field="value")
        return meta.now > due

    def set_period_mark(
        self,
        meta: Meta,
        rules: SchoolRules,
        *,
        student_id: str,
        period: dict[str, str],
        value: str,
        is_pupil: bool,
    ) -> str:
        if not is_pupil:
            raise Invalid(
                "the pupil does not attend this course in that period",
                field="student_id",
            )
        if rules.local_date(meta.now).isoformat() < period["starts_on"]:
            raise Conflict("the period has not begun", field="period_id")
        mark_id = course_mark_id(str(self.id), student_id, period["id"])
        due = self.period_window(rules, student_id, period)
        late = self._set(meta, mark_id, value, due, "period mark")
        self._trigger(
            PeriodMarkSet,
            meta,
            mark_id=mark_id,
            student_id=student_id,
            period_id=period["id"],
            value=value,
            due_at=due.isoformat(),
            late=late,
        )
        return mark_id

    def set_final_mark(
        self,
        meta: Meta,
        rules: SchoolRules,
        *,
        student_id: str,
        kind: str,
        value: str,
        year_ends_on: date,
        is_pupil: bool,
    ) -> str:
        if kind not in FINAL_KINDS:
            raise Invalid("kind is annual, exam or final", field="kind")
        if not is_pupil:
            raise Invalid(
                "the pupil does not attend this course this year", field="student_id"
            )
        mark_id = course_mark_id(str(self.id), student_id, kind)
        due = rules.end_of_day(year_ends_on)
        late = self._set(meta, mark_id, value, due, f"{kind} mark")
        self._trigger(
            FinalMarkSet,
            meta,
            mark_id=mark_id,
            student_id=student_id,
            kind=kind,
            value=value,
            due_at=due.isoformat(),
            late=late,
        )
        return mark_id

    def defer_period_mark(
        self,
        meta: Meta,
        rules: SchoolRules,
        *,
        student_id: str,
        period: dict[str, str],
        until: date,
        reason: str,
        is_pupil: bool,
    ) -> None:
        if not is_pupil:
            raise Invalid(
                "the pupil does not attend this course in that period",
                field="student_id",
            )
        mark = self.marks.get(course_mark_id(str(self.id), student_id, period["id"]))
        if mark is not None and mark["value"] is not None:
            raise Conflict("the period mark is already set", field="period_id")
        last = date.fromisoformat(period["ends_on"])
        if until <= last:
            raise Invalid(
                f"a deferral runs past the period's last day ({period['ends_on']})",
                field="until",
            )
        if until > last + timedelta(days=366):
            raise Invalid("a deferral lasts at most a year", field="until")
        due = self.period_window(rules, student_id, period)
        self._trigger(
            PeriodMarkDeferred,
            meta,
            student_id=student_id,
            period_id=period["id"],
            until=until.isoformat(),
            reason=reason,
            due_at=due.isoformat(),
            late=meta.now > due,
        )

    def mark(self, mark_id: str) -> dict[str, Any]:
        return marks.find(self.marks, mark_id)

    def correct_mark(
        self,
        meta: Meta,
        *,
        mark_id: str,
        value: str | None,
        reason: str,
        request: ApprovedChange | None = None,
    ) -> None:
        """Inside its window the course's teacher changes a period or final mark;
        after it only an approved request does (S4)."""
        mark = self.mark(mark_id)
        if value is not None and value not in PERIOD_VALUES:
            raise Invalid(
                "a period or final mark is 1 to 5, exempt, not_attested or "
                "ungraded, or null to strike it",
                field="value",
            )
        request_id = check_correction(
            meta,
            mark=mark,
            mark_id=mark_id,
            value=value,
            request=request,
            applied_requests=self.applied_requests,
            may_correct_alone=(mark["author_id"], self.teacher_id),
            who="the course's teacher",
        )
        self._trigger(
            CourseMarkCorrected,
            meta,
            mark_id=mark_id,
            value=value,
            reason=reason,
            request_id=request_id,
        )


def create_course(
    meta: Meta,
    *,
    year_id: str,
    class_id: str,
    group_id: str | None,
    subject: str,
    teacher_id: str,
    hours_per_week: float,
    course_id: str | None = None,
) -> Course:
    """``course_id``: an explicit id (a reproducible generated school), else a
    new one."""
    return Course._create(
        CourseCreated,
        id=uuid.UUID(course_id) if course_id else None,
        **meta_fields(meta),
        year_id=year_id,
        class_id=class_id,
        group_id=group_id,
        subject=subject,
        teacher_id=teacher_id,
        hours_per_week=hours_per_week,
    )
