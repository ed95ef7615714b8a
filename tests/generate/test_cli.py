"""``ejournal generate`` with the size options: a small school, its views built,
and a second run refused on the non-empty database."""

from __future__ import annotations

import re

from typer.testing import CliRunner

from ejournal.cli import cli
from ejournal.service import Service
from tests.builders import max_position
from tests.projections.support import stream_ids


def test_generate_command(database_url: str) -> None:
    runner = CliRunner()
    args = [
        "generate",
        "--database-url",
        database_url,
        "--classes-per-grade",
        "2",
        "--pupils-per-class",
        "5",
        "--grade",
        "3",
        "--grade",
        "10",
        "--weeks-per-quarter",
        "1",
        "--seed",
        "3",
    ]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    found = re.search(
        r"(\d+) events: 4 classes, 20 pupils, (\d+) lessons", result.output
    )
    assert found, result.output
    assert "period and" in result.output
    service = Service(database_url)
    try:
        assert max_position(service) == int(found.group(1))
        assert service.runner.position == max_position(service), "views built"
        assert len(stream_ids(service, "class")) == 4
        assert len(stream_ids(service, "lesson")) == int(found.group(2))
    finally:
        service.close()
    again = runner.invoke(cli, args)
    assert again.exit_code == 1
    assert "not empty" in again.output
