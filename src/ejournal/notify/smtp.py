"""Delivering a mail over SMTP (smtplib), with settings from the environment:

EJOURNAL_SMTP_HOST (no host: no mail is sent), EJOURNAL_SMTP_PORT (default 25, or
587 with STARTTLS), EJOURNAL_SMTP_USER and EJOURNAL_SMTP_PASSWORD (log in when a
user is set), EJOURNAL_SMTP_STARTTLS (1/true/yes), EJOURNAL_MAIL_FROM (the From
address, default ejournal@localhost).
"""

from __future__ import annotations

import os
import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, formatdate

TRUE = {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = 25
    user: str | None = None
    password: str | None = None
    starttls: bool = False
    mail_from: str = "ejournal@localhost"
    timeout: float = 30.0

    @classmethod
    def from_environment(
        cls, env: Mapping[str, str] | None = None
    ) -> SmtpSettings | None:
        """None when EJOURNAL_SMTP_HOST is not set."""
        env = os.environ if env is None else env
        host = env.get("EJOURNAL_SMTP_HOST", "").strip()
        if not host:
            return None
        starttls = env.get("EJOURNAL_SMTP_STARTTLS", "").strip().lower() in TRUE
        port = int(env.get("EJOURNAL_SMTP_PORT") or (587 if starttls else 25))
        return cls(
            host=host,
            port=port,
            user=env.get("EJOURNAL_SMTP_USER") or None,
            password=env.get("EJOURNAL_SMTP_PASSWORD") or None,
            starttls=starttls,
            mail_from=env.get("EJOURNAL_MAIL_FROM") or "ejournal@localhost",
        )

    @property
    def domain(self) -> str:
        return self.mail_from.rpartition("@")[2] or "localhost"


def message(
    settings: SmtpSettings, to: str, subject: str, body: str, message_id: str
) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = formataddr(("Электронный журнал", settings.mail_from))
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=False, usegmt=True)
    msg["Message-ID"] = message_id
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(body, charset="utf-8")
    return msg


class Mailer:
    """One SMTP connection for a batch of mails."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings
        self.smtp: smtplib.SMTP | None = None

    def __enter__(self) -> Mailer:
        s = self.settings
        smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
        try:
            if s.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if s.user:
                smtp.login(s.user, s.password or "")
        except BaseException:
            smtp.close()
            raise
        self.smtp = smtp
        return self

    def send(self, msg: EmailMessage) -> None:
        assert self.smtp is not None
        self.smtp.send_message(msg)

    def __exit__(self, *exc: object) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except smtplib.SMTPException:
                self.smtp.close()
            except OSError:
                self.smtp.close()
            self.smtp = None
