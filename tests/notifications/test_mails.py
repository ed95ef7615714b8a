"""The notifier through the app, against a real SMTP server (aiosmtpd): a guardian
opts in over HTTP, a teacher writes, the notifier mails; exactly once, resumable,
nothing for voided events, a correction for a voided event already mailed."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ejournal.notify import outbox
from ejournal.notify.smtp import Mailer, SmtpSettings, message
from ejournal.service import Service
from tests.builders import PASSWORD, School, void
from tests.conftest import auth
from tests.notifications.conftest import Inbox, free_port, notifier_for

API = "/api/v1"
MAMA = "mama@example.org"
ALL = {"period_marks": True, "low_marks": True, "absences": True}


def login(client: TestClient, school: School, name: str) -> dict[str, str]:
    return auth(client, school.logins[name], PASSWORD)


def post(
    client: TestClient, headers: dict[str, str], name: str, body: dict[str, Any]
) -> dict[str, Any]:
    r = client.post(f"{API}/commands/{name}", json=body, headers=headers)
    assert r.status_code == 200, r.text
    return dict(r.json())


def opt_in(client: TestClient, school: School, **topics: bool) -> None:
    post(client, login(client, school, "guardian"), "set-notifications", {
        "student_id": school.students[0], "email": MAMA, **(topics or ALL),
    })  # fmt: skip


def mark(
    client: TestClient, school: School, value: str, pupil: int = 0, lesson: int = 0
) -> dict[str, Any]:
    return post(client, login(client, school, "teacher"), "record-mark", {
        "lesson_id": school.lesson_ids[lesson],
        "student_id": school.students[pupil], "value": value, "work_type": "test",
    })  # fmt: skip


def test_a_two_for_an_opted_in_pupil_mails_the_guardian_once(
    service: Service, school: School, client: TestClient,
    inbox: tuple[Inbox, SmtpSettings],
) -> None:  # fmt: skip
    box, settings = inbox
    notifier = notifier_for(service, settings)
    opt_in(client, school)
    mark(client, school, "4")
    mark(client, school, "2")
    assert notifier.tick()["sent"] == 1
    [mail] = box.messages
    assert mail["To"] == MAMA
    assert mail["From"].endswith("<journal@school.example>")
    assert mail["Subject"] == "Отметка «2»: Алексеев Антон, Математика"
    text = mail.get_content()
    for words in ("Алексеев Антон", "Математика", "16.11.2026", "Отметка: 2",
                  "проверочная работа"):  # fmt: skip
        assert words in text
    assert "Борисова" not in text  # no other pupil's data
    [row] = outbox.rows(service.app.db())
    assert (row["state"], row["message_id"]) == ("sent", mail["Message-ID"])
    # Again, and from a new notifier on the same database (a restart): nothing.
    assert notifier.tick()["sent"] == 0
    assert notifier_for(service, settings).tick() == {
        "decided": 0, "digests": 0, "sent": 0,
    }  # fmt: skip
    assert len(box.messages) == 1


def test_no_mail_without_opt_in_for_another_child_or_without_consent(
    service: Service, school: School, client: TestClient,
    inbox: tuple[Inbox, SmtpSettings],
) -> None:  # fmt: skip
    box, settings = inbox
    notifier = notifier_for(service, settings)
    mark(client, school, "2")  # not opted in yet
    opt_in(client, school, low_marks=True)
    mark(client, school, "2", pupil=1)  # another pupil of the class
    post(client, login(client, school, "secretary"), "record-consent", {
        "student_id": school.students[0],
        "guardian_account_id": school.accounts["guardian"], "granted": False,
    })  # fmt: skip
    mark(client, school, "1", lesson=1)  # consent withdrawn
    assert notifier.tick()["sent"] == 0
    assert box.messages == []
    assert outbox.rows(service.app.db()) == []


def test_opting_out_stops_the_mails(
    service: Service, school: School, client: TestClient,
    inbox: tuple[Inbox, SmtpSettings],
) -> None:  # fmt: skip
    box, settings = inbox
    notifier = notifier_for(service, settings)
    guardian = login(client, school, "guardian")
    opt_in(client, school)
    post(client, guardian, "set-notifications", {"student_id": school.students[0]})
    r = client.get(f"{API}/students/{school.students[0]}/notifications",
                   headers=guardian)  # fmt: skip
    assert r.status_code == 200, r.text
    assert r.json() == {
        "student_id": school.students[0],
        "guardian_account_id": school.accounts["guardian"], "email": None,
        "period_marks": False, "low_marks": False, "absences": False,
        "weekly_digest": False,
    }  # fmt: skip
    mark(client, school, "2")
    assert notifier.tick()["sent"] == 0
    assert box.messages == []


def test_absences_and_period_marks_are_mailed_as_chosen(
    service: Service, school: School, client: TestClient,
    inbox: tuple[Inbox, SmtpSettings],
) -> None:  # fmt: skip
    box, settings = inbox
    notifier = notifier_for(service, settings)
    opt_in(client, school, absences=True, period_marks=True)
    teacher = login(client, school, "teacher")
    post(client, teacher, "record-attendance", {
        "lesson_id": school.lesson_ids[1],
        "entries": [{"student_id": school.students[0], "code": "absent"},
                    {"student_id": school.students[1], "code": "absent"}],
    })  # fmt: skip
    post(client, teacher, "record-attendance", {
        "lesson_id": school.lesson_ids[2],
        "entries": [{"student_id": school.students[0], "code": "ill"}],
    })  # fmt: skip
    post(client, teacher, "set-period-mark", {
        "course_id": school.course_id, "student_id": school.students[0],
        "period_id": school.period_ids[1], "value": "4",
    })  # fmt: skip
    mark(client, school, "2")  # low marks not chosen
    assert notifier.tick()["sent"] == 2
    subjects = [m["Subject"] for m in box.messages]
    assert subjects == [
        "Отсутствие на уроке: Алексеев Антон, Математика",
        "Отметка за период: Алексеев Антон, Математика",
    ]
    assert "Период: II\nОтметка: 4" in box.messages[1].get_content()
    assert "17.11.2026" in box.messages[0].get_content()


def test_a_mark_voided_before_sending_is_never_mailed(
    service: Service, school: School, client: TestClient,
    inbox: tuple[Inbox, SmtpSettings],
) -> None:  # fmt: skip
    box, settings = inbox
    notifier = notifier_for(service, settings)
    opt_in(client, school)
    out = mark(client, school, "2")
    assert notifier.decide() == 1  # decided, not sent yet
    lesson = out["events"][0]["stream_id"]
    void(service, lesson, [out["events"][0]["version"]])
    assert notifier.tick()["sent"] == 0
    assert box.messages == []
    assert [r["state"] for r in outbox.rows(service.app.db())] == ["cancelled"]


def test_a_mark_voided_after_sending_gets_a_correction_and_back_on_reinstating(
    service: Service, school: School, client: TestClient,
    inbox: tuple[Inbox, SmtpSettings],
) -> None:  # fmt: skip
    box, settings = inbox
    notifier = notifier_for(service, settings)
    opt_in(client, school)
    out = mark(client, school, "2")
    lesson, version = out["events"][0]["stream_id"], out["events"][0]["version"]
    assert notifier.tick()["sent"] == 1
    voided = void(service, lesson, [version])
    assert notifier.tick()["sent"] == 1
    correction = box.messages[1]
    assert correction["Subject"] == "Исправление: Алексеев Антон, Математика"
    assert (
        "отметка «2» от 16.11.2026 по предмету «Математика» больше не действует"
        in correction.get_content()
    )
    assert correction["Message-ID"] != box.messages[0]["Message-ID"]
    # Voiding the void reinstates the mark: the guardian is told it holds again.
    void(service, lesson, [voided])
    assert notifier.tick()["sent"] == 1
    assert box.messages[2]["Subject"].startswith("Запись восстановлена. Отметка «2»")
    assert notifier.tick()["sent"] == 0
    states = [(r["kind"], r["state"]) for r in outbox.rows(service.app.db())]
    assert states == [("low_mark", "sent"), ("correction", "sent"),
                      ("low_mark", "sent")]  # fmt: skip


def test_a_void_and_its_reinstatement_before_sending_mail_once(
    service: Service, school: School, client: TestClient,
    inbox: tuple[Inbox, SmtpSettings],
) -> None:  # fmt: skip
    box, settings = inbox
    notifier = notifier_for(service, settings)
    opt_in(client, school)
    out = mark(client, school, "2")
    lesson, version = out["events"][0]["stream_id"], out["events"][0]["version"]
    voided = void(service, lesson, [version])
    void(service, lesson, [voided])
    assert notifier.tick()["sent"] == 1
    assert [m["Subject"] for m in box.messages] == [
        "Отметка «2»: Алексеев Антон, Математика"
    ]


def test_a_crash_between_sending_and_marking_resends_with_the_same_message_id(
    service: Service, school: School, client: TestClient,
    inbox: tuple[Inbox, SmtpSettings],
) -> None:  # fmt: skip
    box, settings = inbox
    notifier = notifier_for(service, settings)
    opt_in(client, school)
    mark(client, school, "2")
    notifier.decide()
    [row] = outbox.rows(service.app.db())
    # The sender claimed the row and delivered it, then died before marking it.
    assert notifier._claim(row["key"])
    with Mailer(settings) as mailer:
        mailer.send(message(settings, MAMA, row["subject"], row["body"],
                            row["message_id"]))  # fmt: skip
    restarted = notifier_for(service, settings)
    assert restarted.tick()["sent"] == 1
    assert [m["Message-ID"] for m in box.messages] == [row["message_id"]] * 2
    assert restarted.tick()["sent"] == 0


def test_mails_not_yet_sent_stop_at_an_opt_out_or_a_withdrawn_consent(
    service: Service, school: School, client: TestClient,
    inbox: tuple[Inbox, SmtpSettings],
) -> None:  # fmt: skip
    box, settings = inbox
    notifier = notifier_for(service, settings)
    guardian = login(client, school, "guardian")
    opt_in(client, school)
    mark(client, school, "2")
    post(client, guardian, "set-notifications", {"student_id": school.students[0]})
    opt_in(client, school)
    mark(client, school, "1", lesson=1)
    post(client, login(client, school, "secretary"), "record-consent", {
        "student_id": school.students[0],
        "guardian_account_id": school.accounts["guardian"], "granted": False,
    })  # fmt: skip
    assert notifier.tick()["sent"] == 0
    assert box.messages == []
    assert [r["state"] for r in outbox.rows(service.app.db())] == ["cancelled"] * 2
    # Without consent the choice is neither read nor changed (as the diary).
    r = client.get(f"{API}/students/{school.students[0]}/notifications",
                   headers=guardian)  # fmt: skip
    assert r.status_code == 403, r.text
    r = client.post(f"{API}/commands/set-notifications", headers=guardian,
                    json={"student_id": school.students[0]})  # fmt: skip
    assert r.status_code == 403, r.text


def test_a_voided_choice_stops_its_mails(
    service: Service, school: School, client: TestClient,
    inbox: tuple[Inbox, SmtpSettings],
) -> None:  # fmt: skip
    """An opt-in written under a compromised session, say to an outsider's
    address: once voided, what it would have sent does not go."""
    box, settings = inbox
    notifier = notifier_for(service, settings)
    post(client, login(client, school, "guardian"), "set-notifications", {
        "student_id": school.students[0], "email": "thief@example.net",
        "low_marks": True,
    })  # fmt: skip
    pupil = school.students[0]
    chosen = service.app.stream(pupil)[-1].originator_version
    mark(client, school, "2")
    notifier.decide()
    void(service, pupil, [chosen])
    mark(client, school, "2", lesson=1)
    assert notifier.tick()["sent"] == 0
    assert box.messages == []


def test_voiding_the_lessons_scheduling_corrects_its_mails(
    service: Service, school: School, client: TestClient,
    inbox: tuple[Inbox, SmtpSettings],
) -> None:  # fmt: skip
    """The lesson never happened, and every mark in it with it."""
    box, settings = inbox
    notifier = notifier_for(service, settings)
    opt_in(client, school)
    lesson = mark(client, school, "2")["events"][0]["stream_id"]
    assert notifier.tick()["sent"] == 1
    void(service, lesson, [1])
    assert notifier.tick()["sent"] == 1
    assert box.messages[1]["Subject"].startswith("Исправление")


def test_a_mail_server_away_leaves_the_mails_pending_until_it_is_back(
    service: Service, school: School, client: TestClient,
    inbox: tuple[Inbox, SmtpSettings],
) -> None:  # fmt: skip
    box, settings = inbox
    away = dataclasses.replace(settings, port=free_port(), timeout=2.0)
    notifier = notifier_for(service, away)
    opt_in(client, school)
    mark(client, school, "2")
    with pytest.raises(OSError):
        notifier.tick()
    assert [r["state"] for r in outbox.rows(service.app.db())] == ["pending"]
    assert notifier_for(service, settings).tick()["sent"] == 1
    assert len(box.messages) == 1


def test_an_address_the_server_refuses_fails_and_the_next_mail_goes(
    service: Service, school: School, client: TestClient,
    inbox: tuple[Inbox, SmtpSettings],
) -> None:  # fmt: skip
    box, settings = inbox
    notifier = notifier_for(service, settings)
    guardian = login(client, school, "guardian")
    post(client, guardian, "set-notifications", {
        "student_id": school.students[0], "email": "nobody@example.org",
        "low_marks": True,
    })  # fmt: skip
    mark(client, school, "2")
    assert notifier.tick()["sent"] == 0
    opt_in(client, school)
    mark(client, school, "1", lesson=1)
    assert notifier.tick()["sent"] == 1
    assert [m["To"] for m in box.messages] == [MAMA]
    [refused, sent] = outbox.rows(service.app.db())
    assert (refused["state"], sent["state"]) == ("failed", "sent")
    assert "550" in refused["last_error"]
