"""Abuse: guessing passwords, stale and revoked tokens, oversized bodies, overlong
fields, hostile text. Each case checks the answer and that nothing was written
that should not be, on both backends (one school per module and backend).

Cases that move the shared clock put it back, so the module's sessions stay alive.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import API, PROBLEM_JSON, Env
from tests.builders import PASSWORD

MIB = 1024 * 1024


def new_account(env: Env, roles: list[str] | None = None) -> tuple[str, str]:
    login = env.unique("abuse.")
    account_id = env.run("create-account", {
        "login": login, "password": PASSWORD, "full_name": "Абьюз",
        "roles": roles or ["teacher"],
    })["account_id"]
    return login, str(account_id)


def login(client: TestClient, name: str, password: str = PASSWORD) -> Any:
    return client.post(f"{API}/auth/login", json={"login": name, "password": password})


def bearer(answer: Any) -> dict[str, str]:
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['token']}"}


def me(env: Env, headers: dict[str, str]) -> int:
    return env.client.get(f"{API}/auth/me", headers=headers).status_code


def problem(answer: Any, status: int) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith(PROBLEM_JSON)
    body: dict[str, Any] = answer.json()
    assert body["status"] == status
    return body


@pytest.fixture
def clock_back(env: Env) -> Iterator[None]:
    """Whatever a test does to the clock, the module's clock comes back."""
    start = env.clock.now
    try:
        yield
    finally:
        env.clock.set(start)


# -- sessions ------------------------------------------------------------------------
@pytest.mark.usefixtures("clock_back")
def test_five_wrong_passwords_lock_that_login_for_15_minutes_only(env: Env) -> None:
    name, _ = new_account(env)
    other, _ = new_account(env)
    for _ in range(5):
        problem(login(env.client, name, "wrong-password-1"), 401)
    # Even the right password is refused now, and says why.
    problem(login(env.client, name), 429)
    problem(login(env.client, name.upper()), 429)  # logins are case-insensitive
    assert login(env.client, other).status_code == 200  # only that login is locked
    env.clock.advance(minutes=14)
    problem(login(env.client, name), 429)
    env.clock.advance(minutes=2)
    assert login(env.client, name).status_code == 200


def test_guessing_unknown_logins_is_throttled_the_same_way(env: Env) -> None:
    ghost = env.unique("ghost.")
    for _ in range(5):
        problem(login(env.client, ghost, "whatever-1"), 401)
    problem(login(env.client, ghost, "whatever-1"), 429)


@pytest.mark.usefixtures("clock_back")
def test_a_token_expires_after_12_hours(env: Env) -> None:
    name, _ = new_account(env)
    headers = bearer(login(env.client, name))
    env.clock.advance(hours=11, minutes=59)
    assert me(env, headers) == 200
    env.clock.advance(minutes=2)
    body = problem(env.client.get(f"{API}/auth/me", headers=headers), 401)
    assert "expired" in body["detail"]
    r = env.client.post(f"{API}/commands/set-lesson-topic", headers=headers, json={
        "lesson_id": env.school.lesson_ids[1], "topic": "after expiry",
    })
    problem(r, 401)


def test_logout_kills_the_token_and_only_that_one(env: Env) -> None:
    name, _ = new_account(env)
    first, second = bearer(login(env.client, name)), bearer(login(env.client, name))
    assert env.client.post(f"{API}/auth/logout", headers=first).status_code == 204
    assert me(env, first) == 401
    problem(env.client.post(f"{API}/auth/logout", headers=first), 401)
    assert me(env, second) == 200


def test_a_reported_compromise_kills_the_session_on_its_next_request(env: Env) -> None:
    name, account_id = new_account(env)
    stolen = bearer(login(env.client, name))
    assert me(env, stolen) == 200
    r = env.client.post(f"{API}/commands/report-compromise",
                        headers=env.headers["admin"], json={
        "account_id": account_id, "reported_at": env.clock().isoformat(),
        "note": "the password was seen on a sticky note",
    })
    assert r.status_code == 200, r.text
    before = env.position()
    problem(env.client.get(f"{API}/auth/me", headers=stolen), 401)
    problem(env.client.post(f"{API}/commands/set-lesson-topic", headers=stolen, json={
        "lesson_id": env.school.lesson_ids[1], "topic": "written with a stolen token",
    }), 401)
    assert env.position() == before
    # Blocked until an administrator sets a new password.
    problem(login(env.client, name), 401)
    r = env.client.post(f"{API}/commands/reset-password",
                        headers=env.headers["admin"],
                        json={"account_id": account_id,
                              "new_password": "fresh-horse-11"})
    assert r.status_code == 200, r.text
    assert me(env, stolen) == 401  # the old token stays dead
    assert login(env.client, name, "fresh-horse-11").status_code == 200


@pytest.mark.parametrize(
    "authorization",
    ["", "Bearer", "Bearer ", "Basic dGVhY2hlcjpwYXNz", "Bearer " + "x" * 600,
     "Bearer ' OR '1'='1", "Bearer \u00e9\u00e9"],
    ids=["empty", "no-token", "blank-token", "basic", "huge", "sql", "latin1"],
)
def test_bad_bearer_tokens_are_401_never_500(env: Env, authorization: str) -> None:
    r = env.client.get(f"{API}/auth/me",
                       headers={"Authorization": authorization.encode("latin-1")})
    problem(r, 401)


# -- body size -----------------------------------------------------------------------
def chunks(body: bytes, size: int = 64 * 1024) -> Iterator[bytes]:
    for i in range(0, len(body), size):
        yield body[i : i + size]


@pytest.mark.parametrize("route", ["commands/set-lesson-topic", "auth/login"])
def test_a_body_over_1_mib_with_content_length_is_413(env: Env, route: str) -> None:
    body = b'{"topic": "' + b"a" * MIB + b'"}'
    before = env.position()
    r = env.client.post(f"{API}/{route}", content=body, headers={
        **env.headers["teacher"], "Content-Type": "application/json",
    })
    assert int(r.request.headers["content-length"]) > MIB
    problem(r, 413)
    assert env.position() == before


@pytest.mark.parametrize("route", ["commands/set-lesson-topic", "auth/login"])
def test_a_chunked_body_over_1_mib_is_413(env: Env, route: str) -> None:
    body = b'{"topic": "' + b"a" * (2 * MIB) + b'"}'
    before = env.position()
    r = env.client.post(f"{API}/{route}", content=chunks(body), headers={
        **env.headers["teacher"], "Content-Type": "application/json",
    })
    assert "content-length" not in r.request.headers
    assert r.request.headers["transfer-encoding"] == "chunked"
    problem(r, 413)
    assert env.position() == before


@pytest.mark.parametrize(
    ("route", "field"),
    [("documents/verify", "file"), ("imports/pupils", "file")],
)
def test_an_upload_over_1_mib_reaches_its_route_and_over_its_limit_is_413(
    env: Env, route: str, field: str
) -> None:
    # Given a 2 MiB file that is no document and no list (a year's archive PDF is
    # over a megabyte, a school's list may be too)
    before = env.position()
    files = {field: ("big.pdf", b"x" * (2 * MIB), "application/octet-stream")}
    # When it is uploaded, then its route reads it and refuses what it is (422)
    r = env.client.post(f"{API}/{route}", files=files, headers=env.headers["admin"])
    problem(r, 422)
    # And a body over the route's own limit is 413, announced or chunked
    huge = b"x" * (22 * MIB)
    r = env.client.post(f"{API}/{route}", content=huge, headers={
        **env.headers["admin"], "Content-Type": "multipart/form-data; boundary=x",
    })
    problem(r, 413)
    r = env.client.post(f"{API}/{route}", content=chunks(huge), headers={
        **env.headers["admin"], "Content-Type": "multipart/form-data; boundary=x",
    })
    problem(r, 413)
    assert env.position() == before


def test_a_chunked_body_under_the_limit_is_read_whole(env: Env) -> None:
    topic = "Дроби " * 50
    body = (f'{{"lesson_id": "{env.school.lesson_ids[1]}", "topic": "{topic}"}}'
            ).encode()
    r = env.client.post(f"{API}/commands/set-lesson-topic", content=chunks(body, 7),
                        headers={**env.headers["teacher"],
                                 "Content-Type": "application/json"})
    assert r.status_code == 200, r.text
    assert env.doc(env.school.lesson_ids[1])["topic"] == topic.strip()


def test_a_non_numeric_content_length_is_400(env: Env) -> None:
    r = env.client.post(f"{API}/auth/logout", headers={
        **env.headers["teacher"], "Content-Length": "12abc",
    })
    problem(r, 400)


# -- field lengths -------------------------------------------------------------------
def lesson_body(env: Env, **fields: Any) -> dict[str, Any]:
    return {"lesson_id": env.school.lesson_ids[1], **fields}


LONG_FIELDS: list[tuple[str, str, str, Any]] = [
    # (id, command or route, the field, a builder of the body)
    ("topic-501", "set-lesson-topic", "topic",
     lambda e: lesson_body(e, topic="т" * 501)),
    ("homework-4001", "assign-homework", "text",
     lambda e: lesson_body(e, text="д" * 4001)),
    ("comment-501", "add-comment", "text",
     lambda e: lesson_body(e, student_id=e.school.students[0], text="к" * 501)),
    ("mark-comment-501", "record-mark", "comment",
     lambda e: lesson_body(e, student_id=e.school.students[0], value="5",
                           work_type="oral", comment="c" * 501)),
    ("makeup-protocol-501", "record-makeup", "protocol",
     lambda e: lesson_body(e, student_id=e.school.students[0], value="5",
                           work_type="oral", protocol="p" * 501)),
    ("substitution-reason-501", "record-substitution", "reason",
     lambda e: lesson_body(e, substitute_teacher_id=e.school.accounts["substitute"],
                           reason="r" * 501)),
    ("full-name-201", "enroll-student", "full_name",
     lambda e: {"class_id": e.school.class_id, "full_name": "Ф" * 201,
                "on": "2026-11-23"}),
    ("login-65", "create-account", "login",
     lambda e: {"login": "a" * 65, "password": PASSWORD, "full_name": "Имя",
                "roles": ["teacher"]}),
    ("password-201", "create-account", "password",
     lambda e: {"login": "long.password", "password": "p" * 201,
                "full_name": "Имя", "roles": ["teacher"]}),
    ("password-7", "create-account", "password",
     lambda e: {"login": "short.password", "password": "p" * 7,
                "full_name": "Имя", "roles": ["teacher"]}),
    ("class-name-501", "create-class", "name",
     lambda e: {"year_id": e.school.year_id, "name": "К" * 501, "grade": 5}),
    ("withdraw-reason-501", "withdraw-student", "reason",
     lambda e: {"student_id": e.school.students[2], "on": "2026-11-23",
                "reason": "r" * 501}),
    ("incident-note-4001", "report-compromise", "note",
     lambda e: {"account_id": e.ids["victim"], "reported_at": e.clock().isoformat(),
                "note": "n" * 4001}),
    ("correction-reason-501", "request-correction", "reason",
     lambda e: {"mark_id": "3f0c9a52-8a0e-4a3b-9c55-0d1e2f3a4b5c", "value": "4",
                "reason": "r" * 501}),
    ("attendance-61-entries", "record-attendance", "entries",
     lambda e: lesson_body(e, entries=[
         {"student_id": e.school.students[0], "code": "absent"}] * 61)),
    ("plan-topic-title-501", "add-plan-topics", "topics[0].title",
     lambda e: {"course_id": e.school.course_id,
                "topics": [{"title": "t" * 501, "hours": 1}]}),
]
CALLER = {
    "enroll-student": "admin", "create-account": "admin", "create-class": "admin",
    "withdraw-student": "admin", "report-compromise": "admin",
}


@pytest.mark.parametrize(
    ("command", "field", "body"), [c[1:] for c in LONG_FIELDS],
    ids=[c[0] for c in LONG_FIELDS],
)
def test_an_overlong_field_is_422_naming_it(
    env: Env, command: str, field: str, body: Any
) -> None:
    before = env.position()
    r = env.client.post(f"{API}/commands/{command}",
                        headers=env.headers[CALLER.get(command, "teacher")],
                        json=body(env))
    answer = problem(r, 422)
    assert field in [e["field"] for e in answer["errors"]], answer
    assert env.position() == before


@pytest.mark.parametrize(
    ("route", "params"),
    [("/audit/events", {"type": "T" * 101}),
     ("/audit/events", {"session_id": "s" * 201}),
     ("/audit/events", {"account_id": "a" * 65}),
     ("/audit/events", {"limit": "1001"})],
    ids=["type-101", "session-201", "account-65", "limit-1001"],
)
def test_an_overlong_query_parameter_is_422(
    env: Env, route: str, params: dict[str, str]
) -> None:
    r = env.client.get(f"{API}{route}", params=params, headers=env.headers["admin"])
    problem(r, 422)


def test_an_overlong_idempotency_key_is_422(env: Env) -> None:
    before = env.position()
    r = env.client.post(f"{API}/commands/set-lesson-topic", headers={
        **env.headers["teacher"], "Idempotency-Key": "k" * 101,
    }, json=lesson_body(env, topic="Дроби"))
    problem(r, 422)
    assert env.position() == before


# -- hostile text --------------------------------------------------------------------
UNICODE = {
    "cyrillic": "Ёлка, щи и подъезд: «ЪЫЬ» — ё",
    "emoji": "Молодец 👍🏽👨‍👩‍👧‍👦 🇷🇺 ✅",
    "rtl": "שלום עולם مرحبا بالعالم \u200f(RTL)\u200e",
    "mixed": "Z\u0351\u0367a\u0308lgo — ｆｕｌｌ ｗｉｄｔｈ — 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 \u00a0nbsp",
    "sql": "'; DROP TABLE ej_docs; --",
    "sql-union": "x' UNION SELECT token_hash FROM ej_keys --",
    "quotes": "\"double\" 'single' `back` \\backslash\\ %_ wildcards",
    "html": "<script>alert('x')</script>&amp;",
}


@pytest.mark.parametrize("text", list(UNICODE.values()), ids=list(UNICODE))
def test_hostile_text_is_stored_and_shown_verbatim(env: Env, text: str) -> None:
    school, teacher = env.school, env.headers["teacher"]
    lesson = school.lesson_ids[3]
    pupil = env.run("enroll-student", {
        "class_id": school.class_id, "full_name": text, "on": "2026-09-01",
    })["student_id"]
    for command, body in [
        ("set-lesson-topic", {"lesson_id": lesson, "topic": text}),
        ("assign-homework", {"lesson_id": lesson, "text": text}),
        ("add-comment", {"lesson_id": lesson, "student_id": pupil, "text": text}),
    ]:
        r = env.client.post(f"{API}/commands/{command}", headers=teacher, json=body)
        assert r.status_code == 200, (command, r.text)

    journal = env.client.get(f"{API}/courses/{school.course_id}/journal",
                             headers=teacher).json()
    shown = next(x for x in journal["lessons"] if x["lesson_id"] == lesson)
    assert shown["topic"] == text
    assert shown["homework"]["text"] == text
    assert text in [c["text"] for c in shown["cells"][pupil]["comments"]]
    assert text in [s["full_name"] for s in journal["students"]]

    r = env.client.get(f"{API}/students/{pupil}/diary",
                       params={"from": "2026-11-16", "to": "2026-11-22"},
                       headers=env.headers["admin"])
    assert r.status_code == 200, r.text
    diary = r.json()
    assert diary["full_name"] == text
    day = next(d for d in diary["days"] for x in d["lessons"]
               if x["lesson_id"] == lesson)
    shown = next(x for x in day["lessons"] if x["lesson_id"] == lesson)
    assert (shown["topic"], shown["homework"]["text"]) == (text, text)
    assert [c["text"] for c in shown["comments"]] == [text]
    # The tables are all still there, and every pupil still is.
    with env.service.app.db().read() as cur:
        kinds = cur.execute(
            "SELECT COUNT(*) AS n FROM ej_docs WHERE stream_id = ?", (pupil,)
        ).fetchone()
    assert kinds["n"] == 1
    assert env.doc(school.students[0])["kind"] == "student"


@pytest.mark.parametrize("text", [UNICODE["sql"], UNICODE["sql-union"], "' OR 1=1 --"],
                         ids=["drop", "union", "or"])
def test_sql_in_query_filters_matches_nothing_and_breaks_nothing(
    env: Env, text: str
) -> None:
    admin = env.headers["admin"]
    for params in ({"type": text}, {"session_id": text}):
        r = env.client.get(f"{API}/audit/events", params=params, headers=admin)
        assert r.status_code == 200, r.text
        assert r.json()["events"] == []
    problem(env.client.get(f"{API}/audit/events", params={"account_id": text},
                           headers=admin), 422)
    problem(env.client.get(f"{API}/courses/{text}/journal", headers=admin), 404)
    problem(login(env.client, text, text), 401)  # no such login
    assert env.client.get(f"{API}/audit/events", params={"limit": 1},
                          headers=admin).json()["events"]


def test_a_nul_character_is_refused_or_kept_never_500(env: Env) -> None:
    r = env.client.post(f"{API}/commands/set-lesson-topic",
                        headers=env.headers["teacher"],
                        json=lesson_body(env, topic="before\x00after"))
    assert r.status_code in (200, 422), r.text
    if r.status_code == 200:
        assert env.doc(env.school.lesson_ids[1])["topic"] == "before\x00after"


def test_time_moves_back_after_clock_tests(env: Env) -> None:
    """The shared clock is where the module started: every session is alive."""
    for name, headers in env.headers.items():
        assert me(env, headers) == 200, name


@pytest.mark.parametrize("name", ["adm\x00in", "admin\n", "\x7f"],
                         ids=["nul", "newline", "del"])
def test_a_login_with_a_control_character_is_422_not_500(
    env: Env, name: str
) -> None:
    """Found by fuzzing on PostgreSQL: a NUL in the login reached a text column
    (the throttle's table) and the database refused it with a 500."""
    before = env.position()
    answer = problem(login(env.client, name), 422)
    assert [e["field"] for e in answer["errors"]] == ["login"]
    assert env.position() == before
