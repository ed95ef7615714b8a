"""The generated school through the service: the views its start-up catch-up
builds equal a rebuild from scratch, and every course journal, class journal,
diary and summary sheet answers, with the period marks the pupils' marks give."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from ejournal import queries
from ejournal.generate import GENERATED_PASSWORD, Generated
from ejournal.projections import reports
from ejournal.projections.reader import reader
from ejournal.service import Service
from tests.builders import actor_for, max_position
from tests.generate.conftest import generate_into
from tests.projections.support import rebuild, stream_ids, table_diff
from tests.projections.support import tables as view_tables


def answers(service: Service, out: Generated) -> dict[str, Any]:
    """Every journal, diary and summary sheet of the school, for the whole year."""
    admin = service.system_actor()
    with reader(service.app) as views:
        years = views.all_of_kind("year")
    assert len(years) == 1
    year = years[0]
    lo, hi = date.fromisoformat(year["starts_on"]), date.fromisoformat(year["ends_on"])
    result: dict[str, Any] = {"course": {}, "class": {}, "diary": {}, "summary": {}}
    for course_id in out.courses:
        result["course"][course_id] = queries.course_journal(
            service, admin, course_id, None, None
        )
    for class_id in stream_ids(service, "class"):
        result["class"][class_id] = queries.class_journal(
            service, admin, class_id, None, None)
        with reader(service.app) as views:
            result["summary"][class_id] = reports.summary_sheet(
                views, class_id, year["id"]
            )
    for student_id in stream_ids(service, "student"):
        result["diary"][student_id] = queries.diary(
            service, admin, student_id, lo, hi, None)
    return result


def half_up(value: float) -> str:
    return str(int(Decimal(str(value)).to_integral_value(ROUND_HALF_UP)))


def test_views_equal_a_rebuild_and_answer(database_url: str) -> None:
    out = generate_into(database_url)
    service = Service(database_url)
    service.start()  # catches up with the generated log, then runs
    try:
        assert service.runner.position == max_position(service) == out.events
        kept = view_tables(service)
        answered = answers(service, out)
        # The course's teacher reads its journal too (permissions hold).
        course_id = out.courses[-1]
        teacher = answered["course"][course_id]["teacher_id"]
        mine = queries.course_journal(
            service, actor_for(service, teacher), course_id, None, None
        )
        assert mine == answered["course"][course_id]
    finally:
        service.close()
    service = Service(database_url)
    try:
        rebuild(service)
        assert service.runner.position == out.events
        rebuilt = view_tables(service)
        assert rebuilt == kept, table_diff(kept, rebuilt)
        assert answers(service, out) == answered
        # The generated accounts log in with the documented password.
        assert service.login("director", GENERATED_PASSWORD, None)["token"]
        assert service.login("t001", GENERATED_PASSWORD, None)["token"]
    finally:
        service.close()
    check_journals(answered, out)


def check_journals(answered: dict[str, Any], out: Generated) -> None:
    seen = matched = corrected = 0
    for journal in answered["course"].values():
        assert journal["students"] and journal["lessons"]
        assert all(x["topic"] and x["homework"] for x in journal["lessons"])
        for student in journal["students"]:
            sid = student["student_id"]
            periods = journal["period_marks"][sid]
            assert len(periods) == 4, periods
            assert "annual" in journal["final_marks"][sid]
            for period_id, value in periods.items():
                if not value.isdigit():
                    assert value in ("ungraded", "not_attested"), value
                    continue
                seen += 1
                weighted = journal["averages"][sid][period_id]["weighted"]
                if half_up(weighted) == value:
                    matched += 1
                else:  # corrected by the teacher: one step away
                    corrected += 1
                    assert abs(float(value) - weighted) < 1.5, (value, weighted)
    assert seen > 100
    assert matched >= 0.95 * seen, (matched, seen)
    assert corrected <= out.corrections
    for sheet in answered["summary"].values():
        # Every pupil has a period and an annual mark in each of its courses,
        # as the course journal shows them, and most have missed some lessons.
        assert sheet["students"] and sheet["courses"]
        for sid, row in sheet["marks"].items():
            assert row, sid
            for course_id, cells in row.items():
                course = answered["course"][course_id]
                assert all(cells[p] for p in course["period_marks"][sid])
                assert cells["annual"] == course["final_marks"][sid]["annual"]
        missed = [a["lessons_missed"] for a in sheet["absences"].values()]
        assert sum(1 for m in missed if m) > len(missed) // 2
    diaries = answered["diary"].values()
    assert len(diaries) == out.pupils
    for diary in diaries:
        lessons = [x for day in diary["days"] for x in day["lessons"]]
        assert lessons and all(x["topic"] for x in lessons)
    marked = sum(
        len(x["marks"]) for d in diaries for day in d["days"] for x in day["lessons"]
    )
    assert 0 < marked <= out.marks
