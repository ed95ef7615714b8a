# Over ~300 lines on purpose: the diary's tests share one school per backend
# (a module fixture), so the week, the switcher and the acknowledgement stay here.
"""The diary pages: who opens /diary and a pupil's week, what a week shows (marks
with work type and weight, attendance in words, substitutes, period marks), the
guardian's acknowledgement, ``as_of``, and bad input answered with a page."""

from __future__ import annotations

import itertools
import re
import uuid
from datetime import timedelta
from typing import Any

from ejournal import queries
from ejournal.web.render import local_time
from tests.web.conftest import Web

NAMES = itertools.count(1)
WEEK = "2026-11-16"  # last week: web.school.lesson_ids are its Mon..Fri
BUTTON = "Ознакомлен(а) с неделей"


def new_pupil(
    web: Web, guardian: str | None = "guardian", *, consent: bool = True
) -> tuple[str, str]:
    """A fresh pupil of class_id (so of course_id's lessons), with a guardian who
    consented to data processing (unless ``consent`` is false)."""
    name = f"Юрьев Юрий {next(NAMES)}"
    sid = str(
        web.run(
            "enroll-student",
            {"class_id": web.school.class_id, "full_name": name, "on": "2026-09-01"},
        )["student_id"]
    )
    if guardian:
        web.run(
            "link-guardian",
            {"student_id": sid, "account_id": web.school.accounts[guardian]},
        )
        if consent:
            web.run(
                "record-consent",
                {
                    "student_id": sid,
                    "guardian_account_id": web.school.accounts[guardian],
                    "granted": True,
                },
            )
    return sid, name


def as_teacher(web: Web, name: str, body: dict[str, Any], who: str = "teacher") -> Any:
    actor = web.school.actor(web.service, who)
    return web.service.execute(actor, name, body)


def mark(web: Web, lesson: int, sid: str, value: str, work_type: str) -> None:
    """The course's teacher records a mark on one of last week's lessons."""
    body = {"student_id": sid, "value": value, "work_type": work_type}
    as_teacher(web, "record-mark", {"lesson_id": web.school.lesson_ids[lesson], **body})


def diary_url(sid: str, week: str = WEEK) -> str:
    return f"/students/{sid}/diary?week={week}"


def test_the_guardian_sees_the_week_with_marks_weights_and_attendance(
    web: Web,
) -> None:
    # Given a pupil of the guardian, with a control work mark on Tuesday, an oral
    # one on Wednesday, a late arrival on Monday and a comment
    sid, name = new_pupil(web)
    lessons = web.school.lesson_ids
    mark(web, 1, sid, "5", "control")
    mark(web, 2, sid, "3", "oral")
    as_teacher(
        web,
        "record-attendance",
        {"lesson_id": lessons[0], "entries": [{"student_id": sid, "code": "late"}]},
    )
    as_teacher(
        web,
        "add-comment",
        {"lesson_id": lessons[2], "student_id": sid, "text": "Забыл тетрадь"},
    )
    # When the guardian opens that week
    r = web.browser("guardian").get(diary_url(sid))
    # Then the week shows Monday..Saturday as cards, with the marks, their work
    # types and weights, the late arrival in words, the teacher and the substitute
    assert r.status_code == 200, r.text
    text = r.text
    assert f"Дневник: {name}" in text
    for day in ("Понедельник, 16 ноября", "Суббота, 21 ноября"):
        assert day in text
    assert "Воскресенье" not in text and "<table" not in text
    assert re.search(r'class="mark w3">5</span> контрольная работа, .*вес 3', text)
    assert re.search(r'class="mark w1">3</span> устный ответ, .*вес 1', text)
    assert "оп</abbr> — опоздание" in text
    assert "Забыл тетрадь" in text
    assert "Учитель: Teacher" in text
    assert "Замена: Substitute (вместо Teacher)" in text  # Friday's lesson
    assert "Математика" in text
    # and the links to the previous and next weeks and to this week
    assert f'href="/students/{sid}/diary?week=2026-11-09"' in text
    assert f'href="/students/{sid}/diary?week=2026-11-23"' in text
    assert ">Эта неделя</a>" in text


def test_another_parent_gets_404_and_does_not_see_the_child(web: Web) -> None:
    # Given a pupil of the guardian, and another family's parent
    sid, name = new_pupil(web)
    b = web.browser("other_parent")
    # When that parent opens the pupil's diary, or acknowledges its week
    r = b.get(diary_url(sid))
    before = web.position()
    post = b.post(f"/students/{sid}/diary/acknowledge", {"week_start": WEEK})
    # Then the pupil does not exist for them, and nothing is written
    assert r.status_code == 404 and "Такого ученика нет." in r.text
    assert name not in r.text
    assert post.status_code == 404 and web.position() == before
    # and /diary takes them to their own child only
    home = b.get("/diary", follow_redirects=False)
    assert home.status_code == 303
    assert home.headers["location"] == f"/students/{web.school.other_student}/diary"
    own = b.get(home.headers["location"])
    assert own.status_code == 200 and "Григорьев Денис" in own.text
    assert sid not in own.text and name not in own.text


def test_the_pupil_sees_their_own_diary_without_the_button(web: Web) -> None:
    b = web.browser("student")
    own = web.school.students[0]
    # When the pupil opens /diary
    home = b.get("/diary", follow_redirects=False)
    # Then they go straight to their own diary, which has no acknowledgement form
    assert home.status_code == 303
    assert home.headers["location"] == f"/students/{own}/diary"
    r = b.get(home.headers["location"])
    assert r.status_code == 200 and "Дневник: Алексеев Антон" in r.text
    assert BUTTON not in r.text and "/diary/acknowledge" not in r.text
    # and another pupil's diary is not theirs
    other = b.get(diary_url(web.school.students[1]))
    assert other.status_code == 404
    # and they cannot acknowledge their own week either
    before = web.position()
    post = b.post(f"/students/{own}/diary/acknowledge", {"week_start": WEEK})
    assert post.status_code == 403 and web.position() == before


def test_acknowledging_a_week_writes_one_event_and_shows_it(web: Web) -> None:
    # Given a guardian's pupil whose last week is not acknowledged
    sid, _ = new_pupil(web)
    b = web.browser("guardian")
    page = b.get(diary_url(sid))
    assert BUTTON in page.text
    assert 'name="week_start" value="2026-11-16"' in page.text
    before = web.position()
    # When the guardian presses the button
    r = b.post(
        f"/students/{sid}/diary/acknowledge",
        {"week_start": WEEK},
        follow_redirects=False,
    )
    # Then one event is written and the week's page says so, without the button
    assert r.status_code == 303 and r.headers["location"] == diary_url(sid)
    assert web.position() == before + 1
    when = local_time(web.clock())
    after = b.get(diary_url(sid))
    assert f"Вы ознакомились с этой неделей дневника ({when})" in after.text
    assert BUTTON not in after.text
    # and staff see who acknowledged
    staff = web.browser("deputy").get(diary_url(sid))
    assert f"Ознакомились родители: Guardian ({when})" in staff.text
    assert BUTTON not in staff.text
    # When the guardian sends the same week again
    before = web.position()
    again = b.post(f"/students/{sid}/diary/acknowledge", {"week_start": WEEK})
    # Then it is refused with the domain's reason and nothing is written
    assert again.status_code == 409
    assert "Вы уже ознакомились с этой неделей." in again.text
    assert web.position() == before


def test_a_week_not_begun_cannot_be_acknowledged(web: Web) -> None:
    sid, _ = new_pupil(web)
    b = web.browser("guardian")
    # Given next week's page: no button, a note instead
    page = b.get(diary_url(sid, "2026-11-30"))
    assert page.status_code == 200 and BUTTON not in page.text
    assert "когда неделя начнётся" in page.text
    before = web.position()
    # When the form is sent for it anyway, or for a day that is not a Monday
    r = b.post(f"/students/{sid}/diary/acknowledge", {"week_start": "2026-11-30"})
    tuesday = b.post(f"/students/{sid}/diary/acknowledge", {"week_start": "2026-11-17"})
    bad = b.post(f"/students/{sid}/diary/acknowledge", {"week_start": "abc"})
    # Then each is refused with a message and nothing is written
    assert r.status_code == 422 and "Эта неделя ещё не началась" in r.text
    assert tuesday.status_code == 422 and "понедельника" in tuesday.text
    assert bad.status_code == 422 and "ГГГГ-ММ-ДД" in bad.text
    assert web.position() == before


def test_as_of_before_the_mark_shows_the_week_without_it(web: Web) -> None:
    # Given a pupil, and a mark recorded two minutes later
    sid, _ = new_pupil(web)
    between = web.clock() + timedelta(minutes=1)
    web.clock.advance(minutes=2)
    mark(web, 3, sid, "2", "written")
    b = web.browser("guardian")
    # When the guardian reads the week now, and as it stood in between
    now = b.get(diary_url(sid))
    past = b.get(
        f"/students/{sid}/diary", params={"week": WEEK, "as_of": between.isoformat()}
    )
    # Then the mark is there now and absent then, and the past is read-only
    assert 'class="mark w2">2</span> письменная работа' in now.text
    assert past.status_code == 200, past.text
    assert "письменная работа" not in past.text
    assert "(только чтение)" in past.text and BUTTON not in past.text
    # and the week's links keep the moment
    assert f"/students/{sid}/diary?week=2026-11-09&amp;as_of=" in past.text


def test_bad_week_parameters_get_a_page_not_a_500(web: Web) -> None:
    b = web.browser("guardian")
    sid = web.school.students[0]
    for week in ("2026-13-45", "abc", "0001-01-01", "9999-12-31", "x" * 100):
        r = b.get(f"/students/{sid}/diary", params={"week": week})
        assert r.status_code == 422, (week, r.text)
        assert "Неверные" in r.text or "Неделя" in r.text
    ok = b.get(f"/students/{sid}/diary?week=2026-11-18")  # any day of the week
    assert ok.status_code == 200 and "Понедельник, 16 ноября" in ok.text


def test_unknown_or_malformed_pupils_get_a_404_page(web: Web) -> None:
    b = web.browser("deputy")
    for sid in ("not-a-uuid", str(uuid.uuid4()), web.school.course_id):
        r = b.get(f"/students/{sid}/diary")
        assert r.status_code == 404 and "Такого ученика нет." in r.text, sid
    guardian = web.browser("guardian")
    before = web.position()
    post = guardian.post("/students/nope/diary/acknowledge", {"week_start": WEEK})
    assert post.status_code == 404 and web.position() == before


def test_who_reads_a_diary_and_what_staff_get_from_the_diary_menu(web: Web) -> None:
    sid, name = new_pupil(web)
    # The pupil's teachers, the class teacher and staff read it, without the button
    for who in ("teacher", "class_teacher", "deputy", "director", "auditor"):
        r = web.browser(who).get(diary_url(sid))
        assert r.status_code == 200 and name in r.text, who
        assert BUTTON not in r.text, who
    # A teacher of another class is refused
    r = web.browser("other_teacher").get(diary_url(sid))
    assert r.status_code == 403 and "его учителя" in r.text
    # Staff opening /diary get a page pointing to the class pages
    home = web.browser("deputy").get("/diary", follow_redirects=False)
    assert home.status_code == 200 and "со страницы класса" in home.text
    # Nobody signed in is sent to sign in
    anon = web.anonymous().get(diary_url(sid), follow_redirects=False)
    assert anon.status_code == 303 and anon.headers["location"].startswith("/login")


def test_a_guardian_of_several_children_switches_between_them(web: Web) -> None:
    # Given the guardian's children (students[0] and the pupils made here)
    new_pupil(web)
    new_pupil(web)
    b = web.browser("guardian")
    guardian = web.school.actor(web.service, "guardian")
    mine = queries.my_children(web.service, guardian)["students"]
    names = sorted((s["full_name"], s["student_id"]) for s in mine)
    assert len(names) >= 3
    # When they open /diary
    home = b.get("/diary", follow_redirects=False)
    # Then they land on the first child's diary, which links to each child's
    # diary for the same week, and to no one else's
    assert home.headers["location"] == f"/students/{names[0][1]}/diary"
    r = b.get(diary_url(names[1][1]))
    links = set(
        re.findall(r'href="/students/([0-9a-f-]+)/diary\?week=2026-11-16"', r.text)
    )
    assert links == {sid for _, sid in names}
    for full_name, _ in names:
        assert full_name in r.text
    assert web.school.other_student not in r.text


def test_period_and_final_marks_are_shown(web: Web) -> None:
    sid, _ = new_pupil(web)
    as_teacher(
        web,
        "set-period-mark",
        {
            "course_id": web.school.course_id,
            "student_id": sid,
            "period_id": web.school.period_ids[1],
            "value": "4",
        },
    )
    as_teacher(
        web,
        "set-final-mark",
        {
            "course_id": web.school.course_id,
            "student_id": sid,
            "kind": "annual",
            "value": "exempt",
        },
    )
    r = web.browser("guardian").get(diary_url(sid))
    assert r.status_code == 200
    section = r.text.split("<h2>Отметки за периоды")[1]
    assert "(2026/2027)" in section and "Математика" in section
    assert '<dt>I</dt><dd><span class="muted">—</span>' in section
    assert '<dt>II</dt><dd><span class="mark">4</span>' in section
    assert "<dt>годовая</dt>" in section and ">осв</abbr>" in section
