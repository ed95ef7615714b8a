"""``ejournal import pupils|staff|timetable FILE``: a school's lists from CSV or
XLSX (docs/import.md), checked row by row and written whole or not at all, as
the system (the person at the server's console)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from ejournal.store import DEFAULT_DATABASE_URL

import_cli = typer.Typer(
    help="Import a school's lists from CSV or XLSX (see docs/import.md).",
    no_args_is_help=True,
)
FileArg = Annotated[
    Path,
    typer.Argument(exists=True, dir_okay=False, readable=True, help="CSV or XLSX"),
]
YearOption = Annotated[
    str | None,
    typer.Option("--year", help="The academic year: 2026/2027 (default: the latest)"),
]
DryRunOption = Annotated[
    bool, typer.Option("--dry-run", help="Check every row, write nothing")
]
DbOption = Annotated[
    str,
    typer.Option(
        "--database-url",
        envvar="EJOURNAL_DATABASE_URL",
        help="sqlite:///path or postgresql://…",
    ),
]
MAX_SHOWN = 200  # problems printed; the count covers them all

LABELS = {
    "accounts": "учётных записей",
    "classes": "классов",
    "pupils": "учеников",
    "guardians": "родителей",
    "guardian_links": "связей с родителями",
    "consents": "согласий",
    "courses": "предметов",
    "lessons": "уроков",
}


def _run(kind: str, path: Path, year: str | None, dry_run: bool, url: str) -> None:
    from ejournal.cli import _progress
    from ejournal.domain.errors import DomainError
    from ejournal.imports import run_import
    from ejournal.service import Service

    console = Console()
    service = Service(url)
    try:
        with _progress() as progress:
            task = progress.add_task(f"checking {path.name}", total=None)

            def advance(done: int, total: int) -> None:
                progress.update(task, completed=done, total=total)

            try:
                result = run_import(
                    service,
                    service.system_actor(),
                    kind,
                    path.read_bytes(),
                    filename=path.name,
                    year=year,
                    dry_run=dry_run,
                    progress=advance,
                )
            except DomainError as exc:
                console.print(f"[red]{path.name}: {exc.detail}[/red]")
                raise typer.Exit(2) from None
    finally:
        service.close()
    if result.ignored_columns:
        console.print(
            "Столбцы не распознаны и пропущены: " + ", ".join(result.ignored_columns)
        )
    if result.problems:
        table = Table(title=f"{len(result.problems)} ошибок в {path.name}")
        table.add_column("строка", justify="right")
        table.add_column("столбец")
        table.add_column("ошибка")
        for p in result.problems[:MAX_SHOWN]:
            table.add_row(str(p["row"]), p["column"], p["message"])
        console.print(table)
        if len(result.problems) > MAX_SHOWN:
            console.print(f"… и ещё {len(result.problems) - MAX_SHOWN}")
        console.print("[red]Ничего не записано: исправьте файл и повторите.[/red]")
        raise typer.Exit(1)
    created = ", ".join(
        f"{LABELS.get(k, k)}: {n}" for k, n in sorted(result.created.items())
    )
    verb = "будет создано" if dry_run else "создано"
    console.print(
        f"{result.rows} строк: {result.new} new, {result.unchanged} unchanged"
        + (f" ({verb} {created})" if created else "")
    )
    if dry_run:
        console.print("Проверка (--dry-run): ничего не записано.")
    elif result.position is not None:
        console.print(f"Записано событий: {result.events}, позиция {result.position}")


@import_cli.command("pupils")
def pupils(
    file: FileArg,
    year: YearOption = None,
    dry_run: DryRunOption = False,
    database_url: DbOption = DEFAULT_DATABASE_URL,
) -> None:
    """Pupils and their guardians (Класс; Фамилия; Имя; … Родитель логин)."""
    _run("pupils", file, year, dry_run, database_url)


@import_cli.command("staff")
def staff(
    file: FileArg,
    year: YearOption = None,
    dry_run: DryRunOption = False,
    database_url: DbOption = DEFAULT_DATABASE_URL,
) -> None:
    """Staff accounts and their roles (ФИО; Логин; Роли; Классное руководство)."""
    _run("staff", file, year, dry_run, database_url)


@import_cli.command("timetable")
def timetable(
    file: FileArg,
    year: YearOption = None,
    dry_run: DryRunOption = False,
    database_url: DbOption = DEFAULT_DATABASE_URL,
) -> None:
    """The weekly timetable, expanded into dated lessons (Класс; Предмет; …)."""
    _run("timetable", file, year, dry_run, database_url)
