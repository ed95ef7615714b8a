"""Closing the test school's year over HTTP, on both backends: the close check and
its blocking list, the close refused while anything blocks, the closed year
read-only (every write 409 with the reason, reads and ``as_of`` kept), the
promotion into the next year's classes, academic debts and their clearing.

The steps run in order on the module's one school (tests/api/conftest.py): each
test continues from the state the one before left.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from ejournal.commands.closed_year import refuse_closed_years
from ejournal.domain.errors import Conflict
from tests.api.conftest import API, PROBLEM_JSON, Env


def post(env: Env, who: str, name: str, body: dict[str, Any]) -> Any:
    headers = env.headers[who]
    return env.client.post(f"{API}/commands/{name}", headers=headers, json=body)


def get(env: Env, who: str, path: str) -> Any:
    r = env.client.get(f"{API}{path}", headers=env.headers[who])
    assert r.status_code == 200, r.text
    return r.json()


def refused(env: Env, r: Any, status: int) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith(PROBLEM_JSON)
    body: dict[str, Any] = r.json()
    return body


def check(env: Env) -> dict[str, Any]:
    return dict(get(env, "director", f"/years/{env.school.year_id}/close-check"))


def test_the_close_check_lists_every_missing_annual_mark(env: Env) -> None:
    school = env.school
    answer = check(env)

    assert (answer["state"], answer["ready"]) == ("open", False)
    missing = {(b["student_id"], b["course_id"]) for b in answer["blocking"]}
    assert missing == {
        *((s, school.course_id) for s in school.students),
        (school.other_student, school.other_course_id),
    }
    # The withdrawn pupil of spare_from needs nothing; its course has no pupil.
    assert env.ids["withdrawn"] not in {b["student_id"] for b in answer["blocking"]}


def test_the_close_is_refused_with_the_blocking_list(env: Env) -> None:
    before = env.position()

    body = refused(
        env,
        post(env, "director", "close-academic-year", {"year_id": env.school.year_id}),
        409,
    )

    assert len(body["errors"]) == 4
    assert {e["student_id"] for e in body["errors"]} >= set(env.school.students)
    assert all(e["message"].endswith("no recorded reason") for e in body["errors"])
    assert env.position() == before


def test_annual_marks_exemptions_and_deferrals_unblock_it(env: Env) -> None:
    school = env.school
    for pupil, value in ((school.students[0], "5"), (school.students[1], "2")):
        r = post(env, "teacher", "set-final-mark", {
            "course_id": school.course_id, "student_id": pupil, "kind": "annual",
            "value": value,
        })
        assert r.status_code == 200, r.text
    r = post(env, "teacher", "defer-period-mark", {
        "course_id": school.course_id, "student_id": school.students[2],
        "period_id": school.period_ids[1], "until": "2027-01-20", "reason": "ill",
    })
    assert r.status_code == 200, r.text
    assert len(check(env)["blocking"]) == 1
    r = post(env, "other_teacher", "set-final-mark", {
        "course_id": school.other_course_id, "student_id": school.other_student,
        "kind": "annual", "value": "exempt",
    })
    assert r.status_code == 200, r.text

    answer = check(env)

    assert (answer["ready"], answer["blocking"]) == (True, [])
    assert [(f["student_id"], f["annual"]) for f in answer["failing"]] == [
        (school.students[1], "2")
    ]


def test_the_director_closes_the_year(env: Env) -> None:
    journal = get(env, "director", f"/courses/{env.school.course_id}/journal")
    env.ids["closed_journal"] = repr(journal)
    env.clock.advance(minutes=1)
    env.ids["before_close"] = env.clock().isoformat()
    env.clock.advance(minutes=1)

    r = post(env, "director", "close-academic-year", {
        "year_id": env.school.year_id, "order_no": "57-о", "on": "2026-11-23",
    })

    assert r.status_code == 200, r.text
    years = {y["year_id"]: y for y in get(env, "admin", "/years")["items"]}
    closed = years[env.school.year_id]
    assert closed["state"] == "closed"
    assert closed["closed"]["order_no"] == "57-о"
    assert years[env.ids["next_year"]]["state"] == "open"
    assert check(env)["state"] == "closed"


def test_a_closed_year_is_closed_once(env: Env) -> None:
    body = refused(
        env,
        post(env, "admin", "close-academic-year", {"year_id": env.school.year_id}),
        409,
    )
    assert "is closed" in body["detail"]


def writes(env: Env) -> list[tuple[str, str, dict[str, Any]]]:
    school = env.school
    return [
        ("teacher", "record-mark", {
            "lesson_id": school.lesson_ids[0], "student_id": school.students[0],
            "value": "4", "work_type": "oral",
        }),
        ("teacher", "set-lesson-topic", {
            "lesson_id": school.lesson_ids[1], "topic": "Дроби",
        }),
        ("teacher", "record-attendance", {
            "lesson_id": school.lesson_ids[1],
            "entries": [{"student_id": school.students[0], "code": "absent"}],
        }),
        ("teacher", "set-final-mark", {
            "course_id": school.course_id, "student_id": school.students[0],
            "kind": "annual", "value": "4",
        }),
        ("teacher", "add-plan-topics", {
            "course_id": school.course_id, "topics": [{"title": "T", "hours": 1}],
        }),
        ("admin", "create-class", {
            "year_id": school.year_id, "name": "8В", "grade": 8,
        }),
        ("admin", "enroll-student", {
            "class_id": school.class_id, "full_name": "Поздний Пётр",
            "on": "2026-11-23",
        }),
        ("admin", "create-group", {
            "class_id": school.class_id, "name": "Поздняя группа",
            "student_ids": [school.students[0]],
        }),
        ("deputy", "schedule-lessons", {
            "course_id": school.course_id, "lessons": [{
                "date": "2026-12-01", "slot": 5, "starts_at": "12:00",
                "ends_at": "12:45",
            }],
        }),
        ("admin", "transfer-student", {
            "student_id": school.students[0], "to_class_id": school.other_class_id,
            "on": "2026-11-24",
        }),
    ]


def test_every_write_to_the_closed_year_is_refused_with_the_reason(env: Env) -> None:
    before = env.position()
    for who, name, body in writes(env):
        problem = refused(env, post(env, who, name, body), 409)
        assert problem["detail"] == (
            "the academic year 2026/2027 is closed (order 57-о of 2026-11-23)"
        ), name
    assert env.position() == before


def test_the_closed_years_pupils_keep_their_guardians_writable(env: Env) -> None:
    r = post(env, "admin", "link-guardian", {
        "student_id": env.school.students[1], "account_id": env.ids["spare_parent"],
    })
    assert r.status_code == 200, r.text


def test_the_closed_years_journals_stay_readable_and_as_of_able(env: Env) -> None:
    course = env.school.course_id
    assert repr(get(env, "director", f"/courses/{course}/journal")) == env.ids[
        "closed_journal"
    ]
    moment = env.ids["before_close"].replace("+00:00", "Z")
    then = get(env, "auditor", f"/courses/{course}/journal?as_of={moment}")
    assert repr(then) == env.ids["closed_journal"]


def promote(env: Env, decisions: list[dict[str, Any]]) -> Any:
    return post(env, "director", "promote-students", {
        "year_id": env.school.year_id, "next_year_id": env.ids["next_year"],
        "order": {"number": "58-о", "date": "2026-11-23"}, "decisions": decisions,
    })


def test_a_decision_for_someone_else_is_refused(env: Env) -> None:
    problem = refused(
        env,
        promote(env, [{"student_id": env.ids["withdrawn"], "outcome": "repeat"}]),
        422,
    )
    assert problem["errors"][0]["field"] == "decisions[0].student_id"


def test_a_conditional_promotion_needs_courses_of_the_class(env: Env) -> None:
    problem = refused(env, promote(env, [{
        "student_id": env.school.students[1], "outcome": "conditional",
        "debts": [env.school.other_course_id],
    }]), 422)
    assert problem["errors"][0]["field"] == "decisions[0].debts[0]"


def test_the_director_promotes_the_pupils_into_the_next_year(env: Env) -> None:
    school = env.school
    r = promote(env, [
        {"student_id": school.students[1], "outcome": "conditional",
         "debts": [school.course_id]},
        {"student_id": school.students[2], "outcome": "repeat"},
    ])
    assert r.status_code == 200, r.text
    assert r.json()["counts"] == {
        "promoted": 2, "conditional": 1, "repeat": 1, "graduated": 0,
    }
    nxt = {
        k["name"]: k
        for k in get(env, "admin", f"/classes?year_id={env.ids['next_year']}")["items"]
    }
    assert set(nxt) == {"6А", "5А", "7Б"}
    assert nxt["6А"]["class_teacher_id"] == school.accounts["class_teacher"]
    pupils = {s: env.doc(s) for s in [*school.students, school.other_student]}
    assert pupils[school.students[0]]["class_id"] == nxt["6А"]["class_id"]
    assert pupils[school.students[1]]["class_id"] == nxt["6А"]["class_id"]
    assert pupils[school.students[2]]["class_id"] == nxt["5А"]["class_id"]
    assert pupils[school.other_student]["class_id"] == nxt["7Б"]["class_id"]
    assert pupils[school.students[0]]["guardians"] == [school.accounts["guardian"]]
    assert pupils[school.students[0]]["consents"] == {
        school.accounts["guardian"]: True
    }


def test_the_pupils_of_the_closed_year_are_promoted_once(env: Env) -> None:
    refused(env, promote(env, []), 409)


def test_the_debt_is_listed_and_shown_on_the_pupil(env: Env) -> None:
    school = env.school
    debts = get(env, "deputy", f"/years/{school.year_id}/debts")["items"]
    assert [(d["student_id"], d["subject"], d["cleared"]) for d in debts] == [
        (school.students[1], "Математика", None)
    ]
    marks = get(env, "director", f"/students/{school.students[1]}/marks")
    assert [d["course_id"] for d in marks["debts"]] == [school.course_id]
    assert marks["outcomes"][0]["outcome"] == "conditional"


def test_a_deputy_clears_the_debt(env: Env) -> None:
    school = env.school
    body = {
        "student_id": school.students[1], "course_id": school.course_id,
        "value": "3", "on": "2026-11-23",
    }
    r = post(env, "deputy", "clear-academic-debt", body)
    assert r.status_code == 200, r.text
    [debt] = get(env, "director", f"/years/{school.year_id}/debts")["items"]
    assert debt["cleared"]["value"] == "3"
    refused(env, post(env, "deputy", "clear-academic-debt", body), 409)


def test_the_generic_check_covers_aggregates_it_does_not_know(env: Env) -> None:
    """A later area's aggregate that names a closed year's course is refused; a
    pupil's change that is no placement, and a bare void, pass."""
    app = env.service.app
    later = SimpleNamespace(
        id="x", course_id=env.school.course_id, pending_events=[SimpleNamespace()]
    )
    with pytest.raises(Conflict, match="is closed"):
        refuse_closed_years(app, "move-lesson", [later])
    pupil = SimpleNamespace(id="p", pending_events=[SimpleNamespace(full_name="X")])
    refuse_closed_years(app, "edit-pupil", [pupil])
    refuse_closed_years(app, "execute-invalidation", [SimpleNamespace(versions=[2])])


def test_a_void_in_the_closed_year_is_allowed(env: Env) -> None:
    """Security over read-only: the teacher's session is reported compromised and
    their annual marks in the closed year are voided."""
    school = env.school
    r = post(env, "admin", "report-compromise", {
        "account_id": school.accounts["other_teacher"],
        "reported_at": env.clock().isoformat(),
        "since": "2026-11-22T00:00:00+00:00", "note": "a stolen laptop",
    })
    assert r.status_code == 200, r.text
    r = post(env, "admin", "execute-invalidation", {
        "incident_id": r.json()["incident_id"],
    })
    assert r.status_code == 200, r.text
    answer = check(env)
    assert answer["state"] == "closed"
    assert [(b["student_id"], b["course_id"]) for b in answer["blocking"]] == [
        (school.other_student, school.other_course_id)
    ]
