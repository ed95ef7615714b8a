"""The documented sample files import into an empty school, in the documented
order (staff, pupils, timetable), and importing them again writes nothing."""

from __future__ import annotations

from ejournal.imports import run_import
from ejournal.projections.reader import reader
from ejournal.service import Service
from tests.builders import max_position
from tests.imports.helpers import open_year, sample


def test_samples_import_into_an_empty_school_and_again_write_nothing(
    service: Service,
) -> None:
    # Given an empty school with its 2026/2027 year
    year_id = open_year(service)
    system = service.system_actor()
    # When the staff, the pupils and the timetable are imported
    staff = run_import(service, system, "staff", sample("staff.csv"))
    pupils = run_import(
        service, system, "pupils", sample("pupils.csv"), year="2026/2027"
    )
    timetable = run_import(
        service, system, "timetable", sample("timetable.csv"), year=year_id
    )
    # Then every row is taken and the school has what the files list
    assert staff.problems == [] and pupils.problems == [] and timetable.problems == []
    assert staff.created == {"accounts": 5, "classes": 2}
    assert pupils.created == {
        "pupils": 5,
        "guardians": 5,
        "guardian_links": 5,
        "consents": 5,
    }
    assert timetable.created["courses"] == 4
    assert timetable.created["lessons"] > 100
    with reader(service.app) as views:
        classes = {c["name"]: c for c in views.children("class", [year_id])}
        assert set(classes) == {"7А", "7Б"}
        pupils_7a = views.children("student", [classes["7А"]["id"]])
        orlov = next(p for p in pupils_7a if p["full_name"].startswith("Орлов "))
        assert len(orlov["guardians"]) == 2
        assert sorted(orlov["consents"].values()) == [False, True]
        courses = views.children("course", [classes["7А"]["id"]])
        maths = next(c for c in courses if c["subject"] == "Математика")
        assert maths["hours_per_week"] == 2
    # When the same files are imported again
    position = max_position(service)
    again = [
        run_import(service, system, "staff", sample("staff.csv")),
        run_import(service, system, "pupils", sample("pupils.csv"), year=year_id),
        run_import(service, system, "timetable", sample("timetable.csv"), year=year_id),
        run_import(service, system, "pupils", sample("pupils.xlsx"), year=year_id),
    ]
    # Then nothing new is written: 0 new, every row unchanged
    assert [r.new for r in again] == [0, 0, 0, 0]
    assert [r.unchanged for r in again] == [5, 6, 5, 6]
    assert max_position(service) == position
