"""Fixtures of the generator tests: fresh databases of the test's backend and a
small school (two grades, one class each, two weeks a quarter) that generates in
well under a second."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from ejournal.generate import Generated, generate
from ejournal.store import DatabaseConfig, SchoolApp, open_store

SMALL: dict[str, Any] = {
    "classes_per_grade": 1,
    "pupils_per_class": 16,
    "grades": (1, 7),  # grade 1 has no marks; grade 7 has groups
    "weeks_per_quarter": 2,
}


@pytest.fixture
def fresh_url(database_url: str, tmp_path: Path) -> Iterator[Callable[[], str]]:
    """New empty databases of the same backend as ``database_url`` (SQLite files
    or PostgreSQL schemas), dropped afterwards."""
    made: list[str] = []

    def make() -> str:
        if database_url.startswith("sqlite"):
            url = f"sqlite:///{tmp_path / f'fresh-{len(made)}.sqlite3'}"
        else:
            schema = f"g_{uuid.uuid4().hex[:16]}"
            url = re.sub(r"schema=[a-z0-9_]+", f"schema={schema}", database_url)
            assert url != database_url
        made.append(url)
        return url

    yield make
    for url in made:
        if url.startswith("sqlite"):
            continue
        config = DatabaseConfig.from_url(url)
        with psycopg.connect(config.conninfo, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{config.schema}" CASCADE')


def generate_into(url: str, seed: int = 1, **size: Any) -> Generated:
    app = open_store(url)
    try:
        return generate(app, seed=seed, **{**SMALL, **size})
    finally:
        app.close()


def stored(app: SchoolApp) -> list[tuple[int, str, int, str, bytes]]:
    """Every stored event in log order: position, stream, version, topic, state."""
    out: list[tuple[int, str, int, str, bytes]] = []
    start = 1
    while True:
        page = app.recorder.select_notifications(start=start, limit=1000)
        if not page:
            return out
        out.extend(
            (n.id, str(n.originator_id), n.originator_version, n.topic, bytes(n.state))
            for n in page
        )
        start = page[-1].id + 1


def stored_at(url: str) -> list[tuple[int, str, int, str, bytes]]:
    app = open_store(url)
    try:
        return stored(app)
    finally:
        app.close()


def events(app: SchoolApp) -> list[Any]:
    """Every stored event, decoded, in log order."""
    out: list[Any] = []
    start = 1
    while True:
        page = app.recorder.select_notifications(start=start, limit=1000)
        if not page:
            return out
        out.extend(app.mapper.to_domain_event(n) for n in page)
        start = page[-1].id + 1
