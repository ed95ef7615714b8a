# Over ~300 lines on purpose: the documents view's incremental fold and its rebuild
# fold stay side by side so that both write the same bytes.
"""The documents projection: one row per stream in ``ej_docs`` and its lookup keys
in ``ej_keys``, kept by the catch-up loop.

Live events are applied incrementally; a void or reinstatement refolds the stream
from its stored events up to that version, so a void is never hidden by an earlier
incremental state.

Each row also keeps ``last_ts``, the latest timestamp among the stream's events
folded so far (NULL where unknown: rows an older version wrote): ``as_of`` a moment
at or after it, the document is the answer, with no fold.
"""

from __future__ import annotations

import itertools
import zlib
from collections.abc import Iterable, Sequence
from typing import Any

import orjson

from ejournal.database import Cursor, Database
from ejournal.domain.base import META_EVENTS
from ejournal.projections.event_index import ts_key
from ejournal.projections.streams import Doc, apply, fold_doc, lookup_keys, placement
from ejournal.store import SchoolApp

_MISSING = object()
# stream_id, kind, parent_id, sort_key, doc, last_ts
_Row = tuple[str, str, str | None, str | None, bytes, str | None]


DOC_COLUMNS = ("stream_id", "kind", "parent_id", "sort_key", "doc", "last_ts")
DOC_TYPES = ("text", "text", "text", "text", "bytea", "text")  # a binary COPY's
KEY_COLUMNS = ("key", "stream_id")


# Keys and sort keys compare byte-wise ({text}: Database.create). last_ts: the
# latest timestamp (event_index.ts_key) among the events folded into the
# document, or NULL where unknown (rows written before it existed).
TABLES = [
    """CREATE TABLE IF NOT EXISTS ej_docs (
        stream_id TEXT PRIMARY KEY, kind TEXT NOT NULL, parent_id TEXT,
        sort_key {text}, doc {blob} NOT NULL, last_ts {text})""",
    """CREATE TABLE IF NOT EXISTS ej_keys (
        key {text} PRIMARY KEY, stream_id TEXT NOT NULL)""",
]
ADDED_COLUMNS = {"ej_docs": {"last_ts": "{text}"}}
# The secondary indexes: a rebuild drops them while it fills the tables and
# builds them once at the end (or the next start does, if the rebuild died).
SECONDARY = {
    "ix_docs_parent": "ej_docs (kind, parent_id, sort_key)",
    "ix_keys_stream": "ej_keys (stream_id)",
}


def create_tables(db: Database) -> None:
    """The documents' and keys' tables with their secondary indexes."""
    indexes = [f"CREATE INDEX IF NOT EXISTS {n} ON {on}" for n, on in SECONDARY.items()]
    db.create([*TABLES, *indexes], ADDED_COLUMNS)


def reset_tables(cur: Cursor) -> None:
    cur.execute("DELETE FROM ej_docs")
    cur.execute("DELETE FROM ej_keys")


class Documents:
    name = "documents"

    def __init__(self, app: SchoolApp) -> None:
        self.app = app
        create_tables(app.db())

    def reset(self, cur: Cursor) -> None:
        reset_tables(cur)

    def apply_page(self, cur: Cursor, page: Sequence[tuple[Any, Any]]) -> None:
        fold = Fold(self.app)
        # Every document the page changes, read at once.
        loaded = _load_many(cur, fold.streams(page))
        # The keys the stored documents claim, before folding changes them.
        before = {
            (key, sid)
            for sid, (doc, _) in loaded.items()
            if doc is not None
            for key in lookup_keys(doc)
        }
        fold.add(page, loaded)
        rows, voided, claims = fold.rows()
        cur.upsert_rows("ej_docs", DOC_COLUMNS, "stream_id", DOC_COLUMNS[1:], rows)
        cur.upsert_rows("ej_docs", DOC_COLUMNS, "stream_id", ("doc", "last_ts"), voided)
        # Keys: only what changed. A lesson holds a key per mark, and a page of
        # marks would otherwise delete and write all of them again. A stream
        # whose stored document was not read (only voids touched it) has its
        # keys written anew.
        unread = [sid for sid in fold.touched if sid not in loaded]
        cur.delete_where_in("ej_keys", "stream_id", unread)
        after = set(claims)
        gone = before - after
        if gone:
            cur.executemany(
                "DELETE FROM ej_keys WHERE key = ? AND stream_id = ?", sorted(gone)
            )
        unique = {key: sid for key, sid in claims if (key, sid) not in before}
        cur.upsert_rows(
            "ej_keys", KEY_COLUMNS, "key", ("stream_id",), list(unique.items())
        )


class Fold:
    """The documents of the streams a run of pages touches, folded in log order
    and not yet written: the catch-up loop folds one page over the stored
    documents; a rebuild folds the whole log over empty views (RebuildDocuments)."""

    def __init__(self, app: SchoolApp) -> None:
        self.app = app
        self.touched: dict[str, Doc | None] = {}
        # Where a stream whose creation is void is listed: kind, parent, sort key
        # of the document its creation started.
        self.places: dict[str, tuple[str, str | None, str | None]] = {}
        # The latest event timestamp of each touched stream; None: unknown.
        self.stamps: dict[str, str | None] = {}

    @staticmethod
    def streams(page: Sequence[tuple[Any, Any]]) -> set[str]:
        """The streams whose stored documents folding ``page`` starts from."""
        return {str(n.originator_id) for n, e in page if not isinstance(e, META_EVENTS)}

    def add(
        self,
        page: Sequence[tuple[Any, Any]],
        loaded: dict[str, tuple[Doc | None, str | None]],
    ) -> None:
        """Fold a page; ``loaded``: the stored documents and ``last_ts`` of the
        streams this fold has not touched yet (missing: no row)."""
        touched, places, stamps = self.touched, self.places, self.stamps
        for notification, event in page:
            sid = str(notification.originator_id)
            if isinstance(event, META_EVENTS):
                stream = self.app.stream(sid, lte=notification.originator_version)
                doc = fold_doc(stream)
                if doc is None:
                    ghost = apply(None, stream[0]) if stream else None
                    if ghost is not None:
                        places[sid] = (ghost["kind"], *placement(ghost))
                stamps[sid] = max(ts_key(e.timestamp) for e in stream)
            else:
                current = touched.get(sid, _MISSING)
                if current is _MISSING:
                    current, stamps[sid] = loaded.get(sid, (None, ""))
                doc = apply(current if isinstance(current, dict) else None, event)
                known = stamps[sid]
                if known is not None:
                    stamps[sid] = max(known, ts_key(event.timestamp))
            touched[sid] = doc

    def rows(
        self, sids: Iterable[str] | None = None
    ) -> tuple[list[_Row], list[_Row], list[tuple[str, str]]]:
        """ej_docs rows of live documents and of streams whose creation is void,
        and the lookup keys they claim (key, stream), of ``sids`` (default: every
        touched stream), in the order touched: where two claim a key, the last
        keeps it."""
        rows: list[_Row] = []
        voided: list[_Row] = []
        claims: list[tuple[str, str]] = []
        for sid in self.touched if sids is None else sids:
            doc = self.touched[sid]
            if doc is None:
                # A stream whose creation is void keeps its row, kind and place,
                # so that as_of still lists it for moments before the void.
                kind, parent, sort_key = self.places.get(sid, ("void", None, None))
                voided.append((sid, kind, parent, sort_key, b"null", self.stamps[sid]))
                continue
            parent, sort_key = placement(doc)
            stamp = self.stamps[sid]
            rows.append((sid, doc["kind"], parent, sort_key, orjson.dumps(doc), stamp))
            claims.extend((key, sid) for key in lookup_keys(doc))
        return rows, voided, claims


def _pack(doc: Doc | None) -> bytes:
    """A document set aside: compressed JSON, a fifth of its size and an exact
    allocation (orjson's own bytes keep the spare room of its buffer)."""
    return zlib.compress(orjson.dumps(doc), 1)


def _unpack(blob: bytes) -> Any:
    return orjson.loads(zlib.decompress(blob))


# A cooled document's kind, parent_id, sort_key and lookup keys.
_Meta = tuple[str, str | None, str | None, list[str]]


def _cool(doc: Doc | None, stamp: str | None) -> tuple[bytes, str | None, _Meta | None]:
    """A document set aside by RebuildDocuments (_pack), with what its ej_docs
    row and claims will need should nothing touch it again."""
    if doc is None:
        return _pack(None), stamp, None
    parent, sort_key = placement(doc)
    meta = (doc["kind"], parent, sort_key, lookup_keys(doc))
    return zlib.compress(orjson.dumps(doc), 1), stamp, meta


def load_doc(cur: Cursor, stream_id: str) -> Doc | None:
    return _load(cur, stream_id)[0]


def _load_many(
    cur: Cursor, stream_ids: set[str]
) -> dict[str, tuple[Doc | None, str | None]]:
    """Documents and ``last_ts`` of the streams that have a row."""
    ids = sorted(stream_ids)
    out: dict[str, tuple[Doc | None, str | None]] = {}
    for i in range(0, len(ids), 500):
        chunk = ids[i : i + 500]
        rows = cur.execute(
            "SELECT stream_id, doc, last_ts FROM ej_docs WHERE stream_id IN ("
            + ",".join("?" * len(chunk))
            + ")",
            chunk,
        ).fetchall()
        for row in rows:
            out[row["stream_id"]] = (orjson.loads(bytes(row["doc"])), row["last_ts"])
    return out


def _load(cur: Cursor, stream_id: str) -> tuple[Doc | None, str | None]:
    """A stream's document and its ``last_ts``: "" for a stream with no row yet
    (no event folded), None where the row's is unknown."""
    row = cur.execute(
        "SELECT doc, last_ts FROM ej_docs WHERE stream_id = ?", (stream_id,)
    ).fetchone()
    if row is None:
        return None, ""
    doc: Doc | None = orjson.loads(bytes(row["doc"]))
    return doc, row["last_ts"]


class RebuildDocuments:
    """The documents projection for a rebuild: the views were emptied and nobody
    reads them until the tracked position says the rebuild has finished, so the
    whole log is folded in memory (Fold, the catch-up loop's own code, over no
    stored document) and each document written once, by COPY, at ``finish``,
    rather than read and rewritten at every page that touches its stream.

    The documents equal those the catch-up loop keeps; where two streams claim
    one key or a stream whose creation is void moves, the rows are those of a
    loop that applied the log as one page (as any page size does where pages do
    not split such a stream's events)."""

    name = "documents"
    CHUNK = 5_000  # documents serialised and copied at a time
    # Documents kept as Python objects, the most recently touched; the others
    # wait compressed (_pack) until a page touches them again or the end. A
    # year's lessons are touched around their dates, so few come back. The 1M
    # event year's documents process peaked at ~2 GB without the bound, ~0.7 GB
    # with it (most of the rest: the lookup keys, collected for the end).
    HOT = 5_000

    def __init__(self, app: SchoolApp, *, staged: bool = False) -> None:
        self.app = app
        self.fold = Fold(app)
        # Cooled documents: compressed JSON, last_ts, and the row's kind,
        # place and lookup keys (None: a stream whose creation is void), so
        # that one untouched until the end is written as it was packed.
        self.cold: dict[str, tuple[bytes, str | None, _Meta | None]] = {}
        # The position of each stream's first event folded: the claims' order.
        self.order: dict[str, int] = {}
        # Staged: other processes fold other streams of the same log, so a
        # key two of them claim is decided once all have written
        # (STAGE, merge_staged_keys).
        self.staged = staged

    def reset(self, cur: Cursor) -> None:
        reset_tables(cur)
        self.fold = Fold(self.app)
        self.cold = {}
        self.order = {}

    def apply_page(self, cur: Cursor, page: Sequence[tuple[Any, Any]]) -> None:
        self.fold_page(page)

    def fold_page(self, page: Sequence[tuple[Any, Any]]) -> None:
        """Fold a page; needs no transaction (the stored views are not read)."""
        fold, cold = self.fold, self.cold
        streams = Fold.streams(page)
        # The views were empty when the rebuild began: a stream not in memory
        # starts from nothing, or from its cooled document.
        back = {sid: cold.pop(sid) for sid in streams if sid in cold}
        fold.add(page, {sid: (_unpack(b), ts) for sid, (b, ts, _) in back.items()})
        touched = fold.touched
        for notification, _ in page:
            sid = str(notification.originator_id)
            cold.pop(sid, None)  # refolded from its stream by a void meanwhile
            self.order.setdefault(sid, notification.id)
            touched[sid] = touched.pop(sid)  # the most recent last
        excess = len(touched) - self.HOT
        if excess > 0:
            for sid in list(itertools.islice(touched, excess)):
                cold[sid] = _cool(touched.pop(sid), fold.stamps[sid])

    def _rows(self, sids: Sequence[str]) -> tuple[list[_Row], list[tuple[str, str]]]:
        """ej_docs rows and claims of ``sids`` (Fold.rows): a document cooled
        and not touched since as it was packed, the others from the fold."""
        fold, cold = self.fold, self.cold
        rows: list[_Row] = []
        claims: list[tuple[str, str]] = []
        warm: list[str] = []
        for sid in sids:
            entry = cold.pop(sid, None)
            if entry is None:
                warm.append(sid)
                continue
            blob, stamp, meta = entry
            if meta is None:  # a creation void: its row from the fold's places
                fold.touched[sid] = _unpack(blob)
                fold.stamps[sid] = stamp
                warm.append(sid)
                continue
            kind, parent, sort_key, keys = meta
            rows.append((sid, kind, parent, sort_key, zlib.decompress(blob), stamp))
            claims.extend((key, sid) for key in keys)
        live, voided, folded = fold.rows(warm)
        for sid in warm:  # written: its memory can go
            del fold.touched[sid]
        rows += live + voided
        rows.sort(key=lambda row: row[0])
        return rows, claims + folded

    def finish(self, db: Database) -> None:
        """Write every folded document and its keys into the empty tables: a
        transaction per chunk, opened once its rows are ready (a transaction
        left idle while Python works is ended by the server's timeout)."""
        claimed: dict[str, str] = {}
        # In key order: each row then lands at the right edge of the primary
        # key's index, not on a random page of it. Claims stay in log order.
        sids = sorted(self.order)
        order = self.order
        ordered: list[tuple[str, str]] = []
        for i in range(0, len(sids), self.CHUNK):
            rows, claims = self._rows(sids[i : i + self.CHUNK])
            with db.write() as cur:
                cur.insert_rows("ej_docs", DOC_COLUMNS, rows, DOC_TYPES)
            ordered.extend(claims)
        if self.staged:
            staged = [(key, sid, order[sid]) for key, sid in ordered]
            for i in range(0, len(staged), self.CHUNK * 10):
                with db.write() as cur:
                    cur.insert_rows(
                        STAGE,
                        STAGE_COLUMNS,
                        staged[i : i + self.CHUNK * 10],
                        STAGE_TYPES,
                    )
        else:
            ordered.sort(key=lambda claim: order[claim[1]])  # stable: log order
            claimed.update(ordered)  # the last document to claim a key keeps it
            keys = sorted(claimed.items())
            for i in range(0, len(keys), self.CHUNK * 10):
                with db.write() as cur:
                    cur.insert_rows(
                        "ej_keys", KEY_COLUMNS, keys[i : i + self.CHUNK * 10]
                    )
        self.fold = Fold(self.app)
        self.order = {}


# The lookup keys of a rebuild whose streams are folded by several processes
# (RebuildDocuments(staged=True)): every claim with the position of its
# stream's first event; no index, nobody else reads it.
STAGE = "ej_keys_rebuild"
STAGE_COLUMNS = ("key", "stream_id", "first")
STAGE_TYPES = ("text", "text", "int8")


def stage_keys(cur: Cursor) -> None:
    """An empty stage for the claims (left over by a rebuild that died: emptied)."""
    cur.execute(
        f"CREATE UNLOGGED TABLE IF NOT EXISTS {STAGE} "
        "(key TEXT NOT NULL, stream_id TEXT NOT NULL, first BIGINT NOT NULL)"
    )
    cur.execute(f"TRUNCATE {STAGE}")


def merge_staged_keys(cur: Cursor) -> None:
    """Write the staged claims into the empty ej_keys: where streams claim one
    key, the stream first touched last keeps it, as RebuildDocuments does in
    one process (and the catch-up loop over one page); then drop the stage."""
    if cur.db.backend == "postgres":
        cur.execute("SET LOCAL work_mem = '256MB'")
    cur.execute(
        f"INSERT INTO ej_keys (key, stream_id) SELECT DISTINCT ON (key) key, "
        f"stream_id FROM {STAGE} ORDER BY key, first DESC"
    )
    cur.execute(f"DROP TABLE {STAGE}")
