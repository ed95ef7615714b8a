"""A real SMTP server (aiosmtpd) on a free local port for the notifier's tests,
and a school with its service per test on both backends (tests/conftest.py)."""

from __future__ import annotations

import email
import email.policy
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from ejournal.notify.notifier import Notifier
from ejournal.notify.smtp import SmtpSettings
from ejournal.service import Service


@dataclass
class Inbox:
    """What the SMTP server received, parsed."""

    messages: list[EmailMessage] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        return "250 OK"

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address.startswith("nobody@"):
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, SmtpSettings]]:
    handler = Inbox()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield (
            handler,
            SmtpSettings(
                host="127.0.0.1", port=port, mail_from="journal@school.example"
            ),
        )
    finally:
        controller.stop()


def notifier_for(service: Service, settings: SmtpSettings | None) -> Notifier:
    """A notifier on the service's store and clock, as the service makes it."""
    return Notifier(service.app, settings, clock=service.clock, rules=service.rules)
