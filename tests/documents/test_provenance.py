"""A printed document's provenance checked against the log: it holds while the
log is untouched (and as more is written), and no longer once the log is edited
behind the application's back at or before the document's position."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from ejournal.cli import cli
from ejournal.printouts import Provenance, check, documents, read_document, sheets
from ejournal.printouts.provenance import stamped
from ejournal.service import Service
from tests.audit.support import (
    History,
    flip_byte,
    make_history,
    position_of,
    rewrite_chain,
    status,
)
from tests.builders import PASSWORD, FakeClock, School, run
from tests.conftest import auth

WEEK = (date(2026, 11, 16), date(2026, 11, 22))


@pytest.fixture
def history(service: Service, school: School, clock: FakeClock) -> History:
    return make_history(service, school, clock)


def _diary(service: Service, school: School) -> bytes:
    admin = school.actor(service, "admin")
    return documents.diary_pdf(service, admin, school.students[0], *WEEK, None)


def test_a_document_holds_while_the_log_grows(
    service: Service, school: School, history: History
) -> None:
    # Given a printed diary extract
    found = read_document(_diary(service, school))
    # When more is written after it
    teacher = school.actor(service, "teacher")
    run(service, teacher, "record-mark", {
        "lesson_id": school.lesson_ids[2], "student_id": school.students[0],
        "value": "5", "work_type": "oral",
    })  # fmt: skip
    # Then the log still holds its position with its hash
    answer = check(service, found.position, found.hash)
    assert answer["holds"] is True
    assert status(service).position > found.position


def test_a_changed_event_breaks_the_document_even_with_the_chain_rewritten(
    service: Service, school: School, history: History
) -> None:
    found = read_document(_diary(service, school))
    # When a mark is edited straight in the database, and the ledger table
    # recomputed to agree with the edit
    flip_byte(service, position_of(service, "MarkRecorded"))
    rewrite_chain(service)
    # Then the document no longer verifies
    answer = check(service, found.position, found.hash)
    assert answer["holds"] is False
    assert answer["problem"]


def test_every_kind_of_document_breaks_when_the_log_is_edited_behind_the_app(
    service: Service, school: School, history: History
) -> None:
    # Given a PDF and a workbook of each kind, all holding
    admin = school.actor(service, "admin")
    made = {
        "diary.pdf": _diary(service, school),
        "journal.pdf": documents.journal_pdf(
            service, admin, school.course_id, None, None
        ),
        "archive.pdf": documents.archive_pdf(
            service, admin, school.class_id, None, None
        ),
        "summary.xlsx": sheets.summary_xlsx(
            service, admin, school.class_id, None, None
        ),
        "journal.xlsx": sheets.journal_xlsx(
            service, admin, school.course_id, None, None
        ),
    }
    claims = {name: read_document(data) for name, data in made.items()}
    for name, found in claims.items():
        assert check(service, found.position, found.hash)["holds"] is True, name
    # When the first mark is edited straight in the database, the chain rewritten
    flip_byte(service, position_of(service, "MarkRecorded"))
    rewrite_chain(service)
    # Then none of them verifies any more
    for name, found in claims.items():
        assert check(service, found.position, found.hash)["holds"] is False, name


def test_a_document_as_of_a_moment_is_stamped_with_that_moments_position(
    service: Service, school: School, history: History
) -> None:
    admin = school.actor(service, "admin")
    data = documents.diary_pdf(
        service, admin, school.students[0], *WEEK, history.before_void
    )
    found = read_document(data)
    assert found.as_of is not None
    assert found.position < status(service).position
    assert check(service, found.position, found.hash)["holds"] is True
    # A later position with the earlier hash does not hold
    assert check(service, found.position + 1, found.hash)["holds"] is False


def test_the_api_verifies_an_upload_or_the_footer_fields(
    client: TestClient, service: Service, school: School, history: History
) -> None:
    headers = auth(client, "auditor", PASSWORD)
    data = _diary(service, school)
    found = read_document(data)
    up = client.post(
        "/api/v1/documents/verify",
        headers=headers,
        files={"file": ("diary.pdf", data, "application/pdf")},
    )
    assert up.status_code == 200, up.text
    assert up.json()["holds"] is True and up.json()["position"] == found.position
    fields = client.post(
        "/api/v1/documents/verify",
        headers=headers,
        json={"position": found.position, "hash": found.hash},
    )
    assert fields.json()["holds"] is True
    assert fields.json()["checked_at"] is None  # no full check has run yet
    flip_byte(service, position_of(service, "MarkRecorded"))
    # Answered from the chain without reading the log: the edit shows once the
    # next full check has run.
    unseen = client.post(
        "/api/v1/documents/verify",
        headers=headers,
        data={"position": str(found.position), "hash": found.hash},
    )
    assert unseen.status_code == 200 and unseen.json()["holds"] is True
    check = client.post("/api/v1/audit/ledger/verify", headers=headers)
    assert check.status_code == 202 and check.json()["started"] is True
    service.ledger_checker.wait()
    again = client.post(
        "/api/v1/documents/verify",
        headers=headers,
        data={"position": str(found.position), "hash": found.hash},
    )
    assert again.status_code == 200 and again.json()["holds"] is False
    assert "last full check" in again.json()["problem"]
    assert again.json()["checked_at"]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"json": {"position": 1, "hash": "xyz"}},
        {"json": {"position": "one", "hash": "0" * 64}},
        {"json": [1, 2]},
        {"content": b"not json", "headers": {"content-type": "application/json"}},
        {"files": {"file": ("x.pdf", b"not a pdf", "application/pdf")}},
        {"json": {"position": -3, "hash": "0" * 64}},
    ],
)
def test_the_api_refuses_what_is_not_a_claim(
    client: TestClient, school: School, kwargs: dict[str, object]
) -> None:
    headers = {**auth(client, "auditor", PASSWORD), **kwargs.pop("headers", {})}  # type: ignore[dict-item]
    r = client.post("/api/v1/documents/verify", headers=headers, **kwargs)  # type: ignore[arg-type]
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"


def test_ledger_verify_document_on_the_command_line(
    service: Service, school: School, history: History, database_url: str,
    tmp_path: Path,
) -> None:  # fmt: skip
    pdf = tmp_path / "diary.pdf"
    pdf.write_bytes(_diary(service, school))
    found = read_document(pdf.read_bytes())
    args = ["ledger", "verify", "--document", str(pdf), "--database-url", database_url]
    ok = CliRunner().invoke(cli, args)
    assert ok.exit_code == 0, ok.output
    assert f"still holds position {found.position}" in ok.output
    flip_byte(service, position_of(service, "AttendanceRecorded"))
    bad = CliRunner().invoke(cli, args)
    assert bad.exit_code == 1
    assert "no longer holds" in bad.output
    junk = tmp_path / "junk.pdf"
    junk.write_bytes(b"%PDF-1.7 nothing")
    assert CliRunner().invoke(cli, [*args[:3], str(junk), *args[4:]]).exit_code == 1


def _write_a_mark(service: Service, school: School) -> None:
    teacher = school.actor(service, "teacher")
    run(service, teacher, "record-mark", {
        "lesson_id": school.lesson_ids[2], "student_id": school.students[1],
        "value": "4", "work_type": "oral",
    })  # fmt: skip


def test_a_read_during_which_the_log_moved_is_done_again(
    service: Service, school: School, history: History
) -> None:
    # Given a document's read during which, the first time only, a mark is written
    admin = school.actor(service, "admin")
    calls: list[int] = []

    def read() -> int:
        calls.append(status(service).position)
        if len(calls) == 1:
            _write_a_mark(service, school)
        return len(calls)

    # When it is stamped
    data, provenance = stamped(service, admin, None, "test", read)
    # Then the read was done again, and the stamp is the position of the second
    # read, exactly
    assert data == 2
    assert provenance.position == status(service).position == calls[1]
    assert provenance.read_from is None
    assert check(service, provenance.position, provenance.hash)["holds"] is True


def test_a_log_that_moves_on_every_try_is_stamped_with_both_ends(
    service: Service, school: School, history: History
) -> None:
    # Given a read during which a mark is written every time
    admin = school.actor(service, "admin")
    start = status(service).position

    def read() -> None:
        _write_a_mark(service, school)

    # When it is stamped
    _, provenance = stamped(service, admin, None, "test", read)
    # Then after three tries the stamp names the range the data lies in, the
    # later end being the head that covers every event the data can reflect
    assert provenance.position == status(service).position
    assert provenance.read_from is not None
    assert start < provenance.read_from < provenance.position
    assert Provenance.from_json(provenance.to_json()) == provenance
    assert check(service, provenance.position, provenance.hash)["holds"] is True
