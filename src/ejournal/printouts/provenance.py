"""A document's provenance, and the check of a document against the log.

A document is stamped with the ledger's head when it is made (or, ``as_of`` a
moment, the chain's link at the last event recorded by then). Verifying it
recomputes the chain from the stored events up to that position and compares
the link with the stamped hash: any edit of the log at or before the position,
made behind the application's back, breaks it, even if ``ej_ledger`` was
rewritten to match.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from typing import Any, TypeVar

import orjson

from ejournal import ledger_check
from ejournal.domain.errors import Invalid
from ejournal.projections.event_index import ts_key
from ejournal.projections.ledger import GENESIS, head
from ejournal.queries.caught_up import catch_up
from ejournal.security import Actor
from ejournal.service import Service

FORMAT = "ejournal-document-provenance/1"
# The PDF info key WeasyPrint writes for <meta name="ejournalprovenance">.
META_KEY = "ejournalprovenance"
HASH_RE = re.compile(r"^[0-9a-f]{64}$")
# The footer as pdf text extraction returns it (the hash may wrap a line).
FOOTER_RE = re.compile(
    r"позиция журнала\s+(\d+)\s*·\s*хеш\s+([0-9a-f\s]{64,80}?)\s*(?:·|$)", re.M
)
# How many times a document's read is tried again when the log moved under it.
TRIES = 3
T = TypeVar("T")


@dataclass(frozen=True)
class Provenance:
    position: int
    hash: str
    as_of: str | None
    printed_by: str
    printed_at: str
    document: str = ""
    # Set only when the log kept moving during every try of the read: the data
    # then reflects some position between ``read_from`` and ``position``.
    read_from: int | None = None

    def to_json(self) -> str:
        return orjson.dumps(
            {"format": FORMAT, **asdict(self)}, option=orjson.OPT_SORT_KEYS
        ).decode()

    @classmethod
    def from_json(cls, text: str | bytes) -> Provenance:
        try:
            data = orjson.loads(text)
        except orjson.JSONDecodeError:
            raise Invalid("the document's provenance is not JSON") from None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise Invalid("the document carries no ejournal provenance")
        position, hash_ = data.get("position"), data.get("hash")
        if not isinstance(position, int) or not isinstance(hash_, str):
            raise Invalid("the document's provenance lacks position or hash")
        return cls(
            position=position,
            hash=hash_,
            as_of=_text_or_none(data.get("as_of")),
            printed_by=str(data.get("printed_by") or ""),
            printed_at=str(data.get("printed_at") or ""),
            document=str(data.get("document") or ""),
            read_from=_int_or_none(data.get("read_from")),
        )


def _int_or_none(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _text_or_none(value: Any) -> str | None:
    return None if value is None else str(value)


def stamp(
    service: Service, actor: Actor, as_of: datetime | None, document: str
) -> Provenance:
    """The ledger's head now (or its link at the last event recorded at or
    before ``as_of``), and who prints the document when."""
    catch_up(service)
    with service.app.db().read() as cur:
        upto: int | None = None
        if as_of is not None:
            row = cur.execute(
                "SELECT MAX(position) AS p FROM ej_events WHERE ts <= ?",
                (ts_key(as_of),),
            ).fetchone()
            upto = int(row["p"]) if row and row["p"] is not None else 0
        position, hash_ = head(cur, upto)
    printed_by = f"{actor.full_name} ({actor.login})"
    return Provenance(
        position=position,
        hash=hash_ or GENESIS.hex(),
        as_of=as_of.astimezone(UTC).isoformat() if as_of else None,
        printed_by=printed_by,
        printed_at=service.clock().astimezone(UTC).isoformat(timespec="seconds"),
        document=document,
    )


def stamped(
    service: Service,
    actor: Actor,
    as_of: datetime | None,
    document: str,
    read: Callable[[], T],
) -> tuple[T, Provenance]:
    """A document's data and the stamp of the position it was read at.

    The ledger advances in the views' own transactions, so when its head is the
    same before and after the read, the data reflects exactly that position. A
    read during which the log moved is done again (up to ``TRIES`` times); if it
    moved every time, the stamp names both ends, ``read_from`` and ``position``:
    the hash still covers every event the data can reflect.
    """
    before = stamp(service, actor, as_of, document)
    moved_from = before.position
    for _ in range(TRIES):
        data = read()
        after = stamp(service, actor, as_of, document)
        if after.position == before.position:
            return data, after
        moved_from, before = before.position, after
    return data, replace(after, read_from=moved_from)


def check(service: Service, position: int, hash_: str) -> dict[str, Any]:
    """Whether the chain still links ``position`` with ``hash_``, and the log
    agrees with the chain as far as its end and the last full check say
    (``checked_at``): answered from the ledger's row, without reading the log. A
    log edited behind the application's back with its chain rewritten to agree
    fails here at once (the chain moved); one edited without it, at the next full
    check (``POST /audit/ledger/verify``, ``ejournal ledger verify --document``,
    which recomputes the chain itself)."""
    hash_ = hash_.strip().lower()
    if not HASH_RE.match(hash_):
        raise Invalid("hash must be 64 hexadecimal digits", field="hash")
    if position < 0:
        raise Invalid("position must not be negative", field="position")
    catch_up(service)
    problem: str | None = None
    with service.app.db().read() as cur:
        row = cur.execute(
            "SELECT hash FROM ej_ledger WHERE position = ?", (position,)
        ).fetchone()
        last = ledger_check.state(cur)
    top = int(service.app.recorder.max_notification_id() or 0)
    last_bad = last.get("last_bad") if last else None
    if position == 0:
        if hash_ != GENESIS.hex():
            problem = "the log does not hold this position with this hash"
    elif row is None:
        problem = f"the chain has no position {position}"
    elif str(row["hash"]) != hash_:
        problem = (
            f"the chain holds another hash at position {position}: the log was "
            "changed at or before it"
        )
    elif top < position:
        problem = f"the log ends at position {top}, before the document's"
    elif last_bad is not None and int(last_bad) <= position:
        problem = (
            f"the last full check found the log changed at position {last_bad}: "
            f"{last['last_problem'] if last else ''}"
        )
    return {
        "position": position,
        "hash": hash_,
        "holds": problem is None,
        "problem": problem,
        "checked_upto": last.get("last_upto") if last else None,
        "checked_at": last.get("last_at") if last else None,
    }


def read_document(data: bytes) -> Provenance:
    """A PDF's provenance: from its metadata, else from its footer's text; an
    XLSX's (a zip, ``PK``) from its document properties."""
    if data[:2] == b"PK":
        from ejournal.printouts.sheets import read_workbook_provenance

        return read_workbook_provenance(data)
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        pdf = PdfReader(io.BytesIO(data))
        meta: Any = pdf.metadata or {}
        raw = meta.get("/" + META_KEY)
        if isinstance(raw, str) and raw:
            return Provenance.from_json(str(raw))
        attached = (pdf.attachments or {}).get("provenance.json")
        if attached:
            return Provenance.from_json(bytes(attached[0]))
        text = "\n".join(page.extract_text() or "" for page in pdf.pages[:1])
    except (PdfReadError, ValueError, KeyError, TypeError, OSError):
        raise Invalid("the file is not a readable PDF", field="file") from None
    found = FOOTER_RE.search(text)
    if found is None:
        raise Invalid("the document carries no ejournal provenance", field="file")
    return Provenance(
        position=int(found.group(1)),
        hash=re.sub(r"\s", "", found.group(2)),
        as_of=None,
        printed_by="",
        printed_at="",
    )
