"""Domain errors. The HTTP layer maps each class to one problem+json status."""

from __future__ import annotations


class DomainError(Exception):
    """A refused decision. ``status`` is the HTTP status API.md names for it."""

    status = 400
    title = "Bad request"

    def __init__(self, detail: str, *, field: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field


class Invalid(DomainError):
    """A field value breaks a rule (422)."""

    status = 422
    title = "Invalid field value"


class NotFound(DomainError):
    """Unknown id, or an id the caller may not see (404)."""

    status = 404
    title = "Not found"


class Forbidden(DomainError):
    """The caller's role or scope forbids it (403)."""

    status = 403
    title = "Forbidden"


class Conflict(DomainError):
    """Conflicts with the current state (409)."""

    status = 409
    title = "Conflict"


class Unauthorized(DomainError):
    """No, invalid, expired or revoked token; or wrong credentials (401)."""

    status = 401
    title = "Unauthorized"


class TooManyAttempts(DomainError):
    """Too many failed logins for one login (429)."""

    status = 429
    title = "Too many login attempts"


class LogWentBackwards(DomainError):
    """The log ends before a position it once had (its tail was deleted behind the
    application's back): writes and the views stop (503) until an administrator
    has looked (``ejournal ledger verify``, a checkpoint) and restored the log."""

    status = 503
    title = "The log went backwards"

    def __init__(self, top: int, reached: int) -> None:
        super().__init__(
            f"the log ends at position {top} but had reached {reached}: events were "
            "deleted behind the application's back. Writes and the views are stopped; "
            "run `ejournal ledger verify` (with the last checkpoint) and restore the "
            "log from a backup"
        )
        self.top, self.reached = top, reached


class ConsentMissing(Forbidden):
    """A guardian whose consent to personal-data processing (согласие на обработку
    ПДн) is not recorded, or was withdrawn, reads no diary (403). ``withdrawn``
    says which: the latest recorded answer was "no"."""

    def __init__(self, student_id: str, *, withdrawn: bool) -> None:
        state = "was withdrawn" if withdrawn else "is not recorded"
        super().__init__(
            f"the guardian's consent to personal-data processing {state} for pupil "
            f"{student_id}: the diary opens once the school's secretary records "
            "it (record-consent, granted: true)"
        )
        self.withdrawn = withdrawn
