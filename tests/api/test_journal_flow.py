"""A teacher's day through HTTP, seen in the course journal, the class journal and
the pupil's diary under the field names API.md fixes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient

from tests.api.conftest import API
from tests.builders import NOW, PASSWORD, FakeClock, School
from tests.conftest import auth

WEEK = {"from": "2026-11-16", "to": "2026-11-22"}


def command(client: TestClient, headers: dict[str, str], name: str,
            body: dict[str, Any]) -> dict[str, Any]:
    r = client.post(f"{API}/commands/{name}", headers=headers, json=body)
    assert r.status_code == 200, (name, r.text)
    out: dict[str, Any] = r.json()
    assert {"command_id", "position", "events"} <= set(out)
    assert isinstance(out["position"], int)
    for event in out["events"]:
        assert {"stream_id", "version", "type"} <= set(event)
    return out


def get(client: TestClient, headers: dict[str, str], path: str,
        **params: str) -> dict[str, Any]:
    r = client.get(f"{API}{path}", headers=headers, params=params)
    assert r.status_code == 200, (path, r.text)
    out: dict[str, Any] = r.json()
    return out


def homework_text(value: Any) -> Any:
    return value["text"] if isinstance(value, dict) else value


def texts(comments: list[Any]) -> list[Any]:
    return [c["text"] if isinstance(c, dict) else c for c in comments]


def test_a_teachers_day_shows_in_journal_and_diary(
    client: TestClient, school: School
) -> None:
    teacher = auth(client, "teacher", PASSWORD)
    s0, s1, s2 = school.students
    monday, wednesday, friday = (school.lesson_ids[i] for i in (0, 2, 4))
    ids = school.accounts

    out = command(client, teacher, "set-lesson-topic", {
        "lesson_id": monday, "topic": "Сложение дробей", "plan_topic_no": 1})
    assert [e["stream_id"] for e in out["events"]] == [monday]
    command(client, teacher, "assign-homework", {
        "lesson_id": monday, "text": "№ 101, 102", "due_on": "2026-11-18"})
    command(client, teacher, "record-attendance", {"lesson_id": monday, "entries": [
        {"student_id": s1, "code": "absent"}, {"student_id": s2, "code": "late"}]})
    oral = command(client, teacher, "record-mark", {
        "lesson_id": monday, "student_id": s0, "value": "5", "work_type": "oral"})
    written = command(client, teacher, "record-mark", {
        "lesson_id": monday, "student_id": s0, "value": "4", "work_type": "written"})
    comment = command(client, teacher, "add-comment", {
        "lesson_id": monday, "student_id": s0, "text": "Отлично у доски"})
    assert comment["comment_id"]

    deputy = auth(client, "deputy", PASSWORD)
    command(client, deputy, "record-substitution", {
        "lesson_id": wednesday, "substitute_teacher_id": ids["other_teacher"],
        "reason": "болезнь"})
    stand_in = auth(client, "other.teacher", PASSWORD)
    command(client, stand_in, "set-lesson-topic", {
        "lesson_id": wednesday, "topic": "Умножение дробей"})
    command(client, stand_in, "record-attendance", {
        "lesson_id": wednesday, "entries": [{"student_id": s0, "code": "ill"}]})
    substitute = auth(client, "substitute", PASSWORD)
    friday_mark = command(client, substitute, "record-mark", {
        "lesson_id": friday, "student_id": s0, "value": "3", "work_type": "classwork"})

    # -- the course journal -------------------------------------------------------
    journal = get(client, teacher, f"/courses/{school.course_id}/journal")
    assert journal["course_id"] == school.course_id
    assert journal["subject"] == "Математика"
    assert journal["teacher_id"] == ids["teacher"]
    assert {s["student_id"]: s["full_name"] for s in journal["students"]} == {
        s0: "Алексеев Антон", s1: "Борисова Вера", s2: "Васильев Глеб"}
    assert isinstance(journal["period_marks"], dict)
    lessons = {x["lesson_id"]: x for x in journal["lessons"]}
    mon = lessons[monday]
    assert (mon["date"], mon["slot"]) == ("2026-11-16", 2)
    assert mon["topic"] == "Сложение дробей"
    assert homework_text(mon["homework"]) == "№ 101, 102"
    assert (mon["teacher_id"], mon["substitute_id"]) == (ids["teacher"], None)
    cell = mon["cells"][s0]
    assert cell["attendance"] is None
    marks = {m["mark_id"]: (m["value"], m["work_type"], m["late"])
             for m in cell["marks"]}
    assert marks == {
        oral["mark_id"]: ("5", "oral", True),  # due at the end of the lesson's day
        written["mark_id"]: ("4", "written", False),  # due at the end of day 7: today
    }
    assert texts(cell["comments"]) == ["Отлично у доски"]
    assert mon["cells"][s1]["attendance"] == "absent"
    assert mon["cells"][s2]["attendance"] == "late"
    assert mon["cells"][s1]["marks"] == [] and mon["cells"][s1]["comments"] == []
    wed = lessons[wednesday]
    assert wed["substitute_id"] == ids["other_teacher"]
    assert wed["topic"] == "Умножение дробей"
    assert wed["cells"][s0]["attendance"] == "ill"
    fri = lessons[friday]
    assert fri["substitute_id"] == ids["substitute"]
    assert [(m["mark_id"], m["value"], m["work_type"]) for m in
            fri["cells"][s0]["marks"]] == [(friday_mark["mark_id"], "3", "classwork")]

    # -- the class journal holds the same course journal ---------------------------
    class_teacher = auth(client, "class.teacher", PASSWORD)
    klass = get(client, class_teacher, f"/classes/{school.class_id}/journal")
    assert klass["class_id"] == school.class_id
    assert [c for c in klass["courses"] if c["course_id"] == school.course_id] == [
        journal]

    # -- the diary, as the pupil, a guardian and the teacher see it ----------------
    student, guardian = auth(client, "student", PASSWORD), auth(
        client, "guardian", PASSWORD)
    diaries = [get(client, h, f"/students/{s0}/diary", **WEEK)
               for h in (student, guardian, teacher)]
    assert diaries[0] == diaries[1] == diaries[2]
    diary = diaries[0]
    assert diary["student_id"] == s0
    assert [d["date"] for d in diary["days"]] == [
        "2026-11-16", "2026-11-17", "2026-11-18", "2026-11-19", "2026-11-20"]
    entries = {x["lesson_id"]: x for d in diary["days"] for x in d["lessons"]}
    assert set(entries) == set(school.lesson_ids)
    day = entries[monday]
    assert day["subject"] == "Математика"
    assert (day["teacher_id"], day["substitute_id"]) == (ids["teacher"], None)
    assert day["topic"] == "Сложение дробей"
    assert homework_text(day["homework"]) == "№ 101, 102"
    assert day["attendance"] is None
    assert sorted((m["mark_id"], m["value"], m["work_type"]) for m in day["marks"]) == (
        sorted([(oral["mark_id"], "5", "oral"), (written["mark_id"], "4", "written")]))
    assert texts(day["comments"]) == ["Отлично у доски"]
    assert entries[wednesday]["substitute_id"] == ids["other_teacher"]
    assert entries[wednesday]["attendance"] == "ill"
    assert entries[wednesday]["topic"] == "Умножение дробей"
    assert entries[friday]["substitute_id"] == ids["substitute"]
    assert [m["value"] for m in entries[friday]["marks"]] == ["3"]
    other = get(client, teacher, f"/students/{s1}/diary", **WEEK)
    mon1 = next(x for d in other["days"] for x in d["lessons"]
                if x["lesson_id"] == monday)
    assert (mon1["attendance"], mon1["marks"], mon1["comments"]) == ("absent", [], [])
    assert homework_text(mon1["homework"]) == "№ 101, 102"


def test_as_of_shows_the_journal_as_it_stood(
    client: TestClient, school: School, clock: FakeClock
) -> None:
    teacher = auth(client, "teacher", PASSWORD)
    lesson, pupil = school.lesson_ids[1], school.students[0]
    first = client.post(f"{API}/commands/record-mark", headers=teacher, json={
        "lesson_id": lesson, "student_id": pupil, "value": "2", "work_type": "oral"})
    assert first.status_code == 200, first.text
    clock.advance(hours=1)
    second = client.post(f"{API}/commands/record-mark", headers=teacher, json={
        "lesson_id": lesson, "student_id": pupil, "value": "5", "work_type": "oral"})
    assert second.status_code == 200, second.text

    def values(**params: str) -> list[str]:
        journal = get(client, teacher, f"/courses/{school.course_id}/journal",
                      **params)
        cell = next(x for x in journal["lessons"] if x["lesson_id"] == lesson)
        diary = get(client, teacher, f"/students/{pupil}/diary", **WEEK, **params)
        in_diary = [m["value"] for d in diary["days"] for x in d["lessons"]
                    if x["lesson_id"] == lesson for m in x["marks"]]
        in_journal = [m["value"] for m in cell["cells"][pupil]["marks"]]
        assert sorted(in_journal) == sorted(in_diary)
        return sorted(in_journal)

    half_past = NOW + timedelta(minutes=30)
    assert values() == ["2", "5"]
    assert values(as_of=half_past.isoformat()) == ["2"]
    moscow = half_past.astimezone(ZoneInfo("Europe/Moscow"))
    assert values(as_of=moscow.isoformat()) == ["2"]  # same moment, +03:00
    assert values(as_of=(NOW + timedelta(hours=1)).isoformat()) == ["2", "5"]
