"""The PDFs as their readers get them: the diary extract, the course journal, the
summary sheet and the year-end archive, with the same role policy as the JSON
reads, the void honoured, and the footer naming where in the log they came from."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from pypdf import PdfReader

from ejournal.printouts import documents, read_document
from ejournal.service import Service
from tests.audit.support import History, make_history, status
from tests.builders import PASSWORD, FakeClock, School, run
from tests.conftest import auth
from tests.documents.support import first_page_png, pdf_text

WEEK = (date(2026, 11, 16), date(2026, 11, 22))


@pytest.fixture
def history(service: Service, school: School, clock: FakeClock) -> History:
    return make_history(service, school, clock)


def test_the_diary_extract_shows_marks_names_dates_and_the_ledger_head(
    service: Service, school: School, history: History
) -> None:
    # Given a week with marks, an absence and homework due on Thursday, and the
    # guardian of the first pupil
    guardian = school.actor(service, "guardian")
    run(service, school.actor(service, "teacher"), "assign-homework", {
        "lesson_id": school.lesson_ids[1], "text": "§ 12, упр. 3",
        "due_on": "2026-11-19",
    })  # fmt: skip
    # When the guardian prints the week's diary extract
    data = documents.diary_pdf(service, guardian, school.students[0], *WEEK, None)
    # Then it names the pupil, the class, the dates and the mark
    text = pdf_text(data)
    assert data.startswith(b"%PDF-")
    assert "Выписка из дневника" in text
    assert "Алексеев Антон" in text and "5А" in text
    assert "16.11.2026" in text and "20.11.2026" in text
    assert "Математика" in text
    assert "Классный руководитель" in text
    assert "§ 12, упр. 3 (к 19.11)" in text
    # And its footer carries the ledger head it was made from and who printed it
    head = status(service)
    assert f"позиция журнала {head.position}" in text
    assert head.head_hash and head.head_hash in text.replace("\n", "")
    assert guardian.full_name in text
    found = read_document(data)
    assert (found.position, found.hash) == (head.position, head.head_hash)
    assert found.printed_by.startswith(guardian.full_name)


def test_a_voided_mark_is_absent_after_the_void_and_present_as_of_before(
    service: Service, school: School, history: History
) -> None:
    # Given the mark "2" written by a compromised account and voided
    admin = school.actor(service, "admin")
    pupil = school.students[1]
    # When the diary is printed now, and as of before the void
    now = pdf_text(documents.diary_pdf(service, admin, pupil, *WEEK, None))
    before = documents.diary_pdf(
        service, admin, pupil, *WEEK, history.before_void.replace(second=1)
    )
    # Then the voided mark is gone now ...
    row = next(line for line in now.splitlines() if line.startswith("20.11.2026"))
    assert "2" not in row.split("(замена)")[-1]
    # ... and before the void the mark had not been written yet either, while a
    # document as of after the mark and before the void shows it
    assert "as_of" not in pdf_text(before)
    mid = history.before_void.replace(minute=history.before_void.minute + 6)
    shown = pdf_text(documents.diary_pdf(service, admin, pupil, *WEEK, mid))
    row = next(line for line in shown.splitlines() if line.startswith("20.11.2026"))
    assert row.rstrip().endswith("2")
    assert "по состоянию на" in shown
    assert read_document(documents.diary_pdf(service, admin, pupil, *WEEK, mid)).as_of


def test_the_course_journal_has_the_grid_and_who_taught(
    service: Service, school: School, history: History
) -> None:
    teacher = school.actor(service, "teacher")
    text = pdf_text(
        documents.journal_pdf(service, teacher, school.course_id, None, None)
    )
    assert "Журнал курса" in text and "Математика" in text
    assert "Борисова Вера" in text and "Васильев Глеб" in text
    assert "(замена)" in text  # the substitute taught 20.11
    grid = next(line for line in text.splitlines() if line.startswith("Васильев"))
    assert grid.split()[2:] == ["3", "н"]


def test_the_summary_sheet_and_the_archive_with_its_contents(
    service: Service, school: School, history: History
) -> None:
    admin = school.actor(service, "admin")
    summary = pdf_text(
        documents.summary_pdf(service, admin, school.class_id, None, None)
    )
    assert "Сводная ведомость: класс 5А" in summary
    assert "Алексеев Антон" in summary
    data = documents.archive_pdf(service, admin, school.class_id, None, None)
    archive = pdf_text(data)
    assert "Содержание" in archive
    contents = archive.split("Журнал: Математика", 1)[1].splitlines()[0]
    assert contents.strip() == "2"  # the journal starts on page 2
    after = archive.split("Сводная ведомость", 1)[1].splitlines()[0]
    assert after.strip() == "3"  # and the summary on page 3
    assert "Всего страниц: 3." in archive
    assert archive.count("Сводная ведомость") >= 2
    # the parts are numbered on: page 1 (contents), 2 (journal), 3 (summary)
    pages = [p.extract_text() for p in PdfReader(io.BytesIO(data)).pages]
    assert [p.rstrip().rsplit("стр. ", 1)[1] for p in pages] == ["1", "2", "3"]
    # and the joined file keeps the PDF/A catalogue, bookmarks and provenance
    reader = PdfReader(io.BytesIO(data))
    assert "/OutputIntents" in reader.trailer["/Root"]
    assert "/Metadata" in reader.trailer["/Root"]
    assert [o["/Title"] for o in reader.outline if isinstance(o, dict)][:2] == [
        "Архив класса 5А за учебный год",
        "Журнал: Математика",
    ]
    assert read_document(data).document == f"archive {school.class_id}"


@pytest.mark.parametrize(
    ("login", "code"),
    [("guardian", 200), ("student", 200), ("teacher", 200), ("other.parent", 404)],
)
def test_the_diary_pdf_route_follows_the_diary_policy(
    client: TestClient, school: School, login: str, code: int
) -> None:
    headers = auth(client, login, PASSWORD)
    pupil = school.students[0]
    json = client.get(f"/api/v1/students/{pupil}/diary", headers=headers)
    pdf = client.get(f"/api/v1/students/{pupil}/diary.pdf", headers=headers)
    assert json.status_code == pdf.status_code == code
    if code == 200:
        assert pdf.headers["content-type"] == "application/pdf"
    else:
        assert pdf.headers["content-type"] == "application/problem+json"


def test_the_pdf_routes_refuse_bad_input_with_problems(
    client: TestClient, school: School
) -> None:
    headers = auth(client, "admin", PASSWORD)
    bad = [
        ("/api/v1/students/nope/diary.pdf", 404),
        (f"/api/v1/students/{school.students[0]}/diary.pdf?from=2026-13-01", 422),
        (f"/api/v1/courses/{school.course_id}/journal.pdf?as_of=2026-11-01T00:00", 422),
        (f"/api/v1/classes/{school.class_id}/summary.pdf?year_id=x", 404),
        ("/api/v1/classes/00000000-0000-0000-0000-000000000000/archive.pdf", 404),
    ]
    for url, code in bad:
        r = client.get(url, headers=headers)
        assert r.status_code == code, (url, r.text)
        assert r.headers["content-type"] == "application/problem+json"
    assert (
        client.get(f"/api/v1/classes/{school.class_id}/summary.pdf").status_code == 401
    )
    for url in (
        f"/api/v1/courses/{school.course_id}/journal.pdf",
        f"/api/v1/classes/{school.class_id}/summary.pdf",
        f"/api/v1/classes/{school.class_id}/archive.pdf",
    ):
        r = client.get(url, headers=headers)
        assert r.status_code == 200 and r.content.startswith(b"%PDF-"), url


def test_the_first_page_of_each_pdf_is_not_blank(
    service: Service, school: School, history: History, tmp_path: Path
) -> None:
    admin = school.actor(service, "admin")
    made = {
        "diary": documents.diary_pdf(service, admin, school.students[0], *WEEK, None),
        "journal": documents.journal_pdf(service, admin, school.course_id, None, None),
        "summary": documents.summary_pdf(service, admin, school.class_id, None, None),
        "archive": documents.archive_pdf(service, admin, school.class_id, None, None),
    }
    for name, data in made.items():
        png = first_page_png(data, tmp_path / name)
        with Image.open(png) as image:
            darkest, _ = image.convert("L").getextrema()
            inked = sum(image.convert("L").histogram()[:128])
        assert darkest < 64, name
        assert inked > 500, name
