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

from collections.abc import Sequence
from typing import Any

import orjson

from ejournal.domain.base import META_EVENTS
from ejournal.projections.audit import ts_key
from ejournal.projections.streams import Doc, apply, fold_doc, lookup_keys, placement
from ejournal.store import Cursor, SchoolApp

_MISSING = object()
# stream_id, kind, parent_id, sort_key, doc, last_ts
_Row = tuple[str, str, str | None, str | None, bytes, str | None]


DOC_COLUMNS = ("stream_id", "kind", "parent_id", "sort_key", "doc", "last_ts")


class Documents:
    name = "documents"

    def __init__(self, app: SchoolApp) -> None:
        self.app = app

    def reset(self, cur: Cursor) -> None:
        cur.execute("DELETE FROM ej_docs")
        cur.execute("DELETE FROM ej_keys")

    def apply_page(self, cur: Cursor, page: Sequence[tuple[Any, Any]]) -> None:
        touched: dict[str, Doc | None] = {}
        # Where a stream whose creation is void is listed: kind, parent, sort key
        # of the document its creation started.
        places: dict[str, tuple[str, str | None, str | None]] = {}
        # The latest event timestamp of each touched stream; None: unknown.
        stamps: dict[str, str | None] = {}
        # Every document the page changes, read at once.
        loaded = _load_many(
            cur,
            {str(n.originator_id) for n, e in page if not isinstance(e, META_EVENTS)},
        )
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
        self._write(cur, touched, places, stamps)

    @staticmethod
    def _write(
        cur: Cursor,
        touched: dict[str, Doc | None],
        places: dict[str, tuple[str, str | None, str | None]],
        stamps: dict[str, str | None],
    ) -> None:
        rows: list[_Row] = []
        voided: list[_Row] = []
        keys: list[tuple[str, str]] = []
        for sid, doc in touched.items():
            if doc is None:
                # A stream whose creation is void keeps its row, kind and place,
                # so that as_of still lists it for moments before the void.
                kind, parent, sort_key = places.get(sid, ("void", None, None))
                voided.append((sid, kind, parent, sort_key, b"null", stamps[sid]))
                continue
            parent, sort_key = placement(doc)
            rows.append(
                (sid, doc["kind"], parent, sort_key, orjson.dumps(doc), stamps[sid])
            )
            keys.extend((key, sid) for key in lookup_keys(doc))
        cur.upsert_rows("ej_docs", DOC_COLUMNS, "stream_id", DOC_COLUMNS[1:], rows)
        cur.upsert_rows("ej_docs", DOC_COLUMNS, "stream_id", ("doc", "last_ts"), voided)
        cur.delete_where_in("ej_keys", "stream_id", list(touched))
        unique = dict(keys)  # the last document to claim a key keeps it
        cur.upsert_rows(
            "ej_keys", ("key", "stream_id"), "key", ("stream_id",), list(unique.items())
        )


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
