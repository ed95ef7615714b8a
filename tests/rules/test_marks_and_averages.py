"""DOMAIN.md "Marks and averages": weights by work type (a setting), plain and
weighted averages, the weight shown in the diary, special marks for period and
final marks only, deferral of a period mark, the summary sheet."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient

from ejournal import queries
from ejournal.domain.course import PeriodMarkDeferred
from ejournal.domain.errors import Conflict, Forbidden, Invalid
from ejournal.service import Service
from tests.builders import PASSWORD, School, max_position
from tests.conftest import auth
from tests.rules.support import (
    PERIOD_II,
    PUPIL,
    RULES,
    a_course,
    local,
    meta,
    new_events,
    run,
)


def mark(service: Service, school: School, day: int, value: str, work: str) -> str:
    out = run(
        service,
        school.actor(service, "teacher"),
        "record-mark",
        {
            "lesson_id": school.lesson_ids[day],
            "student_id": school.students[0],
            "value": value,
            "work_type": work,
        },
    )
    return str(out["mark_id"])


def test_journal_shows_plain_and_weighted_average(
    service: Service, school: School
) -> None:
    mark(service, school, 0, "5", "oral")  # weight 1
    mark(service, school, 1, "2", "control")  # weight 3

    journal = queries.course_journal(
        service, service.system_actor(), school.course_id, None, None
    )

    assert journal["averages"][school.students[0]] == {
        school.period_ids[1]: {"plain": 3.5, "weighted": 2.75}
    }


def test_weights_are_a_school_setting(service: Service, school: School) -> None:
    run(
        service,
        school.actor(service, "admin"),
        "update-school-settings",
        {"weights": {"control": 1}},
    )
    mark(service, school, 0, "5", "oral")
    mark(service, school, 1, "2", "control")

    journal = queries.course_journal(
        service, service.system_actor(), school.course_id, None, None
    )

    assert journal["averages"][school.students[0]][school.period_ids[1]] == {
        "plain": 3.5,
        "weighted": 3.5,
    }


def test_diary_shows_the_weight_of_each_mark(service: Service, school: School) -> None:
    mark(service, school, 0, "5", "oral")
    mark(service, school, 1, "4", "test")
    mark(service, school, 2, "3", "control")

    diary = queries.diary(service, service.system_actor(),
        school.students[0],
        date(2026, 11, 16),
        date(2026, 11, 22),
        None,
    )

    shown = [
        (m["value"], m["work_type"], m["weight"])
        for day in diary["days"]
        for lesson in day["lessons"]
        for m in lesson["marks"]
    ]
    assert shown == [("5", "oral", 1), ("4", "test", 2), ("3", "control", 3)]


def test_special_marks_are_for_period_and_final_marks_only(
    client: TestClient, school: School, service: Service
) -> None:
    teacher = auth(client, "teacher", PASSWORD)
    before = max_position(service)
    lesson_mark = client.post(
        "/api/v1/commands/record-mark",
        headers=teacher,
        json={
            "lesson_id": school.lesson_ids[0],
            "student_id": school.students[0],
            "value": "exempt",
            "work_type": "oral",
        },
    )
    assert lesson_mark.status_code == 422
    assert max_position(service) == before
    for value in ("exempt", "not_attested", "ungraded"):
        for pupil, body in ((0, {"period_id": school.period_ids[1], "value": value}),):
            r = client.post(
                "/api/v1/commands/set-period-mark",
                headers=teacher,
                json={
                    "course_id": school.course_id,
                    "student_id": school.students[pupil],
                    **body,
                },
            )
            assert r.status_code == 200, r.text
        r = client.post(
            "/api/v1/commands/set-final-mark",
            headers=teacher,
            json={
                "course_id": school.course_id,
                "student_id": school.students[1],
                "kind": "annual",
                "value": value,
            },
        )
        assert r.status_code == 200, r.text
    bad = client.post(
        "/api/v1/commands/set-period-mark",
        headers=teacher,
        json={
            "course_id": school.course_id,
            "student_id": school.students[0],
            "period_id": school.period_ids[1],
            "value": "6",
        },
    )
    assert bad.status_code == 422


def test_period_mark_can_be_deferred_for_an_ill_pupil() -> None:
    course = a_course()
    course.defer_period_mark(
        meta(local(2026, 12, 20, 12)),
        RULES,
        student_id=PUPIL,
        period=PERIOD_II,
        until=date(2027, 1, 25),
        reason="ill since 1 December",
        is_pupil=True,
    )
    [deferred] = new_events(course)
    assert isinstance(deferred, PeriodMarkDeferred)
    assert (deferred.until, deferred.reason, deferred.late) == (
        "2027-01-25",
        "ill since 1 December",
        False,
    )

    # The deferral moves the mark's window: set in January, it is on time and
    # may still change until the 25th.
    january = meta(local(2027, 1, 20, 12))
    course.set_period_mark(
        january, RULES, student_id=PUPIL, period=PERIOD_II, value="4", is_pupil=True
    )
    course.set_period_mark(
        january, RULES, student_id=PUPIL, period=PERIOD_II, value="5", is_pupil=True
    )
    first, second = new_events(course)
    assert (first.late, second.late) == (False, False)
    with pytest.raises(Conflict):  # the mark is set: nothing to defer
        course.defer_period_mark(
            january,
            RULES,
            student_id=PUPIL,
            period=PERIOD_II,
            until=date(2027, 2, 1),
            reason="x",
            is_pupil=True,
        )


def test_a_deferral_must_run_past_the_period(service: Service, school: School) -> None:
    with pytest.raises(Invalid):
        run(
            service,
            school.actor(service, "teacher"),
            "defer-period-mark",
            {
                "course_id": school.course_id,
                "student_id": school.students[0],
                "period_id": school.period_ids[1],
                "until": "2026-12-01",
                "reason": "ill",
            },
        )


def test_period_and_final_marks_are_set_by_the_course_teacher_only(
    service: Service, school: School
) -> None:
    body = {
        "course_id": school.course_id,
        "student_id": school.students[0],
        "period_id": school.period_ids[1],
        "value": "5",
    }
    for name in ("other_teacher", "class_teacher", "substitute"):
        with pytest.raises(Forbidden):
            run(service, school.actor(service, name), "set-period-mark", body)
    with pytest.raises(Invalid):  # a pupil of another class
        run(
            service,
            school.actor(service, "teacher"),
            "set-period-mark",
            {**body, "student_id": school.other_student},
        )


def test_summary_sheet_shows_period_annual_exam_and_final_marks(
    client: TestClient, school: School, service: Service
) -> None:
    teacher = auth(client, "teacher", PASSWORD)
    pupil, other = school.students[0], school.students[1]
    commands = [
        (
            "set-period-mark",
            {"student_id": pupil, "period_id": school.period_ids[0], "value": "4"},
        ),
        (
            "set-period-mark",
            {"student_id": pupil, "period_id": school.period_ids[1], "value": "5"},
        ),
        ("set-final-mark", {"student_id": pupil, "kind": "annual", "value": "5"}),
        ("set-final-mark", {"student_id": pupil, "kind": "exam", "value": "4"}),
        ("set-final-mark", {"student_id": pupil, "kind": "final", "value": "5"}),
        (
            "defer-period-mark",
            {
                "student_id": other,
                "period_id": school.period_ids[1],
                "until": "2027-01-20",
                "reason": "ill",
            },
        ),
    ]
    for name, body in commands:
        r = client.post(
            f"/api/v1/commands/{name}",
            headers=teacher,
            json={"course_id": school.course_id, **body},
        )
        assert r.status_code == 200, (name, r.text)
    run(
        service,
        school.actor(service, "teacher"),
        "record-attendance",
        {
            "lesson_id": school.lesson_ids[0],
            "entries": [
                {"student_id": pupil, "code": "ill"},
                {"student_id": other, "code": "absent"},
            ],
        },
    )
    run(
        service,
        school.actor(service, "teacher"),
        "record-attendance",
        {
            "lesson_id": school.lesson_ids[1],
            "entries": [{"student_id": pupil, "code": "late"}],
        },
    )

    headers = auth(client, "class.teacher", PASSWORD)
    r = client.get(
        f"/api/v1/classes/{school.class_id}/summary?year_id={school.year_id}",
        headers=headers,
    )
    assert r.status_code == 200, r.text
    sheet = r.json()
    assert sheet["class_id"] == school.class_id
    assert [s["student_id"] for s in sheet["students"]] == school.students
    assert sheet["courses"] == [
        {
            "course_id": school.course_id,
            "subject": "Математика",
            "group_id": None,
            "teacher_id": school.accounts["teacher"],
        }
    ]
    assert sheet["marks"][pupil][school.course_id] == {
        school.period_ids[0]: "4",
        school.period_ids[1]: "5",
        school.period_ids[2]: None,
        school.period_ids[3]: None,
        "annual": "5",
        "exam": "4",
        "final": "5",
    }
    assert (
        sheet["deferrals"][other][school.course_id][school.period_ids[1]]["until"]
        == "2027-01-20"
    )
    assert sheet["absences"][pupil] == {"lessons_missed": 1, "ill": 1}
    assert sheet["absences"][other] == {"lessons_missed": 1, "ill": 0}

    journal = client.get(
        f"/api/v1/courses/{school.course_id}/journal", headers=teacher
    ).json()
    assert journal["period_marks"][pupil] == {
        school.period_ids[0]: "4",
        school.period_ids[1]: "5",
    }
    assert journal["final_marks"][pupil] == {"annual": "5", "exam": "4", "final": "5"}
    assert journal["deferrals"][other][school.period_ids[1]]["reason"] == "ill"

    for login, status in (
        ("teacher", 403),
        ("guardian", 403),
        ("deputy", 200),
        ("director", 200),
        ("auditor", 200),
        ("admin", 200),
    ):
        got = client.get(
            f"/api/v1/classes/{school.class_id}/summary",
            headers=auth(client, login, PASSWORD),
        )
        assert got.status_code == status, login
    wrong_year = client.get(
        f"/api/v1/classes/{school.class_id}/summary?year_id={school.class_id}",
        headers=headers,
    )
    assert wrong_year.status_code == 404
