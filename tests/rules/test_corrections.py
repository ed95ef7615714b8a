"""DOMAIN.md "Corrections" (S4): every change of a mark is a new event referencing
it; the author corrects inside the mark's entry window; afterwards the director
approves or rejects a correction request; the same holds for period and final
marks after the period's last day."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st

from ejournal import queries
from ejournal.domain.base import EventsVoided, fold
from ejournal.domain.correction import (
    CorrectionApproved,
    CorrectionRejected,
    MarkRef,
    file_request,
)
from ejournal.domain.course import CourseMarkCorrected
from ejournal.domain.errors import Conflict, Invalid
from ejournal.domain.lesson import Lesson, MarkCorrected, schedule_lesson
from ejournal.service import Service
from tests.builders import PASSWORD, School, max_position, void
from tests.conftest import auth
from tests.rules.support import (
    DIRECTOR,
    OTHER_TEACHER,
    PERIOD_II,
    PUPIL,
    RULES,
    a_course,
    a_lesson,
    doc,
    everyone,
    local,
    meta,
    new_events,
    run,
)

MARKED = local(2026, 11, 16, 10, 0)  # during Monday's lesson
IN_WINDOW = local(2026, 11, 16, 18, 0)  # an oral mark is due by Monday 23:59
AFTER_WINDOW = local(2026, 11, 17, 8, 0)


def a_marked_lesson(value: str = "3") -> Lesson:
    """Given: a lesson with an oral mark recorded by its author during it."""
    lesson = a_lesson()
    lesson.record_mark(
        meta(MARKED),
        RULES,
        mark_id="m1",
        student_id=PUPIL,
        value=value,
        work_type="oral",
        comment=None,
        is_pupil=everyone,
    )
    lesson.collect_events()
    return lesson


def ref_of(lesson: Lesson, mark_id: str = "m1") -> MarkRef:
    mark = lesson.marks[mark_id]
    return MarkRef(
        mark_id,
        str(lesson.id),
        "lesson",
        "course-1",
        mark["student_id"],
        mark["value"],
        mark["version"],
    )


# -- pure decisions ------------------------------------------------------------------


def test_author_corrects_a_mark_inside_its_entry_window() -> None:
    lesson = a_marked_lesson()

    lesson.correct_mark(meta(IN_WINDOW), mark_id="m1", value="4", reason="typo")

    [event] = new_events(lesson)
    assert isinstance(event, MarkCorrected)
    assert (event.mark_id, event.value, event.reason, event.request_id) == (
        "m1",
        "4",
        "typo",
        None,
    )
    assert lesson.marks["m1"]["value"] == "4"


def test_author_strikes_a_mark_with_null() -> None:
    lesson = a_marked_lesson()

    lesson.correct_mark(meta(IN_WINDOW), mark_id="m1", value=None, reason="wrong pupil")

    assert lesson.marks["m1"]["value"] is None


def test_correction_after_the_entry_window_needs_a_request() -> None:
    lesson = a_marked_lesson()

    with pytest.raises(Conflict, match="correction request"):
        lesson.correct_mark(meta(AFTER_WINDOW), mark_id="m1", value="4", reason="x")
    assert new_events(lesson) == []


def test_only_the_author_corrects_without_approval() -> None:
    lesson = a_marked_lesson()

    with pytest.raises(Conflict, match="author"):
        lesson.correct_mark(
            meta(IN_WINDOW, OTHER_TEACHER), mark_id="m1", value="4", reason="x"
        )
    assert new_events(lesson) == []


def test_approved_request_applies_the_correction() -> None:
    lesson = a_marked_lesson()
    request = file_request(
        meta(AFTER_WINDOW), mark=ref_of(lesson), value="5", reason="re-checked"
    )
    request.collect_events()

    change = request.approve(meta(local(2026, 11, 18, 9), DIRECTOR), ref_of(lesson))
    lesson.correct_mark(
        meta(local(2026, 11, 18, 9), DIRECTOR),
        mark_id="m1",
        value=change.value,
        reason=request.reason,
        request=change,
    )

    [approved] = new_events(request)
    [corrected] = new_events(lesson)
    assert isinstance(approved, CorrectionApproved)
    assert isinstance(corrected, MarkCorrected)
    assert (corrected.value, corrected.request_id) == ("5", str(request.id))
    # An approval applies once.
    with pytest.raises(Conflict, match="already applied"):
        lesson.correct_mark(
            meta(local(2026, 11, 18, 10)),
            mark_id="m1",
            value="5",
            reason="again",
            request=change,
        )


def test_rejected_request_changes_nothing() -> None:
    lesson = a_marked_lesson()
    request = file_request(
        meta(AFTER_WINDOW), mark=ref_of(lesson), value="5", reason="x"
    )
    request.collect_events()

    request.reject(meta(local(2026, 11, 18, 9), DIRECTOR), "the work was a 3")

    [rejected] = new_events(request)
    assert isinstance(rejected, CorrectionRejected)
    assert lesson.marks["m1"]["value"] == "3"
    with pytest.raises(Conflict):
        request.approve(meta(local(2026, 11, 18, 10), DIRECTOR), ref_of(lesson))
    with pytest.raises(Conflict):
        lesson.correct_mark(
            meta(local(2026, 11, 18, 10)),
            mark_id="m1",
            value="5",
            reason="x",
            request=request.approved_change(),
        )


def test_request_against_a_changed_mark_is_refused() -> None:
    lesson = a_marked_lesson()
    request = file_request(meta(IN_WINDOW), mark=ref_of(lesson), value="5", reason="x")
    request.collect_events()
    lesson.correct_mark(meta(IN_WINDOW), mark_id="m1", value="4", reason="typo")
    lesson.collect_events()

    with pytest.raises(Conflict, match="changed since"):
        request.approve(meta(local(2026, 11, 18, 9), DIRECTOR), ref_of(lesson))
    assert new_events(request) == []


def test_request_for_the_value_the_mark_has_is_refused() -> None:
    lesson = a_marked_lesson()

    with pytest.raises(Conflict):
        file_request(meta(AFTER_WINDOW), mark=ref_of(lesson), value="3", reason="x")


def test_every_correction_is_a_new_event_and_the_history_is_kept() -> None:

    lesson = a_lesson()
    lesson.record_mark(
        meta(MARKED),
        RULES,
        mark_id="m1",
        student_id=PUPIL,
        value="3",
        work_type="oral",
        comment=None,
        is_pupil=everyone,
    )
    lesson.correct_mark(meta(IN_WINDOW), mark_id="m1", value="4", reason="typo")
    lesson.correct_mark(meta(IN_WINDOW), mark_id="m1", value=None, reason="strike")
    history = new_events(lesson)

    assert [type(e).__name__ for e in history] == [
        "MarkRecorded",
        "MarkCorrected",
        "MarkCorrected",
    ]
    assert [e.value for e in history] == ["3", "4", None]
    assert lesson.marks["m1"]["revisions"] == 3


def test_period_mark_after_the_period_needs_an_approved_request() -> None:
    course = a_course()
    mark_id = course.set_period_mark(
        meta(local(2026, 12, 25, 12)),
        RULES,
        student_id=PUPIL,
        period=PERIOD_II,
        value="4",
        is_pupil=True,
    )
    # Inside the period the teacher changes it freely.
    course.set_period_mark(
        meta(local(2026, 12, 26, 12)),
        RULES,
        student_id=PUPIL,
        period=PERIOD_II,
        value="5",
        is_pupil=True,
    )
    course.collect_events()
    after = meta(local(2026, 12, 28, 9))

    with pytest.raises(Conflict, match="correction request"):
        course.set_period_mark(
            after, RULES, student_id=PUPIL, period=PERIOD_II, value="4", is_pupil=True
        )
    with pytest.raises(Conflict, match="correction request"):
        course.correct_mark(after, mark_id=mark_id, value="4", reason="x")

    mark = course.marks[mark_id]
    ref = MarkRef(
        mark_id, str(course.id), "course", str(course.id), PUPIL, "5", mark["version"]
    )
    request = file_request(after, mark=ref, value="4", reason="exam re-sit")
    change = request.approve(meta(local(2026, 12, 29, 9), DIRECTOR), ref)
    course.correct_mark(
        meta(local(2026, 12, 29, 9), DIRECTOR),
        mark_id=mark_id,
        value=change.value,
        reason=request.reason,
        request=change,
    )
    [event] = new_events(course)
    assert isinstance(event, CourseMarkCorrected)
    assert (event.value, event.request_id) == ("4", str(request.id))


def test_final_mark_after_the_year_needs_an_approved_request() -> None:
    course = a_course()
    year_end = date(2027, 5, 31)
    course.set_final_mark(
        meta(local(2027, 5, 28, 12)),
        RULES,
        student_id=PUPIL,
        kind="annual",
        value="4",
        year_ends_on=year_end,
        is_pupil=True,
    )
    course.collect_events()

    with pytest.raises(Conflict, match="correction request"):
        course.set_final_mark(
            meta(local(2027, 6, 1, 9)),
            RULES,
            student_id=PUPIL,
            kind="annual",
            value="5",
            year_ends_on=year_end,
            is_pupil=True,
        )


# -- service and HTTP, on both backends ---------------------------------------------


def record_mark(service: Service, school: School, work_type: str = "written") -> str:
    out = run(
        service,
        school.actor(service, "teacher"),
        "record-mark",
        {
            "lesson_id": school.lesson_ids[0],
            "student_id": school.students[0],
            "value": "3",
            "work_type": work_type,  # written: due by 23 Nov 23:59, today
        },
    )
    return str(out["mark_id"])


def cell_values(service: Service, school: School) -> list[str]:
    journal = queries.course_journal(
        service, service.system_actor(), school.course_id, None, None
    )
    cell = journal["lessons"][0]["cells"][school.students[0]]
    return [m["value"] for m in cell["marks"]]


def test_correction_flow_through_the_service_keeps_every_revision(
    service: Service, school: School, clock: Any
) -> None:
    teacher = school.actor(service, "teacher")
    director = school.actor(service, "director")
    mark_id = record_mark(service, school)
    run(
        service,
        teacher,
        "correct-mark",
        {"mark_id": mark_id, "value": "4", "reason": "typo"},
    )
    assert cell_values(service, school) == ["4"]

    clock.advance(days=1)  # the entry window has closed
    before = max_position(service)
    with pytest.raises(Conflict):
        run(
            service,
            teacher,
            "correct-mark",
            {"mark_id": mark_id, "value": "5", "reason": "x"},
        )
    assert max_position(service) == before

    request_id = run(
        service,
        teacher,
        "request-correction",
        {"mark_id": mark_id, "value": "5", "reason": "re-checked the essay"},
    )["request_id"]
    with pytest.raises(Conflict):  # one pending request per mark
        run(
            service,
            teacher,
            "request-correction",
            {"mark_id": mark_id, "value": None, "reason": "x"},
        )
    out = run(service, director, "approve-correction", {"request_id": request_id})
    assert {e["type"] for e in out["events"]} == {"CorrectionApproved", "MarkCorrected"}
    assert cell_values(service, school) == ["5"]
    with pytest.raises(Conflict):
        run(service, director, "approve-correction", {"request_id": request_id})

    lesson = doc(service, school.lesson_ids[0])
    revisions = lesson["marks"][mark_id]["revisions"]
    assert [r["value"] for r in revisions] == ["3", "4", "5"]
    assert [r["request_id"] for r in revisions] == [None, None, request_id]
    assert [r["reason"] for r in revisions] == [None, "typo", "re-checked the essay"]
    assert [r["actor_id"] for r in revisions] == [
        school.accounts["teacher"],
        school.accounts["teacher"],
        school.accounts["director"],
    ]
    assert all(r["session_id"] and r["recorded_at"] for r in revisions)


def test_rejection_and_stale_requests_through_the_service(
    service: Service, school: School
) -> None:
    teacher = school.actor(service, "teacher")
    director = school.actor(service, "director")
    mark_id = record_mark(service, school)
    first = run(
        service,
        teacher,
        "request-correction",
        {"mark_id": mark_id, "value": "5", "reason": "a"},
    )["request_id"]
    run(service, director, "reject-correction", {"request_id": first, "reason": "no"})
    assert cell_values(service, school) == ["3"]
    assert doc(service, first)["status"] == "rejected"

    stale = run(
        service,
        teacher,
        "request-correction",
        {"mark_id": mark_id, "value": "4", "reason": "b"},
    )["request_id"]
    # The author changes the mark in its window after filing: the request is stale.
    run(
        service,
        teacher,
        "correct-mark",
        {"mark_id": mark_id, "value": "2", "reason": "c"},
    )
    before = max_position(service)
    with pytest.raises(Conflict, match="changed since"):
        run(service, director, "approve-correction", {"request_id": stale})
    assert max_position(service) == before
    assert cell_values(service, school) == ["2"]


def test_only_the_director_approves_or_rejects(
    client: TestClient, school: School, service: Service
) -> None:
    mark_id = record_mark(service, school)
    teacher = auth(client, "teacher", PASSWORD)
    r = client.post(
        "/api/v1/commands/request-correction",
        headers=teacher,
        json={"mark_id": mark_id, "value": None, "reason": "wrong pupil"},
    )
    assert r.status_code == 200, r.text
    request_id = r.json()["request_id"]
    for login in ("teacher", "deputy", "admin"):
        for name, body in (
            ("approve-correction", {"request_id": request_id}),
            ("reject-correction", {"request_id": request_id, "reason": "no"}),
        ):
            denied = client.post(
                f"/api/v1/commands/{name}",
                headers=auth(client, login, PASSWORD),
                json=body,
            )
            assert denied.status_code == 403, (login, name)
    director = auth(client, "director", PASSWORD)
    pending = client.get("/api/v1/corrections?status=pending", headers=director).json()
    assert [x["request_id"] for x in pending["requests"]] == [request_id]
    ok = client.post(
        "/api/v1/commands/approve-correction",
        headers=director,
        json={"request_id": request_id},
    )
    assert ok.status_code == 200, ok.text
    journal = client.get(
        f"/api/v1/courses/{school.course_id}/journal", headers=teacher
    ).json()
    assert journal["lessons"][0]["cells"][school.students[0]]["marks"] == []
    unknown = client.post(
        "/api/v1/commands/approve-correction",
        headers=director,
        json={"request_id": "00000000-0000-0000-0000-000000000099"},
    )
    assert unknown.status_code == 404


def test_correct_mark_refuses_other_teachers_unknown_marks_and_bad_values(
    client: TestClient, school: School, service: Service
) -> None:
    mark_id = record_mark(service, school)
    other = auth(client, "other.teacher", PASSWORD)
    r = client.post(
        "/api/v1/commands/correct-mark",
        headers=other,
        json={"mark_id": mark_id, "value": "5", "reason": "x"},
    )
    assert r.status_code == 403  # not a teacher of that lesson at all
    teacher = auth(client, "teacher", PASSWORD)
    r = client.post(
        "/api/v1/commands/correct-mark",
        headers=teacher,
        json={
            "mark_id": "00000000-0000-0000-0000-000000000042",
            "value": "5",
            "reason": "x",
        },
    )
    assert r.status_code == 404
    r = client.post(
        "/api/v1/commands/correct-mark",
        headers=teacher,
        json={"mark_id": mark_id, "value": "exempt", "reason": "x"},
    )
    assert r.status_code == 422
    r = client.post(
        "/api/v1/commands/correct-mark",
        headers=teacher,
        json={"mark_id": mark_id, "value": "6", "reason": "x"},
    )
    assert r.status_code == 422


def test_period_mark_correction_through_http(
    client: TestClient, school: School, service: Service
) -> None:
    teacher = auth(client, "teacher", PASSWORD)
    first_period = school.period_ids[0]  # ended 24 October
    body = {
        "course_id": school.course_id,
        "student_id": school.students[0],
        "period_id": first_period,
        "value": "4",
    }
    r = client.post("/api/v1/commands/set-period-mark", headers=teacher, json=body)
    assert r.status_code == 200, r.text  # late, but accepted
    mark_id = r.json()["mark_id"]
    again = client.post(
        "/api/v1/commands/set-period-mark", headers=teacher, json={**body, "value": "5"}
    )
    assert again.status_code == 409
    request_id = client.post(
        "/api/v1/commands/request-correction",
        headers=teacher,
        json={"mark_id": mark_id, "value": "5", "reason": "re-sat the test"},
    ).json()["request_id"]
    director = auth(client, "director", PASSWORD)
    ok = client.post(
        "/api/v1/commands/approve-correction",
        headers=director,
        json={"request_id": request_id},
    )
    assert ok.status_code == 200, ok.text
    journal = client.get(
        f"/api/v1/courses/{school.course_id}/journal", headers=teacher
    ).json()
    assert journal["period_marks"][school.students[0]] == {first_period: "5"}
    assert isinstance(
        datetime.fromisoformat(doc(service, school.course_id)["late"][0]["due_at"]),
        datetime,
    )


def test_a_lesson_mark_refuses_special_values_in_requests(
    service: Service, school: School
) -> None:
    mark_id = record_mark(service, school)
    with pytest.raises(Invalid):
        run(
            service,
            school.actor(service, "teacher"),
            "request-correction",
            {"mark_id": mark_id, "value": "exempt", "reason": "x"},
        )


def test_voiding_a_correction_brings_back_the_value_before_it(
    service: Service, school: School, clock: Any
) -> None:
    teacher = school.actor(service, "teacher")
    mark_id = record_mark(service, school)
    out = run(
        service,
        teacher,
        "correct-mark",
        {"mark_id": mark_id, "value": "5", "reason": "typo"},
    )
    corrected_at = clock()
    clock.advance(hours=1)
    void(service, school.lesson_ids[0], [out["events"][0]["version"]])

    assert cell_values(service, school) == ["3"]
    revisions = doc(service, school.lesson_ids[0])["marks"][mark_id]["revisions"]
    assert [r["value"] for r in revisions] == ["3"]
    journal = queries.course_journal(
        service, service.system_actor(), school.course_id, None, corrected_at
    )
    [mark] = journal["lessons"][0]["cells"][school.students[0]]["marks"]
    assert mark["value"] == "5"


@settings(max_examples=100, deadline=None)
@given(
    values=st.lists(st.sampled_from(["1", "2", "3", "4", "5", None]), max_size=6),
    voided=st.sets(st.integers(min_value=0, max_value=5)),
)
def test_a_mark_is_its_latest_live_revision(
    values: list[str | None], voided: set[int]
) -> None:
    lesson = a_lesson()
    lesson.record_mark(
        meta(MARKED),
        RULES,
        mark_id="m1",
        student_id=PUPIL,
        value="3",
        work_type="oral",
        comment=None,
        is_pupil=everyone,
    )
    revisions: list[tuple[int, str | None]] = [(2, "3")]
    current: str | None = "3"
    for value in values:
        if value == current:
            continue
        lesson.correct_mark(meta(IN_WINDOW), mark_id="m1", value=value, reason="r")
        current = value
        revisions.append((lesson.version, value))
    events = new_events(lesson)
    scheduled = schedule_lesson(
        meta(local(2026, 9, 1), "deputy"),
        course_id="course-1",
        day=lesson.day,
        slot=2,
        starts_at="09:25",
        ends_at="10:10",
    ).collect_events()
    targets = sorted(
        version for i, (version, _) in enumerate(revisions[1:]) if i in voided
    )
    void_event: Any = EventsVoided
    stream = [*scheduled, *events]
    if targets:
        stream.append(
            void_event(
                originator_id=scheduled[0].originator_id,
                originator_version=len(stream) + 1,
                timestamp=local(2026, 11, 20),
                actor_id="admin",
                session_id=None,
                command_id=None,
                client_ip=None,
                incident_id="i1",
                versions=targets,
            )
        )

    folded = fold(stream)

    live = [value for version, value in revisions if version not in targets]
    assert folded.marks["m1"]["value"] == live[-1]
    assert folded.marks["m1"]["revisions"] == len(live)
