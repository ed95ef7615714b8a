# Over 300 lines: one fresh body per catalogue command (table: role_matrix_cases.py).
"""Who may call what: every role or relation against every command and query of
API.md (and the extra routes), one generated case per cell ("guardian-record-mark")
of the table in tests/api/role_matrix_cases.py, on both backends.

Every body is valid and fresh for its cell (own logins, pupils, marks, requests,
incidents, slots, prepared as the system or as the author), so only authorization
decides: a refused cell would have succeeded for an allowed caller. Refused cells
must write nothing; allowed queries write nothing either (but login and logout).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest

from ejournal.security import Actor
from tests.api import year_bodies
from tests.api.conftest import API, PROBLEM_JSON, Env
from tests.api.role_matrix_cases import CELLS, ROUTES
from tests.builders import PASSWORD

FRESH = itertools.count(1)  # settings values
SLOTS = itertools.count()  # (date, slot) pairs of the spare course, in December
WEEKS = itertools.count(1)  # weeks back from the current one, to acknowledge


# -- helpers that prepare state (as the system, or as an author) -------------------
def actor(env: Env, name: str) -> Actor:
    return env.school.actor(env.service, name)


def account(role: str) -> str:
    """The account a row calls as."""
    return "substitute" if role == "sub_elsewhere" else role


def writer(role: str) -> str:
    """Who writes the lesson a row's lesson command targets."""
    return "substitute" if role == "substitute" else "teacher"


def lesson_for(env: Env, role: str) -> str:
    """The substitute writes the lesson where recorded; everyone else lesson 0."""
    school = env.school
    return school.lesson_ids[4] if role == "substitute" else school.lesson_ids[0]


def fresh_mark(env: Env, role: str) -> str:
    """A mark inside its entry window (written work: 7 days), by the lesson's
    writer for the row, on a pupil of the class."""
    out = env.service.execute(
        actor(env, writer(role)),
        "record-mark",
        {
            "lesson_id": lesson_for(env, role),
            "student_id": env.school.students[1],
            "value": "3",
            "work_type": "written",
        },
    )
    return str(out["mark_id"])


def fresh_request(env: Env) -> str:
    out = env.service.execute(
        actor(env, "teacher"),
        "request-correction",
        {
            "mark_id": fresh_mark(env, "teacher"),
            "value": "4",
            "reason": "a misread paper",
        },
    )
    return str(out["request_id"])


def fresh_victim(env: Env) -> str:
    return str(
        env.run(
            "create-account",
            {
                "login": env.unique("victim."),
                "password": PASSWORD,
                "full_name": "Жертва",
                "roles": ["teacher"],
            },
        )["account_id"]
    )


def fresh_incident(env: Env, *, login_first: bool = False) -> tuple[str, str]:
    """An incident reported on a fresh account; with ``login_first`` the account
    opened a session (an event of its own) before the report."""
    victim = fresh_victim(env)
    if login_first:
        login = env.doc(victim)["login"]
        r = env.client.post(
            f"{API}/auth/login", json={"login": login, "password": PASSWORD}
        )
        assert r.status_code == 200, r.text
    out = env.run(
        "report-compromise",
        {
            "account_id": victim,
            "reported_at": env.clock().isoformat(),
            "note": "a stolen laptop",
        },
    )
    return str(out["incident_id"]), victim


# -- command bodies ----------------------------------------------------------------
Body = Callable[[Env, str], dict[str, Any]]


def create_account(env: Env, role: str) -> dict[str, Any]:
    return {
        "login": env.unique(f"m.{role}."),
        "password": PASSWORD,
        "full_name": "Новый Учитель",
        "roles": ["teacher"],
    }


def reset_password(env: Env, role: str) -> dict[str, Any]:
    return {"account_id": env.ids["victim"], "new_password": "another-horse-7"}


def open_academic_year(env: Env, role: str) -> dict[str, Any]:
    return {
        "name": env.unique(f"Year {role} "),
        "starts_on": "2030-09-01",
        "ends_on": "2031-05-31",
        "periods": [
            {"name": "I", "starts_on": "2030-09-01", "ends_on": "2030-12-27"},
            {"name": "II", "starts_on": "2031-01-12", "ends_on": "2031-05-31"},
        ],
        "holidays": [],
    }


def create_class(env: Env, role: str) -> dict[str, Any]:
    return {"year_id": env.school.year_id, "name": env.unique("7-"), "grade": 7}


def enroll_student(env: Env, role: str) -> dict[str, Any]:
    return {
        "class_id": env.school.class_id,
        "full_name": "Новиков Пётр",
        "birth_date": "2015-03-08",
        "on": "2026-11-23",
    }


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
    return {
        "student_id": env.school.students[0],
        "guardian_account_id": env.school.accounts["guardian"],
        "granted": True,
    }


def create_group(env: Env, role: str) -> dict[str, Any]:
    return {
        "class_id": env.school.class_id,
        "name": env.unique("group "),
        "student_ids": [env.school.students[0], env.school.students[1]],
    }


def create_course(env: Env, role: str) -> dict[str, Any]:
    return {
        "year_id": env.school.year_id,
        "class_id": env.ids["spare_from"],
        "subject": env.unique("Химия "),
        "teacher_id": env.ids["spare_a"],
        "hours_per_week": 2,
    }


def schedule_lessons(env: Env, role: str) -> dict[str, Any]:
    n = next(SLOTS)
    day = date(2026, 12, 1) + timedelta(days=n // 12)
    return {
        "course_id": env.ids["spare_course"],
        "lessons": [
            {
                "date": day.isoformat(),
                "slot": 1 + n % 12,
                "starts_at": "08:30",
                "ends_at": "09:15",
            },
        ],
    }


def add_plan_topics(env: Env, role: str) -> dict[str, Any]:
    return {
        "course_id": env.school.course_id,
        "topics": [{"title": env.unique("Тема "), "hours": 1}],
    }


def set_lesson_topic(env: Env, role: str) -> dict[str, Any]:
    return {
        "lesson_id": lesson_for(env, role),
        "topic": env.unique("Дроби "),
        "plan_topic_no": 1,  # add-plan-topics may leave a plan of one topic
    }


def assign_homework(env: Env, role: str) -> dict[str, Any]:
    return {
        "lesson_id": lesson_for(env, role),
        "text": env.unique("№ 12, "),
        "due_on": "2026-11-30",
    }


def record_attendance(env: Env, role: str) -> dict[str, Any]:
    lesson, pupil = lesson_for(env, role), env.school.students[2]
    code = "present" if env.doc(lesson)["attendance"].get(pupil) == "late" else "late"
    return {"lesson_id": lesson, "entries": [{"student_id": pupil, "code": code}]}


def record_mark(env: Env, role: str) -> dict[str, Any]:
    return {
        "lesson_id": lesson_for(env, role),
        "student_id": env.school.students[0],
        "value": "4",
        "work_type": "oral",
    }


def record_makeup(env: Env, role: str) -> dict[str, Any]:
    pupil = env.enroll(env.school.class_id)
    lesson = lesson_for(env, role)
    env.service.execute(
        actor(env, writer(role)),
        "record-attendance",
        {
            "lesson_id": lesson,
            "entries": [{"student_id": pupil, "code": "ill"}],
        },
    )
    return {
        "lesson_id": lesson,
        "student_id": pupil,
        "value": "5",
        "work_type": "test",
        "protocol": "протокол № 4",
    }


def add_comment(env: Env, role: str) -> dict[str, Any]:
    return {
        "lesson_id": lesson_for(env, role),
        "student_id": env.school.students[0],
        "text": "Молодец",
    }


def record_substitution(env: Env, role: str) -> dict[str, Any]:
    lesson = lesson_for(env, role)
    current = env.doc(lesson)["substitute_id"]
    spare = env.ids["spare_a"] if current != env.ids["spare_a"] else env.ids["spare_b"]
    return {"lesson_id": lesson, "substitute_teacher_id": spare, "reason": "курсы"}


def correct_mark(env: Env, role: str) -> dict[str, Any]:
    return {
        "mark_id": fresh_mark(env, role),
        "value": "5",
        "reason": "a slip of the pen",
    }


def request_correction(env: Env, role: str) -> dict[str, Any]:
    return {
        "mark_id": fresh_mark(env, role),
        "value": "4",
        "reason": "the paper was re-marked",
    }


def approve_correction(env: Env, role: str) -> dict[str, Any]:
    return {"request_id": fresh_request(env)}


def reject_correction(env: Env, role: str) -> dict[str, Any]:
    return {"request_id": fresh_request(env), "reason": "no grounds"}


def set_period_mark(env: Env, role: str) -> dict[str, Any]:
    return {
        "course_id": env.school.course_id,
        "student_id": env.enroll(env.school.class_id),
        "period_id": env.school.period_ids[1],
        "value": "4",
    }


def defer_period_mark(env: Env, role: str) -> dict[str, Any]:
    return {
        "course_id": env.school.course_id,
        "student_id": env.enroll(env.school.class_id),
        "period_id": env.school.period_ids[1],
        "until": "2027-01-20",
        "reason": "ill for three weeks",
    }


def set_final_mark(env: Env, role: str) -> dict[str, Any]:
    return {
        "course_id": env.school.course_id,
        "student_id": env.enroll(env.school.class_id),
        "kind": "annual",
        "value": "5",
    }


def acknowledge_diary(env: Env, role: str) -> dict[str, Any]:
    monday = date(2026, 11, 23) - timedelta(weeks=next(WEEKS))
    return {"student_id": env.school.students[0], "week_start": monday.isoformat()}


def report_compromise(env: Env, role: str) -> dict[str, Any]:
    return {
        "account_id": fresh_victim(env),
        "reported_at": env.clock().isoformat(),
        "note": "password on a sticky note",
    }


def execute_invalidation(env: Env, role: str) -> dict[str, Any]:
    return {"incident_id": fresh_incident(env, login_first=True)[0]}


def reinstate_event(env: Env, role: str) -> dict[str, Any]:
    incident_id, victim = fresh_incident(env, login_first=True)
    voided = env.run("execute-invalidation", {"incident_id": incident_id})
    assert voided["voided"] == 1, voided
    version = next(
        v for v, e in enumerate(_events(env, victim), 1) if e == "SessionOpened"
    )
    return {
        "incident_id": incident_id,
        "stream_id": victim,
        "version": version,
        "reason": "the owner's own login",
    }


def _events(env: Env, stream_id: str) -> list[str]:
    return [type(e).__name__ for e in env.service.app.stream(stream_id)]


def update_school_settings(env: Env, role: str) -> dict[str, Any]:
    return {"homework_delay_minutes": 60 + next(FRESH) % 600}


def _fresh_account(env: Env, *roles: str) -> str:
    return str(
        env.run(
            "create-account",
            {
                "login": env.unique("edit."),
                "password": PASSWORD,
                "full_name": "Редактируемый",
                "roles": list(roles),
            },
        )["account_id"]
    )


def edit_student(env: Env, role: str) -> dict[str, Any]:
    pupil = env.enroll(env.ids["spare_from"])
    return {"student_id": pupil, "full_name": env.unique("Исправлено ")}


def edit_account(env: Env, role: str) -> dict[str, Any]:
    return {"account_id": _fresh_account(env, "parent"), "phone": "+7 900 000-00-00"}


def change_class_teacher(env: Env, role: str) -> dict[str, Any]:
    klass = env.run(
        "create-class",
        {"year_id": env.school.year_id, "name": env.unique("8-"), "grade": 8},
    )["class_id"]
    return {"class_id": klass, "class_teacher_id": env.ids["spare_a"]}


def grant_role(env: Env, role: str) -> dict[str, Any]:
    return {"account_id": _fresh_account(env, "teacher"), "role": "deputy"}


def revoke_role(env: Env, role: str) -> dict[str, Any]:
    return {"account_id": _fresh_account(env, "teacher", "deputy"), "role": "deputy"}


def deactivate_account(env: Env, role: str) -> dict[str, Any]:
    return {"account_id": _fresh_account(env, "teacher"), "reason": "left the school"}


def reactivate_account(env: Env, role: str) -> dict[str, Any]:
    account_id = _fresh_account(env, "teacher")
    env.run("deactivate-account", {"account_id": account_id, "reason": "on leave"})
    return {"account_id": account_id}


def set_notifications(env: Env, role: str) -> dict[str, Any]:
    return {
        "student_id": env.school.students[0],
        "email": "guardian@example.org",
        "low_marks": next(FRESH) % 2 == 0,
        "weekly_digest": True,
    }


LESSON_SLOTS = itertools.count()  # (date, slot) pairs of the spare course, January


def spare_lesson(env: Env) -> str:
    """A fresh empty lesson of the spare course (III period)."""
    n = next(LESSON_SLOTS)
    day = date(2027, 1, 12) + timedelta(days=n // 12)
    out = env.run("schedule-lessons", {
        "course_id": env.ids["spare_course"],
        "lessons": [{"date": day.isoformat(), "slot": 1 + n % 12,
                     "starts_at": "08:30", "ends_at": "09:15"}],
    })
    return str(out["lesson_ids"][0])


def change_group_membership(env: Env, role: str) -> dict[str, Any]:
    pupil = env.enroll(env.school.class_id)
    return {"student_id": pupil, "on": "2026-11-23", "to_group_id": env.ids["group"]}


def plan_of(env: Env, at_least: int) -> list[int]:
    course = env.school.course_id
    plan = env.doc(course).get("plan", [])
    if len(plan) < at_least:
        env.run("add-plan-topics", {"course_id": course, "topics": [
            {"title": env.unique("Тема "), "hours": 1} for _ in range(at_least)]})
        plan = env.doc(course)["plan"]
    return [int(t["no"]) for t in plan]


def edit_plan_topic(env: Env, role: str) -> dict[str, Any]:
    [first, *_] = plan_of(env, 1)
    return {"course_id": env.school.course_id, "topic_no": first,
            "title": env.unique("Тема ")}


def reorder_plan_topics(env: Env, role: str) -> dict[str, Any]:
    numbers = plan_of(env, 2)
    return {"course_id": env.school.course_id, "order": [*numbers[1:], numbers[0]]}


def cancel_lesson(env: Env, role: str) -> dict[str, Any]:
    return {"lesson_id": spare_lesson(env), "reason": "карантин"}


def move_lesson(env: Env, role: str) -> dict[str, Any]:
    lesson = spare_lesson(env)
    n = next(LESSON_SLOTS)  # a place left free for it
    day = date(2027, 1, 12) + timedelta(days=n // 12)
    return {"lesson_id": lesson, "date": day.isoformat(), "slot": 1 + n % 12,
            "starts_at": "10:00", "ends_at": "10:45"}


BODIES: dict[str, Body] = {
    "create-account": create_account,
    "reset-password": reset_password,
    "open-academic-year": open_academic_year,
    "create-class": create_class,
    "enroll-student": enroll_student,
    "transfer-student": transfer_student,
    "withdraw-student": withdraw_student,
    "link-guardian": link_guardian,
    "record-consent": record_consent,
    "create-group": create_group,
    "create-course": create_course,
    "schedule-lessons": schedule_lessons,
    "add-plan-topics": add_plan_topics,
    "set-lesson-topic": set_lesson_topic,
    "assign-homework": assign_homework,
    "record-attendance": record_attendance,
    "record-mark": record_mark,
    "record-makeup": record_makeup,
    "add-comment": add_comment,
    "record-substitution": record_substitution,
    "correct-mark": correct_mark,
    "request-correction": request_correction,
    "approve-correction": approve_correction,
    "reject-correction": reject_correction,
    "set-period-mark": set_period_mark,
    "defer-period-mark": defer_period_mark,
    "set-final-mark": set_final_mark,
    "acknowledge-diary": acknowledge_diary,
    "report-compromise": report_compromise,
    "execute-invalidation": execute_invalidation,
    "reinstate-event": reinstate_event,
    "update-school-settings": update_school_settings,
    "edit-student": edit_student,
    "edit-account": edit_account,
    "change-class-teacher": change_class_teacher,
    "grant-role": grant_role,
    "revoke-role": revoke_role,
    "deactivate-account": deactivate_account,
    "reactivate-account": reactivate_account,
    **year_bodies.BODIES,
    "set-notifications": set_notifications,
    "change-group-membership": change_group_membership,
    "edit-plan-topic": edit_plan_topic,
    "reorder-plan-topics": reorder_plan_topics,
    "cancel-lesson": cancel_lesson,
    "move-lesson": move_lesson,
}


def test_the_matrix_covers_every_command_of_the_catalogue() -> None:
    from ejournal.commands import COMMANDS

    assert set(BODIES) == set(COMMANDS)
    assert set(COMMANDS) <= ROUTES


# -- queries -----------------------------------------------------------------------
@dataclass
class Seeds:
    mark_id: str
    incident_id: str


@pytest.fixture(scope="module")
def seeds(env: Env) -> Seeds:
    mark = env.service.execute(
        actor(env, "teacher"),
        "record-mark",
        {
            "lesson_id": env.school.lesson_ids[2],
            "student_id": env.school.students[2],
            "value": "5",
            "work_type": "oral",
        },
    )["mark_id"]
    incident_id, _ = fresh_incident(env)
    return Seeds(str(mark), incident_id)


def query_path(env: Env, seeds: Seeds, route: str) -> str:
    school = env.school
    return {
        "course-journal": f"/courses/{school.course_id}/journal",
        "class-journal": f"/classes/{school.class_id}/journal",
        "diary": f"/students/{school.students[0]}/diary",
        "other-diary": f"/students/{school.students[1]}/diary",
        "summary": f"/classes/{school.class_id}/summary?year_id={school.year_id}",
        "control": f"/reports/control?year_id={school.year_id}",
        "compliance": "/reports/compliance?from=2026-11-01&to=2026-11-30",
        "incident-preview": f"/incidents/{seeds.incident_id}/preview",
        "audit-events": "/audit/events?limit=5",
        "mark-history": f"/audit/marks/{seeds.mark_id}/history",
        "ledger": "/audit/ledger",
        "health": "/health",
        "me": "/auth/me",
        "my-courses": "/me/courses",
        "my-students": "/me/students",
        "corrections": "/corrections",
        "school-settings": "/school/settings",
        "list-years": "/years",
        "list-classes": f"/classes?year_id={school.year_id}",
        "list-groups": f"/groups?class_id={school.class_id}",
        "list-courses": f"/courses?class_id={school.class_id}",
        "list-students": "/students?q=a&limit=2",
        "list-guardians": "/guardians",
        "list-accounts": "/accounts?role=teacher",
        "pupil-marks": f"/students/{school.students[0]}/marks",
        "pupil-timetable": f"/students/{school.students[0]}/timetable",
        "acknowledgements": f"/classes/{school.class_id}/acknowledgements",
        "year-close-check": f"/years/{school.year_id}/close-check",
        "year-debts": f"/years/{school.year_id}/debts",
        "notification-choice": f"/students/{school.students[0]}/notifications",
    }[route]


def restore_substitute(env: Env) -> None:
    """lesson_ids[4] keeps the substitute every substitute row relies on."""
    lesson = env.school.lesson_ids[4]
    substitute = env.school.accounts["substitute"]
    if env.doc(lesson)["substitute_id"] != substitute:
        env.run(
            "record-substitution",
            {
                "lesson_id": lesson,
                "substitute_teacher_id": substitute,
            },
        )


@dataclass
class Answer:
    status: int
    content_type: str
    body: Any
    wrote: int  # events written by the call under test


def call(env: Env, seeds: Seeds, role: str, route: str) -> Answer:
    client = env.client
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
        return Answer(
            r.status_code,
            r.headers.get("content-type", ""),
            r.json() if r.content else None,
            wrote,
        )
    if route == "login":
        before = env.position()
        r = client.post(
            f"{API}/auth/login",
            json={"login": env.school.logins[account(role)], "password": PASSWORD},
        )
    elif route == "ledger-check":  # a POST that starts a job and writes no event
        before = env.position()
        r = client.post(f"{API}/audit/ledger/verify", headers=headers)
        env.service.ledger_checker.wait()
    elif route == "logout":  # a session of its own: the shared token stays alive
        session = env.login(account(role))
        before = env.position()
        r = client.post(f"{API}/auth/logout", headers=session)
    else:
        before = env.position()
        r = client.get(f"{API}{query_path(env, seeds, route)}", headers=headers)
    wrote = env.position() - before
    return Answer(
        r.status_code,
        r.headers.get("content-type", ""),
        r.json() if r.content else None,
        wrote,
    )


WRITING_QUERIES = {"login", "logout"}  # they open or close a session


@pytest.mark.parametrize(
    ("role", "route", "expected"), CELLS, ids=[f"{r}-{c}" for r, c, _ in CELLS]
)
def test_role_matrix(
    env: Env, seeds: Seeds, role: str, route: str, expected: str
) -> None:
    answer = call(env, seeds, role, route)
    if expected == "allowed":
        assert 200 <= answer.status < 300, (answer.status, answer.body)
        if route in BODIES:
            assert answer.wrote > 0, "an allowed command wrote no event"
            assert answer.body["events"], answer.body
        elif route not in WRITING_QUERIES:
            assert answer.wrote == 0, "a query wrote events"
        elif route == "logout":
            assert answer.status == 204
        return
    assert answer.status == int(expected), (answer.status, answer.body)
    assert answer.content_type.startswith(PROBLEM_JSON), answer.content_type
    assert answer.body["status"] == int(expected)
    assert {"type", "title", "status", "detail"} <= set(answer.body)
    assert answer.wrote == 0, "a refused call wrote events"
