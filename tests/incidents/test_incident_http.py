"""Credential compromise through HTTP, with real logins: report-compromise,
the preview, execute-invalidation and reinstate-event (API.md "Security incidents",
DOMAIN.md "Credential compromise", DESIGN.md "Voiding")."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
import orjson
import pytest
from fastapi.testclient import TestClient

from ejournal.api.app import create_app
from ejournal.domain.school_class import SchoolClass
from ejournal.domain.student import Student
from ejournal.service import Service
from tests.builders import PASSWORD, FakeClock, School
from tests.conftest import auth
from tests.incidents.support import notifications

API = "/api/v1"
WEEK = ("2026-11-16", "2026-11-22")
NEW_PASSWORD = "a-new-password-7"
Headers = dict[str, str]


# -- fixtures ------------------------------------------------------------------------


@pytest.fixture
def live_client(service: Service, school: School) -> Iterator[TestClient]:
    """The server as deployed: the views' catch-up loop runs in its own thread and
    sleeps an hour between polls, so only a command's own wake-up and wait can
    bring the views up to date before its answer."""
    service.runner.poll = 3600.0
    app = create_app(lambda: service, start_runner=True)
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


# -- helpers -------------------------------------------------------------------------


def login(client: TestClient, school: School, name: str, pw: str = PASSWORD) -> Headers:
    return auth(client, school.logins[name], pw)


def login_status(client: TestClient, login_name: str, password: str) -> int:
    r = client.post(
        f"{API}/auth/login", json={"login": login_name, "password": password}
    )
    return r.status_code


def me(client: TestClient, headers: Headers) -> int:
    return client.get(f"{API}/auth/me", headers=headers).status_code


def command(
    client: TestClient, headers: Headers, name: str, body: dict[str, Any]
) -> httpx.Response:
    return client.post(f"{API}/commands/{name}", headers=headers, json=body)


def ok(
    client: TestClient, headers: Headers, name: str, body: dict[str, Any]
) -> dict[str, Any]:
    r = command(client, headers, name, body)
    assert r.status_code == 200, (name, r.text)
    out: dict[str, Any] = r.json()
    return out


def mark(
    client: TestClient, headers: Headers, lesson: str, pupil: str, value: str
) -> dict[str, Any]:
    return ok(
        client,
        headers,
        "record-mark",
        {
            "lesson_id": lesson,
            "student_id": pupil,
            "value": value,
            "work_type": "oral",
        },
    )


def report(
    client: TestClient,
    headers: Headers,
    account_id: str,
    since: datetime,
    now: datetime,
) -> str:
    out = ok(
        client,
        headers,
        "report-compromise",
        {
            "account_id": account_id,
            "reported_at": now.isoformat(),
            "since": since.isoformat(),
            "note": "the password was seen on a sticky note",
        },
    )
    return str(out["incident_id"])


def execute(client: TestClient, headers: Headers, incident_id: str) -> dict[str, Any]:
    return ok(client, headers, "execute-invalidation", {"incident_id": incident_id})


def journal(client: TestClient, headers: Headers, course_id: str) -> dict[str, Any]:
    r = client.get(f"{API}/courses/{course_id}/journal", headers=headers)
    assert r.status_code == 200, r.text
    out: dict[str, Any] = r.json()
    return out


def lesson(j: dict[str, Any], lesson_id: str) -> dict[str, Any]:
    (found,) = [x for x in j["lessons"] if x["lesson_id"] == lesson_id]
    return dict(found)


def cell(j: dict[str, Any], lesson_id: str, pupil: str) -> dict[str, Any] | None:
    found = lesson(j, lesson_id)["cells"].get(pupil)
    return None if found is None else dict(found)


def mark_ids(j: dict[str, Any]) -> set[str]:
    return {
        m["mark_id"]
        for x in j["lessons"]
        for c in x["cells"].values()
        for m in c["marks"]
    }


def diary_marks(client: TestClient, headers: Headers, pupil: str) -> set[str]:
    r = client.get(
        f"{API}/students/{pupil}/diary",
        headers=headers,
        params={"from": WEEK[0], "to": WEEK[1]},
    )
    assert r.status_code == 200, r.text
    return {
        m["mark_id"]
        for day in r.json()["days"]
        for x in day["lessons"]
        for m in x["marks"]
    }


def preview(client: TestClient, headers: Headers, incident_id: str) -> httpx.Response:
    return client.get(f"{API}/incidents/{incident_id}/preview", headers=headers)


def position(service: Service) -> int:
    return int(service.app.recorder.max_notification_id() or 0)


def voided_by(service: Service, stream_id: str, version: int) -> str | None:
    with service.app.db().read() as cur:
        row = cur.execute(
            "SELECT voided_by FROM ej_events WHERE stream_id = ? AND version = ?",
            (stream_id, version),
        ).fetchone()
    assert row is not None, (stream_id, version)
    return None if row["voided_by"] is None else str(row["voided_by"])


def event_of(answer: dict[str, Any], type_name: str) -> tuple[str, int]:
    (found,) = [e for e in answer["events"] if e["type"] == type_name]
    return str(found["stream_id"]), int(found["version"])


def ts(moment: str) -> datetime:
    return datetime.fromisoformat(moment)


# -- a known history -----------------------------------------------------------------


@dataclass
class History:
    """The teacher's operations around ``since``, then an admin's report."""

    admin: Headers
    teacher: Headers  # the session the teacher (or a thief) used since
    incident_id: str
    since: datetime
    kept_mark: dict[str, Any]  # recorded 10 h before since: stays
    void_mark: dict[str, Any]  # recorded at since: voided
    other_mark: dict[str, Any]  # another teacher's, at since: stays
    late_login: str  # the teacher's session opened after since


def known_history(
    client: TestClient, service: Service, school: School, clock: FakeClock
) -> History:
    t = school
    l0, l1, l2 = t.lesson_ids[:3]
    s0, s1, s2 = t.students
    old = login(client, t, "teacher")  # at NOW: outside the review window
    ok(client, old, "set-lesson-topic", {"lesson_id": l0, "topic": "Дроби"})
    clock.advance(hours=20)
    teacher = login(client, t, "teacher")  # 10 h before since: reviewed
    kept = mark(client, teacher, l0, s0, "4")
    clock.advance(hours=10)
    since = clock()
    void_mark = mark(client, teacher, l1, s1, "2")
    ok(
        client,
        teacher,
        "record-attendance",
        {
            "lesson_id": l1,
            "entries": [{"student_id": s2, "code": "absent"}],
        },
    )
    ok(client, teacher, "assign-homework", {"lesson_id": l2, "text": "§5, №1-7"})
    ok(
        client,
        teacher,
        "add-comment",
        {
            "lesson_id": l2,
            "student_id": s0,
            "text": "talks in class",
        },
    )
    clock.advance(minutes=10)
    late_before = position(service)
    login(client, t, "teacher")
    (late,) = [
        n
        for n in notifications(service)
        if n.id > late_before and str(n.originator_id) == t.accounts["teacher"]
    ]
    other_teacher = login(client, t, "other_teacher")
    other = mark(client, other_teacher, t.other_lesson_id, t.other_student, "5")
    clock.advance(minutes=20)
    admin = login(client, t, "admin")
    incident_id = report(client, admin, t.accounts["teacher"], since, clock())
    return History(
        admin=admin,
        teacher=teacher,
        incident_id=incident_id,
        since=since,
        kept_mark=kept,
        void_mark=void_mark,
        other_mark=other,
        late_login=f"{late.originator_id}/{late.originator_version}",
    )


# -- report-compromise ---------------------------------------------------------------


def test_a_report_revokes_every_session_at_once_and_blocks_login_until_a_reset(
    client: TestClient, service: Service, school: School, clock: FakeClock
) -> None:
    first = login(client, school, "teacher")
    clock.advance(minutes=5)
    second = login(client, school, "teacher")
    bystander = login(client, school, "other_teacher")
    admin = login(client, school, "admin")
    assert me(client, first) == me(client, second) == 200

    report(client, admin, school.accounts["teacher"], clock(), clock())

    assert me(client, first) == me(client, second) == 401
    r = command(
        client,
        second,
        "set-lesson-topic",
        {
            "lesson_id": school.lesson_ids[0],
            "topic": "Дроби",
        },
    )
    assert r.status_code == 401
    assert login_status(client, "teacher", PASSWORD) == 401
    assert me(client, bystander) == me(client, admin) == 200

    ok(
        client,
        admin,
        "reset-password",
        {
            "account_id": school.accounts["teacher"],
            "new_password": NEW_PASSWORD,
        },
    )
    assert login_status(client, "teacher", PASSWORD) == 401
    fresh = login(client, school, "teacher", NEW_PASSWORD)
    assert me(client, fresh) == 200
    assert me(client, first) == me(client, second) == 401


def test_the_preview_counts_what_would_be_voided_and_lists_the_day_before(
    client: TestClient, service: Service, school: School, clock: FakeClock
) -> None:
    h = known_history(client, service, school, clock)

    r = preview(client, h.admin, h.incident_id)

    assert r.status_code == 200, r.text
    p = r.json()
    assert p["incident_id"] == h.incident_id
    assert p["account_id"] == school.accounts["teacher"]
    assert ts(p["since"]) == h.since
    assert p["events"] == 5
    assert p["by_type"] == {
        "MarkRecorded": 1,
        "AttendanceRecorded": 1,
        "HomeworkAssigned": 1,
        "CommentAdded": 1,
        "SessionOpened": 1,
    }
    assert p["lessons"] == 2
    assert p["students"] == 3
    review = [(x["type"], x["stream_id"]) for x in p["review"]]
    assert review == [
        ("SessionOpened", school.accounts["teacher"]),
        ("MarkRecorded", school.lesson_ids[0]),
    ]
    assert {ts(x["timestamp"]) for x in p["review"]} == {h.since - timedelta(hours=10)}
    auditor = login(client, school, "auditor")
    assert preview(client, auditor, h.incident_id).json()["events"] == 5
    deputy = login(client, school, "deputy")
    assert preview(client, deputy, h.incident_id).status_code == 403


def test_executing_voids_the_entries_everywhere_and_a_second_run_voids_nothing(
    client: TestClient, service: Service, school: School, clock: FakeClock
) -> None:
    h = known_history(client, service, school, clock)
    l0, l1, l2 = school.lesson_ids[:3]
    s0, s1, s2 = school.students
    before = journal(client, h.admin, school.course_id)
    assert h.void_mark["mark_id"] in mark_ids(before)
    assert cell(before, l1, s2)["attendance"] == "absent"  # type: ignore[index]

    out = execute(client, h.admin, h.incident_id)

    assert out["voided"] == 5
    assert service.runner.position >= out["position"]
    after = journal(client, h.admin, school.course_id)
    assert mark_ids(after) == {h.kept_mark["mark_id"]}
    assert cell(after, l1, s2)["attendance"] is None  # type: ignore[index]
    assert lesson(after, l2)["homework"] is None
    assert cell(after, l2, s0)["comments"] == []  # type: ignore[index]
    assert lesson(after, l0)["topic"] == "Дроби"  # before the review window: kept
    assert diary_marks(client, h.admin, s1) == set()
    assert diary_marks(client, h.admin, s0) == {h.kept_mark["mark_id"]}
    other = journal(client, h.admin, school.other_course_id)
    assert mark_ids(other) == {h.other_mark["mark_id"]}
    stream, version = h.late_login.split("/")
    assert voided_by(service, stream, int(version)) == h.incident_id
    kept_stream, kept_version = event_of(h.kept_mark, "MarkRecorded")
    assert voided_by(service, kept_stream, kept_version) is None

    again = execute(client, h.admin, h.incident_id)

    assert again["voided"] == 0
    assert [e["type"] for e in again["events"]] == ["InvalidationExecuted"]
    assert journal(client, h.admin, school.course_id) == after
    p = preview(client, h.admin, h.incident_id).json()
    assert (p["events"], p["already_voided"]) == (0, 5)


def test_the_answer_of_execute_is_sent_after_the_views_reflect_it(
    live_client: TestClient, service: Service, school: School, clock: FakeClock
) -> None:
    client = live_client
    teacher = login(client, school, "teacher")
    admin = login(client, school, "admin")
    since = clock()
    voided = mark(client, teacher, school.lesson_ids[1], school.students[1], "2")
    stream, version = event_of(voided, "MarkRecorded")
    clock.advance(minutes=5)
    incident_id = report(client, admin, school.accounts["teacher"], since, clock())
    assert me(client, teacher) == 401  # the block is in the views already

    out = execute(client, admin, incident_id)

    with service.app.db().read() as cur:
        tracked = cur.execute(
            "SELECT position FROM ej_tracking WHERE name = ?", (service.runner.name,)
        ).fetchone()
        doc = orjson.loads(
            bytes(
                cur.execute(
                    "SELECT doc FROM ej_docs WHERE stream_id = ?", (stream,)
                ).fetchone()["doc"]
            )
        )
    assert int(tracked["position"]) >= out["position"]
    assert voided["mark_id"] not in doc["marks"]
    assert voided_by(service, stream, version) == incident_id
    assert voided["mark_id"] not in mark_ids(journal(client, admin, school.course_id))


# -- reinstate-event -----------------------------------------------------------------


def test_reinstating_lifts_one_void_only_the_incidents_own(
    client: TestClient, service: Service, school: School, clock: FakeClock
) -> None:
    h = known_history(client, service, school, clock)
    execute(client, h.admin, h.incident_id)
    stream, version = event_of(h.void_mark, "MarkRecorded")
    body = {
        "incident_id": h.incident_id,
        "stream_id": stream,
        "version": version,
        "reason": "the teacher showed the paper register",
    }

    out = ok(client, h.admin, "reinstate-event", body)

    assert [e["type"] for e in out["events"]] == [
        "EventReinstated",
        "ReinstatementNoted",
    ]
    j = journal(client, h.admin, school.course_id)
    assert mark_ids(j) == {h.kept_mark["mark_id"], h.void_mark["mark_id"]}
    assert lesson(j, school.lesson_ids[2])["homework"] is None  # the others stay void
    assert voided_by(service, stream, version) is None
    assert execute(client, h.admin, h.incident_id)["voided"] == 0  # stays reinstated

    at = position(service)
    assert command(client, h.admin, "reinstate-event", body).status_code == 409
    kept_stream, kept_version = event_of(h.kept_mark, "MarkRecorded")
    never_voided = {**body, "stream_id": kept_stream, "version": kept_version}
    assert command(client, h.admin, "reinstate-event", never_voided).status_code == 409
    assert position(service) == at
    # A version another incident voided is not this incident's to lift.
    since = clock()
    other_teacher = login(client, school, "other_teacher")
    theirs = mark(
        client, other_teacher, school.other_lesson_id, school.other_student, "3"
    )
    clock.advance(minutes=1)
    other = report(client, h.admin, school.accounts["other_teacher"], since, clock())
    execute(client, h.admin, other)
    their_stream, their_version = event_of(theirs, "MarkRecorded")
    assert voided_by(service, their_stream, their_version) == other
    at = position(service)
    wrong = {**body, "stream_id": their_stream, "version": their_version}
    assert command(client, h.admin, "reinstate-event", wrong).status_code == 409
    unknown_stream = {**body, "stream_id": "5a0e8c3e-0000-4000-8000-000000000000"}
    assert (
        command(client, h.admin, "reinstate-event", unknown_stream).status_code == 404
    )
    assert position(service) == at


# -- refusals ------------------------------------------------------------------------


def test_only_an_administrator_reports_executes_and_reinstates(
    client: TestClient, service: Service, school: School, clock: FakeClock
) -> None:
    h = known_history(client, service, school, clock)
    for name in ("deputy", "director", "auditor", "other_teacher", "secretary"):
        caller = login(client, school, name)
        at = position(service)
        r = command(
            client,
            caller,
            "report-compromise",
            {
                "account_id": school.accounts["substitute"],
                "reported_at": clock().isoformat(),
                "note": "suspicious",
            },
        )
        assert r.status_code == 403, (name, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        r = command(
            client,
            caller,
            "execute-invalidation",
            {
                "incident_id": h.incident_id,
            },
        )
        assert r.status_code == 403, (name, r.text)
        r = command(
            client,
            caller,
            "reinstate-event",
            {
                "incident_id": h.incident_id,
                "stream_id": school.lesson_ids[1],
                "version": 2,
                "reason": "mine",
            },
        )
        assert r.status_code == 403, (name, r.text)
        assert position(service) == at
    assert preview(client, h.admin, h.incident_id).json()["events"] == 5


def test_unknown_incidents_and_accounts_are_404(
    client: TestClient, service: Service, school: School, clock: FakeClock
) -> None:
    admin = login(client, school, "admin")
    unknown = "0d6f6b0e-4f7e-4d53-9a52-2b1f6a3c9e11"
    at = position(service)
    not_an_incident = school.course_id
    for incident_id in (unknown, not_an_incident):
        r = command(client, admin, "execute-invalidation", {"incident_id": incident_id})
        assert r.status_code == 404, r.text
        r = command(
            client,
            admin,
            "reinstate-event",
            {
                "incident_id": incident_id,
                "stream_id": school.lesson_ids[0],
                "version": 1,
                "reason": "mine",
            },
        )
        assert r.status_code == 404, r.text
        assert preview(client, admin, incident_id).status_code == 404
    assert preview(client, admin, "not-a-uuid").status_code == 404
    r = command(
        client,
        admin,
        "report-compromise",
        {
            "account_id": unknown,
            "reported_at": clock().isoformat(),
            "note": "x",
        },
    )
    assert r.status_code == 404, r.text
    assert position(service) == at


BAD_REPORTS: list[dict[str, Any]] = [
    {},
    {"reported_at": "{now}", "note": "x"},
    {"account_id": "{teacher}", "reported_at": "{now}"},
    {"account_id": "{teacher}", "reported_at": "{now}", "note": ""},
    {"account_id": "{teacher}", "reported_at": "{now}", "note": "   "},
    {"account_id": "not-a-uuid", "reported_at": "{now}", "note": "x"},
    {"account_id": "{teacher}", "reported_at": "2026-11-23T07:00:00", "note": "x"},
    {"account_id": "{teacher}", "reported_at": "yesterday", "note": "x"},
    {"account_id": "{teacher}", "reported_at": "{future}", "note": "x"},
    {
        "account_id": "{teacher}",
        "reported_at": "{now}",
        "since": "{future}",
        "note": "x",
    },
    {"account_id": "{teacher}", "reported_at": "{now}", "note": "x", "mode": "all"},
    {"account_id": "{teacher}", "reported_at": "{now}", "note": "x" * 4001},
]
BAD_EXECUTIONS: list[dict[str, Any]] = [
    {},
    {"incident_id": "abc"},
    {"incident_id": 17},
    {"incident_id": "{incident}", "force": True},
]
BAD_REINSTATEMENTS: list[dict[str, Any]] = [
    {
        "incident_id": "{incident}",
        "stream_id": "{lesson}",
        "version": "two",
        "reason": "x",
    },
    {"incident_id": "{incident}", "stream_id": "{lesson}", "version": 2, "reason": ""},
    {"incident_id": "{incident}", "stream_id": "{lesson}", "version": 2},
    {"incident_id": "{incident}", "version": 2, "reason": "x"},
    {"incident_id": "{incident}", "stream_id": "x", "version": 2, "reason": "x"},
    {"stream_id": "{lesson}", "version": 2, "reason": "x"},
]


def _fill(body: dict[str, Any], values: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in body.items():
        out[k] = v.format(**values) if isinstance(v, str) and "{" in v else v
    return out


def test_bad_bodies_are_422_and_write_nothing(
    client: TestClient, service: Service, school: School, clock: FakeClock
) -> None:
    h = known_history(client, service, school, clock)
    values = {
        "now": clock().isoformat(),
        "future": (clock() + timedelta(hours=1)).isoformat(),
        "teacher": school.accounts["other_teacher"],
        "incident": h.incident_id,
        "lesson": school.lesson_ids[1],
    }
    cases = (
        [("report-compromise", b) for b in BAD_REPORTS]
        + [("execute-invalidation", b) for b in BAD_EXECUTIONS]
        + [("reinstate-event", b) for b in BAD_REINSTATEMENTS]
    )
    at = position(service)
    for name, body in cases:
        r = command(client, h.admin, name, _fill(body, values))
        assert r.status_code == 422, (name, body, r.text)
        problem = r.json()
        assert r.headers["content-type"].startswith("application/problem+json")
        assert problem["status"] == 422 and problem["errors"], problem
        assert position(service) == at, (name, body)
    own = command(
        client,
        h.admin,
        "report-compromise",
        {
            "account_id": school.accounts["admin"],
            "reported_at": values["now"],
            "note": "me",
        },
    )
    assert own.status_code == 409, own.text
    assert position(service) == at
    assert login_status(client, "other.teacher", PASSWORD) == 200  # not blocked


# -- what voiding brings back --------------------------------------------------------


def test_voiding_a_withdrawal_brings_the_pupil_back(
    client: TestClient, service: Service, school: School, clock: FakeClock
) -> None:
    secretary = login(client, school, "secretary")
    admin2 = login(client, school, "admin2")
    teacher = login(client, school, "teacher")
    pupil, thursday = school.students[2], school.lesson_ids[3]
    clock.advance(minutes=5)
    since = clock()
    ok(
        client,
        secretary,
        "withdraw-student",
        {
            "student_id": pupil,
            "on": "2026-11-18",
            "reason": "moved away",
        },
    )
    j = journal(client, admin2, school.course_id)
    assert cell(j, school.lesson_ids[1], pupil) is not None
    assert cell(j, thursday, pupil) is None
    refused = command(
        client,
        teacher,
        "record-mark",
        {
            "lesson_id": thursday,
            "student_id": pupil,
            "value": "5",
            "work_type": "oral",
        },
    )
    assert refused.status_code == 422, refused.text
    clock.advance(minutes=5)
    incident_id = report(client, admin2, school.accounts["secretary"], since, clock())

    assert execute(client, admin2, incident_id)["voided"] == 2

    j = journal(client, admin2, school.course_id)
    assert all(cell(j, x, pupil) is not None for x in school.lesson_ids)
    student: Student = service.app.get(pupil, Student)
    assert (student.class_id, student.placements) == (
        school.class_id,
        [[school.class_id, "2026-09-01", None]],
    )
    klass: SchoolClass = service.app.get(school.class_id, SchoolClass)
    assert klass.roster[pupil] == [["2026-09-01", None]]
    back = mark(client, teacher, thursday, pupil, "5")
    assert back["mark_id"] in diary_marks(client, admin2, pupil)


def test_voiding_a_transfer_puts_the_pupil_back_in_the_first_class(
    client: TestClient, service: Service, school: School, clock: FakeClock
) -> None:
    secretary = login(client, school, "secretary")
    admin2 = login(client, school, "admin2")
    pupil = school.students[1]
    clock.advance(minutes=5)
    since = clock()
    ok(
        client,
        secretary,
        "transfer-student",
        {
            "student_id": pupil,
            "to_class_id": school.other_class_id,
            "on": "2026-11-18",
        },
    )
    other = journal(client, admin2, school.other_course_id)
    assert pupil in {s["student_id"] for s in other["students"]}
    clock.advance(minutes=5)
    incident_id = report(client, admin2, school.accounts["secretary"], since, clock())

    assert execute(client, admin2, incident_id)["voided"] == 3

    other = journal(client, admin2, school.other_course_id)
    assert pupil not in {s["student_id"] for s in other["students"]}
    j = journal(client, admin2, school.course_id)
    assert all(cell(j, x, pupil) is not None for x in school.lesson_ids)
    student: Student = service.app.get(pupil, Student)
    assert (student.class_id, student.placements) == (
        school.class_id,
        [[school.class_id, "2026-09-01", None]],
    )
    target: SchoolClass = service.app.get(school.other_class_id, SchoolClass)
    assert pupil not in target.roster


def test_voiding_an_account_created_by_a_compromised_admin_stops_its_logins(
    client: TestClient, service: Service, school: School, clock: FakeClock
) -> None:
    admin = login(client, school, "admin")
    admin2 = login(client, school, "admin2")
    clock.advance(minutes=5)
    since = clock()
    ok(
        client,
        admin,
        "create-account",
        {
            "login": "intruder",
            "password": "intruder-pass-1",
            "full_name": "Not A Teacher",
            "roles": ["admin", "teacher"],
        },
    )
    intruder = auth(client, "intruder", "intruder-pass-1")
    assert me(client, intruder) == 200
    clock.advance(minutes=5)
    incident_id = report(client, admin2, school.accounts["admin"], since, clock())

    assert execute(client, admin2, incident_id)["voided"] == 1

    assert me(client, intruder) == 401
    assert login_status(client, "intruder", "intruder-pass-1") == 401
    assert me(client, admin) == 401  # the compromised admin's own session too


def test_a_login_whose_creation_was_voided_can_be_created_again(
    client: TestClient, service: Service, school: School, clock: FakeClock
) -> None:
    """As if the creation never happened: the real administrator may create the
    login (for the person it was really meant for)."""
    admin = login(client, school, "admin")
    admin2 = login(client, school, "admin2")
    clock.advance(minutes=5)
    since = clock()
    body = {
        "login": "new.teacher",
        "password": "first-pass-1",
        "full_name": "New Teacher",
        "roles": ["teacher"],
    }
    ok(client, admin, "create-account", body)
    clock.advance(minutes=5)
    incident_id = report(client, admin2, school.accounts["admin"], since, clock())
    execute(client, admin2, incident_id)
    assert login_status(client, "new.teacher", "first-pass-1") == 401

    again = command(client, admin2, "create-account", {**body, "password": "pass-2-ok"})

    assert again.status_code == 200, again.text
    assert me(client, auth(client, "new.teacher", "pass-2-ok")) == 200


def test_a_lesson_whose_scheduling_was_voided_can_be_scheduled_again(
    client: TestClient, service: Service, school: School, clock: FakeClock
) -> None:
    deputy = login(client, school, "deputy")
    admin2 = login(client, school, "admin2")
    clock.advance(minutes=5)
    since = clock()
    body = {
        "course_id": school.course_id,
        "lessons": [
            {"date": "2026-12-01", "slot": 4, "starts_at": "11:30", "ends_at": "12:15"}
        ],
    }
    (lesson_id,) = ok(client, deputy, "schedule-lessons", body)["lesson_ids"]
    clock.advance(minutes=5)
    incident_id = report(client, admin2, school.accounts["deputy"], since, clock())
    execute(client, admin2, incident_id)
    j = journal(client, admin2, school.course_id)
    assert lesson_id not in [x["lesson_id"] for x in j["lessons"]]

    again = command(client, admin2, "schedule-lessons", body)

    assert again.status_code == 200, again.text
    j = journal(client, admin2, school.course_id)
    assert lesson_id in [x["lesson_id"] for x in j["lessons"]]


def test_voiding_a_password_reset_by_a_compromised_admin_restores_the_password(
    client: TestClient, service: Service, school: School, clock: FakeClock
) -> None:
    teacher = login(client, school, "teacher")
    admin = login(client, school, "admin")
    admin2 = login(client, school, "admin2")
    clock.advance(minutes=5)
    since = clock()
    ok(
        client,
        admin,
        "reset-password",
        {
            "account_id": school.accounts["teacher"],
            "new_password": "attacker-pass-1",
        },
    )
    assert me(client, teacher) == 401
    assert login_status(client, "teacher", PASSWORD) == 401
    clock.advance(minutes=5)
    incident_id = report(client, admin2, school.accounts["admin"], since, clock())

    assert execute(client, admin2, incident_id)["voided"] == 1

    assert login_status(client, "teacher", "attacker-pass-1") == 401
    assert me(client, login(client, school, "teacher")) == 200
    # The password is the teacher's again, but a void never reopens a door: the
    # session the reset ended stays ended (domain/base.py).
    assert me(client, teacher) == 401


def test_voiding_a_compromised_admins_invalidation_brings_the_entries_back(
    client: TestClient, service: Service, school: School, clock: FakeClock
) -> None:
    """A void of a void: the compromised admin had reported the teacher and voided
    the teacher's marks; voiding the admin's operations reinstates them. The block
    the admin put on the teacher and the session it ended outlast the void (a void
    never reopens a door): a legitimate administrator's password reset lifts it."""
    teacher = login(client, school, "teacher")
    admin2 = login(client, school, "admin2")
    clock.advance(minutes=1)
    entered_at = clock()
    entry = mark(client, teacher, school.lesson_ids[0], school.students[0], "5")
    clock.advance(minutes=5)
    since = clock()
    admin = login(client, school, "admin")  # the thief's session
    clock.advance(minutes=5)
    theirs = report(client, admin, school.accounts["teacher"], entered_at, clock())
    assert execute(client, admin, theirs)["voided"] == 1
    assert entry["mark_id"] not in mark_ids(journal(client, admin2, school.course_id))
    assert login_status(client, "teacher", PASSWORD) == 401
    clock.advance(minutes=5)
    incident_id = report(client, admin2, school.accounts["admin"], since, clock())
    assert preview(client, admin2, incident_id).json()["by_type"] == {
        "SessionOpened": 1,
        "CompromiseReported": 1,
        "AccountBlocked": 1,
        "EventsVoided": 1,
        "InvalidationExecuted": 1,
    }

    assert execute(client, admin2, incident_id)["voided"] == 5

    assert entry["mark_id"] in mark_ids(journal(client, admin2, school.course_id))
    stream, version = event_of(entry, "MarkRecorded")
    assert voided_by(service, stream, version) is None
    assert preview(client, admin2, theirs).status_code == 404
    assert me(client, teacher) == 401  # the ended session stays ended
    assert login_status(client, "teacher", PASSWORD) == 401  # still blocked
    ok(
        client,
        admin2,
        "reset-password",
        {"account_id": school.accounts["teacher"], "new_password": NEW_PASSWORD},
    )
    assert me(client, login(client, school, "teacher", NEW_PASSWORD)) == 200


def test_the_teacher_re_enters_under_a_new_password_and_a_rerun_keeps_it(
    client: TestClient, service: Service, school: School, clock: FakeClock
) -> None:
    """After the void the teacher re-enters what was really theirs with an ordinary
    command; running the invalidation again (it answers 0) must not void it."""
    h = known_history(client, service, school, clock)
    execute(client, h.admin, h.incident_id)
    ok(
        client,
        h.admin,
        "reset-password",
        {
            "account_id": school.accounts["teacher"],
            "new_password": NEW_PASSWORD,
        },
    )
    clock.advance(minutes=30)
    teacher = login(client, school, "teacher", NEW_PASSWORD)
    again = mark(client, teacher, school.lesson_ids[1], school.students[1], "3")
    assert again["mark_id"] in mark_ids(journal(client, h.admin, school.course_id))

    rerun = execute(client, h.admin, h.incident_id)

    assert rerun["voided"] == 0
    assert again["mark_id"] in mark_ids(journal(client, h.admin, school.course_id))
    assert preview(client, h.admin, h.incident_id).json()["events"] == 0


def test_since_defaults_to_reported_at_given_with_any_offset(
    client: TestClient, service: Service, school: School, clock: FakeClock
) -> None:
    admin = login(client, school, "admin")
    clock.advance(minutes=30)
    moscow = "2026-11-23T10:15:00+03:00"  # 07:15 UTC, before the clock's 07:30

    out = ok(
        client,
        admin,
        "report-compromise",
        {
            "account_id": school.accounts["teacher"],
            "reported_at": moscow,
            "note": "x",
        },
    )

    p = preview(client, admin, out["incident_id"]).json()
    assert ts(p["since"]) == ts(moscow)
    assert ts(p["reported_at"]) == ts(moscow)


def test_as_of_before_the_execution_still_shows_what_it_voided(
    client: TestClient, service: Service, school: School, clock: FakeClock
) -> None:
    """Queries as of a moment count only the voids made by then: the journal as it
    stood before the execution still shows the voided entries, a lesson whose
    scheduling was voided included."""
    teacher = login(client, school, "teacher")
    deputy = login(client, school, "deputy")
    admin2 = login(client, school, "admin2")
    clock.advance(minutes=5)
    since = clock()
    entry = mark(client, teacher, school.lesson_ids[0], school.students[0], "5")
    (scheduled,) = ok(
        client,
        deputy,
        "schedule-lessons",
        {
            "course_id": school.course_id,
            "lessons": [
                {
                    "date": "2026-12-01",
                    "slot": 4,
                    "starts_at": "11:30",
                    "ends_at": "12:15",
                }
            ],
        },
    )["lesson_ids"]
    clock.advance(minutes=5)
    before = clock()
    clock.advance(minutes=5)
    for name in ("teacher", "deputy"):
        incident_id = report(client, admin2, school.accounts[name], since, clock())
        assert execute(client, admin2, incident_id)["voided"] == 1

    now = journal(client, admin2, school.course_id)
    r = client.get(
        f"{API}/courses/{school.course_id}/journal",
        headers=admin2,
        params={"as_of": before.isoformat()},
    )

    assert r.status_code == 200, r.text
    then = r.json()
    assert entry["mark_id"] not in mark_ids(now)
    assert scheduled not in [x["lesson_id"] for x in now["lessons"]]
    assert entry["mark_id"] in mark_ids(then)
    assert scheduled in [x["lesson_id"] for x in then["lessons"]]
