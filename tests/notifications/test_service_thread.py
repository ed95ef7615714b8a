"""With EJOURNAL_SMTP_HOST set, the service runs the notifier in a thread of its
own beside the views loop; without it, none."""

from __future__ import annotations

import time

import pytest

from ejournal.notify.smtp import SmtpSettings
from ejournal.service import Service
from tests.builders import FakeClock, build_school
from tests.notifications.conftest import Inbox


def test_the_service_mails_by_itself_when_a_mail_server_is_set(
    database_url: str, inbox: tuple[Inbox, SmtpSettings],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    box, settings = inbox
    monkeypatch.setenv("EJOURNAL_SMTP_HOST", settings.host)
    monkeypatch.setenv("EJOURNAL_SMTP_PORT", str(settings.port))
    monkeypatch.setenv("EJOURNAL_NOTIFY_POLL", "0.05")
    service = Service(database_url, clock=FakeClock())
    try:
        school = build_school(service)
        service.start()
        assert service.notifier is not None
        service.execute(school.actor(service, "guardian"), "set-notifications", {
            "student_id": school.students[0], "email": "mama@example.org",
            "absences": True,
        })  # fmt: skip
        service.execute(school.actor(service, "teacher"), "record-attendance", {
            "lesson_id": school.lesson_ids[0],
            "entries": [{"student_id": school.students[0], "code": "absent"}],
        })  # fmt: skip
        deadline = time.monotonic() + 20
        while not box.messages and time.monotonic() < deadline:
            time.sleep(0.05)
        assert [m["To"] for m in box.messages] == ["mama@example.org"]
    finally:
        service.close()
    assert service.notifier._thread is None  # stopped with the service


def test_no_notifier_without_a_mail_server(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("EJOURNAL_SMTP_HOST", raising=False)
    service = Service(database_url, clock=FakeClock())
    try:
        service.start()
        assert service.notifier is None
    finally:
        service.close()
