"""Builders for tests: a controllable clock, a small school made through the
service's commands (the same path HTTP takes), and the log-level shortcuts every
test package uses (the log's position, a stream's last version, a void appended as
an incident's execution would)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

from ejournal.domain.base import SYSTEM_ACTOR, EventsVoided, new_id
from ejournal.security import Actor
from ejournal.service import Service

PASSWORD = "correct-horse-9"
# Monday 23 November 2026, 10:00 Moscow time: the second quarter is running.
NOW = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)


class FakeClock:
    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)

    def set(self, moment: datetime) -> None:
        self.now = moment


@dataclass
class School:
    """Ids of a small school: one year, two classes, a course with lessons."""

    year_id: str
    period_ids: list[str]
    class_id: str
    other_class_id: str
    course_id: str
    other_course_id: str
    lesson_ids: list[str]  # past lessons of course_id (Mon..Fri last week)
    future_lesson_id: str
    other_lesson_id: str  # a past lesson of other_course_id
    students: list[str]  # pupils of class_id
    other_student: str  # a pupil of other_class_id
    accounts: dict[str, str] = field(default_factory=dict)  # name -> account_id
    logins: dict[str, str] = field(default_factory=dict)  # name -> login

    def actor(self, service: Service, name: str) -> Actor:
        return actor_for(service, self.accounts[name])


def actor_for(service: Service, account_id: str) -> Actor:
    from ejournal.projections.reader import reader

    with reader(service.app) as views:
        doc = views.doc(account_id)
    assert doc is not None
    return Actor(
        account_id=account_id,
        login=doc["login"],
        full_name=doc["full_name"],
        roles=frozenset(doc["roles"]),
        session_id=f"session-{doc['login']}",
        client_ip="127.0.0.1",
        student_id=doc.get("student_id"),
    )


def run(
    service: Service, actor: Actor, name: str, body: dict[str, Any]
) -> dict[str, Any]:
    return service.execute(actor, name, body)


ROLES = {
    "admin": ["admin"],
    "director": ["director"],
    "deputy": ["deputy"],
    "secretary": ["secretary"],
    "auditor": ["auditor"],
    "teacher": ["teacher"],
    "substitute": ["teacher"],
    "other_teacher": ["teacher"],
    "class_teacher": ["teacher"],
    "guardian": ["parent"],
    "other_parent": ["parent"],
}


def build_school(service: Service) -> School:
    system = service.system_actor()
    accounts: dict[str, str] = {}
    logins: dict[str, str] = {}
    for name, roles in ROLES.items():
        login = name.replace("_", ".")
        out = run(
            service,
            system,
            "create-account",
            {
                "login": login,
                "password": PASSWORD,
                "full_name": name.title(),
                "roles": roles,
            },
        )
        accounts[name], logins[name] = out["account_id"], login
    year = run(
        service,
        system,
        "open-academic-year",
        {
            "name": "2026/2027",
            "starts_on": "2026-09-01",
            "ends_on": "2027-05-31",
            "periods": [
                {"name": "I", "starts_on": "2026-09-01", "ends_on": "2026-10-24"},
                {"name": "II", "starts_on": "2026-11-05", "ends_on": "2026-12-27"},
                {"name": "III", "starts_on": "2027-01-12", "ends_on": "2027-03-20"},
                {"name": "IV", "starts_on": "2027-03-30", "ends_on": "2027-05-31"},
            ],
            "holidays": [
                {"name": "autumn", "starts_on": "2026-10-25", "ends_on": "2026-11-04"},
                {"name": "winter", "starts_on": "2026-12-28", "ends_on": "2027-01-11"},
            ],
        },
    )
    klass = run(
        service,
        system,
        "create-class",
        {
            "year_id": year["year_id"],
            "name": "5А",
            "grade": 5,
            "class_teacher_id": accounts["class_teacher"],
        },
    )
    other = run(
        service,
        system,
        "create-class",
        {
            "year_id": year["year_id"],
            "name": "6Б",
            "grade": 6,
        },
    )
    students = [
        run(
            service,
            system,
            "enroll-student",
            {
                "class_id": klass["class_id"],
                "full_name": name,
                "on": "2026-09-01",
            },
        )["student_id"]
        for name in ("Алексеев Антон", "Борисова Вера", "Васильев Глеб")
    ]
    other_student = run(
        service,
        system,
        "enroll-student",
        {
            "class_id": other["class_id"],
            "full_name": "Григорьев Денис",
            "on": "2026-09-01",
        },
    )["student_id"]
    run(
        service,
        system,
        "link-guardian",
        {
            "student_id": students[0],
            "account_id": accounts["guardian"],
        },
    )
    run(
        service,
        system,
        "link-guardian",
        {
            "student_id": other_student,
            "account_id": accounts["other_parent"],
        },
    )
    # The guardians consented to data processing (согласие на обработку ПДн):
    # without it a guardian reads no diary (security.check_consent).
    for pupil, guardian in ((students[0], "guardian"), (other_student, "other_parent")):
        run(
            service,
            system,
            "record-consent",
            {
                "student_id": pupil,
                "guardian_account_id": accounts[guardian],
                "granted": True,
            },
        )
    student_login = run(
        service,
        system,
        "create-account",
        {
            "login": "student",
            "password": PASSWORD,
            "full_name": "Алексеев Антон",
            "roles": ["student"],
            "student_id": students[0],
        },
    )
    accounts["student"], logins["student"] = student_login["account_id"], "student"
    course = run(
        service,
        system,
        "create-course",
        {
            "year_id": year["year_id"],
            "class_id": klass["class_id"],
            "subject": "Математика",
            "teacher_id": accounts["teacher"],
            "hours_per_week": 5,
        },
    )
    other_course = run(
        service,
        system,
        "create-course",
        {
            "year_id": year["year_id"],
            "class_id": other["class_id"],
            "subject": "История",
            "teacher_id": accounts["other_teacher"],
            "hours_per_week": 2,
        },
    )
    week = [date(2026, 11, 16) + timedelta(days=i) for i in range(5)]
    lessons = run(
        service,
        system,
        "schedule-lessons",
        {
            "course_id": course["course_id"],
            "lessons": [
                {
                    "date": d.isoformat(),
                    "slot": 2,
                    "starts_at": "09:25",
                    "ends_at": "10:10",
                }
                for d in week
            ]
            + [
                {
                    "date": "2026-11-30",
                    "slot": 2,
                    "starts_at": "09:25",
                    "ends_at": "10:10",
                }
            ],
        },
    )["lesson_ids"]
    other_lesson = run(
        service,
        system,
        "schedule-lessons",
        {
            "course_id": other_course["course_id"],
            "lessons": [
                {
                    "date": "2026-11-17",
                    "slot": 3,
                    "starts_at": "10:30",
                    "ends_at": "11:15",
                }
            ],
        },
    )["lesson_ids"][0]
    run(
        service,
        system,
        "record-substitution",
        {
            "lesson_id": lessons[4],
            "substitute_teacher_id": accounts["substitute"],
            "reason": "illness",
        },
    )
    return School(
        year_id=year["year_id"],
        period_ids=year["period_ids"],
        class_id=klass["class_id"],
        other_class_id=other["class_id"],
        course_id=course["course_id"],
        other_course_id=other_course["course_id"],
        lesson_ids=lessons[:5],
        future_lesson_id=lessons[5],
        other_lesson_id=other_lesson,
        students=students,
        other_student=other_student,
        accounts=accounts,
        logins=logins,
    )


def max_position(service: Service) -> int:
    """The log's last notification id (0 for an empty log)."""
    return int(service.app.recorder.max_notification_id() or 0)


def last_version(service: Service, stream_id: str) -> int:
    return int(service.app.stream(stream_id)[-1].originator_version)


def void(
    service: Service, stream_id: str, versions: list[int], *, catch_up: bool = True
) -> int:
    """Append an EventsVoided for ``versions`` of a stream (as an incident's
    execution would); returns the void's own version."""
    version = last_version(service, stream_id) + 1
    event = EventsVoided(
        originator_id=UUID(stream_id),
        originator_version=version,
        timestamp=service.clock(),
        actor_id=SYSTEM_ACTOR,
        session_id=None,
        command_id=new_id(),
        client_ip=None,
        incident_id=new_id(),
        versions=list(versions),
    )
    service.app.save(event)
    if catch_up:
        service.runner.catch_up()
    return version
