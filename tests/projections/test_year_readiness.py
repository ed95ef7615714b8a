"""What blocks a year's close (projections/year_readiness.py), decided on
documents: given the year's classes and courses, then the blocking list."""

from __future__ import annotations

from typing import Any

from ejournal.domain.course import course_mark_id
from ejournal.projections.year_readiness import readiness

YEAR = {"id": "y", "name": "2026/2027", "starts_on": "2026-09-01",
        "ends_on": "2027-05-31"}


class Views:
    """The two reads readiness makes, over a handful of documents."""

    def __init__(self, *docs: dict[str, Any]) -> None:
        self.by_id = {d["id"]: d for d in docs}

    def children(self, kind: str, parents: list[str]) -> list[dict[str, Any]]:
        parent = {"class": "year_id", "course": "class_id"}.get(kind, "course_id")
        return [d for d in self.by_id.values()
                if d["kind"] == kind and d[parent] in parents]

    def docs(self, ids: Any) -> dict[str, dict[str, Any]]:
        return {i: self.by_id[i] for i in ids if i in self.by_id}

    def doc(self, stream_id: str) -> dict[str, Any] | None:
        return self.by_id.get(stream_id)


def klass(roster: dict[str, list[list[str | None]]], groups: Any = None) -> Any:
    return {"id": "k", "kind": "class", "year_id": "y", "name": "5А",
            "roster": roster, "groups": groups or {}}


def course(marks: dict[tuple[str, str], str] | None = None, group: str | None = None,
           deferrals: Any = None) -> dict[str, Any]:
    doc: dict[str, Any] = {"id": "c", "kind": "course", "class_id": "k",
                           "group_id": group, "subject": "Математика",
                           "deferrals": deferrals or {}}
    doc["marks"] = {
        course_mark_id("c", pupil, slot): {"value": value}
        for (pupil, slot), value in (marks or {}).items()
    }
    return doc


def pupil(sid: str) -> dict[str, Any]:
    return {"id": sid, "kind": "student", "full_name": sid.title()}


STAYS = {"p1": [["2026-09-01", None]]}


def blocking(*docs: dict[str, Any]) -> list[tuple[str, str]]:
    answer = readiness(Views(*docs), YEAR)  # type: ignore[arg-type]
    assert answer["ready"] == (not answer["blocking"])
    return [(b["student_id"], b["course_id"]) for b in answer["blocking"]]


def test_a_pupil_without_an_annual_mark_blocks() -> None:
    assert blocking(klass(STAYS), course(), pupil("p1")) == [("p1", "c")]


def test_any_annual_value_unblocks() -> None:
    for value in ("2", "exempt", "ungraded"):
        assert blocking(klass(STAYS), course({("p1", "annual"): value}), pupil("p1")) \
            == []


def test_an_exam_or_final_special_value_is_a_reason() -> None:
    assert blocking(klass(STAYS), course({("p1", "final"): "not_attested"})) == []
    assert blocking(klass(STAYS), course({("p1", "exam"): "5"})) == [("p1", "c")]


def test_a_deferral_is_a_reason_until_its_period_mark_is_set() -> None:
    deferred = {"p1": {"q4": {"until": "2027-06-20", "reason": "ill"}}}
    assert blocking(klass(STAYS), course(deferrals=deferred)) == []
    marked = course({("p1", "q4"): "4"}, deferrals=deferred)
    assert blocking(klass(STAYS), marked) == [("p1", "c")]


def test_a_pupil_who_left_before_the_last_day_needs_nothing() -> None:
    left = {"p1": [["2026-09-01", "2027-03-01"]], "p2": [["2026-09-01", "2027-05-31"]]}
    assert blocking(klass(left), course()) == []


def test_a_groups_course_asks_only_its_members() -> None:
    both = {"p1": [["2026-09-01", None]], "p2": [["2026-09-01", None]]}
    groups = {"g": {"name": "1", "student_ids": ["p2"]}}
    assert blocking(klass(both, groups), course(group="g")) == [("p2", "c")]


def test_failing_annual_marks_are_listed_for_the_director() -> None:
    answer = readiness(
        Views(klass(STAYS), course({("p1", "annual"): "2"})), YEAR  # type: ignore[arg-type]
    )
    assert [(f["student_id"], f["annual"]) for f in answer["failing"]] == [("p1", "2")]


def test_a_pending_correction_request_blocks_until_decided() -> None:
    marked = course({("p1", "annual"): "4"})
    request = {"id": "r", "kind": "correction", "course_id": "c",
               "student_id": "p1", "status": "pending"}
    assert blocking(klass(STAYS), marked, request) == [("p1", "c")]
    assert blocking(klass(STAYS), marked, {**request, "status": "approved"}) == []
