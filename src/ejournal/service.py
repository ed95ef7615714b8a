"""The service: store, views, clock and rules, and the use cases the API and CLI call.

Commands run in the caller's thread (FastAPI's thread pool), save in one
transaction with their idempotency record, and answer once the views have reached
their position (read-your-writes).
"""

from __future__ import annotations

import dataclasses
import gc
import hashlib
import logging
import random
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any

import orjson
from pydantic import ValidationError

from ejournal.cache import StampedCache
from ejournal.commands import COMMANDS, Context
from ejournal.domain.account import Account
from ejournal.domain.base import Meta, new_id
from ejournal.domain.errors import (
    Conflict,
    DomainError,
    Forbidden,
    Invalid,
    NotFound,
    TooManyAttempts,
    Unauthorized,
)
from ejournal.domain.rules import DEFAULT_RULES, SchoolRules
from ejournal.domain.settings import SETTINGS_ID, rules_from
from ejournal.projections import journal
from ejournal.projections.audit import ts_key
from ejournal.projections.cached import cached_reader
from ejournal.projections.reader import Reader, reader
from ejournal.projections.runner import Runner, views_of
from ejournal.security import (
    DUMMY_HASH,
    Actor,
    check_class_journal,
    check_course_journal,
    check_diary,
    new_token,
    token_hash,
    verify_password,
)
from ejournal.store import IdempotencyRecord, IntegrityError, SchoolApp, open_store
from ejournal.writer import GroupWriter

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
COMMAND_NAMESPACE = uuid.UUID("9d1e1c2b-6f0a-4c53-8f1e-0b7c7e3f5a20")
LOGIN_WINDOW = timedelta(minutes=15)
LOGIN_FAILURES_ALLOWED = 5
# Commands racing for one stream (sessions writing the same lesson) are decided
# again on the new state; a short random pause after a lost race spreads them out.
MAX_ATTEMPTS = 16
SYSTEM_ACTOR_NAME = "system"
VIEW_CACHE_SIZE = 5000


def utc_now() -> datetime:
    return datetime.now(UTC)


class ProblemFields(Invalid):
    """A 422 with one entry per offending field."""

    def __init__(self, errors: list[dict[str, str]]) -> None:
        first = errors[0] if errors else {"field": "", "message": "invalid"}
        super().__init__(f"{first['field']}: {first['message']}", field=first["field"])
        self.errors = errors


def field_path(loc: Sequence[Any]) -> str:
    """A pydantic location as a field path: ``lessons[0].date``."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


def validation_errors(exc: ValidationError) -> list[dict[str, str]]:
    return [
        {"field": field_path(err["loc"]), "message": err["msg"]} for err in exc.errors()
    ]


class Service:
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
        self._deciding = threading.BoundedSemaphore(
            12 if self.app.config.backend == "postgres" else 4
        )
        self.runner = Runner(self.app, views_of(self.app))
        # Sessions and documents commands read, kept exact by the views loop
        # (ejournal.cache); used only while that loop runs.
        self.view_cache = StampedCache(VIEW_CACHE_SIZE, self.runner.position)
        self._caching = False
        # Other server processes keep the views too (serve --workers N): before
        # trusting its caches, a request waits until this process's views loop
        # has passed every page any process has applied.
        self.shared = shared
        # Another process runs the views loop (projections/process.py): this one
        # follows it instead of applying pages.
        self.follow = follow

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
        self.app.trust_cache = self._caching = True
        self.writer.start()
        # What starting made (modules, schemas, pools) lives as long as the
        # service: keep it out of the collector's full passes, which otherwise
        # cost tens of milliseconds in the middle of requests.
        gc.collect()
        gc.freeze()

    @contextmanager
    def _views(self) -> Iterator[Reader]:
        """The current views for deciding and authenticating: through the cache
        while the views loop keeps it exact."""
        if self._caching:
            with cached_reader(self.app.db(), self.view_cache) as views:
                yield views
        else:
            with reader(self.app) as views:
                yield views

    def close(self) -> None:
        self.app.trust_cache = self._caching = False
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
        spec = COMMANDS.get(name)
        if spec is None:
            raise NotFound(f"no command named {name!r}")
        if not actor.roles & spec.roles:
            raise Forbidden(
                f"{name} needs one of the roles: {', '.join(sorted(spec.roles))}"
            )
        payload = _parse_json(body)
        try:
            cmd = spec.model.model_validate(payload)
        except ValidationError as exc:
            raise ProblemFields(validation_errors(exc)) from None
        key = None
        body_hash = hashlib.sha256(
            name.encode() + b"\0" + orjson.dumps(payload, option=orjson.OPT_SORT_KEYS)
        ).hexdigest()
        if idempotency_key is not None:
            try:
                parsed_key = uuid.UUID(idempotency_key)
            except ValueError:
                raise DomainError("Idempotency-Key must be a UUID") from None
            key = f"{actor.account_id}:{parsed_key}"
            command_id = str(uuid.uuid5(COMMAND_NAMESPACE, key))
            replay = self._replay(key, body_hash)
            if replay is not None:
                return replay
        else:
            command_id = new_id()
        for attempt in range(MAX_ATTEMPTS):
            if spec.current_views:
                self.runner.wait_for(self.app.recorder.max_notification_id() or 0)
            now = self.clock()
            # A handler holds a read transaction and loads aggregates beside it (two
            # pooled connections): bounding how many run at once keeps a burst of
            # requests from exhausting the pool and starving each other.
            with self._deciding, self._views() as views:
                rules = self.rules_for(views)
                ctx = Context(self.app, views, actor, now, rules, command_id)
                outcome = spec.handler(ctx, cmd)
            events = [
                {
                    "stream_id": str(e.originator_id),
                    "version": e.originator_version,
                    "type": type(e).__name__,
                }
                for obj in outcome.aggregates
                for e in _pending(obj)
            ]
            response: dict[str, Any] = {
                "command_id": command_id,
                "position": None,
                "events": events,
                **outcome.result,
            }
            record = IdempotencyRecord(key, body_hash, response, len(events))
            try:
                recordings = self._save(outcome.aggregates, record)
            except IntegrityError:
                # Another command wrote the same stream first (or the same key):
                # decide again on the new state.
                if key is not None:
                    replay = self._replay(key, body_hash)
                    if replay is not None:
                        return replay
                _pause(attempt)
                continue
            if recordings:
                response["position"] = recordings[-1].notification.id
                self.app.remember(outcome.aggregates, response["position"])
                self._await(response["position"])
            return response
        raise Conflict("the record kept changing under this command; try again")

    def _save(self, objs: list[Any], record: IdempotencyRecord) -> list[Any]:
        pending = [e for obj in objs for e in _pending(obj)]
        if self.writer.running:
            return self.writer.save(pending, record)
        return self.app.save(*pending, idempotency=[record])

    def _replay(self, key: str, body_hash: str) -> dict[str, Any] | None:
        with self.app.db().read() as cur:
            row = cur.execute(
                "SELECT body_hash, response FROM ej_idempotency WHERE key = ?", (key,)
            ).fetchone()
        if row is None:
            return None
        if row["body_hash"] != body_hash:
            raise Conflict("this Idempotency-Key was used with another request")
        response: dict[str, Any] = orjson.loads(bytes(row["response"]))
        if response.get("position"):
            self._await(response["position"])
        return response

    def _await(self, position: int) -> None:
        self.runner.notify()
        if not self.runner.wait_for(position):
            log.warning("views did not reach position %s in time", position)

    # -- sessions ----------------------------------------------------------------
    def login(self, login: str, password: str, client_ip: str | None) -> dict[str, Any]:
        now = self.clock()
        normalized = login.strip().lower()
        db = self.app.db()
        since = (now - LOGIN_WINDOW).isoformat()
        with db.read() as cur:
            failures = cur.execute(
                "SELECT COUNT(*) AS n FROM ej_login_failures "
                "WHERE login = ? AND at > ?",
                (normalized, since),
            ).fetchone()["n"]
            account_id = cur.execute(
                "SELECT stream_id FROM ej_keys WHERE key = ?", (f"login:{normalized}",)
            ).fetchone()
        if failures >= LOGIN_FAILURES_ALLOWED:
            raise TooManyAttempts(
                "too many failed logins: try again in 15 minutes", field="login"
            )
        account: Account | None = (
            self.app.find(account_id["stream_id"], Account) if account_id else None
        )
        valid = verify_password(
            account.password_hash if account else DUMMY_HASH, password
        )
        if account is None or not valid:
            with db.write() as cur:
                cur.execute(
                    "INSERT INTO ej_login_failures (login, at) VALUES (?, ?)",
                    (normalized, now.isoformat()),
                )
            raise Unauthorized("wrong login or password")
        if account.blocked:
            raise Unauthorized(
                "the account is blocked until an administrator resets its password"
            )
        token = new_token()
        session_id = new_id()
        expires_at = now + self.token_ttl
        meta = Meta(str(account.id), session_id, new_id(), client_ip, now)
        verified = account.password_hash

        def open_session(current: Account) -> bool:
            # A retry sees the account as it is now: blocked or given a new
            # password meanwhile, the password just checked no longer opens it.
            if current.blocked or current.password_hash != verified:
                raise Unauthorized("wrong login or password")
            current.open_session(meta, token_hash(token), expires_at)
            return True

        self._change_account(str(account.id), open_session)
        return {
            "token": token,
            "account_id": str(account.id),
            "roles": account.roles,
            "expires_at": expires_at.isoformat(),
        }

    def _sync(self) -> None:
        if self.shared and self._caching:
            position = self.app.db().tracked(self.runner.name)
            if position > self.runner.position:
                self.runner.wait_for(position)

    def authenticate(self, token: str, client_ip: str | None) -> Actor:
        self._sync()
        digest = token_hash(token)
        key = ("session", digest)
        found: tuple[str, Actor, str] | None = self.view_cache.get(key)
        if found is None:
            with self._views() as views:
                account_id = views.key(f"token:{digest}")
                doc = views.doc(account_id) if account_id else None
                stamp = getattr(views, "stamp", None)
            found = _session(doc, digest)
            if found is None:
                raise Unauthorized("the token is not valid")
            if stamp is not None:
                self.view_cache.put(key, found[0], stamp, found)
        account_id, actor, expires_at = found
        if expires_at <= self.clock().isoformat():
            raise Unauthorized("the token has expired or been revoked")
        return dataclasses.replace(actor, client_ip=client_ip)

    def logout(self, actor: Actor) -> None:
        if actor.session_id is None:
            return
        session_id = actor.session_id
        meta = Meta(
            actor.account_id, session_id, new_id(), actor.client_ip, self.clock()
        )

        def close_session(current: Account) -> bool:
            session = current.sessions.get(session_id)
            if session is None or session["closed"]:
                return False  # closed meanwhile (a second logout, a block)
            current.close_session(meta, session_id, "logout")
            return True

        self._change_account(actor.account_id, close_session)

    def _change_account(
        self, account_id: str, change: Callable[[Account], bool]
    ) -> None:
        """Load the account, change it, save. Two sessions of one account opening
        or closing at once race for its next version: the loser decides again on
        the new state instead of failing."""
        for attempt in range(MAX_ATTEMPTS):
            account: Account = self.app.get(account_id, Account)
            if not change(account):
                return
            try:
                recordings = self.app.save(account)
            except IntegrityError:
                _pause(attempt)
                continue
            self._await(recordings[-1].notification.id)
            return
        raise Conflict("the account kept changing under this request; try again")

    def ensure_admin(self, login: str | None, password: str | None) -> str | None:
        """The first administrator, from the environment, when no account exists."""
        if not login or not password:
            return None
        with reader(self.app) as views:
            if views.all_of_kind("account"):
                return None
        result = self.execute(
            self.system_actor(),
            "create-account",
            {
                "login": login,
                "password": password,
                "full_name": "Administrator",
                "roles": ["admin"],
            },
        )
        return str(result["account_id"])

    # -- queries -----------------------------------------------------------------
    def course_journal(
        self,
        actor: Actor,
        course_id: str,
        period_id: str | None,
        as_of: datetime | None,
    ) -> dict[str, Any]:
        with reader(self.app) as views:
            course = journal.get_kind(views, course_id, "course", "course")
            check_course_journal(views, actor, course)
        with reader(self.app, as_of) as r:
            return journal.course_journal(r, course_id, self.rules_for(r), period_id)

    def class_journal(
        self,
        actor: Actor,
        class_id: str,
        period_id: str | None,
        as_of: datetime | None,
    ) -> dict[str, Any]:
        with reader(self.app) as views:
            klass = journal.get_kind(views, class_id, "class", "class")
            check_class_journal(actor, klass)
        with reader(self.app, as_of) as r:
            return journal.class_journal(r, class_id, self.rules_for(r), period_id)

    def diary(
        self,
        actor: Actor,
        student_id: str,
        lo: date | None,
        hi: date | None,
        as_of: datetime | None,
    ) -> dict[str, Any]:
        with reader(self.app) as views:
            today = self.rules_for(views).local_date(self.clock())
        try:
            if lo is None:
                lo = (hi or today) - timedelta(days=(hi or today).weekday())
            if hi is None:
                hi = lo + timedelta(days=6)
        except OverflowError:
            raise Invalid(
                "the week runs past the calendar's end", field="from"
            ) from None
        with reader(self.app) as views:
            student = views.doc(student_id)
            if student is None or student.get("kind") != "student":
                raise NotFound(f"no pupil {student_id}")
            check_diary(views, actor, student)
        with reader(self.app, as_of) as r:
            return journal.diary(r, student_id, self.rules_for(r), lo, hi)

    def my_courses(self, actor: Actor) -> dict[str, Any]:
        """The courses a teacher teaches (staff: every course), with their class."""
        with reader(self.app) as views:
            if actor.has("admin", "director", "deputy", "auditor"):
                courses = views.all_of_kind("course")
            else:
                ids = [
                    sid
                    for _, sid in views.keys_with_prefix(f"teacher:{actor.account_id}:")
                ]
                courses = list(views.docs(ids).values())
            classes = views.docs({c["class_id"] for c in courses})
        out = [
            {
                "course_id": c["id"],
                "subject": c["subject"],
                "class_id": c["class_id"],
                "class_name": classes.get(c["class_id"], {}).get("name"),
                "group_id": c.get("group_id"),
                "teacher_id": c["teacher_id"],
            }
            for c in courses
        ]
        out.sort(key=lambda c: (str(c["class_name"]), c["subject"]))
        return {"courses": out}

    def my_children(self, actor: Actor) -> dict[str, Any]:
        """The pupils whose diary the caller may read as guardian or pupil."""
        with reader(self.app) as views:
            ids = [
                sid
                for _, sid in views.keys_with_prefix(f"guardian:{actor.account_id}:")
            ]
            if actor.student_id:
                ids.append(actor.student_id)
            docs = views.docs(ids)
        return {
            "students": [
                {
                    "student_id": d["id"],
                    "full_name": d["full_name"],
                    "class_id": d["class_id"],
                }
                for d in docs.values()
            ]
        }

    def incident_preview(
        self, actor: Actor, incident_id: str, as_of: datetime | None
    ) -> dict[str, Any]:
        """What executing the incident would void now, and the account's operations
        in the 24 hours before ``since`` for review. Reads the event index only."""
        actor.require("admin", "auditor")
        self.runner.wait_for(self.app.recorder.max_notification_id() or 0)
        with reader(self.app, as_of) as views:
            incident = journal.get_kind(views, incident_id, "incident", "incident")
            account_id = incident["account_id"]
            since = ts_key(incident["since"])
            review_from = ts_key(
                datetime.fromisoformat(incident["since"]) - timedelta(hours=24)
            )
            # Up to the report: later events are the owner's re-entry.
            until = ts_key(incident["created_at"])
            if as_of is not None:
                until = min(until, ts_key(as_of))
            bound = " AND ts <= ?"
            extra: tuple[Any, ...] = (until,)
            rows = views.cur.execute(
                "SELECT position, stream_id, version, type, kind, ts, session_id, "
                "client_ip, voided_by, pupils FROM ej_events WHERE actor_id = ? "
                "AND ts >= ?" + bound + " ORDER BY position",
                (account_id, review_from, *extra),
            ).fetchall()
        by_type: dict[str, int] = {}
        lessons: set[str] = set()
        pupils: set[str] = set()
        review = []
        count = 0
        for row in rows:
            if row["ts"] < since:
                review.append(
                    {
                        "position": row["position"],
                        "stream_id": row["stream_id"],
                        "version": row["version"],
                        "type": row["type"],
                        "timestamp": row["ts"],
                        "session_id": row["session_id"],
                        "client_ip": row["client_ip"],
                        "voided_by": row["voided_by"],
                    }
                )
                continue
            if row["voided_by"] is not None:
                continue
            count += 1
            by_type[row["type"]] = by_type.get(row["type"], 0) + 1
            if row["kind"] == "lesson":
                lessons.add(row["stream_id"])
            if row["pupils"]:
                pupils.update(row["pupils"].split())
        return {
            "incident_id": incident_id,
            "account_id": account_id,
            "since": since,
            "reported_at": incident["reported_at"],
            "events": count,
            "by_type": by_type,
            "lessons": len(lessons),
            "students": len(pupils),
            "already_voided": incident["voided"],
            "review": review,
        }

    def health(self) -> dict[str, Any]:
        return {"status": "ok", "position": self.runner.position}


def _session(doc: dict[str, Any] | None, digest: str) -> tuple[str, Actor, str] | None:
    """(account id, actor, expiry) of the open session with this token hash."""
    if doc is None or doc.get("blocked"):
        return None
    for session_id, session in doc["sessions"].items():
        if session["token_hash"] == digest:
            if session["closed"]:
                return None
            actor = Actor(
                account_id=doc["id"],
                login=doc["login"],
                full_name=doc["full_name"],
                roles=frozenset(doc["roles"]),
                session_id=session_id,
                client_ip=None,
                student_id=doc.get("student_id"),
            )
            return doc["id"], actor, session["expires_at"]
    return None


def _pause(attempt: int) -> None:
    """Up to 1 ms per lost race so far (at most 10 ms), at random."""
    time.sleep(random.uniform(0, 0.001 * min(attempt + 1, 10)))


def _pending(obj: Any) -> list[Any]:
    pending = getattr(obj, "pending_events", None)
    return list(pending) if pending is not None else [obj]


def _parse_json(body: bytes | dict[str, Any]) -> Any:
    if isinstance(body, dict):
        return body
    if not body:
        raise DomainError("the request body is empty: send a JSON object")
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise DomainError(f"the request body is not valid JSON: {exc}") from None
    if not isinstance(payload, dict):
        raise DomainError("the request body must be a JSON object")
    return payload
