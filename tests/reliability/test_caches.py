"""The process-local caches (ejournal.cache): never serve a value older than what the
database would answer once the views have passed a change, in one process and
across two processes sharing a database (serve --workers N)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from ejournal.cache import StampedCache
from ejournal.domain.errors import Conflict, Unauthorized
from ejournal.domain.lesson import Lesson
from ejournal.service import Service
from tests.builders import PASSWORD, FakeClock, School, build_school

# -- the stamped cache on its own ---------------------------------------------------


def test_a_value_is_served_until_its_stream_changes() -> None:
    cache = StampedCache(10)
    cache.put("k", "s", cache.stamp(), "v")
    assert cache.get("k") == "v"
    cache.changed({"other"}, 5)
    assert cache.get("k") == "v"
    cache.changed({"s"}, 6)
    assert cache.get("k") is None


def test_a_value_read_before_a_change_is_refused_after_it() -> None:
    cache = StampedCache(10)
    stamp = cache.stamp()  # a reader starts ...
    cache.changed({"s"}, 3)  # ... the stream changes while it reads ...
    cache.put("k", "s", stamp, "old")  # ... and what it read is not kept
    assert cache.get("k") is None
    cache.put("k", "s", cache.stamp(), "new")
    assert cache.get("k") == "new"


def test_a_page_tells_each_stream_where_it_moved_not_where_the_page_ends() -> None:
    cache = StampedCache(10)
    cache.put("lesson", "L", 10, "saved at 10")  # a command's own save
    cache.changed({"L": 10, "M": 14}, 14)  # the page holding it ends at 14
    assert cache.get("lesson") == "saved at 10"
    assert cache.stamp() == 14
    cache.changed({"L": 15}, 15)
    assert cache.get("lesson") is None


def test_forgetting_every_stream_drops_every_value() -> None:
    cache = StampedCache(10)
    cache.put("a", "s", cache.stamp(), 1)
    stamp = cache.stamp()
    cache.changed(None, 100)
    assert cache.get("a") is None
    cache.put("b", "t", stamp, 2)  # read before the forgetting: refused
    assert cache.get("b") is None
    assert cache.stamp() == 100


def test_changes_forgotten_for_space_make_older_values_count_as_changed() -> None:
    cache = StampedCache(1)  # remembers changes of 8 streams
    stamp = cache.stamp()
    cache.put("k", "s", stamp, "v")
    for n in range(20):
        cache.changed({f"stream-{n}"}, n + 1)
    assert cache.get("k") is None  # "s" may have changed among the forgotten
    cache.put("k", "s", cache.stamp(), "v2")
    assert cache.get("k") == "v2"


def test_the_cache_keeps_at_most_its_size() -> None:
    cache = StampedCache(3)
    for n in range(10):
        cache.put(n, f"s{n}", cache.stamp(), n)
    assert len(cache) == 3
    assert [cache.get(n) for n in (6, 7, 8, 9)] == [None, 7, 8, 9]


# -- a started service --------------------------------------------------------------


@pytest.fixture
def started(database_url: str, clock: FakeClock) -> Iterator[tuple[Service, School]]:
    service = Service(database_url, clock=clock)
    school = build_school(service)
    service.start()
    try:
        yield service, school
    finally:
        service.close()


def _mark(service: Service, token: str, lesson: str, pupil: str) -> str:
    actor = service.authenticate(token, None)
    out = service.execute(
        actor,
        "record-mark",
        {"lesson_id": lesson, "student_id": pupil, "value": "5", "work_type": "oral"},
    )
    return str(out["mark_id"])


def _count_folds(service: Service, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """From now on, the streams the store folds (cache misses), in order."""
    folded: list[str] = []
    real = service.app._fold

    def counted(aggregate_id: object, cls: type) -> object:
        folded.append(str(aggregate_id))
        return real(aggregate_id, cls)  # type: ignore[arg-type]

    monkeypatch.setattr(service.app, "_fold", counted)
    return folded


def _marks(service: Service, lesson: str) -> list[str]:
    return [
        e.mark_id
        for e in service.app.stream(lesson)
        if type(e).__name__ == "MarkRecorded"
    ]


def test_a_logged_out_token_is_refused_at_once(
    started: tuple[Service, School],
) -> None:
    service, school = started
    token = service.login(school.logins["teacher"], PASSWORD, None)["token"]
    actor = service.authenticate(token, None)  # now cached
    service.logout(actor)
    with pytest.raises(Unauthorized):
        service.authenticate(token, None)


def test_a_reported_account_loses_its_cached_sessions(
    started: tuple[Service, School], clock: FakeClock
) -> None:
    service, school = started
    token = service.login(school.logins["teacher"], PASSWORD, None)["token"]
    service.authenticate(token, None)
    admin = service.authenticate(
        service.login(school.logins["admin"], PASSWORD, None)["token"], None
    )
    service.execute(
        admin,
        "report-compromise",
        {
            "account_id": school.accounts["teacher"],
            "reported_at": clock().isoformat(),
            "note": "phished",
        },
    )
    with pytest.raises(Unauthorized):
        service.authenticate(token, None)


def test_a_cached_session_still_expires(
    started: tuple[Service, School], clock: FakeClock
) -> None:
    service, school = started
    token = service.login(school.logins["teacher"], PASSWORD, None)["token"]
    service.authenticate(token, None)
    clock.advance(hours=12, seconds=1)
    with pytest.raises(Unauthorized):
        service.authenticate(token, None)


def test_commands_decide_on_the_lesson_as_written_by_the_one_before(
    started: tuple[Service, School],
) -> None:
    service, school = started
    token = service.login(school.logins["teacher"], PASSWORD, None)["token"]
    lesson = school.lesson_ids[0]
    written = [_mark(service, token, lesson, school.students[n % 3]) for n in range(6)]
    assert _marks(service, lesson) == written
    cached = service.app.peek(lesson, Lesson)
    assert set(cached.marks) >= set(written)


def test_a_write_by_another_process_is_seen_by_the_next_command(
    started: tuple[Service, School], database_url: str, clock: FakeClock
) -> None:
    """Two services on one database, as `serve --workers 2` runs them: each decides
    on what the other wrote (its cached lesson is refreshed or its save retried)
    and sees the other's logout at once."""
    first, school = started
    first.shared = True
    second = Service(database_url, clock=clock, shared=True)
    second.start()
    try:
        token = first.login(school.logins["teacher"], PASSWORD, None)["token"]
        lesson = school.lesson_ids[1]
        written = []
        for n in range(8):
            service = (first, second)[n % 2]
            written.append(
                _mark(service, token, lesson, school.students[n % len(school.students)])
            )
        assert _marks(first, lesson) == written
        # The logout goes through the second process; the first refuses the token
        # on the very next request although it had it cached.
        second.logout(second.authenticate(token, None))
        with pytest.raises(Unauthorized):
            first.authenticate(token, None)
    finally:
        second.close()


def test_a_stale_cached_aggregate_costs_a_retry_not_a_lost_write(
    started: tuple[Service, School], database_url: str, clock: FakeClock
) -> None:
    service, school = started
    lesson = school.lesson_ids[2]
    token = service.login(school.logins["teacher"], PASSWORD, None)["token"]
    _mark(service, token, lesson, school.students[0])
    service.app.peek(lesson, Lesson)  # cached at this version
    other = Service(database_url, clock=clock)  # not started: writes directly
    try:
        teacher = other.authenticate(token, None)
        for n in range(3):
            other.execute(
                teacher,
                "record-mark",
                {
                    "lesson_id": lesson,
                    "student_id": school.students[(1 + n) % len(school.students)],
                    "value": "4",
                    "work_type": "oral",
                },
            )
    finally:
        other.close()
    mark = _mark(service, token, lesson, school.students[-1])
    assert _marks(service, lesson)[-1] == mark
    assert len(_marks(service, lesson)) == 5


def test_a_command_that_keeps_losing_is_refused_not_looped(
    started: tuple[Service, School], monkeypatch: pytest.MonkeyPatch
) -> None:
    """If the cache could not be refreshed the retries would spin: a save that
    always conflicts ends in 409 after the bounded attempts."""
    from ejournal.store import IntegrityError

    service, school = started
    token = service.login(school.logins["teacher"], PASSWORD, None)["token"]

    def conflict(*_: object, **__: object) -> list[object]:
        raise IntegrityError("taken")

    monkeypatch.setattr(service.commands, "save", conflict)
    monkeypatch.setattr("ejournal.commands.executor.pause", lambda attempt: None)
    with pytest.raises(Conflict):
        _mark(service, token, school.lesson_ids[3], school.students[0])
    assert _marks(service, school.lesson_ids[3]) == []


def test_an_absent_document_is_cached_until_its_stream_is_created(
    started: tuple[Service, School], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every command reads the school's settings, which a school may never have
    changed: the absence is cached too, and ends when the settings are made."""
    from ejournal.domain.settings import SETTINGS_ID
    from ejournal.projections.reader import Reader

    service, school = started
    reads: list[list[str]] = []
    real = Reader.doc_blobs

    def counted(self: Reader, ids: list[str]) -> dict[str, bytes]:
        reads.append(list(ids))
        return real(self, ids)

    monkeypatch.setattr(Reader, "doc_blobs", counted)
    for _ in range(3):
        with service.views() as views:
            assert views.doc(SETTINGS_ID) is None
    assert reads == [[SETTINGS_ID]]  # read once, then served as absent
    admin = service.authenticate(
        service.login(school.logins["admin"], PASSWORD, None)["token"], None
    )
    service.execute(admin, "update-school-settings", {"homework_delay_minutes": 45})
    with service.views() as views:
        assert service.rules_for(views).homework_delay_minutes == 45


def test_a_saved_aggregate_is_cached_as_saved(
    started: tuple[Service, School], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The next command on a lesson decides on the lesson its predecessor saved,
    without folding the stream again, and never saves the predecessor's events
    a second time."""
    service, school = started
    token = service.login(school.logins["teacher"], PASSWORD, None)["token"]
    lesson = school.lesson_ids[4]
    written = [_mark(service, token, lesson, school.students[0])]
    folded = _count_folds(service, monkeypatch)
    written += [_mark(service, token, lesson, school.students[n % 3]) for n in range(4)]
    assert lesson not in folded
    assert _marks(service, lesson) == written
    cached = service.app.peek(lesson, Lesson)
    assert list(cached.pending_events) == []
    assert set(cached.marks) == set(written)


def test_commands_saved_in_one_group_commit_each_keep_their_aggregate_cached(
    started: tuple[Service, School], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A group commit saves several commands' events at once; each command's
    lesson, cached as it saved it, stays valid although the commit's last
    position is past it."""
    service, school = started
    token = service.login(school.logins["teacher"], PASSWORD, None)["token"]
    blocker, first, second = school.lesson_ids[2:5]
    writer = service.writer
    gate = threading.Event()
    committing = threading.Event()
    commit = writer._commit

    def gated(batch: Any) -> None:
        committing.set()
        gate.wait(30)
        commit(batch)

    monkeypatch.setattr(writer, "_commit", gated)
    # Given a writer busy with one command while two more queue behind it
    batches = writer.batches
    threads = [
        threading.Thread(target=_mark, args=(service, token, lesson, pupil))
        for lesson, pupil in zip(
            (blocker, first, second), school.students, strict=False
        )
    ]
    threads[0].start()
    deadline = time.monotonic() + 30
    # The blocker taken into its batch: its commit has begun (a queue found
    # empty could also mean the blocker had not reached the writer yet).
    assert committing.wait(30)
    for thread in threads[1:]:
        thread.start()
    while writer._queue.qsize() < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    # When they are saved together
    gate.set()
    for thread in threads:
        thread.join(30)
    assert writer.batches == batches + 2  # the blocker, then the two together
    # Then the next command on either lesson decides without folding it again
    folded = _count_folds(service, monkeypatch)
    for lesson in (first, second):
        _mark(service, token, lesson, school.students[0])
    assert not {first, second} & set(folded)
