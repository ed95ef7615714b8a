"""Helpers shared by the incident tests: extra stores of the same backend, copies of
a log into them, and snapshots of what a void must change (documents, lookup keys,
the event index, journal answers, aggregates)."""

from __future__ import annotations

import contextlib
import os
import tempfile
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime
from typing import Any

import orjson
import psycopg
from eventsourcing.persistence import Notification, StoredEvent

from ejournal.domain.base import live_versions
from ejournal.domain.errors import DomainError, NotFound
from ejournal.projections import journal
from ejournal.projections.reader import reader
from ejournal.service import Service
from ejournal.store import DatabaseConfig

YEAR_FROM = date(2026, 9, 1)
YEAR_TO = date(2027, 5, 31)


def backend_of(url: str) -> str:
    return "sqlite" if url.startswith("sqlite") else "postgres"


@contextlib.contextmanager
def fresh_url(backend: str, postgres_url: str | None) -> Iterator[str]:
    """An empty store of the backend: a new SQLite file or a new PostgreSQL
    schema, removed afterwards."""
    if backend == "sqlite":
        # In memory-backed /dev/shm where there is one: these stores are thrown
        # away, and each SQLite commit's fsync is most of a command's cost.
        shm = "/dev/shm" if os.path.isdir("/dev/shm") else None
        with tempfile.TemporaryDirectory(prefix="ej-incidents-", dir=shm) as folder:
            yield f"sqlite:///{folder}/ejournal.sqlite3"
        return
    assert postgres_url is not None
    schema = f"i_{uuid.uuid4().hex[:16]}"
    sep = "&" if "?" in postgres_url else "?"
    url = f"{postgres_url}{sep}schema={schema}"
    try:
        yield url
    finally:
        conninfo = DatabaseConfig.from_url(url).conninfo
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@contextlib.contextmanager
def fresh_service(
    backend: str, postgres_url: str | None, clock: Callable[[], datetime]
) -> Iterator[Service]:
    with fresh_url(backend, postgres_url) as url:
        service = Service(url, clock=clock)
        try:
            yield service
        finally:
            service.close()


class Stores:
    """Empty stores of one backend, as many at a time as asked for.

    SQLite: a new file each time (cheap). PostgreSQL: creating a schema, its
    tables and a connection pool costs a few hundred milliseconds, more than a
    whole property example, so each schema is created once and emptied
    (TRUNCATE … RESTART IDENTITY, then the views' tracking reset) before it is
    handed out again; ``empty`` checks that nothing of the last example is left.
    """

    def __init__(self, backend: str, postgres_url: str | None) -> None:
        self.backend = backend
        self.postgres_url = postgres_url
        self.idle: list[tuple[contextlib.ExitStack, Service]] = []

    @contextlib.contextmanager
    def empty(self, clock: Callable[[], datetime]) -> Iterator[Service]:
        if self.backend == "sqlite":
            with fresh_service(self.backend, None, clock) as service:
                yield service
            return
        if self.idle:
            stack, service = self.idle.pop()
            _truncate(service)
        else:
            stack = contextlib.ExitStack()
            service = stack.enter_context(
                fresh_service(self.backend, self.postgres_url, clock)
            )
        service.clock = clock
        assert not service.app.recorder.max_notification_id()
        assert not docs(service) and service.runner.position == 0
        try:
            yield service
        finally:
            self.idle.append((stack, service))

    def close(self) -> None:
        while self.idle:
            self.idle.pop()[0].close()


def _truncate(service: Service) -> None:
    schema = service.app.config.schema
    with psycopg.connect(service.app.config.conninfo, autocommit=True) as conn:
        tables = [
            str(r[0])
            for r in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = %s", (schema,)
            ).fetchall()
        ]
        names = ", ".join(f'"{schema}"."{t}"' for t in tables)
        conn.execute(f"TRUNCATE {names} RESTART IDENTITY")
    service.runner.reset()


def notifications(service: Service) -> list[Notification]:
    """Every stored event, in log order."""
    out: list[Notification] = []
    start = 1
    while True:
        page = service.app.recorder.select_notifications(start=start, limit=1000)
        if not page:
            return out
        out.extend(page)
        start = page[-1].id + 1


def copy_into(service: Service, events: Iterable[StoredEvent]) -> None:
    """Append stored events as they are (same ids, versions, state; gaps in a
    stream's versions are fine), in the given order, then catch the views up."""
    rows = [
        StoredEvent(e.originator_id, e.originator_version, e.topic, e.state)
        for e in events
    ]
    if rows:
        service.app.recorder.insert_events(rows)
    service.runner.catch_up()


def decoded(service: Service, events: Sequence[Notification]) -> list[Any]:
    to_event = service.app.mapper.to_domain_event
    return [to_event(n) for n in events]


# -- snapshots ------------------------------------------------------------------------


def docs(service: Service) -> dict[str, Any]:
    """ej_docs decoded, without the "version" key (the stream's last applied
    version, which voids move on) and without the empty rows of streams whose
    creation is void (a leftout stream has no row at all)."""
    with service.app.db().read() as cur:
        rows = cur.execute("SELECT stream_id, doc FROM ej_docs").fetchall()
    out: dict[str, Any] = {}
    for row in rows:
        doc = orjson.loads(bytes(row["doc"]))
        if doc is not None:
            doc.pop("version", None)
            out[str(row["stream_id"])] = doc
    return out


def keys(service: Service) -> set[tuple[str, str]]:
    with service.app.db().read() as cur:
        rows = cur.execute("SELECT key, stream_id FROM ej_keys").fetchall()
    return {(str(r["key"]), str(r["stream_id"])) for r in rows}


def index(service: Service) -> dict[tuple[str, int], tuple[str, str | None]]:
    """The event index: (stream, version) -> (type, voided_by)."""
    with service.app.db().read() as cur:
        rows = cur.execute(
            "SELECT stream_id, version, type, voided_by FROM ej_events"
        ).fetchall()
    return {
        (str(r["stream_id"]), int(r["version"])): (str(r["type"]), r["voided_by"])
        for r in rows
    }


def _outcome(fn: Callable[[], Any]) -> Any:
    try:
        return ("ok", fn())
    except DomainError as exc:  # a refusal is an answer too; anything else is a bug
        return ("refused", type(exc).__name__, exc.detail)


def answers(
    service: Service, ids: dict[str, Any], as_of: datetime | None = None
) -> dict[str, Any]:
    """Every course journal, class journal and whole-year diary of the streams in
    ``ids`` (a ``docs`` snapshot), read straight from the views (or as of)."""
    kinds: dict[str, list[str]] = {"course": [], "class": [], "student": []}
    for sid, doc in ids.items():
        if doc.get("kind") in kinds:
            kinds[doc["kind"]].append(sid)
    out: dict[str, Any] = {}
    with reader(service.app, as_of) as r:
        rules = service.rules_for(r)  # the school's settings as these views hold them
        for cid in sorted(kinds["course"]):
            out[f"course:{cid}"] = _outcome(
                lambda cid=cid: journal.course_journal(r, cid, rules)
            )
        for cid in sorted(kinds["class"]):
            out[f"class:{cid}"] = _outcome(
                lambda cid=cid: journal.class_journal(r, cid, rules)
            )
        for sid in sorted(kinds["student"]):
            out[f"diary:{sid}"] = _outcome(
                lambda sid=sid: journal.diary(r, sid, rules, YEAR_FROM, YEAR_TO)
            )
    return out


AGGREGATE_SKIP = ("_version", "_pending_events")


def aggregate(service: Service, stream_id: str, skip: Iterable[str] = ()) -> Any:
    """An aggregate as ``app.get`` folds it: its class and attributes (not its
    version, which counts void events too), or None when it does not exist."""
    try:
        agg = service.app.get(stream_id, object)
    except NotFound:
        return None
    hidden = {*AGGREGATE_SKIP, *skip}
    state = {k: v for k, v in vars(agg).items() if k not in hidden}
    return (type(agg).__name__, state)


def diff(a: dict[Any, Any], b: dict[Any, Any]) -> list[Any]:
    """The entries that differ between two dicts, for assertion messages."""
    return [
        (k, a.get(k, "<missing>"), b.get(k, "<missing>"))
        for k in sorted(set(a) | set(b), key=str)
        if a.get(k, "<missing>") != b.get(k, "<missing>")
    ][:5]


# -- doors a void does not reopen (domain/base.py) ---------------------------------

OUTLASTING = ("SessionClosed", "AccountBlocked", "PasswordReset", "AccountDeactivated")


def outlasting_streams(service: Service) -> set[str]:
    """The account streams holding a voided event whose closing effect outlasts
    the void: there the store may keep sessions ended and a block that the
    oracle, without those events, does not have."""
    streams: dict[str, list[Any]] = {}
    for e in decoded(service, notifications(service)):
        streams.setdefault(str(e.originator_id), []).append(e)
    out = set()
    for sid, events in streams.items():
        live = live_versions(events)
        if any(
            type(e).__name__ in OUTLASTING and e.originator_version not in live
            for e in events
        ):
            out.add(sid)
    return out


def close_doors_like(real: dict[str, Any], oracle: dict[str, Any]) -> None:
    """Give the oracle's account state (a document or an aggregate's attributes)
    the doors the store kept closed: a session the store has ended and the oracle
    has open, a block the store has and the oracle has not. The other way round
    (the store open where the oracle is closed) stays a difference."""
    for session_id, session in oracle.get("sessions", {}).items():
        kept = real.get("sessions", {}).get(session_id)
        if kept is not None and kept["closed"] and not session["closed"]:
            session["closed"] = True
    for door in ("blocked", "deactivated"):
        if real.get(door) and not oracle.get(door):
            oracle[door] = True
            if door == "deactivated" and "deactivated_reason" in real:
                oracle["deactivated_reason"] = real["deactivated_reason"]


def closed_tokens(real_docs: dict[str, Any], streams: set[str]) -> set[tuple[str, str]]:
    """The token keys of sessions the store has ended on those streams."""
    return {
        (f"token:{s['token_hash']}", sid)
        for sid in streams
        for s in real_docs.get(sid, {}).get("sessions", {}).values()
        if s["closed"]
    }
