"""Process-local caches of what commands read, kept exact by the log.

A command reads the same few things again and again: its caller's session, the
school's settings, the course, the lesson and the class aggregates. Each cached
value remembers the log position its reader had seen before reading it (its
stamp); whoever learns that a stream changed at a position (the views loop for
every page it passes, the store for every save it makes) records it, and a value
stamped before its stream's last recorded change is never served again. A value
read at the same moment as a change is therefore either refused on the way in or
dropped on the way out: it can be served stale only for as long as the database
itself would answer with the old row (the views not yet past the change).

Changes made by another process reach this one through its views loop, which
passes every page of the log (applied here or by the other process).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable, Iterable, Mapping
from typing import Any


class StampedCache:
    """Values derived from one stream each, valid until the stream changes."""

    def __init__(self, size: int, position: int = 0) -> None:
        self.size = size
        self._lock = threading.Lock()
        self._values: OrderedDict[Hashable, tuple[str, int, Any]] = OrderedDict()
        self._changed: OrderedDict[str, int] = OrderedDict()
        # Changes are remembered for the last 8 × size streams; anything stamped
        # before the oldest forgotten change is treated as changed.
        self._floor = position
        self.position = position

    def stamp(self) -> int:
        """Take before reading what will be put: the position known so far."""
        return self.position

    def _last_change(self, stream: str) -> int:
        return self._changed.get(stream, self._floor)

    def get(self, key: Hashable) -> Any | None:
        with self._lock:
            entry = self._values.get(key)
            if entry is None:
                return None
            stream, stamp, value = entry
            if self._last_change(stream) > stamp:
                del self._values[key]
                return None
            self._values.move_to_end(key)
            return value

    def put(self, key: Hashable, stream: str, stamp: int, value: Any) -> None:
        with self._lock:
            if self._last_change(stream) > stamp:
                return  # the stream changed while this value was being read
            self._values[key] = (stream, stamp, value)
            self._values.move_to_end(key)
            while len(self._values) > self.size:
                self._values.popitem(last=False)

    def forget(self, key: Hashable) -> None:
        with self._lock:
            self._values.pop(key, None)

    def changed(
        self, streams: Mapping[str, int] | Iterable[str] | None, position: int
    ) -> None:
        """These streams (None: any stream) changed at (or before) ``position``;
        a mapping gives each stream's own last position (a page of the log tells
        each stream where it moved, not only where the page ends, so a value
        stamped with the position a command saved at stays valid)."""
        with self._lock:
            if streams is None:
                self._values.clear()
                self._changed.clear()
                self._floor = max(self._floor, position)
                self.position = max(self.position, position)
                return
            changed = self._changed
            at = streams if isinstance(streams, Mapping) else dict.fromkeys(streams)
            for stream, moved in at.items():
                moved = position if moved is None else moved
                if changed.get(stream, 0) < moved:
                    changed[stream] = moved
                changed.move_to_end(stream)
            while len(changed) > 8 * self.size:
                _, oldest = changed.popitem(last=False)
                self._floor = max(self._floor, oldest)
            if position > self.position:
                self.position = position

    def __len__(self) -> int:
        return len(self._values)
