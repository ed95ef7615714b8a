"""The auditor's pages: the event browser (filters, paging, as_of), a mark's
history, the ledger's state."""

from __future__ import annotations

import re

import pytest

from ejournal.web.admin_common import local_input
from tests.web.admin_support import hrefs, record_mark, rows_of, throwaway_teacher
from tests.web.conftest import Web

UNKNOWN = "00000000-0000-4000-8000-000000000000"
# page -> who may open it (everyone else of these gets 403)
PAGES = {
    "/audit": {"admin", "auditor"},  # as GET /audit/events
    "/audit/ledger": {"admin", "auditor"},
    "/audit/marks": {"admin", "auditor", "director"},
}
PEOPLE = ("admin", "auditor", "director", "deputy", "secretary", "teacher", "guardian")


@pytest.mark.parametrize("path", sorted(PAGES))
def test_who_may_open_the_audit_pages(web: Web, path: str) -> None:
    for name in PEOPLE:
        r = web.browser(name).get(path)
        expected = 200 if name in PAGES[path] else 403
        assert r.status_code == expected, (name, path, r.status_code)
    r = web.anonymous().get(path, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")


def test_who_may_read_a_marks_history(web: Web) -> None:
    teacher = throwaway_teacher(web, 0, "Who")
    mark_id = record_mark(web, teacher, web.school.students[0], "4")
    for name in PEOPLE:
        r = web.browser(name).get(f"/audit/marks/{mark_id}")
        expected = 200 if name in {"admin", "auditor", "director"} else 403
        assert r.status_code == expected, (name, r.status_code)


def test_the_director_finds_only_the_mark_lookup(web: Web) -> None:
    # Given the director, whose menu shows the mark history, not the event browser
    b = web.browser("director")
    home = b.get("/").text
    assert 'href="/audit/marks"' in home and 'href="/audit"' not in home
    # When they open it: the form to open a mark's history, and no event browser
    page = b.get("/audit/marks")
    assert page.status_code == 200 and 'name="mark_id"' in page.text
    assert 'href="/audit/ledger"' not in page.text
    # And every audit link they see opens
    for href in hrefs(page.text, "/audit"):
        assert b.get(href).status_code == 200, href
    # A malformed mark id: a message by the field; a well-formed one: its page
    r = b.get("/audit/marks?mark_id=nonsense")
    assert r.status_code == 422 and "Идентификатор вида" in r.text
    r = b.get(f"/audit/marks?mark_id={UNKNOWN}", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/audit/marks/{UNKNOWN}"


def test_the_links_the_auditor_sees_open(web: Web) -> None:
    for name in ("auditor", "admin"):
        b = web.browser(name)
        seen = set()
        for path in ("/audit", "/audit/ledger", "/audit/marks"):
            seen |= hrefs(b.get(path).text, "/audit") | hrefs(
                b.get(path).text, "/admin"
            )
        assert "/audit/ledger" in seen and "/admin/incidents" in seen
        for href in sorted(seen)[:40]:
            assert b.get(href).status_code == 200, (name, href)


def test_the_event_browser_filters_by_account_and_pages(web: Web) -> None:
    # Given a teacher of this test's own, who records three marks
    teacher = throwaway_teacher(web, 1, "Pager")
    web.clock.advance(minutes=1)
    before_marks = local_input(web.clock.now)
    web.clock.advance(minutes=1)
    pupils = web.school.students
    for pupil, value in zip(pupils, ("5", "4", "3"), strict=True):
        record_mark(web, teacher, pupil, value)
    b = web.browser("auditor")
    # When the auditor filters by that account, two a page
    r = b.get(f"/audit?account={teacher.account_id}&limit=2")
    # Then the first page has two of the teacher's events, named, and "Дальше"
    assert r.status_code == 200
    rows = rows_of(r.text, "events")
    assert len(rows) == 2
    assert all(teacher.full_name in row for row in rows)
    assert all("отметка" in row for row in rows)
    assert "Математика (5А), урок" in rows[0]
    assert f'value="{teacher.account_id}" selected' in r.text
    found = re.search(r'href="([^"]+)" rel="next">Дальше', r.text)
    assert found
    # When they follow "Дальше"
    r = b.get(found.group(1).replace("&amp;", "&"))
    # Then the last mark, and no further page
    rows = rows_of(r.text, "events")
    assert len(rows) == 1 and teacher.full_name in rows[0]
    assert "Дальше" not in r.text and "В начало" in r.text
    # Each mark links to its history
    assert "история отметки" in rows[0]
    # As of a moment before the marks: none of them
    r = b.get(f"/audit?account={teacher.account_id}&as_of={before_marks}")
    assert r.status_code == 200 and "Событий по этому отбору нет." in r.text
    # Since that moment, by type: the three marks
    r = b.get(
        f"/audit?account={teacher.account_id}&since={before_marks}&type=MarkRecorded"
    )
    assert len(rows_of(r.text, "events")) == 3
    # Until that moment: none
    r = b.get(f"/audit?account={teacher.account_id}&until={before_marks}")
    assert "Событий по этому отбору нет." in r.text
    # By the lesson's stream: the marks are among its events
    r = b.get(f"/audit?stream={teacher.lesson_id}&limit=500")
    assert sum(teacher.full_name in row for row in rows_of(r.text, "events")) == 3


def test_event_data_keeps_credentials_out(web: Web) -> None:
    r = web.browser("auditor").get("/audit?type=AccountCreated&limit=500")
    assert r.status_code == 200
    assert "password_hash=[redacted]" in r.text
    assert "argon2" not in r.text


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("account=not-a-uuid", "Идентификатор вида"),
        ("stream=123", "Идентификатор вида"),
        ("since=yesterday", "Дата и время, например"),
        ("until=2026-13-45T99:00", "Дата и время, например"),
        ("since=2026-11-23T10:00&until=2026-11-22T10:00", "Конец не может быть"),
        ("type=NoSuchEvent", "Выберите вид события"),
        ("after=-5", "Страница задана неверно"),
        ("limit=0", "По сколько событий"),
        ("limit=abc", "По сколько событий"),
    ],
)
def test_bad_filters_are_messages_not_errors(
    web: Web, query: str, message: str
) -> None:
    r = web.browser("auditor").get(f"/audit?{query}")
    assert r.status_code == 422, r.text[:300]
    assert message in r.text
    assert "<table" not in r.text.split("</form>", 2)[-1]


def test_a_malformed_as_of_is_refused_with_a_page(web: Web) -> None:
    for path in ("/audit", "/audit/ledger"):
        r = web.browser("auditor").get(f"{path}?as_of=soon")
        assert r.status_code == 422, path


def test_a_marks_history_shows_a_correction(web: Web) -> None:
    # Given a mark, and a correction the director approved
    teacher = throwaway_teacher(web, 3, "Hist")
    mark_id = record_mark(web, teacher, web.school.students[1], "2")
    web.clock.advance(minutes=2)
    between = local_input(web.clock.now)
    web.clock.advance(minutes=1)
    request = web.service.execute(
        teacher.actor(web),
        "request-correction",
        {"mark_id": mark_id, "value": "4", "reason": "перепутал ученика"},
    )
    director = web.school.actor(web.service, "director")
    web.service.execute(
        director, "approve-correction", {"request_id": request["request_id"]}
    )
    # When the auditor (and the director) open the mark's history
    for name in ("auditor", "director"):
        r = web.browser(name).get(f"/audit/marks/{mark_id}")
        # Then every revision: the mark as recorded, then the correction with
        # its value, author, reason and request
        assert r.status_code == 200, name
        rows = rows_of(r.text, "revisions")
        assert len(rows) >= 2
        assert ">2<" in rows[0] and teacher.full_name in rows[0]
        corrected = rows[-1]
        assert ">4<" in corrected and "перепутал ученика" in corrected
        assert request["request_id"][:8] in corrected
        assert "Борисова Вера" in r.text and "Математика (5А)" in r.text
    # As of before the correction, only the mark as recorded
    r = web.browser("auditor").get(f"/audit/marks/{mark_id}?as_of={between}")
    assert r.status_code == 200
    assert len(rows_of(r.text, "revisions")) == 1


def test_unknown_and_malformed_marks_are_404(web: Web) -> None:
    b = web.browser("auditor")
    for bad in ("nope", UNKNOWN, "1' OR '1'='1"):
        r = b.get(f"/audit/marks/{bad}")
        assert r.status_code == 404, bad
        assert "Не найдено" in r.text


def test_the_ledger_page_says_the_chain_holds(web: Web) -> None:
    r = web.browser("auditor").get("/audit/ledger")
    assert r.status_code == 200
    assert "Цепочка цела." in r.text and "нарушена" not in r.text
    position = re.search(r"<dt>Позиция</dt><dd>(\d+)</dd>", r.text)
    assert position and int(position.group(1)) > 0
