# Over ~300 lines: one module for the staff's pages, so the school (and its
# backends) is built once for the role table and the flows that share it.
"""The staff's pages: the classes of the year, a class's journal across subjects,
its summary sheet, the control and compliance reports and the director's queue of
correction requests; who may open each, what they show, the filters, and the
director's decisions."""

from __future__ import annotations

import itertools
import re
import uuid
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.web.conftest import Web

MSK = ZoneInfo("Europe/Moscow")
NAMES = itertools.count(1)

# -- who opens which page: A 200, 3 -> 403 ----------------------------------------
# /corrections: staff read every request, anyone else their own (GET /corrections);
# ak: a class's acknowledgements of its diaries, as the class journal.
PAGES = {
    "cl": "/classes",
    "kj": "/classes/{class_id}/journal",
    "sm": "/classes/{class_id}/summary",
    "ct": "/reports/control",
    "cp": "/reports/compliance",
    "cq": "/corrections",
    "ak": "/classes/{class_id}/acknowledgements",
}
# A page's own text, shown to those who may open it.
SHOWN = {
    "cl": "Классы школы",
    "kj": "Журнал класса 5А",
    "sm": "Сводная ведомость 5А",
    "ct": "Контроль ведения журнала",
    "cp": "Несвоевременные записи",
    "cq": "Заявки на исправление отметок",
    "ak": "Ознакомление родителей с дневниками: 5А",
}
GRID = """
              cl kj sm ct cp cq ak
teacher       A  3  3  3  3  A  3
class_teacher A  A  A  3  3  A  A
deputy        A  A  A  A  A  A  A
director      A  A  A  A  A  A  A
auditor       A  A  A  3  3  A  A
admin         A  A  A  A  A  A  A
secretary     A  3  3  3  3  A  3
guardian      3  3  3  3  3  A  3
student       3  3  3  3  3  A  3
"""


STATUS = {"A": 200, "3": 403, "4": 404}


def _cells() -> list[tuple[str, str, int]]:
    lines = [line.split() for line in GRID.strip().splitlines()]
    columns = lines[0]
    out = []
    for row in lines[1:]:
        role, marks = row[0], row[1:]
        for column, mark in zip(columns, marks, strict=True):
            out.append((role, column, STATUS[mark]))
    return out


CELLS = _cells()


def url(web: Web, column: str) -> str:
    return PAGES[column].format(class_id=web.school.class_id)


@pytest.mark.parametrize(
    ("role", "column", "status"), CELLS, ids=[f"{r}-{c}" for r, c, _ in CELLS]
)
def test_who_opens_which_staff_page(
    web: Web, role: str, column: str, status: int
) -> None:
    # Given a person of the school signed in
    browser = web.browser(role)
    before = web.position()
    # When they open the page
    r = browser.get(url(web, column))
    # Then they see it, or the refusal as a page; reading writes nothing
    assert r.status_code == status, (role, column, r.text[:500])
    assert "text/html" in r.headers["content-type"]
    if status == 200:
        assert SHOWN[column] in r.text
    else:
        assert "Нет доступа" in r.text and SHOWN[column] not in r.text
    assert web.position() == before


HREF = re.compile(r'href="([^"]+)"')


def page_links(html: str) -> set[str]:
    """The staff pages linked from a page's main part (not the header's menu)."""
    main = html.split("<main>", 1)[1]
    return {
        h.replace("&amp;", "&")
        for h in HREF.findall(main)
        if h.startswith(("/classes/", "/reports/", "/corrections", "/courses/"))
    }


@pytest.mark.parametrize(
    "role", ["teacher", "class_teacher", "deputy", "director", "auditor", "admin"]
)
def test_the_links_on_the_classes_page_are_what_the_person_may_open(
    web: Web, role: str
) -> None:
    # Given a person's list of classes
    browser = web.browser(role)
    listing = browser.get("/classes")
    assert listing.status_code == 200
    links = page_links(listing.text)
    # Then every staff page linked opens for them
    for href in links:
        assert browser.get(href).status_code == 200, (role, href)
    # And every kind of staff page they may open is linked, no other (a
    # teacher's own courses link to their course journals)
    allowed = {c for r, c, s in CELLS if r == role and s == 200 and c != "cl"}
    if role == "teacher":
        allowed.add("cj")
    if role in ("teacher", "class_teacher"):
        allowed.discard("cq")  # their own requests: linked from the menu
    assert {column_of(h) for h in links} == allowed, (role, links)


KINDS = {
    "cj": re.compile(r"^/courses/[0-9a-f-]{36}/journal(\?|$)"),
    "kj": re.compile(r"^/classes/[0-9a-f-]{36}/journal(\?|$)"),
    "sm": re.compile(r"^/classes/[0-9a-f-]{36}/summary(\?|$)"),
    "ct": re.compile(r"^/reports/control(\?|$)"),
    "cp": re.compile(r"^/reports/compliance(\?|$)"),
    "cq": re.compile(r"^/corrections(\?|$)"),
    "ak": re.compile(r"^/classes/[0-9a-f-]{36}/acknowledgements(\?|$)"),
}


def column_of(href: str) -> str:
    found = [c for c, pattern in KINDS.items() if pattern.match(href)]
    assert len(found) == 1, href
    return found[0]


def test_the_class_teacher_sees_their_class_and_not_the_others(web: Web) -> None:
    r = web.browser("class_teacher").get("/classes")
    school = web.school
    assert "Мой класс" in r.text
    assert f"/classes/{school.class_id}/journal" in r.text
    assert f"/classes/{school.other_class_id}/journal" not in r.text
    assert "6Б" in r.text  # listed, without links
    # and a teacher sees their courses
    t = web.browser("teacher").get("/classes")
    assert "Мои предметы" in t.text and "Математика, 5А" in t.text
    assert f"/courses/{school.course_id}/journal" in t.text
    assert "/classes/" not in t.text.split("<main>", 1)[1]


# -- set-up helpers: each test's own pupils and marks ---------------------------------
def new_pupil(web: Web) -> tuple[str, str]:
    name = f"Тестов Ученик {next(NAMES)}"
    out = web.run(
        "enroll-student",
        {"class_id": web.school.class_id, "full_name": name, "on": "2026-09-01"},
    )
    return str(out["student_id"]), name


def as_teacher(web: Web, name: str, body: dict[str, Any]) -> dict[str, Any]:
    actor = web.school.actor(web.service, "teacher")
    return web.service.execute(actor, name, body)


def record_mark(web: Web, student_id: str, value: str, lesson: int = 0) -> str:
    """An oral mark on last week's lesson: recorded after its entry window."""
    out = as_teacher(
        web,
        "record-mark",
        {
            "lesson_id": web.school.lesson_ids[lesson],
            "student_id": student_id,
            "value": value,
            "work_type": "oral",
        },
    )
    return str(out["mark_id"])


def request_correction(web: Web, mark_id: str, value: str) -> str:
    out = as_teacher(
        web,
        "request-correction",
        {"mark_id": mark_id, "value": value, "reason": "перепутал ученика"},
    )
    return str(out["request_id"])


def pupil_row(html: str, name: str) -> str:
    """The first grid row of a pupil (the class journal's first course)."""
    start = html.index(f'<td class="pupil">{name}</td>')
    return html[start : html.index("</tr>", start)]


def local_minute(web: Web, delta_minutes: int = 0) -> str:
    moment = web.clock.now.astimezone(MSK).replace(second=0, microsecond=0)
    return (moment + timedelta(minutes=delta_minutes)).strftime("%Y-%m-%dT%H:%M")


# -- the class journal and the summary sheet ------------------------------------------
def test_the_class_journal_shows_marks_attendance_and_topics(web: Web) -> None:
    # Given a pupil with a mark and an absence, and a topic on another lesson
    sid, name = new_pupil(web)
    record_mark(web, sid, "4", lesson=1)
    as_teacher(
        web,
        "record-attendance",
        {
            "lesson_id": web.school.lesson_ids[2],
            "entries": [{"student_id": sid, "code": "ill"}],
        },
    )
    as_teacher(
        web,
        "set-lesson-topic",
        {"lesson_id": web.school.lesson_ids[3], "topic": "Дроби и доли"},
    )
    # When the class teacher opens the class journal (the current period)
    r = web.browser("class_teacher").get(f"/classes/{web.school.class_id}/journal")
    # Then the course, its teacher, the pupil's mark and code and the topic show
    assert r.status_code == 200
    assert "Математика" in r.text and "Teacher" in r.text
    row = pupil_row(r.text, name)
    assert '<span class="mark">4</span>' in row
    assert '<span class="att">б</span>' in row
    assert "Дроби и доли" in r.text
    assert "замена: Substitute" in r.text
    # And the course's own journal is linked, and opens for the class teacher
    course = f"/courses/{web.school.course_id}/journal"
    assert f'href="{course}?period_id={web.school.period_ids[1]}"' in r.text
    opened = web.browser("class_teacher").get(course)
    assert opened.status_code == 200


def test_the_period_selector_changes_the_lessons_shown(web: Web) -> None:
    base = f"/classes/{web.school.class_id}/journal"
    browser = web.browser("deputy")
    first = browser.get(base, params={"period_id": web.school.period_ids[0]})
    second = browser.get(base, params={"period_id": web.school.period_ids[1]})
    year = browser.get(base, params={"period_id": "all"})
    assert first.status_code == second.status_code == year.status_code == 200
    assert "Уроков в этом периоде нет." in first.text
    assert "16.11" in second.text and "16.11" in year.text


def test_as_of_before_a_mark_hides_it_in_the_class_journal(web: Web) -> None:
    # Given a mark, then a minute later... two minutes later another one
    sid, name = new_pupil(web)
    record_mark(web, sid, "2", lesson=3)
    between = local_minute(web, 1)
    web.clock.advance(minutes=2)
    record_mark(web, sid, "5", lesson=4)
    path = f"/classes/{web.school.class_id}/journal"
    browser = web.browser("director")
    # When the journal is read now and as of the moment between them
    now = browser.get(path)
    past = browser.get(path, params={"as_of": between})
    # Then now both show, and back then only the first
    assert '<span class="mark">5</span>' in pupil_row(now.text, name)
    row = pupil_row(past.text, name)
    assert '<span class="mark">2</span>' in row
    assert '<span class="mark">5</span>' not in row
    assert "только чтение" in past.text


def test_the_summary_sheet_shows_period_marks_and_special_ones(web: Web) -> None:
    # Given a pupil exempt for the second period
    sid, name = new_pupil(web)
    as_teacher(
        web,
        "set-period-mark",
        {
            "course_id": web.school.course_id,
            "student_id": sid,
            "period_id": web.school.period_ids[1],
            "value": "exempt",
        },
    )
    # When the deputy opens the summary sheet
    r = web.browser("deputy").get(f"/classes/{web.school.class_id}/summary")
    # Then the pupil's row shows осв under the course
    assert r.status_code == 200
    assert "Математика" in r.text
    row = r.text[r.text.index(f'<td class="pupil">{name}</td>') :]
    row = row[: row.index("</tr>")]
    assert ">осв<" in row
    # And another year's id, an unknown or a malformed one is a 404 page
    for year in (str(uuid.uuid4()), "not-a-year"):
        bad = web.browser("deputy").get(
            f"/classes/{web.school.class_id}/summary", params={"year_id": year}
        )
        assert bad.status_code == 404 and "Не найдено" in bad.text


@pytest.mark.parametrize(
    "path",
    [
        "/classes/not-a-uuid/journal",
        "/classes/{random}/journal",
        "/classes/{random}/summary",
        "/classes/{class_id}/journal?period_id=garbage",
        "/classes/{class_id}/journal?period_id={random}",
        "/classes?year_id=garbage",
        "/classes?year_id={random}",
    ],
)
def test_unknown_or_malformed_ids_are_a_404_page(web: Web, path: str) -> None:
    target = path.format(random=uuid.uuid4(), class_id=web.school.class_id)
    r = web.browser("deputy").get(target)
    assert r.status_code == 404, r.text[:300]
    assert "Не найдено" in r.text


def test_a_bad_as_of_is_a_422_page(web: Web) -> None:
    r = web.browser("deputy").get(
        f"/classes/{web.school.class_id}/journal", params={"as_of": "вчера"}
    )
    assert r.status_code == 422 and "Неверные данные" in r.text


# -- the reports ----------------------------------------------------------------------
def report_rows(html: str) -> str:
    return (
        html.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in html else ""
    )


def test_the_control_report_filter_changes_the_answer(web: Web) -> None:
    browser = web.browser("deputy")
    school = web.school
    # When the deputy opens the report for the year, then for one class
    every = browser.get("/reports/control")
    one = browser.get("/reports/control", params={"class_id": school.other_class_id})
    # Then the whole year lists both classes' courses, the filter only 6Б's
    assert every.status_code == one.status_code == 200
    assert "Математика" in report_rows(every.text)
    assert "История" in report_rows(every.text)
    assert "История" in report_rows(one.text)
    assert "Математика" not in report_rows(one.text)
    # And the period changes the lessons counted: none held in the first
    first = browser.get(
        "/reports/control",
        params={"year_id": school.year_id, "period_id": school.period_ids[0]},
    )
    second = browser.get(
        "/reports/control",
        params={"year_id": school.year_id, "period_id": school.period_ids[1]},
    )
    maths = [
        row for row in report_rows(first.text).split("<tr>") if "Математика" in row
    ]
    assert maths and "0 из 0" in maths[0]
    maths = [
        row for row in report_rows(second.text).split("<tr>") if "Математика" in row
    ]
    assert maths and "5 из 6" in maths[0]
    # the chosen filter stays selected
    assert f'<option value="{school.period_ids[1]}" selected>' in second.text


@pytest.mark.parametrize(
    ("params", "status", "message"),
    [
        ({"year_id": "garbage"}, 422, "Неверный идентификатор в фильтре."),
        ({"year_id": "{random}"}, 404, "Такого учебного года нет."),
        ({"period_id": "{random}"}, 404, "В этом учебном году нет такого периода."),
        ({"class_id": "{random}"}, 404, "В этом учебном году нет такого класса."),
        ({"class_id": "x" * 30}, 422, "Неверный идентификатор в фильтре."),
    ],
)
def test_bad_control_filters_are_told_next_to_the_form(
    web: Web, params: dict[str, str], status: int, message: str
) -> None:
    sent = {k: v.format(random=uuid.uuid4()) for k, v in params.items()}
    r = web.browser("director").get("/reports/control", params=sent)
    assert r.status_code == status
    assert message in r.text
    assert 'aria-label="Фильтр отчёта"' in r.text  # the form stays
    assert "<tbody>" not in r.text


def test_a_teacher_with_bad_filters_is_still_refused(web: Web) -> None:
    r = web.browser("teacher").get("/reports/control", params={"year_id": "bad"})
    assert r.status_code == 403
    r = web.browser("teacher").get("/reports/compliance", params={"from": "bad"})
    assert r.status_code == 403


def test_the_compliance_report_lists_late_entries_with_who_and_times(web: Web) -> None:
    # Given a mark recorded a week after its lesson (an oral mark: due that day)
    sid, _ = new_pupil(web)
    record_mark(web, sid, "3", lesson=0)
    today = web.clock.now.astimezone(MSK).date().isoformat()
    # When the director asks for late entries recorded today
    r = web.browser("director").get(
        "/reports/compliance", params={"from": today, "to": today}
    )
    # Then the row says what, who, which lesson, when due and when recorded
    assert r.status_code == 200
    rows = report_rows(r.text)
    assert "отметка" in rows and "Teacher" in rows
    assert "Математика, 5А: урок 16.11, 2-й" in rows
    assert "16.11.2026 23:59" in rows  # due: the end of the lesson's day
    assert web.clock.now.astimezone(MSK).strftime("%d.%m.%Y") in rows
    # And a range of past days with nothing late says so
    empty = web.browser("director").get(
        "/reports/compliance", params={"from": "2026-09-01", "to": "2026-09-02"}
    )
    assert "Записей с опозданием нет." in empty.text


@pytest.mark.parametrize(
    ("params", "field_message"),
    [
        ({"from": "2026-11-20", "to": "2026-11-01"}, "«По» раньше, чем «С»."),
        ({"from": "23.11.2026"}, "«С» — дата вида 2026-11-23."),
        ({"to": "9999-12-31"}, "«По» — дата между 1900 и 2199 годом."),
        ({"from": "2024-01-01", "to": "2026-01-01"}, "не больше года"),
        ({"from": "2027-01-01"}, "«По» раньше, чем «С»"),  # to defaults to today
        ({"from": "2020-01-01"}, "не больше года"),
    ],
)
def test_bad_compliance_dates_are_told_next_to_the_field(
    web: Web, params: dict[str, str], field_message: str
) -> None:
    r = web.browser("deputy").get("/reports/compliance", params=params)
    assert r.status_code == 422
    assert field_message in r.text
    for name, value in params.items():
        assert f'name="{name}" value="{value}"' in r.text  # what was typed stays


def test_far_but_valid_compliance_dates_answer(web: Web) -> None:
    r = web.browser("admin").get(
        "/reports/compliance", params={"from": "2199-12-01", "to": "2199-12-31"}
    )
    assert r.status_code == 200 and "Записей с опозданием нет." in r.text


# -- the correction queue -------------------------------------------------------------
def fresh_request(
    web: Web, filed: str = "3", wanted: str = "5"
) -> tuple[str, str, str]:
    """A pupil's mark recorded by the teacher after its window, and the teacher's
    request to change it: (request_id, mark_id, pupil's name)."""
    sid, name = new_pupil(web)
    mark_id = record_mark(web, sid, filed, lesson=1)
    return request_correction(web, mark_id, wanted), mark_id, name


def test_the_director_approves_and_the_mark_changes_in_the_class_journal(
    web: Web,
) -> None:
    request_id, _, name = fresh_request(web, "3", "5")
    director = web.browser("director")
    # Given the queue shows the request with its values, reason and author
    queue = director.get("/corrections")
    card = queue.text[queue.text.index(f'id="request-{request_id}"') :]
    card = card[: card.index("</li>")]
    assert name in card and "Математика, 5А" in card
    assert '<span class="mark">3</span>' in card  # now
    assert '<span class="mark">5</span>' in card  # asked for
    assert "перепутал ученика" in card and "Просит Teacher" in card
    assert "Утвердить" in card and "Отклонить" in card
    # When the director approves it
    r = director.post(f"/corrections/{request_id}/approve", follow_redirects=False)
    # Then it is applied: the class journal shows the new value
    assert r.status_code == 303 and r.headers["location"] == "/corrections"
    journal = director.get(f"/classes/{web.school.class_id}/journal")
    row = pupil_row(journal.text, name)
    assert '<span class="mark">5</span>' in row
    assert '<span class="mark">3</span>' not in row
    # And the queue lists it as approved, no longer pending
    assert f'id="request-{request_id}"' not in director.get("/corrections").text
    done = director.get("/corrections", params={"status": "approved"})
    assert (
        f'id="request-{request_id}"' in done.text and "утверждён: Director" in done.text
    )


def test_rejecting_without_a_reason_says_so_and_writes_nothing(web: Web) -> None:
    request_id, _, _ = fresh_request(web)
    director = web.browser("director")
    director.get("/corrections")
    before = web.position()
    # When the director rejects with an empty reason
    r = director.post(f"/corrections/{request_id}/reject", {"reason": "   "})
    # Then the message is next to the field, the text kept, nothing written
    assert r.status_code == 422
    card = r.text[r.text.index(f'id="request-{request_id}"') :]
    card = card[: card.index("</li>")]
    assert "Укажите причину отказа." in card
    assert ">   </textarea>" in card
    assert web.position() == before
    # And with a reason the request is rejected, the reason kept
    ok = director.post(f"/corrections/{request_id}/reject", {"reason": "нет оснований"})
    assert ok.status_code == 200  # followed to the queue
    rejected = director.get("/corrections", params={"status": "rejected"})
    assert "нет оснований" in rejected.text
    assert web.position() > before


def test_a_too_long_reason_is_told_next_to_the_field(web: Web) -> None:
    request_id, _, _ = fresh_request(web)
    director = web.browser("director")
    director.get("/corrections")
    before = web.position()
    r = director.post(f"/corrections/{request_id}/reject", {"reason": "я" * 501})
    assert r.status_code == 422
    assert "Причина — не длиннее 500 знаков." in r.text
    assert "я" * 501 in r.text
    assert web.position() == before


def test_the_deputy_reads_the_queue_but_cannot_decide(web: Web) -> None:
    request_id, _, name = fresh_request(web)
    deputy = web.browser("deputy")
    queue = deputy.get("/corrections")
    assert queue.status_code == 200 and name in queue.text
    assert "Утвердить" not in queue.text and "только просмотр" in queue.text
    before = web.position()
    r = deputy.post(f"/corrections/{request_id}/approve")
    assert r.status_code == 403
    assert web.position() == before


def test_decisions_on_unknown_or_malformed_requests(web: Web) -> None:
    director = web.browser("director")
    director.get("/corrections")
    before = web.position()
    bad = director.post("/corrections/not-a-uuid/approve")
    assert bad.status_code == 404 and "Не найдено" in bad.text
    unknown = director.post(f"/corrections/{uuid.uuid4()}/reject", {"reason": "нет"})
    assert unknown.status_code == 404
    assert "no correction request" in unknown.text
    assert web.position() == before
    # without the form's token nothing is decided either
    request_id, _, _ = fresh_request(web)
    before = web.position()
    forged = director.client.post(f"/corrections/{request_id}/approve", data={})
    assert forged.status_code == 403 and web.position() == before


def test_the_queue_as_of_a_past_moment_is_read_only(web: Web) -> None:
    request_id, _, _ = fresh_request(web)
    moment = local_minute(web, 1)
    r = web.browser("director").get("/corrections", params={"as_of": moment})
    assert r.status_code == 200 and f'id="request-{request_id}"' in r.text
    assert "Утвердить" not in r.text
    bad = web.browser("director").get("/corrections", params={"status": "done"})
    assert bad.status_code == 422
