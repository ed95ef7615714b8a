"""Groups, plan and timetable changes through HTTP on both backends: a pupil moves
between subgroups on a date, the plan is edited and reordered, a lesson is moved
or cancelled; journals, diaries, reports and ``as_of`` follow."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import API, Env

MONDAY, WEDNESDAY, FRIDAY = "2026-11-16", "2026-11-18", "2026-11-20"


def post(env: Env, who: str, name: str, body: dict[str, Any]) -> Any:
    return env.client.post(
        f"{API}/commands/{name}", headers=env.headers[who], json=body
    )


def ok(env: Env, who: str, name: str, body: dict[str, Any]) -> dict[str, Any]:
    env.clock.advance(seconds=5)
    r = post(env, who, name, body)
    assert r.status_code == 200, (name, r.text)
    out: dict[str, Any] = r.json()
    return out


def get(env: Env, who: str, path: str, **params: str) -> dict[str, Any]:
    r = env.client.get(f"{API}{path}", headers=env.headers[who], params=params)
    assert r.status_code == 200, (path, r.text)
    out: dict[str, Any] = r.json()
    return out


def new_course(env: Env, group_id: str | None = None, class_id: str = "") -> str:
    body = {
        "year_id": env.school.year_id,
        "class_id": class_id or env.school.class_id,
        "subject": env.unique("Предмет "),
        "teacher_id": env.school.accounts["teacher"],
        "hours_per_week": 2,
    }
    if group_id:
        body["group_id"] = group_id
    return str(env.run("create-course", body)["course_id"])


def schedule(env: Env, course_id: str, *days: str, slot: int = 5) -> list[str]:
    out = env.run("schedule-lessons", {
        "course_id": course_id,
        "lessons": [
            {"date": d, "slot": slot, "starts_at": "12:00", "ends_at": "12:45"}
            for d in days
        ],
    })
    return list(out["lesson_ids"])


def cells(journal: dict[str, Any]) -> dict[str, set[str]]:
    return {x["date"]: set(x["cells"]) for x in journal["lessons"]}


def a_class_with_two_groups(env: Env) -> dict[str, Any]:
    class_id = env.run("create-class", {
        "year_id": env.school.year_id, "name": env.unique("7-"), "grade": 7,
        "class_teacher_id": env.school.accounts["class_teacher"],
    })["class_id"]
    p1, p2 = env.enroll(class_id), env.enroll(class_id)
    g1 = env.run("create-group", {
        "class_id": class_id, "name": "Англ 1", "student_ids": [p1]})["group_id"]
    g2 = env.run("create-group", {
        "class_id": class_id, "name": "Англ 2", "student_ids": [p2]})["group_id"]
    c1 = new_course(env, g1, class_id)
    c2 = new_course(env, g2, class_id)
    return {
        "class_id": class_id, "p1": p1, "p2": p2, "g1": g1, "g2": g2,
        "c1": c1, "c2": c2,
        "l1": schedule(env, c1, MONDAY, WEDNESDAY),
        "l2": schedule(env, c2, MONDAY, WEDNESDAY, slot=5),
    }


def test_a_pupil_moved_between_subgroups_shows_in_each_groups_lessons_by_date(
    env: Env,
) -> None:
    k = a_class_with_two_groups(env)
    move = {"student_id": k["p1"], "on": WEDNESDAY,
            "from_group_id": k["g1"], "to_group_id": k["g2"]}
    assert post(env, "other_teacher", "change-group-membership", move).status_code \
        == 403
    out = ok(env, "class_teacher", "change-group-membership", move)
    types = [e["type"] for e in out["events"]]
    assert types == ["GroupMemberLeft", "GroupMemberJoined"]

    first = get(env, "deputy", f"/courses/{k['c1']}/journal")
    second = get(env, "deputy", f"/courses/{k['c2']}/journal")
    assert cells(first) == {MONDAY: {k["p1"]}, WEDNESDAY: set()}
    assert cells(second) == {MONDAY: {k["p2"]}, WEDNESDAY: {k["p1"], k["p2"]}}
    assert k["p1"] in {s["student_id"] for s in second["students"]}

    diary = get(env, "deputy", f"/students/{k['p1']}/diary",
                **{"from": MONDAY, "to": WEDNESDAY})
    by_day = {d["date"]: [x["lesson_id"] for x in d["lessons"]] for d in diary["days"]}
    assert by_day == {MONDAY: [k["l1"][0]], WEDNESDAY: [k["l2"][1]]}

    # A mark in the group the pupil left is refused; in the new one it is taken.
    mark = {"student_id": k["p1"], "value": "5", "work_type": "oral"}
    refused = post(env, "teacher", "record-mark", {**mark, "lesson_id": k["l1"][1]})
    assert refused.status_code == 422, refused.text
    assert "does not belong to the class or group" in refused.json()["detail"]
    ok(env, "teacher", "record-mark", {**mark, "lesson_id": k["l2"][1]})
    ok(env, "teacher", "record-mark", {**mark, "lesson_id": k["l1"][0]})

    again = post(env, "deputy", "change-group-membership", move)
    assert again.status_code == 409, again.text
    assert "not in the group" in again.json()["detail"]


def test_reordering_the_plan_keeps_lessons_on_their_topics_and_coverage_follows(
    env: Env,
) -> None:
    course = new_course(env)
    [lesson] = schedule(env, course, MONDAY)
    ok(env, "teacher", "add-plan-topics", {"course_id": course, "topics": [
        {"title": "Дроби", "hours": 1}, {"title": "Проценты", "hours": 1},
        {"title": "Уравнения", "hours": 1}]})
    ok(env, "teacher", "set-lesson-topic",
       {"lesson_id": lesson, "topic": "Проценты", "plan_topic_no": 2})

    def coverage() -> Any:
        rows = get(env, "deputy", "/reports/control", year_id=env.school.year_id,
                   period_id=env.school.period_ids[1], class_id=env.school.class_id)
        [row] = [r for r in rows if r.get("course_id") == course]
        return row["plan_coverage_pct"]

    assert coverage() == 0.0  # one lesson held: topic 1 was due, topic 2 taught
    ok(env, "teacher", "reorder-plan-topics", {"course_id": course, "order": [2, 1, 3]})
    ok(env, "deputy", "edit-plan-topic",
       {"course_id": course, "topic_no": 2, "title": "Проценты и доли", "hours": 2})

    assert coverage() == 100.0
    plan = env.doc(course)["plan"]
    assert [(t["no"], t["title"]) for t in plan] == [
        (2, "Проценты и доли"), (1, "Дроби"), (3, "Уравнения")]
    assert env.doc(lesson)["plan_topic_no"] == 2
    refused = post(env, "other_teacher", "reorder-plan-topics",
                   {"course_id": course, "order": [1, 2, 3]})
    assert refused.status_code == 403
    bad = post(env, "teacher", "reorder-plan-topics",
               {"course_id": course, "order": [1, 2]})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "order"


def test_a_moved_lesson_carries_its_marks_and_as_of_before_shows_the_old_date(
    env: Env,
) -> None:
    course = new_course(env)
    [lesson, _friday] = schedule(env, course, MONDAY, FRIDAY, slot=6)
    pupil = env.school.students[1]
    mark = ok(env, "teacher", "record-mark", {
        "lesson_id": lesson, "student_id": pupil, "value": "4", "work_type": "test"})
    env.clock.advance(seconds=5)
    before = env.clock.now.isoformat()
    move = {"lesson_id": lesson, "date": WEDNESDAY, "slot": 7,
            "starts_at": "14:00", "ends_at": "14:45"}
    assert post(env, "teacher", "move-lesson", move).status_code == 403
    taken = post(env, "deputy", "move-lesson", {**move, "date": FRIDAY, "slot": 6})
    assert taken.status_code == 409, taken.text
    holiday = post(env, "deputy", "move-lesson", {**move, "date": "2026-12-30"})
    assert holiday.status_code == 422, holiday.text
    ok(env, "deputy", "move-lesson", move)

    now = get(env, "deputy", f"/courses/{course}/journal")
    [moved] = [x for x in now["lessons"] if x["lesson_id"] == lesson]
    assert (moved["date"], moved["slot"], moved["starts_at"]) == (WEDNESDAY, 7, "14:00")
    assert [m["mark_id"] for m in moved["cells"][pupil]["marks"]] == [mark["mark_id"]]
    assert [x["date"] for x in now["lessons"]] == [WEDNESDAY, FRIDAY]

    then = get(env, "deputy", f"/courses/{course}/journal", as_of=before)
    [old] = [x for x in then["lessons"] if x["lesson_id"] == lesson]
    assert (old["date"], old["slot"]) == (MONDAY, 6)
    monday_then = get(env, "deputy", f"/students/{pupil}/diary",
                      **{"from": MONDAY, "to": MONDAY, "as_of": before})
    assert lesson in {x["lesson_id"] for d in monday_then["days"] for x in d["lessons"]}
    monday_now = get(env, "deputy", f"/students/{pupil}/diary",
                     **{"from": MONDAY, "to": MONDAY})
    assert lesson not in {x["lesson_id"] for d in monday_now["days"]
                          for x in d["lessons"]}

    # The place it left is free again (a new lesson takes a new id); the one
    # it took is not.
    [again] = schedule(env, course, MONDAY, slot=6)
    assert again != lesson
    clash = env.client.post(f"{API}/commands/schedule-lessons",
                            headers=env.headers["deputy"], json={
        "course_id": course, "lessons": [
            {"date": WEDNESDAY, "slot": 7, "starts_at": "14:00", "ends_at": "14:45"}]})
    assert clash.status_code == 409, clash.text


def test_a_lesson_with_entries_is_not_cancelled_an_empty_one_leaves_the_journal(
    env: Env,
) -> None:
    course = new_course(env)
    held, empty = schedule(env, course, MONDAY, WEDNESDAY, slot=8)
    ok(env, "teacher", "set-lesson-topic", {"lesson_id": held, "topic": "Дроби"})
    ok(env, "teacher", "record-attendance", {"lesson_id": held, "entries": [
        {"student_id": env.school.students[0], "code": "absent"}]})

    refused = post(env, "deputy", "cancel-lesson", {"lesson_id": held, "reason": "x"})
    assert refused.status_code == 409, refused.text
    assert "a topic, 1 attendance note(s)" in refused.json()["detail"]
    assert post(env, "teacher", "cancel-lesson",
                {"lesson_id": empty, "reason": "x"}).status_code == 403

    env.clock.advance(seconds=5)
    before = env.clock.now.isoformat()
    ok(env, "deputy", "cancel-lesson", {"lesson_id": empty, "reason": "карантин"})

    journal = get(env, "deputy", f"/courses/{course}/journal")
    assert [x["lesson_id"] for x in journal["lessons"]] == [held]
    then = get(env, "deputy", f"/courses/{course}/journal", as_of=before)
    assert [x["lesson_id"] for x in then["lessons"]] == [held, empty]
    rows = get(env, "deputy", "/reports/control", year_id=env.school.year_id,
               period_id=env.school.period_ids[1], class_id=env.school.class_id)
    [row] = [r for r in rows if r.get("course_id") == course]
    assert row["lessons_held"] == 1

    write = post(env, "teacher", "set-lesson-topic",
                 {"lesson_id": empty, "topic": "Дроби"})
    assert write.status_code == 409, write.text
    assert "cancelled (карантин)" in write.json()["detail"]
    # The slot is free for a new lesson.
    env.clock.advance(seconds=5)
    assert schedule(env, course, WEDNESDAY, slot=8) != [empty]
