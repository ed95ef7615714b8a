"""A year-long scenario on both backends: a small generated school (two grades,
one class each, two weeks a quarter, annual marks for every pupil) is closed, its
pupils promoted and the next year opened; the old year's course and class
journals and summary sheets as of the close equal those read before it, the next
year's classes hold the pupils with their guardians, and a write to the old year
is refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ejournal import queries
from ejournal.domain.errors import Conflict
from ejournal.projections import reports
from ejournal.projections.reader import reader
from ejournal.service import Service
from tests.builders import FakeClock, actor_for
from tests.generate.conftest import generate_into

# The generated year is the one before the curriculum's: it ended in May 2026.
AFTER = datetime(2026, 6, 15, 9, 0, tzinfo=UTC)


def journals(service: Service, year: dict[str, Any], at: datetime | None) -> Any:
    admin = service.system_actor()
    with reader(service.app) as views:
        classes = views.children("class", [year["id"]])
        courses = views.children("course", [k["id"] for k in classes])
    out: dict[str, Any] = {}
    for course in courses:
        out[course["id"]] = queries.course_journal(
            service, admin, course["id"], None, at
        )
    for klass in classes:
        out[klass["id"]] = queries.class_journal(service, admin, klass["id"], None, at)
        with reader(service.app, at) as r:
            out[f"summary:{klass['id']}"] = reports.summary_sheet(
                r, klass["id"], year["id"]
            )
    return out


def test_a_generated_school_is_closed_promoted_and_carried_over(
    database_url: str,
) -> None:
    generated = generate_into(database_url)
    clock = FakeClock(AFTER)
    service = Service(database_url, clock=clock)
    service.start()
    try:
        system = service.system_actor()
        director = actor_for(service, generated.director)
        with reader(service.app) as views:
            [year] = views.all_of_kind("year")
            classes = {k["name"]: k for k in views.children("class", [year["id"]])}
            courses = views.children("course", [k["id"] for k in classes.values()])
        assert set(classes) == {"1А", "7А"}
        pupils = {n: sorted(k["roster"]) for n, k in classes.items()}
        # A guardian of a first-grader, with consent: carried over with the pupil.
        parent = service.execute(system, "create-account", {
            "login": "parent.one", "password": "correct-horse-9",
            "full_name": "Родитель", "roles": ["parent"],
        })["account_id"]
        child = pupils["1А"][0]
        service.execute(system, "link-guardian", {
            "student_id": child, "account_id": parent,
        })
        service.execute(system, "record-consent", {
            "student_id": child, "guardian_account_id": parent, "granted": True,
        })

        check = queries_close_check(service, director, year["id"])
        assert check["ready"], check["blocking"][:3]

        clock.advance(minutes=5)
        before = journals(service, year, None)
        moment = clock()
        clock.advance(minutes=5)
        service.execute(director, "close-academic-year", {
            "year_id": year["id"], "order_no": "41-о", "on": "2026-06-15",
        })
        next_year = service.execute(system, "open-academic-year", {
            "name": "2026/2027", "starts_on": "2026-09-01", "ends_on": "2027-05-31",
            "periods": [
                {"name": "I", "starts_on": "2026-09-01", "ends_on": "2026-12-27"},
                {"name": "II", "starts_on": "2027-01-12", "ends_on": "2027-05-31"},
            ],
        })["year_id"]
        seventh = classes["7А"]["id"]
        debt_course = next(c for c in courses if c["class_id"] == seventh)
        repeater, debtor = pupils["7А"][0], pupils["7А"][1]
        promoted = service.execute(director, "promote-students", {
            "year_id": year["id"], "next_year_id": next_year,
            "order": {"number": "42-о", "date": "2026-06-16"},
            "decisions": [
                {"student_id": repeater, "outcome": "repeat"},
                {"student_id": debtor, "outcome": "conditional",
                 "debts": [debt_course["id"]]},
            ],
        })
        assert promoted["counts"] == {
            "promoted": len(pupils["1А"]) + len(pupils["7А"]) - 2,
            "conditional": 1, "repeat": 1, "graduated": 0,
        }
        clock.advance(minutes=5)

        # The old year as of the close is what it was before it.
        assert journals(service, year, moment) == before

        with reader(service.app) as views:
            nxt = {k["name"]: k for k in views.children("class", [next_year])}
            docs = views.docs([*pupils["1А"], *pupils["7А"]])
            years = {y["id"]: y for y in views.all_of_kind("year")}
        assert set(nxt) == {"2А", "8А", "7А"}
        assert nxt["8А"]["class_teacher_id"] == classes["7А"]["class_teacher_id"]
        assert {s for s, spans in nxt["2А"]["roster"].items() if spans[-1][1] is None} \
            == set(pupils["1А"])
        assert docs[repeater]["class_id"] == nxt["7А"]["id"]
        assert docs[debtor]["class_id"] == nxt["8А"]["id"]
        assert docs[child]["guardians"] == [parent]
        assert docs[child]["consents"] == {parent: True}
        assert list(docs[debtor]["debts"]) == [debt_course["id"]]
        assert years[year["id"]]["closed"]["order_no"] == "41-о"
        assert years[year["id"]]["promoted"]["next_year_id"] == next_year

        # The old year refuses writes; the parent still reads the child's diary.
        teacher = actor_for(service, debt_course["teacher_id"])
        with pytest.raises(Conflict, match="is closed"):
            service.execute(teacher, "set-final-mark", {
                "course_id": debt_course["id"], "student_id": debtor,
                "kind": "annual", "value": "5",
            })
        diary = queries.diary(
            service, actor_for(service, parent), child,
            AFTER.date() - timedelta(days=60), AFTER.date(), None,
        )
        assert diary["student_id"] == child
    finally:
        service.close()


def queries_close_check(service: Service, actor: Any, year_id: str) -> Any:
    from ejournal.queries.year_close import close_check

    return close_check(service, actor, year_id)
