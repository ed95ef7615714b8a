"""Staff and the timetable into the test school: accounts with their roles,
lessons expanded over the weeks without the holidays, at the school's bells;
problems named by row; a re-import writes nothing."""

from __future__ import annotations

from datetime import date

from fastapi.testclient import TestClient

from ejournal.domain.lesson import lesson_id_for
from ejournal.imports import run_import
from ejournal.projections.reader import reader
from ejournal.service import Service
from tests.builders import PASSWORD, School, max_position
from tests.conftest import auth
from tests.imports.helpers import csv_bytes

STAFF = (
    "ФИО;Логин;Роли;Классное руководство\n"
    "Новикова Ольга Ивановна;novikova.oi;Учитель;8А\n"
    "Фёдоров Пётр;fedorov.p;завуч, учитель;\n"
    "Teacher;teacher;учитель;\n"
)
TIMETABLE = (
    "Класс;Группа;Предмет;Учитель;День недели;Урок;С;По\n"
    # across the autumn holidays (25.10–04.11.2026): Mondays 19.10, 09.11
    "5А;;Математика;teacher;Пн;3;19.10.2026;09.11.2026\n"
    "6Б;;Биология;Teacher;Ср;1;21.10.2026;11.11.2026\n"
)


def test_staff_accounts_are_created_with_their_roles_and_classes(
    service: Service, school: School
) -> None:
    # Given the test school, whose "teacher" login exists with the teacher role
    system = service.system_actor()
    # When the staff file is imported
    result = run_import(service, system, "staff", csv_bytes(STAFF))
    # Then the two new people get accounts and 8А is created with its teacher
    assert result.problems == []
    assert result.created == {"accounts": 2, "classes": 1}
    assert result.unchanged == 1
    with reader(service.app) as views:
        fedorov = views.doc(views.key("login:fedorov.p") or "")
        assert fedorov is not None and sorted(fedorov["roles"]) == ["deputy", "teacher"]
        classes = {c["name"]: c for c in views.children("class", [school.year_id])}
        novikova = views.key("login:novikova.oi")
        assert classes["8А"]["class_teacher_id"] == novikova
    # And imported again, nothing is written
    position = max_position(service)
    again = run_import(service, system, "staff", csv_bytes(STAFF))
    assert (again.new, again.unchanged) == (0, 3)
    assert max_position(service) == position


def test_staff_problems_name_rows_and_write_nothing(
    service: Service, school: School
) -> None:
    # Given staff rows with an unknown role, a login used twice, a login of the
    # school with other roles, a class teacher who is no teacher
    text = (
        "ФИО;Логин;Роли;Классное руководство\n"
        "А Б;a.b;повар;\n"
        "В Г;v.g;учитель;\n"
        "В Г;v.g;учитель;\n"
        "Dir;director;учитель;\n"
        "Д Е;d.e;секретарь;5А\n"
        "Ж З;ж.з;учитель;6Б\n"
    )
    position = max_position(service)
    # When it is imported
    result = run_import(service, service.system_actor(), "staff", csv_bytes(text))
    # Then each problem names its row and column, and nothing is written
    assert {(p["row"], p["column"]) for p in result.problems} == {
        (2, "Роли"),
        (4, "Логин"),
        (5, "Роли"),
        (6, "Классное руководство"),
        (7, "Логин"),
    }
    assert max_position(service) == position


def test_timetable_expands_into_lessons_without_holidays(
    service: Service, school: School, client: TestClient
) -> None:
    # Given the test school, with 5А's Математика taught by "teacher"
    system = service.system_actor()
    # When the timetable is imported
    result = run_import(
        service, system, "timetable", csv_bytes(TIMETABLE), year=school.year_id
    )
    # Then the existing course gets its Mondays but not the holiday's, and 6Б
    # gets a new Биология course with the Wednesdays outside the holidays
    assert result.problems == []
    assert result.created == {"courses": 1, "lessons": 4}
    with reader(service.app) as views:
        for day in ("2026-10-19", "2026-11-09"):
            doc = views.doc(lesson_id_for(school.course_id, date.fromisoformat(day), 3))
            assert doc is not None
            assert (doc["starts_at"], doc["ends_at"]) == ("10:30", "11:15")
        assert (
            views.doc(
                lesson_id_for(school.course_id, date.fromisoformat("2026-11-02"), 3)
            )
            is None
        )
        biology = [
            c
            for c in views.children("course", [school.other_class_id])
            if c["subject"] == "Биология"
        ]
        assert len(biology) == 1 and biology[0]["hours_per_week"] == 1
    # And the course journal shows the new lessons, not the holiday's
    headers = auth(client, "teacher", PASSWORD)
    r = client.get(f"/api/v1/courses/{school.course_id}/journal", headers=headers)
    assert r.status_code == 200, r.text
    days = {(x["date"], x["slot"]) for x in r.json()["lessons"]}
    assert {("2026-10-19", 3), ("2026-11-09", 3)} <= days
    assert ("2026-11-02", 3) not in days
    # And imported again, 0 new and 2 unchanged
    position = max_position(service)
    again = run_import(
        service, system, "timetable", csv_bytes(TIMETABLE), year=school.year_id
    )
    assert (again.new, again.unchanged) == (0, 2)
    assert max_position(service) == position


def test_timetable_problems_name_rows_and_write_nothing(
    service: Service, school: School
) -> None:
    # Given rows with an unknown teacher, weekday, slot, class, group, a
    # subject taught by someone else, a clash, a date outside the year
    text = (
        "Класс;Группа;Предмет;Учитель;День недели;Урок;С;По\n"
        "5А;;Химия;nobody;Пн;1;;\n"
        "5А;;Химия;teacher;Вс;1;;\n"
        "5А;;Химия;teacher;Пн;9;;\n"
        "9Я;;Химия;teacher;Пн;1;;\n"
        "5А;группа 3;Химия;teacher;Пн;1;;\n"
        "5А;;Математика;other.teacher;Вт;1;;\n"
        "5А;;Физика;teacher;Ср;1;;\n"
        "5А;;Химия;teacher;Ср;1;;\n"
        "5А;;Химия;teacher;Чт;1;01.06.2027;\n"
    )
    position = max_position(service)
    # When it is imported
    result = run_import(
        service, service.system_actor(), "timetable", csv_bytes(text), year="2026/27"
    )
    # Then each problem names its row and column, and nothing is written
    assert {(p["row"], p["column"]) for p in result.problems} == {
        (2, "Учитель"),
        (3, "День недели"),
        (4, "Урок"),
        (5, "Класс"),
        (6, "Группа"),
        (7, "Учитель"),
        (9, "Урок"),
        (10, "С"),
        (10, "По"),
    }
    assert max_position(service) == position


def test_a_reimport_after_a_move_and_a_cancellation_fills_only_empty_places(
    service: Service, school: School
) -> None:
    # Given the timetable imported, its 19.10 lesson moved to Tuesday 20.10 and
    # its 09.11 lesson cancelled
    system = service.system_actor()
    run_import(service, system, "timetable", csv_bytes(TIMETABLE), year=school.year_id)
    first = lesson_id_for(school.course_id, date(2026, 10, 19), 3)
    last = lesson_id_for(school.course_id, date(2026, 11, 9), 3)
    service.execute(system, "move-lesson", {
        "lesson_id": first, "date": "2026-10-20", "slot": 3,
        "starts_at": "10:30", "ends_at": "11:15"})
    service.execute(system, "cancel-lesson", {"lesson_id": last, "reason": "карантин"})
    # When the same timetable is imported again
    again = run_import(
        service, system, "timetable", csv_bytes(TIMETABLE), year=school.year_id
    )
    # Then the two emptied places get new lessons, with new ids, and the moved
    # lesson stays the only one on its day
    assert again.created["lessons"] == 2
    with reader(service.app) as views:
        places = [
            (x["date"], x["slot"], x["id"])
            for x in views.children("lesson", [school.course_id], "2026-10-19",
                                    "2026-11-09/99")
            if x["slot"] == 3
        ]
    assert [(d, s) for d, s, _ in places] == [
        ("2026-10-19", 3), ("2026-10-20", 3), ("2026-11-09", 3)]
    assert {i for _, _, i in places} & {first, last} == {first}
