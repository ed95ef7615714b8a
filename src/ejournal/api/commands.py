"""POST /commands/<name>: one route per command of the catalogue."""

from __future__ import annotations

from typing import Annotated

import orjson
from fastapi import APIRouter, Header, Request, Response
from pydantic import BaseModel, ConfigDict
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ejournal.api.deps import CredentialsDep, ServiceDep, bearer_token, client_ip
from ejournal.api.errors import COMMON, problem, problem_responses
from ejournal.commands import COMMANDS, CommandSpec

router = APIRouter(prefix="/commands", tags=["commands"])

MAX_BODY = 1024 * 1024
ERRORS = problem_responses(*COMMON, 401, 403, 404, 409, 422)
# File uploads may be larger: a document to verify (a year's archive is a few
# MB) and a school's list to import; the routes check their own file's size
# below these (20 and 10 MB) and answer 422.
UPLOAD_BODY = {
    "/api/v1/documents/verify": 21 * 1024 * 1024,
    "/api/v1/imports/": 11 * 1024 * 1024,
}


def body_limit(path: str) -> int:
    for prefix, limit in UPLOAD_BODY.items():
        if path.startswith(prefix):
            return limit
    return MAX_BODY


def too_large(limit: int) -> str:
    return f"the body is larger than {limit} bytes"


class WrittenEvent(BaseModel):
    stream_id: str
    version: int
    type: str


class CommandAnswer(BaseModel):
    """Every command's answer; the command's own result fields come beside these."""

    model_config = ConfigDict(extra="allow")
    command_id: str
    position: int | None
    events: list[WrittenEvent]


class BodyLimit:
    """Refuse bodies over MAX_BODY (an upload route's own limit) with 413,
    announced (Content-Length) or not (chunked): the body is counted as it
    arrives, never buffered past the limit."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = body_limit(scope.get("path", ""))
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None:
            if not length.isdigit():
                await problem(400, "Content-Length is not a number")(
                    scope, receive, send
                )
                return
            if int(length) > limit:
                await problem(413, too_large(limit))(scope, receive, send)
                return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    # Answered as problem+json by the HTTP exception handler.
                    raise HTTPException(413, too_large(limit))
            return message

        await self.app(scope, counted, send)


def _route(spec: CommandSpec) -> None:
    async def endpoint(
        request: Request,
        credentials: CredentialsDep,
        service: ServiceDep,
        idempotency_key: Annotated[str | None, Header(max_length=100)] = None,
    ) -> Response:
        token = bearer_token(credentials)
        body = await request.body()
        ip = client_ip(request)

        def run() -> bytes:
            # One trip to the thread pool: authenticate, decide, save, answer.
            actor = service.authenticate(token, ip)
            return orjson.dumps(
                service.execute(actor, spec.name, body, idempotency_key)
            )

        answer = await run_in_threadpool(run)
        return Response(answer, media_type="application/json")

    endpoint.__name__ = spec.name.replace("-", "_")
    router.add_api_route(
        f"/{spec.name}",
        endpoint,
        methods=["POST"],
        summary=spec.summary,
        description=f"Roles: {', '.join(sorted(spec.roles))}",
        responses={200: {"description": "Written", "model": CommandAnswer}, **ERRORS},
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "$ref": f"#/components/schemas/{spec.model.__name__}"
                        }
                    }
                },
            }
        },
    )


def build() -> None:
    for spec in COMMANDS.values():
        _route(spec)


build()
