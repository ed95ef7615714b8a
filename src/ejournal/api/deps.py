"""Request dependencies: the service and the authenticated caller."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from ejournal.domain.errors import Unauthorized
from ejournal.security import Actor
from ejournal.service import Service

_bearer = HTTPBearer(auto_error=False, description="The token from POST /auth/login")


def get_service(request: Request) -> Service:
    service: Service = request.app.state.service
    return service


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


def bearer_token(credentials: HTTPAuthorizationCredentials | None) -> str:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("send Authorization: Bearer <token>")
    token = credentials.credentials
    if not token or len(token) > 512:
        raise Unauthorized("the token is not valid")
    return token


async def get_actor(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Actor:
    token = bearer_token(credentials)
    return await run_in_threadpool(
        get_service(request).authenticate, token, client_ip(request)
    )


ServiceDep = Annotated[Service, Depends(get_service)]
ActorDep = Annotated[Actor, Depends(get_actor)]
CredentialsDep = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
