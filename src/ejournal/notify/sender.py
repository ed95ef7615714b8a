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
                try:
                    mailer.send(
                        message(
                            self.settings, item["email"], item["subject"],
                            item["body"], item["message_id"],
                        )
                    )  # fmt: skip
                except Exception as exc:
                    if not permanent(exc):  # try again next round, in order
                        self._mark(item["key"], "pending", repr(exc)[:500])
                        raise
                    self._mark(item["key"], "failed", repr(exc)[:500])
                    continue
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


def permanent(exc: Exception) -> bool:
    """A refusal that sending again will not change: a 5xx answer about this mail
    or its address, an address the server cannot take (SMTPUTF8), a header that
    cannot be written. A lost connection or a 4xx (greylisting) is not."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPResponseException) and not isinstance(
        exc, smtplib.SMTPSenderRefused
    ):
        return exc.smtp_code >= 500
    return isinstance(exc, (smtplib.SMTPNotSupportedError, ValueError))
