"""Every command of the set-up and lesson scope refuses bad input with the right
problem+json status and writes nothing.

Each case is a valid body (checked by test_base_bodies_are_valid) with one thing
wrong. Cases share one school per module and backend: none of them may write.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from ejournal.commands import COMMANDS
from tests.api.conftest import API, PROBLEM_JSON, Env
from tests.builders import PASSWORD

UNKNOWN = "3f0c9a52-8a0e-4a3b-9c55-0d1e2f3a4b5c"  # an id nobody has
DROP = object()  # remove the field


def with_(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    out = dict(base)
    for key, value in changes.items():
        if value is DROP:
            del out[key]
        else:
            out[key] = value
    return out


# -- valid bodies, one per command -------------------------------------------------
def create_account(e: Env, **c: Any) -> dict[str, Any]:
    return with_({"login": "newbie", "password": PASSWORD, "full_name": "Новичок",
                  "roles": ["teacher"]}, **c)


def reset_password(e: Env, **c: Any) -> dict[str, Any]:
    return with_({"account_id": e.ids["victim"], "new_password": "another-horse-7"},
                 **c)


def open_academic_year(e: Env, **c: Any) -> dict[str, Any]:
    return with_({
        "name": "2030/2031", "starts_on": "2030-09-01", "ends_on": "2031-05-31",
        "periods": [{"name": "I", "starts_on": "2030-09-01", "ends_on": "2030-12-27"},
                    {"name": "II", "starts_on": "2031-01-12", "ends_on": "2031-05-31"}],
        "holidays": [{"name": "winter", "starts_on": "2030-12-28",
                      "ends_on": "2031-01-11"}],
    }, **c)


def create_class(e: Env, **c: Any) -> dict[str, Any]:
    return with_({"year_id": e.school.year_id, "name": "8В", "grade": 8,
                  "class_teacher_id": e.school.accounts["class_teacher"]}, **c)


def enroll_student(e: Env, **c: Any) -> dict[str, Any]:
    return with_({"class_id": e.school.class_id, "full_name": "Новиков Пётр",
                  "birth_date": "2015-03-08", "on": "2026-11-23"}, **c)


def transfer_student(e: Env, **c: Any) -> dict[str, Any]:
    return with_({"student_id": e.school.students[0],
                  "to_class_id": e.school.other_class_id, "on": "2026-11-23"}, **c)


def withdraw_student(e: Env, **c: Any) -> dict[str, Any]:
    return with_({"student_id": e.school.students[0], "on": "2026-11-23",
                  "reason": "moved to Kazan"}, **c)


def link_guardian(e: Env, **c: Any) -> dict[str, Any]:
    return with_({"student_id": e.school.students[1],
                  "account_id": e.ids["spare_parent"]}, **c)


def record_consent(e: Env, **c: Any) -> dict[str, Any]:
    return with_({"student_id": e.school.students[0],
                  "guardian_account_id": e.school.accounts["guardian"],
                  "granted": True}, **c)


def create_group(e: Env, **c: Any) -> dict[str, Any]:
    return with_({"class_id": e.school.class_id, "name": "Группа 2",
                  "student_ids": [e.school.students[1]]}, **c)


def create_course(e: Env, **c: Any) -> dict[str, Any]:
    return with_({"year_id": e.school.year_id, "class_id": e.school.class_id,
                  "subject": "Биология", "teacher_id": e.school.accounts["teacher"],
                  "hours_per_week": 1}, **c)


def slot(**c: Any) -> dict[str, Any]:
    return with_({"date": "2026-12-07", "slot": 5, "starts_at": "11:30",
                  "ends_at": "12:15"}, **c)


def schedule_lessons(e: Env, **c: Any) -> dict[str, Any]:
    return with_({"course_id": e.school.course_id, "lessons": [slot()]}, **c)


def set_lesson_topic(e: Env, **c: Any) -> dict[str, Any]:
    return with_({"lesson_id": e.school.lesson_ids[1], "topic": "Дроби"}, **c)


def assign_homework(e: Env, **c: Any) -> dict[str, Any]:
    return with_({"lesson_id": e.school.lesson_ids[1], "text": "№ 12, 13",
                  "due_on": "2026-11-30"}, **c)


def record_attendance(e: Env, **c: Any) -> dict[str, Any]:
    return with_({"lesson_id": e.school.lesson_ids[1], "entries": [
        {"student_id": e.school.students[0], "code": "absent"}]}, **c)


def record_mark(e: Env, **c: Any) -> dict[str, Any]:
    return with_({"lesson_id": e.school.lesson_ids[1],
                  "student_id": e.school.students[0], "value": "5",
                  "work_type": "oral"}, **c)


def add_comment(e: Env, **c: Any) -> dict[str, Any]:
    return with_({"lesson_id": e.school.lesson_ids[1],
                  "student_id": e.school.students[0], "text": "Забыл тетрадь"}, **c)


def record_substitution(e: Env, **c: Any) -> dict[str, Any]:
    return with_({"lesson_id": e.school.lesson_ids[1],
                  "substitute_teacher_id": e.ids["spare_b"], "reason": "курсы"}, **c)


def set_notifications(e: Env, **c: Any) -> dict[str, Any]:
    return with_({"student_id": e.school.students[0], "email": "mama@example.org",
                  "low_marks": True, "absences": True}, **c)


def change_group_membership(e: Env, **c: Any) -> dict[str, Any]:
    return with_({"student_id": e.school.students[0], "on": "2026-11-23",
                  "from_group_id": e.ids["group"]}, **c)


def edit_plan_topic(e: Env, **c: Any) -> dict[str, Any]:
    return with_({"course_id": e.school.course_id, "topic_no": 1,
                  "title": "Новая тема"}, **c)


def reorder_plan_topics(e: Env, **c: Any) -> dict[str, Any]:
    return with_({"course_id": e.school.course_id, "order": [1]}, **c)


def cancel_lesson(e: Env, **c: Any) -> dict[str, Any]:
    return with_({"lesson_id": e.school.lesson_ids[0], "reason": "карантин"}, **c)


def move_lesson(e: Env, **c: Any) -> dict[str, Any]:
    return with_({"lesson_id": e.school.lesson_ids[0], "date": "2026-11-16",
                  "slot": 9, "starts_at": "12:00", "ends_at": "12:45"}, **c)


# command -> (valid body, caller)
def edit_student(e: Env, **c: Any) -> dict[str, Any]:
    return with_({"student_id": e.school.students[0], "full_name": "Алексеев А."}, **c)


def edit_account(e: Env, **c: Any) -> dict[str, Any]:
    return with_({"account_id": e.ids["spare_parent"], "phone": "+7 900 1"}, **c)


def change_class_teacher(e: Env, **c: Any) -> dict[str, Any]:
    return with_({"class_id": e.school.class_id,
                  "class_teacher_id": e.school.accounts["other_teacher"]}, **c)


def role_body(e: Env, **c: Any) -> dict[str, Any]:
    return with_({"account_id": e.ids["victim"], "role": "deputy"}, **c)


def deactivate_account(e: Env, **c: Any) -> dict[str, Any]:
    return with_({"account_id": e.ids["victim"], "reason": "left"}, **c)


def reactivate_account(e: Env, **c: Any) -> dict[str, Any]:
    return with_({"account_id": e.ids["victim"]}, **c)
def close_academic_year(e: Env, **c: Any) -> dict[str, Any]:
    return with_({"year_id": e.school.year_id, "order_no": "57-о",
                  "on": "2027-06-01"}, **c)


def promote_students(e: Env, **c: Any) -> dict[str, Any]:
    return with_({"year_id": e.school.year_id, "next_year_id": e.ids["next_year"],
                  "order": {"number": "58-о", "date": "2027-06-01"},
                  "decisions": [{"student_id": e.school.students[0],
                                 "outcome": "promoted"}]}, **c)


def clear_academic_debt(e: Env, **c: Any) -> dict[str, Any]:
    return with_({"student_id": e.school.students[0],
                  "course_id": e.school.course_id, "value": "3",
                  "on": "2026-11-20"}, **c)


BASES: dict[str, tuple[Callable[..., dict[str, Any]], str]] = {
    "create-account": (create_account, "admin"),
    "reset-password": (reset_password, "admin"),
    "open-academic-year": (open_academic_year, "deputy"),
    "create-class": (create_class, "deputy"),
    "enroll-student": (enroll_student, "secretary"),
    "transfer-student": (transfer_student, "secretary"),
    "withdraw-student": (withdraw_student, "secretary"),
    "link-guardian": (link_guardian, "secretary"),
    "record-consent": (record_consent, "secretary"),
    "create-group": (create_group, "class_teacher"),
    "create-course": (create_course, "deputy"),
    "schedule-lessons": (schedule_lessons, "deputy"),
    "set-lesson-topic": (set_lesson_topic, "teacher"),
    "assign-homework": (assign_homework, "teacher"),
    "record-attendance": (record_attendance, "teacher"),
    "record-mark": (record_mark, "teacher"),
    "add-comment": (add_comment, "teacher"),
    "record-substitution": (record_substitution, "deputy"),
    "edit-student": (edit_student, "secretary"),
    "edit-account": (edit_account, "admin"),
    "change-class-teacher": (change_class_teacher, "deputy"),
    "grant-role": (role_body, "admin"),
    "revoke-role": (role_body, "admin"),
    "deactivate-account": (deactivate_account, "admin"),
    "reactivate-account": (reactivate_account, "admin"),
    "close-academic-year": (close_academic_year, "director"),
    "promote-students": (promote_students, "director"),
    "clear-academic-debt": (clear_academic_debt, "deputy"),
    "set-notifications": (set_notifications, "guardian"),
    "change-group-membership": (change_group_membership, "class_teacher"),
    "edit-plan-topic": (edit_plan_topic, "deputy"),
    "reorder-plan-topics": (reorder_plan_topics, "deputy"),
    "cancel-lesson": (cancel_lesson, "deputy"),
    "move-lesson": (move_lesson, "deputy"),
}


@dataclass(frozen=True)
class Case:
    command: str
    name: str
    body: Callable[[Env], dict[str, Any]]
    status: int
    field: str | None = None  # for 422: a field some errors[].field must name

    @property
    def id(self) -> str:
        return f"{self.command}-{self.name}"


def case(command: str, name: str, status: int, field: str | None = None, /,
         **changes: Any) -> Case:
    make = BASES[command][0]
    return Case(command, name, lambda e: make(e, **changes), status, field)


def custom(command: str, name: str, status: int,
           body: Callable[[Env], dict[str, Any]], field: str | None = None) -> Case:
    return Case(command, name, body, status, field)


LONG = "я" * 501  # ShortText allows 500
CASES = [
    # create-account
    case("create-account", "missing-password", 422, "password", password=DROP),
    case("create-account", "wrong-role", 422, "roles", roles=["wizard"]),
    case("create-account", "login-too-long", 422, "login", login="a" * 65),
    case("create-account", "login-bad-chars", 422, "login", login="new user"),
    case("create-account", "name-too-long", 422, "full_name", full_name="я" * 201),
    case("create-account", "short-password", 422, "password", password="short"),
    case("create-account", "bad-student-uuid", 422, "student_id",
         roles=["student"], student_id="not-a-uuid"),
    case("create-account", "extra-field", 422, "is_superuser", is_superuser=True),
    case("create-account", "student-without-pupil", 422, "student_id",
         roles=["student"]),
    case("create-account", "unknown-pupil", 404, roles=["student"],
         student_id=UNKNOWN),
    case("create-account", "login-taken", 409, login="teacher"),
    case("create-account", "login-taken-other-case", 409, login="Teacher"),
    # reset-password
    case("reset-password", "missing-password", 422, "new_password",
         new_password=DROP),
    case("reset-password", "bad-uuid", 422, "account_id", account_id="42"),
    case("reset-password", "short-password", 422, "new_password",
         new_password="1234567"),
    case("reset-password", "unknown-account", 404, account_id=UNKNOWN),
    # open-academic-year
    case("open-academic-year", "missing-periods", 422, "periods", periods=DROP),
    case("open-academic-year", "bad-date", 422, "starts_on", starts_on="2030-02-30"),
    case("open-academic-year", "name-too-long", 422, "name", name="я" * 201),
    case("open-academic-year", "no-periods", 422, "periods", periods=[]),
    case("open-academic-year", "ends-before-start", 422, "ends_on",
         ends_on="2030-08-01"),
    custom("open-academic-year", "period-outside-year", 422, lambda e:
           open_academic_year(e, periods=[{"name": "I", "starts_on": "2030-08-01",
                                           "ends_on": "2030-12-27"}]), "periods"),
    case("open-academic-year", "name-exists", 409, name="2026/2027"),
    # create-class
    case("create-class", "grade-12", 422, "grade", grade=12),
    case("create-class", "grade-not-int", 422, "grade", grade="five"),
    case("create-class", "bad-year-uuid", 422, "year_id", year_id="2026"),
    case("create-class", "name-too-long", 422, "name", name=LONG),
    case("create-class", "unknown-year", 404, year_id=UNKNOWN),
    case("create-class", "unknown-class-teacher", 404, class_teacher_id=UNKNOWN),
    custom("create-class", "class-teacher-not-teacher", 422, lambda e: create_class(
        e, class_teacher_id=e.school.accounts["guardian"]), "class_teacher_id"),
    case("create-class", "name-exists", 409, name="5А"),
    # enroll-student
    case("enroll-student", "missing-on", 422, "on", on=DROP),
    case("enroll-student", "name-too-long", 422, "full_name", full_name="я" * 201),
    case("enroll-student", "bad-class-uuid", 422, "class_id", class_id="5A"),
    case("enroll-student", "unknown-class", 404, class_id=UNKNOWN),
    case("enroll-student", "outside-year", 422, "on", on="2027-07-01"),
    case("enroll-student", "born-after-admission", 422, "birth_date",
         birth_date="2026-12-01"),
    # transfer-student
    case("transfer-student", "bad-uuid", 422, "to_class_id", to_class_id="6Б"),
    case("transfer-student", "missing-on", 422, "on", on=DROP),
    case("transfer-student", "unknown-pupil", 404, student_id=UNKNOWN),
    case("transfer-student", "unknown-class", 404, to_class_id=UNKNOWN),
    custom("transfer-student", "into-own-class", 409, lambda e: transfer_student(
        e, to_class_id=e.school.class_id)),
    custom("transfer-student", "withdrawn-pupil", 409, lambda e: transfer_student(
        e, student_id=e.ids["withdrawn"])),
    case("transfer-student", "before-admission", 422, "on", on="2026-09-01"),
    # withdraw-student
    case("withdraw-student", "missing-reason", 422, "reason", reason=DROP),
    case("withdraw-student", "reason-too-long", 422, "reason", reason=LONG),
    case("withdraw-student", "unknown-pupil", 404, student_id=UNKNOWN),
    custom("withdraw-student", "already-withdrawn", 409, lambda e: withdraw_student(
        e, student_id=e.ids["withdrawn"])),
    case("withdraw-student", "before-admission", 422, "on", on="2026-08-01"),
    # link-guardian
    case("link-guardian", "bad-uuid", 422, "account_id", account_id="mum"),
    case("link-guardian", "unknown-pupil", 404, student_id=UNKNOWN),
    case("link-guardian", "unknown-account", 404, account_id=UNKNOWN),
    custom("link-guardian", "already-linked", 409, lambda e: link_guardian(
        e, student_id=e.school.students[0],
        account_id=e.school.accounts["guardian"])),
    custom("link-guardian", "not-a-parent", 422, lambda e: link_guardian(
        e, account_id=e.school.accounts["teacher"]), "account_id"),
    # record-consent
    case("record-consent", "granted-not-bool", 422, "granted", granted="maybe"),
    case("record-consent", "missing-granted", 422, "granted", granted=DROP),
    case("record-consent", "unknown-pupil", 404, student_id=UNKNOWN),
    case("record-consent", "unknown-guardian", 404, guardian_account_id=UNKNOWN),
    custom("record-consent", "not-a-guardian", 422, lambda e: record_consent(
        e, guardian_account_id=e.school.accounts["other_parent"]),
        "guardian_account_id"),
    # create-group
    case("create-group", "no-pupils", 422, "student_ids", student_ids=[]),
    case("create-group", "bad-pupil-uuid", 422, "student_ids", student_ids=["x"]),
    case("create-group", "name-too-long", 422, "name", name=LONG),
    case("create-group", "unknown-class", 404, class_id=UNKNOWN),
    case("create-group", "unknown-pupil", 404, student_ids=[UNKNOWN]),
    custom("create-group", "pupil-of-other-class", 422, lambda e: create_group(
        e, student_ids=[e.school.other_student]), "student_ids"),
    custom("create-group", "pupil-twice", 422, lambda e: create_group(
        e, student_ids=[e.school.students[1], e.school.students[1]]), "student_ids"),
    case("create-group", "name-exists", 409, name="Группа 1"),
    # create-course
    case("create-course", "zero-hours", 422, "hours_per_week", hours_per_week=0),
    case("create-course", "missing-subject", 422, "subject", subject=DROP),
    case("create-course", "subject-too-long", 422, "subject", subject=LONG),
    case("create-course", "bad-teacher-uuid", 422, "teacher_id", teacher_id="t1"),
    case("create-course", "unknown-year", 404, year_id=UNKNOWN),
    case("create-course", "unknown-class", 404, class_id=UNKNOWN),
    case("create-course", "unknown-group", 404, group_id=UNKNOWN),
    case("create-course", "unknown-teacher", 404, teacher_id=UNKNOWN),
    custom("create-course", "teacher-not-teacher", 422, lambda e: create_course(
        e, teacher_id=e.school.accounts["guardian"]), "teacher_id"),
    custom("create-course", "class-of-another-year", 422, lambda e: create_course(
        e, year_id=e.ids["next_year"]), "class_id"),
    # schedule-lessons
    case("schedule-lessons", "slot-0", 422, "slot", lessons=[slot(slot=0)]),
    case("schedule-lessons", "bad-time", 422, "starts_at",
         lessons=[slot(starts_at="9:25")]),
    case("schedule-lessons", "ends-before-start", 422, "ends_at",
         lessons=[slot(starts_at="12:15", ends_at="11:30")]),
    case("schedule-lessons", "no-lessons", 422, "lessons", lessons=[]),
    case("schedule-lessons", "bad-course-uuid", 422, "course_id", course_id="math"),
    case("schedule-lessons", "unknown-course", 404, course_id=UNKNOWN),
    case("schedule-lessons", "holiday", 422, "lessons",
         lessons=[slot(date="2026-10-28")]),
    case("schedule-lessons", "outside-year", 422, "lessons",
         lessons=[slot(date="2027-07-01")]),
    case("schedule-lessons", "same-slot-twice", 422, "lessons",
         lessons=[slot(), slot()]),
    case("schedule-lessons", "already-scheduled", 409,
         lessons=[slot(date="2026-11-16", slot=2, starts_at="09:25",
                       ends_at="10:10")]),
    case("schedule-lessons", "batch-with-one-scheduled", 409,
         lessons=[slot(), slot(date="2026-11-17", slot=2, starts_at="09:25",
                               ends_at="10:10")]),
    # set-lesson-topic
    case("set-lesson-topic", "missing-topic", 422, "topic", topic=DROP),
    case("set-lesson-topic", "blank-topic", 422, "topic", topic="   "),
    case("set-lesson-topic", "topic-too-long", 422, "topic", topic=LONG),
    case("set-lesson-topic", "plan-topic-0", 422, "plan_topic_no", plan_topic_no=0),
    case("set-lesson-topic", "bad-lesson-uuid", 422, "lesson_id", lesson_id="mon-2"),
    case("set-lesson-topic", "unknown-lesson", 404, lesson_id=UNKNOWN),
    # assign-homework
    case("assign-homework", "text-too-long", 422, "text", text="я" * 4001),
    case("assign-homework", "bad-date", 422, "due_on", due_on="tomorrow"),
    case("assign-homework", "due-before-lesson", 422, "due_on", due_on="2026-11-16"),
    case("assign-homework", "unknown-lesson", 404, lesson_id=UNKNOWN),
    # record-attendance
    custom("record-attendance", "wrong-code", 422, lambda e: record_attendance(
        e, entries=[{"student_id": e.school.students[0], "code": "sick"}]), "code"),
    case("record-attendance", "no-entries", 422, "entries", entries=[]),
    case("record-attendance", "missing-entries", 422, "entries", entries=DROP),
    case("record-attendance", "unknown-lesson", 404, lesson_id=UNKNOWN),
    custom("record-attendance", "future-lesson", 409, lambda e: record_attendance(
        e, lesson_id=e.school.future_lesson_id)),
    custom("record-attendance", "pupil-of-other-class", 422, lambda e:
           record_attendance(e, entries=[
               {"student_id": e.school.other_student, "code": "absent"}]),
           "student_id"),
    custom("record-attendance", "pupil-twice", 422, lambda e: record_attendance(
        e, entries=[{"student_id": e.school.students[0], "code": "absent"},
                    {"student_id": e.school.students[0], "code": "late"}]),
           "entries"),
    case("record-attendance", "unknown-pupil", 404,
         entries=[{"student_id": UNKNOWN, "code": "absent"}]),
    # record-mark
    case("record-mark", "value-6", 422, "value", value="6"),
    case("record-mark", "value-not-string", 422, "value", value=5),
    case("record-mark", "wrong-work-type", 422, "work_type", work_type="quiz"),
    case("record-mark", "missing-pupil", 422, "student_id", student_id=DROP),
    case("record-mark", "comment-too-long", 422, "comment", comment=LONG),
    case("record-mark", "unknown-lesson", 404, lesson_id=UNKNOWN),
    custom("record-mark", "future-lesson", 409, lambda e: record_mark(
        e, lesson_id=e.school.future_lesson_id)),
    custom("record-mark", "pupil-of-other-class", 422, lambda e: record_mark(
        e, student_id=e.school.other_student), "student_id"),
    case("record-mark", "unknown-pupil", 404, student_id=UNKNOWN),
    # add-comment
    case("add-comment", "text-too-long", 422, "text", text=LONG),
    case("add-comment", "missing-text", 422, "text", text=DROP),
    case("add-comment", "bad-pupil-uuid", 422, "student_id", student_id="Антон"),
    case("add-comment", "unknown-lesson", 404, lesson_id=UNKNOWN),
    custom("add-comment", "pupil-of-other-class", 422, lambda e: add_comment(
        e, student_id=e.school.other_student), "student_id"),
    case("add-comment", "unknown-pupil", 404, student_id=UNKNOWN),
    # record-substitution
    case("record-substitution", "bad-uuid", 422, "substitute_teacher_id",
         substitute_teacher_id="Иванова"),
    case("record-substitution", "reason-too-long", 422, "reason", reason=LONG),
    case("record-substitution", "unknown-lesson", 404, lesson_id=UNKNOWN),
    case("record-substitution", "unknown-teacher", 404,
         substitute_teacher_id=UNKNOWN),
    custom("record-substitution", "not-a-teacher", 422, lambda e:
           record_substitution(e, substitute_teacher_id=e.school.accounts["guardian"]),
           "substitute_teacher_id"),
    custom("record-substitution", "same-substitute-again", 409, lambda e:
           record_substitution(e, lesson_id=e.school.lesson_ids[4],
                               substitute_teacher_id=e.school.accounts["substitute"])),
    # edit-student
    case("edit-student", "unknown-pupil", 404, student_id=UNKNOWN),
    case("edit-student", "bad-uuid", 422, "student_id", student_id="anton"),
    case("edit-student", "no-field", 422, "full_name", full_name=DROP),
    case("edit-student", "empty-name", 422, "full_name", full_name="  "),
    case("edit-student", "null-name", 422, "full_name", full_name=None),
    case("edit-student", "name-too-long", 422, "full_name", full_name="я" * 201),
    case("edit-student", "bad-birth-date", 422, "birth_date",
         birth_date="10.03.2015"),
    case("edit-student", "born-after-admission", 422, "birth_date",
         full_name=DROP, birth_date="2026-10-01"),
    case("edit-student", "unchanged", 409, full_name="Алексеев Антон"),
    case("edit-student", "extra-field", 422, "class_id",
         class_id="3f0c9a52-8a0e-4a3b-9c55-0d1e2f3a4b5d"),
    # edit-account
    case("edit-account", "unknown-account", 404, account_id=UNKNOWN),
    case("edit-account", "no-field", 422, "full_name", phone=DROP),
    case("edit-account", "null-name", 422, "full_name", full_name=None),
    case("edit-account", "bad-email", 422, "email", email="parent.at.mail.ru"),
    case("edit-account", "email-without-domain", 422, "email", email="parent@mail"),
    case("edit-account", "email-too-long", 422, "email",
         email="a" * 250 + "@x.ru"),
    case("edit-account", "phone-with-letters", 422, "phone", phone="+7 900 CALL"),
    case("edit-account", "phone-too-short", 422, "phone", phone="123"),
    case("edit-account", "phone-too-long", 422, "phone", phone="1" * 21),
    case("edit-account", "email-not-text", 422, "email", email=42),
    custom("edit-account", "unchanged", 409, lambda e: edit_account(
        e, phone=DROP, full_name=e.doc(e.ids["spare_parent"])["full_name"])),
    # change-class-teacher
    case("change-class-teacher", "unknown-class", 404, class_id=UNKNOWN),
    case("change-class-teacher", "unknown-teacher", 404, class_teacher_id=UNKNOWN),
    custom("change-class-teacher", "not-a-teacher", 422, lambda e:
           change_class_teacher(e, class_teacher_id=e.school.accounts["guardian"]),
           "class_teacher_id"),
    custom("change-class-teacher", "same-teacher", 409, lambda e: change_class_teacher(
        e, class_teacher_id=e.school.accounts["class_teacher"])),
    case("change-class-teacher", "missing-teacher", 422, "class_teacher_id",
         class_teacher_id=DROP),
    case("change-class-teacher", "future-date", 422, "on", on="2027-01-10"),
    case("change-class-teacher", "bad-date", 422, "on", on="23.11.2026"),
    case("change-class-teacher", "before-the-year", 422, "on", on="2026-08-31"),
    # grant-role, revoke-role
    case("grant-role", "wrong-role", 422, "role", role="wizard"),
    case("grant-role", "student-role", 422, "role", role="student"),
    case("grant-role", "role-held", 409, role="teacher"),
    case("grant-role", "unknown-account", 404, account_id=UNKNOWN),
    case("grant-role", "missing-role", 422, "role", role=DROP),
    case("revoke-role", "role-not-held", 409),
    case("revoke-role", "only-role", 409, role="teacher"),
    custom("revoke-role", "own-admin-role", 409, lambda e:
           role_body(e, account_id=e.school.accounts["admin"], role="admin")),
    case("revoke-role", "unknown-account", 404, account_id=UNKNOWN),
    case("revoke-role", "bad-uuid", 422, "account_id", account_id="victim"),
    # deactivate-account, reactivate-account
    custom("deactivate-account", "yourself", 409, lambda e:
           deactivate_account(e, account_id=e.school.accounts["admin"])),
    case("deactivate-account", "missing-reason", 422, "reason", reason=DROP),
    case("deactivate-account", "blank-reason", 422, "reason", reason="   "),
    case("deactivate-account", "reason-too-long", 422, "reason", reason=LONG),
    case("deactivate-account", "unknown-account", 404, account_id=UNKNOWN),
    case("reactivate-account", "not-deactivated", 409),
    case("reactivate-account", "unknown-account", 404, account_id=UNKNOWN),
    case("reactivate-account", "bad-uuid", 422, "account_id", account_id=""),
    # close-academic-year
    case("close-academic-year", "bad-year-uuid", 422, "year_id", year_id="2026/27"),
    case("close-academic-year", "unknown-year", 404, year_id=UNKNOWN),
    case("close-academic-year", "order-too-long", 422, "order_no", order_no=LONG),
    case("close-academic-year", "bad-date", 422, "on", on="31.05.2027"),
    case("close-academic-year", "extra-field", 422, "force", force=True),
    case("close-academic-year", "marks-missing", 409),
    custom("close-academic-year", "before-the-year", 422, lambda e:
           close_academic_year(e, year_id=e.ids["next_year"], on="2026-01-01"), "on"),
    # promote-students
    case("promote-students", "missing-order", 422, "order", order=DROP),
    case("promote-students", "order-without-number", 422, "order.number",
         order={"date": "2027-06-01"}),
    case("promote-students", "bad-outcome", 422, "decisions[0].outcome",
         decisions=[{"student_id": UNKNOWN, "outcome": "expelled"}]),
    case("promote-students", "bad-debt-uuid", 422, "decisions[0].debts[0]",
         decisions=[{"student_id": UNKNOWN, "outcome": "conditional",
                     "debts": ["math"]}]),
    case("promote-students", "unknown-next-year", 404, next_year_id=UNKNOWN),
    case("promote-students", "unknown-year", 404, year_id=UNKNOWN),
    case("promote-students", "year-not-closed", 409),
    # clear-academic-debt
    case("clear-academic-debt", "failing-value", 422, "value", value="2"),
    case("clear-academic-debt", "no-such-debt", 422, "course_id"),
    case("clear-academic-debt", "unknown-pupil", 404, student_id=UNKNOWN),
    case("clear-academic-debt", "unknown-course", 404, course_id=UNKNOWN),
    case("clear-academic-debt", "in-the-future", 422, "on", on="2030-01-01"),
    case("clear-academic-debt", "bad-date", 422, "on", on="tomorrow"),
    # set-notifications
    case("set-notifications", "missing-pupil", 422, "student_id",
         student_id=DROP),
    case("set-notifications", "bad-email", 422, "email", email="mama at home"),
    case("set-notifications", "email-too-long", 422, "email",
         email="a" * 250 + "@x.org"),
    case("set-notifications", "not-a-bool", 422, "low_marks", low_marks="maybe"),
    case("set-notifications", "unknown-topic", 422, "sms", sms=True),
    case("set-notifications", "topics-without-email", 422, "email", email=DROP),
    case("set-notifications", "unknown-pupil", 404, student_id=UNKNOWN),
    custom("set-notifications", "another-familys-pupil", 404, lambda e:
           set_notifications(e, student_id=e.school.students[1])),
    # change-group-membership
    case("change-group-membership", "no-group", 422, "to_group_id",
         from_group_id=DROP),
    case("change-group-membership", "bad-date", 422, "on", on="2026-13-01"),
    case("change-group-membership", "bad-pupil-uuid", 422, "student_id",
         student_id="Антон"),
    case("change-group-membership", "unknown-group", 404, from_group_id=UNKNOWN),
    case("change-group-membership", "unknown-pupil", 404, student_id=UNKNOWN),
    case("change-group-membership", "outside-year", 422, "on", on="2027-07-01"),
    custom("change-group-membership", "same-group", 422, lambda e:
           change_group_membership(e, to_group_id=e.ids["group"]), "to_group_id"),
    custom("change-group-membership", "not-in-the-group", 409, lambda e:
           change_group_membership(e, student_id=e.school.students[1])),
    # edit-plan-topic
    case("edit-plan-topic", "nothing-to-change", 422, "title", title=DROP),
    case("edit-plan-topic", "topic-0", 422, "topic_no", topic_no=0),
    case("edit-plan-topic", "hours-negative", 422, "hours", hours=-1),
    case("edit-plan-topic", "title-too-long", 422, "title", title=LONG),
    case("edit-plan-topic", "unknown-topic", 422, "topic_no", topic_no=999),
    case("edit-plan-topic", "unknown-course", 404, course_id=UNKNOWN),
    # reorder-plan-topics
    case("reorder-plan-topics", "empty-order", 422, "order", order=[]),
    case("reorder-plan-topics", "not-numbers", 422, "order", order=["first"]),
    case("reorder-plan-topics", "unknown-course", 404, course_id=UNKNOWN),
    custom("reorder-plan-topics", "no-plan", 409, lambda e:
           reorder_plan_topics(e, course_id=e.ids["spare_course"])),
    # cancel-lesson
    case("cancel-lesson", "missing-reason", 422, "reason", reason=DROP),
    case("cancel-lesson", "reason-too-long", 422, "reason", reason=LONG),
    case("cancel-lesson", "bad-uuid", 422, "lesson_id", lesson_id="monday"),
    case("cancel-lesson", "unknown-lesson", 404, lesson_id=UNKNOWN),
    # move-lesson
    case("move-lesson", "holiday", 422, "date", date="2026-12-30"),
    case("move-lesson", "outside-year", 422, "date", date="2027-08-01"),
    case("move-lesson", "slot-13", 422, "slot", slot=13),
    case("move-lesson", "ends-before-start", 422, "ends_at", ends_at="11:00"),
    case("move-lesson", "bad-time", 422, "starts_at", starts_at="25:00"),
    case("move-lesson", "unknown-lesson", 404, lesson_id=UNKNOWN),
    case("move-lesson", "slot-taken", 409, date="2026-11-17", slot=2),
    case("move-lesson", "already-there", 409, slot=2, starts_at="09:25",
         ends_at="10:10"),
]
assert {c.command for c in CASES} == set(BASES)
assert len({c.id for c in CASES}) == len(CASES)


def post(env: Env, command: str, caller: str, **kwargs: Any) -> Any:
    headers = {**env.headers[caller], **kwargs.pop("headers", {})}
    return env.client.post(f"{API}/commands/{command}", headers=headers, **kwargs)


def assert_problem(r: Any, status: int) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith(PROBLEM_JSON)
    body: dict[str, Any] = r.json()
    assert {"type", "title", "status", "detail"} <= set(body), body
    assert body["status"] == status
    assert isinstance(body["detail"], str) and body["detail"]
    if status == 422:
        errors = body["errors"]
        assert errors, body
        for err in errors:
            assert set(err) >= {"field", "message"}, err
            assert isinstance(err["field"], str) and isinstance(err["message"], str)
            assert err["message"]
    return body


def test_base_bodies_are_valid(env: Env) -> None:
    """Each case differs from a body the command's model accepts."""
    for command, (make, _) in BASES.items():
        COMMANDS[command].model.model_validate(make(env))


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_body_is_refused_and_writes_nothing(env: Env, case: Case) -> None:
    body = case.body(env)
    before = env.position()
    r = post(env, case.command, BASES[case.command][1], json=body)
    problem = assert_problem(r, case.status)
    if case.field is not None:
        fields = [err["field"] for err in problem["errors"]]
        assert any(case.field in f for f in fields), fields
    assert env.position() == before, "a refused command wrote events"


MALFORMED = {
    "truncated": b'{"lesson_id": ',
    "array": b"[1, 2]",
    "string": b'"hello"',
    "empty": b"",
    "not-utf8": b'{"name": "\xff\xfe"}',
}


@pytest.mark.parametrize("kind", MALFORMED)
@pytest.mark.parametrize("command", BASES)
def test_malformed_json_is_400(env: Env, command: str, kind: str) -> None:
    before = env.position()
    r = post(env, command, BASES[command][1], content=MALFORMED[kind],
             headers={"Content-Type": "application/json"})
    assert_problem(r, 400)
    assert env.position() == before


def test_unknown_command_is_404(env: Env) -> None:
    before = env.position()
    r = post(env, "launch-rocket", "admin", json={})
    assert_problem(r, 404)
    assert env.position() == before


# -- queries: bad parameters are 4xx problems, never 500 ---------------------------
QUERY_CASES: dict[str, tuple[str, int]] = {
    "journal-as-of-garbage": ("/courses/{course}/journal?as_of=yesterday", 422),
    "journal-as-of-naive": ("/courses/{course}/journal?as_of=2026-11-23T10:00:00", 422),
    "journal-as-of-before-year-1": (
        "/courses/{course}/journal?as_of=0001-01-01T00:00:00%2B14:00", 422),
    "journal-as-of-after-9999": (
        "/courses/{course}/journal?as_of=9999-12-31T23:59:59-12:00", 422),
    "diary-as-of-after-9999": (
        "/students/{pupil}/diary?as_of=9999-12-31T23:59:59-12:00", 422),
    "journal-unknown-period": ("/courses/{course}/journal?period_id={unknown}", 404),
    "journal-bad-period": ("/courses/{course}/journal?period_id=II", 404),
    "journal-unknown-course": ("/courses/{unknown}/journal", 404),
    "journal-bad-course-id": ("/courses/math-5a/journal", 404),
    "journal-class-id-as-course": ("/courses/{klass}/journal", 404),
    "class-journal-unknown": ("/classes/{unknown}/journal", 404),
    "class-journal-course-id": ("/classes/{course}/journal", 404),
    "diary-unknown-pupil": ("/students/{unknown}/diary", 404),
    "diary-bad-pupil-id": ("/students/anton/diary", 404),
    "diary-to-before-from": ("/students/{pupil}/diary?from=2026-11-20&to=2026-11-16",
                             422),
    "diary-longer-than-a-year": (
        "/students/{pupil}/diary?from=2025-01-01&to=2026-11-16", 422),
    "diary-bad-date": ("/students/{pupil}/diary?from=16.11.2026", 422),
    "close-check-unknown-year": ("/years/{unknown}/close-check", 404),
    "close-check-bad-year-id": ("/years/2026-27/close-check", 404),
    "close-check-course-id": ("/years/{course}/close-check", 404),
    "close-check-as-of-garbage": ("/years/{unknown}/close-check?as_of=soon", 422),
    "debts-unknown-year": ("/years/{unknown}/debts", 404),
    "debts-as-of-naive": ("/years/{unknown}/debts?as_of=2026-11-23T10:00:00", 422),
}


@pytest.mark.parametrize("name", QUERY_CASES)
def test_bad_query_is_a_problem(env: Env, name: str) -> None:
    template, status = QUERY_CASES[name]
    path = template.format(course=env.school.course_id, klass=env.school.class_id,
                           pupil=env.school.students[0], unknown=UNKNOWN)
    r = env.client.get(f"{API}{path}", headers=env.headers["admin"])
    assert_problem(r, status)


@pytest.mark.parametrize("start", ["9999-12-27", "9999-12-31"])
def test_diary_at_the_end_of_the_calendar_is_not_500(env: Env, start: str) -> None:
    """Without ``to`` the diary shows a week from ``from``; near date.max the answer
    may be a shorter week or a 422, never a crash."""
    r = env.client.get(f"{API}/students/{env.school.students[0]}/diary",
                       params={"from": start}, headers=env.headers["admin"])
    assert r.status_code in (200, 422), r.text
    if r.status_code == 422:
        assert_problem(r, 422)
