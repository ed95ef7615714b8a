# Over ~300 lines on purpose: every test here shares one school per backend (a
# module fixture, about a second to build), so the teacher's pages stay in one
# module rather than paying for a school per file.
"""The teacher's pages: my lessons, the course journal grid, its cells edited in
place with htmx (one command per save), corrections and a mark's history.

Each test writes on its own lessons (scheduled by ``lesson_on`` at a slot of its
own), so that the tests of the module do not depend on one another's marks.
"""

from __future__ import annotations

import re
import time
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from ejournal import queries
from tests.builders import PASSWORD, actor_for, last_version, void
from tests.web.conftest import Browser, Web

MSK = ZoneInfo("Europe/Moscow")
TODAY = "2026-11-23"  # the clock's Monday


def lesson_on(web: Web, day: str, slot: int, course_id: str | None = None) -> str:
    """A lesson of the teacher's course (or another) at ``slot`` on ``day``."""
    out = web.run(
        "schedule-lessons",
        {
            "course_id": course_id or web.school.course_id,
            "lessons": [
                {"date": day, "slot": slot, "starts_at": "08:00", "ends_at": "08:45"}
            ],
        },
    )
    return str(out["lesson_ids"][0])


def cell_of(html: str, lesson_id: str, student_id: str) -> str:
    """The pupil's td of that lesson in a page or fragment ("" if absent)."""
    found = re.search(
        r'<td class="[^"]*" tabindex="-1" data-lesson="'
        + lesson_id
        + '" data-student="'
        + student_id
        + r'"[^>]*>.*?</td>',
        html,
        re.S,
    )
    return found.group(0) if found else ""


def journal_url(web: Web, **params: str) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"/courses/{web.school.course_id}/journal" + (f"?{query}" if query else "")


def cell_url(lesson_id: str, student_id: str, action: str = "") -> str:
    return f"/lessons/{lesson_id}/cells/{student_id}" + (f"/{action}" if action else "")


def htmx_get(b: Browser, url: str) -> Any:
    return b.client.get(url, headers={"HX-Request": "true"})


def signed_in(web: Web, name: str) -> Browser:
    """A new browser of that person, signed in now (at the clock's time)."""
    b = web.anonymous()
    assert b.sign_in(web.school.logins[name], PASSWORD).status_code == 303
    return b


# -- my lessons ------------------------------------------------------------------------
def test_my_lessons_lists_todays_lessons_in_slot_order(web: Web) -> None:
    # Given two lessons of the teacher today, the later one scheduled first
    late = lesson_on(web, TODAY, 7)
    early = lesson_on(web, TODAY, 6)
    teacher = web.school.actor(web.service, "teacher")
    web.service.execute(
        teacher, "set-lesson-topic", {"lesson_id": early, "topic": "Десятичные дроби"}
    )
    # When the teacher opens "Мои уроки"
    r = web.browser("teacher").get("/teacher")
    # Then both are listed, in slot order, with the topic filled or not
    assert r.status_code == 200
    assert "Мои уроки — 23 ноября, пн" in r.text
    assert r.text.index(f"lesson={early}") < r.text.index(f"lesson={late}")
    assert "Тема: Десятичные дроби" in r.text and "Тема не записана" in r.text
    assert "Математика</strong>, 5А" in r.text
    # And the courses below link to their journals
    assert f'href="/courses/{web.school.course_id}/journal"' in r.text
    assert web.school.other_course_id not in r.text


def test_the_links_of_my_lessons_open(web: Web) -> None:
    b = web.browser("teacher")
    r = b.get("/teacher?day=2026-11-16")
    links = re.findall(r'class="button" href="([^"]+)"', r.text)
    assert links == [
        f"/courses/{web.school.course_id}/journal?lesson={web.school.lesson_ids[0]}"
    ]
    for href in [*links, f"/courses/{web.school.course_id}/journal"]:
        assert b.get(href).status_code == 200, href


def test_a_substitute_sees_the_lesson_and_opens_its_sheet(web: Web) -> None:
    b = web.browser("substitute")
    lesson = web.school.lesson_ids[4]  # Friday's, taught by the substitute
    # When the substitute opens that day
    r = b.get("/teacher?day=2026-11-20")
    # Then the lesson is there, marked as a substitution, linking its sheet
    assert r.status_code == 200 and "замена" in r.text
    assert f'href="/lessons/{lesson}"' in r.text
    assert "/journal?lesson=" not in r.text  # not the course journal they may not read
    sheet = b.get(f"/lessons/{lesson}")
    assert sheet.status_code == 200
    assert "Алексеев Антон" in sheet.text and 'data-editable="1"' in sheet.text
    assert "замена: Substitute" in sheet.text
    # Only that lesson's column: no other lesson, no averages of the course
    assert web.school.lesson_ids[3] not in sheet.text
    assert 'class="num avg"' not in sheet.text
    # And the course journal itself stays closed to them
    assert b.get(journal_url(web)).status_code == 403


def test_the_substitute_writes_their_lesson_and_not_the_others(web: Web) -> None:
    b = web.browser("substitute")
    pupil = web.school.students[2]
    own, other = web.school.lesson_ids[4], web.school.lesson_ids[3]
    before = web.position()
    r = b.htmx(cell_url(own, pupil, "attendance"), {"code": "late"})
    assert (
        r.status_code == 200 and '<span class="att" title="опоздал">оп</span>' in r.text
    )
    assert web.position() == before + 1
    refused = b.htmx(cell_url(other, pupil, "attendance"), {"code": "late"})
    assert refused.status_code == 403
    assert web.position() == before + 1


@pytest.mark.parametrize("name", ["deputy", "guardian", "student", "admin"])
def test_my_lessons_is_for_teachers_only(web: Web, name: str) -> None:
    r = web.browser(name).get("/teacher")
    assert r.status_code == 403
    assert "для учителей" in r.text


def test_a_teacher_without_courses_gets_an_empty_page(web: Web) -> None:
    r = web.browser("class_teacher").get("/teacher")
    assert r.status_code == 200
    assert "В этот день у вас нет уроков." in r.text
    assert "Вам не назначено ни одного предмета." in r.text


def test_my_lessons_without_a_session_asks_to_sign_in(web: Web) -> None:
    r = web.anonymous().get("/teacher", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")


# -- who reads the grid, who may edit it -----------------------------------------------
READERS = ["teacher", "class_teacher", "deputy", "director", "auditor", "admin"]


@pytest.mark.parametrize("name", READERS)
def test_the_course_journal_opens_for_its_readers(web: Web, name: str) -> None:
    r = web.browser(name).get(journal_url(web))
    assert r.status_code == 200
    assert "Математика — 5А" in r.text
    for pupil in ("Алексеев Антон", "Борисова Вера", "Васильев Глеб"):
        assert pupil in r.text
    # The Friday lesson shows its substitute
    assert "замена: Substitute" in r.text
    editable = 'data-editable="1"' in r.text
    assert editable is (name == "teacher")
    assert ('id="work-type"' in r.text) is (name == "teacher")
    if name != "teacher":
        assert "Только чтение." in r.text


@pytest.mark.parametrize(
    "name", ["other_teacher", "substitute", "secretary", "guardian", "student"]
)
def test_others_may_not_open_the_course_journal(web: Web, name: str) -> None:
    r = web.browser(name).get(journal_url(web))
    assert r.status_code == 403
    assert "Математика — 5А" not in r.text


@pytest.mark.parametrize(
    "url",
    [
        "/courses/not-a-uuid/journal",
        "/courses/00000000-0000-0000-0000-000000000099/journal",
        "/lessons/not-a-uuid",
        "/lessons/00000000-0000-0000-0000-000000000099",
        "/journal/marks/nope/history",
        "/lessons/bad/cells/bad",
    ],
)
def test_unknown_or_malformed_ids_are_a_404_page(web: Web, url: str) -> None:
    r = web.browser("teacher").get(url)
    assert r.status_code == 404 and "Не найдено" in r.text


@pytest.mark.parametrize(
    "query",
    ["period_id=garbage", "period_id=00000000-0000-0000-0000-000000000099", "lesson=x"],
)
def test_a_bad_period_or_lesson_is_a_404_page(web: Web, query: str) -> None:
    r = web.browser("teacher").get(journal_url(web) + "?" + query)
    assert r.status_code == 404


def test_a_lesson_of_another_course_is_not_focused_here(web: Web) -> None:
    r = web.browser("teacher").get(journal_url(web, lesson=web.school.other_lesson_id))
    assert r.status_code == 404


def test_the_period_selector_lists_the_year(web: Web) -> None:
    b = web.browser("teacher")
    r = b.get(journal_url(web))
    # The current period (II) is chosen, with the year's periods to choose from
    for pid in web.school.period_ids:
        assert f'value="{pid}"' in r.text
    assert f'value="{web.school.period_ids[1]}" selected' in r.text
    assert web.school.lesson_ids[0] in r.text
    # Period I has no lessons of this course
    first = b.get(journal_url(web, period_id=web.school.period_ids[0]))
    assert first.status_code == 200 and "В этом периоде нет уроков." in first.text
    whole = b.get(journal_url(web, period_id="all"))
    assert '<option value="all" selected>' in whole.text
    assert web.school.lesson_ids[0] in whole.text


def test_a_bad_day_is_a_message_not_a_500(web: Web) -> None:
    r = web.browser("teacher").get("/teacher?day=31-02-2026")
    assert r.status_code == 422 and "day" in r.text


# -- editing a cell --------------------------------------------------------------------
def test_a_mark_saved_from_the_cell_is_in_the_grid_after_reload(web: Web) -> None:
    b = web.browser("teacher")
    lesson, pupil = lesson_on(web, TODAY, 1), web.school.students[1]
    before = web.position()
    version = last_version(web.service, lesson)
    # When the teacher saves a 5 for oral work in the cell
    r = b.htmx(cell_url(lesson, pupil, "mark"), {"value": "5", "work_type": "oral"})
    # Then the answer is the cell, re-rendered with the mark
    assert r.status_code == 200
    cell = cell_of(r.text, lesson, pupil)
    assert ">5</span>" in cell and '<span class="tag">уст</span>' in cell
    assert "late-entry" not in cell and "поздно" not in cell  # inside its window
    # And one command wrote one event, into that lesson
    assert web.position() == before + 1
    assert last_version(web.service, lesson) == version + 1
    # And the grid shows it after a reload, with the pupil's average
    page = b.get(journal_url(web, lesson=lesson))
    shown = cell_of(page.text, lesson, pupil)
    assert ">5</span>" in shown and "focus-col" in shown
    assert 'data-focus="' + lesson + '"' in page.text


def test_the_cell_editor_offers_what_the_cell_allows(web: Web) -> None:
    b = web.browser("teacher")
    lesson, pupil = lesson_on(web, TODAY, 2), web.school.students[0]
    r = htmx_get(b, cell_url(lesson, pupil, "edit") + "?work_type=test")
    assert r.status_code == 200
    assert 'class="cell-editor"' in r.text
    assert '<option value="test" selected>' in r.text  # the page's default work type
    assert "Посещаемость" in r.text and "Зачёт пропущенной темы" not in r.text
    closed = htmx_get(b, cell_url(lesson, pupil))
    assert "cell-editor" not in closed.text
    # Readers get the cell without an editor
    deputy = htmx_get(web.browser("deputy"), cell_url(lesson, pupil, "edit"))
    assert deputy.status_code == 200 and "cell-editor" not in deputy.text


def test_attendance_and_a_makeup_for_an_absent_pupil(web: Web) -> None:
    b = web.browser("teacher")
    lesson, pupil = lesson_on(web, TODAY, 3), web.school.students[2]
    before = web.position()
    # When the teacher marks the pupil absent
    r = b.htmx(cell_url(lesson, pupil, "attendance"), {"code": "absent"})
    assert r.status_code == 200
    assert '<span class="att" title="отсутствовал">н</span>' in r.text
    assert "att-absent" in r.text
    assert web.position() == before + 1
    # Then the editor offers a makeup, which keeps the absence and adds a note
    editor = htmx_get(b, cell_url(lesson, pupil, "edit"))
    assert "Зачёт пропущенной темы" in editor.text
    made = b.htmx(
        cell_url(lesson, pupil, "makeup"),
        {"value": "4", "work_type": "oral", "protocol": "7"},
    )
    assert made.status_code == 200
    cell = cell_of(made.text, lesson, pupil)
    assert ">н</span>" in cell and ">4</span>" in cell and "protocol 7" in cell
    assert web.position() == before + 2
    # And "present" clears the absence
    back = b.htmx(cell_url(lesson, pupil, "attendance"), {"code": "present"})
    assert ">н</span>" not in cell_of(back.text, lesson, pupil)
    assert web.position() == before + 3


def test_a_makeup_for_a_pupil_who_was_there_is_refused(web: Web) -> None:
    b = web.browser("teacher")
    lesson, pupil = lesson_on(web, TODAY, 4), web.school.students[0]
    before = web.position()
    r = b.htmx(
        cell_url(lesson, pupil, "makeup"),
        {"value": "4", "work_type": "oral", "protocol": "8"},
    )
    assert r.status_code == 409
    assert "Ученик не пропускал этот урок" in r.text
    assert web.position() == before


def test_topic_and_homework_are_saved_from_their_cells(web: Web) -> None:
    b = web.browser("teacher")
    lesson = lesson_on(web, TODAY, 5)
    before = web.position()
    editor = htmx_get(b, f"/lessons/{lesson}/topic/edit")
    assert 'name="topic"' in editor.text
    r = b.htmx(f"/lessons/{lesson}/topic", {"topic": "Сложение дробей"})
    assert r.status_code == 200 and "Сложение дробей" in r.text
    assert f'id="topic-{lesson}"' in r.text and "cell-editor" not in r.text
    hw = b.htmx(
        f"/lessons/{lesson}/homework", {"text": "№ 12, 14", "due_on": "2026-11-25"}
    )
    assert hw.status_code == 200 and "№ 12, 14" in hw.text and "к 25.11" in hw.text
    assert web.position() == before + 2
    # A due date on the lesson's day is refused, what was typed is kept
    bad = b.htmx(f"/lessons/{lesson}/homework", {"text": "№ 15", "due_on": TODAY})
    assert bad.status_code == 422
    assert "Срок сдачи — позже дня урока." in bad.text and "№ 15" in bad.text
    empty = b.htmx(f"/lessons/{lesson}/topic", {"topic": "  "})
    assert empty.status_code == 422 and "Тема — от 1 до 500 знаков." in empty.text
    assert web.position() == before + 2
    # And the grid's rows above and below the pupils show them
    page = b.get(journal_url(web, lesson=lesson))
    assert "Сложение дробей" in page.text and "№ 12, 14" in page.text


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"value": "7", "work_type": "oral"}, "Отметка — от 1 до 5."),
        ({"value": "", "work_type": "oral"}, "Отметка — от 1 до 5."),
        ({"value": "4", "work_type": "dance"}, "Выберите вид работы из списка."),
    ],
)
def test_a_bad_mark_shows_the_message_and_writes_nothing(
    web: Web, data: dict[str, str], message: str
) -> None:
    b = web.browser("teacher")
    lesson, pupil = web.school.lesson_ids[2], web.school.students[0]
    before = web.position()
    r = b.htmx(cell_url(lesson, pupil, "mark"), data)
    assert r.status_code == 422
    assert message in r.text and 'class="cell-editor"' in r.text
    assert f'<option value="{data["value"]}" selected>' in r.text or not data["value"]
    assert web.position() == before


def test_a_mark_on_a_future_lesson_is_refused_in_the_cell(web: Web) -> None:
    b = web.browser("teacher")
    lesson, pupil = web.school.future_lesson_id, web.school.students[0]
    before = web.position()
    r = b.htmx(cell_url(lesson, pupil, "mark"), {"value": "4", "work_type": "oral"})
    assert r.status_code == 409
    assert "Урок ещё не прошёл" in r.text
    assert web.position() == before


def test_a_bad_attendance_code_writes_nothing(web: Web) -> None:
    b = web.browser("teacher")
    lesson, pupil = web.school.lesson_ids[2], web.school.students[1]
    before = web.position()
    r = b.htmx(cell_url(lesson, pupil, "attendance"), {"code": "asleep"})
    assert r.status_code == 422
    assert "Выберите отметку посещаемости из списка." in r.text
    assert web.position() == before


@pytest.mark.parametrize("name", ["other_teacher", "class_teacher", "deputy"])
def test_who_may_not_write_the_lesson_gets_403_and_nothing_is_written(
    web: Web, name: str
) -> None:
    b = web.browser(name)
    lesson, pupil = web.school.lesson_ids[1], web.school.students[0]
    before = web.position()
    for url, data in [
        (cell_url(lesson, pupil, "mark"), {"value": "3", "work_type": "oral"}),
        (cell_url(lesson, pupil, "attendance"), {"code": "absent"}),
        (f"/lessons/{lesson}/topic", {"topic": "Чужая тема"}),
        (f"/lessons/{lesson}/homework", {"text": "Чужое задание"}),
    ]:
        assert b.htmx(url, data).status_code == 403, url
    assert web.position() == before


def test_a_write_without_the_csrf_token_is_refused(web: Web) -> None:
    b = web.browser("teacher")
    lesson, pupil = web.school.lesson_ids[1], web.school.students[0]
    before = web.position()
    r = b.client.post(
        cell_url(lesson, pupil, "mark"),
        data={"value": "3", "work_type": "oral"},
        headers={"HX-Request": "true"},
    )
    assert r.status_code == 403
    assert web.position() == before


def test_a_form_posted_without_htmx_returns_to_the_journal(web: Web) -> None:
    b = web.browser("teacher")
    lesson, pupil = lesson_on(web, TODAY, 8), web.school.students[0]
    r = b.post(
        cell_url(lesson, pupil, "mark"),
        {"value": "3", "work_type": "classwork"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert r.headers["location"] == journal_url(web, lesson=lesson)
    bad = b.post(cell_url(lesson, pupil, "mark"), {"value": "9", "work_type": "oral"})
    assert bad.status_code == 422 and "Отметка — от 1 до 5." in bad.text


# -- reading the past ------------------------------------------------------------------
def local(moment: datetime) -> str:
    return moment.astimezone(MSK).replace(tzinfo=None).isoformat(timespec="minutes")


def test_as_of_before_a_mark_shows_the_grid_without_it(web: Web) -> None:
    b = web.browser("teacher")
    lesson, pupil = web.school.lesson_ids[0], web.school.students[1]
    start = web.clock.now
    web.clock.advance(minutes=2)
    r = b.htmx(cell_url(lesson, pupil, "mark"), {"value": "2", "work_type": "written"})
    assert r.status_code == 200
    # As of a minute before the mark: the grid without it, and read-only
    earlier = b.get(journal_url(web, as_of=local(start + timedelta(minutes=1))))
    assert earlier.status_code == 200
    assert ">2</span>" not in cell_of(earlier.text, lesson, pupil)
    assert (
        'data-editable="1"' not in earlier.text and 'id="work-type"' not in earlier.text
    )
    assert "только чтение" in earlier.text
    # The period selector keeps the moment
    assert f'name="as_of" value="{local(start + timedelta(minutes=1))}"' in earlier.text
    later = b.get(journal_url(web, as_of=local(start + timedelta(minutes=3))))
    assert ">2</span>" in cell_of(later.text, lesson, pupil)
    # And a cell fragment as of the moment has no editor either
    past = htmx_get(
        b,
        cell_url(lesson, pupil, "edit")
        + f"?as_of={local(start + timedelta(minutes=1))}",
    )
    assert "cell-editor" not in past.text


def test_late_entries_are_flagged(web: Web) -> None:
    # Given a lesson of last Thursday: an oral mark was due that day
    b = web.browser("teacher")
    lesson, pupil = web.school.lesson_ids[3], web.school.students[2]
    r = b.htmx(cell_url(lesson, pupil, "mark"), {"value": "3", "work_type": "oral"})
    cell = cell_of(r.text, lesson, pupil)
    assert "late-entry" in cell and '<span class="tag late">поздно</span>' in cell
    page = b.get(journal_url(web))
    assert "late-entry" in cell_of(page.text, lesson, pupil)


# -- corrections and history -----------------------------------------------------------
def mark_id_in(html: str) -> str:
    found = re.search(r'data-mark="([0-9a-f-]{36})"', html)
    assert found, html
    return found.group(1)


def test_inside_the_window_the_author_corrects_the_mark(web: Web) -> None:
    # Given a written mark of last Monday: due by the end of today
    b = web.browser("teacher")
    lesson, pupil = web.school.lesson_ids[0], web.school.students[2]
    r = b.htmx(cell_url(lesson, pupil, "mark"), {"value": "3", "work_type": "written"})
    mark = mark_id_in(cell_of(r.text, lesson, pupil))
    editor = htmx_get(b, cell_url(lesson, pupil, "edit"))
    assert f"/marks/{mark}/correct" in editor.text
    # A correction without a reason is refused
    before = web.position()
    url = cell_url(lesson, pupil, f"marks/{mark}/correct")
    bad = b.htmx(url, {"value": "4", "reason": ""})
    assert bad.status_code == 422 and "Укажите причину" in bad.text
    assert web.position() == before
    # When the author corrects it with a reason
    fixed = b.htmx(url, {"value": "4", "reason": "пересчитал баллы"})
    # Then the cell shows the new value, one command later
    assert fixed.status_code == 200
    assert f'data-mark="{mark}"' in fixed.text and ">4</span>" in fixed.text
    assert web.position() == before + 1
    # And the director reads its history: both revisions, who, when, why
    director = web.browser("director")
    grid = director.get(journal_url(web))
    assert f'href="/journal/marks/{mark}/history"' in grid.text
    history = htmx_get(director, f"/journal/marks/{mark}/history")
    assert history.status_code == 200
    assert "поставлена" in history.text and "исправлена" in history.text
    assert "пересчитал баллы" in history.text and "Teacher" in history.text
    assert re.search(r"\d\d\.\d\d\.2026 \d\d:\d\d", history.text)
    assert "аннулирована" not in history.text
    # Once the correction is voided, the history says so
    void(web.service, lesson, [last_version(web.service, lesson)])
    voided = htmx_get(director, f"/journal/marks/{mark}/history")
    assert "аннулирована" in voided.text
    full = director.get(f"/journal/marks/{mark}/history")
    assert full.status_code == 200 and "<h1>История отметки</h1>" in full.text


def test_a_teacher_does_not_get_the_marks_history(web: Web) -> None:
    b = web.browser("teacher")
    lesson, pupil = web.school.lesson_ids[2], web.school.students[2]
    r = b.htmx(cell_url(lesson, pupil, "mark"), {"value": "5", "work_type": "oral"})
    mark = mark_id_in(r.text)
    grid = b.get(journal_url(web))
    assert "/history" not in grid.text  # no links they could not open
    page = b.get(f"/journal/marks/{mark}/history")
    assert page.status_code == 403 and "доступна директору" in page.text
    fragment = htmx_get(b, f"/journal/marks/{mark}/history")
    assert fragment.status_code == 200 and "доступна директору" in fragment.text
    assert "поставлена" not in fragment.text


@pytest.mark.parametrize("name", ["auditor", "admin"])
def test_history_readers_see_the_history(web: Web, name: str) -> None:
    b = web.browser("teacher")
    lesson, pupil = web.school.lesson_ids[4], web.school.students[0]
    r = b.htmx(cell_url(lesson, pupil, "mark"), {"value": "4", "work_type": "test"})
    mark = mark_id_in(r.text)
    history = htmx_get(web.browser(name), f"/journal/marks/{mark}/history")
    assert history.status_code == 200 and "поставлена" in history.text


def test_after_the_window_a_correction_is_requested_from_the_cell(web: Web) -> None:
    lesson, pupil = lesson_on(web, TODAY, 9), web.school.students[1]
    teacher = web.browser("teacher")
    r = teacher.htmx(
        cell_url(lesson, pupil, "mark"), {"value": "3", "work_type": "oral"}
    )
    mark = mark_id_in(r.text)
    assert "поздно" not in r.text
    now = web.clock.now
    try:
        # When the day is over (the oral mark's window closed at midnight)
        web.clock.set(datetime(2026, 11, 24, 9, 0, tzinfo=MSK))
        b = signed_in(web, "teacher")
        # Then the editor offers a request to the director, not a correction
        editor = htmx_get(b, cell_url(lesson, pupil, "edit"))
        assert f"/marks/{mark}/request-correction" in editor.text
        assert f"/marks/{mark}/correct" not in editor.text
        # And a correction posted anyway is refused by the domain, nothing written
        before = web.position()
        url = cell_url(lesson, pupil, f"marks/{mark}/correct")
        refused = b.htmx(url, {"value": "4", "reason": "ошибся"})
        assert refused.status_code == 409
        assert "Срок исправления этой отметки прошёл" in refused.text
        assert f"/marks/{mark}/request-correction" in refused.text
        assert 'value="ошибся"' in refused.text  # what was typed is kept
        assert web.position() == before
        # When the teacher requests the correction
        asked = b.htmx(
            cell_url(lesson, pupil, f"marks/{mark}/request-correction"),
            {"value": "4", "reason": "ошибся"},
        )
        # Then one request is filed, waiting for the director
        assert asked.status_code == 200
        assert "Запрос на исправление отправлен директору." in asked.text
        assert web.position() == before + 1
        director = web.school.actor(web.service, "director")
        waiting = queries.corrections(web.service, director, "pending", None)
        assert [x["mark_id"] for x in waiting["requests"]] == [mark]
        assert waiting["requests"][0]["value"] == "4"
        # A second request for the same mark is refused in the cell
        again = b.htmx(
            cell_url(lesson, pupil, f"marks/{mark}/request-correction"),
            {"value": "5", "reason": "ещё раз"},
        )
        assert again.status_code == 409 and "уже ждёт решения директора" in again.text
        assert web.position() == before + 1
        # And a mark recorded now on yesterday's lesson is flagged late
        late = b.htmx(
            cell_url(lesson, web.school.students[2], "mark"),
            {"value": "5", "work_type": "oral"},
        )
        assert "поздно" in late.text and "late-entry" in late.text
    finally:
        web.clock.set(now)


# -- speed -----------------------------------------------------------------------------
def test_a_30_by_150_grid_renders_fast(web: Web) -> None:
    # Given a class of 30 pupils with a course of 150 lessons in the first
    # quarter, and marks and absences in it
    system = web.run
    teacher = system(
        "create-account",
        {
            "login": "perf.teacher",
            "password": PASSWORD,
            "full_name": "Скоростная Учительница",
            "roles": ["teacher"],
        },
    )["account_id"]
    klass = system(
        "create-class", {"year_id": web.school.year_id, "name": "9В", "grade": 9}
    )["class_id"]
    pupils = [
        system(
            "enroll-student",
            {"class_id": klass, "full_name": f"Ученик {i:02d}", "on": "2026-09-01"},
        )["student_id"]
        for i in range(30)
    ]
    course = system(
        "create-course",
        {
            "year_id": web.school.year_id,
            "class_id": klass,
            "subject": "Алгебра",
            "teacher_id": teacher,
            "hours_per_week": 4,
        },
    )["course_id"]
    days, day = [], date(2026, 9, 1)
    while len(days) < 150:
        if day.weekday() < 5:
            days += [(day, slot) for slot in (1, 2, 3, 4)]
        day += timedelta(days=1)
    lessons = system(
        "schedule-lessons",
        {
            "course_id": course,
            "lessons": [
                {
                    "date": d.isoformat(),
                    "slot": s,
                    "starts_at": "09:00",
                    "ends_at": "09:45",
                }
                for d, s in days[:150]
            ],
        },
    )["lesson_ids"]
    execute = web.service.execute
    author = actor_for(web.service, teacher)
    for i, lesson in enumerate(lessons):
        for pupil in (pupils[i % 30], pupils[(i + 7) % 30]):
            execute(
                author,
                "record-mark",
                {
                    "lesson_id": lesson,
                    "student_id": pupil,
                    "value": str(2 + i % 4),
                    "work_type": ("oral", "test", "control")[i % 3],
                },
            )
        if i % 3 == 0:
            execute(
                author,
                "record-attendance",
                {
                    "lesson_id": lesson,
                    "entries": [{"student_id": pupils[(i + 13) % 30], "code": "ill"}],
                },
            )
    b = web.anonymous()
    assert b.sign_in("perf.teacher").status_code == 303
    url = f"/courses/{course}/journal?period_id={web.school.period_ids[0]}"
    # When the teacher opens it (best of a few, the machine being shared)
    timings = []
    for _ in range(5):
        began = time.perf_counter()
        r = b.get(url)
        timings.append(time.perf_counter() - began)
        assert r.status_code == 200
    # Then every lesson and pupil is there, and the page came well under 150 ms
    assert r.text.count('data-student="') >= 30 * 150
    assert r.text.count('class="lesson') == 150
    assert min(timings) < 0.15, timings
