"""Auth routes: login, logout, who am I."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from ejournal.api.deps import ActorDep, ServiceDep, client_ip
from ejournal.api.errors import COMMON, problem_responses

router = APIRouter(prefix="/auth", tags=["auth"])


# No control characters: the login is looked up and throttled in text columns, and
# PostgreSQL refuses NUL in text (no login can hold one anyway).
PRINTABLE = r"^[^\x00-\x1f\x7f]*$"


class LoginBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    login: str = Field(min_length=1, max_length=64, pattern=PRINTABLE)
    password: str = Field(min_length=1, max_length=200)


class LoginAnswer(BaseModel):
    token: str
    account_id: str
    roles: list[str]
    expires_at: str


class Me(BaseModel):
    account_id: str
    login: str
    full_name: str
    roles: list[str]


@router.post(
    "/login",
    response_model=LoginAnswer,
    responses=problem_responses(*COMMON, 401, 409, 422, 429),
)
async def login(body: LoginBody, request: Request, service: ServiceDep) -> Any:
    return await run_in_threadpool(
        service.login, body.login, body.password, client_ip(request)
    )


@router.post("/logout", status_code=204, responses=problem_responses(*COMMON, 401, 409))
async def logout(actor: ActorDep, service: ServiceDep) -> Response:
    await run_in_threadpool(service.logout, actor)
    return Response(status_code=204)


@router.get("/me", response_model=Me, responses=problem_responses(*COMMON, 401))
async def me(actor: ActorDep) -> Any:
    return {
        "account_id": actor.account_id,
        "login": actor.login,
        "full_name": actor.full_name,
        "roles": sorted(actor.roles),
    }
