"""The ``ejournal`` command line."""

from __future__ import annotations

import enum
import logging
import os
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

from ejournal.cli_audit import backup, ledger_cli, restore
from ejournal.cli_export import export_cli
from ejournal.cli_import import import_cli
from ejournal.cli_notify import notify_cli
from ejournal.store import DEFAULT_DATABASE_URL

cli = typer.Typer(
    help="ejournal: a school's event-sourced class journal.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
projections_cli = typer.Typer(help="Views kept from the log.", no_args_is_help=True)
cli.add_typer(projections_cli, name="projections")
cli.add_typer(ledger_cli, name="ledger")
cli.add_typer(export_cli, name="export")
cli.add_typer(import_cli, name="import")
cli.add_typer(notify_cli, name="notify")
cli.command("backup")(backup)
cli.command("restore")(restore)

DbOption = Annotated[
    str,
    typer.Option(
        "--database-url",
        envvar="EJOURNAL_DATABASE_URL",
        help="sqlite:///path or postgresql://…",
    ),
]


class ViewsMode(enum.StrEnum):
    auto = "auto"
    process = "process"
    thread = "thread"


def _service(url: str):  # type: ignore[no-untyped-def]
    from ejournal.service import Service

    return Service(url)


@cli.command()
def serve(
    database_url: DbOption = DEFAULT_DATABASE_URL,
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on")] = 8000,
    demo: Annotated[
        bool, typer.Option(help="Load the demo school into an empty database")
    ] = False,
    access_log: Annotated[
        bool,
        typer.Option(help="Log every request (off behind a proxy that logs them)"),
    ] = True,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            max=16,
            help="Server processes",
        ),
    ] = 1,
    views: Annotated[
        ViewsMode,
        typer.Option(
            help="Where the views loop runs: its own process (frees the servers' "
            "core for requests), a thread of each server, or auto (a process on "
            "PostgreSQL, a thread on SQLite, the small single-machine default; "
            "a process helps there too under load)",
        ),
    ] = ViewsMode.auto,
) -> None:
    """Serve the HTTP API (and keep the views) on the chosen database."""
    import uvicorn

    from ejournal.api.app import create_app
    from ejournal.projections.process import ViewsProcess
    from ejournal.service import Service
    from ejournal.store import DatabaseConfig

    logging.basicConfig(level=logging.INFO)
    if views is ViewsMode.auto:
        backend = DatabaseConfig.from_url(database_url).backend
        views = ViewsMode.process if backend == "postgres" else ViewsMode.thread
    follow = views is ViewsMode.process

    def prepare(service: Service) -> None:
        if demo:
            from ejournal.demo import load_demo

            if load_demo(service):
                typer.echo("demo school loaded: see README for the logins")
        service.ensure_admin(
            os.environ.get("EJOURNAL_ADMIN_LOGIN"),
            os.environ.get("EJOURNAL_ADMIN_PASSWORD"),
        )

    options: dict[str, Any] = {
        "host": host,
        "port": port,
        "log_level": "info",
        "access_log": access_log,
    }
    if workers == 1:

        def factory() -> Service:
            service = Service(database_url, follow=follow)
            prepare(service)
            return service

        loop = ViewsProcess(database_url) if follow else None
        try:
            uvicorn.run(create_app(factory), **options)
        finally:
            if loop is not None:
                loop.stop()
        return
    # Several processes: the school is prepared (and the views caught up) once,
    # here; each worker then opens its own service from the environment.
    service = Service(database_url)
    try:
        prepare(service)
        service.runner.catch_up()
    finally:
        service.close()
    os.environ["EJOURNAL_DATABASE_URL"] = database_url
    os.environ["EJOURNAL_WORKERS"] = str(workers)
    os.environ["EJOURNAL_VIEWS"] = views.value
    loop = ViewsProcess(database_url) if follow else None
    try:
        uvicorn.run(
            "ejournal.api.app:from_environment",
            factory=True,
            workers=workers,
            **options,
        )
    finally:
        if loop is not None:
            loop.stop()


@cli.command("demo")
def demo_(database_url: DbOption = DEFAULT_DATABASE_URL) -> None:
    """Load the demo school into an empty database."""
    from ejournal.demo import load_demo

    service = _service(database_url)
    try:
        if load_demo(service):
            typer.echo(f"demo school loaded at position {service.runner.position}")
        else:
            typer.echo("the database is not empty: demo not loaded")
    finally:
        service.close()


@cli.command()
def generate(
    database_url: DbOption = DEFAULT_DATABASE_URL,
    classes_per_grade: Annotated[int, typer.Option(min=1, max=40)] = 4,
    pupils_per_class: Annotated[int, typer.Option(min=5, max=40)] = 25,
    seed: Annotated[int, typer.Option(help="Same seed, same school")] = 1,
    grade: Annotated[
        list[int] | None,
        typer.Option(
            "--grade",
            min=1,
            max=11,
            help="Only this grade (repeat for several); default all of 1-11",
        ),
    ] = None,
    weeks_per_quarter: Annotated[
        int | None,
        typer.Option(
            min=1, help="Only the first weeks of each quarter (small schools)"
        ),
    ] = None,
    views: Annotated[bool, typer.Option(help="Build the views afterwards")] = True,
) -> None:
    """Write a whole school year (grades 1-11) into an empty database, in bulk.

    Lessons with topics, homework, attendance, marks, substitutions and
    corrections, and period and annual marks: about 413 events a pupil, so 9
    classes per grade (~2,500 pupils) make about a million events."""
    from ejournal.generate import GRADES
    from ejournal.generate import generate as write_year

    service = _service(database_url)
    try:
        if service.app.recorder.max_notification_id():
            typer.echo("the database is not empty: nothing generated", err=True)
            raise typer.Exit(1)
        with _progress() as progress:
            task = progress.add_task("writing events", total=None)
            out = write_year(
                service.app,
                classes_per_grade=classes_per_grade,
                pupils_per_class=pupils_per_class,
                seed=seed,
                grades=grade or GRADES,
                weeks_per_quarter=weeks_per_quarter,
                progress=lambda n: progress.advance(task, n),
            )
        typer.echo(
            f"{out.events} events: {out.classes} classes, {out.pupils} pupils, "
            f"{out.lessons} lessons, {out.marks} marks, "
            f"{out.corrections} corrections, {out.requests} correction requests, "
            f"{out.period_marks} period and {out.annual_marks} annual marks, "
            f"{len(out.teachers)} teachers and a director "
            f"(password of every account: generated-school)"
        )
        if views:
            _catch_up(service, "building views")
    finally:
        service.close()


def _progress() -> Progress:
    return Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
    )


def _catch_up(service: Any, label: str) -> None:
    total = (service.app.recorder.max_notification_id() or 0) - service.runner.position
    with _progress() as progress:
        task = progress.add_task(label, total=total)
        service.runner.catch_up(lambda n, _pos: progress.advance(task, n))


@projections_cli.command("rebuild")
def rebuild(database_url: DbOption = DEFAULT_DATABASE_URL) -> None:
    """Drop every view and replay the whole log into them."""
    from ejournal.projections.rebuild import rebuild as replay

    service = _service(database_url)
    try:
        total = service.app.recorder.max_notification_id() or 0
        with _progress() as progress:
            task = progress.add_task("replaying events", total=total)
            replay(
                service.runner,
                database_url,
                lambda n, _pos: progress.advance(task, n),
            )
        typer.echo(f"views rebuilt to position {service.runner.position}")
    finally:
        service.close()


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
