"""``ejournal notify run --once`` and ``notify outbox`` on a database: SMTP settings
from the environment, a real SMTP server."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from ejournal.cli import cli
from ejournal.notify.smtp import SmtpSettings
from ejournal.service import Service
from tests.builders import FakeClock, build_school
from tests.notifications.conftest import Inbox

runner = CliRunner()


def test_notify_run_once_mails_and_a_second_run_sends_nothing(
    tmp_path: Path, inbox: tuple[Inbox, SmtpSettings], monkeypatch: pytest.MonkeyPatch
) -> None:
    box, settings = inbox
    url = f"sqlite:///{tmp_path / 'school.sqlite3'}"
    service = Service(url, clock=FakeClock())
    try:
        school = build_school(service)
        service.execute(school.actor(service, "guardian"), "set-notifications", {
            "student_id": school.students[0], "email": "papa@example.org",
            "low_marks": True,
        })  # fmt: skip
        service.execute(school.actor(service, "teacher"), "record-mark", {
            "lesson_id": school.lesson_ids[0], "student_id": school.students[0],
            "value": "2", "work_type": "oral",
        })  # fmt: skip
    finally:
        service.close()
    monkeypatch.setenv("EJOURNAL_SMTP_HOST", settings.host)
    monkeypatch.setenv("EJOURNAL_SMTP_PORT", str(settings.port))
    monkeypatch.setenv("EJOURNAL_MAIL_FROM", "journal@school.example")
    args = ["notify", "run", "--once", "--from-start", "--database-url", url]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "1 decided" in result.output and "1 sent" in result.output
    assert [m["To"] for m in box.messages] == ["papa@example.org"]
    again = runner.invoke(cli, args)
    assert again.exit_code == 0, again.output
    assert "0 decided" in again.output and "0 sent" in again.output
    assert len(box.messages) == 1
    listed = runner.invoke(cli, ["notify", "outbox", "--database-url", url])
    assert listed.exit_code == 0, listed.output
    assert "sent" in listed.output and "papa@example.org" in listed.output


def test_notify_run_without_a_mail_server_decides_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("EJOURNAL_SMTP_HOST", raising=False)
    url = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    result = runner.invoke(cli, ["notify", "run", "--once", "--database-url", url])
    assert result.exit_code == 0, result.output
    assert "EJOURNAL_SMTP_HOST is not set" in result.output
