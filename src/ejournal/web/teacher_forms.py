"""What the journal's in-place forms share: ids from the path, refusals that
are error pages (who may not write, what does not exist) and the error page of
a form posted without htmx."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Form, Request

from ejournal.domain.errors import Conflict, DomainError, Forbidden, Invalid, NotFound
from ejournal.web.render import Outcome
from ejournal.web.session import SignInNeeded

Text = Annotated[str, Form(max_length=5000)]


def path_id(value: str, label: str) -> str:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise NotFound(f"Нет такого объекта ({label}).") from None


def refused(outcome: Outcome) -> None:
    """Who may not write, or what does not exist: the error page (fragment)."""
    message = next(iter(outcome.errors.values()), "")
    if outcome.status == 401:
        raise SignInNeeded("Сеанс завершён: войдите снова.")
    if outcome.status == 403:
        raise Forbidden(message)
    if outcome.status == 404:
        raise NotFound(message)


def is_htmx(request: Request) -> bool:
    return bool(request.headers.get("hx-request"))


def page_error(status: int, errors: dict[str, str]) -> DomainError:
    """A refusal of a form posted without htmx: the error page."""
    error = Conflict if status == 409 else Invalid
    return error(" ".join(errors.values()))
