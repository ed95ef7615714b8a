"""The notifier's send step: pending outbox rows over SMTP, each claimed, sent and
marked sent (at least once, with a stable Message-ID: docs/notifications.md)."""

from __future__ import annotations

import smtplib
import uuid
from collections.abc import Callable
from datetime import datetime

from ejournal.database import Database
from ejournal.notify import outbox
from ejournal.notify.smtp import Mailer, SmtpSettings, message

SEND_BATCH = 100


class Sender:
    db: Database
    settings: SmtpSettings | None
    clock: Callable[[], datetime]

    def send(self) -> int:
        """Deliver pending rows; answers how many went out. A refused address
        fails the row for good; a lost connection leaves it pending."""
        assert self.settings is not None
        pending = outbox.rows(self.db, "pending")[:SEND_BATCH]
        if not pending:
            return 0
        sent = 0
        with Mailer(self.settings) as mailer:
            for item in pending:
                if not self._claim(item["key"]):
                    continue
                msg = message(
                    self.settings, item["email"], item["subject"], item["body"],
                    item["message_id"],
                )  # fmt: skip
                try:
                    mailer.send(msg)
                except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError) as exc:
                    self._mark(item["key"], "failed", repr(exc)[:500])
                    continue
                except (smtplib.SMTPException, OSError):
                    self._mark(item["key"], "pending", "connection lost")
                    raise
                self._mark(item["key"], "sent", None)
                sent += 1
        return sent

    def _claim(self, key: str) -> bool:
        token = str(uuid.uuid4())
        with self.db.write() as cur:
            cur.execute(
                "UPDATE ej_outbox SET state = 'sending', claim = ?, "
                "attempts = attempts + 1 WHERE key = ? AND state = 'pending'",
                (token, key),
            )
            found = cur.execute(
                "SELECT claim, state FROM ej_outbox WHERE key = ?", (key,)
            ).fetchone()
        return bool(found and found["claim"] == token and found["state"] == "sending")

    def _mark(self, key: str, state: str, error: str | None) -> None:
        with self.db.write() as cur:
            cur.execute(
                "UPDATE ej_outbox SET state = ?, last_error = ?, sent_at = ? "
                "WHERE key = ? AND state = 'sending'",
                (state, error, self.clock().isoformat() if state == "sent" else None,
                 key),
            )  # fmt: skip
