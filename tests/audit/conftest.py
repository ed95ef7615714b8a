"""Fixtures for the audit tests: a second, empty database to restore into (the same
backend as ``database_url``, or the other one)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import psycopg
import pytest

from ejournal.backup import restore, write_backup
from ejournal.service import Service
from ejournal.store import DatabaseConfig
from tests.audit.support import History, make_history
from tests.builders import FakeClock, School, build_school


def _schema_url(base: str, schema: str) -> str:
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}schema={schema}"


def _empty(
    request: pytest.FixtureRequest, tmp_path: Path, backend: str
) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / f'restored-{uuid.uuid4().hex[:8]}.sqlite3'}"
        return
    base = request.getfixturevalue("postgres_url")
    schema = f"r_{uuid.uuid4().hex[:16]}"
    url = _schema_url(base, schema)
    yield url
    conninfo = DatabaseConfig.from_url(url).conninfo
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def backend_of(url: str) -> str:
    return "sqlite" if url.startswith("sqlite") else "postgres"


@pytest.fixture
def empty_url(
    request: pytest.FixtureRequest, tmp_path: Path, database_url: str
) -> Iterator[str]:
    """Another empty database on the same backend as ``database_url``."""
    yield from _empty(request, tmp_path, backend_of(database_url))


@pytest.fixture
def other_backend_url(
    request: pytest.FixtureRequest, tmp_path: Path, database_url: str
) -> Iterator[str]:
    """An empty database on the other backend."""
    other = "postgres" if backend_of(database_url) == "sqlite" else "sqlite"
    yield from _empty(request, tmp_path, other)


@dataclass(frozen=True)
class Recorded:
    """A school with a history, recorded once per backend and restored from its
    backup into each test's fresh database (building one costs seconds)."""

    backup: Path
    school: School
    history: History
    ends_at: datetime


@pytest.fixture(scope="session")
def _recordings() -> dict[str, Recorded]:
    return {}


@pytest.fixture
def recorded(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    database_url: str,
    service: Service,
    clock: FakeClock,
    _recordings: dict[str, Recorded],
) -> Recorded:
    """``service`` holding the school of tests/builders.py and ``make_history``."""
    backend = backend_of(database_url)
    if backend not in _recordings:
        folder = tmp_path_factory.mktemp(f"recorded-{backend}")
        scratch = _empty(request, folder, backend)
        url = next(scratch)
        source_clock = FakeClock()
        source = Service(url, clock=source_clock)
        try:
            school = build_school(source)
            history = make_history(source, school, source_clock)
            write_backup(source.app, folder / "school.ndjson.gz")
        finally:
            source.close()
            next(scratch, None)
        _recordings[backend] = Recorded(
            folder / "school.ndjson.gz", school, history, source_clock()
        )
    found = _recordings[backend]
    restore(service, found.backup, end_sessions=False)  # the recorded log exactly
    clock.set(found.ends_at)
    return found
