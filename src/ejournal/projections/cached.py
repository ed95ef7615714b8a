"""The current views through the process's view cache (see ejournal.cache).

Documents are cached as their stored bytes and decoded for each reader, so no
caller can change another's copy; an absent document as ``null``. The database
transaction opens only when something must be read from it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager

import orjson

from ejournal.cache import StampedCache
from ejournal.database import Cursor, Database
from ejournal.projections.reader import Reader
from ejournal.projections.streams import Doc

NO_DOC = b"null"


class CachedReader(Reader):
    def __init__(self, db: Database, cache: StampedCache, stack: ExitStack) -> None:
        self._db = db
        self._cache = cache
        self._stack = stack
        self._cur: Cursor | None = None
        # Taken before anything is read: whatever this reader puts in the cache
        # is at least as new as this position.
        self.stamp = cache.stamp()

    @property
    def cur(self) -> Cursor:
        if self._cur is None:
            self._cur = self._stack.enter_context(self._db.read())
        return self._cur

    @cur.setter
    def cur(self, value: Cursor) -> None:
        self._cur = value

    def docs(self, stream_ids: Iterable[str]) -> dict[str, Doc]:
        ids = list(dict.fromkeys(stream_ids))
        blobs: dict[str, bytes] = {}
        missing: list[str] = []
        for sid in ids:
            blob = self._cache.get(("doc", sid))
            if blob is None:
                missing.append(sid)
            else:
                blobs[sid] = blob
        if missing:
            found = self.doc_blobs(missing)
            for sid in missing:
                # A stream without a document is cached too (as null): the
                # school's settings, say, before anyone changed them.
                blob = found.get(sid, NO_DOC)
                self._cache.put(("doc", sid), sid, self.stamp, blob)
                blobs[sid] = blob
        out: dict[str, Doc] = {}
        for sid in ids:
            if sid in blobs:
                doc = orjson.loads(blobs[sid])
                if doc is not None:
                    out[sid] = doc
        return out


@contextmanager
def cached_reader(db: Database, cache: StampedCache) -> Iterator[CachedReader]:
    with ExitStack() as stack:
        yield CachedReader(db, cache, stack)
