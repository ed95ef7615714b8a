# Over ~300 lines on purpose: backup and restore are one file format, written and read
# (and verified) in one place.
"""Verified backup and restore of the log.

A backup is gzip NDJSON: a header line (format, head position, head hash, count,
and since format 2 the idempotency records' count and last hash), then one line per
event in position order with its stored bytes (base64) and its link of the chain,
then one line per idempotency record, chained on from the events' head
(ejournal.backup_records). A restore accepts a file only when both chains
recomputed from its lines match every line and the header, inserts the events at
their positions and the records into an empty database, rebuilds the views from
them, and ends every session the file left open. Format 1 files (events only) are
still restored.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import gzip
import itertools
import os
import shutil
import tempfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeGuard
from uuid import UUID

import orjson

from ejournal.backup_records import (
    Record,
    RecordError,
    chain_start,
    end_restored_sessions,
    insert_records,
    is_record,
    parse_record,
    record_line,
    record_link,
    records,
)
from ejournal.database import Cursor
from ejournal.projections.ledger import GENESIS, StoredRow, event_rows, head
from ejournal.service import Service
from ejournal.store import SchoolApp
from ejournal.verification import Checkpoint, LedgerError, verify

BACKUP_FORMAT = "ejournal-backup/2"
FORMATS = ("ejournal-backup/1", BACKUP_FORMAT)
INSERT_BATCH = 1000

Progress = Callable[[int], None]
Stage = Callable[[str, int], None]


class BackupError(LedgerError):
    """A backup that cannot be written, or a file that must not be restored."""


@dataclass(frozen=True)
class Header:
    head_position: int
    head_hash: str | None
    count: int
    records: int = 0
    records_hash: str | None = None
    sessions_ended: int = 0  # set by a restore: the open sessions it closed


def write_backup(
    app: SchoolApp,
    path: Path,
    *,
    on_start: Stage | None = None,
    progress: Progress | None = None,
) -> Header:
    """Write the log up to its current last position. Refuses a log whose ledger
    does not verify: a backup must not launder an edited log."""
    db = app.db()
    with db.read() as cur:
        verdict = verify(cur)
        if not verdict.verified:
            raise BackupError(
                f"the ledger does not verify at position {verdict.first_bad_position}"
                f" ({verdict.problem}): run `ejournal ledger verify`"
            )
        last = int(app.recorder.max_notification_id() or 0)
        total = int(
            cur.execute(
                f"SELECT COUNT(*) AS n FROM {db.events_table_ref} "
                f"WHERE {db.position_column} <= ?",
                (last,),
            ).fetchone()["n"]
        )
    if on_start is not None:
        on_start("writing", total)
    path = Path(path)
    directory = path.resolve().parent
    body_fd, body_name = tempfile.mkstemp(dir=directory, suffix=".body")
    os.close(body_fd)
    try:
        prev, count, position = GENESIS, 0, 0
        with gzip.open(body_name, "wb") as body, db.read() as cur:
            for position, row in event_rows(cur, last):
                if row is None:
                    raise BackupError(f"the row at position {position} cannot be read")
                prev = row.link(prev)
                body.write(_line(row, prev.hex()))
                count += 1
                if progress is not None:
                    progress(1)
            head_hash = prev.hex() if count else None
            link, kept = chain_start(head_hash), 0
            for record in records(cur, last):
                link = record_link(link, record)
                body.write(record_line(record, link.hex()))
                kept += 1
        header = Header(
            position, head_hash, count, kept, link.hex() if kept else None
        )
        out_fd, out_name = tempfile.mkstemp(dir=directory, suffix=".tmp")
        with os.fdopen(out_fd, "wb") as out:
            # Two gzip members read back as one stream: the header is known last
            # but must come first.
            out.write(gzip.compress(_header_line(header)))
            with open(body_name, "rb") as src:
                shutil.copyfileobj(src, out)
        os.replace(out_name, path)
    finally:
        Path(body_name).unlink(missing_ok=True)
    return header


def _header_line(header: Header) -> bytes:
    return (
        orjson.dumps(
            {
                "format": BACKUP_FORMAT,
                "head_position": header.head_position,
                "head_hash": header.head_hash,
                "count": header.count,
                "records": header.records,
                "records_hash": header.records_hash,
                "created_at": datetime.now(UTC).isoformat(),
            }
        )
        + b"\n"
    )


def _line(row: StoredRow, hash_hex: str) -> bytes:
    return (
        orjson.dumps(
            {
                "position": row.position,
                "stream_id": row.stream_id,
                "version": row.version,
                "topic": row.topic,
                "state": base64.b64encode(row.state).decode(),
                "hash": hash_hex,
            }
        )
        + b"\n"
    )


@dataclass(frozen=True)
class Line:
    number: int
    row: StoredRow
    hash: str


@dataclass(frozen=True)
class RecordLine:
    number: int
    record: Record


@contextmanager
def open_backup(
    path: Path,
) -> Iterator[tuple[Header, Iterator[Line | RecordLine]]]:
    """The header, and the events then the records of a backup as they are checked
    line by line: iterating raises BackupError naming the first damaged line."""
    with gzip.open(path, "rb") as stream:
        lines = _numbered(stream)
        first = next(lines, None)
        if first is None:
            raise BackupError("line 1: the file is empty")
        header = _parse_header(*first)
        yield header, _checked(header, lines)


def _checked(
    header: Header, lines: Iterator[tuple[int, bytes]]
) -> Iterator[Line | RecordLine]:
    prev, count, last, number = GENESIS, 0, None, 1
    first_record: tuple[int, dict[str, Any]] | None = None
    for number, raw in lines:
        data = _json(number, raw)
        if is_record(data):
            first_record = (number, data)
            break
        row, claimed = _parse_line(number, data)
        if last is not None and row.position <= last:
            raise BackupError(
                f"line {number}: position {row.position} does not follow {last} "
                "(lines reordered)"
            )
        prev = row.link(prev)
        if prev.hex() != claimed:
            raise BackupError(
                f"line {number}: the event at position {row.position} does not "
                "match its hash (changed, or a line before it removed)"
            )
        last, count = row.position, count + 1
        yield Line(number, row, claimed)
    ends = (last or 0, prev.hex() if count else None, count)
    if ends != (header.head_position, header.head_hash, header.count):
        where = first_record[0] if first_record else number + 1
        raise BackupError(
            f"line {where}: the events end at position {ends[0]} after {count} "
            f"events, but the header says position {header.head_position} and "
            f"{header.count} events (lines missing at the end?)"
        )
    yield from _checked_records(header, first_record, lines, number)


def _checked_records(
    header: Header,
    first: tuple[int, dict[str, Any]] | None,
    lines: Iterator[tuple[int, bytes]],
    number: int,
) -> Iterator[RecordLine]:
    link, kept = chain_start(header.head_hash), 0
    pending = [first] if first else []
    for number, data in itertools.chain(
        pending, ((n, _json(n, raw)) for n, raw in lines)
    ):
        try:
            record, claimed = parse_record(data)
        except RecordError as exc:
            raise BackupError(f"line {number}: {exc}") from None
        if record.position > header.head_position:
            raise BackupError(
                f"line {number}: the record {record.key} answers position "
                f"{record.position}, past the file's last event"
            )
        link = record_link(link, record)
        if link.hex() != claimed:
            raise BackupError(
                f"line {number}: the idempotency record {record.key} does not match "
                "its hash (changed, added, or a record before it removed)"
            )
        kept += 1
        yield RecordLine(number, record)
    ends = (kept, link.hex() if kept else None)
    if ends != (header.records, header.records_hash):
        raise BackupError(
            f"line {number + 1}: the file ends after {kept} idempotency records, "
            f"but its header says {header.records} (lines missing at the end?)"
        )


def _numbered(stream: Iterable[bytes]) -> Iterator[tuple[int, bytes]]:
    number = 0
    try:
        for raw in stream:
            number += 1
            yield number, raw
    except (OSError, EOFError, zlib.error) as exc:
        raise BackupError(
            f"line {number + 1}: the file is damaged (not readable gzip: {exc})"
        ) from None


def _parse_header(number: int, raw: bytes) -> Header:
    data = _json(number, raw)
    if data.get("format") not in FORMATS:
        raise BackupError(
            f"line {number}: not an ejournal backup ({' or '.join(FORMATS)})"
        )
    position, hash_, count = (
        data.get("head_position"),
        data.get("head_hash"),
        data.get("count"),
    )
    lacking = BackupError(f"line {number}: the header lacks head_position or count")
    if not _is_int(position) or not _is_int(count):
        raise lacking
    if hash_ is not None and not isinstance(hash_, str):
        raise lacking
    kept, kept_hash = data.get("records", 0), data.get("records_hash")
    if not _is_int(kept) or (kept_hash is not None and not isinstance(kept_hash, str)):
        raise BackupError(f"line {number}: the header's records are not a count")
    return Header(position, hash_, count, kept, kept_hash)


def _parse_line(number: int, data: dict[str, Any]) -> tuple[StoredRow, str]:
    try:
        position, stream_id, version = (
            data["position"],
            data["stream_id"],
            data["version"],
        )
        topic, state, claimed = data["topic"], data["state"], data["hash"]
        if not (
            _is_int(position)
            and _is_int(version)
            and isinstance(topic, str)
            and isinstance(claimed, str)
        ):
            raise TypeError
        stream_id = str(UUID(stream_id))
        blob = base64.b64decode(state, validate=True)
    except (KeyError, TypeError, ValueError, binascii.Error):
        raise BackupError(
            f"line {number}: not an event line (position, stream_id, version, "
            "topic, state, hash)"
        ) from None
    return StoredRow(position, stream_id, version, topic, blob), claimed


def _json(number: int, raw: bytes) -> dict[str, Any]:
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise BackupError(f"line {number}: not valid JSON") from None
    if not isinstance(data, dict):
        raise BackupError(f"line {number}: not a JSON object")
    return data


def _is_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def restore(
    service: Service,
    path: Path,
    *,
    checkpoint: Checkpoint | None = None,
    on_start: Stage | None = None,
    progress: Progress | None = None,
    end_sessions: bool = True,
) -> Header:
    """Verify a backup, insert its events at their positions and its idempotency
    records into an empty database, rebuild the views, check the rebuilt ledger
    ends where the file does, then close the sessions the file left open
    (``end_sessions=False`` leaves the log exactly the file's, for comparisons)."""
    db = service.app.db()
    with db.read() as cur:
        if service.app.recorder.max_notification_id() or head(cur)[1] is not None:
            raise BackupError(
                "the database is not empty: restore needs an empty one (a restore "
                "never merges into a log; create a new database or schema for it)"
            )
    with open_backup(path) as (header, lines):
        if on_start is not None:
            on_start("verifying", header.count)
        pending_checkpoint = checkpoint
        for line in lines:  # the whole chain, before anything is written
            if pending_checkpoint is not None and isinstance(line, Line):
                pending_checkpoint = _extends(pending_checkpoint, line)
            if progress is not None:
                progress(1)
    if pending_checkpoint is not None:
        raise BackupError(
            f"the backup ends at position {header.head_position}, before the "
            f"checkpoint's position {pending_checkpoint.position}"
        )
    if on_start is not None:
        on_start("restoring", header.count)
    with open_backup(path) as (_, lines), db.write() as cur:
        batch: list[StoredRow] = []
        kept: list[Record] = []
        for line in lines:
            if isinstance(line, RecordLine):
                kept.append(line.record)
                if len(kept) >= INSERT_BATCH:
                    insert_records(cur, kept)
                    kept = []
                continue
            batch.append(line.row)
            if len(batch) >= INSERT_BATCH:
                _insert(cur, batch, progress)
                batch = []
        _insert(cur, batch, progress)
        insert_records(cur, kept)
        if db.backend == "postgres" and header.count:
            cur.execute(
                "SELECT setval(pg_get_serial_sequence(?, 'notification_id'), ?)",
                (db.events_table_ref, header.head_position),
            )
    if on_start is not None:
        on_start("rebuilding views", header.count)
    service.runner.reset()
    service.runner.catch_up(
        None if progress is None else (lambda n, _position: progress(n))
    )
    with db.read() as cur:
        rebuilt = head(cur)
    if rebuilt != (header.head_position, header.head_hash) and header.count:
        raise BackupError(
            f"the rebuilt ledger ends at {rebuilt}, not at the file's head "
            f"({header.head_position}, {header.head_hash})"
        )
    if not end_sessions:
        return header
    return dataclasses.replace(header, sessions_ended=end_restored_sessions(service))


def _extends(checkpoint: Checkpoint, line: Line) -> Checkpoint | None:
    """None once the file has passed the checkpoint's position with its hash."""
    if line.row.position < checkpoint.position:
        return checkpoint
    if line.row.position > checkpoint.position:
        raise BackupError(
            f"line {line.number}: the backup has no event at the checkpoint's "
            f"position {checkpoint.position}"
        )
    if line.hash != checkpoint.hash:
        raise BackupError(
            f"line {line.number}: the backup does not extend the checkpoint: the "
            f"chain at position {checkpoint.position} differs from the auditor's"
        )
    return None


def _insert(cur: Cursor, rows: list[StoredRow], progress: Progress | None) -> None:
    if not rows:
        return
    db = cur.db
    postgres = db.backend == "postgres"
    cur.executemany(
        f"INSERT INTO {db.events_table_ref} ({db.position_column}, originator_id, "
        "originator_version, topic, state) VALUES (?, ?, ?, ?, ?)",
        [
            (
                r.position,
                UUID(r.stream_id) if postgres else UUID(r.stream_id).hex,
                r.version,
                r.topic,
                r.state,
            )
            for r in rows
        ],
    )
    if progress is not None:
        progress(len(rows))
