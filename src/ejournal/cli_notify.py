"""``ejournal notify``: the notifier (docs/notifications.md) from the command line."""

from __future__ import annotations

import logging
import time
from typing import Annotated

import typer

from ejournal.store import DEFAULT_DATABASE_URL

notify_cli = typer.Typer(
    help="E-mail notifications to guardians (docs/notifications.md).",
    no_args_is_help=True,
)

DbOption = Annotated[
    str,
    typer.Option(
        "--database-url",
        envvar="EJOURNAL_DATABASE_URL",
        help="sqlite:///path or postgresql://…",
    ),
]


@notify_cli.command("run")
def run(
    database_url: DbOption = DEFAULT_DATABASE_URL,
    once: Annotated[
        bool, typer.Option("--once", help="One round (decide, digest, send), then stop")
    ] = False,
    from_start: Annotated[
        bool,
        typer.Option(
            "--from-start",
            help="A notifier never run on this database decides from the log's "
            "beginning (default: from its end, so the past is not mailed)",
        ),
    ] = False,
    poll: Annotated[float, typer.Option(help="Seconds between rounds")] = 10.0,
) -> None:
    """Follow the log and mail guardians: SMTP settings from EJOURNAL_SMTP_HOST,
    _PORT, _USER, _PASSWORD, _STARTTLS and EJOURNAL_MAIL_FROM. Without a host the
    mails are decided into the outbox and none is sent."""
    from ejournal.notify.notifier import Notifier
    from ejournal.notify.smtp import SmtpSettings
    from ejournal.service import Service

    logging.basicConfig(level=logging.INFO)
    settings = SmtpSettings.from_environment()
    if settings is None:
        typer.echo("EJOURNAL_SMTP_HOST is not set: deciding only, sending nothing")
    service = Service(database_url)
    try:
        notifier = Notifier(
            service.app, settings, clock=service.clock, from_start=from_start
        )
        while True:
            # The notifier follows the views: keep them up to date here too (a
            # server's loop and this one take turns through the tracking row).
            try:
                service.runner.catch_up()
                done = notifier.tick()
            except Exception:  # a mail server away: try again next round
                logging.getLogger(__name__).exception("notifier round failed")
                if once:
                    raise typer.Exit(1) from None
                time.sleep(poll)
                continue
            typer.echo(
                f"position {notifier.position}: {done['decided']} decided, "
                f"{done['digests']} digests, {done['sent']} sent"
            )
            if once:
                return
            time.sleep(poll)
    finally:
        service.close()


@notify_cli.command("outbox")
def show_outbox(
    database_url: DbOption = DEFAULT_DATABASE_URL,
    state: Annotated[
        str | None, typer.Option(help="pending, sending, sent, cancelled, failed")
    ] = None,
) -> None:
    """List the outbox: key, kind, state, address, subject."""
    from ejournal.notify import outbox
    from ejournal.store import open_store

    app = open_store(database_url)
    try:
        outbox.create_tables(app.db())
        for row in outbox.rows(app.db(), state):
            typer.echo(
                f"{row['state']:9} {row['kind']:11} {row['email']:30} "
                f"{row['subject']}  [{row['key']}]"
            )
    finally:
        app.close()
