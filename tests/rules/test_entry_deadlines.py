"""DOMAIN.md "Entry deadlines": each entry gets its due time when recorded; a late
entry is accepted, flagged and reported, never refused."""

from __future__ import annotations

from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from ejournal import queries
from ejournal.domain.errors import Conflict, Invalid
from ejournal.domain.lesson import AttendanceRecorded, MarkRecorded, TopicSet
from ejournal.domain.settings import change_settings, rules_from
from ejournal.service import Service
from tests.builders import PASSWORD, School, max_position
from tests.conftest import auth
from tests.rules.support import (
    MONDAY,
    PERIOD_II,
    PUPIL,
    RULES,
    a_course,
    a_lesson,
    everyone,
    local,
    meta,
    new_events,
    run,
)

# -- pure decisions ------------------------------------------------------------------


def test_attendance_and_topic_are_due_by_the_end_of_the_lesson_day() -> None:
    lesson = a_lesson()
    lesson.set_topic(meta(local(2026, 11, 16, 23, 59)), RULES, "Дроби", None)
    lesson.record_attendance(
        meta(local(2026, 11, 17, 0, 1)),
        RULES,
        [{"student_id": PUPIL, "code": "absent"}],
        everyone,
    )

    topic, attendance = new_events(lesson)
    assert isinstance(topic, TopicSet) and not topic.late
    assert isinstance(attendance, AttendanceRecorded) and attendance.late
    end_of_monday = RULES.end_of_day(MONDAY).isoformat()
    assert topic.due_at == attendance.due_at == end_of_monday


@pytest.mark.parametrize(
    "work_type", ["oral", "classwork", "homework", "lab", "practical"]
)
def test_mark_of_lesson_day_work_types_is_due_by_the_end_of_the_lesson_day(
    work_type: str,
) -> None:
    assert_mark_due(work_type, MONDAY)


@pytest.mark.parametrize("work_type", ["test", "control"])
def test_test_and_control_marks_are_due_by_the_end_of_the_third_day(
    work_type: str,
) -> None:
    assert_mark_due(work_type, MONDAY + timedelta(days=3))


def test_written_marks_are_due_by_the_end_of_the_seventh_day() -> None:
    assert_mark_due("written", MONDAY + timedelta(days=7))


def assert_mark_due(work_type: str, last_day: date) -> None:
    on_time, late = a_lesson(), a_lesson()
    last = local(last_day.year, last_day.month, last_day.day, 23, 59)
    for lesson, now in ((on_time, last), (late, last + timedelta(minutes=1))):
        lesson.record_mark(
            meta(now),
            RULES,
            mark_id="m1",
            student_id=PUPIL,
            value="4",
            work_type=work_type,
            comment=None,
            is_pupil=everyone,
        )
    [kept], [flagged] = new_events(on_time), new_events(late)
    assert isinstance(kept, MarkRecorded) and isinstance(flagged, MarkRecorded)
    assert (kept.late, flagged.late) == (False, True)
    assert kept.due_at == RULES.end_of_day(last_day).isoformat()


def test_homework_is_due_90_minutes_after_the_class_last_lesson() -> None:
    due = RULES.homework_due(MONDAY, time(14, 10))

    assert due == local(2026, 11, 16, 15, 40)


def test_homework_same_day_is_a_school_setting() -> None:
    rules = rules_from({"homework_rule": "end_of_day"})

    assert rules.homework_due(MONDAY, time(14, 10)) == RULES.end_of_day(MONDAY)


def test_period_mark_is_due_by_the_period_last_day() -> None:
    on_time, late = a_course(), a_course()
    on_time.set_period_mark(
        meta(local(2026, 12, 27, 23, 0)),
        RULES,
        student_id=PUPIL,
        period=PERIOD_II,
        value="5",
        is_pupil=True,
    )
    # A first entry after the period's last day is accepted and flagged late.
    late.set_period_mark(
        meta(local(2026, 12, 28, 9, 0)),
        RULES,
        student_id=PUPIL,
        period=PERIOD_II,
        value="5",
        is_pupil=True,
    )
    [kept], [flagged] = new_events(on_time), new_events(late)
    assert (kept.late, flagged.late) == (False, True)
    assert kept.due_at == RULES.end_of_day(date(2026, 12, 27)).isoformat()


def test_marks_and_attendance_only_on_a_held_lesson() -> None:
    tomorrow = a_lesson(date(2026, 11, 24))
    now = meta(local(2026, 11, 23, 10))
    with pytest.raises(Conflict):
        tomorrow.record_mark(
            now,
            RULES,
            mark_id="m1",
            student_id=PUPIL,
            value="5",
            work_type="oral",
            comment=None,
            is_pupil=everyone,
        )
    with pytest.raises(Conflict):
        tomorrow.record_attendance(
            now, RULES, [{"student_id": PUPIL, "code": "ill"}], everyone
        )
    assert new_events(tomorrow) == []


def test_deadlines_and_weights_are_school_settings() -> None:
    settings = change_settings(
        meta(local(2026, 9, 1), "admin"),
        None,
        {
            "time_zone": "Asia/Vladivostok",
            "mark_due_days": {"test": 5},
            "weights": {"control": 4},
            "homework_delay_minutes": 30,
        },
    )
    rules = settings.rules

    assert rules.time_zone == "Asia/Vladivostok"
    due = rules.mark_due(MONDAY, "test").astimezone(ZoneInfo("Asia/Vladivostok"))
    assert (due.date(), due.hour, due.minute) == (date(2026, 11, 21), 23, 59)
    assert rules.weight("control") == 4
    assert rules.weight("oral") == 1  # the defaults stay for the rest
    assert rules.homework_delay_minutes == 30


def test_settings_refuse_unknown_values() -> None:
    with pytest.raises(Invalid):
        change_settings(meta(local(2026, 9, 1)), None, {"time_zone": "Mars/Olympus"})
    with pytest.raises(Invalid):  # a folder of the tz database, not a zone
        change_settings(meta(local(2026, 9, 1)), None, {"time_zone": "Europe"})
    with pytest.raises(Invalid):
        change_settings(meta(local(2026, 9, 1)), None, {"weights": {"oral": 0}})
    with pytest.raises(Invalid):
        change_settings(meta(local(2026, 9, 1)), None, {"weights": {"nap": 1}})


# -- service and HTTP, on both backends ---------------------------------------------


def test_late_entry_is_accepted_flagged_and_listed_in_the_compliance_report(
    service: Service, school: School
) -> None:
    teacher = school.actor(service, "teacher")
    deputy = school.actor(service, "deputy")
    lesson = school.lesson_ids[0]  # Monday 16 November; now is Monday 23rd
    out = run(
        service,
        teacher,
        "record-mark",
        {
            "lesson_id": lesson,
            "student_id": school.students[0],
            "value": "4",
            "work_type": "oral",
        },
    )
    on_time = run(
        service,
        teacher,
        "record-mark",
        {
            "lesson_id": lesson,
            "student_id": school.students[1],
            "value": "5",
            "work_type": "written",  # due by the 23rd: on time
        },
    )

    report = queries.compliance(service, deputy, None, None, None)
    assert [(r["stream_id"], r["version"], r["type"]) for r in report] == [
        (lesson, out["events"][0]["version"], "MarkRecorded")
    ]
    [row] = report
    assert row["lesson_id"] == lesson
    assert row["actor_id"] == school.accounts["teacher"]
    assert row["due_at"] == RULES.end_of_day(MONDAY).isoformat()
    assert row["recorded_at"].startswith("2026-11-23T07:00:00")
    assert on_time["events"][0]["version"] not in [r["version"] for r in report]


def test_compliance_report_over_http(client: TestClient, school: School) -> None:
    teacher = auth(client, "teacher", PASSWORD)
    r = client.post(
        "/api/v1/commands/set-lesson-topic",
        headers=teacher,
        json={"lesson_id": school.lesson_ids[1], "topic": "Дроби"},
    )
    assert r.status_code == 200, r.text

    deputy = auth(client, "deputy", PASSWORD)
    report = client.get(
        "/api/v1/reports/compliance?from=2026-11-23&to=2026-11-23", headers=deputy
    )
    assert report.status_code == 200, report.text
    [row] = report.json()
    assert set(row) >= {
        "stream_id",
        "version",
        "type",
        "actor_id",
        "lesson_id",
        "due_at",
        "recorded_at",
    }
    assert (row["lesson_id"], row["type"]) == (school.lesson_ids[1], "TopicSet")
    earlier = client.get(
        "/api/v1/reports/compliance?from=2026-11-01&to=2026-11-22", headers=deputy
    )
    assert earlier.json() == []
    bad = client.get(
        "/api/v1/reports/compliance?from=2026-11-23&to=2026-11-01", headers=deputy
    )
    assert bad.status_code == 422
    assert bad.headers["content-type"] == "application/problem+json"
    forbidden = client.get("/api/v1/reports/compliance", headers=teacher)
    assert forbidden.status_code == 403


def test_an_admin_changes_the_settings_and_new_entries_follow_them(
    client: TestClient, school: School, service: Service
) -> None:
    admin, deputy = auth(client, "admin", PASSWORD), auth(client, "deputy", PASSWORD)
    before = max_position(service)
    refused = client.post(
        "/api/v1/commands/update-school-settings",
        headers=deputy,
        json={"mark_due_days": {"oral": 7}},
    )
    assert refused.status_code == 403
    invalid = client.post(
        "/api/v1/commands/update-school-settings",
        headers=admin,
        json={"time_zone": "Nowhere/Land"},
    )
    assert invalid.status_code == 422
    assert max_position(service) == before

    r = client.post(
        "/api/v1/commands/update-school-settings",
        headers=admin,
        json={"mark_due_days": {"oral": 7}, "weights": {"oral": 2}},
    )
    assert r.status_code == 200, r.text
    assert r.json()["settings"]["mark_due_days"]["oral"] == 7
    settings = client.get("/api/v1/school/settings", headers=admin).json()
    assert settings["weights"]["oral"] == 2 and settings["weights"]["control"] == 3

    # An oral mark for Monday's lesson is now due by the next Monday: on time.
    teacher = auth(client, "teacher", PASSWORD)
    mark = client.post(
        "/api/v1/commands/record-mark",
        headers=teacher,
        json={
            "lesson_id": school.lesson_ids[0],
            "student_id": school.students[0],
            "value": "5",
            "work_type": "oral",
        },
    )
    assert mark.status_code == 200, mark.text
    journal = client.get(
        f"/api/v1/courses/{school.course_id}/journal", headers=teacher
    ).json()
    [cell_mark] = journal["lessons"][0]["cells"][school.students[0]]["marks"]
    assert (cell_mark["late"], cell_mark["weight"]) == (False, 2)
