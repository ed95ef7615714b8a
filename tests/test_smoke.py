from __future__ import annotations

from fastapi.testclient import TestClient

from tests.builders import PASSWORD, School
from tests.conftest import auth


def test_teacher_records_a_mark_and_sees_it_in_journal_and_diary(
    client: TestClient, school: School
) -> None:
    headers = auth(client, "teacher", PASSWORD)
    lesson, pupil = school.lesson_ids[0], school.students[0]
    r = client.post(
        "/api/v1/commands/record-mark",
        headers=headers,
        json={
            "lesson_id": lesson,
            "student_id": pupil,
            "value": "5",
            "work_type": "oral",
        },
    )
    assert r.status_code == 200, r.text
    mark_id = r.json()["mark_id"]
    journal = client.get(f"/api/v1/courses/{school.course_id}/journal", headers=headers)
    assert journal.status_code == 200
    cell = next(x for x in journal.json()["lessons"] if x["lesson_id"] == lesson)[
        "cells"
    ][pupil]
    assert [m["mark_id"] for m in cell["marks"]] == [mark_id]
    diary = client.get(
        f"/api/v1/students/{pupil}/diary?from=2026-11-16&to=2026-11-22", headers=headers
    )
    assert diary.status_code == 200
    marks = [
        m["value"]
        for d in diary.json()["days"]
        for x in d["lessons"]
        for m in x["marks"]
    ]
    assert marks == ["5"]
