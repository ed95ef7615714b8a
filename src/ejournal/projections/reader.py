"""Readers of stream documents: the current views, or the views as they stood at a
moment (``as_of``), computed by folding only the streams involved up to it with
the same fold the catch-up loop uses."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any
from uuid import UUID

import orjson
from eventsourcing.persistence import StoredEvent

from ejournal.projections.streams import Doc, fold_doc
from ejournal.store import Cursor, SchoolApp


class Reader:
    """The current views, read in one transaction."""

    def __init__(self, cur: Cursor) -> None:
        self.cur = cur

    def doc(self, stream_id: str) -> Doc | None:
        return self.docs([stream_id]).get(stream_id)

    def docs(self, stream_ids: Iterable[str]) -> dict[str, Doc]:
        ids = list(dict.fromkeys(stream_ids))
        out: dict[str, Doc] = {}
        for chunk in _chunks(ids, 500):
            marks = ",".join("?" * len(chunk))
            rows = self.cur.execute(
                f"SELECT stream_id, doc FROM ej_docs WHERE stream_id IN ({marks})",
                chunk,
            ).fetchall()
            for row in rows:
                doc = orjson.loads(bytes(row["doc"]))
                if doc is not None:
                    out[row["stream_id"]] = doc
        return out

    def child_ids(
        self,
        kind: str,
        parent_ids: Iterable[str],
        lo: str | None = None,
        hi: str | None = None,
    ) -> list[str]:
        """Streams of a kind under parents, ordered by sort key, in [lo, hi]."""
        parents = list(parent_ids)
        if not parents:
            return []
        sql = (
            "SELECT stream_id FROM ej_docs WHERE kind = ? AND parent_id IN ("
            + ",".join("?" * len(parents))
            + ")"
        )
        params: list[Any] = [kind, *parents]
        if lo is not None:
            sql += " AND sort_key >= ?"
            params.append(lo)
        if hi is not None:
            sql += " AND sort_key <= ?"
            params.append(hi)
        sql += " ORDER BY sort_key, stream_id"
        return [r["stream_id"] for r in self.cur.execute(sql, params).fetchall()]

    def children(
        self,
        kind: str,
        parent_ids: Iterable[str],
        lo: str | None = None,
        hi: str | None = None,
    ) -> list[Doc]:
        ids = self.child_ids(kind, parent_ids, lo, hi)
        docs = self.docs(ids)
        return [docs[i] for i in ids if i in docs]

    def key(self, key: str) -> str | None:
        row = self.cur.execute(
            "SELECT stream_id FROM ej_keys WHERE key = ?", (key,)
        ).fetchone()
        return str(row["stream_id"]) if row else None

    def keys_with_prefix(self, prefix: str) -> list[tuple[str, str]]:
        rows = self.cur.execute(
            "SELECT key, stream_id FROM ej_keys WHERE key >= ? AND key < ? "
            "ORDER BY key",
            (prefix, prefix + "\uffff"),
        ).fetchall()
        return [(r["key"], r["stream_id"]) for r in rows]

    def all_of_kind(self, kind: str) -> list[Doc]:
        rows = self.cur.execute(
            "SELECT stream_id FROM ej_docs WHERE kind = ? ORDER BY sort_key", (kind,)
        ).fetchall()
        ids = [r["stream_id"] for r in rows]
        docs = self.docs(ids)
        return [docs[i] for i in ids if i in docs]


class AsOfReader(Reader):
    """The views as they stood at ``moment``: events recorded, and voids made, at or
    before it. Lists streams through the current index (a stream's kind and parent
    never change), then folds each one up to the moment."""

    def __init__(self, cur: Cursor, app: SchoolApp, moment: datetime) -> None:
        super().__init__(cur)
        self.app = app
        self.moment = moment
        self._cache: dict[str, Doc | None] = {}

    def docs(self, stream_ids: Iterable[str]) -> dict[str, Doc]:
        ids = [i for i in dict.fromkeys(stream_ids) if i not in self._cache]
        if ids:
            for sid, events in self._events(ids).items():
                self._cache[sid] = fold_doc(events)
            for sid in ids:
                self._cache.setdefault(sid, None)
        out: dict[str, Doc] = {}
        for sid in stream_ids:
            doc = self._cache.get(sid)
            if doc is not None:
                out[sid] = doc
        return out

    def _events(self, stream_ids: list[str]) -> dict[str, list[Any]]:
        db = self.cur.db
        postgres = db.backend == "postgres"
        to_event = self.app.mapper.to_domain_event
        out: dict[str, list[Any]] = {}
        for chunk in _chunks(stream_ids, 500):
            uids = [UUID(s) for s in chunk]
            params: list[Any] = [u if postgres else u.hex for u in uids]
            marks = ",".join(["%s" if postgres else "?"] * len(params))
            sql = (
                "SELECT originator_id, originator_version, topic, state FROM "
                f"{db.events_table_ref} WHERE originator_id IN ({marks}) "
                "ORDER BY originator_id, originator_version"
            )
            self.cur.raw.execute(sql, params)
            for row in self.cur.raw.fetchall():
                oid = row["originator_id"]
                uid = oid if isinstance(oid, UUID) else UUID(oid)
                event = to_event(
                    StoredEvent(
                        originator_id=uid,
                        originator_version=row["originator_version"],
                        topic=row["topic"],
                        state=bytes(row["state"]),
                    )
                )
                if event.timestamp <= self.moment:  # type: ignore[attr-defined]
                    out.setdefault(str(uid), []).append(event)
        return out


@contextmanager
def reader(app: SchoolApp, as_of: datetime | None = None) -> Iterator[Reader]:
    with app.db().read() as cur:
        yield Reader(cur) if as_of is None else AsOfReader(cur, app, as_of)


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]
