"""What the journal's in-place forms share: ids from the path, refusals that
are error pages (who may not write, what does not exist) and the error page of
a form posted without htmx."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Form, Request
from starlette.responses import RedirectResponse

from ejournal.domain.errors import Conflict, DomainError, Forbidden, Invalid, NotFound
from ejournal.web.render import Outcome, link
from ejournal.web.session import SignInNeeded
from ejournal.web.teacher_messages import russian

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


def form_answer(
    request: Request, outcome: Outcome | None, course_id: str, lesson_id: str
) -> tuple[int, dict[str, str], RedirectResponse | None]:
    """What a saved (or refused) form answers: its status and the messages by
    field; and, for a form posted without htmx, the way back to the journal
    (a refusal is the error page)."""
    status = outcome.status if outcome is not None and not outcome.ok else 200
    errors = russian(outcome) if status != 200 and outcome is not None else {}
    if is_htmx(request):
        return status, errors, None
    if errors:
        raise page_error(status, errors)
    target = link(request, f"/courses/{course_id}/journal", lesson=lesson_id)
    return status, errors, RedirectResponse(target, status_code=303)
