"""What parents and pupils see beside the diary's days (GET /students/{id}/marks
and /timetable), the class's acknowledgements, and the consent gate (152-ФЗ): a
guardian without a live consent to data processing reads no diary."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.api.conftest import API, PROBLEM_JSON, Env
from tests.builders import PASSWORD, last_version, void


def get(env: Env, who: str, path: str, **params: Any) -> Any:
    return env.client.get(f"{API}{path}", headers=env.headers[who], params=params)


def as_teacher(env: Env, name: str, body: dict[str, Any]) -> dict[str, Any]:
    return env.service.execute(env.school.actor(env.service, "teacher"), name, body)


def consent(env: Env, pupil: str, guardian: str, granted: bool) -> None:
    env.run(
        "record-consent",
        {"student_id": pupil, "guardian_account_id": guardian, "granted": granted},
    )


def pupil_of_spare_parent(env: Env) -> str:
    """A fresh pupil of class_id whose guardian is the spare parent."""
    pupil = env.enroll(env.school.class_id)
    parent = env.ids["spare_parent"]
    env.run("link-guardian", {"student_id": pupil, "account_id": parent})
    if "spare_parent" not in env.headers:
        r = env.client.post(
            f"{API}/auth/login", json={"login": "spare.parent", "password": PASSWORD}
        )
        assert r.status_code == 200, r.text
        env.headers["spare_parent"] = {"Authorization": f"Bearer {r.json()['token']}"}
    return pupil


def test_period_and_final_marks_and_the_journals_average_are_in_the_marks(
    env: Env,
) -> None:
    # Given a fresh pupil with a control 5 and an oral 3 in the second quarter,
    # a period mark 4 and an annual 5 set by the course's teacher
    school = env.school
    pupil = env.enroll(school.class_id)
    for lesson, value, work_type in ((0, "5", "control"), (1, "3", "oral")):
        as_teacher(
            env,
            "record-mark",
            {
                "lesson_id": school.lesson_ids[lesson],
                "student_id": pupil,
                "value": value,
                "work_type": work_type,
            },
        )
    period = school.period_ids[1]
    as_teacher(
        env,
        "set-period-mark",
        {
            "course_id": school.course_id,
            "student_id": pupil,
            "period_id": period,
            "value": "4",
        },
    )
    as_teacher(
        env,
        "set-final-mark",
        {
            "course_id": school.course_id,
            "student_id": pupil,
            "kind": "annual",
            "value": "5",
        },
    )
    # When staff read the pupil's marks
    r = get(env, "deputy", f"/students/{pupil}/marks")
    # Then the course carries both marks and the journal's own average
    assert r.status_code == 200, r.text
    body = r.json()
    (course,) = [c for c in body["courses"] if c["course_id"] == school.course_id]
    assert course["period_marks"] == {period: "4"}
    assert course["final_marks"] == {"annual": "5"}
    journal = get(env, "deputy", f"/courses/{school.course_id}/journal").json()
    assert course["averages"][period] == journal["averages"][pupil][period]
    assert course["averages"][period] == {"plain": 4.0, "weighted": 4.5}
    # And the year's holidays are listed
    assert {h["name"] for h in body["holidays"]} == {"autumn", "winter"}


def test_the_timetable_lists_next_weeks_lessons_and_announced_tests(env: Env) -> None:
    # Given the teacher announces a test in the topic of next Monday's lesson
    school = env.school
    as_teacher(
        env,
        "set-lesson-topic",
        {
            "lesson_id": school.future_lesson_id,
            "topic": "Контрольная работа № 2",
        },
    )
    # When the guardian reads the pupil's timetable (default: the coming week)
    r = get(env, "guardian", f"/students/{school.students[0]}/timetable")
    # Then next Monday's lesson is listed with its slot, times and subject
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["week_start"], body["week_end"]) == ("2026-11-30", "2026-12-06")
    (lesson,) = body["lessons"]
    expected = {
        "lesson_id": school.future_lesson_id,
        "date": "2026-11-30",
        "slot": 2,
        "starts_at": "09:25",
        "ends_at": "10:10",
        "subject": "Математика",
        "topic": "Контрольная работа № 2",
        "test": True,
    }
    assert {k: lesson[k] for k in expected} == expected
    # And the test is on the schedule, from its topic
    planned = [t for t in body["tests"] if t["lesson_id"] == school.future_lesson_id]
    assert planned and planned[0]["source"] == "topic"
    assert body["holidays"] == []


def test_a_held_test_is_listed_from_its_mark_and_a_holiday_week_shows_it(
    env: Env,
) -> None:
    # Given a pupil with a test mark on last Tuesday's lesson
    school = env.school
    pupil = env.enroll(school.class_id)
    as_teacher(
        env,
        "record-mark",
        {
            "lesson_id": school.lesson_ids[1],
            "student_id": pupil,
            "value": "4",
            "work_type": "test",
        },
    )
    # When staff read their timetable for the week of the winter holidays
    r = get(env, "deputy", f"/students/{pupil}/timetable", week="2026-12-30")
    # Then the holiday overlaps the week and the held test is listed by its mark
    assert r.status_code == 200, r.text
    body = r.json()
    assert [h["name"] for h in body["holidays"]] == ["winter"]
    assert body["lessons"] == []
    held = [t for t in body["tests"] if t["lesson_id"] == school.lesson_ids[1]]
    assert held == [
        {
            "lesson_id": school.lesson_ids[1],
            "date": "2026-11-17",
            "slot": 2,
            "subject": "Математика",
            "topic": held[0]["topic"],
            "source": "marks",
            "work_types": ["test"],
        }
    ]


def test_the_class_teacher_sees_who_acknowledged_each_week(env: Env) -> None:
    # Given the guardian acknowledged last week of their child's diary
    school = env.school
    pupil, guardian = school.students[0], school.accounts["guardian"]
    r = env.client.post(
        f"{API}/commands/acknowledge-diary",
        headers=env.headers["guardian"],
        json={"student_id": pupil, "week_start": "2026-11-09"},
    )
    assert r.status_code == 200, r.text
    # When the class teacher lists the class's acknowledgements of two weeks
    r = get(
        env,
        "class_teacher",
        f"/classes/{school.class_id}/acknowledgements",
        **{"from": "2026-11-09", "to": "2026-11-22"},
    )
    # Then each week lists every pupil and guardian, acknowledged or not
    assert r.status_code == 200, r.text
    weeks = r.json()["weeks"]
    assert [w["week_start"] for w in weeks] == ["2026-11-09", "2026-11-16"]
    first = {s["student_id"]: s for s in weeks[0]["students"]}
    (mine,) = first[pupil]["guardians"]
    assert mine["guardian_id"] == guardian and mine["consent"] is True
    assert mine["acknowledged_at"].startswith("2026-11-23T07:00")
    second = {s["student_id"]: s for s in weeks[1]["students"]}
    assert second[pupil]["guardians"][0]["acknowledged_at"] is None
    assert set(school.students) <= set(first)
    assert weeks[0]["acknowledged"] >= 1
    # And the default is the current week and the three before it
    r = get(env, "deputy", f"/classes/{school.class_id}/acknowledgements")
    assert [w["week_start"] for w in r.json()["weeks"]] == [
        "2026-11-02",
        "2026-11-09",
        "2026-11-16",
        "2026-11-23",
    ]
    # And a teacher of another class, a parent and a pupil may not read it
    assert (
        get(
            env, "other_teacher", f"/classes/{school.class_id}/acknowledgements"
        ).status_code
        == 403
    )
    assert (
        get(env, "guardian", f"/classes/{school.class_id}/acknowledgements").status_code
        == 403
    )


def refused_for_consent(r: Any, words: str) -> None:
    assert r.status_code == 403, r.text
    assert r.headers["content-type"].startswith(PROBLEM_JSON)
    detail = r.json()["detail"]
    assert "consent to personal-data processing" in detail
    assert words in detail and "secretary" in detail


def test_a_guardian_without_recorded_consent_reads_no_diary(env: Env) -> None:
    # Given a pupil whose guardian is linked but never consented
    pupil = pupil_of_spare_parent(env)
    before = env.position()
    # When the guardian reads the diary, marks, timetable, PDF or acknowledges
    # Then each is refused with 403 saying consent is not recorded
    for path in ("diary", "marks", "timetable", "diary.pdf"):
        refused_for_consent(
            get(env, "spare_parent", f"/students/{pupil}/{path}"), "is not recorded"
        )
    refused_for_consent(
        env.client.post(
            f"{API}/commands/acknowledge-diary",
            headers=env.headers["spare_parent"],
            json={"student_id": pupil, "week_start": "2026-11-16"},
        ),
        "is not recorded",
    )
    assert env.position() == before
    # And the pupil themselves and staff are not gated by it
    assert get(env, "deputy", f"/students/{pupil}/diary").status_code == 200
    assert get(env, "class_teacher", f"/students/{pupil}/diary").status_code == 200
    # And once the secretary records consent the diary opens, but not as of a
    # moment before the consent was recorded
    unconsented = env.clock().isoformat()
    env.clock.advance(minutes=1)
    consent(env, pupil, env.ids["spare_parent"], True)
    assert get(env, "spare_parent", f"/students/{pupil}/diary").status_code == 200
    refused_for_consent(
        get(env, "spare_parent", f"/students/{pupil}/diary", as_of=unconsented),
        "is not recorded",
    )


def test_a_withdrawn_consent_closes_the_diary_until_its_void(env: Env) -> None:
    # Given a guardian who consented, then withdrew
    pupil = pupil_of_spare_parent(env)
    parent = env.ids["spare_parent"]
    consent(env, pupil, parent, True)
    granted_at = env.clock()
    env.clock.advance(minutes=5)
    consent(env, pupil, parent, False)
    withdrawal = last_version(env.service, pupil)
    # When the guardian reads the diary
    # Then it is refused, saying the consent was withdrawn
    refused_for_consent(
        get(env, "spare_parent", f"/students/{pupil}/diary"), "was withdrawn"
    )
    # And as of a moment the consent was live, it opens (as_of applies it then)
    then = (granted_at + timedelta(minutes=1)).isoformat()
    assert (
        get(env, "spare_parent", f"/students/{pupil}/diary", as_of=then).status_code
        == 200
    )
    # And once the withdrawal is voided (it came from a compromised account),
    # the diary opens again
    void(env.service, pupil, [withdrawal])
    assert get(env, "spare_parent", f"/students/{pupil}/diary").status_code == 200


def test_a_voided_consent_no_longer_counts(env: Env) -> None:
    # Given a guardian's only consent was recorded by a compromised account
    pupil = pupil_of_spare_parent(env)
    consent(env, pupil, env.ids["spare_parent"], True)
    recorded = last_version(env.service, pupil)
    assert get(env, "spare_parent", f"/students/{pupil}/diary").status_code == 200
    # When it is voided
    void(env.service, pupil, [recorded])
    # Then the guardian is refused as if consent had never been recorded
    refused_for_consent(
        get(env, "spare_parent", f"/students/{pupil}/diary"), "is not recorded"
    )
    # And as of before the pupil existed, the pupil is not found
    early = datetime(2026, 11, 1, tzinfo=UTC).isoformat()
    assert (
        get(env, "spare_parent", f"/students/{pupil}/diary", as_of=early).status_code
        == 404
    )


def test_the_control_report_lists_guardians_without_consent(env: Env) -> None:
    # Given one pupil's guardian never consented and another's withdrew
    school = env.school
    never = pupil_of_spare_parent(env)
    withdrew = pupil_of_spare_parent(env)
    consent(env, withdrew, env.ids["spare_parent"], False)
    # When the deputy reads the control report of the class
    r = get(
        env,
        "deputy",
        "/reports/control",
        year_id=school.year_id,
        class_id=school.class_id,
    )
    # Then every course row of the class lists those guardians, and not the
    # guardian who consented
    assert r.status_code == 200, r.text
    (row,) = [x for x in r.json() if x["course_id"] == school.course_id]
    listed = {(g["student_id"], g["consent"]) for g in row["guardians_without_consent"]}
    assert {(never, "never"), (withdrew, "withdrawn")} <= listed
    assert all(
        g["guardian_account_id"] == env.ids["spare_parent"]
        for g in row["guardians_without_consent"]
    )
    assert school.students[0] not in {s for s, _ in listed}


def test_the_pupil_reads_their_diary_whatever_the_guardians_consent(env: Env) -> None:
    # Given the guardian of the pupil with an account withdraws consent
    school = env.school
    pupil, guardian = school.students[0], school.accounts["guardian"]
    consent(env, pupil, guardian, False)
    try:
        # When the pupil and the guardian read the diary
        # Then the pupil reads it and the guardian is refused
        assert get(env, "student", f"/students/{pupil}/diary").status_code == 200
        assert get(env, "student", f"/students/{pupil}/marks").status_code == 200
        refused_for_consent(
            get(env, "guardian", f"/students/{pupil}/diary"), "was withdrawn"
        )
    finally:
        consent(env, pupil, guardian, True)
    assert get(env, "guardian", f"/students/{pupil}/diary").status_code == 200


def test_weeks_past_the_calendars_end_are_refused_as_invalid(env: Env) -> None:
    # Given a class; when its acknowledgements are asked up to the last date
    r = get(
        env,
        "deputy",
        f"/classes/{env.school.class_id}/acknowledgements",
        to="9999-12-31",
    )
    # Then the answer is a 422, not a server error
    assert r.status_code == 422, r.text
    r = get(
        env,
        "deputy",
        f"/classes/{env.school.class_id}/acknowledgements",
        **{"from": "2026-01-05", "to": "2027-06-01"},
    )
    assert r.status_code == 422 and "53 weeks" in r.json()["detail"]
