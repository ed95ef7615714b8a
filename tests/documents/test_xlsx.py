"""The spreadsheets as their readers get them: the summary sheet, the control and
compliance reports and a course journal as XLSX, and the event list as CSV. They
hold numbers and dates as such, keep their headers in view, carry where in the
log they came from, honour the void, and follow the JSON reads' role policy."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet
from typer.testing import CliRunner

from ejournal.cli import cli
from ejournal.domain.errors import Invalid
from ejournal.printouts import read_document, sheets
from ejournal.service import Service
from tests.audit.support import (
    History,
    flip_byte,
    make_history,
    position_of,
    status,
)
from tests.builders import PASSWORD, FakeClock, School, run
from tests.conftest import auth
from tests.web.conftest import Browser

DEFAULT_WIDTH = 8.43  # Excel's column width when none is set


@pytest.fixture
def history(service: Service, school: School, clock: FakeClock) -> History:
    return make_history(service, school, clock)


def book(data: bytes) -> Workbook:
    assert data.startswith(b"PK")
    return load_workbook(io.BytesIO(data))


def column_of(ws: Worksheet, header: Any, row: int = 1) -> int:
    for cell in ws[row]:
        if cell.value == header:
            return int(cell.column)
    raise AssertionError(f"no column {header!r}")


def row_of(ws: Worksheet, first: Any) -> int:
    for cell in ws["A"]:
        if cell.value == first:
            return int(cell.row)
    raise AssertionError(f"no row {first!r}")


def width(ws: Worksheet, letter: str) -> float:
    found = ws.column_dimensions[letter].width
    return float(found) if found else DEFAULT_WIDTH


def csv_rows(body: bytes) -> list[dict[str, str]]:
    assert body.startswith("\ufeff".encode())
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


def test_the_course_journal_has_number_marks_averages_dates_and_the_lessons(
    service: Service, school: School, history: History
) -> None:
    # Given the history's marks and a second mark for the first pupil
    teacher = school.actor(service, "teacher")
    run(service, teacher, "record-mark", {
        "lesson_id": school.lesson_ids[2], "student_id": school.students[0],
        "value": "5", "work_type": "oral",
    })  # fmt: skip
    # When the teacher downloads the course journal
    wb = book(sheets.journal_xlsx(service, teacher, school.course_id, None, None))
    # Then the grid has a row per pupil and a date cell per lesson
    grid = wb["Журнал"]
    assert grid["A1"].value == "Ученик"
    assert grid["B1"].is_date and grid["B1"].value == datetime(2026, 11, 16)
    anton, gleb = row_of(grid, "Алексеев Антон"), row_of(grid, "Васильев Глеб")
    # And a mark is a number cell, an absence stays text
    mark = grid.cell(anton, 2)
    assert mark.value == 4 and mark.data_type == "n"
    assert not isinstance(mark.value, str)
    assert grid.cell(gleb, 3).value == "н" and grid.cell(gleb, 3).data_type == "s"
    # And the average is a float number cell
    average = grid.cell(anton, column_of(grid, "Средний II"))
    assert isinstance(average.value, float) and average.value == 4.5
    assert average.number_format == "0.00"
    # And the header row and names column stay in view, the names fit
    assert grid.freeze_panes == "B2"
    assert width(grid, "A") > DEFAULT_WIDTH
    # And the lessons sheet has dates, topics' columns and who taught
    lessons = wb["Уроки"]
    assert [c.value for c in lessons[1]] == [
        "Дата", "Урок", "Начало", "Тема", "Домашнее задание", "Провёл(а)", "Замена",
    ]  # fmt: skip
    assert lessons["A2"].is_date and lessons["A2"].number_format == "dd.mm.yyyy"
    assert lessons["B2"].value == 2 and lessons["B2"].data_type == "n"
    substituted = row_of(lessons, datetime(2026, 11, 20))
    assert lessons.cell(substituted, 7).value == "замена"
    assert lessons.freeze_panes == "B2"


def test_the_summary_sheet_has_period_marks_as_numbers_and_special_ones_as_text(
    service: Service, school: School, history: History
) -> None:
    # Given a period mark 5 for one pupil and "exempt" for another
    teacher = school.actor(service, "teacher")
    for pupil, value in ((school.students[0], "5"), (school.students[1], "exempt")):
        run(service, teacher, "set-period-mark", {
            "course_id": school.course_id, "student_id": pupil,
            "period_id": school.period_ids[1], "value": value,
        })  # fmt: skip
    # When the class teacher downloads the summary sheet
    class_teacher = school.actor(service, "class_teacher")
    data = sheets.summary_xlsx(service, class_teacher, school.class_id, None, None)
    ws = book(data)["Ведомость"]
    # Then the course heads its periods, and the marks sit under "II"
    assert ws["B1"].value == "Математика"
    second = column_of(ws, "II", row=2)
    anton, vera = row_of(ws, "Алексеев Антон"), row_of(ws, "Борисова Вера")
    assert ws.cell(anton, second).value == 5
    assert ws.cell(anton, second).data_type == "n"
    assert ws.cell(vera, second).value == "осв"
    # And the lessons missed are numbers, the headers frozen, the names fit
    gleb = row_of(ws, "Васильев Глеб")
    assert ws.cell(gleb, column_of(ws, "всего", row=2)).value == 1
    assert ws.freeze_panes == "B3"
    assert width(ws, "A") > DEFAULT_WIDTH


def test_the_reports_have_numbers_and_moments(
    service: Service, school: School, history: History
) -> None:
    # Given the late marks of the history, and the deputy
    deputy = school.actor(service, "deputy")
    # When the deputy downloads the control report
    control = book(
        sheets.control_xlsx(service, deputy, school.year_id, None, None, None)
    )
    ws = control["Контроль"]
    # Then a course's row has its counts and shares as numbers
    row = next(
        r for r in range(2, ws.max_row + 1) if ws.cell(r, 2).value == "Математика"
    )
    assert ws.cell(row, 1).value == "5А"
    held = ws.cell(row, column_of(ws, "Уроков проведено"))
    assert held.value == 5 and held.data_type == "n"
    assert ws.cell(row, column_of(ws, "Поздних записей")).value == 4
    assert ws.cell(row, column_of(ws, "С одной отметкой, %")).value == 100
    assert ws.freeze_panes == "D2"
    # And the compliance report's due and recorded times are date cells
    late = book(sheets.compliance_xlsx(service, deputy, None, None, None))
    ws = late["Поздние записи"]
    assert ws["A1"].value == "Запись" and ws["A2"].value == "отметка"
    due, recorded = ws.cell(2, column_of(ws, "Срок")), ws.cell(2, 8)
    assert due.is_date and recorded.is_date and recorded.value > due.value
    assert due.number_format == "dd.mm.yyyy hh:mm"
    assert isinstance(ws.cell(2, column_of(ws, "Опоздание, ч")).value, float)
    assert ws.cell(2, column_of(ws, "Ученик")).value == "Алексеев Антон"
    assert ws.freeze_panes == "A2"


def test_each_workbook_carries_the_ledger_head_it_was_made_from(
    service: Service, school: School, history: History
) -> None:
    # Given the log's head after the history
    head = status(service)
    admin = school.actor(service, "admin")
    made = {
        "summary": sheets.summary_xlsx(service, admin, school.class_id, None, None),
        "control": sheets.control_xlsx(
            service, admin, school.year_id, None, None, None
        ),
        "compliance": sheets.compliance_xlsx(service, admin, None, None, None),
        "journal": sheets.journal_xlsx(service, admin, school.course_id, None, None),
    }
    for name, data in made.items():
        # When the workbook's provenance is read back (as verify does)
        found = read_document(data)
        # Then it names the head, who printed it, and what it is
        assert (found.position, found.hash) == (head.position, head.head_hash), name
        assert found.printed_by.startswith(admin.full_name), name
        assert found.document.startswith(name), name
        # And its properties and its "Источник" sheet say so to a reader
        wb = book(data)
        assert wb.properties.creator == found.printed_by
        assert wb.properties.description == found.to_json()
        source = wb["Источник"]["A1"].value
        assert f"позиция журнала {head.position} · хеш {head.head_hash}" in source
        assert "текущее состояние" in source and admin.full_name in source


def test_a_voided_mark_is_absent_now_and_present_as_of_before_the_void(
    service: Service, school: School, history: History
) -> None:
    # Given the mark "2" of 20.11 written by a compromised account, then voided
    admin = school.actor(service, "admin")
    mid = history.before_void.replace(minute=history.before_void.minute + 6)

    def cell_20_11(as_of: datetime | None) -> Any:
        data = sheets.journal_xlsx(service, admin, school.course_id, None, as_of)
        ws = book(data)["Журнал"]
        col = column_of(ws, datetime(2026, 11, 20))
        return ws.cell(row_of(ws, "Борисова Вера"), col).value, read_document(data)

    # When the journal is downloaded now, and as of after the mark and before
    # the void
    now, made_now = cell_20_11(None)
    then, made_then = cell_20_11(mid)
    # Then the voided mark is gone now, and there as the number 2 before
    assert now is None
    assert then == 2
    # And the document as of then says so, with the chain's link of then
    assert made_now.as_of is None and made_then.as_of
    assert made_then.position < made_now.position


def test_the_event_csv_pages_through_the_filtered_events(
    service: Service, school: School, history: History, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given pages of two events, and the auditor
    monkeypatch.setattr(sheets, "CSV_PAGE", 2)
    auditor = school.actor(service, "auditor")
    # When the marks are listed as CSV, with and without the voided ones
    kept = csv_rows(b"".join(sheets.events_csv(
        service, auditor, as_of=None, type_="MarkRecorded"
    )))  # fmt: skip
    every = csv_rows(b"".join(sheets.events_csv(
        service, auditor, as_of=None, type_="MarkRecorded", include_voided=True
    )))  # fmt: skip
    # Then every page came, in log order, only marks, the voided one on request
    assert [r["type"] for r in every] == ["MarkRecorded"] * 4
    positions = [int(r["position"]) for r in every]
    assert positions == sorted(positions)
    assert len(kept) == 3 and all(r["voided"] == "" for r in kept)
    (voided,) = [r for r in every if r["voided"]]
    assert voided["voided"] == history.incident_id
    assert voided["actor"] == school.accounts["substitute"]
    assert '"value":"2"' in voided["data"]
    assert list(every[0]) == list(sheets.CSV_COLUMNS)
    # And the cap holds
    monkeypatch.setattr(sheets, "CSV_MAX_ROWS", 3)
    capped = csv_rows(b"".join(sheets.events_csv(
        service, auditor, as_of=None, type_="MarkRecorded", include_voided=True
    )))  # fmt: skip
    assert len(capped) == 3


# -- over HTTP ------------------------------------------------------------------------
def test_the_routes_follow_their_json_twins_policy(
    client: TestClient, school: School
) -> None:
    # Given each spreadsheet route and its JSON twin
    pairs = {
        f"/classes/{school.class_id}/summary": ".xlsx",
        f"/courses/{school.course_id}/journal": ".xlsx",
        f"/reports/control?year_id={school.year_id}": ".xlsx",
        "/reports/compliance": ".xlsx",
        "/audit/events?type=MarkRecorded": ".csv",
    }
    seen: set[int] = set()
    for login in ("admin", "deputy", "auditor", "teacher", "other.teacher",
                  "class.teacher", "guardian"):  # fmt: skip
        headers = auth(client, login, PASSWORD)
        for json_url, suffix in pairs.items():
            path, _, query = json_url.partition("?")
            file_url = f"/api/v1{path}{suffix}" + (f"?{query}" if query else "")
            # When the person asks for both
            json = client.get(f"/api/v1{json_url}", headers=headers)
            got = client.get(file_url, headers=headers)
            # Then the file answers as the JSON does
            assert (login, file_url, got.status_code) == (
                login, file_url, json.status_code,
            )  # fmt: skip
            seen.add(got.status_code)
            if got.status_code == 200:
                kind = sheets.XLSX if suffix == ".xlsx" else sheets.CSV
                assert got.headers["content-type"] == kind
                assert got.headers["content-disposition"].startswith("attachment;")
            else:
                assert got.headers["content-type"] == "application/problem+json"
    assert {200, 403} <= seen


def test_the_csv_route_lists_what_the_json_route_does(
    client: TestClient, service: Service, school: School, clock: FakeClock
) -> None:
    # Given the history, and the auditor
    make_history(service, school, clock)
    headers = auth(client, "auditor", PASSWORD)
    for query in ("type=MarkRecorded", "type=MarkRecorded&include_voided=true", ""):
        # When the events are asked for as JSON and as CSV
        json = client.get(f"/api/v1/audit/events?limit=1000&{query}", headers=headers)
        got = client.get(f"/api/v1/audit/events.csv?{query}", headers=headers)
        # Then the CSV has the same events
        assert got.status_code == json.status_code == 200, got.text
        rows = csv_rows(got.content)
        assert [int(r["position"]) for r in rows] == [
            e["position"] for e in json.json()["events"]
        ]
        if query.startswith("type"):
            assert {r["type"] for r in rows} == {"MarkRecorded"}
    mark_rows = csv_rows(
        client.get(
            "/api/v1/audit/events.csv?type=MarkRecorded", headers=headers
        ).content
    )
    assert len(mark_rows) == 3


def test_the_routes_refuse_bad_input_with_problems(
    client: TestClient, school: School
) -> None:
    # Given the administrator
    headers = auth(client, "admin", PASSWORD)
    bad = [
        ("/reports/control.xlsx", 422),
        ("/reports/control.xlsx?year_id=x", 404),
        (f"/reports/control.xlsx?year_id={school.year_id}&class_id=nope", 404),
        ("/reports/compliance.xlsx?from=2026-13-01", 422),
        ("/reports/compliance.xlsx?from=2026-11-20&to=2026-11-01", 422),
        ("/reports/compliance.xlsx?from=0001-01-01&to=0001-01-02", 422),
        ("/reports/compliance.xlsx?from=9999-12-30&to=9999-12-31", 422),
        (f"/classes/{school.class_id}/summary.xlsx?as_of=2026-11-01T00:00", 422),
        ("/classes/00000000-0000-0000-0000-000000000000/summary.xlsx", 404),
        ("/courses/nope/journal.xlsx", 404),
        (f"/courses/{school.course_id}/journal.xlsx?period_id=x", 404),
        ("/audit/events.csv?account_id=nope", 422),
        ("/audit/events.csv?since=2026-11-01T00:00", 422),
        ("/audit/events.csv?type=Mark%00Recorded", 422),
        ("/audit/events.csv?include_voided=maybe", 422),
    ]
    for url, code in bad:
        # When a route is asked with a bad value
        r = client.get("/api/v1" + url, headers=headers)
        # Then it answers with the problem, as its JSON twin would
        assert r.status_code == code, (url, r.text)
        assert r.headers["content-type"] == "application/problem+json"
        twin = url.replace(".xlsx", "").replace(".csv", "")
        assert client.get("/api/v1" + twin, headers=headers).status_code == code
    # And without a token it is 401
    assert (
        client.get(f"/api/v1/classes/{school.class_id}/summary.xlsx").status_code == 401
    )


def test_a_downloaded_workbook_verifies_against_the_log(
    client: TestClient, school: School
) -> None:
    # Given a summary sheet downloaded by the administrator
    headers = auth(client, "admin", PASSWORD)
    data = client.get(
        f"/api/v1/classes/{school.class_id}/summary.xlsx", headers=headers
    ).content
    # When it is uploaded to the check
    r = client.post(
        "/api/v1/documents/verify",
        files={"file": ("summary.xlsx", data, sheets.XLSX)},
        headers=headers,
    )
    # Then the log holds its position and hash
    assert r.status_code == 200, r.text
    assert r.json()["holds"] is True
    assert r.json()["position"] == read_document(data).position
    # And a zip that is no workbook is refused as a problem
    r = client.post(
        "/api/v1/documents/verify",
        files={"file": ("x.xlsx", b"PK\x03\x04 not a zip", sheets.XLSX)},
        headers=headers,
    )
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"


def test_the_pages_serve_the_spreadsheets_to_a_signed_in_visitor(
    client: TestClient, service: Service, school: School, clock: FakeClock
) -> None:
    # Given the history, the deputy and the auditor signed in with a cookie
    make_history(service, school, clock)
    deputy, auditor = Browser(client), Browser(TestClient(client.app))
    assert deputy.sign_in("deputy").status_code == 303
    assert auditor.sign_in("auditor").status_code == 303
    name = school.actor(service, "deputy").full_name
    # When they follow the pages' download links
    summary_page = deputy.get(f"/classes/{school.class_id}/summary")
    assert f"/classes/{school.class_id}/summary.xlsx" in summary_page.text
    control_page = deputy.get("/reports/control")
    assert "/reports/control.xlsx?year_id=" in control_page.text
    events_page = auditor.get("/audit?type=MarkRecorded&voided=1")
    assert "/audit/events.csv?" in events_page.text
    for url in (
        f"/classes/{school.class_id}/summary.xlsx",
        f"/courses/{school.course_id}/journal.xlsx",
        "/reports/control.xlsx",
        "/reports/compliance.xlsx",
    ):
        r = deputy.get(url)
        # Then each is the workbook
        assert r.status_code == 200, (url, r.text)
        assert r.headers["content-type"] == sheets.XLSX
        assert read_document(r.content).printed_by.startswith(name)
    # And the event list comes with the page's filters
    r = auditor.get("/audit/events.csv?type=MarkRecorded&voided=1")
    assert r.status_code == 200 and r.headers["content-type"] == sheets.CSV
    assert len(csv_rows(r.content)) == 4
    # And a bad filter, or a person the browser is not for, gets an error page
    assert auditor.get("/audit/events.csv?since=soon").status_code == 422
    assert auditor.get("/audit/events.csv?type=Nothing").status_code == 422
    late = "/audit/events.csv?since=2026-11-23T10:00&until=2026-11-22T10:00"
    assert auditor.get(late).status_code == 422
    assert deputy.get("/audit/events.csv").status_code == 403
    assert deputy.get("/reports/compliance.xlsx?from=2026-13-01").status_code == 422


def test_ledger_verify_document_takes_a_workbook(
    service: Service,
    school: School,
    history: History,
    database_url: str,
    tmp_path: Path,
) -> None:
    # Given a course journal saved as a file
    admin = school.actor(service, "admin")
    path = tmp_path / "journal.xlsx"
    path.write_bytes(sheets.journal_xlsx(service, admin, school.course_id, None, None))
    found = read_document(path.read_bytes())
    args = ["ledger", "verify", "--document", str(path), "--database-url", database_url]
    # When the command line checks it
    ok = CliRunner().invoke(cli, args)
    # Then the log holds it, until an event before it is edited behind its back
    assert ok.exit_code == 0, ok.output
    assert f"still holds position {found.position}" in ok.output
    flip_byte(service, position_of(service, "AttendanceRecorded"))
    bad = CliRunner().invoke(cli, args)
    assert bad.exit_code == 1
    assert "no longer holds" in bad.output


def test_a_workbook_stripped_of_its_properties_is_read_from_its_source_sheet(
    service: Service, school: School, history: History
) -> None:
    # Given a summary sheet whose document properties were removed
    admin = school.actor(service, "admin")
    data = sheets.summary_xlsx(service, admin, school.class_id, None, None)
    stripped = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as src,
        zipfile.ZipFile(stripped, "w") as out,
    ):
        for item in src.infolist():
            if not item.filename.startswith("docProps/"):
                out.writestr(item, src.read(item.filename))
    # When its provenance is read
    found = read_document(stripped.getvalue())
    # Then the "Источник" line still gives the position and hash
    head = status(service)
    assert (found.position, found.hash) == (head.position, head.head_hash)
    # And a workbook with neither is refused
    with pytest.raises(Invalid):
        read_document(_without(stripped.getvalue(), "xl/sharedStrings.xml"))


def _without(data: bytes, name: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            if item.filename != name:
                dst.writestr(item, src.read(item.filename))
    return out.getvalue()
