"""Dates and moments at the edges of their range, and odd UTC offsets, on every date
or date-time field a client can send (ejournal.datebounds), on both backends.

An outside fuzz run found a 500 on a report read with a date-time in year 1. The
class of fault is fixed where input enters, so these tests find the fields
themselves: the query parameters from /openapi.json, the body fields from each
command model's JSON schema. A field added later is covered without a change here.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import ValidationError

from ejournal.commands import COMMANDS
from tests.api.conftest import API, PROBLEM_JSON, Env
from tests.api.test_bad_input import BASES

# Outside the range (1900..2199, offsets of whole minutes up to ±14:00): 422.
BAD_DAYS = ["0001-01-01", "9999-12-31", "1899-12-31", "2200-01-01"]
BAD_MOMENTS = [
    "0001-01-01T00:00:00+14:00",  # overflowed in the UTC conversion
    "0001-01-01T00:00:00Z",
    "9999-12-31T23:59:59-14:00",
    "9999-12-31T23:59:59Z",
    "1900-01-01T00:00:00Z",  # strictly inside: the first local day is refused
    "2026-11-22T08:15:00+14:01",
    "2026-11-22T08:15:00-23:59",
    "2026-11-22T08:15:00+03:00:30",  # an offset with seconds
    "2026-11-22T08:15:00",  # no offset at all
]
# Inside the range, odd but real: answered (not 422, not 5xx).
GOOD_DAYS = ["1900-01-01", "2199-12-31", "2026-02-28"]
GOOD_MOMENTS = [
    "1900-01-02T00:00:00+14:00",
    "2199-12-30T23:59:59-14:00",
    "2026-11-22T08:15:00+05:45",  # Nepal
    "2026-11-22T08:15:00-12:00",
    "2026-11-22T08:15:00.999999+14:00",
]


# -- the fields, found from the schemas ---------------------------------------------
def _date_paths(schema: dict[str, Any]) -> Iterator[tuple[list[Any], str]]:
    """(path, format) of every date or date-time property of a JSON schema, with 0
    standing for a list's item."""
    defs = schema.get("$defs", {})

    def walk(node: dict[str, Any], path: list[Any]) -> Iterator[tuple[list[Any], str]]:
        if "$ref" in node:
            yield from walk(defs[node["$ref"].rsplit("/", 1)[-1]], path)
            return
        if node.get("format") in ("date", "date-time"):
            yield path, node["format"]
        for option in node.get("anyOf", []):
            yield from walk(option, path)
        if "items" in node:
            yield from walk(node["items"], [*path, 0])
        for name, sub in node.get("properties", {}).items():
            yield from walk(sub, [*path, name])

    yield from walk(schema, [])


def _nest(path: list[Any], value: Any) -> Any:
    """A body holding only ``value`` at ``path``."""
    for step in reversed(path):
        value = [value] if step == 0 else {step: value}
    return value


BODY_FIELDS = [
    (name, path, fmt)
    for name, spec in sorted(COMMANDS.items())
    for path, fmt in _date_paths(spec.model.model_json_schema())
]


def test_the_commands_have_date_fields_to_check() -> None:
    """The schema walk finds the fields (it would pass vacuously otherwise)."""
    found = {(name, ".".join(map(str, path))) for name, path, _ in BODY_FIELDS}
    assert {
        ("enroll-student", "on"),
        ("open-academic-year", "periods.0.starts_on"),
        ("report-compromise", "reported_at"),
        ("defer-period-mark", "until"),
        ("acknowledge-diary", "week_start"),
    } <= found


@pytest.mark.parametrize(
    ("command", "path", "fmt"),
    BODY_FIELDS,
    ids=[f"{n}-{'.'.join(map(str, p))}" for n, p, _ in BODY_FIELDS],
)
def test_every_date_field_of_every_command_refuses_the_edges(
    command: str, path: list[Any], fmt: str
) -> None:
    model = COMMANDS[command].model
    for bad in BAD_MOMENTS if fmt == "date-time" else BAD_DAYS:
        with pytest.raises(ValidationError) as caught:
            model.model_validate(_nest(path, bad))
        mine = [e for e in caught.value.errors() if list(e["loc"]) == path]
        assert mine, (bad, caught.value.errors())
        message = mine[0]["msg"]  # the range, the offset or pydantic's parse error
        assert any(w in message for w in ("1900", "offset", "timezone", "valid")), (
            bad,
            message,
        )
    for good in GOOD_MOMENTS if fmt == "date-time" else GOOD_DAYS:
        try:
            model.model_validate(_nest(path, good))
        except ValidationError as error:
            assert not [e for e in error.errors() if list(e["loc"]) == path], good


# -- through HTTP: commands refuse and write nothing --------------------------------
def _set(body: Any, path: list[Any], value: Any) -> bool:
    """Put ``value`` at ``path`` of a real body (every item of a list); False when
    the body has nothing there (an optional field left out)."""
    head, *rest = path
    if head == 0:
        done = False
        for item in body:  # every item, not only the first
            done = (bool(rest) and _set(item, rest, value)) or done
        return done
    if head not in body:
        return False
    if rest:
        return _set(body[head], rest, value)
    body[head] = value
    return True


HTTP_FIELDS = [(n, p, f) for n, p, f in BODY_FIELDS if n in BASES]


@pytest.mark.parametrize(
    ("command", "path", "fmt"),
    HTTP_FIELDS,
    ids=[f"{n}-{'.'.join(map(str, p))}" for n, p, _ in HTTP_FIELDS],
)
def test_a_command_with_an_edge_date_is_refused_and_writes_nothing(
    env: Env, command: str, path: list[Any], fmt: str
) -> None:
    make, caller = BASES[command]
    for bad in BAD_MOMENTS if fmt == "date-time" else BAD_DAYS:
        body = make(env)
        if not _set(body, path, bad):
            body = make(env, **{path[0]: bad}) if len(path) == 1 else None
        if body is None:
            continue
        before = env.position()
        r = env.client.post(
            f"{API}/commands/{command}", headers=env.headers[caller], json=body
        )
        assert r.status_code == 422, (bad, r.status_code, r.text)
        assert r.headers["content-type"].startswith(PROBLEM_JSON)
        fields = [e["field"] for e in r.json()["errors"]]
        assert any(str(path[-1]) in f for f in fields), (bad, fields)
        assert env.position() == before


# -- through HTTP: every query with a date or date-time parameter -------------------
def _query_params(env: Env) -> list[tuple[str, str, str, list[str]]]:
    """(path, parameter, format, the other required query parameters)."""
    schema = env.client.get("/openapi.json").json()
    found = []
    for path, ops in schema["paths"].items():
        op = ops.get("get")
        if op is None:
            continue
        required = [
            p["name"]
            for p in op.get("parameters", [])
            if p["in"] == "query" and p.get("required")
        ]
        for param in op.get("parameters", []):
            formats = {param["schema"].get("format")} | {
                a.get("format") for a in param["schema"].get("anyOf", [])
            }
            for fmt in formats & {"date", "date-time"}:
                if param["in"] == "query":
                    found.append((path, param["name"], fmt, required))
    return found


def _ids(env: Env) -> dict[str, str]:
    return {
        "course_id": env.school.course_id,
        "class_id": env.school.class_id,
        "student_id": env.school.students[0],
        "incident_id": env.ids["incident"],
        "mark_id": env.ids["mark"],
        "year_id": env.school.year_id,
    }


def _fill(env: Env, path: str) -> str:
    for name, value in _ids(env).items():
        path = path.replace("{" + name + "}", value)
    assert "{" not in path, path
    return path.removeprefix(API)


@pytest.fixture(scope="module")
def seeded(env: Env) -> Env:
    env.ids["mark"] = env.service.execute(
        env.school.actor(env.service, "teacher"),
        "record-mark",
        {
            "lesson_id": env.school.lesson_ids[0],
            "student_id": env.school.students[0],
            "value": "4",
            "work_type": "oral",
        },
    )["mark_id"]
    env.ids["incident"] = env.run(
        "report-compromise",
        {
            "account_id": env.ids["victim"],
            "reported_at": "2026-11-20T10:00:00+03:00",
            "note": "a test incident",
        },
    )["incident_id"]
    return env


def test_every_dated_query_parameter_refuses_the_edges_and_answers_odd_offsets(
    seeded: Env,
) -> None:
    env = seeded
    params = _query_params(env)
    assert len(params) >= 30, params  # as_of on every read, plus the ranges
    headers = env.headers["admin"]
    for path, name, fmt, required in params:
        url = f"{API}{_fill(env, path)}"
        others = {p: _ids(env)[p] for p in required if p != name}
        before = env.position()
        for bad in BAD_MOMENTS if fmt == "date-time" else BAD_DAYS:
            r = env.client.get(url, params={**others, name: bad}, headers=headers)
            assert r.status_code == 422, (path, name, bad, r.status_code, r.text)
            assert r.headers["content-type"].startswith(PROBLEM_JSON)
            problem = r.json()
            assert any(name in e["field"] for e in problem["errors"]), problem
            assert all(e["message"] for e in problem["errors"])
        for good in GOOD_MOMENTS if fmt == "date-time" else GOOD_DAYS:
            r = env.client.get(url, params={**others, name: good}, headers=headers)
            assert r.status_code < 500, (path, name, good, r.status_code, r.text)
            assert r.status_code != 422 or name in ("from", "to"), (
                path,
                name,
                good,
                r.text,
            )
        assert env.position() == before, path
