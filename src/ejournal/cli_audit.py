"""``ejournal ledger verify | checkpoint | keygen``, ``ejournal backup`` and
``ejournal restore``: the auditor's and the administrator's tools for the log."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TimeRemainingColumn,
)

from ejournal.store import DEFAULT_DATABASE_URL, open_store
from ejournal.verification import Checkpoint, LedgerError, Verdict, new_key_pair, verify

ledger_cli = typer.Typer(
    help="The hash chain over the log: verify it, keep checkpoints of it.",
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


def _fail(message: str, code: int = 1) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise _fail(f"cannot read {path}: {exc.strerror or exc}") from None


@contextmanager
def _ledger_cursor(database_url: str) -> Iterator[Any]:
    from ejournal.projections.ledger import create_ledger_table

    app = open_store(database_url)
    try:
        db = app.db()
        create_ledger_table(db)
        with db.read() as cur:
            yield cur
    finally:
        app.close()


def _recorded_check(database_url: str, checkpoint: Checkpoint | None) -> Verdict:
    """The full check, recorded as the server's job is (GET /audit/ledger then
    answers its verdict); if a job already runs, checked here unrecorded."""
    from ejournal import ledger_check
    from ejournal.projections.ledger import create_ledger_table

    app = open_store(database_url)
    try:
        db = app.db()
        create_ledger_table(db)
        ledger_check.create_table(db)
        verdict = ledger_check.run_check(db, checkpoint=checkpoint)
        if verdict is None:
            typer.echo("note: a check runs elsewhere; this one is not recorded")
            with db.read() as cur:
                verdict = verify(cur, checkpoint=checkpoint)
        return verdict
    finally:
        app.close()


def _load_checkpoint(path: Path, public_key: Path | None) -> Checkpoint:
    try:
        checkpoint = Checkpoint.from_json(_read(path))
        if public_key is not None:
            checkpoint.check_signature(_read(public_key))
    except LedgerError as exc:
        raise _fail(f"{path}: {exc}") from None
    if public_key is None and checkpoint.signature is not None:
        typer.echo("note: the checkpoint is signed; pass --public-key to check it")
    return checkpoint


@ledger_cli.command("verify")
def verify_(
    database_url: DbOption = DEFAULT_DATABASE_URL,
    against: Annotated[
        Path | None,
        typer.Option(
            help="A checkpoint the log must still extend", exists=True, dir_okay=False
        ),
    ] = None,
    public_key: Annotated[
        Path | None,
        typer.Option(help="Ed25519 public key (PEM) the checkpoint is signed with"),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the verdict as JSON")
    ] = False,
    document: Annotated[
        Path | None,
        typer.Option(
            help="A printed PDF whose footer's position and hash the log must hold",
            exists=True,
            dir_okay=False,
        ),
    ] = None,
) -> None:
    """Recompute the chain from the stored events and compare it with the ledger
    (and a checkpoint, or a printed document's provenance); exit 1 naming the
    first bad position."""
    checkpoint: Checkpoint | None
    if document is not None:
        checkpoint = _document_checkpoint(document)
    else:
        checkpoint = _load_checkpoint(against, public_key) if against else None
    if document is not None:
        with _ledger_cursor(database_url) as cur:
            upto = checkpoint.position if checkpoint else None
            verdict = verify(cur, upto=upto, checkpoint=checkpoint)
    else:
        verdict = _recorded_check(database_url, checkpoint)
    if document is not None and checkpoint is not None:
        _report_document(document, checkpoint, verdict.as_dict(), as_json)
        return
    if as_json:
        typer.echo(orjson.dumps(verdict.as_dict()).decode())
    if not verdict.verified:
        raise _fail(
            f"the log does not match its ledger at position "
            f"{verdict.first_bad_position}: {verdict.problem}"
        )
    if not as_json:
        extends = (
            f"; it extends the checkpoint at position {checkpoint.position}"
            if checkpoint
            else ""
        )
        typer.echo(
            f"ledger verified: {verdict.checked} events up to position "
            f"{verdict.position}, head {verdict.head_hash}{extends}"
        )
        if verdict.pending:
            typer.echo(f"{verdict.pending} newer events are not chained yet")


def _document_checkpoint(path: Path) -> Checkpoint:
    from ejournal.domain.errors import DomainError
    from ejournal.printouts.provenance import read_document

    try:
        found = read_document(_read(path))
    except DomainError as exc:
        raise _fail(f"{path}: {exc.detail}") from None
    return Checkpoint(found.position, found.hash, found.printed_at)


def _report_document(
    path: Path, claim: Checkpoint, verdict: dict[str, Any], as_json: bool
) -> None:
    holds = bool(verdict["verified"])
    if as_json:
        answer = {"position": claim.position, "hash": claim.hash, "holds": holds}
        typer.echo(orjson.dumps({**answer, "problem": verdict["problem"]}).decode())
    if not holds:
        raise _fail(
            f"{path}: the log no longer holds position {claim.position} with hash "
            f"{claim.hash}: at position {verdict['first_bad_position']}: "
            f"{verdict['problem']}"
        )
    if not as_json:
        typer.echo(
            f"{path}: the log still holds position {claim.position} with hash "
            f"{claim.hash}"
        )


@ledger_cli.command("checkpoint")
def checkpoint_(
    database_url: DbOption = DEFAULT_DATABASE_URL,
    sign_key: Annotated[
        Path | None,
        typer.Option(
            help="Ed25519 private key (PEM) to sign with", exists=True, dir_okay=False
        ),
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="Write the checkpoint here too")
    ] = None,
) -> None:
    """Print the verified ledger head as JSON, for an auditor to keep outside the
    school."""
    with _ledger_cursor(database_url) as cur:
        verdict = verify(cur)
    if not verdict.verified:
        raise _fail(
            f"no checkpoint of a broken log: position {verdict.first_bad_position}: "
            f"{verdict.problem}"
        )
    if verdict.head_hash is None:
        raise _fail("the ledger is empty: nothing to checkpoint yet")
    checkpoint = Checkpoint(
        verdict.position, verdict.head_hash, datetime.now(UTC).isoformat()
    )
    if sign_key is not None:
        try:
            checkpoint = checkpoint.signed(_read(sign_key))
        except LedgerError as exc:
            raise _fail(f"{sign_key}: {exc}") from None
    text = checkpoint.to_json()
    if out is not None:
        out.write_text(text + "\n")
    typer.echo(text)


@ledger_cli.command("keygen")
def keygen(
    out: Annotated[Path, typer.Argument(help="Private key file; .pub beside it")],
) -> None:
    """Make an Ed25519 key pair for signing checkpoints."""
    private, public = new_key_pair()
    public_path = out.with_name(out.name + ".pub")
    for path in (out, public_path):
        if path.exists():
            raise _fail(f"{path} exists: not overwriting a key")
    out.touch(mode=0o600)
    out.write_bytes(private)
    public_path.write_bytes(public)
    typer.echo(f"private key {out}, public key {public_path}")


class _Bar:
    """A rich progress bar that starts a new task at each stage."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.task: TaskID | None = None
        self.total = 0

    def start(self, label: str, total: int) -> None:
        if self.task is not None:
            self.progress.update(self.task, completed=self.total)
        self.task, self.total = self.progress.add_task(label, total=total), total

    def advance(self, n: int) -> None:
        if self.task is not None:
            self.progress.advance(self.task, n)


def _progress() -> Progress:
    return Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
    )


def backup(
    file: Annotated[Path, typer.Argument(help="The backup to write (gzip NDJSON)")],
    database_url: DbOption = DEFAULT_DATABASE_URL,
) -> None:
    """Write the whole log, with its chain, to a verified backup file."""
    from ejournal.backup import write_backup

    app = open_store(database_url)
    try:
        from ejournal.projections.ledger import create_ledger_table

        create_ledger_table(app.db())
        with _progress() as progress:
            bar = _Bar(progress)
            header = write_backup(app, file, on_start=bar.start, progress=bar.advance)
    except LedgerError as exc:
        raise _fail(str(exc)) from None
    except OSError as exc:
        raise _fail(f"cannot write {file}: {exc.strerror or exc}") from None
    finally:
        app.close()
    typer.echo(
        f"backed up {header.count} events to {file}: head position "
        f"{header.head_position}, hash {header.head_hash}"
    )


def restore(
    file: Annotated[Path, typer.Argument(help="A backup made by `ejournal backup`")],
    database_url: DbOption = DEFAULT_DATABASE_URL,
    against: Annotated[
        Path | None,
        typer.Option(
            help="A checkpoint the backup must extend", exists=True, dir_okay=False
        ),
    ] = None,
    public_key: Annotated[
        Path | None,
        typer.Option(help="Ed25519 public key (PEM) the checkpoint is signed with"),
    ] = None,
) -> None:
    """Verify a backup and restore it into an EMPTY database, then rebuild the
    views. A damaged file is refused, naming its first bad line."""
    from ejournal.backup import restore as restore_backup
    from ejournal.service import Service

    checkpoint = _load_checkpoint(against, public_key) if against else None
    if not file.is_file():
        raise _fail(f"no backup file {file}")
    service = Service(database_url)
    try:
        with _progress() as progress:
            bar = _Bar(progress)
            header = restore_backup(
                service,
                file,
                checkpoint=checkpoint,
                on_start=bar.start,
                progress=bar.advance,
            )
    except LedgerError as exc:
        raise _fail(f"{file} refused: {exc}") from None
    finally:
        service.close()
    typer.echo(
        f"restored {header.count} events up to position {header.head_position} "
        f"and {header.records} idempotency records; views rebuilt; "
        f"{header.sessions_ended} sessions left open by the file ended (log in again)"
    )
