"""Saves of thousands of events at once complete on both backends. psycopg 3.3's
pipeline mode stalled for good on such saves (client and server each waiting for
the other); the PostgreSQL recorder now writes without it."""

from __future__ import annotations

import threading

from eventsourcing.domain import Aggregate

from ejournal.store import open_store

SAVES = 8
AGGREGATES = 300
EVENTS_EACH = 5  # 1,500 events of ~1 KB a save


class Bulky(Aggregate):
    class Noted(Aggregate.Event):
        text: str

        def apply(self, aggregate: Aggregate) -> None:
            pass

    def note(self, text: str) -> None:
        self.trigger_event(self.Noted, text=text)


def test_saves_of_thousands_of_events_complete(database_url: str) -> None:
    app = open_store(database_url)
    saved: list[int] = []

    def save_all() -> None:
        for n in range(SAVES):
            batch = []
            for _ in range(AGGREGATES):
                thing = Bulky()
                for k in range(EVENTS_EACH - 1):
                    thing.note(f"save {n} note {k} " + "ж" * 500)
                batch.append(thing)
            saved.append(len(app.save(*batch)))

    worker = threading.Thread(target=save_all, daemon=True)
    try:
        worker.start()
        worker.join(timeout=300)
        assert not worker.is_alive(), f"a save stalled after {len(saved)} saves"
        assert saved == [AGGREGATES * EVENTS_EACH] * SAVES
        assert app.recorder.max_notification_id() == SAVES * AGGREGATES * EVENTS_EACH
    finally:
        if not worker.is_alive():
            app.close()
