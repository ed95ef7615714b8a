"""Who may call what: every role or relation against every route of the set-up,
lesson, journal, diary and session scope (API.md "who" columns, DOMAIN.md "Roles and
what they may do", ejournal.security).

Each cell is a generated case ("guardian-record-mark"). Bodies are valid and fresh
for every cell (own logins, names, pupils, slots), so that only authorization
decides: a refused cell would have succeeded for an allowed caller.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest

from tests.api.conftest import API, PROBLEM_JSON, Env
from tests.builders import PASSWORD

# Legend: A allowed (2xx), 3 -> 403, 4 -> 404, . no such cell.
# "sub_elsewhere" is the substitute writing a lesson of the same course where they
# are not the recorded substitute (school.lesson_ids[0]).
COMMAND_COLUMNS = {
    "ca": "create-account", "rp": "reset-password", "oy": "open-academic-year",
    "cc": "create-class", "es": "enroll-student", "ts": "transfer-student",
    "ws": "withdraw-student", "lg": "link-guardian", "rc": "record-consent",
    "cg": "create-group", "cr": "create-course", "sl": "schedule-lessons",
    "tp": "set-lesson-topic", "hw": "assign-homework", "at": "record-attendance",
    "mk": "record-mark", "cm": "add-comment", "sb": "record-substitution",
}
COMMAND_GRID = """
               ca rp oy cc es ts ws lg rc cg cr sl tp hw at mk cm sb
teacher        3  3  3  3  3  3  3  3  3  3  3  3  A  A  A  A  A  A
substitute     3  3  3  3  3  3  3  3  3  3  3  3  A  A  A  A  A  A
sub_elsewhere  .  .  .  .  .  .  .  .  .  .  .  .  3  3  3  3  3  3
other_teacher  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3
class_teacher  3  3  3  3  3  3  3  A  3  A  3  3  3  3  3  3  3  3
deputy         3  3  A  A  3  3  3  3  3  A  A  A  3  3  3  3  3  A
director       3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3
admin          A  A  A  A  A  A  A  A  A  A  A  A  3  3  3  3  3  A
secretary      3  3  3  3  A  A  A  A  A  3  3  3  3  3  3  3  3  3
auditor        3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3
guardian       3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3
other_parent   3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3
student        3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3  3
"""
# cj course journal of school.course_id, kj class journal of school.class_id,
# dy diary of school.students[0], od diary of school.students[1] (another pupil),
# he health, me auth/me, lo auth/logout.
QUERY_COLUMNS = {
    "cj": "course-journal", "kj": "class-journal", "dy": "diary",
    "od": "other-diary", "he": "health", "me": "me", "lo": "logout",
}
QUERY_GRID = """
               cj kj dy od he me lo
teacher        A  3  A  A  A  A  A
substitute     3  3  3  3  A  A  A
sub_elsewhere  .  .  .  .  .  .  .
other_teacher  3  3  3  3  A  A  A
class_teacher  A  A  A  A  A  A  A
deputy         A  A  A  A  A  A  A
director       A  A  A  A  A  A  A
admin          A  A  A  A  A  A  A
secretary      3  3  A  A  A  A  A
auditor        A  A  A  A  A  A  A
guardian       3  3  A  4  A  A  A
other_parent   3  3  4  4  A  A  A
student        3  3  A  4  A  A  A
"""
OUTCOMES = {"A": "allowed", "3": "403", "4": "404"}


def parse(grid: str, columns: dict[str, str]) -> list[tuple[str, str, str]]:
    head, *rows = [line.split() for line in grid.strip().splitlines()]
    assert head == list(columns)
    cells = []
    for role, *marks in rows:
        assert len(marks) == len(head), role
        for column, mark in zip(head, marks, strict=True):
            if mark != ".":
                cells.append((role, columns[column], OUTCOMES[mark]))
    return cells


CELLS = parse(COMMAND_GRID, COMMAND_COLUMNS) + parse(QUERY_GRID, QUERY_COLUMNS)


def account(role: str) -> str:
    """The account a row calls as."""
    return "substitute" if role == "sub_elsewhere" else role


def lesson_for(env: Env, role: str) -> str:
    """The substitute writes the lesson where recorded; everyone else lesson 0."""
    school = env.school
    return school.lesson_ids[4] if role == "substitute" else school.lesson_ids[0]


# -- command bodies: each call may prepare state as the system actor --------------
Body = Callable[[Env, str], dict[str, Any]]


def create_account(env: Env, role: str) -> dict[str, Any]:
    return {"login": env.unique(f"m.{role}."), "password": PASSWORD,
            "full_name": "Новый Учитель", "roles": ["teacher"]}


def reset_password(env: Env, role: str) -> dict[str, Any]:
    return {"account_id": env.ids["victim"], "new_password": "another-horse-7"}


def open_academic_year(env: Env, role: str) -> dict[str, Any]:
    return {
        "name": env.unique(f"Year {role} "), "starts_on": "2030-09-01",
        "ends_on": "2031-05-31",
        "periods": [{"name": "I", "starts_on": "2030-09-01", "ends_on": "2030-12-27"},
                    {"name": "II", "starts_on": "2031-01-12", "ends_on": "2031-05-31"}],
        "holidays": [{"name": "winter", "starts_on": "2030-12-28",
                      "ends_on": "2031-01-11"}],
    }


def create_class(env: Env, role: str) -> dict[str, Any]:
    return {"year_id": env.school.year_id, "name": env.unique("7-"), "grade": 7}


def enroll_student(env: Env, role: str) -> dict[str, Any]:
    return {"class_id": env.school.class_id, "full_name": "Новиков Пётр",
            "birth_date": "2015-03-08", "on": "2026-11-23"}


def transfer_student(env: Env, role: str) -> dict[str, Any]:
    pupil = env.enroll(env.ids["spare_from"])
    return {"student_id": pupil, "to_class_id": env.ids["spare_to"], "on": "2026-11-23"}


def withdraw_student(env: Env, role: str) -> dict[str, Any]:
    pupil = env.enroll(env.ids["spare_from"])
    return {"student_id": pupil, "on": "2026-11-23", "reason": "moved to Kazan"}


def link_guardian(env: Env, role: str) -> dict[str, Any]:
    pupil = env.enroll(env.school.class_id)  # a pupil of class_teacher's class
    return {"student_id": pupil, "account_id": env.ids["spare_parent"]}


def record_consent(env: Env, role: str) -> dict[str, Any]:
    return {"student_id": env.school.students[0],
            "guardian_account_id": env.school.accounts["guardian"], "granted": True}


def create_group(env: Env, role: str) -> dict[str, Any]:
    return {"class_id": env.school.class_id, "name": env.unique("group "),
            "student_ids": [env.school.students[0], env.school.students[1]]}


def create_course(env: Env, role: str) -> dict[str, Any]:
    return {"year_id": env.school.year_id, "class_id": env.ids["spare_from"],
            "subject": env.unique("Химия "), "teacher_id": env.ids["spare_a"],
            "hours_per_week": 2}


FREE_SLOTS = itertools.count()  # (date, slot) pairs of the spare course, in December


def schedule_lessons(env: Env, role: str) -> dict[str, Any]:
    n = next(FREE_SLOTS)
    day = date(2026, 12, 1) + timedelta(days=n // 12)
    return {"course_id": env.ids["spare_course"], "lessons": [
        {"date": day.isoformat(), "slot": 1 + n % 12, "starts_at": "08:30",
         "ends_at": "09:15"},
    ]}


def set_lesson_topic(env: Env, role: str) -> dict[str, Any]:
    return {"lesson_id": lesson_for(env, role), "topic": "Дроби", "plan_topic_no": 3}


def assign_homework(env: Env, role: str) -> dict[str, Any]:
    return {"lesson_id": lesson_for(env, role), "text": "№ 12, 13",
            "due_on": "2026-11-30"}


def record_attendance(env: Env, role: str) -> dict[str, Any]:
    return {"lesson_id": lesson_for(env, role), "entries": [
        {"student_id": env.school.students[2], "code": "late"},
    ]}


def record_mark(env: Env, role: str) -> dict[str, Any]:
    return {"lesson_id": lesson_for(env, role), "student_id": env.school.students[0],
            "value": "4", "work_type": "oral"}


def add_comment(env: Env, role: str) -> dict[str, Any]:
    return {"lesson_id": lesson_for(env, role), "student_id": env.school.students[0],
            "text": "Молодец"}


def record_substitution(env: Env, role: str) -> dict[str, Any]:
    lesson = lesson_for(env, role)
    current = env.doc(lesson)["substitute_id"]
    spare = env.ids["spare_a"] if current != env.ids["spare_a"] else env.ids["spare_b"]
    return {"lesson_id": lesson, "substitute_teacher_id": spare, "reason": "курсы"}


BODIES: dict[str, Body] = {
    "create-account": create_account, "reset-password": reset_password,
    "open-academic-year": open_academic_year, "create-class": create_class,
    "enroll-student": enroll_student, "transfer-student": transfer_student,
    "withdraw-student": withdraw_student, "link-guardian": link_guardian,
    "record-consent": record_consent, "create-group": create_group,
    "create-course": create_course, "schedule-lessons": schedule_lessons,
    "set-lesson-topic": set_lesson_topic, "assign-homework": assign_homework,
    "record-attendance": record_attendance, "record-mark": record_mark,
    "add-comment": add_comment, "record-substitution": record_substitution,
}
assert set(BODIES) == set(COMMAND_COLUMNS.values())


def restore_substitute(env: Env) -> None:
    """lesson_ids[4] keeps the substitute every substitute row relies on."""
    lesson = env.school.lesson_ids[4]
    substitute = env.school.accounts["substitute"]
    if env.doc(lesson)["substitute_id"] != substitute:
        env.run("record-substitution", {
            "lesson_id": lesson, "substitute_teacher_id": substitute,
        })


@dataclass
class Answer:
    status: int
    content_type: str
    body: Any
    wrote: int  # events written by the call under test


def call(env: Env, role: str, route: str) -> Answer:
    client, school = env.client, env.school
    headers = env.headers[account(role)]
    if route in BODIES:
        body = BODIES[route](env, role)
        before = env.position()
        try:
            r = client.post(f"{API}/commands/{route}", headers=headers, json=body)
            wrote = env.position() - before
        finally:
            if route == "record-substitution":
                restore_substitute(env)
    else:
        before = env.position()
        if route == "logout":  # a session of its own: the shared token stays alive
            headers = env.login(account(role))
            before = env.position()
            r = client.post(f"{API}/auth/logout", headers=headers)
        else:
            path = {
                "course-journal": f"/courses/{school.course_id}/journal",
                "class-journal": f"/classes/{school.class_id}/journal",
                "diary": f"/students/{school.students[0]}/diary",
                "other-diary": f"/students/{school.students[1]}/diary",
                "health": "/health",
                "me": "/auth/me",
            }[route]
            r = client.get(f"{API}{path}", headers=headers)
        wrote = env.position() - before
    content_type = r.headers.get("content-type", "")
    body_out = r.json() if r.content else None
    return Answer(r.status_code, content_type, body_out, wrote)


@pytest.mark.parametrize(
    ("role", "route", "expected"), CELLS, ids=[f"{r}-{c}" for r, c, _ in CELLS]
)
def test_role_matrix(env: Env, role: str, route: str, expected: str) -> None:
    answer = call(env, role, route)
    if expected == "allowed":
        assert 200 <= answer.status < 300, (answer.status, answer.body)
        if route in BODIES:
            assert answer.wrote > 0, "an allowed command wrote no event"
            assert answer.body["events"], answer.body
        elif route == "logout":
            assert answer.status == 204
        return
    assert answer.status == int(expected), (answer.status, answer.body)
    assert answer.content_type.startswith(PROBLEM_JSON), answer.content_type
    assert answer.body["status"] == int(expected)
    assert {"type", "title", "status", "detail"} <= set(answer.body)
    assert answer.wrote == 0, "a refused call wrote events"
