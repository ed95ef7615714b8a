"""The service: store, views, clock and rules, commands and sessions. The reads
are in ejournal.queries, one module per page or report.

Commands run in the caller's thread (FastAPI's thread pool), save in one
transaction with their idempotency record, and answer once the views have reached
their position (read-your-writes).
"""

from __future__ import annotations

import gc
import logging
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from ejournal import ledger_check
from ejournal.cache import StampedCache
from ejournal.commands.executor import Executor
from ejournal.domain.errors import LogWentBackwards
from ejournal.domain.rules import DEFAULT_RULES, SchoolRules
from ejournal.domain.settings import SETTINGS_ID, rules_from
from ejournal.projections.cached import cached_reader
from ejournal.projections.reader import Reader, reader
from ejournal.projections.runner import Runner, views_of
from ejournal.security import Actor
from ejournal.sessions import Sessions
from ejournal.store import SchoolApp, open_store
from ejournal.writer import GroupWriter

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
SYSTEM_ACTOR_NAME = "system"
VIEW_CACHE_SIZE = 5000


def utc_now() -> datetime:
    return datetime.now(UTC)


class Service:
    """The composition root: the store, the group writer, the views loop, the
    clock and the caches; commands run through ``commands`` (executor), sign-ins
    through ``sessions``."""

    def __init__(
        self,
        database_url: str,
        *,
        clock: Clock = utc_now,
        rules: SchoolRules = DEFAULT_RULES,
        token_ttl: timedelta = timedelta(hours=12),
        shared: bool = False,
        follow: bool = False,
    ) -> None:
        self.app: SchoolApp = open_store(database_url)
        self.clock = clock
        self.rules = rules
        self.token_ttl = token_ttl
        self.writer = GroupWriter(self.app)
        self.deciding = threading.BoundedSemaphore(
            12 if self.app.config.backend == "postgres" else 4
        )
        self.runner = Runner(self.app, views_of(self.app))
        # Sessions and documents commands read, kept exact by the views loop
        # (ejournal.cache); used only while that loop runs.
        self.view_cache = StampedCache(VIEW_CACHE_SIZE, self.runner.position)
        self.caching = False
        # Other server processes keep the views too (serve --workers N): before
        # trusting its caches, a request waits until this process's views loop
        # has passed every page any process has applied.
        self.shared = shared
        # Another process runs the views loop (projections/process.py): this one
        # follows it instead of applying pages.
        self.follow = follow
        self.commands = Executor(self)
        self.sessions = Sessions(self)
        # The ledger's full check, a background job (ejournal.ledger_check).
        ledger_check.create_table(self.app.db())
        self.ledger_checker = ledger_check.Checker(
            self.app.db(), float(os.environ.get("EJOURNAL_LEDGER_CHECK_HOURS", "24"))
        )

        # The e-mail notifier's thread, when EJOURNAL_SMTP_HOST is set
        # (docs/notifications.md).
        self.notifier: Any = None

    def rules_for(self, views: Reader) -> SchoolRules:
        """The school's rules as its settings stand in these views (current, or as
        of a moment), over the defaults this service was given."""
        doc = views.doc(SETTINGS_ID)
        return rules_from(doc["values"] if doc else None, self.rules)

    # -- life cycle -------------------------------------------------------------
    def start(self) -> None:
        if not self.follow:
            self.runner.catch_up()
        self.runner.listeners += [self.app.aggregates.changed, self.view_cache.changed]
        self.runner.start(follow=self.follow)
        self.app.trust_cache = self.caching = True
        self.writer.start()
        if not self.follow:
            self.ledger_checker.schedule()
        from ejournal.notify.notifier import start_notifier

        self.notifier = start_notifier(self)
        # What starting made (modules, schemas, pools) lives as long as the
        # service: keep it out of the collector's full passes, which otherwise
        # cost tens of milliseconds in the middle of requests.
        gc.collect()
        gc.freeze()

    @contextmanager
    def views(self) -> Iterator[Reader]:
        """The current views for deciding and authenticating: through the cache
        while the views loop keeps it exact."""
        if self.caching:
            with cached_reader(self.app.db(), self.view_cache) as views:
                yield views
        else:
            with reader(self.app) as views:
                yield views

    def close(self) -> None:
        self.app.trust_cache = self.caching = False
        self.ledger_checker.stop()
        if self.notifier is not None:
            self.notifier.stop()
        self.writer.stop()
        self.runner.stop()
        self.app.close()

    def system_actor(self) -> Actor:
        from ejournal.domain.base import SYSTEM_ACTOR

        return Actor(
            SYSTEM_ACTOR,
            SYSTEM_ACTOR_NAME,
            "System",
            frozenset({"admin", "deputy", "secretary", "director"}),
            None,
            None,
        )

    # -- commands ---------------------------------------------------------------
    def execute(
        self,
        actor: Actor,
        name: str,
        body: bytes | dict[str, Any],
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """Run one command of the catalogue (ejournal.commands.executor)."""
        return self.commands.execute(actor, name, body, idempotency_key)

    def await_position(self, position: int) -> None:
        """Read-your-writes: wait (bounded) until the views reached ``position``."""
        self.runner.notify()
        if not self.runner.wait_for(position):
            log.warning("views did not reach position %s in time", position)

    # -- sessions (ejournal.sessions) ------------------------------------------
    def login(self, login: str, password: str, client_ip: str | None) -> dict[str, Any]:
        return self.sessions.login(login, password, client_ip)

    def authenticate(self, token: str, client_ip: str | None) -> Actor:
        return self.sessions.authenticate(token, client_ip)

    def logout(self, actor: Actor) -> None:
        self.sessions.logout(actor)

    def ensure_admin(self, login: str | None, password: str | None) -> str | None:
        return self.sessions.ensure_admin(login, password)

    def health(self) -> dict[str, Any]:
        """``ok`` and the views' position; a 503 problem while the views loop has
        raised the alarm of a log that went backwards."""
        if isinstance(self.runner.error, LogWentBackwards):
            raise self.runner.error
        return {"status": "ok", "position": self.runner.position}
