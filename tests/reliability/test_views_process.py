"""The views loop in a process of its own (``serve --views process``): servers that
follow it answer with their own writes visible, drop from their caches what other
processes changed, apply the pages themselves when the loop is gone, and the
loop's process never outlives its server."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest

from ejournal.domain.errors import Unauthorized
from ejournal.projections import runner as runner_module
from ejournal.projections.process import ViewsProcess
from ejournal.projections.reader import reader
from ejournal.service import Service
from tests.builders import PASSWORD, FakeClock, School, build_school


class _Refused:
    """Stands in for a follower's projections: a follower must apply nothing."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.pages = 0

    def apply_page(self, cur: Any, page: Any) -> None:
        self.pages += 1
        raise AssertionError(f"the follower applied a page of {self.name}")

    def reset(self, cur: Any) -> None:
        raise AssertionError("the follower reset the views")


@pytest.fixture
def school(database_url: str, clock: FakeClock) -> School:
    service = Service(database_url, clock=clock)
    try:
        return build_school(service)  # written and applied before any loop runs
    finally:
        service.close()


@pytest.fixture
def loop(database_url: str, school: School) -> Iterator[Any]:
    process = ViewsProcess(database_url)
    try:
        yield process
    finally:
        process.stop()


def _follower(url: str, clock: FakeClock, *, shared: bool = False) -> Service:
    service = Service(url, clock=clock, follow=True, shared=shared)
    service.runner.projections = [_Refused(p.name) for p in service.runner.projections]
    service.start()
    return service


def _mark(service: Service, token: str, lesson: str, pupil: str) -> dict[str, Any]:
    return service.execute(
        service.authenticate(token, None),
        "record-mark",
        {"lesson_id": lesson, "student_id": pupil, "value": "5", "work_type": "oral"},
    )


def _marks_in_view(service: Service, lesson: str) -> set[str]:
    with reader(service.app) as views:
        doc = views.doc(lesson)
    assert doc is not None
    return set(doc["marks"])


def test_a_follower_answers_once_the_loops_process_has_applied_its_write(
    database_url: str, clock: FakeClock, school: School, loop: Any
) -> None:
    service = _follower(database_url, clock)
    try:
        token = service.login(school.logins["teacher"], PASSWORD, None)["token"]
        lesson = school.lesson_ids[0]
        for n in range(5):
            out = _mark(service, token, lesson, school.students[n % 3])
            # Read-your-writes: the answer came after the views had the mark.
            assert out["mark_id"] in _marks_in_view(service, lesson)
            assert service.runner.position >= out["position"]
        assert loop.is_alive()
        assert all(p.pages == 0 for p in service.runner.projections)
    finally:
        service.close()


def test_a_follower_drops_what_another_process_changed_from_its_caches(
    database_url: str, clock: FakeClock, school: School, loop: Any
) -> None:
    first = _follower(database_url, clock, shared=True)
    second = _follower(database_url, clock, shared=True)
    try:
        token = first.login(school.logins["teacher"], PASSWORD, None)["token"]
        first.authenticate(token, None)  # cached in the first process
        lesson = school.lesson_ids[1]
        written = [
            _mark((first, second)[n % 2], token, lesson, school.students[n % 3])[
                "mark_id"
            ]
            for n in range(6)
        ]
        assert set(written) <= _marks_in_view(first, lesson)
        second.logout(second.authenticate(token, None))
        with pytest.raises(Unauthorized):
            first.authenticate(token, None)
    finally:
        second.close()
        first.close()


def test_a_follower_applies_the_pages_itself_when_the_loop_is_gone(
    database_url: str,
    clock: FakeClock,
    school: School,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(runner_module, "STANDBY", 0.2)
    service = Service(database_url, clock=clock, follow=True)
    service.start()  # and no loop's process at all
    try:
        token = service.login(school.logins["teacher"], PASSWORD, None)["token"]
        out = _mark(service, token, school.lesson_ids[2], school.students[0])
        assert service.runner.position >= out["position"]
        assert out["mark_id"] in _marks_in_view(service, school.lesson_ids[2])
    finally:
        service.close()


def test_the_loops_process_stops_when_told(database_url: str, school: School) -> None:
    process = ViewsProcess(database_url)
    assert process.ready.wait(120)
    assert process.stop() == 0  # stopped on SIGTERM, not killed


ORPHANING = """
import sys, time
from ejournal.projections.process import ViewsProcess
process = ViewsProcess(sys.argv[1])
process.ready.wait(120)
print(process.pid, flush=True)
time.sleep(600)
"""


def test_the_loops_process_ends_when_its_server_is_killed(
    database_url: str, school: School
) -> None:
    server = subprocess.Popen(  # noqa: S603  (our own interpreter and script)
        [sys.executable, "-c", ORPHANING, database_url],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert server.stdout is not None
    loop_pid = int(server.stdout.readline())
    server.send_signal(signal.SIGKILL)
    server.wait()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and _alive(loop_pid):
        time.sleep(0.2)
    assert not _alive(loop_pid), "the views loop outlived its killed server"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # An orphan that has ended but not been reaped by init is a zombie: gone.
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split()[2] != "Z"
    except FileNotFoundError:
        return False
