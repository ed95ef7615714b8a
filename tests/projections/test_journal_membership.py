"""The class journal shows a pupil's cell on exactly the lessons of the days the
pupil belongs to the class: joining on the period's first day, leaving on its last,
leaving and coming back within it."""

from __future__ import annotations

from typing import Any

from ejournal import queries
from ejournal.projections import journal
from ejournal.projections.reader import reader
from ejournal.service import Service
from tests.builders import School, run

FIRST, LAST = "2026-11-05", "2026-12-27"  # the second period
DAYS = [FIRST, "2026-11-18", "2026-11-30", "2026-12-01", "2026-12-26", LAST]


def test_cells_follow_membership_on_each_lesson_day(
    service: Service, school: School
) -> None:
    # Given lessons on the period's first and last days and between
    system = service.system_actor()
    run(
        service,
        system,
        "schedule-lessons",
        {
            "course_id": school.course_id,
            "lessons": [
                {"date": d, "slot": 6, "starts_at": "13:00", "ends_at": "13:45"}
                for d in DAYS
            ],
        },
    )
    p0, p1, p2 = school.students
    # and a pupil who leaves on the last day, one who leaves and comes back, and
    # one who joins on the first day
    run(
        service,
        system,
        "transfer-student",
        {
            "student_id": p1,
            "to_class_id": school.other_class_id,
            "on": LAST,
        },
    )
    run(
        service,
        system,
        "transfer-student",
        {
            "student_id": p2,
            "to_class_id": school.other_class_id,
            "on": "2026-11-18",
        },
    )
    run(
        service,
        system,
        "transfer-student",
        {
            "student_id": p2,
            "to_class_id": school.class_id,
            "on": "2026-12-01",
        },
    )
    newcomer = run(
        service,
        system,
        "enroll-student",
        {
            "class_id": school.class_id,
            "full_name": "Новикова Ольга",
            "on": FIRST,
        },
    )["student_id"]
    period = school.period_ids[1]
    # When the period's journal is read
    answer = queries.course_journal(service, system, school.course_id, period, None)
    # Then each lesson has a cell for exactly the pupils who belong that day
    with reader(service.app) as r:
        klass: Any = r.doc(school.class_id)
    spans = klass["roster"]
    cells = {x["date"]: set(x["cells"]) for x in answer["lessons"] if x["slot"] == 6}
    assert sorted(cells) == DAYS
    listed = {s["student_id"] for s in answer["students"]}
    assert {p0, p1, p2, newcomer} <= listed
    for day, shown in cells.items():
        assert shown == {s for s in listed if journal._member(spans[s], day)}, day
    assert p1 in cells["2026-12-26"] and p1 not in cells[LAST]
    assert p2 in cells[FIRST] and p2 not in cells["2026-11-30"]
    assert p2 in cells["2026-12-01"] and newcomer in cells[FIRST]
