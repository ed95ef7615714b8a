"""Running a command: parse and validate its body, check the caller's roles,
decide, save with its idempotency record, retry a lost race, answer once the
views have reached the command's position (read-your-writes).

The catalogue is ``ejournal.commands.COMMANDS``; the service runs it through
``Executor``.
"""

from __future__ import annotations

import hashlib
import random
import time
import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import orjson
from pydantic import ValidationError

from ejournal.commands.base import COMMANDS, Context
from ejournal.commands.closed_year import closed_reason_of_body, refuse_closed_years
from ejournal.domain.base import new_id
from ejournal.domain.errors import Conflict, DomainError, Forbidden, Invalid, NotFound
from ejournal.security import Actor
from ejournal.store import IdempotencyRecord, IntegrityError

if TYPE_CHECKING:
    from ejournal.service import Service

COMMAND_NAMESPACE = uuid.UUID("9d1e1c2b-6f0a-4c53-8f1e-0b7c7e3f5a20")
# Commands racing for one stream (sessions writing the same lesson) are decided
# again on the new state; a short random pause after a lost race spreads them out.
MAX_ATTEMPTS = 16


class ProblemFields(Invalid):
    """A 422 with one entry per offending field."""

    def __init__(self, errors: list[dict[str, str]]) -> None:
        first = errors[0] if errors else {"field": "", "message": "invalid"}
        super().__init__(f"{first['field']}: {first['message']}", field=first["field"])
        self.errors = errors


def field_path(loc: Sequence[Any]) -> str:
    """A pydantic location as a field path: ``lessons[0].date``."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


def validation_errors(exc: ValidationError) -> list[dict[str, str]]:
    return [
        {"field": field_path(err["loc"]), "message": err["msg"]} for err in exc.errors()
    ]


class Executor:
    """Runs the catalogue's commands for one service."""

    def __init__(self, service: Service) -> None:
        self.service = service

    def execute(
        self,
        actor: Actor,
        name: str,
        body: bytes | dict[str, Any],
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        spec = COMMANDS.get(name)
        if spec is None:
            raise NotFound(f"no command named {name!r}")
        if not actor.roles & spec.roles:
            raise Forbidden(
                f"{name} needs one of the roles: {', '.join(sorted(spec.roles))}"
            )
        payload = parse_json(body)
        try:
            cmd = spec.model.model_validate(payload)
        except ValidationError as exc:
            raise ProblemFields(validation_errors(exc)) from None
        key = None
        body_hash = hashlib.sha256(
            name.encode() + b"\0" + orjson.dumps(payload, option=orjson.OPT_SORT_KEYS)
        ).hexdigest()
        if idempotency_key is not None:
            try:
                parsed_key = uuid.UUID(idempotency_key)
            except ValueError:
                raise DomainError("Idempotency-Key must be a UUID") from None
            key = f"{actor.account_id}:{parsed_key}"
            command_id = str(uuid.uuid5(COMMAND_NAMESPACE, key))
            replay = self.replay(key, body_hash)
            if replay is not None:
                return replay
        else:
            command_id = new_id()
        for attempt in range(MAX_ATTEMPTS):
            if spec.current_views:
                self.service.runner.wait_for(
                    self.service.app.recorder.max_notification_id() or 0
                )
            now = self.service.clock()
            # A handler holds a read transaction and loads aggregates beside it (two
            # pooled connections): bounding how many run at once keeps a burst of
            # requests from exhausting the pool and starving each other.
            with self.service.deciding, self.service.views() as views:
                rules = self.service.rules_for(views)
                ctx = Context(self.service.app, views, actor, now, rules, command_id)
                try:
                    outcome = spec.handler(ctx, cmd)
                except (Conflict, Invalid) as exc:
                    reason = closed_reason_of_body(self.service.app, name, payload)
                    if reason is not None:
                        raise Conflict(reason) from exc
                    raise
            # A closed year is read-only, whichever command writes to it.
            refuse_closed_years(self.service.app, name, outcome.aggregates)
            events = [
                {
                    "stream_id": str(e.originator_id),
                    "version": e.originator_version,
                    "type": type(e).__name__,
                }
                for obj in outcome.aggregates
                for e in pending_events(obj)
            ]
            response: dict[str, Any] = {
                "command_id": command_id,
                "position": None,
                "events": events,
                **outcome.result,
            }
            record = IdempotencyRecord(key, body_hash, response, len(events))
            try:
                recordings = self.save(outcome.aggregates, record)
            except IntegrityError:
                # Another command wrote the same stream first (or the same key):
                # decide again on the new state.
                if key is not None:
                    replay = self.replay(key, body_hash)
                    if replay is not None:
                        return replay
                pause(attempt)
                continue
            if recordings:
                response["position"] = recordings[-1].notification.id
                self.service.app.remember(outcome.aggregates, response["position"])
                self.service.await_position(response["position"])
            return response
        raise Conflict("the record kept changing under this command; try again")

    def save(self, objs: list[Any], record: IdempotencyRecord) -> list[Any]:
        events = [e for obj in objs for e in pending_events(obj)]
        if self.service.writer.running:
            return self.service.writer.save(events, record)
        return self.service.app.save(*events, idempotency=[record])

    def replay(self, key: str, body_hash: str) -> dict[str, Any] | None:
        with self.service.app.db().read() as cur:
            row = cur.execute(
                "SELECT body_hash, response FROM ej_idempotency WHERE key = ?", (key,)
            ).fetchone()
        if row is None:
            return None
        if row["body_hash"] != body_hash:
            raise Conflict("this Idempotency-Key was used with another request")
        response: dict[str, Any] = orjson.loads(bytes(row["response"]))
        if response.get("position"):
            self.service.await_position(response["position"])
        return response


def pause(attempt: int) -> None:
    """Up to 1 ms per lost race so far (at most 10 ms), at random."""
    time.sleep(random.uniform(0, 0.001 * min(attempt + 1, 10)))


def pending_events(obj: Any) -> list[Any]:
    pending = getattr(obj, "pending_events", None)
    return list(pending) if pending is not None else [obj]


def parse_json(body: bytes | dict[str, Any]) -> Any:
    if isinstance(body, dict):
        return body
    if not body:
        raise DomainError("the request body is empty: send a JSON object")
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise DomainError(f"the request body is not valid JSON: {exc}") from None
    if not isinstance(payload, dict):
        raise DomainError("the request body must be a JSON object")
    return payload
