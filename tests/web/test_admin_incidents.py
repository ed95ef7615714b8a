"""The administrator's incident pages: reporting a compromise, the preview of
what will be voided, executing it, the outcome, reinstating one event."""

from __future__ import annotations

import re
from datetime import timedelta

from ejournal import queries
from ejournal.web.admin_common import local_input
from ejournal.web.render import local_time
from tests.builders import PASSWORD
from tests.web.admin_support import Teacher, record_mark, rows_of, throwaway_teacher
from tests.web.conftest import Web


def test_bad_compromise_reports_keep_the_form_and_write_nothing(web: Web) -> None:
    teacher = throwaway_teacher(web, 1, "Bad")
    b = web.browser("admin")
    form = b.get(f"/admin/incidents/new?account_id={teacher.account_id}")
    assert form.status_code == 200
    assert f'value="{teacher.account_id}" selected' in form.text
    now = web.clock.now
    good = {
        "account_id": teacher.account_id,
        "reported_at": local_input(now),
        "since": local_input(now - timedelta(hours=1)),
        "note": "пароль на стикере",
    }
    before = web.position()
    later, earlier = now + timedelta(minutes=1), now - timedelta(minutes=5)
    cases = [
        (
            {"since": local_input(later), "reported_at": local_input(earlier)},
            "Начало не может быть позже времени сообщения.",
        ),
        ({"account_id": "00000000-0000-4000-8000-000000000000"}, "Нет такой учётной"),
        ({"account_id": "garbage"}, "Нет такой учётной"),
        ({"reported_at": "вчера"}, "Дата и время, например"),
        ({"reported_at": ""}, "Укажите, когда стало известно"),
        (
            {"reported_at": local_input(now + timedelta(hours=2)), "since": ""},
            "не может быть позже текущего",
        ),
        ({"note": "  "}, "Опишите, что случилось"),
    ]
    for change, message in cases:
        r = b.post("/admin/incidents", {**good, **change})
        assert r.status_code == 422, (change, r.status_code)
        assert message in r.text, change
        assert "пароль на стикере" in r.text or change.get("note"), change
    # An admin cannot report their own account
    own = {**good, "account_id": web.school.accounts["admin"]}
    r = b.post("/admin/incidents", own)
    assert r.status_code == 409 and "Нельзя сообщить о своей учётной записи" in r.text
    assert web.position() == before
    # And the teacher still signs in: nothing was blocked
    assert web.anonymous().sign_in(teacher.login, PASSWORD).status_code == 303


def test_the_whole_incident_flow(web: Web) -> None:
    # Given a new teacher, created through the form, who substitutes on a lesson
    admin = web.browser("admin")
    admin.get("/admin")
    r = admin.post(
        "/admin/accounts",
        {
            "login": "victim.teacher",
            "full_name": "Жертва Взлома",
            "password": PASSWORD,
            "roles": ["teacher"],
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    account_id = r.headers["location"].split("created=")[1]
    lesson_id = web.school.lesson_ids[2]
    web.run(
        "record-substitution",
        {"lesson_id": lesson_id, "substitute_teacher_id": account_id},
    )
    victim = Teacher(account_id, "victim.teacher", "Жертва Взлома", lesson_id)
    # And who signs in, then (someone with their password) records two marks
    web.clock.advance(minutes=1)
    since = web.clock.now.replace(second=0, microsecond=0)
    web.clock.advance(minutes=1)
    thief = web.anonymous()
    assert thief.sign_in(victim.login).status_code == 303
    p0, p1 = web.school.students[:2]
    record_mark(web, victim, p0, "2")
    record_mark(web, victim, p1, "1")
    web.clock.advance(minutes=1)

    # When the admin reports the compromise from the list's link
    listing = admin.get("/admin").text
    assert f"/admin/incidents/new?account_id={account_id}" in listing
    r = admin.post(
        "/admin/incidents",
        {
            "account_id": account_id,
            "reported_at": local_input(web.clock.now),
            "since": local_input(since),
            "note": "пароль видели на доске",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    url = r.headers["location"]
    incident_id = url.rsplit("/", 1)[1]
    # Then the account's session is dead and its login blocked
    assert thief.get("/", follow_redirects=False).status_code == 303
    assert web.anonymous().sign_in(victim.login).status_code == 401
    rows = rows_of(admin.get("/admin").text, "accounts")
    blocked = next(x for x in rows if "victim.teacher" in x)
    assert "заблокирована" in blocked

    # And the preview shows how much will be voided, by course with the entries
    page = admin.get(url)
    assert page.status_code == 200
    preview = queries.incident_preview(
        web.service, web.school.actor(web.service, "admin"), incident_id, None
    )
    assert preview["events"] >= 2 and preview["by_type"]["MarkRecorded"] == 2
    assert f'<strong id="pending-count">{preview["events"]}</strong>' in page.text
    assert "Математика (5А)" in page.text
    entries = rows_of(page.text, "entries")
    marks = [e for e in entries if "отметка" in e]
    assert len(marks) == 2
    assert any("Алексеев Антон" in e for e in marks)
    assert "Аннулировать" in page.text

    # The auditor reads the same incident, without the buttons
    seen = web.browser("auditor").get(url)
    assert seen.status_code == 200 and "pending-count" in seen.text
    assert "/execute" not in seen.text and "/reinstate" not in seen.text

    # When the admin presses "Аннулировать" without confirming: nothing happens
    before = web.position()
    r = admin.post(f"{url}/execute", {})
    assert r.status_code == 422 and "Отметьте, что вы проверили список" in r.text
    assert web.position() == before
    # When they confirm
    r = admin.post(f"{url}/execute", {"confirm": "yes"}, follow_redirects=False)
    assert r.status_code == 303
    page = admin.get(url)
    # Then the outcome: how many, when, by whom; nothing is left to void
    assert f'<strong id="voided-count">{preview["events"]}</strong>' in page.text
    assert "Admin: аннулировано" in page.text
    assert local_time(web.clock.now) in page.text
    assert "Аннулировать нечего" in page.text
    voided = rows_of(page.text, "voided")
    assert len(voided) == preview["events"]
    # And the voided marks are gone from the journal, visible to the auditor
    events = web.browser("auditor").get(
        f"/audit?account={account_id}&type=MarkRecorded"
    )
    assert "Событий по этому отбору нет." in events.text
    events = web.browser("auditor").get(
        f"/audit?account={account_id}&type=MarkRecorded&voided=1"
    )
    assert len(rows_of(events.text, "events")) == 2
    assert f"инцидент {incident_id[:8]}" in events.text

    # When the admin reinstates one mark without a reason: refused, kept, unwritten
    mark_row = next(x for x in voided if "отметка" in x)
    stream_id = re.search(r'name="stream_id" value="([^"]+)"', mark_row)
    version = re.search(r'name="version" value="(\d+)"', mark_row)
    assert stream_id and version
    target = {"stream_id": stream_id.group(1), "version": version.group(1)}
    before = web.position()
    r = admin.post(f"{url}/reinstate", {**target, "reason": "  "})
    assert r.status_code == 422 and "Укажите причину восстановления" in r.text
    assert web.position() == before
    # With a reason: that one event is back, and the page says who, when, why
    r = admin.post(
        f"{url}/reinstate",
        {**target, "reason": "учитель подтвердил отметку"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    page = admin.get(url)
    assert len(rows_of(page.text, "voided")) == preview["events"] - 1
    assert "«учитель подтвердил отметку»" in page.text
    # Reinstating it again is refused with a message, and writes nothing
    before = web.position()
    r = admin.post(f"{url}/reinstate", {**target, "reason": "ещё раз"})
    assert r.status_code == 409 and "не аннулировано этим инцидентом" in r.text
    assert web.position() == before

    # The list of incidents shows it with its count
    listing = admin.get("/admin/incidents").text
    assert "Жертва Взлома" in listing and f"/admin/incidents/{incident_id}" in listing


def test_an_incident_page_for_an_unknown_or_malformed_id_is_404(web: Web) -> None:
    b = web.browser("admin")
    unknown = "00000000-0000-4000-8000-000000000000"
    for bad in ("nope", unknown, web.school.accounts["teacher"]):
        r = b.get(f"/admin/incidents/{bad}")
        assert r.status_code == 404, bad
        assert "Не найдено" in r.text
    b.get("/admin")
    before = web.position()
    r = b.post("/admin/incidents/nope/execute", {"confirm": "yes"})
    assert r.status_code == 404
    r = b.post(
        "/admin/incidents/00000000-0000-4000-8000-000000000000/execute",
        {"confirm": "yes"},
    )
    assert r.status_code == 404
    assert web.position() == before
