"""Every document, made from the demo school (the one `scripts/serve` loads) on
both backends by the person who would print it, through the API: it names what
it shows, its first page is not blank, and the log still holds the position and
hash it carries (``POST /documents/verify`` with the file itself)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from ejournal.api.app import create_app
from ejournal.demo import DEMO_PASSWORD, load_demo
from ejournal.service import Service
from tests.documents.support import first_page_png, pdf_text

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class Demo:
    client: TestClient
    ids: dict[str, str]

    def headers(self, login: str) -> dict[str, str]:
        r = self.client.post(
            "/api/v1/auth/login", json={"login": login, "password": DEMO_PASSWORD}
        )
        assert r.status_code == 200, r.text
        return {"Authorization": f"Bearer {r.json()['token']}"}

    def get(self, login: str, path: str, **params: Any) -> Any:
        headers = self.headers(login)
        r = self.client.get("/api/v1" + path, headers=headers, params=params)
        assert r.status_code == 200, (path, r.text[:300])
        return r


@pytest.fixture(scope="module")
def demo(module_database_url: str) -> Iterator[Demo]:
    service = Service(module_database_url)
    try:
        assert load_demo(service)
        app = create_app(lambda: service, start_runner=False)
        with TestClient(app, raise_server_exceptions=False) as client:
            d = Demo(client, {})
            pupil = d.get("parent.5a.01", "/me/students").json()["students"][0]
            courses = d.get("teacher.math", "/me/courses").json()["courses"]
            course = next(c for c in courses if c["class_name"] == "5А")
            sheet = d.get("teacher.math", f"/classes/{pupil['class_id']}/summary")
            d.ids.update(
                student=pupil["student_id"],
                pupil_name=pupil["full_name"],
                class_id=pupil["class_id"],
                course=course["course_id"],
                year=sheet.json()["year_id"],
            )
            yield d
    finally:
        service.close()


def verified(demo: Demo, data: bytes, name: str, kind: str) -> dict[str, Any]:
    r = demo.client.post(
        "/api/v1/documents/verify",
        headers=demo.headers("auditor"),
        files={"file": (name, data, kind)},
    )
    assert r.status_code == 200, r.text
    answer: dict[str, Any] = r.json()
    assert answer["holds"] is True, answer
    return answer


def pdfs(demo: Demo) -> list[tuple[str, str, str, list[str]]]:
    """(document, who prints it, path, what its text must name)."""
    i = demo.ids
    return [
        ("diary", "parent.5a.01", f"/students/{i['student']}/diary.pdf",
         ["Выписка из дневника", i["pupil_name"], "5А"]),
        ("journal", "teacher.math", f"/courses/{i['course']}/journal.pdf",
         ["Журнал курса", "Математика", i["pupil_name"]]),
        ("summary", "teacher.math", f"/classes/{i['class_id']}/summary.pdf",
         ["Сводная ведомость", i["pupil_name"]]),
        ("archive", "director", f"/classes/{i['class_id']}/archive.pdf",
         ["Содержание", "Математика", "Сводная ведомость"]),
    ]  # fmt: skip


def test_every_pdf_of_the_demo_school_names_its_content_and_verifies(
    demo: Demo, tmp_path: Path
) -> None:
    for name, login, path, words in pdfs(demo):
        # When the person who would print it gets the document
        r = demo.get(login, path)
        assert r.headers["content-type"] == "application/pdf"
        # Then it names what it shows and who printed it
        text = pdf_text(r.content)
        flat = " ".join(text.split())  # names wrap in narrow grid columns
        for word in words:
            assert word in flat, (name, word)
        assert f"({login})" in flat
        assert "{'text'" not in flat and "None" not in flat, name
        # And its first page has ink on it
        with Image.open(first_page_png(r.content, tmp_path / name)) as image:
            assert sum(image.convert("L").histogram()[:128]) > 500, name
        # And the log still holds the position and hash it carries
        answer = verified(demo, r.content, f"{name}.pdf", "application/pdf")
        assert f"позиция журнала {answer['position']}" in flat


def test_every_spreadsheet_of_the_demo_school_verifies(demo: Demo) -> None:
    import openpyxl

    i = demo.ids
    sheets = [
        ("summary", "teacher.math", f"/classes/{i['class_id']}/summary.xlsx", {}),
        ("journal", "teacher.math", f"/courses/{i['course']}/journal.xlsx", {}),
        ("control", "deputy", "/reports/control.xlsx", {"year_id": i["year"]}),
        ("compliance", "deputy", "/reports/compliance.xlsx", {}),
    ]
    for name, login, path, params in sheets:
        r = demo.get(login, path, **params)
        assert r.headers["content-type"] == XLSX, name
        book = openpyxl.load_workbook(io.BytesIO(r.content))
        assert book.worksheets[0].max_row >= 2, name
        verified(demo, r.content, f"{name}.xlsx", XLSX)
    summary = openpyxl.load_workbook(
        io.BytesIO(demo.get("teacher.math", sheets[0][2]).content)
    ).worksheets[0]
    names = [c.value for row in summary.iter_rows() for c in row]
    assert i["pupil_name"] in names


def test_the_event_list_of_the_demo_school_as_csv(demo: Demo) -> None:
    r = demo.get("auditor", "/audit/events.csv", type="MarkRecorded")
    assert r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    listed = demo.get("auditor", "/audit/events", type="MarkRecorded", limit=1000)
    page = listed.json()["events"]
    assert rows and {row["type"] for row in rows} == {"MarkRecorded"}
    assert [int(row["position"]) for row in rows[: len(page)]] == [
        e["position"] for e in page
    ]
