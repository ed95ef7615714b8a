# Over ~300 lines on purpose: the one reader that both the current views and as_of
# folds answer through; split, the two halves that must answer alike would drift
# apart.
"""Readers of stream documents: the current views, or the views as they stood at a
moment (``as_of``), computed by folding only the streams involved up to it with
the same fold the catch-up loop uses."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import orjson
from eventsourcing.persistence import StoredEvent

from ejournal.database import Cursor
from ejournal.projections.streams import Doc, fold_doc, placement
from ejournal.projections.streams.lessons import PLACED
from ejournal.store import SchoolApp


class Reader:
    """The current views, read in one transaction."""

    def __init__(self, cur: Cursor) -> None:
        self.cur = cur

    def doc(self, stream_id: str) -> Doc | None:
        return self.docs([stream_id]).get(stream_id)

    def docs(self, stream_ids: Iterable[str]) -> dict[str, Doc]:
        out: dict[str, Doc] = {}
        for sid, blob in self.doc_blobs(stream_ids).items():
            doc = orjson.loads(blob)
            if doc is not None:
                out[sid] = doc
        return out

    def doc_blobs(self, stream_ids: Iterable[str]) -> dict[str, bytes]:
        """The stored bytes of these streams' documents (those that have a row)."""
        ids = list(dict.fromkeys(stream_ids))
        out: dict[str, bytes] = {}
        for chunk in _chunks(ids, 500):
            among, params = _among(self.cur, "stream_id", chunk)
            rows = _fetch(
                self.cur, f"SELECT stream_id, doc FROM ej_docs WHERE {among}", params
            )
            for row in rows:
                out[row["stream_id"]] = bytes(row["doc"])
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
        among, among_params = _among(self.cur, "parent_id", parents)
        sql = f"SELECT stream_id FROM ej_docs WHERE kind = ? AND {among}"
        params: list[Any] = [kind, *among_params]
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
    never change), then answers each stream as a fold of its events up to the
    moment.

    A stream none of whose events is later than the moment (its ``last_ts``, and
    nothing of it past the views' position) is at the moment what it is now: its
    current document is the answer. A void made after the moment is itself a
    later event, so such a stream is folded. Where ``last_ts`` is after the moment,
    the event index bounds the fold to the versions up to the last one recorded at
    or before the moment. Where it is unknown (NULL: rows an older version wrote,
    or no row), or the stream has events the views have not applied yet, the
    stream's whole log is read and filtered, as before."""

    def __init__(self, cur: Cursor, app: SchoolApp, moment: datetime) -> None:
        super().__init__(cur)
        if moment.tzinfo is None:
            msg = "as_of needs an aware datetime"
            raise TypeError(msg)
        self.app = app
        self.moment = moment
        self._key = moment_key(moment)
        self._cache: dict[str, Doc | None] = {}
        self._unapplied: set[str] | None = None

    def child_ids(
        self,
        kind: str,
        parent_ids: Iterable[str],
        lo: str | None = None,
        hi: str | None = None,
    ) -> list[str]:
        return placed_child_ids(self, kind, list(parent_ids), lo, hi)

    def docs(self, stream_ids: Iterable[str]) -> dict[str, Doc]:
        wanted = list(dict.fromkeys(stream_ids))
        missing = [i for i in wanted if i not in self._cache]
        if missing:
            self._cache.update(self._as_of(missing))
        out: dict[str, Doc] = {}
        for sid in wanted:
            doc = self._cache.get(sid)
            if doc is not None:
                out[sid] = doc
        return out

    def _as_of(self, stream_ids: list[str]) -> dict[str, Doc | None]:
        unapplied = self._unapplied_streams()
        rows: dict[str, Any] = {}
        for chunk in _chunks(stream_ids, 500):
            among, params = _among(self.cur, "stream_id", chunk)
            found = _fetch(
                self.cur,
                "SELECT stream_id, last_ts, CASE WHEN last_ts <= ? THEN doc END AS doc "
                f"FROM ej_docs WHERE {among}",
                [self._key, *params],
            )
            rows.update((row["stream_id"], row) for row in found)
        out: dict[str, Doc | None] = {}
        whole: list[str] = []  # last_ts unknown, or events not in the document yet
        bounded: list[str] = []  # events after the moment
        for sid in stream_ids:
            row = rows.get(sid)
            if row is None or row["last_ts"] is None or sid in unapplied:
                whole.append(sid)
            elif row["doc"] is not None:  # nothing after the moment
                out[sid] = orjson.loads(bytes(row["doc"]))
            else:
                bounded.append(sid)
        events = self._events(whole)
        events.update(self._events_until(self._bounds(bounded)))
        for sid in (*whole, *bounded):
            out[sid] = fold_doc(events.get(sid, ()))
        return out

    def _unapplied_streams(self) -> set[str]:
        """Streams with events past the views' position (not in their documents),
        read once per reader. (No DISTINCT: SQLite would then scan the whole
        primary key instead of the rowid range.)"""
        if self._unapplied is None:
            db = self.cur.db
            self.cur.execute(
                f"SELECT originator_id FROM {db.events_table_ref} "
                f"WHERE {db.position_column} > COALESCE("
                "(SELECT position FROM ej_tracking WHERE name = ?), 0)",
                (TRACKING_NAME,),
            )
            self._unapplied = {
                str(_uuid(r["originator_id"])) for r in self.cur.fetchall()
            }
        return self._unapplied

    def _bounds(self, stream_ids: list[str]) -> dict[str, int]:
        """Each stream's last version recorded at or before the moment, from the
        event index; a stream with none is left out (it did not exist yet)."""
        out: dict[str, int] = {}
        for chunk in _chunks(stream_ids, 500):
            among, params = _among(self.cur, "stream_id", chunk)
            rows = _fetch(
                self.cur,
                "SELECT stream_id, MAX(version) AS version FROM ej_events "
                f"WHERE {among} AND ts <= ? GROUP BY stream_id",
                [*params, self._key],
            )
            out.update((r["stream_id"], int(r["version"])) for r in rows)
        return out

    def _events(self, stream_ids: list[str]) -> dict[str, list[Any]]:
        """Every event of the streams, kept where recorded at or before the
        moment."""
        postgres = self.cur.db.backend == "postgres"
        out: dict[str, list[Any]] = {}
        for chunk in _chunks(stream_ids, 500):
            if postgres:
                self._collect("WHERE originator_id = ANY(%s)", [_uuids(chunk)], out)
            else:
                marks = ",".join("?" * len(chunk))
                ids = [UUID(s).hex for s in chunk]
                self._collect(f"WHERE originator_id IN ({marks})", ids, out)
        return out

    def _events_until(self, bounds: dict[str, int]) -> dict[str, list[Any]]:
        """The events of each stream up to its bound, kept where recorded at or
        before the moment (a stream's timestamps need not grow with its versions)."""
        postgres = self.cur.db.backend == "postgres"
        out: dict[str, list[Any]] = {}
        items = list(bounds.items())
        for i in range(0, len(items), 500):
            chunk = items[i : i + 500]
            if postgres:
                ids = _uuids([sid for sid, _ in chunk])
                self._collect(
                    "JOIN unnest(%s::uuid[], %s::bigint[]) AS b (id, v) "
                    "ON originator_id = b.id AND originator_version <= b.v",
                    [ids, [v for _, v in chunk]],
                    out,
                )
                continue
            params: list[Any] = []
            for sid, version in chunk:
                params += [UUID(sid).hex, version]
            self._collect(
                f"JOIN (VALUES {','.join(['(?, ?)'] * len(chunk))}) AS b "
                "ON originator_id = b.column1 AND originator_version <= b.column2",
                params,
                out,
            )
        return out

    def _collect(
        self, where: str, params: list[Any], out: dict[str, list[Any]]
    ) -> None:
        to_event = self.app.mapper.to_domain_event
        postgres = self.cur.db.backend == "postgres"
        self.cur.raw.execute(
            "SELECT originator_id, originator_version, topic, state FROM "
            f"{self.cur.db.events_table_ref} {where} "
            "ORDER BY originator_id, originator_version",
            params,
            **({"binary": True} if postgres else {}),
        )
        for row in self.cur.raw.fetchall():
            uid = _uuid(row["originator_id"])
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


def placed_child_ids(
    r: Reader, kind: str, parents: list[str], lo: str | None, hi: str | None
) -> list[str]:
    """Children as of a moment. The current index lists a lesson where it is now:
    a lesson moved or cancelled after the moment is also found where it was (its
    ``lesson_at`` keys), and every lesson is kept where its document as of the
    moment (``r.docs``) places it."""
    ids = Reader.child_ids(r, kind, parents, lo, hi)
    if kind != "lesson" or not parents:
        return ids
    for parent in parents:
        prefix = f"{PLACED}:{parent}:"
        rows = r.cur.execute(
            "SELECT stream_id FROM ej_keys WHERE key >= ? AND key <= ?",
            (prefix + (lo or ""), prefix + (hi or "") + "\uffff"),
        ).fetchall()
        ids.extend(str(row["stream_id"]) for row in rows)
    wanted = set(parents)
    placed = []
    for sid, doc in r.docs(dict.fromkeys(ids)).items():
        under, key = placement(doc)
        if under not in wanted or key is None:
            continue
        if (lo is None or key >= lo) and (hi is None or key <= hi):
            placed.append((key, sid))
    return [sid for _, sid in sorted(placed)]


# The catch-up loop's tracking row (projections/runner.py, Runner.name): the
# position its documents have reached.
TRACKING_NAME = "views"


def moment_key(moment: datetime) -> str:
    """A moment as event_index.ts_key writes event timestamps (fixed-width UTC text, so
    that text order is time order), for any year: strftime leaves years before
    1000 unpadded. Moments past either end of the calendar in UTC sort before or
    after every timestamp."""
    try:
        u = moment.astimezone(UTC)
    except OverflowError:
        return "" if moment.year == 1 else "~"
    return (
        f"{u.year:04d}-{u.month:02d}-{u.day:02d}T{u.hour:02d}:{u.minute:02d}:"
        f"{u.second:02d}.{u.microsecond:06d}Z"
    )


def _fetch(cur: Cursor, statement: str, params: Sequence[Any]) -> list[Any]:
    """The rows of a query on our tables. PostgreSQL is asked for them in binary:
    a bytea document then arrives as is rather than as hex text to decode (a
    course-year's documents: ~5 ms instead of ~16)."""
    if cur.db.backend == "postgres":
        cur.raw.execute(cur.db.sql(statement), tuple(params), binary=True)
        return list(cur.raw.fetchall())
    return cur.execute(statement, params).fetchall()


def _among(cur: Cursor, column: str, values: list[str]) -> tuple[str, list[Any]]:
    """``column`` is one of ``values``. On PostgreSQL one array parameter, so the
    statement's text does not change with the number of values (psycopg converts
    it once and prepares it)."""
    if cur.db.backend == "postgres":
        return f"{column} = ANY(?)", [values]
    return f"{column} IN ({','.join('?' * len(values))})", list(values)


def _uuids(stream_ids: list[str]) -> list[UUID]:
    return [UUID(s) for s in stream_ids]


def _uuid(value: Any) -> UUID:
    return value if isinstance(value, UUID) else UUID(value)


@contextmanager
def reader(app: SchoolApp, as_of: datetime | None = None) -> Iterator[Reader]:
    with app.db().read() as cur:
        yield Reader(cur) if as_of is None else AsOfReader(cur, app, as_of)


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]
