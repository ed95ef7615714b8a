"""The weekly digest: once per guardian, pupil and ISO week, after the week has
ended, with the week's marks and absences as the diary shows them."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from ejournal.notify import outbox
from ejournal.notify.digest import last_ended_week, week_number
from ejournal.notify.smtp import SmtpSettings
from ejournal.service import Service
from tests.builders import NOW, FakeClock, School
from tests.notifications.conftest import Inbox, notifier_for
from tests.notifications.test_mails import MAMA, login, mark, opt_in, post


def test_the_ended_week_is_the_one_before_today() -> None:
    today = NOW.date()  # Monday 23 November 2026
    assert last_ended_week(today).isoformat() == "2026-11-16"
    assert last_ended_week(today + timedelta(days=6)).isoformat() == "2026-11-16"
    assert week_number(last_ended_week(today)) == 202647


def test_a_weekly_digest_sums_up_the_week_once(
    service: Service, school: School, client: TestClient, clock: FakeClock,
    inbox: tuple[Inbox, SmtpSettings],
) -> None:  # fmt: skip
    box, settings = inbox
    opt_in(client, school, weekly_digest=True)
    mark(client, school, "5")
    mark(client, school, "3", pupil=1)  # another pupil: not in this digest
    post(client, login(client, school, "teacher"), "record-attendance", {
        "lesson_id": school.lesson_ids[2],
        "entries": [{"student_id": school.students[0], "code": "ill"}],
    })  # fmt: skip
    notifier = notifier_for(service, settings)
    assert notifier.tick() == {"decided": 0, "digests": 1, "sent": 1}
    [mail] = box.to(MAMA)
    assert mail["Subject"] == (
        "Дневник за неделю 16.11.2026–22.11.2026: Алексеев Антон"
    )
    text = mail.get_content()
    assert "16.11.2026 Математика: 5 (проверочная работа)" in text
    assert "18.11.2026 Математика: б" in text
    assert "3 (" not in text and "Борисова" not in text
    # Later the same week, and from a restarted notifier: no second digest.
    clock.advance(days=3)
    assert notifier.tick()["digests"] == 0
    assert notifier_for(service, settings).tick()["digests"] == 0
    # The week after: its own digest, with nothing recorded.
    clock.advance(days=4)
    assert notifier.tick() == {"decided": 0, "digests": 1, "sent": 1}
    assert "Отметок за неделю нет." in box.messages[1].get_content()
    keys = [r["key"].split(":")[1] for r in outbox.rows(service.app.db())]
    assert keys == ["202647", "202648"]


def test_no_digest_without_choosing_it(
    service: Service, school: School, client: TestClient,
    inbox: tuple[Inbox, SmtpSettings],
) -> None:  # fmt: skip
    box, settings = inbox
    opt_in(client, school, low_marks=True)
    assert notifier_for(service, settings).tick()["digests"] == 0
    assert box.messages == []
