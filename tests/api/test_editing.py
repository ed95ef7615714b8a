"""Editing people over HTTP, on both backends: a pupil's new name in the journals
and lists (and the old one ``as_of`` before), a class journal moving with its
class teacher, and the refusals (one school per module: tests/api/conftest.py;
every write here uses fresh accounts, classes and pupils). Accounts, roles and
deactivation: test_editing_accounts.py."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import Env
from tests.api.editing_support import fields, get, new_account, ok, refused


# -- edit-student -------------------------------------------------------------------
def journal_names(env: Env, **params: Any) -> dict[str, str]:
    r = get(env, "admin", f"/courses/{env.school.course_id}/journal", **params)
    assert r.status_code == 200, r.text
    return {s["student_id"]: s["full_name"] for s in r.json()["students"]}


def test_an_edited_name_shows_from_then_on_and_the_old_one_as_of_before(
    env: Env,
) -> None:
    pupil = env.enroll(env.school.class_id)
    old = env.doc(pupil)["full_name"]
    before = env.clock()
    env.clock.advance(seconds=5)

    ok(
        env,
        "secretary",
        "edit-student",
        {"student_id": pupil, "full_name": "Яковлев Ян"},
    )

    assert journal_names(env)[pupil] == "Яковлев Ян"
    assert journal_names(env, as_of=before.isoformat())[pupil] == old
    kj = get(env, "class_teacher", f"/classes/{env.school.class_id}/journal")
    assert kj.status_code == 200
    names = {
        s["student_id"]: s["full_name"]
        for c in kj.json()["courses"]
        for s in c["students"]
    }
    assert names[pupil] == "Яковлев Ян"
    listed = get(env, "secretary", "/students", q="Яковлев").json()["items"]
    assert [s["student_id"] for s in listed] == [pupil]
    then = get(env, "secretary", "/students", q=old, as_of=before.isoformat())
    assert [s["student_id"] for s in then.json()["items"]] == [pupil]


def test_the_birth_date_is_set_and_cleared(env: Env) -> None:
    pupil = env.enroll(env.school.class_id)

    ok(env, "admin", "edit-student", {"student_id": pupil, "birth_date": "2015-02-01"})
    assert env.doc(pupil)["birth_date"] == "2015-02-01"
    ok(env, "admin", "edit-student", {"student_id": pupil, "birth_date": None})
    assert env.doc(pupil)["birth_date"] is None


def test_edit_student_refusals(env: Env) -> None:
    pupil = env.enroll(env.school.class_id)
    name = env.doc(pupil)["full_name"]
    body = {"student_id": pupil, "full_name": name}

    assert "already" in refused(env, "secretary", "edit-student", body, 409)["detail"]
    late = {"student_id": pupil, "birth_date": "2026-09-01"}
    assert fields(refused(env, "secretary", "edit-student", late, 422)) == {
        "birth_date"
    }
    bare = {"student_id": pupil}
    assert fields(refused(env, "secretary", "edit-student", bare, 422))
    unknown = {"student_id": "00000000-0000-4000-8000-000000000000", "full_name": "X"}
    refused(env, "secretary", "edit-student", unknown, 404)
    refused(env, "class_teacher", "edit-student", {**body, "full_name": "Y"}, 403)


# -- change-class-teacher -----------------------------------------------------------
def test_the_class_journal_moves_with_the_class_teacher(env: Env) -> None:
    old, old_session = new_account(env, "teacher")
    new, new_session = new_account(env, "teacher")
    klass = env.run(
        "create-class",
        {
            "year_id": env.school.year_id,
            "name": env.unique("8-"),
            "grade": 8,
            "class_teacher_id": old,
        },
    )["class_id"]
    journal = f"/classes/{klass}/journal"
    assert get(env, old_session, journal).status_code == 200
    assert get(env, new_session, journal).status_code == 403
    before = env.clock()
    env.clock.advance(seconds=5)

    ok(
        env,
        "deputy",
        "change-class-teacher",
        {
            "class_id": klass,
            "class_teacher_id": new,
            "on": "2026-11-20",
        },
    )

    assert get(env, old_session, journal).status_code == 403
    assert get(env, new_session, journal).status_code == 200
    listed = get(env, "deputy", "/classes", year_id=env.school.year_id).json()["items"]
    assert {k["class_id"]: k["class_teacher_id"] for k in listed}[klass] == new
    then = get(
        env, "deputy", "/classes", year_id=env.school.year_id, as_of=before.isoformat()
    ).json()["items"]
    assert {k["class_id"]: k["class_teacher_id"] for k in then}[klass] == old

    ok(
        env,
        "admin",
        "change-class-teacher",
        {"class_id": klass, "class_teacher_id": None},
    )
    assert get(env, new_session, journal).status_code == 403
    assert env.doc(klass)["class_teacher_id"] is None


def test_change_class_teacher_refusals(env: Env) -> None:
    klass, school = env.school.class_id, env.school
    teacher = school.accounts["class_teacher"]
    same = {"class_id": klass, "class_teacher_id": teacher}
    refused(env, "deputy", "change-class-teacher", same, 409)
    parent = {"class_id": klass, "class_teacher_id": school.accounts["guardian"]}
    assert fields(refused(env, "deputy", "change-class-teacher", parent, 422)) == {
        "class_teacher_id"
    }
    other = {"class_id": klass, "class_teacher_id": school.accounts["other_teacher"]}
    future = {**other, "on": "2027-01-01"}
    assert fields(refused(env, "deputy", "change-class-teacher", future, 422)) == {"on"}
    nobody = "00000000-0000-4000-8000-000000000000"
    refused(env, "deputy", "change-class-teacher", {**other, "class_id": nobody}, 404)
    refused(
        env,
        "deputy",
        "change-class-teacher",
        {**other, "class_teacher_id": nobody},
        404,
    )
    refused(env, "class_teacher", "change-class-teacher", other, 403)
    refused(env, "secretary", "change-class-teacher", other, 403)
    missing = {"class_id": klass}
    assert fields(refused(env, "deputy", "change-class-teacher", missing, 422)) == {
        "class_teacher_id"
    }


def test_a_deactivated_teacher_is_not_made_class_teacher(env: Env) -> None:
    teacher, _ = new_account(env, "teacher")
    ok(env, "admin", "deactivate-account", {"account_id": teacher, "reason": "left"})
    body = {"class_id": env.school.other_class_id, "class_teacher_id": teacher}

    problem = refused(env, "deputy", "change-class-teacher", body, 409)

    assert "deactivated" in problem["detail"]


def test_a_compromised_secretarys_edit_is_voided_and_the_old_name_returns(
    env: Env,
) -> None:
    pupil = env.enroll(env.school.class_id)
    old = env.doc(pupil)["full_name"]
    secretary, session = new_account(env, "secretary")
    since = env.clock()
    env.clock.advance(seconds=5)
    ok(env, session, "edit-student", {"student_id": pupil, "full_name": "Чужое Имя"})
    assert journal_names(env)[pupil] == "Чужое Имя"

    incident = ok(
        env,
        "admin",
        "report-compromise",
        {
            "account_id": secretary,
            "reported_at": env.clock().isoformat(),
            "since": since.isoformat(),
            "note": "the password was on a sticky note",
        },
    )["incident_id"]
    voided = ok(env, "admin", "execute-invalidation", {"incident_id": incident})

    assert voided["voided"] >= 1
    assert journal_names(env)[pupil] == old
    assert env.doc(pupil)["full_name"] == old
