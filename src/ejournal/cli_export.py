"""``ejournal export archive``: the year-end archive of every class of a year (or
of some), one PDF a class, all made at one log position, resumable.

The files go to ``DIR/<year>/<class>.pdf`` (the year's name with ``/`` as ``-``)
beside ``DIR/manifest.json``, which records for each file its class, the log
position and ledger hash it was made from, the ``as_of`` moment, its SHA-256 and
size. A file is written to ``<name>.pdf.part`` and renamed when complete, and the
manifest is rewritten after each file: a run interrupted (Ctrl-C, a crash) leaves
no half-written PDF, and the next run skips the files the manifest vouches for,
at the same ``as_of``."""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
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
    TextColumn,
    TimeRemainingColumn,
)

from ejournal.store import DEFAULT_DATABASE_URL

export_cli = typer.Typer(
    help="Documents made in bulk from the log: the year-end archive.",
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

MANIFEST = "manifest.json"
MANIFEST_FORMAT = "ejournal-archive-export/1"
# Who the footer's "напечатал" names: the system account, run from the CLI.
PRINTER = "ejournal export (CLI)"


def _fail(message: str, code: int = 1) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def file_name(name: str) -> str:
    """A year's or class's name as a file name: Cyrillic kept, path separators
    and NUL replaced."""
    cleaned = name.replace("/", "-").replace("\\", "-").replace("\0", "").strip()
    return cleaned if cleaned not in ("", ".", "..") else "_"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


YEAR_RE = re.compile(r"^\s*(\d{4})\s*[/-]\s*(\d{2}|\d{4})\s*$")


def same_year(name: str, asked: str) -> bool:
    """A year asked for by its name, or in the short form schools write:
    "2026/27" (or "2026-27") is "2026/2027"."""
    if name == asked:
        return True
    a, b = YEAR_RE.match(name), YEAR_RE.match(asked)
    if a is None or b is None:
        return False
    return (a[1], a[2][-2:]) == (b[1], b[2][-2:])


def _load_manifest(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {"format": MANIFEST_FORMAT, "years": {}, "files": {}}
    try:
        data = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError) as exc:
        raise _fail(f"cannot read {path}: {exc}") from None
    if not isinstance(data, dict) or data.get("format") != MANIFEST_FORMAT:
        raise _fail(f"{path} is not an ejournal archive manifest")
    data.setdefault("years", {})
    data.setdefault("files", {})
    return data


def _save_manifest(path: Path, manifest: dict[str, Any]) -> None:
    part = path.with_name(path.name + ".part")
    part.write_bytes(
        orjson.dumps(manifest, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS)
    )
    os.replace(part, path)


def _write_atomically(path: Path, data: bytes) -> None:
    """``data`` at ``path``, or nothing there: written beside it as ``.part``,
    flushed, then renamed over it."""
    part = path.with_name(path.name + ".part")
    try:
        with part.open("wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(part, path)
    except BaseException:
        part.unlink(missing_ok=True)
        raise


def _moment(text: str) -> datetime:
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise _fail(f"--as-of {text!r} is not an ISO date and time") from None
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


@contextmanager
def _service(url: str) -> Iterator[Any]:
    from ejournal.service import Service

    try:
        service = Service(url)
    except Exception as exc:  # any failure to open is reported as such
        raise _fail(f"cannot open the database: {exc}") from None
    try:
        yield service
    finally:
        service.close()


def _progress() -> Progress:
    return Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
    )


@export_cli.command("archive")
def archive(
    year: Annotated[
        str, typer.Option("--year", help="The academic year by name, e.g. 2026/27")
    ],
    out: Annotated[
        Path,
        typer.Option(
            "--out", file_okay=False, help="Directory for the year's folder of PDFs"
        ),
    ],
    classes: Annotated[
        list[str] | None,
        typer.Option(
            "--class",
            help="Only this class, by name (repeat for several); default every "
            "class of the year",
        ),
    ] = None,
    database_url: DbOption = DEFAULT_DATABASE_URL,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="The moment every archive is made as of (ISO, e.g. "
            "2027-06-01T00:00+03:00); default the start of the run. A resumed "
            "run keeps the moment its manifest records unless --force",
        ),
    ] = None,
    force: Annotated[
        bool,
        typer.Option("--force", help="Remake every file, at a new moment (or --as-of)"),
    ] = False,
) -> None:
    """Write the year-end archive of each class of a year (its course journals
    and summary sheet, PDF/A-3b) to OUT/<year>/<class>.pdf, with OUT/manifest.json.

    Every archive of a run is made as of one moment, so at one log position: the
    start of the run unless --as-of. The run is resumable: a file the manifest
    vouches for (same SHA-256, same moment) is skipped, the others are remade;
    an interrupted file leaves only a .part, discarded next time. A rerun keeps
    the manifest's moment (so its files stay at one position); --force remakes
    them all at a new one."""
    from ejournal import queries
    from ejournal.domain.errors import DomainError
    from ejournal.printouts import documents, read_document

    manifest_path = out / MANIFEST
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / ".ejournal-write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise _fail(f"cannot write to {out}: {exc.strerror or exc}") from None
    manifest = _load_manifest(manifest_path)

    with _service(database_url) as service:
        actor = dataclasses.replace(service.system_actor(), full_name=PRINTER)
        try:
            listing = queries.school_classes(service, actor, None, None)
            found = next(
                (y for y in listing["years"] if same_year(y["name"], year)), None
            )
            if found is None:
                known = ", ".join(y["name"] for y in listing["years"]) or "none"
                raise _fail(f"no academic year named {year!r} (known years: {known})")
            year = found["name"]  # "2026/27" asked, "2026/2027" named
            rows = queries.school_classes(service, actor, found["year_id"], None)[
                "classes"
            ]
        except DomainError as exc:
            raise _fail(exc.detail) from None
        wanted = rows
        if classes:
            by_name = {r["name"] for r in rows}
            unknown = [c for c in classes if c not in by_name]
            if unknown:
                names = ", ".join(r["name"] for r in rows) or "none"
                raise _fail(
                    f"no class named {', '.join(map(repr, unknown))} in {year} "
                    f"(classes: {names})"
                )
            wanted = [r for r in rows if r["name"] in classes]

        # One moment for the whole year's archive, kept across resumed runs.
        recorded = manifest["years"].get(year)
        if as_of is not None:
            moment = _moment(as_of)
        elif recorded and not force:
            moment = datetime.fromisoformat(recorded["as_of"])
        else:
            moment = service.clock()
        moment = moment.astimezone(UTC)
        if (
            recorded
            and not force
            and datetime.fromisoformat(recorded["as_of"]) != moment
        ):
            raise _fail(
                f"{manifest_path} records {year} as of {recorded['as_of']}; "
                "pass --force to remake its files as of another moment"
            )
        as_of_text = moment.isoformat()
        manifest["years"][year] = {"year_id": found["year_id"], "as_of": as_of_text}
        folder = out / file_name(year)
        folder.mkdir(exist_ok=True)
        typer.echo(f"{year}: {len(wanted)} classes as of {as_of_text} into {folder}")

        # Two classes of one name (or whose names clean to one) keep apart.
        counts: dict[str, int] = {}
        for row in rows:
            counts[file_name(row["name"])] = counts.get(file_name(row["name"]), 0) + 1
        stems = {
            row["class_id"]: file_name(row["name"])
            + ("" if counts[file_name(row["name"])] == 1 else f"-{row['class_id'][:8]}")
            for row in rows
        }
        written = skipped = 0
        positions: set[int] = set()
        try:
            with _progress() as progress:
                task = progress.add_task(year, total=len(wanted))
                for row in wanted:
                    target = folder / f"{stems[row['class_id']]}.pdf"
                    key = target.relative_to(out).as_posix()
                    progress.update(task, description=f"{year} {row['name']}")
                    target.with_name(target.name + ".part").unlink(missing_ok=True)
                    entry = manifest["files"].get(key)
                    if (
                        not force
                        and entry is not None
                        and entry.get("as_of") == as_of_text
                        and target.is_file()
                        and _sha256(target) == entry.get("sha256")
                    ):
                        skipped += 1
                        positions.add(int(entry["position"]))
                        progress.console.print(f"skipped {key} (unchanged)")
                        progress.advance(task)
                        continue
                    try:
                        data = documents.archive_pdf(
                            service, actor, row["class_id"], found["year_id"], moment
                        )
                    except DomainError as exc:
                        raise _fail(f"{row['name']}: {exc.detail}") from None
                    provenance = read_document(data)
                    try:
                        _write_atomically(target, data)
                    except OSError as exc:
                        reason = exc.strerror or exc
                        raise _fail(f"cannot write {target}: {reason}") from None
                    manifest["files"][key] = {
                        "year": year,
                        "class": row["name"],
                        "class_id": row["class_id"],
                        "position": provenance.position,
                        "hash": provenance.hash,
                        "as_of": as_of_text,
                        "sha256": hashlib.sha256(data).hexdigest(),
                        "bytes": len(data),
                    }
                    _save_manifest(manifest_path, manifest)
                    positions.add(provenance.position)
                    written += 1
                    progress.console.print(f"wrote {key} ({len(data):,} bytes)")
                    progress.advance(task)
        except KeyboardInterrupt:
            _save_manifest(manifest_path, manifest)
            typer.echo(
                f"interrupted: {written} written, {skipped} skipped; no partial file "
                "kept. Run the same command again to finish as of the same moment",
                err=True,
            )
            raise typer.Exit(130) from None
        _save_manifest(manifest_path, manifest)
    where = ", ".join(str(p) for p in sorted(positions)) or "-"
    typer.echo(
        f"{written} written, {skipped} skipped (unchanged), at log position {where}"
    )
    if len(positions) > 1:
        raise _fail(
            "the files were made at different log positions (events recorded "
            "before the moment arrived during the run); rerun with --force"
        )
