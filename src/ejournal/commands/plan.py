"""The calendar-thematic plan (КТП) after its topics are added: a topic's title
and hours edited, the topics put in a new order.

A topic's number is its id: given when it is added, never changed or reused. A
lesson's ``plan_topic_no`` names that number, so reordering or editing the plan
leaves every lesson on the topic it was taught; the plan's order is the order of
its list (the course document's ``plan``), which plan coverage follows.
"""

from __future__ import annotations

from uuid import UUID

from pydantic import Field

from ejournal.commands.base import Body, Context, Outcome, ShortText, command
from ejournal.commands.lookups import course_for_writing

PLANNERS = "only the course's teacher or a deputy plans the course"


class EditPlanTopic(Body):
    course_id: UUID
    topic_no: int = Field(ge=1, le=1000)
    title: ShortText | None = None
    hours: float | None = Field(default=None, gt=0, le=100)


@command(
    "edit-plan-topic",
    EditPlanTopic,
    roles={"teacher", "deputy"},
    summary="Change a plan topic's title or hours (КТП); its number stays",
)
def edit_plan_topic(ctx: Context, cmd: EditPlanTopic) -> Outcome:
    course = course_for_writing(ctx, cmd.course_id, PLANNERS, deputy=True)
    course.edit_plan_topic(ctx.meta, cmd.topic_no, cmd.title, cmd.hours)
    return Outcome([course])


class ReorderPlanTopics(Body):
    course_id: UUID
    order: list[int] = Field(min_length=1, max_length=1000)


@command(
    "reorder-plan-topics",
    ReorderPlanTopics,
    roles={"teacher", "deputy"},
    summary="Put the plan's topics (КТП) in a new order, by their numbers",
)
def reorder_plan_topics(ctx: Context, cmd: ReorderPlanTopics) -> Outcome:
    course = course_for_writing(ctx, cmd.course_id, PLANNERS, deputy=True)
    course.reorder_plan_topics(ctx.meta, cmd.order)
    return Outcome([course])
