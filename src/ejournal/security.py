"""Passwords, tokens and the role/scope policy (DOMAIN.md "Roles and what they may do").

Passwords are argon2id hashes. Bearer tokens are random and opaque; only their
SHA-256 is stored. 403 means the role or relation forbids it; parents and pupils
asking for someone else's diary get 404, so they cannot probe which pupils exist.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from ejournal.domain.errors import ConsentMissing, Forbidden, NotFound
from ejournal.projections.reader import Reader
from ejournal.projections.streams import Doc

_hasher = PasswordHasher()  # argon2id with the library's recommended parameters

STAFF_READERS = frozenset({"admin", "director", "deputy", "auditor"})
# Who reads the reports, the event browser and a mark's history.
REPORT_READERS = ("deputy", "director", "admin")
EVENT_READERS = ("auditor", "admin")
HISTORY_READERS = ("auditor", "admin", "director")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


# A hash to verify against when the login is unknown, so timing does not reveal it.
DUMMY_HASH = hash_password(secrets.token_urlsafe(16))


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Actor:
    """The authenticated caller of one request."""

    account_id: str
    login: str
    full_name: str
    roles: frozenset[str]
    session_id: str | None
    client_ip: str | None
    student_id: str | None = None
    extra: dict[str, str] = field(default_factory=dict)

    def has(self, *roles: str) -> bool:
        return any(role in self.roles for role in roles)

    def require(self, *roles: str) -> None:
        if not self.has(*roles):
            raise Forbidden(f"this needs one of the roles: {', '.join(roles)}")


def is_course_teacher(actor: Actor, course: Doc) -> bool:
    return actor.has("teacher") and course.get("teacher_id") == actor.account_id


def is_class_teacher(actor: Actor, klass: Doc | None) -> bool:
    return (
        klass is not None
        and actor.has("teacher")
        and klass.get("class_teacher_id") == actor.account_id
    )


def may_write_lesson(actor: Actor, course: Doc, lesson: Doc) -> bool:
    """The course's teacher, or the lesson's recorded substitute (S1.1.1, S1.2.8)."""
    if not actor.has("teacher"):
        return False
    return actor.account_id in (course.get("teacher_id"), lesson.get("substitute_id"))


def check_course_journal(r: Reader, actor: Actor, course: Doc) -> None:
    if actor.has(*STAFF_READERS) or is_course_teacher(actor, course):
        return
    if is_class_teacher(actor, r.doc(course["class_id"])):
        return
    raise Forbidden("only the course's teacher, the class teacher and staff read this")


def check_class_journal(actor: Actor, klass: Doc) -> None:
    if actor.has(*STAFF_READERS) or is_class_teacher(actor, klass):
        return
    raise Forbidden("only the class teacher and staff read the class journal")


def teaches_student(r: Reader, actor: Actor, student: Doc) -> bool:
    if not actor.has("teacher"):
        return False
    class_ids = {p[0] for p in student["placements"]}
    classes = r.docs(class_ids)
    if any(is_class_teacher(actor, k) for k in classes.values()):
        return True
    for _, course_id in r.keys_with_prefix(f"teacher:{actor.account_id}:"):
        course = r.doc(course_id)
        if course is not None and course["class_id"] in class_ids:
            return True
    return False


def check_diary(r: Reader, actor: Actor, student: Doc) -> bool:
    """The pupil, guardians, teachers of the pupil, staff. Answers whether the
    caller reads only as a guardian: such a read also needs the guardian's consent
    (check_consent, on the pupil as of the read), the others do not."""
    if actor.has(*STAFF_READERS, "secretary"):
        return False
    if actor.has("student") and actor.student_id == student["id"]:
        return False
    if teaches_student(r, actor, student):
        return False
    if actor.has("parent") and actor.account_id in student["guardians"]:
        return True
    if actor.has("teacher"):
        raise Forbidden("only teachers of this pupil read the diary")
    raise NotFound(f"no pupil {student['id']}")


def has_consent(student: Doc | None, guardian_id: str) -> bool:
    """The latest live record-consent for this guardian and pupil said yes."""
    return bool(student and student.get("consents", {}).get(guardian_id) is True)


def check_consent(actor: Actor, student_id: str, student: Doc | None) -> None:
    """A guardian reads the diary (its pages, PDF, marks, timetable) and
    acknowledges it only with a live consent to personal-data processing (152-ФЗ;
    S3: the secretary records it). ``student`` is the pupil's document as of the
    read, so an ``as_of`` read applies the consent as it stood then and a voided
    record-consent counts for nothing."""
    if student is None:  # as of a moment before the pupil's enrolment
        raise NotFound(f"no pupil {student_id}")
    if has_consent(student, actor.account_id):
        return
    withdrawn = actor.account_id in student.get("consents", {})
    raise ConsentMissing(student_id, withdrawn=withdrawn)
