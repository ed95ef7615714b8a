"""The listing routes (/years, /classes, /groups, /courses, /students, /guardians,
/accounts): what the test school has, filters, paging, ``as_of``, voided
creations, personal fields and refusals, on both backends (one school per module:
tests/api/conftest.py). Writes here use fresh classes and names, so the counts
other tests rely on do not move."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from tests.api.conftest import API, PROBLEM_JSON, Env
from tests.builders import void

ROUTES = {
    "years": "year_id",
    "classes": "class_id",
    "groups": "group_id",
    "courses": "course_id",
    "students": "student_id",
    "guardians": "account_id",
    "accounts": "account_id",
}


def get(env: Env, who: str, route: str, **params: Any) -> Any:
    r = env.client.get(f"{API}/{route}", headers=env.headers[who], params=params)
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"items", "next"}
    return body


def items(env: Env, who: str, route: str, **params: Any) -> list[dict[str, Any]]:
    body = get(env, who, route, limit=500, **params)
    assert body["next"] is None
    return list(body["items"])


def ids(env: Env, who: str, route: str, **params: Any) -> list[str]:
    return [i[ROUTES[route]] for i in items(env, who, route, **params)]


def by_id(rows: list[dict[str, Any]], field: str) -> dict[str, dict[str, Any]]:
    return {r[field]: r for r in rows}


def problem(env: Env, who: str, path: str, status: int) -> dict[str, Any]:
    r = env.client.get(f"{API}/{path}", headers=env.headers[who])
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith(PROBLEM_JSON)
    body: dict[str, Any] = r.json()
    assert body["status"] == status
    return body


def stamp(moment: datetime) -> str:
    return moment.isoformat()


# -- what the school has ------------------------------------------------------------
def test_years_list_the_school_years_with_periods_and_holidays(env: Env) -> None:
    # given the school's year and next year's (tests/api/conftest.py)
    # when the administrator lists the years
    rows = by_id(items(env, "admin", "years"), "year_id")
    # then both are there, by start date, with their periods and holidays
    year = rows[env.school.year_id]
    assert year["name"] == "2026/2027"
    assert (year["starts_on"], year["ends_on"]) == ("2026-09-01", "2027-05-31")
    assert [p["period_id"] for p in year["periods"]] == env.school.period_ids
    assert [h["name"] for h in year["holidays"]] == ["autumn", "winter"]
    assert list(rows).index(env.school.year_id) < list(rows).index(env.ids["next_year"])


def test_classes_list_their_teacher_and_pupils(env: Env) -> None:
    # given class 5А with its class teacher, and 6Б without one
    # when the secretary lists the classes
    rows = by_id(items(env, "secretary", "classes"), "class_id")
    # then 5А names its class teacher and counts the pupils enrolled in it
    five = rows[env.school.class_id]
    assert five["name"] == "5А" and five["grade"] == 5
    assert five["year_id"] == env.school.year_id
    assert five["class_teacher_id"] == env.school.accounts["class_teacher"]
    assert five["class_teacher_name"] == "Class_Teacher"
    enrolled = ids(
        env, "admin", "students", class_id=env.school.class_id, status="enrolled"
    )
    assert five["pupils"] == len(enrolled) >= 3
    # and a withdrawn pupil no longer counts in the class they left
    spare = env.ids["spare_from"]
    still = ids(env, "admin", "students", class_id=spare, status="enrolled")
    assert env.ids["withdrawn"] in ids(env, "admin", "students", class_id=spare)
    assert rows[spare]["pupils"] == len(still)
    assert rows[env.school.other_class_id]["class_teacher_id"] is None


def test_groups_list_their_class_and_pupils(env: Env) -> None:
    # given "Группа 1" of 5А with the first pupil
    # when a teacher lists the groups
    rows = by_id(items(env, "teacher", "groups"), "group_id")
    # then it is there with its class and pupils
    group = rows[env.ids["group"]]
    assert group["name"] == "Группа 1"
    assert group["class_id"] == env.school.class_id
    assert group["class_name"] == "5А"
    assert group["student_ids"] == [env.school.students[0]]


def test_courses_list_subject_class_teacher_and_hours(env: Env) -> None:
    # given Математика in 5А taught by "teacher", 5 hours a week
    # when the deputy lists the courses
    rows = by_id(items(env, "deputy", "courses"), "course_id")
    # then it is there with its class, teacher and hours
    maths = rows[env.school.course_id]
    assert maths["subject"] == "Математика"
    assert (maths["class_id"], maths["class_name"]) == (env.school.class_id, "5А")
    assert maths["teacher_id"] == env.school.accounts["teacher"]
    assert maths["teacher_name"] == "Teacher"
    assert maths["hours_per_week"] == 5
    assert maths["group_id"] is None and maths["group_name"] is None
    assert {env.school.other_course_id, env.ids["spare_course"]} <= set(rows)


def test_students_list_class_and_status(env: Env) -> None:
    # given three pupils of 5А, one of 6Б and a withdrawn pupil
    # when the secretary lists the pupils
    rows = by_id(items(env, "secretary", "students"), "student_id")
    # then each has a class and a status; the withdrawn one its last class
    for sid in env.school.students:
        assert rows[sid]["class_id"] == env.school.class_id
        assert rows[sid]["status"] == "enrolled"
        assert rows[sid]["enrolled_on"] == "2026-09-01"
    gone = rows[env.ids["withdrawn"]]
    assert gone["status"] == "withdrawn"
    assert gone["class_id"] == env.ids["spare_from"]
    assert gone["withdrawn_on"] == "2026-10-01"
    names = [r["full_name"].casefold() for r in rows.values()]
    assert names == sorted(names)


def test_guardians_list_their_children_and_consent(env: Env) -> None:
    # given the guardian of the first pupil, who then grants consent
    env.run(
        "record-consent",
        {
            "student_id": env.school.students[0],
            "guardian_account_id": env.school.accounts["guardian"],
            "granted": True,
        },
    )
    # and the other pupil's parent, who withdraws theirs
    withdraw = {
        "student_id": env.school.other_student,
        "guardian_account_id": env.school.accounts["other_parent"],
        "granted": False,
    }
    env.run("record-consent", withdraw)
    # when the secretary lists the guardians
    rows = by_id(items(env, "secretary", "guardians"), "account_id")
    env.run("record-consent", {**withdraw, "granted": True})  # as the school had it
    # then the guardian is there with the child and the consent; an unlinked
    # parent's account too, with no children
    guardian = rows[env.school.accounts["guardian"]]
    assert guardian["full_name"] == "Guardian"
    assert guardian["children"] == [
        {
            "student_id": env.school.students[0],
            "full_name": "Алексеев Антон",
            "class_id": env.school.class_id,
            "consent": "granted",
        }
    ]
    other = rows[env.school.accounts["other_parent"]]["children"]
    assert [c["consent"] for c in other] == ["refused"]
    assert rows[env.ids["spare_parent"]]["children"] == []
    assert "login" not in guardian


def test_accounts_list_login_roles_and_whether_active(env: Env) -> None:
    # given the school's accounts
    # when the auditor lists them
    rows = by_id(items(env, "auditor", "accounts"), "account_id")
    # then each has its login, name and roles, and no credentials
    admin = rows[env.school.accounts["admin"]]
    assert admin["login"] == "admin" and admin["roles"] == ["admin"]
    assert admin["active"] is True
    assert rows[env.school.accounts["student"]]["student_id"] == env.school.students[0]
    assert set(env.school.accounts.values()) <= set(rows)
    assert not {"password_hash", "sessions"} & set(admin)
    logins = [r["login"].casefold() for r in rows.values()]
    assert logins == sorted(logins)


# -- filters ----------------------------------------------------------------------
def test_filters_narrow_each_list(env: Env) -> None:
    school = env.school
    # given the school; when each list is filtered, then only what matches is left
    assert ids(env, "admin", "classes", year_id=env.ids["next_year"]) == []
    nines = ids(env, "admin", "classes", grade=9, year_id=school.year_id)
    assert set(nines) >= {env.ids["spare_from"], env.ids["spare_to"]}
    assert school.class_id not in nines
    assert ids(env, "admin", "groups", class_id=school.other_class_id) == []
    assert env.ids["group"] in ids(env, "admin", "groups", class_id=school.class_id)
    assert ids(env, "admin", "courses", teacher_id=school.accounts["teacher"]) == [
        school.course_id
    ]
    assert ids(env, "admin", "courses", class_id=school.other_class_id) == [
        school.other_course_id
    ]
    assert ids(env, "admin", "courses", year_id=env.ids["next_year"]) == []
    assert ids(env, "admin", "students", class_id=school.other_class_id) == [
        school.other_student
    ]
    assert ids(env, "admin", "students", q="вЕРа") == [school.students[1]]
    withdrawn = ids(env, "admin", "students", status="withdrawn")
    assert env.ids["withdrawn"] in withdrawn
    assert not set(school.students) & set(withdrawn)
    assert ids(env, "admin", "guardians", student_id=school.students[0]) == [
        school.accounts["guardian"]
    ]
    parents = set(ids(env, "admin", "accounts", role="parent"))
    assert {school.accounts["guardian"], env.ids["spare_parent"]} <= parents
    assert school.accounts["teacher"] not in parents
    assert set(ids(env, "admin", "accounts", q="CLASS.")) == {
        school.accounts["class_teacher"]
    }


def test_a_compromised_account_is_listed_as_not_active(env: Env) -> None:
    # given a fresh account reported compromised (login blocked)
    victim = env.run(
        "create-account",
        {
            "login": env.unique("lost."),
            "password": "correct-horse-9",
            "full_name": "Потерянный",
            "roles": ["teacher"],
        },
    )["account_id"]
    env.run(
        "report-compromise",
        {
            "account_id": victim,
            "reported_at": stamp(env.clock()),
            "note": "a stolen phone",
        },
    )
    # when the accounts are listed by activity
    blocked = ids(env, "admin", "accounts", active="false")
    active = ids(env, "admin", "accounts", active="true")
    # then the account is among the blocked ones only
    assert victim in blocked and victim not in active
    assert env.school.accounts["admin"] in active


def test_an_unknown_filter_id_is_404_and_a_malformed_one_422(env: Env) -> None:
    # given ids that name nothing, or the wrong kind of thing, or no UUID at all
    nobody = "00000000-0000-0000-0000-000000000000"
    # when they filter a list, then the answer says so
    problem(env, "admin", f"classes?year_id={nobody}", 404)
    problem(env, "admin", f"courses?teacher_id={env.school.class_id}", 404)
    problem(env, "admin", f"guardians?student_id={nobody}", 404)
    body = problem(env, "admin", "students?class_id=5A", 422)
    assert body["errors"][0]["field"] == "class_id"


# -- paging -----------------------------------------------------------------------
@pytest.mark.parametrize("route", list(ROUTES))
def test_pages_give_every_item_exactly_once(env: Env, route: str) -> None:
    # given the whole list in one page
    every = ids(env, "admin", route)
    assert every
    # when it is read two at a time, following ``next``
    seen: list[str] = []
    after = None
    while True:
        params: dict[str, Any] = {"limit": 2}
        if after is not None:
            params["after"] = after
        body = get(env, "admin", route, **params)
        assert len(body["items"]) <= 2
        seen += [i[ROUTES[route]] for i in body["items"]]
        after = body["next"]
        if after is None:
            break
        assert len(body["items"]) == 2
    # then the pages hold every item once, in the same order
    assert seen == every


def test_a_page_cursor_survives_an_item_added_before_it(env: Env) -> None:
    # given the first page of the classes
    first = get(env, "admin", "classes", limit=1)
    rest = ids(env, "admin", "classes", after=first["next"])
    # when a class that sorts first is created meanwhile
    env.run(
        "create-class",
        {"year_id": env.school.year_id, "name": env.unique("1-"), "grade": 1},
    )
    # then the next page starts where the first ended: nothing repeated or lost
    assert ids(env, "admin", "classes", after=first["next"]) == rest


def test_bad_paging_is_422(env: Env) -> None:
    for path in (
        "years?limit=0",
        "years?limit=501",
        "classes?after=not-a-cursor",
        "accounts?after=WzEsMiwzXQ",  # a cursor-shaped [1,2,3]
        "courses?as_of=2026-11-23T10:00:00",  # no offset
    ):
        problem(env, "admin", path, 422)


# -- as_of and voids --------------------------------------------------------------
def test_as_of_before_a_creation_does_not_list_it(env: Env) -> None:
    # given a class and a pupil created after a moment
    before = env.clock()
    env.clock.advance(seconds=1)
    klass = env.run(
        "create-class",
        {"year_id": env.school.year_id, "name": env.unique("8-"), "grade": 8},
    )["class_id"]
    pupil = env.enroll(klass)
    env.clock.advance(seconds=1)
    # when the lists are read as they stood at that moment, and now
    # then only the later answers list them
    assert klass not in ids(env, "admin", "classes", as_of=stamp(before))
    assert pupil not in ids(env, "admin", "students", as_of=stamp(before))
    assert klass in ids(env, "admin", "classes", as_of=stamp(env.clock()))
    assert pupil in ids(env, "admin", "students", class_id=klass)


def test_a_voided_creation_is_not_listed(env: Env) -> None:
    # given a class and a pupil whose creations were voided by an incident
    env.clock.advance(seconds=1)
    klass = env.run(
        "create-class",
        {"year_id": env.school.year_id, "name": env.unique("9-"), "grade": 9},
    )["class_id"]
    pupil = env.enroll(env.ids["spare_to"])
    env.clock.advance(seconds=1)
    before_void = env.clock()
    env.clock.advance(seconds=1)
    void(env.service, klass, [1])
    void(env.service, pupil, [1])
    # when the lists are read now, then neither is listed
    assert klass not in ids(env, "admin", "classes")
    assert pupil not in ids(env, "admin", "students")
    # and as they stood before the void, both are
    assert klass in ids(env, "admin", "classes", as_of=stamp(before_void))
    assert pupil in ids(env, "admin", "students", as_of=stamp(before_void))


# -- who sees what ----------------------------------------------------------------
def test_birth_dates_are_shown_only_to_who_may_see_personal_data(env: Env) -> None:
    # given a pupil of 5А and one of 6Б with birth dates
    mine = env.run(
        "enroll-student",
        {
            "class_id": env.school.class_id,
            "full_name": env.unique("Дата "),
            "birth_date": "2015-03-08",
            "on": "2026-09-01",
        },
    )["student_id"]
    theirs = env.run(
        "enroll-student",
        {
            "class_id": env.school.other_class_id,
            "full_name": env.unique("Дата "),
            "birth_date": "2014-04-09",
            "on": "2026-09-01",
        },
    )["student_id"]

    def seen(who: str) -> dict[str, Any]:
        rows = by_id(items(env, who, "students"), "student_id")
        return {sid: rows[sid].get("birth_date", "hidden") for sid in (mine, theirs)}

    # when each role lists the pupils
    # then the secretary, the administration and the auditor see both dates
    for who in ("secretary", "admin", "director", "deputy", "auditor"):
        assert seen(who) == {mine: "2015-03-08", theirs: "2014-04-09"}, who
    # the class teacher of 5А sees only 5А's; other teachers see none
    assert seen("class_teacher") == {mine: "2015-03-08", theirs: "hidden"}
    assert seen("teacher") == {mine: "hidden", theirs: "hidden"}
    assert seen("other_teacher") == {mine: "hidden", theirs: "hidden"}


def test_a_class_teacher_lists_only_the_guardians_of_their_classes(env: Env) -> None:
    # given the guardian of a 5А pupil and the parent of a 6Б pupil
    # when the class teacher of 5A and a teacher of no class list the guardians
    rows = items(env, "class_teacher", "guardians")
    # then the class teacher sees the 5А guardian only, with 5А children only
    assert [r["account_id"] for r in rows] == [env.school.accounts["guardian"]]
    assert {c["class_id"] for r in rows for c in r["children"]} == {env.school.class_id}
    assert items(env, "other_teacher", "guardians") == []


@pytest.mark.parametrize("route", list(ROUTES))
@pytest.mark.parametrize("who", ["guardian", "student"])
def test_parents_and_pupils_list_nothing(env: Env, who: str, route: str) -> None:
    # given a parent or a pupil; when they ask for a list, then 403 problem+json
    problem(env, who, route, 403)


def test_teachers_and_the_deputy_and_director_do_not_list_accounts(env: Env) -> None:
    # given the staff without account duties (the accounts page's policy: admin,
    # secretary, auditor); when they list accounts, then 403
    for who in ("teacher", "class_teacher", "deputy", "director"):
        problem(env, who, "accounts", 403)


def test_lists_need_a_token(env: Env) -> None:
    for route in ROUTES:
        r = env.client.get(f"{API}/{route}")
        assert r.status_code == 401
        assert r.headers["content-type"].startswith(PROBLEM_JSON)
