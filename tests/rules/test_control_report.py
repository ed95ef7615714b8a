"""DOMAIN.md "Control report" (S4, the deputy director, at least every two weeks):
per course and period lessons held, shares of lessons with topic and homework, of
pupils without marks and with one, late entries, plan coverage; per class the
share of guardians who logged in during the last 14 days and the pupils whose
guardians did not. Reports are folded from the stream documents, so voids and
``as_of`` apply to them."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from ejournal import queries
from ejournal.domain.errors import Invalid
from ejournal.service import Service
from tests.builders import PASSWORD, School, void
from tests.conftest import auth
from tests.rules.support import run


def fill_the_week(service: Service, school: School) -> None:
    teacher = school.actor(service, "teacher")
    run(
        service,
        teacher,
        "add-plan-topics",
        {
            "course_id": school.course_id,
            "topics": [
                {"title": "Дроби", "hours": 1},
                {"title": "Сложение дробей", "hours": 2},
                {"title": "Вычитание дробей", "hours": 1},
                {"title": "Контрольная работа", "hours": 1},
                {"title": "Десятичные дроби", "hours": 3},
            ],
        },
    )
    for i, no in ((0, 1), (1, 2)):
        run(
            service,
            teacher,
            "set-lesson-topic",
            {"lesson_id": school.lesson_ids[i], "topic": "Дроби", "plan_topic_no": no},
        )
    run(
        service,
        teacher,
        "assign-homework",
        {"lesson_id": school.lesson_ids[0], "text": "№ 12"},
    )
    for i, pupil in ((0, 0), (1, 0), (1, 1)):
        run(
            service,
            teacher,
            "record-mark",
            {
                "lesson_id": school.lesson_ids[i],
                "student_id": school.students[pupil],
                "value": "4",
                "work_type": "written",  # due 7 days on: on time
            },
        )


def control(service: Service, school: School, as_of: Any = None) -> dict[str, Any]:
    [row] = queries.control(
        service,
        school.actor(service, "deputy"),
        school.year_id,
        school.period_ids[1],
        school.class_id,
        as_of,
    )
    return row


def test_control_report_counts_lessons_held_with_topic_and_homework(
    service: Service, school: School
) -> None:
    fill_the_week(service, school)

    row = control(service, school)

    # Five lessons Monday to Friday are held; Monday 30 November's is not yet.
    assert (row["lessons_scheduled"], row["lessons_held"]) == (6, 5)
    assert row["topics_filled_pct"] == 40.0
    assert row["homework_filled_pct"] == 20.0


def test_control_report_shares_of_pupils_without_marks_and_with_one(
    service: Service, school: School
) -> None:
    fill_the_week(service, school)

    row = control(service, school)

    assert row["students"] == 3
    assert row["students_without_marks_pct"] == 33.3
    assert row["students_with_one_mark_pct"] == 33.3


def test_control_report_counts_late_entries(service: Service, school: School) -> None:
    fill_the_week(service, school)  # two topics and a homework a week late

    assert control(service, school)["late_entries"] == 3


def test_control_report_plan_coverage(service: Service, school: School) -> None:
    fill_the_week(service, school)

    row = control(service, school)

    # 5 lessons held reach topics 1-4 of the plan (1 + 2 + 1 + 1 hours); two of
    # them have been taught.
    assert (row["plan_topics"], row["plan_topics_expected"]) == (5, 4)
    assert row["plan_topics_covered"] == 2
    assert row["plan_coverage_pct"] == 50.0


def test_plan_topic_number_must_be_in_the_plan(
    service: Service, school: School
) -> None:
    fill_the_week(service, school)
    with pytest.raises(Invalid):
        run(
            service,
            school.actor(service, "teacher"),
            "set-lesson-topic",
            {"lesson_id": school.lesson_ids[2], "topic": "x", "plan_topic_no": 6},
        )


def test_control_report_guardians_logins_in_last_14_days(
    service: Service, school: School, clock: Any
) -> None:
    service.login("guardian", PASSWORD, "10.0.0.7")

    row = control(service, school)

    assert (row["guardians_total"], row["guardians_logged_in"]) == (1, 1)
    assert row["guardians_logged_in_pct"] == 100.0
    # Pupils without a guardian who logged in: the two with no guardian at all.
    quiet = row["students_without_guardian_login"]
    assert [q["student_id"] for q in quiet] == school.students[1:]
    assert [q["guardians"] for q in quiet] == [0, 0]

    clock.advance(days=15)
    row = control(service, school)
    assert row["guardians_logged_in_pct"] == 0.0
    assert school.students[0] in [
        q["student_id"] for q in row["students_without_guardian_login"]
    ]


def test_reports_follow_voids_and_as_of(
    service: Service, school: School, clock: Any
) -> None:
    teacher, deputy = school.actor(service, "teacher"), school.actor(service, "deputy")
    out = run(
        service,
        teacher,
        "set-lesson-topic",
        {"lesson_id": school.lesson_ids[2], "topic": "Дроби"},
    )
    recorded = clock()
    assert control(service, school)["late_entries"] == 1
    assert len(queries.compliance(service, deputy, None, None, None)) == 1

    clock.advance(hours=1)
    void(service, school.lesson_ids[2], [out["events"][0]["version"]])

    assert control(service, school)["late_entries"] == 0
    assert control(service, school)["topics_filled_pct"] == 0.0
    assert queries.compliance(service, deputy, None, None, None) == []
    # As it stood before the void:
    assert control(service, school, as_of=recorded)["late_entries"] == 1
    [row] = queries.compliance(service, deputy, None, None, recorded)
    assert row["type"] == "TopicSet"


def test_control_and_compliance_reports_are_for_deputy_director_admin(
    client: TestClient, school: School
) -> None:
    query = (
        f"/api/v1/reports/control?year_id={school.year_id}"
        f"&period_id={school.period_ids[1]}&class_id={school.class_id}"
    )
    for login, status in (
        ("deputy", 200),
        ("director", 200),
        ("admin", 200),
        ("teacher", 403),
        ("class.teacher", 403),
        ("auditor", 403),
        ("guardian", 403),
    ):
        headers = auth(client, login, PASSWORD)
        r = client.get(query, headers=headers)
        assert r.status_code == status, (login, r.text)
        c = client.get("/api/v1/reports/compliance", headers=headers)
        assert c.status_code == status, login
    deputy = auth(client, "deputy", PASSWORD)
    rows = client.get(query, headers=deputy).json()
    assert {
        "course_id",
        "lessons_held",
        "topics_filled_pct",
        "homework_filled_pct",
        "students_without_marks_pct",
        "students_with_one_mark_pct",
        "late_entries",
        "plan_coverage_pct",
    } <= set(rows[0])
    whole_year = client.get(
        f"/api/v1/reports/control?year_id={school.year_id}", headers=deputy
    ).json()
    assert {r["course_id"] for r in whole_year} == {
        school.course_id,
        school.other_course_id,
    }
    for bad in (
        "/api/v1/reports/control",
        f"/api/v1/reports/control?year_id={school.class_id}",
        "/api/v1/reports/control?year_id=nope",
        f"/api/v1/reports/control?year_id={school.year_id}&period_id={school.year_id}",
        f"/api/v1/reports/control?year_id={school.year_id}&class_id=x",
        "/api/v1/reports/compliance?from=yesterday",
        "/api/v1/reports/compliance?as_of=2026-11-23T10:00:00",
    ):
        r = client.get(bad, headers=deputy)
        assert r.status_code in (404, 422), (bad, r.status_code)
        assert r.headers["content-type"] == "application/problem+json"
