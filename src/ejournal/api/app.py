"""The FastAPI application factory: no app, settings or store built at import time."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from starlette.middleware.gzip import GZipMiddleware

from ejournal.api import (
    audit,
    commands,
    errors,
    imports,
    journals,
    lists,
    printouts,
    pupils,
    reports,
    session,
    spreadsheets,
    years,
)
from ejournal.commands import COMMANDS
from ejournal.service import Service
from ejournal.web import install as install_pages

API_PREFIX = "/api/v1"


def from_environment() -> FastAPI:
    """One worker of ``ejournal serve --workers N``: the service on
    EJOURNAL_DATABASE_URL, sharing the database with the other workers, and
    following the views loop's process when EJOURNAL_VIEWS is ``process``."""
    url = os.environ["EJOURNAL_DATABASE_URL"]
    shared = int(os.environ.get("EJOURNAL_WORKERS", "1")) > 1
    follow = os.environ.get("EJOURNAL_VIEWS") == "process"
    return create_app(lambda: Service(url, shared=shared, follow=follow))


TAGS: list[dict[str, Any]] = [
    {
        "name": "documents",
        "description": (
            "Printable and exchangeable documents. Each is its JSON read's path "
            "with a suffix (`.pdf`, `.xlsx`, `.csv`), not content negotiation on "
            "the JSON path: one URL per document, for links and downloads. The "
            "parameters, the role policy and the refusals are the JSON read's; "
            "`as_of` applies. Every document carries the log position and ledger "
            "hash it was made from, its `as_of`, and who printed it when (footer, "
            "PDF metadata and attachment, spreadsheet properties); "
            "`POST /documents/verify` checks it against the log."
        ),
    },
    {
        "name": "lists",
        "description": (
            "The school's years, classes, groups, courses, pupils, guardians and "
            "accounts, so that nobody keeps ids by hand. Each answers "
            "`{items, next}`: `limit` (1..500) items in a stable order, and `next`, "
            "an opaque cursor to pass as `after` for the following page (null on "
            "the last). Filters apply before paging; `as_of` applies. Birth dates "
            "only for the secretary, admin, director, deputy, auditor and the "
            "pupil's class teacher; accounts for the admin, secretary and auditor."
        ),
    },
]


def create_app(
    service_factory: Callable[[], Service], *, start_runner: bool = True
) -> FastAPI:
    """Build the HTTP app. The service is made in the lifespan, so importing this
    module opens no database."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        service = service_factory()
        if start_runner:
            service.start()
        app.state.service = service
        try:
            yield
        finally:
            service.close()

    app = FastAPI(
        title="ejournal",
        version="1.0",
        summary="A school's electronic class journal and pupils' diaries",
        lifespan=lifespan,
        default_response_class=errors.JSON,
        openapi_tags=TAGS,
    )
    errors.install(app)
    app.include_router(session.router, prefix=API_PREFIX)
    app.include_router(commands.router, prefix=API_PREFIX)
    app.include_router(journals.router, prefix=API_PREFIX)
    app.include_router(pupils.router, prefix=API_PREFIX)
    app.include_router(audit.router, prefix=API_PREFIX)
    app.include_router(reports.router, prefix=API_PREFIX)
    app.include_router(lists.router, prefix=API_PREFIX)
    app.include_router(printouts.router, prefix=API_PREFIX)
    app.include_router(spreadsheets.router, prefix=API_PREFIX)
    app.include_router(imports.router, prefix=API_PREFIX)
    app.include_router(years.router, prefix=API_PREFIX)
    install_pages(app)
    app.add_middleware(commands.BodyLimit)
    # A year's journal grid is about a megabyte of HTML; small answers (a
    # command's) stay uncompressed.
    app.add_middleware(GZipMiddleware, minimum_size=4096)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                routes=app.routes,
                summary=app.summary,
                tags=app.openapi_tags,
            )
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            components.update(errors.problem_schemas())
            for spec in COMMANDS.values():
                model_schema = spec.model.model_json_schema(
                    ref_template="#/components/schemas/{model}"
                )
                components.update(model_schema.pop("$defs", {}))
                components[spec.model.__name__] = model_schema
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app
