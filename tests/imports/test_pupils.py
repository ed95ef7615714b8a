"""Pupils and guardians into the test school: what the journal and lists show,
and a file with bad rows, a dry run and a re-import, none of which writes."""

from __future__ import annotations

from fastapi.testclient import TestClient

from ejournal.imports import run_import
from ejournal.projections.reader import reader
from ejournal.service import Service
from tests.builders import PASSWORD, School, max_position
from tests.conftest import auth
from tests.imports.helpers import csv_bytes

HEADER = (
    "Класс;Фамилия;Имя;Отчество;Дата рождения;Дата зачисления;"
    "Родитель ФИО;Родитель логин;Согласие\n"
)
GOOD = HEADER + (
    "5А;Дмитриев;Егор;Олегович;03.04.2015;16.11.2026;;guardian;да\n"
    "6Б;Жукова;Зоя;;05.06.2014;;Жуков Иван Ильич;zhukov.ii;нет\n"
    "9В;Ильина;Кира;;07.08.2011;01.09.2026;;;\n"
)
BAD = HEADER + (
    "5А;Дмитриев;Егор;;31.02.2015;;;;\n"  # row 2: no such date
    "5А;;Егор;;;;;;\n"  # row 3: no surname
    "5А;Ким;Ли;;;01.08.2026;;teacher;может быть\n"  # row 4: three problems
    "5А;Ок;Ок;;;;;;\n"  # row 5: fine
    "Х;Нет;Параллели;;;;Новый Родитель;;\n"  # row 6: no grade, no login
)


def test_pupils_and_guardians_import_into_the_class_lists(
    service: Service, school: School, client: TestClient
) -> None:
    # Given the test school (5А, 6Б) and a file of three pupils, one of them in
    # a class the school lacks, one with an existing parent, one with a new one
    system = service.system_actor()
    # When it is imported
    result = run_import(service, system, "pupils", csv_bytes(GOOD), year="2026/2027")
    # Then every row is written, and the lists and journal show the pupils
    assert result.problems == []
    assert result.created == {
        "pupils": 3,
        "classes": 1,
        "guardians": 1,
        "guardian_links": 2,
        "consents": 2,
    }
    with reader(service.app) as views:
        names = [s["full_name"] for s in views.children("student", [school.class_id])]
        assert "Дмитриев Егор Олегович" in names
        new = next(
            s
            for s in views.children("student", [school.class_id])
            if s["full_name"] == "Дмитриев Егор Олегович"
        )
        assert new["guardians"] == [school.accounts["guardian"]]
        assert new["consents"] == {school.accounts["guardian"]: True}
        assert new["birth_date"] == "2015-04-03"
        classes = {c["name"] for c in views.children("class", [school.year_id])}
        assert "9В" in classes
    # And the course journal lists the pupil, whose diary the parent reads
    headers = auth(client, "teacher", PASSWORD)
    r = client.get(f"/api/v1/courses/{school.course_id}/journal", headers=headers)
    assert r.status_code == 200, r.text
    assert new["id"] in [s["student_id"] for s in r.json()["students"]]
    headers = auth(client, "guardian", PASSWORD)
    r = client.get(
        f"/api/v1/students/{new['id']}/diary?from=2026-11-16&to=2026-11-22",
        headers=headers,
    )
    assert r.status_code == 200, r.text
    subjects = {x["subject"] for d in r.json()["days"] for x in d["lessons"]}
    assert subjects == {"Математика"}


def test_a_file_with_bad_rows_lists_every_problem_and_writes_nothing(
    service: Service, school: School
) -> None:
    # Given a file where rows 2, 3, 4 and 6 are wrong and row 5 is right
    position = max_position(service)
    # When it is imported (for real, then as a dry run)
    for dry_run in (False, True):
        result = run_import(
            service,
            service.system_actor(),
            "pupils",
            csv_bytes(BAD),
            year=school.year_id,
            dry_run=dry_run,
        )
        # Then every problem is listed with its row and column, in Russian
        found = {(p["row"], p["column"]) for p in result.problems}
        assert found == {
            (2, "Дата рождения"),
            (3, "Фамилия"),
            (4, "Дата зачисления"),
            (4, "Родитель логин"),
            (4, "Согласие"),
            (6, "Класс"),
            (6, "Родитель логин"),
        }
        assert all(p["message"] for p in result.problems)
        # And nothing is written
        assert max_position(service) == position
        assert result.position is None


def test_dry_run_counts_what_would_be_written_and_writes_nothing(
    service: Service, school: School
) -> None:
    # Given a valid file
    position = max_position(service)
    # When it is checked with a dry run
    result = run_import(
        service,
        service.system_actor(),
        "pupils",
        csv_bytes(GOOD),
        year=school.year_id,
        dry_run=True,
    )
    # Then it reports what an import would create, and the log has not moved
    assert result.problems == [] and result.new == 9 and result.events > 0
    assert max_position(service) == position


def test_reimport_writes_nothing_and_counts_every_row_unchanged(
    service: Service, school: School
) -> None:
    # Given a file already imported
    system = service.system_actor()
    first = run_import(service, system, "pupils", csv_bytes(GOOD), year=school.year_id)
    assert first.position == max_position(service)
    # When it is imported again, as CSV in cp1251 this time
    again = run_import(
        service, system, "pupils", csv_bytes(GOOD, "cp1251"), year=school.year_id
    )
    # Then 0 new, 3 unchanged, and the log has not moved
    assert (again.new, again.unchanged, again.rows) == (0, 3, 3)
    assert again.position is None and max_position(service) == first.position


def test_a_second_row_of_a_pupil_adds_a_second_guardian_once(
    service: Service, school: School
) -> None:
    # Given two rows of the same pupil (class, name, birth date) with two parents
    text = HEADER + (
        "5А;Ким;Ли;;01.01.2015;;Ким Мама;kim.mama;да\n"
        "5А;Ким;Ли;;01.01.2015;;Ким Папа;kim.papa;да\n"
    )
    # When the file is imported
    result = run_import(
        service, service.system_actor(), "pupils", csv_bytes(text), year=school.year_id
    )
    # Then one pupil is enrolled with both guardians
    assert result.created["pupils"] == 1 and result.created["guardian_links"] == 2
