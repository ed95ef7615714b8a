"""The command catalogue: one pydantic model and one handler per API command name.

A handler loads what it needs, checks the caller's relation to it, asks the
domain to decide, and returns the changed aggregates; it never saves. The executor
saves them in one transaction with the idempotency record.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, ConfigDict, StringConstraints, field_validator

from ejournal.datebounds import check_value
from ejournal.domain.base import Meta
from ejournal.domain.rules import SchoolRules
from ejournal.projections.reader import Reader
from ejournal.security import Actor
from ejournal.store import SchoolApp


class Body(BaseModel):
    """Base of every command body: unknown fields are refused, text is trimmed,
    dates and moments are kept to a sane range."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="after")
    @classmethod
    def _dates_in_range(cls, value: Any) -> Any:
        """Every date and moment of every command, nested bodies included, inside
        the range of ejournal.datebounds (422 naming the field otherwise)."""
        return check_value(value)


Name = Annotated[
    str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True)
]
ShortText = Annotated[
    str, StringConstraints(min_length=1, max_length=500, strip_whitespace=True)
]
LongText = Annotated[
    str, StringConstraints(min_length=1, max_length=4000, strip_whitespace=True)
]
Password = Annotated[str, StringConstraints(min_length=8, max_length=200)]
Login = Annotated[
    str, StringConstraints(min_length=2, max_length=64, pattern=r"^[A-Za-z0-9._@-]+$")
]


@dataclass
class Context:
    """Everything a handler may use: the store, current views, the caller, the clock."""

    app: SchoolApp
    views: Reader
    actor: Actor
    now: datetime
    rules: SchoolRules
    command_id: str

    @property
    def meta(self) -> Meta:
        return Meta(
            actor_id=self.actor.account_id,
            session_id=self.actor.session_id,
            command_id=self.command_id,
            client_ip=self.actor.client_ip,
            now=self.now,
        )


@dataclass
class Outcome:
    """What a handler decided: aggregates with pending events, or bare events
    (voids and reinstatements appended to streams of any kind)."""

    aggregates: list[Any]
    result: dict[str, Any] = field(default_factory=dict)


M = TypeVar("M", bound=Body)
Handler = Callable[[Context, Any], Outcome]


@dataclass(frozen=True)
class CommandSpec:
    name: str
    model: type[Body]
    roles: frozenset[str]
    handler: Handler
    summary: str
    current_views: bool = False


COMMANDS: dict[str, CommandSpec] = {}


def command(
    name: str,
    model: type[M],
    *,
    roles: set[str],
    summary: str,
    current_views: bool = False,
) -> Callable[[Callable[[Context, M], Outcome]], Callable[[Context, M], Outcome]]:
    """Register a handler. ``roles`` are the roles that may ever run it; relations
    (the course's teacher, the class teacher) are checked inside the handler.
    ``current_views``: the handler plans from the views, so they must first catch up
    with the whole log, not only with the caller's own writes."""

    def register(
        fn: Callable[[Context, M], Outcome],
    ) -> Callable[[Context, M], Outcome]:
        COMMANDS[name] = CommandSpec(
            name, model, frozenset(roles), fn, summary, current_views
        )
        return fn

    return register
