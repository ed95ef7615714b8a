"""DOMAIN.md "Minimum marks" (S4): per pupil, course and period at least 3 marks
for 1 hour a week and 5 for 2 or more; for 1-2 hours a week at least 1 by the end
of the period's 3rd week and 2 by the end of the 4th. Shortfalls appear in the
control report."""

from __future__ import annotations

from datetime import date
from typing import Any

from ejournal import queries
from ejournal.projections.reports import minimum_marks_shortfalls
from ejournal.service import Service
from tests.builders import School
from tests.rules.support import PERIOD_II, RULES, run

# Period II runs 5 November .. 27 December: week 3 ends 25 November, week 4 on
# 2 December.
SPANS: dict[str, list[list[str | None]]] = {
    "a": [["2026-09-01", None]],
    "b": [["2026-09-01", None]],
}
AFTER_PERIOD = date(2026, 12, 28)


def course(hours: float) -> dict[str, Any]:
    return {"id": "c1", "hours_per_week": hours}


def shortfalls(
    hours: float, today: date, marks: dict[str, list[str]]
) -> list[tuple[str, str, int, int]]:
    found = minimum_marks_shortfalls(
        RULES, course(hours), PERIOD_II, today, SPANS, marks, set()
    )
    return [(f["student_id"], f["rule"], f["required"], f["marks"]) for f in found]


def days(n: int, first: str = "2026-11-10") -> list[str]:
    return [first] * n


def test_one_hour_course_needs_three_marks_a_period() -> None:
    found = shortfalls(1, AFTER_PERIOD, {"a": days(3), "b": days(2)})

    assert ("b", "period", 3, 2) in found
    assert not [f for f in found if f[0] == "a"]


def test_two_hour_course_needs_five_marks_a_period() -> None:
    found = shortfalls(2, AFTER_PERIOD, {"a": days(5), "b": days(4)})

    assert [f for f in found if f[1] == "period"] == [("b", "period", 5, 4)]


def test_more_hours_need_five_marks_and_have_no_early_checkpoints() -> None:
    found = shortfalls(5, AFTER_PERIOD, {"a": days(5), "b": []})

    assert found == [("b", "period", 5, 0)]


def test_one_mark_by_week_three_and_two_by_week_four() -> None:
    # On 26 November week 3 is over, week 4 is not.
    assert shortfalls(1, date(2026, 11, 26), {"a": days(1), "b": []}) == [
        ("b", "week_3", 1, 0)
    ]
    # A mark after the checkpoint does not count for it.
    late_mark = {"a": days(1), "b": days(1, "2026-11-26")}
    assert shortfalls(2, date(2026, 11, 26), late_mark) == [("b", "week_3", 1, 0)]
    # On 3 December week 4 is over too: two marks are needed by 2 December.
    assert shortfalls(2, date(2026, 12, 3), {"a": days(2), "b": days(1)}) == [
        ("b", "week_4", 2, 1)
    ]
    # Nothing is due before the first checkpoint.
    assert shortfalls(1, date(2026, 11, 25), {"a": [], "b": []}) == []


def test_exempt_pupils_need_no_marks() -> None:
    found = minimum_marks_shortfalls(
        RULES, course(1), PERIOD_II, AFTER_PERIOD, SPANS, {"a": days(3)}, {"b"}
    )

    assert found == []


def test_minimum_marks_shortfalls_appear_in_the_control_report(
    service: Service, school: School, clock: Any
) -> None:
    teacher = school.actor(service, "other_teacher")
    # История in 6Б, 2 hours a week: on 26 November week 3 is over.
    clock.advance(days=3)
    rows = queries.control(
        service,
        school.actor(service, "deputy"),
        school.year_id,
        school.period_ids[1],
        school.other_class_id,
        None,
    )
    [row] = rows
    assert [(s["student_id"], s["rule"]) for s in row["min_marks_shortfalls"]] == [
        (school.other_student, "week_3")
    ]
    run(
        service,
        teacher,
        "record-mark",
        {
            "lesson_id": school.other_lesson_id,
            "student_id": school.other_student,
            "value": "4",
            "work_type": "oral",
        },
    )
    [row] = queries.control(
        service,
        school.actor(service, "deputy"),
        school.year_id,
        school.period_ids[1],
        school.other_class_id,
        None,
    )
    assert row["min_marks_shortfalls"] == []
