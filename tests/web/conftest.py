"""The pages through the app: the school of tests/builders.py per module and
backend, and a browser-like client per person (cookies, the forms' CSRF token).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from ejournal.api.app import create_app
from ejournal.service import Service
from tests.builders import PASSWORD, FakeClock, School, build_school, max_position

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


class Browser:
    """One person's client: their own cookie jar, signed in through the login
    form, and the CSRF token of the last page they opened."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.csrf = ""

    def get(self, url: str, **kw: Any) -> Response:
        r = self.client.get(url, **kw)
        self._remember(r)
        return r

    def post(self, url: str, data: dict[str, Any] | None = None, **kw: Any) -> Response:
        """A form post carrying the CSRF token (unless ``data`` names its own)."""
        body = {"csrf": self.csrf, **(data or {})}
        r = self.client.post(url, data=body, **kw)
        self._remember(r)
        return r

    def htmx(self, url: str, data: dict[str, Any] | None = None) -> Response:
        """What htmx sends for an hx-post: the header token and HX-Request."""
        headers = {"HX-Request": "true", "X-CSRF-Token": self.csrf}
        return self.client.post(url, data=data or {}, headers=headers)

    def sign_in(self, login: str, password: str = PASSWORD) -> Response:
        page = self.get("/login")
        assert page.status_code == 200, page.text
        r = self.post(
            "/login",
            {"login": login, "password": password, "next": "/"},
            follow_redirects=False,
        )
        if r.status_code == 303:
            self.get("/")
        return r

    def _remember(self, r: Response) -> None:
        if "text/html" in r.headers.get("content-type", ""):
            found = CSRF.search(r.text)
            if found:
                self.csrf = found.group(1)


@dataclass
class Web:
    """One backend's service, clock, school and a signed-in browser per person."""

    backend: str
    service: Service
    app: Any
    clock: FakeClock
    school: School
    browsers: dict[str, Browser] = field(default_factory=dict)

    def run(self, name: str, body: dict[str, Any]) -> dict[str, Any]:
        """A command as the system actor (set-up, not under test)."""
        return self.service.execute(self.service.system_actor(), name, body)

    def position(self) -> int:
        return max_position(self.service)

    def browser(self, name: str) -> Browser:
        """The signed-in browser of a person of the school (ROLES in builders)."""
        if name not in self.browsers:
            b = Browser(TestClient(self.app, raise_server_exceptions=False))
            r = b.sign_in(self.school.logins[name])
            assert r.status_code == 303, r.text
            self.browsers[name] = b
        return self.browsers[name]

    def anonymous(self) -> Browser:
        return Browser(TestClient(self.app, raise_server_exceptions=False))


@pytest.fixture(scope="module")
def web(module_database_url: str) -> Iterator[Web]:
    clock = FakeClock()
    service = Service(module_database_url, clock=clock)
    school = build_school(service)
    app = create_app(lambda: service, start_runner=False)
    with TestClient(app, raise_server_exceptions=False):  # runs the lifespan
        yield Web(module_database_url.split(":")[0], service, app, clock, school)
