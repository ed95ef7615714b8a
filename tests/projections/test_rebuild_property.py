"""Property: views kept incrementally equal views rebuilt from the log.

For random command sequences (valid or not), the documents and keys kept by the
catch-up loop, and every journal and diary answer, equal those rebuilt from
scratch, whatever the page size of either; a refused command writes no event;
and the AsOfReader folding the log up to now answers the same.

Every example starts from a fresh school in a fresh database (a new SQLite file,
or a new PostgreSQL schema) so examples are independent and shrink well. Building
the school is cheap because password hashing is replaced by a precomputed hash
(tests/projections/conftest.py).
"""

from __future__ import annotations

import contextlib
import os
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ejournal.projections.runner as runner_module
from ejournal.domain.course import Course
from ejournal.domain.errors import DomainError
from ejournal.domain.lesson import Lesson
from ejournal.domain.school_class import SchoolClass
from ejournal.security import Actor
from ejournal.service import Service
from ejournal.store import DatabaseConfig
from tests.builders import FakeClock, School, actor_for, build_school, max_position
from tests.projections.support import rebuild, table_diff, tables, views

MAX_EXAMPLES = int(os.environ.get("HYPOTHESIS_MAX_EXAMPLES", "25"))
FIRST_DAY = date(2026, 9, 1)
PAGE_SIZES = st.sampled_from([1, 2, 3, 7, 1000])
NAMES = st.sampled_from(
    ["Дмитриев Егор", "Егорова Жанна", "Жуков Илья", "Иванова Ксения"]
)
TEXT = st.sampled_from(["Дроби", "Глава 3", "№ 1-5", "Повторить", "Тест"])
DAY = st.integers(min_value=0, max_value=125)  # 2026-09-01 .. 2027-01-04
INDEX = st.integers(min_value=0, max_value=10_000)


@dataclass
class Pools:
    """Ids known to the test so far (grown by the commands that succeed)."""

    school: School
    lessons: list[str]
    students: list[str]
    classes: list[str]
    courses: list[str]
    groups: list[tuple[str, str]] = field(default_factory=list)  # (class, group)
    teachers: list[str] = field(default_factory=list)
    parents: list[str] = field(default_factory=list)
    actors: dict[str, Actor] = field(default_factory=dict)
    accepted: int = 0
    refused: int = 0
    accepted_kinds: set[str] = field(default_factory=set)


def pick(items: list[Any], i: int) -> Any:
    return items[i % len(items)]


def day(offset: int) -> str:
    return (FIRST_DAY + timedelta(days=offset)).isoformat()


ops = st.one_of(
    st.tuples(st.just("record-mark"), INDEX, INDEX, INDEX,
              st.sampled_from(["1", "2", "3", "4", "5"]),
              st.sampled_from(["oral", "classwork", "homework", "test", "control",
                               "written", "lab", "practical"])),
    st.tuples(st.just("record-attendance"), INDEX, INDEX,
              st.lists(st.tuples(INDEX, st.sampled_from(
                  ["present", "absent", "ill", "excused", "late"])),
                  min_size=1, max_size=3)),
    st.tuples(st.just("set-lesson-topic"), INDEX, INDEX, TEXT),
    st.tuples(st.just("assign-homework"), INDEX, INDEX, TEXT,
              st.one_of(st.none(), st.integers(min_value=-1, max_value=10))),
    st.tuples(st.just("add-comment"), INDEX, INDEX, INDEX, TEXT),
    st.tuples(st.just("record-substitution"), INDEX, INDEX),
    st.tuples(st.just("enroll-student"), INDEX, NAMES, DAY),
    st.tuples(st.just("transfer-student"), INDEX, INDEX, DAY),
    st.tuples(st.just("withdraw-student"), INDEX, DAY),
    st.tuples(st.just("link-guardian"), INDEX, INDEX),
    st.tuples(st.just("create-group"), INDEX, TEXT,
              st.lists(INDEX, min_size=1, max_size=3)),
    st.tuples(st.just("create-course"), INDEX, INDEX, st.booleans(), TEXT),
    st.tuples(st.just("schedule-lessons"), INDEX,
              st.lists(st.tuples(DAY, st.integers(min_value=1, max_value=4)),
                       min_size=1, max_size=3)),
    st.tuples(st.just("tick"), st.integers(min_value=1, max_value=60 * 48)),
    # Groups, plan and timetable changes (and the plan they change).
    st.tuples(st.just("change-group-membership"), INDEX, INDEX,
              st.sampled_from(["join", "leave", "move"]), DAY),
    st.tuples(st.just("add-plan-topics"), INDEX, st.integers(1, 3)),
    st.tuples(st.just("edit-plan-topic"), INDEX, st.integers(1, 4), TEXT),
    st.tuples(st.just("reorder-plan-topics"), INDEX, INDEX),
    st.tuples(st.just("cancel-lesson"), INDEX),
    st.tuples(st.just("move-lesson"), INDEX, DAY,
              st.integers(min_value=1, max_value=4)),
)


def actor(pools: Pools, service: Service, account_id: str) -> Actor:
    if account_id not in pools.actors:
        pools.actors[account_id] = actor_for(service, account_id)
    return pools.actors[account_id]


def lesson_writer(service: Service, pools: Pools, lesson_id: str, who: int) -> Actor:
    """Usually the course's teacher, sometimes the substitute, now and then a
    teacher with no right to write the lesson (the command is then refused)."""
    lesson: Lesson = service.app.get(lesson_id, Lesson)
    course: Course = service.app.get(lesson.course_id, Course)
    choice = who % 10
    if choice < 6 or (choice < 9 and lesson.substitute_id is None):
        account = course.teacher_id
    elif choice < 9:
        account = str(lesson.substitute_id)
    else:
        account = pick(pools.teachers, who // 10)
    return actor(pools, service, account)


def pupil_for(service: Service, pools: Pools, lesson_id: str, si: int) -> str:
    """Usually a pupil of the lesson's class (or group) on its date, sometimes
    any pupil (then the command may be refused)."""
    if si % 5 == 0:
        return str(pick(pools.students, si // 5))
    lesson: Lesson = service.app.get(lesson_id, Lesson)
    course: Course = service.app.get(lesson.course_id, Course)
    klass: SchoolClass = service.app.get(course.class_id, SchoolClass)
    group_id = course.group_id
    members = [
        sid for sid in pools.students
        if klass.is_member(sid, lesson.day)
        and (group_id is None or klass.in_group(group_id, sid, lesson.day))
    ]
    return str(pick(members or pools.students, si))


def command(
    service: Service, pools: Pools, op: tuple[Any, ...]
) -> tuple[Actor, str, dict[str, Any]] | None:
    """The (actor, command, body) an abstract op stands for, from current pools."""
    system = service.system_actor()
    name = op[0]
    if name == "record-mark":
        _, li, who, si, value, work = op
        lesson = pick(pools.lessons, li)
        return lesson_writer(service, pools, lesson, who), name, {
            "lesson_id": lesson, "student_id": pupil_for(service, pools, lesson, si),
            "value": value, "work_type": work,
        }
    if name == "record-attendance":
        _, li, who, entries = op
        lesson = pick(pools.lessons, li)
        pupils = {pupil_for(service, pools, lesson, si): code for si, code in entries}
        if who % 7 == 0:  # now and then a pupil listed twice (refused)
            pupils = {pupil_for(service, pools, lesson, entries[0][0]): entries[0][1]}
            listed = [{"student_id": sid, "code": code} for sid, code in pupils.items()]
            listed *= 2
        else:
            listed = [{"student_id": sid, "code": code} for sid, code in pupils.items()]
        return lesson_writer(service, pools, lesson, who), name, {
            "lesson_id": lesson, "entries": listed,
        }
    if name == "set-lesson-topic":
        _, li, who, text = op
        lesson = pick(pools.lessons, li)
        return lesson_writer(service, pools, lesson, who), name, {
            "lesson_id": lesson, "topic": text,
        }
    if name == "assign-homework":
        _, li, who, text, due = op
        lesson_id = pick(pools.lessons, li)
        body: dict[str, Any] = {"lesson_id": lesson_id, "text": text}
        if due is not None:
            lesson: Lesson = service.app.get(lesson_id, Lesson)
            body["due_on"] = (lesson.day + timedelta(days=due)).isoformat()
        return lesson_writer(service, pools, lesson_id, who), name, body
    if name == "add-comment":
        _, li, who, si, text = op
        lesson = pick(pools.lessons, li)
        return lesson_writer(service, pools, lesson, who), name, {
            "lesson_id": lesson, "student_id": pupil_for(service, pools, lesson, si),
            "text": text,
        }
    if name == "record-substitution":
        _, li, ti = op
        return system, name, {
            "lesson_id": pick(pools.lessons, li),
            "substitute_teacher_id": pick(pools.teachers, ti),
        }
    if name == "enroll-student":
        _, ci, full_name, on = op
        return system, name, {
            "class_id": pick(pools.classes, ci), "full_name": full_name, "on": day(on),
        }
    if name == "transfer-student":
        _, si, ci, on = op
        return system, name, {
            "student_id": pick(pools.students, si),
            "to_class_id": pick(pools.classes, ci), "on": day(on),
        }
    if name == "withdraw-student":
        _, si, on = op
        return system, name, {
            "student_id": pick(pools.students, si), "on": day(on), "reason": "переезд",
        }
    if name == "link-guardian":
        _, si, pi = op
        return system, name, {
            "student_id": pick(pools.students, si),
            "account_id": pick(pools.parents, pi),
        }
    if name == "create-group":
        _, ci, text, sis = op
        return system, name, {
            "class_id": pick(pools.classes, ci), "name": text,
            "student_ids": [pick(pools.students, si) for si in sis],
        }
    if name == "create-course":
        _, ci, ti, grouped, subject = op
        class_id = pick(pools.classes, ci)
        groups = [g for c, g in pools.groups if c == class_id]
        return system, name, {
            "year_id": pools.school.year_id, "class_id": class_id,
            "group_id": pick(groups, ti) if grouped and groups else None,
            "subject": subject, "teacher_id": pick(pools.teachers, ti),
            "hours_per_week": 2,
        }
    if name == "schedule-lessons":
        _, ci, slots = op
        return system, name, {
            "course_id": pick(pools.courses, ci),
            "lessons": [
                {"date": day(d), "slot": s, "starts_at": f"{7 + s:02d}:00",
                 "ends_at": f"{7 + s:02d}:45"}
                for d, s in slots
            ],
        }
    return lesson_change(service, pools, op)


def lesson_change(
    service: Service, pools: Pools, op: tuple[Any, ...]
) -> tuple[Actor, str, dict[str, Any]] | None:
    """Groups', plans' and the timetable's changes, as the system."""
    system = service.system_actor()
    name = op[0]
    if name == "change-group-membership":
        _, gi, si, mode, on = op
        # No group yet: an unknown one (refused).
        class_id, group = (
            pick(pools.groups, gi) if pools.groups else ("", str(uuid.uuid4()))
        )
        others = [g for c, g in pools.groups if c == class_id and g != group]
        klass = service.app.get(class_id, SchoolClass) if class_id else None
        roster = sorted(klass.roster) if klass else []
        body: dict[str, Any] = {
            "student_id": pick(roster or pools.students, si), "on": day(on),
        }
        if mode == "join":
            body["to_group_id"] = group
        elif mode == "leave" or not others:
            body["from_group_id"] = group
        else:
            body.update(from_group_id=group, to_group_id=pick(others, si))
        return system, name, body
    if name == "add-plan-topics":
        _, ci, n = op
        return system, name, {
            "course_id": pick(pools.courses, ci),
            "topics": [{"title": f"Глава {i}", "hours": 1} for i in range(n)],
        }
    if name == "edit-plan-topic":
        _, ci, no, text = op
        return system, name, {
            "course_id": pick(pools.courses, ci), "topic_no": no, "title": text,
        }
    if name == "reorder-plan-topics":
        _, ci, turn = op
        course: Course = service.app.get(pick(pools.courses, ci), Course)
        numbers = [int(t["no"]) for t in course.plan] or [1]
        turn = turn % len(numbers)
        return system, name, {
            "course_id": str(course.id), "order": numbers[turn:] + numbers[:turn],
        }
    if name == "cancel-lesson":
        return system, name, {"lesson_id": pick(pools.lessons, op[1]), "reason": "x"}
    if name == "move-lesson":
        _, li, d, slot = op
        return system, name, {
            "lesson_id": pick(pools.lessons, li), "date": day(d), "slot": slot,
            "starts_at": f"{7 + slot:02d}:00", "ends_at": f"{7 + slot:02d}:45",
        }
    return None


def grow(pools: Pools, name: str, body: dict[str, Any], out: dict[str, Any]) -> None:
    if name == "enroll-student":
        pools.students.append(out["student_id"])
    elif name == "create-group":
        pools.groups.append((body["class_id"], out["group_id"]))
    elif name == "create-course":
        pools.courses.append(out["course_id"])
    elif name == "schedule-lessons":
        pools.lessons.extend(out["lesson_ids"])


def apply_ops(
    service: Service, clock: FakeClock, pools: Pools, sequence: list[tuple[Any, ...]]
) -> None:
    for op in sequence:
        if op[0] == "tick":
            clock.advance(minutes=op[1])
            continue
        planned = command(service, pools, op)
        assert planned is not None
        who, name, body = planned
        before = max_position(service)
        try:
            out = service.execute(who, name, body)
        except DomainError:
            pools.refused += 1
            assert max_position(service) == before, f"refused {name} wrote events"
            continue
        pools.accepted += 1
        pools.accepted_kinds.add(name)
        assert out["position"] is not None and out["position"] > before, name
        assert out["events"], name
        grow(pools, name, body, out)


def check_rebuild_equals_incremental(service: Service) -> None:
    assert service.runner.position == max_position(service)
    incremental = tables(service)
    answers = views(service)
    assert views(service, service.clock(), reader_as_of=True) == answers
    rebuild(service)
    assert service.runner.position == max_position(service)
    rebuilt = tables(service)
    assert rebuilt == incremental, table_diff(incremental, rebuilt)
    assert views(service) == answers


def new_pools(service: Service, school: School) -> Pools:
    return Pools(
        school=school,
        lessons=[*school.lesson_ids, school.future_lesson_id, school.other_lesson_id],
        students=[*school.students, school.other_student],
        classes=[school.class_id, school.other_class_id],
        courses=[school.course_id, school.other_course_id],
        teachers=[school.accounts[n] for n in
                  ("teacher", "substitute", "other_teacher", "class_teacher")],
        parents=[school.accounts["guardian"], school.accounts["other_parent"]],
    )


PROPERTY = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                           HealthCheck.data_too_large],
)
SEQUENCES = st.lists(ops, min_size=3, max_size=25)


@contextlib.contextmanager
def fresh_service(database_url: str, tmp_path: Path) -> Iterator[Service]:
    """A service on a new, empty database of the same backend."""
    clock = FakeClock()
    if database_url.startswith("sqlite"):
        path = tmp_path / f"example-{uuid.uuid4().hex}.sqlite3"
        service = Service(f"sqlite:///{path}", clock=clock)
        try:
            yield service
        finally:
            service.close()
            for leftover in tmp_path.glob(f"{path.name}*"):
                leftover.unlink()
        return
    schema = f"p_{uuid.uuid4().hex[:16]}"
    url = re.sub(r"schema=[a-z0-9_]+", f"schema={schema}", database_url)
    assert url != database_url
    service = Service(url, clock=clock)
    try:
        yield service
    finally:
        service.close()
        conninfo = DatabaseConfig.from_url(url).conninfo
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@dataclass
class Totals:
    examples: int = 0
    accepted: int = 0
    refused: int = 0
    kinds: set[str] = field(default_factory=set)

    def add(self, pools: Pools) -> None:
        self.examples += 1
        self.accepted += pools.accepted
        self.refused += pools.refused
        self.kinds |= pools.accepted_kinds

    def check_not_vacuous(self) -> None:
        """Most generated commands are meant to be accepted: a property that
        only ever saw refusals would prove nothing."""
        assert self.examples > 0
        assert self.accepted > 0, "every generated command was refused"
        if MAX_EXAMPLES >= 25:
            assert len(self.kinds) >= 3, self.kinds


def history(
    service: Service, sequence: list[tuple[Any, ...]], *, lag: bool,
    monkeypatch: pytest.MonkeyPatch,
) -> Pools:
    """A fresh school, then the sequence. With ``lag`` the views are not caught
    up after each command (as with the runner thread, whose pages then hold the
    events of several commands); they are caught up at the end."""
    assert isinstance(service.clock, FakeClock)
    school = build_school(service)
    pools = new_pools(service, school)
    with monkeypatch.context() as patch:
        if lag:
            patch.setattr(service, "await_position", lambda position: None)
        apply_ops(service, service.clock, pools, sequence)
    service.runner.catch_up()
    return pools


def test_incremental_views_equal_rebuilt_views(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    totals = Totals()

    @PROPERTY
    @given(sequence=SEQUENCES, lag=st.booleans(), incremental_page=PAGE_SIZES,
           rebuild_page=PAGE_SIZES)
    def prop(
        sequence: list[tuple[Any, ...]], lag: bool, incremental_page: int,
        rebuild_page: int,
    ) -> None:
        with fresh_service(database_url, tmp_path) as service:
            monkeypatch.setattr(runner_module, "PAGE_SIZE", incremental_page)
            pools = history(service, sequence, lag=lag, monkeypatch=monkeypatch)
            monkeypatch.setattr(runner_module, "PAGE_SIZE", rebuild_page)
            check_rebuild_equals_incremental(service)
            totals.add(pools)

    prop()
    totals.check_not_vacuous()
