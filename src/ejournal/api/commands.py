"""POST /commands/<name>: one route per command of the catalogue."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Header, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from ejournal.api.deps import ActorDep, ServiceDep
from ejournal.api.errors import problem
from ejournal.commands.base import COMMANDS, CommandSpec

router = APIRouter(prefix="/commands", tags=["commands"])

MAX_BODY = 1024 * 1024
PROBLEM = {"description": "Problem", "content": {"application/problem+json": {}}}
ERRORS: dict[int | str, dict[str, Any]] = dict.fromkeys(
    (400, 401, 403, 404, 409, 413, 422), PROBLEM
)


async def limit_body_size(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    length = request.headers.get("content-length")
    if length is not None:
        if not length.isdigit():
            return problem(400, "Content-Length is not a number")
        if int(length) > MAX_BODY:
            return problem(413, f"the body is larger than {MAX_BODY} bytes")
    return await call_next(request)


def _route(spec: CommandSpec) -> None:
    async def endpoint(
        request: Request,
        actor: ActorDep,
        service: ServiceDep,
        idempotency_key: Annotated[str | None, Header(max_length=100)] = None,
    ) -> Any:
        body = await request.body()
        if len(body) > MAX_BODY:
            return problem(413, f"the body is larger than {MAX_BODY} bytes")
        return await run_in_threadpool(
            service.execute, actor, spec.name, body, idempotency_key
        )

    endpoint.__name__ = spec.name.replace("-", "_")
    router.add_api_route(
        f"/{spec.name}",
        endpoint,
        methods=["POST"],
        summary=spec.summary,
        description=f"Roles: {', '.join(sorted(spec.roles))}",
        responses={200: {"description": "Written"}, **ERRORS},
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


import ejournal.service  # noqa: E402,F401  (the catalogue is registered there)

build()
