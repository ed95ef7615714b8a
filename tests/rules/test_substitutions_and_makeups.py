"""DOMAIN.md "Substitutions and makeups" (S1.2.8, S1.2.2)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient

from ejournal import queries
from ejournal.domain.errors import Conflict, Forbidden
from ejournal.domain.lesson import MakeupRecorded
from ejournal.service import Service
from tests.builders import PASSWORD, School, max_position
from tests.conftest import auth
from tests.rules.support import (
    PUPIL,
    RULES,
    a_lesson,
    everyone,
    local,
    meta,
    new_events,
    run,
)


def test_substitute_writes_the_lesson_and_journal_and_diary_show_who_taught(
    service: Service, school: School
) -> None:
    substituted = school.lesson_ids[4]  # the builder recorded a substitute here
    run(
        service,
        school.actor(service, "substitute"),
        "set-lesson-topic",
        {"lesson_id": substituted, "topic": "Повторение"},
    )
    with pytest.raises(Forbidden):  # not the substitute of Monday's lesson
        run(
            service,
            school.actor(service, "substitute"),
            "set-lesson-topic",
            {"lesson_id": school.lesson_ids[0], "topic": "x"},
        )

    journal = queries.course_journal(
        service, service.system_actor(), school.course_id, None, None
    )
    entry = next(x for x in journal["lessons"] if x["lesson_id"] == substituted)
    assert (entry["teacher_id"], entry["substitute_id"], entry["topic"]) == (
        school.accounts["teacher"],
        school.accounts["substitute"],
        "Повторение",
    )
    diary = queries.diary(service, service.system_actor(),
        school.students[0],
        date(2026, 11, 16),
        date(2026, 11, 22),
        None,
    )
    [friday] = [d for d in diary["days"] if d["date"] == "2026-11-20"]
    assert friday["lessons"][0]["substitute_id"] == school.accounts["substitute"]


def test_control_report_counts_substituted_lessons(
    service: Service, school: School
) -> None:
    run(
        service,
        school.actor(service, "deputy"),
        "record-substitution",
        {
            "lesson_id": school.lesson_ids[1],
            "substitute_teacher_id": school.accounts["other_teacher"],
        },
    )
    rows = queries.control(
        service,
        school.actor(service, "deputy"),
        school.year_id,
        school.period_ids[1],
        school.class_id,
        None,
    )
    [row] = rows
    assert row["substitutions"] == 2


def test_makeup_mark_goes_into_the_missed_lesson_and_the_absence_stays() -> None:
    lesson = a_lesson()
    lesson.record_attendance(
        meta(local(2026, 11, 16, 10)),
        RULES,
        [{"student_id": PUPIL, "code": "ill"}],
        everyone,
    )
    lesson.collect_events()
    made_up = local(2026, 12, 3, 15)

    lesson.record_makeup(
        meta(made_up),
        RULES,
        mark_id="m9",
        student_id=PUPIL,
        value="4",
        work_type="written",
        protocol="4",
        due=RULES.end_of_day(date(2026, 12, 27)),
        is_pupil=everyone,
    )

    [event] = new_events(lesson)
    assert isinstance(event, MakeupRecorded)
    assert (event.mark_id, event.value, event.protocol, event.late) == (
        "m9",
        "4",
        "4",
        False,
    )
    assert event.made_up_on == "2026-12-03"
    assert lesson.attendance[PUPIL] == "ill"
    assert lesson.marks["m9"]["protocol"] == "4"


def test_makeup_needs_a_missed_lesson() -> None:
    lesson = a_lesson()

    with pytest.raises(Conflict, match="did not miss"):
        lesson.record_makeup(
            meta(local(2026, 11, 20, 15)),
            RULES,
            mark_id="m9",
            student_id=PUPIL,
            value="4",
            work_type="oral",
            protocol="1",
            due=RULES.end_of_day(date(2026, 12, 27)),
            is_pupil=everyone,
        )
    assert new_events(lesson) == []


def test_makeup_through_http_shows_mark_protocol_absence_and_note(
    client: TestClient, school: School, service: Service
) -> None:
    teacher = auth(client, "teacher", PASSWORD)
    lesson, pupil = school.lesson_ids[0], school.students[1]
    r = client.post(
        "/api/v1/commands/record-attendance",
        headers=teacher,
        json={"lesson_id": lesson, "entries": [{"student_id": pupil, "code": "ill"}]},
    )
    assert r.status_code == 200, r.text
    before = max_position(service)
    refused = client.post(
        "/api/v1/commands/record-makeup",
        headers=teacher,
        json={
            "lesson_id": lesson,
            "student_id": school.students[0],  # was present
            "value": "5",
            "work_type": "oral",
            "protocol": "7",
        },
    )
    assert refused.status_code == 409
    assert max_position(service) == before
    r = client.post(
        "/api/v1/commands/record-makeup",
        headers=teacher,
        json={
            "lesson_id": lesson,
            "student_id": pupil,
            "value": "5",
            "work_type": "oral",
            "protocol": "7",
        },
    )
    assert r.status_code == 200, r.text
    mark_id = r.json()["mark_id"]

    journal = client.get(
        f"/api/v1/courses/{school.course_id}/journal", headers=teacher
    ).json()
    cell = journal["lessons"][0]["cells"][pupil]
    assert cell["attendance"] == "ill"
    assert [(m["mark_id"], m["value"], m["protocol"]) for m in cell["marks"]] == [
        (mark_id, "5", "7")
    ]
    [note] = cell["comments"]
    assert "made up" in note["text"] and "protocol 7" in note["text"]
    assert "2026-11-23" in note["text"]
    # The period has not ended: the makeup is on time.
    deputy = auth(client, "deputy", PASSWORD)
    late = client.get("/api/v1/reports/compliance", headers=deputy).json()
    assert [x["type"] for x in late] == ["AttendanceRecorded"]
    assert date.fromisoformat(late[0]["due_at"][:10]) < date(2026, 11, 23) + timedelta(
        days=1
    )
