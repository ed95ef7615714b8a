"""A guardian's current choice of e-mail notifications about a pupil
(docs/notifications.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ejournal.domain.errors import Forbidden, NotFound
from ejournal.domain.student import NOTIFICATION_TOPICS
from ejournal.projections.reader import reader
from ejournal.security import Actor, check_consent
from ejournal.service import Service


def notification_choice(
    service: Service, actor: Actor, student_id: str, as_of: datetime | None
) -> dict[str, Any]:
    """Only a guardian of the pupil, for themself (the address is theirs); another
    family's pupil is 404 as in the diary, other roles 403. Consent applies as for
    the diary."""
    if not actor.has("parent"):
        raise Forbidden("only a guardian reads their own notification choice")
    with reader(service.app, as_of) as r:
        doc = r.doc(student_id)
        if (
            doc is None
            or doc.get("kind") != "student"
            or actor.account_id not in doc["guardians"]
        ):
            raise NotFound(f"no pupil {student_id}")
        check_consent(actor, student_id, doc)
    choice = doc.get("notifications", {}).get(actor.account_id) or {}
    return {
        "student_id": student_id,
        "guardian_account_id": actor.account_id,
        "email": choice.get("email"),
        **{topic: bool(choice.get(topic, False)) for topic in NOTIFICATION_TOPICS},
    }
