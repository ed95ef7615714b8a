"""RFC 9457 problem+json answers: one map from domain errors to statuses."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

import orjson
from eventsourcing.persistence import InterfaceError, OperationalError
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from ejournal.commands.executor import field_path
from ejournal.domain.errors import DomainError

log = logging.getLogger(__name__)


class JSON(JSONResponse):
    """orjson. A JSONResponse subclass, so OpenAPI documents answers as JSON
    (of the route's model, if any) rather than as a string."""

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content, option=orjson.OPT_NON_STR_KEYS)


class FieldProblem(BaseModel):
    field: str
    message: str


class Problem(BaseModel):
    """RFC 9457 problem details: every error answer has this body."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[FieldProblem] | None = Field(
        default=None, description="422: one entry per offending field"
    )


PROBLEM_MEDIA_TYPE = "application/problem+json"
# What every route may answer besides its own errors: a malformed or too large
# body (the size limit sees every request) and a database that is down.
COMMON = (400, 413, 503)


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for error statuses, each a problem+json body."""
    return {
        status: {
            "description": HTTPStatus(status).phrase,
            "content": {
                PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}
            },
        }
        for status in sorted(set(statuses))
    }


def problem_schemas() -> dict[str, Any]:
    """The component schemas ``problem_responses`` refers to."""
    schema = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    return {**schema.pop("$defs", {}), "Problem": schema}


def problem(
    status: int,
    detail: str,
    *,
    title: str | None = None,
    errors: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    body: dict[str, Any] = {
        "type": f"https://ejournal.example/problems/{status}",
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
    }
    if errors is not None:
        body["errors"] = errors
    return Response(
        orjson.dumps(body),
        status_code=status,
        headers=headers,
        media_type=PROBLEM_MEDIA_TYPE,
    )


def domain_problem(exc: DomainError) -> Response:
    errors = getattr(exc, "errors", None)
    if errors is None and exc.status == 422:
        errors = [{"field": exc.field or "", "message": exc.detail}]
    headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
    return problem(
        exc.status, exc.detail, title=exc.title, errors=errors, headers=headers
    )


def validation_problem(exc: RequestValidationError) -> Response:
    if any(
        tuple(err["loc"]) == ("body",) or err["type"] == "json_invalid"
        for err in exc.errors()
    ):
        return problem(400, "the request body must be a JSON object")
    errors = [
        {
            "field": field_path(
                [p for p in err["loc"] if p not in ("query", "path", "header", "body")]
            ),
            "message": str(err["msg"]),
        }
        for err in exc.errors()
    ]
    return problem(
        422,
        errors[0]["message"] if errors else "invalid request",
        title="Invalid field value",
        errors=errors,
    )


def http_problem(exc: StarletteHTTPException) -> Response:
    return problem(exc.status_code, str(exc.detail), headers=dict(exc.headers or {}))


def install(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(_: Request, exc: DomainError) -> Response:
        return domain_problem(exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> Response:
        return validation_problem(exc)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> Response:
        return http_problem(exc)

    @app.exception_handler(OperationalError)
    @app.exception_handler(InterfaceError)
    async def _database_down(request: Request, exc: Exception) -> Response:
        log.warning("database unavailable on %s: %s", request.url.path, exc)
        return problem(
            503,
            "the database is unavailable; retry with the same Idempotency-Key",
            headers={"Retry-After": "1"},
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception(
            "unexpected error on %s %s (command id %s)",
            request.method,
            request.url.path,
            request.headers.get("Idempotency-Key"),
        )
        return problem(500, "an unexpected error occurred; it has been logged")
