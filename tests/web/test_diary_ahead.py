"""The diary page beyond the week's days (period and final marks with averages,
next week's timetable, tests, holidays), the consent gate's page, and the class's
acknowledgements page for the class teacher and staff."""

from __future__ import annotations

import itertools
from typing import Any

from tests.web.conftest import Web

NAMES = itertools.count(1)
WEEK = "2026-11-16"  # last week: web.school.lesson_ids are its Mon..Fri


def as_teacher(web: Web, name: str, body: dict[str, Any]) -> Any:
    return web.service.execute(web.school.actor(web.service, "teacher"), name, body)


def new_pupil(web: Web, *, consent: bool | None = True) -> str:
    """A fresh pupil of class_id with the guardian linked; ``consent`` None: never
    recorded, else the guardian's answer."""
    sid = str(
        web.run(
            "enroll-student",
            {
                "class_id": web.school.class_id,
                "full_name": f"Яковлев Ян {next(NAMES)}",
                "on": "2026-09-01",
            },
        )["student_id"]
    )
    guardian = web.school.accounts["guardian"]
    web.run("link-guardian", {"student_id": sid, "account_id": guardian})
    if consent is not None:
        web.run(
            "record-consent",
            {"student_id": sid, "guardian_account_id": guardian, "granted": consent},
        )
    return sid


def test_the_week_page_shows_marks_averages_timetable_tests_and_holidays(
    web: Web,
) -> None:
    # Given a pupil with a control 5 and an oral 3 last week, a period mark 4 and
    # an annual 5, and a test announced in next Monday's topic
    school = web.school
    sid = new_pupil(web)
    for lesson, value, work_type in ((0, "5", "control"), (1, "3", "oral")):
        as_teacher(
            web,
            "record-mark",
            {
                "lesson_id": school.lesson_ids[lesson],
                "student_id": sid,
                "value": value,
                "work_type": work_type,
            },
        )
    as_teacher(
        web,
        "set-period-mark",
        {
            "course_id": school.course_id,
            "student_id": sid,
            "period_id": school.period_ids[1],
            "value": "4",
        },
    )
    as_teacher(
        web,
        "set-final-mark",
        {
            "course_id": school.course_id,
            "student_id": sid,
            "kind": "annual",
            "value": "5",
        },
    )
    as_teacher(
        web,
        "set-lesson-topic",
        {
            "lesson_id": school.future_lesson_id,
            "topic": "Контрольная работа № 3",
        },
    )
    # When the guardian opens the current week's page
    r = web.browser("guardian").get(f"/students/{sid}/diary")
    # Then it shows the period and annual marks, the journal's weighted average,
    # next week's lesson with its times, the announced test and the holidays
    assert r.status_code == 200, r.text
    text = r.text
    assert 'aria-label="Отметки за периоды"' in text
    assert "годовая" in text
    assert "ср.&nbsp;4.5" in text  # (5×3 + 3×1) / 4, as the journal has it
    assert 'aria-label="Расписание на следующую неделю"' in text
    assert "09:25–10:10" in text and "Математика" in text
    assert "Контрольная работа № 3" in text and "(запланирована)" in text
    assert 'aria-label="Каникулы"' in text and "winter" in text


def test_a_guardian_without_consent_gets_a_page_that_says_why(web: Web) -> None:
    # Given one pupil whose guardian never consented and one who withdrew
    never, withdrew = new_pupil(web, consent=None), new_pupil(web, consent=False)
    browser = web.browser("guardian")
    # When the guardian opens their diaries
    # Then each is a 403 page naming the missing consent and the secretary
    for sid, words in ((never, "не записано"), (withdrew, "отозвано")):
        r = browser.get(f"/students/{sid}/diary?week={WEEK}")
        assert r.status_code == 403, r.text
        assert "согласие на обработку персональных данных " + words in r.text
        assert "секретарь школы" in r.text
        pdf = browser.get(f"/students/{sid}/diary.pdf")
        assert pdf.status_code == 403 and "секретарь школы" in pdf.text
        before = web.position()
        ack = browser.post(f"/students/{sid}/diary/acknowledge", {"week_start": WEEK})
        assert ack.status_code == 403 and "секретарь школы" in ack.text
        assert web.position() == before
    # And the class teacher still opens the pupil's diary
    r = web.browser("class_teacher").get(f"/students/{never}/diary?week={WEEK}")
    assert r.status_code == 200, r.text


def test_the_class_teacher_sees_the_weeks_acknowledgements(web: Web) -> None:
    # Given the guardian acknowledged last week of a pupil's diary
    school = web.school
    sid = new_pupil(web)
    guardian = web.browser("guardian")
    guardian.get(f"/students/{sid}/diary?week={WEEK}")
    r = guardian.post(
        f"/students/{sid}/diary/acknowledge",
        {"week_start": WEEK},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    # When the class teacher opens the class's acknowledgements, linked from the
    # class journal
    teacher = web.browser("class_teacher")
    journal = teacher.get(f"/classes/{school.class_id}/journal")
    assert f"/classes/{school.class_id}/acknowledgements" in journal.text
    r = teacher.get(f"/classes/{school.class_id}/acknowledgements")
    # Then each week lists the pupils and their guardians, acknowledged or not
    assert r.status_code == 200, r.text
    assert "Ознакомление родителей с дневниками: 5А" in r.text
    assert 'aria-label="Неделя 2026-11-16"' in r.text
    assert "Яковлев Ян" in r.text and "не ознакомлен(а)" in r.text
    # And a teacher of no class of theirs, and a parent, are refused
    for who in ("other_teacher", "guardian"):
        page = web.browser(who).get(f"/classes/{school.class_id}/acknowledgements")
        assert page.status_code == 403, who


def test_the_control_page_lists_guardians_without_consent(web: Web) -> None:
    # Given a pupil whose guardian never consented
    new_pupil(web, consent=None)
    # When the deputy opens the control report of the class
    r = web.browser("deputy").get(
        f"/reports/control?year_id={web.school.year_id}&class_id={web.school.class_id}"
    )
    # Then the guardians without consent are listed under it
    assert r.status_code == 200, r.text
    assert "Родители без согласия на обработку персональных данных" in r.text
    assert "согласие не записано" in r.text
