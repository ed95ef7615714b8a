"""``as_of`` without folding what did not change: a stream none of whose events is
later than the moment is answered with its current document, and the others are
folded only up to their last version at or before the moment.

Every answer is compared with the slow, obviously right one: each stream's whole
log read through the library, kept where recorded at or before the moment, and
folded (what the AsOfReader did for every stream before the shortcut).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

import ejournal.projections.reader as reader_module
from ejournal.domain.errors import DomainError
from ejournal.projections import journal
from ejournal.projections.documents import create_tables
from ejournal.projections.reader import AsOfReader, Reader, moment_key
from ejournal.projections.streams import Doc, fold_doc
from ejournal.service import Service
from ejournal.store import SchoolApp
from tests.builders import FakeClock, School, max_position, run, void
from tests.projections.support import YEAR_FROM, YEAR_TO, rebuild, table_diff, tables

# -- the oracle and the comparison --


class FoldReader(Reader):
    """as_of the slow way: every stream folded from its whole log."""

    def __init__(self, cur: Any, app: SchoolApp, moment: datetime) -> None:
        super().__init__(cur)
        self.app = app
        self.moment = moment

    def child_ids(
        self,
        kind: str,
        parent_ids: Iterable[str],
        lo: str | None = None,
        hi: str | None = None,
    ) -> list[str]:
        """Listed as the AsOfReader lists them (where the documents as of the
        moment place them: a moved or cancelled lesson), from these documents."""
        return reader_module.placed_child_ids(self, kind, list(parent_ids), lo, hi)

    def docs(self, stream_ids: Iterable[str]) -> dict[str, Doc]:
        out: dict[str, Doc] = {}
        for sid in dict.fromkeys(stream_ids):
            events = [e for e in self.app.stream(sid) if e.timestamp <= self.moment]
            doc = fold_doc(events)
            if doc is not None:
                out[sid] = doc
        return out


def all_stream_ids(service: Service) -> list[str]:
    with service.app.db().read() as cur:
        rows = cur.execute("SELECT stream_id FROM ej_docs ORDER BY stream_id")
        return [str(r["stream_id"]) for r in rows.fetchall()]


def snapshot(service: Service, r: Reader) -> dict[str, Any]:
    """Every stream's document, and every journal and diary, through a reader (a
    refusal, such as a course whose class was void at the moment, is an answer)."""
    ids = all_stream_ids(service)
    docs = r.docs(ids)
    out: dict[str, Any] = {"docs": docs}
    rules = service.rules_for(r)

    def outcome(fn: Callable[..., Any], *args: Any) -> Any:
        try:
            return ("ok", fn(r, *args, rules))
        except DomainError as exc:
            return ("refused", type(exc).__name__, exc.detail)

    def diary(r: Reader, sid: str, rules: Any) -> Any:
        return journal.diary(r, sid, rules, YEAR_FROM, YEAR_TO)

    for sid, doc in sorted(docs.items()):
        if doc["kind"] == "course":
            out[f"course:{sid}"] = outcome(journal.course_journal, sid)
        elif doc["kind"] == "class":
            out[f"class:{sid}"] = outcome(journal.class_journal, sid)
        elif doc["kind"] == "student":
            out[f"diary:{sid}"] = outcome(diary, sid)
    return out


def fast(service: Service, moment: datetime) -> dict[str, Any]:
    with service.app.db().read() as cur:
        return snapshot(service, AsOfReader(cur, service.app, moment))


def slow(service: Service, moment: datetime) -> dict[str, Any]:
    with service.app.db().read() as cur:
        return snapshot(service, FoldReader(cur, service.app, moment))


def differences(a: dict[str, Any], b: dict[str, Any]) -> list[Any]:
    out: list[Any] = []
    for key in sorted(set(a) | set(b)):
        if key == "docs":
            da, db = a["docs"], b["docs"]
            out += [
                ("doc", sid, da.get(sid), db.get(sid))
                for sid in sorted(set(da) | set(db))
                if da.get(sid) != db.get(sid)
            ]
        elif a.get(key) != b.get(key):
            out.append((key, a.get(key), b.get(key)))
    return out[:3]


def timestamps(service: Service) -> list[datetime]:
    """Every distinct event timestamp of the log, in order."""
    start, found = 1, set()
    while page := service.app.recorder.select_notifications(start=start, limit=500):
        to_event = service.app.mapper.to_domain_event
        found |= {to_event(n).timestamp for n in page}  # type: ignore[attr-defined]
        start = page[-1].id + 1
    return sorted(found)


def probes(service: Service) -> list[datetime]:
    """Each event timestamp exactly and a microsecond before, and moments before
    and after the whole log."""
    stamps = timestamps(service)
    moments = {stamps[0] - timedelta(days=1), stamps[-1] + timedelta(days=1)}
    for t in stamps:
        moments |= {t, t - timedelta(microseconds=1)}
    return sorted(moments)


def assert_fast_equals_slow(service: Service, moments: Iterable[datetime]) -> int:
    checked = 0
    for moment in moments:
        got, expected = fast(service, moment), slow(service, moment)
        assert got == expected, (moment, differences(got, expected))
        checked += 1
    return checked


@contextmanager
def counting_folds(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """How many streams the AsOfReader folds (instead of using the document)."""
    folds: list[int] = [0]

    def counted(events: Iterable[Any]) -> Doc | None:
        folds[0] += 1
        return fold_doc(events)

    with monkeypatch.context() as patch:
        patch.setattr(reader_module, "fold_doc", counted)
        yield folds


def last_ts(service: Service, stream_id: str) -> str | None:
    with service.app.db().read() as cur:
        row = cur.execute(
            "SELECT last_ts FROM ej_docs WHERE stream_id = ?", (stream_id,)
        ).fetchone()
    return None if row is None else row["last_ts"]


# -- a history with everything the shortcut must get right --


def correct(service: Service, school: School, mark_id: str, value: str) -> None:
    """A correction past the entry window: requested by the teacher, approved by the
    director (the approval corrects the mark on its lesson's stream)."""
    teacher = school.actor(service, "teacher")
    request_id = run(
        service,
        teacher,
        "request-correction",
        {
            "mark_id": mark_id,
            "value": value,
            "reason": "a slip",
        },
    )["request_id"]
    run(
        service,
        school.actor(service, "director"),
        "approve-correction",
        {
            "request_id": request_id,
        },
    )


def eventful_history(
    service: Service, school: School, clock: FakeClock
) -> dict[str, Any]:
    """Marks, later corrections, voids made later than the events they void, a void
    of a void, a voided creation rescheduled on its derived id, and streams created
    late. Returns what was made, and the moment of each step."""
    teacher = school.actor(service, "teacher")
    system = service.system_actor()
    l0, l1, l2, l3 = school.lesson_ids[:4]
    p0, p1, p2 = school.students
    made: dict[str, Any] = {"steps": {}}

    def step(name: str) -> None:
        made["steps"][name] = clock()
        clock.advance(minutes=5)

    def mark(lesson: str, pupil: str, value: str) -> dict[str, Any]:
        return run(
            service,
            teacher,
            "record-mark",
            {
                "lesson_id": lesson,
                "student_id": pupil,
                "value": value,
                "work_type": "oral",
            },
        )

    clock.advance(minutes=5)
    m0 = mark(l0, p0, "4")
    m1 = mark(l1, p1, "3")
    mark(l2, p2, "5")
    run(
        service,
        teacher,
        "record-attendance",
        {
            "lesson_id": l3,
            "entries": [{"student_id": p0, "code": "absent"}],
        },
    )
    step("marks")
    clock.advance(hours=1)
    # A later correction of l0's mark (the lesson then has an event after "marks").
    correct(service, school, m0["mark_id"], "5")
    step("correction")
    # A void made later than the mark it voids; then a void of that void.
    clock.advance(hours=1)
    void_m1 = void(service, l1, [m1["events"][0]["version"]])
    step("void")
    clock.advance(hours=1)
    void(service, l1, [void_m1])
    step("void of void")
    # A lesson scheduled now, its creation voided, then scheduled again on the same
    # derived id.
    body = {
        "course_id": school.course_id,
        "lessons": [
            {"date": "2026-11-17", "slot": 7, "starts_at": "14:00", "ends_at": "14:45"},
        ],
    }
    late = run(service, system, "schedule-lessons", body)["lesson_ids"][0]
    mark(late, p0, "2")
    step("late lesson")
    clock.advance(hours=1)
    creation_void = void(service, late, [1])
    step("late lesson voided")
    clock.advance(hours=1)
    assert run(service, system, "schedule-lessons", body)["lesson_ids"] == [late]
    mark(late, p1, "3")
    step("late lesson again")
    # A course created late, with a lesson and a mark.
    clock.advance(days=1)
    course = run(
        service,
        system,
        "create-course",
        {
            "year_id": school.year_id,
            "class_id": school.class_id,
            "subject": "Физика",
            "teacher_id": school.accounts["teacher"],
            "hours_per_week": 2,
        },
    )["course_id"]
    new_lesson = run(
        service,
        system,
        "schedule-lessons",
        {
            "course_id": course,
            "lessons": [
                {
                    "date": "2026-11-18",
                    "slot": 8,
                    "starts_at": "15:00",
                    "ends_at": "15:45",
                },
            ],
        },
    )["lesson_ids"][0]
    mark(new_lesson, p2, "4")
    step("late course")
    clock.advance(hours=1)
    void(service, late, [creation_void])  # both creations of `late` live again
    step("creation void voided")
    made.update(l0=l0, l1=l1, late=late, course=course, new_lesson=new_lesson)
    return made


# -- the tests --


def test_as_of_equals_a_fold_from_scratch_at_every_moment(
    service: Service,
    school: School,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given a history with later corrections, voids, a void of a void, a voided
    # creation on a derived id, and streams created late
    made = eventful_history(service, school, clock)
    moments = probes(service)
    assert len(moments) >= 20
    # When the journals, diaries and documents are read as of each event's moment,
    # a microsecond before it, and before and after everything
    # Then each answer equals the fold from scratch
    with counting_folds(monkeypatch) as folds:
        assert assert_fast_equals_slow(service, moments) == len(moments)
    # and the shortcut was taken: far fewer folds than streams read
    assert 0 < folds[0] < len(moments) * len(all_stream_ids(service)) // 4

    # The answers do differ between the steps: the comparison is not vacuous.
    steps = made["steps"]
    l0, l1 = made["l0"], made["l1"]

    def mark_values(at: datetime, lesson: str) -> list[str]:
        doc = fast(service, at)["docs"].get(lesson)
        return (
            []
            if doc is None
            else sorted(str(m["value"]) for m in doc["marks"].values())
        )

    assert mark_values(steps["marks"], l0) == ["4"]
    assert mark_values(steps["correction"], l0) == ["5"]
    assert mark_values(steps["marks"], l1) == ["3"]
    assert mark_values(steps["void"], l1) == []
    assert mark_values(steps["void of void"], l1) == ["3"]
    assert made["late"] not in fast(service, steps["void of void"])["docs"]
    assert mark_values(steps["late lesson"], made["late"]) == ["2"]
    assert made["late"] not in fast(service, steps["late lesson voided"])["docs"]
    assert mark_values(steps["late lesson again"], made["late"]) == ["3"]
    assert mark_values(steps["creation void voided"], made["late"]) == ["2", "3"]
    assert made["course"] not in fast(service, steps["late lesson again"])["docs"]
    assert made["course"] in fast(service, steps["late course"])["docs"]


def test_a_stream_is_folded_only_when_it_has_events_after_the_moment(
    service: Service,
    school: School,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given a mark, and a correction of it an hour later
    teacher = school.actor(service, "teacher")
    lesson = school.lesson_ids[0]
    clock.advance(minutes=1)
    out = run(
        service,
        teacher,
        "record-mark",
        {
            "lesson_id": lesson,
            "student_id": school.students[0],
            "value": "4",
            "work_type": "oral",
        },
    )
    marked = clock()
    clock.advance(hours=1)
    correct(service, school, out["mark_id"], "5")
    corrected = clock()
    assert last_ts(service, lesson) == moment_key(corrected)
    with counting_folds(monkeypatch) as folds:
        # When read as of the correction's very moment
        with service.app.db().read() as cur:
            r = AsOfReader(cur, service.app, corrected)
            doc = r.doc(lesson)
        # Then the current document is the answer, with nothing folded
        assert folds[0] == 0
        assert doc is not None and doc["marks"][out["mark_id"]]["value"] == "5"
        # When read a microsecond before it
        with service.app.db().read() as cur:
            r = AsOfReader(cur, service.app, corrected - timedelta(microseconds=1))
            doc = r.doc(lesson)
        # Then that lesson is folded, up to the mark
        assert folds[0] == 1
        assert doc is not None and doc["marks"][out["mark_id"]]["value"] == "4"
    assert_fast_equals_slow(
        service, [marked - timedelta(microseconds=1), marked, corrected]
    )


def test_events_the_views_have_not_applied_yet_are_folded(
    service: Service, school: School, clock: FakeClock
) -> None:
    # Given a mark, then a void of it appended but not yet applied to the views
    teacher = school.actor(service, "teacher")
    lesson = school.lesson_ids[0]
    out = run(
        service,
        teacher,
        "record-mark",
        {
            "lesson_id": lesson,
            "student_id": school.students[0],
            "value": "4",
            "work_type": "oral",
        },
    )
    clock.advance(minutes=10)
    void(service, lesson, [out["events"][0]["version"]], catch_up=False)
    assert service.runner.position < max_position(service)
    with service.app.db().read() as cur:
        assert out["mark_id"] in Reader(cur).doc(lesson)["marks"]  # type: ignore[index]
    # When read as of now, a moment later than the document's last_ts
    # Then the void is seen, as the log has it
    now = clock()
    assert_fast_equals_slow(service, [now, now - timedelta(minutes=5)])
    assert fast(service, now)["docs"][lesson]["marks"] == {}


def test_a_store_without_last_ts_still_answers_as_of(
    service: Service,
    school: School,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given an old store: ej_docs without the last_ts column
    made = eventful_history(service, school, clock)
    with service.app.db().write() as cur:
        cur.execute("ALTER TABLE ej_docs DROP COLUMN last_ts")
    # When the store is opened again (the column comes back, empty)
    create_tables(service.app.db())
    create_tables(service.app.db())  # and again: nothing to add
    ids = all_stream_ids(service)
    assert {last_ts(service, sid) for sid in ids} == {None}
    # Then as_of answers as the fold from scratch, folding every stream
    moments = probes(service)[::3]
    with counting_folds(monkeypatch) as folds:
        assert_fast_equals_slow(service, moments)
    assert folds[0] >= len(ids)
    # When more events come: a stream whose last_ts is unknown stays unknown until a
    # void refolds it, and new streams get theirs
    teacher = school.actor(service, "teacher")
    clock.advance(hours=1)
    out = run(
        service,
        teacher,
        "record-mark",
        {
            "lesson_id": made["l0"],
            "student_id": school.students[1],
            "value": "2",
            "work_type": "oral",
        },
    )
    assert last_ts(service, made["l0"]) is None
    clock.advance(hours=1)
    void(service, made["l0"], [out["events"][0]["version"]])
    assert last_ts(service, made["l0"]) == moment_key(clock())
    # Then as_of still equals the fold, at every moment
    assert_fast_equals_slow(service, probes(service))
    # And a rebuild fills in every last_ts, with the same documents
    before = tables(service)
    rebuild(service)
    assert tables(service) == before, table_diff(before, tables(service))
    assert None not in {last_ts(service, sid) for sid in all_stream_ids(service)}
    assert_fast_equals_slow(service, probes(service)[::2])


def test_moments_outside_the_calendar_and_in_other_zones(
    service: Service, school: School, clock: FakeClock
) -> None:
    # Given a school with a mark
    teacher = school.actor(service, "teacher")
    run(
        service,
        teacher,
        "record-mark",
        {
            "lesson_id": school.lesson_ids[0],
            "student_id": school.students[0],
            "value": "4",
            "work_type": "oral",
        },
    )
    from zoneinfo import ZoneInfo

    far = [
        datetime(5, 1, 1, tzinfo=UTC),  # strftime would not pad the year
        datetime(999, 12, 31, 23, 59, tzinfo=UTC),
        datetime(1, 1, 1, 1, tzinfo=ZoneInfo("Asia/Tokyo")),  # before year 1 in UTC
        datetime(9999, 12, 31, 23, tzinfo=UTC),
        datetime(9999, 12, 31, 20, tzinfo=ZoneInfo("America/New_York")),
        clock().astimezone(ZoneInfo("Asia/Vladivostok")),
    ]
    # When read as of each; Then the answers equal the fold from scratch
    assert_fast_equals_slow(service, far)
    assert fast(service, far[0])["docs"] == {}
    assert fast(service, far[3]) == fast(service, clock())
    # And a moment without a zone is refused
    with service.app.db().read() as cur, pytest.raises(TypeError):
        AsOfReader(cur, service.app, datetime(2026, 11, 23))


def test_a_clock_stepped_back_within_a_stream(
    service: Service, school: School, clock: FakeClock
) -> None:
    # Given a mark, then (the server's clock stepped back) a later version of the
    # same stream with an earlier timestamp
    teacher = school.actor(service, "teacher")
    lesson = school.lesson_ids[0]
    start = clock()
    clock.advance(hours=2)
    first = run(
        service,
        teacher,
        "record-mark",
        {
            "lesson_id": lesson,
            "student_id": school.students[0],
            "value": "4",
            "work_type": "oral",
        },
    )
    clock.set(start + timedelta(hours=1))
    second = run(
        service,
        teacher,
        "record-mark",
        {
            "lesson_id": lesson,
            "student_id": school.students[1],
            "value": "3",
            "work_type": "oral",
        },
    )
    assert first["events"][0]["version"] < second["events"][0]["version"]
    assert last_ts(service, lesson) == moment_key(start + timedelta(hours=2))
    # and a void of the second, still before the first's timestamp
    clock.advance(minutes=1)
    void(service, lesson, [second["events"][0]["version"]])
    assert last_ts(service, lesson) == moment_key(start + timedelta(hours=2))
    # When read between the void and the first mark
    between = start + timedelta(hours=1, minutes=30)
    # Then only the events recorded before the moment count, as in the fold
    assert_fast_equals_slow(service, [*probes(service), between])
    assert fast(service, between)["docs"][lesson]["marks"] == {}
    before_void = start + timedelta(hours=1, seconds=30)
    assert set(fast(service, before_void)["docs"][lesson]["marks"]) == {
        second["mark_id"]
    }
