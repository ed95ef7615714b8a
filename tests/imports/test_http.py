"""POST /api/v1/imports/{kind}: the role policy, the answer, and bad uploads as
problem+json."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from ejournal.service import Service
from tests.builders import PASSWORD, School, max_position
from tests.conftest import auth
from tests.imports.helpers import csv_bytes, sample

PUPILS = csv_bytes("Класс;Фамилия;Имя\n5А;Лунин;Марк\n")
TIMETABLE = csv_bytes(
    "Класс;Предмет;Учитель;День недели;Урок;С;По\n"
    "5А;Математика;teacher;Пт;4;04.12.2026;11.12.2026\n"
)


def post(
    client: TestClient,
    login: str | dict[str, str],
    kind: str,
    data: bytes,
    name: str = "file.csv",
    **form: str,
) -> tuple[int, dict[str, object], str]:
    headers = auth(client, login, PASSWORD) if isinstance(login, str) else login
    r = client.post(
        f"/api/v1/imports/{kind}",
        headers=headers,
        files={"file": (name, data, "text/csv")},
        data=form,
    )
    return r.status_code, r.json(), r.headers["content-type"]


@pytest.mark.parametrize(
    ("login", "kind", "data", "status"),
    [
        ("admin", "pupils", PUPILS, 200),
        ("secretary", "pupils", PUPILS, 200),
        ("teacher", "pupils", PUPILS, 403),
        ("guardian", "pupils", PUPILS, 403),
        ("deputy", "pupils", PUPILS, 403),
        ("admin", "staff", sample("staff.csv"), 200),
        ("secretary", "staff", sample("staff.csv"), 403),
        ("deputy", "timetable", TIMETABLE, 200),
        ("admin", "timetable", TIMETABLE, 200),
        ("secretary", "timetable", TIMETABLE, 403),
        ("teacher", "timetable", TIMETABLE, 403),
    ],
)
def test_who_may_import_what(
    client: TestClient, school: School, login: str, kind: str, data: bytes, status: int
) -> None:
    # Given the test school and a valid file of each kind
    # When a person of some role uploads it
    code, body, media = post(client, login, kind, data, year_id=school.year_id)
    # Then the roles named for that import may, the others get 403 problem+json
    assert code == status, body
    if status == 403:
        assert media.startswith("application/problem+json")
    else:
        assert body["problems"] == [] and body["position"] is not None


def test_the_answer_counts_and_a_dry_run_writes_nothing(
    client: TestClient, school: School, service: Service
) -> None:
    # Given the test school
    deputy = auth(client, "deputy", PASSWORD)
    position = max_position(service)
    # When the timetable file is sent as a dry run
    code, body, _ = post(
        client, deputy, "timetable", TIMETABLE, dry_run="true", year_id="2026/2027"
    )
    # Then it answers what would be created, and writes nothing
    assert code == 200
    assert body["dry_run"] is True
    assert body["created"] == {"lessons": 2}
    assert body["rows"] == 1 and body["unchanged"] == 0
    assert max_position(service) == position


def test_invalid_rows_answer_422_with_every_problem(
    client: TestClient, school: School, service: Service
) -> None:
    # Given a file with two bad rows
    data = csv_bytes("Класс;Фамилия;Имя;Дата рождения\n5А;;Ян;\n7Я;Ли;Ан;32.01.2015\n")
    secretary = auth(client, "secretary", PASSWORD)
    position = max_position(service)
    # When it is imported for real
    code, body, media = post(client, secretary, "pupils", data, year_id=school.year_id)
    # Then 422 problem+json lists every problem with row and column
    assert code == 422 and media.startswith("application/problem+json")
    assert {(p["row"], p["column"]) for p in body["problems"]} == {  # type: ignore[union-attr]
        (2, "Фамилия"),
        (3, "Дата рождения"),
    }
    assert body["errors"][0]["field"] == "строка 2: Фамилия"  # type: ignore[index]
    assert max_position(service) == position
    # And as a dry run the same problems come with 200
    code, body, _ = post(
        client, "secretary", "pupils", data, dry_run="true", year_id=school.year_id
    )
    assert code == 200 and len(body["problems"]) == 2  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("data", "name", "detail"),
    [
        (b"", "empty.csv", "пуст"),
        (b"\x89PNG\r\n\x1a\n\0\0\0\0", "photo.png", "двоичный"),
        (csv_bytes("Имя;Возраст\nЯн;7\n"), "wrong.csv", "в заголовке нет столбцов"),
        (b"PK\x03\x04broken", "broken.xlsx", "XLSX"),
    ],
)
def test_bad_uploads_are_problem_json(
    client: TestClient, school: School, data: bytes, name: str, detail: str
) -> None:
    # Given a file that is not a table of the layout
    # When it is uploaded
    code, body, media = post(
        client, "admin", "pupils", data, name, year_id=school.year_id
    )
    # Then 422 problem+json says what is wrong with it
    assert code == 422 and media.startswith("application/problem+json")
    assert detail in str(body["detail"])


def test_an_unknown_kind_or_year_is_refused(client: TestClient, school: School) -> None:
    # Given the test school
    # When the kind or the year is unknown, then 422
    code, _, _ = post(client, "admin", "marks", PUPILS)
    assert code == 422
    code, body, _ = post(client, "admin", "pupils", PUPILS, year_id="1999/2000")
    assert code == 422 and "1999/2000" in str(body["detail"])


def test_no_file_is_422_and_no_token_is_401(client: TestClient, school: School) -> None:
    headers = auth(client, "admin", PASSWORD)
    r = client.post("/api/v1/imports/pupils", headers=headers, data={"dry_run": "1"})
    assert r.status_code == 422
    r = client.post("/api/v1/imports/pupils", files={"file": ("a.csv", PUPILS)})
    assert r.status_code == 401
