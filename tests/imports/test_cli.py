"""``ejournal import pupils|staff|timetable FILE`` through typer's CliRunner."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from ejournal.cli import cli
from ejournal.service import Service
from tests.builders import max_position
from tests.imports.helpers import SAMPLES, csv_bytes, open_year

runner = CliRunner()


def test_cli_imports_the_samples_and_reimport_writes_nothing(
    service: Service, database_url: str
) -> None:
    # Given an empty school with its year
    open_year(service)
    # When staff, pupils (XLSX) and timetable are imported from the command line
    for kind, name in (
        ("staff", "staff.csv"),
        ("pupils", "pupils.xlsx"),
        ("timetable", "timetable.csv"),
    ):
        args = ["import", kind, str(SAMPLES / name), "--database-url", database_url]
        out = runner.invoke(cli, [*args, "--year", "2026/2027"])
        # Then each succeeds
        assert out.exit_code == 0, out.output
        assert "0 unchanged" in out.output
    # And a second run of one of them reports 0 new and writes nothing
    service.runner.catch_up()
    position = max_position(service)
    args = ["import", "pupils", str(SAMPLES / "pupils.csv")]
    out = runner.invoke(cli, [*args, "--database-url", database_url])
    assert out.exit_code == 0, out.output
    assert "6 строк: 0 new, 6 unchanged" in out.output
    assert max_position(service) == position


def test_cli_dry_run_and_problems(
    service: Service, database_url: str, tmp_path: Path
) -> None:
    # Given an empty school with its year and a pupils file with a bad date
    open_year(service)
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes("Класс;Фамилия;Имя;Дата рождения\n5А;Ли;Ян;30.02.2015\n"))
    good = tmp_path / "good.csv"
    good.write_bytes(csv_bytes("Класс;Фамилия;Имя\n5А;Ли;Ян\n", "cp1251"))
    position = max_position(service)
    # When the bad file is imported, then it prints the problem, exits 1
    out = runner.invoke(
        cli, ["import", "pupils", str(bad), "--database-url", database_url]
    )
    assert out.exit_code == 1
    assert "Дата рождения" in out.output and "Ничего не записано" in out.output
    # When the good one is checked with --dry-run, then it writes nothing
    args = ["import", "pupils", str(good), "--dry-run", "--database-url", database_url]
    out = runner.invoke(cli, args)
    assert out.exit_code == 0, out.output
    assert "2 new" in out.output and "ничего не записано" in out.output
    assert max_position(service) == position
    # When a file is no table, then it says so and exits 2
    junk = tmp_path / "junk.csv"
    junk.write_bytes(b"")
    out = runner.invoke(
        cli, ["import", "staff", str(junk), "--database-url", database_url]
    )
    assert out.exit_code == 2 and "пуст" in out.output
