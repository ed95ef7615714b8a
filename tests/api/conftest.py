"""A school per test module and backend, shared by the HTTP tests of that module.

Building a school costs about a second, so the role matrix and the bad-input tests
share one per module and backend (a fresh SQLite file, a fresh PostgreSQL schema).
Their cases are written so that they do not interfere: every write uses its own
names, pupils or lessons, and the bad-input cases write nothing at all.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ejournal.api.app import create_app
from ejournal.projections.reader import reader
from ejournal.service import Service
from tests.builders import PASSWORD, FakeClock, School, build_school

API = "/api/v1"
PROBLEM_JSON = "application/problem+json"


@dataclass
class Env:
    """One backend's service, HTTP client, clock, school and logged-in callers."""

    backend: str
    service: Service
    client: TestClient
    clock: FakeClock
    school: School
    headers: dict[str, dict[str, str]] = field(default_factory=dict)
    ids: dict[str, str] = field(default_factory=dict)
    counter: Iterator[int] = field(default_factory=itertools.count)

    def run(self, name: str, body: dict[str, Any]) -> dict[str, Any]:
        """A command as the system actor (set-up, not under test)."""
        return self.service.execute(self.service.system_actor(), name, body)

    def position(self) -> int:
        return int(self.service.app.recorder.max_notification_id() or 0)

    def doc(self, stream_id: str) -> dict[str, Any]:
        with reader(self.service.app) as views:
            doc = views.doc(stream_id)
        assert doc is not None, stream_id
        return dict(doc)

    def unique(self, prefix: str) -> str:
        return f"{prefix}{next(self.counter)}x{uuid.uuid4().hex[:6]}"

    def login(self, name: str) -> dict[str, str]:
        r = self.client.post(f"{API}/auth/login", json={
            "login": self.school.logins[name], "password": PASSWORD,
        })
        assert r.status_code == 200, r.text
        return {"Authorization": f"Bearer {r.json()['token']}"}

    def enroll(self, class_id: str, on: str = "2026-09-01") -> str:
        out = self.run("enroll-student", {
            "class_id": class_id, "full_name": self.unique("Pupil "), "on": on,
        })
        return str(out["student_id"])


@pytest.fixture(scope="module")
def env(module_database_url: str) -> Iterator[Env]:
    """The school of tests/builders.py plus a few spare things, everyone logged in."""
    clock = FakeClock()
    service = Service(module_database_url, clock=clock)
    school = build_school(service)
    app = create_app(lambda: service, start_runner=False)
    with TestClient(app, raise_server_exceptions=False) as client:  # closes service
        e = Env(module_database_url.split(":")[0], service, client, clock, school)
        for name, roles in {
            "victim": ["teacher"], "spare_parent": ["parent"],
            "spare_a": ["teacher"], "spare_b": ["teacher"],
        }.items():
            e.ids[name] = e.run("create-account", {
                "login": name.replace("_", "."), "password": PASSWORD,
                "full_name": name.title(), "roles": roles,
            })["account_id"]
        for name in ("spare_from", "spare_to"):
            e.ids[name] = e.run("create-class", {
                "year_id": school.year_id, "name": name, "grade": 9,
            })["class_id"]
        e.ids["spare_course"] = e.run("create-course", {
            "year_id": school.year_id, "class_id": e.ids["spare_from"],
            "subject": "Физика", "teacher_id": e.ids["spare_a"], "hours_per_week": 2,
        })["course_id"]
        e.ids["group"] = e.run("create-group", {
            "class_id": school.class_id, "name": "Группа 1",
            "student_ids": [school.students[0]],
        })["group_id"]
        e.ids["next_year"] = e.run("open-academic-year", {
            "name": "2027/2028", "starts_on": "2027-09-01", "ends_on": "2028-05-31",
            "periods": [{"name": "I", "starts_on": "2027-09-01",
                         "ends_on": "2028-05-31"}],
        })["year_id"]
        e.ids["withdrawn"] = e.enroll(e.ids["spare_from"])
        e.run("withdraw-student", {
            "student_id": e.ids["withdrawn"], "on": "2026-10-01", "reason": "moved",
        })
        e.headers = {name: e.login(name) for name in school.logins}
        yield e
