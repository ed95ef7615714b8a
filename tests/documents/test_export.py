"""``ejournal export archive``: one PDF a class of the year, each carrying the
provenance the manifest records, all at one log position; a rerun skips what the
manifest vouches for and remakes only what is missing; unknown years and classes
are refused with the names that exist."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
from typer.testing import CliRunner, Result

from ejournal.cli import cli
from ejournal.printouts import read_document
from ejournal.service import Service
from tests.builders import School
from tests.documents.support import pdf_text

YEAR = "2026/27"  # the test school's year "2026/2027", as schools write it
FOLDER = "2026-2027"


def _export(database_url: str, out: Path, *extra: str) -> Result:
    return CliRunner().invoke(
        cli,
        [
            "export", "archive", "--year", YEAR, "--out", str(out),
            "--database-url", database_url, *extra,
        ],
    )  # fmt: skip


def _manifest(out: Path) -> dict[str, Any]:
    data: dict[str, Any] = orjson.loads((out / "manifest.json").read_bytes())
    return data


def test_the_archive_of_every_class_then_a_resumed_run(
    service: Service, school: School, database_url: str, tmp_path: Path
) -> None:
    out = tmp_path / "archive"
    # Given the test school's year with its two classes
    # When the year is exported
    first = _export(database_url, out)
    # Then there is one PDF a class, named in Cyrillic, and no leftover .part
    assert first.exit_code == 0, first.output
    folder = out / FOLDER
    assert sorted(p.name for p in folder.iterdir()) == ["5А.pdf", "6Б.pdf"]
    assert "2 written, 0 skipped" in first.output
    # and each carries the provenance the manifest records, at one position
    manifest = _manifest(out)
    assert manifest["years"]["2026/2027"]["year_id"] == school.year_id
    as_of = manifest["years"]["2026/2027"]["as_of"]
    positions = set()
    for name in ("5А", "6Б"):
        entry = manifest["files"][f"{FOLDER}/{name}.pdf"]
        data = (folder / f"{name}.pdf").read_bytes()
        found = read_document(data)
        assert (found.position, found.hash) == (entry["position"], entry["hash"])
        assert found.as_of == entry["as_of"] == as_of
        assert found.printed_by.startswith("ejournal export (CLI)")
        assert entry["class"] == name
        assert entry["bytes"] == len(data)
        positions.add(found.position)
    assert len(positions) == 1
    assert "Архив класса 5А" in pdf_text((folder / "5А.pdf").read_bytes())

    # When it is run again
    mtimes = {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}
    second = _export(database_url, out)
    # Then nothing is rewritten
    assert second.exit_code == 0, second.output
    assert "0 written, 2 skipped" in second.output
    assert {p.name: p.stat().st_mtime_ns for p in folder.iterdir()} == mtimes

    # Given one file deleted and a stale .part of it left by an interrupted run
    (folder / "6Б.pdf").unlink()
    (folder / "6Б.pdf.part").write_bytes(b"%PDF-1.7 half")
    # When it is run again
    third = _export(database_url, out)
    # Then only that file is made again, at the manifest's moment, and the
    # .part is gone
    assert third.exit_code == 0, third.output
    assert "1 written, 1 skipped" in third.output
    assert sorted(p.name for p in folder.iterdir()) == ["5А.pdf", "6Б.pdf"]
    assert (folder / "5А.pdf").stat().st_mtime_ns == mtimes["5А.pdf"]
    again = read_document((folder / "6Б.pdf").read_bytes())
    assert again.as_of == as_of
    assert again.position in positions

    # When a file is altered and the run is forced
    (folder / "5А.pdf").write_bytes(b"tampered")
    forced = _export(database_url, out, "--force")
    # Then every file is made again
    assert forced.exit_code == 0, forced.output
    assert "2 written, 0 skipped" in forced.output
    read_document((folder / "5А.pdf").read_bytes())


def test_one_class_only(
    service: Service, school: School, database_url: str, tmp_path: Path
) -> None:
    out = tmp_path / "archive"
    # When the export is limited to one class
    result = _export(database_url, out, "--class", "6Б")
    # Then only its archive is written
    assert result.exit_code == 0, result.output
    assert [p.name for p in (out / FOLDER).iterdir()] == ["6Б.pdf"]
    assert list(_manifest(out)["files"]) == [f"{FOLDER}/6Б.pdf"]


def test_an_unknown_year_or_class_is_refused(
    service: Service, school: School, database_url: str, tmp_path: Path
) -> None:
    out = tmp_path / "archive"
    # When the year is unknown
    result = CliRunner().invoke(
        cli,
        ["export", "archive", "--year", "2030/31", "--out", str(out),
         "--database-url", database_url],
    )  # fmt: skip
    # Then it exits non-zero naming the years there are
    assert result.exit_code == 1
    assert "no academic year named '2030/31'" in result.output
    assert "2026/2027" in result.output
    # When the class is unknown
    result = _export(database_url, out, "--class", "9Я")
    # Then it exits non-zero naming the classes there are, and writes nothing
    assert result.exit_code == 1
    assert "no class named '9Я'" in result.output
    assert "5А, 6Б" in result.output
    assert not (out / FOLDER).exists()


def test_an_unwritable_directory_is_refused(
    service: Service, school: School, database_url: str, tmp_path: Path
) -> None:
    # Given a file where the directory should be
    out = tmp_path / "taken"
    out.write_bytes(b"")
    # When the export is pointed at it
    result = _export(database_url, out / "archive")
    # Then it exits non-zero saying it cannot write there
    assert result.exit_code == 1
    assert "cannot write to" in result.output
