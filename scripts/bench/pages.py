"""The course journal page against the JSON journal it is made from, same run.

    .venv/bin/python scripts/bench/pages.py [--backend sqlite|postgres] [--rounds N]

Builds one course of 30 pupils and 150 lessons (a lesson each school day from
1 September, marks in about a third of the cells, some absences), serves the app
with uvicorn on a free port and reads, alternately over one keep-alive
connection each, ``GET /health`` (the HTTP floor), the JSON journal
(``/api/v1/courses/{id}/journal``, the raw baseline) and the page
(``/courses/{id}/journal?period_id=all``: the whole year's grid, server-side
rendered). Prints p50/p99 of each and the page's ratio to the JSON read. Then
saves one cell through the page's htmx endpoint and counts what it wrote: one
command, one event.
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import statistics
import sys
import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import uvicorn

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import database, free_port

from ejournal.api.app import create_app
from ejournal.service import Service
from ejournal.web.session import csrf_for

PUPILS = 30
LESSONS = 150
PASSWORD = "bench-password-1"  # noqa: S105  (a throwaway database)
NOW = datetime(2027, 4, 20, 9, 0, tzinfo=UTC)  # after the 150th lesson


def school_days(start: date, n: int) -> list[date]:
    days, day = [], start
    while len(days) < n:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


def build(service: Service) -> dict[str, Any]:
    system = service.system_actor()

    def run(name: str, body: dict[str, Any]) -> dict[str, Any]:
        return service.execute(system, name, body)

    teacher = run(
        "create-account",
        {
            "login": "bench.teacher",
            "password": PASSWORD,
            "full_name": "Учитель Бенчмарка",
            "roles": ["teacher"],
        },
    )["account_id"]
    year = run(
        "open-academic-year",
        {
            "name": "2026/2027",
            "starts_on": "2026-09-01",
            "ends_on": "2027-05-31",
            "periods": [
                {"name": "I", "starts_on": "2026-09-01", "ends_on": "2026-12-27"},
                {"name": "II", "starts_on": "2027-01-09", "ends_on": "2027-05-31"},
            ],
            "holidays": [],
        },
    )["year_id"]
    klass = run("create-class", {"year_id": year, "name": "7А", "grade": 7})["class_id"]
    pupils = [
        run(
            "enroll-student",
            {"class_id": klass, "full_name": f"Ученик {i:02d}", "on": "2026-09-01"},
        )["student_id"]
        for i in range(PUPILS)
    ]
    course = run(
        "create-course",
        {
            "year_id": year,
            "class_id": klass,
            "subject": "Математика",
            "teacher_id": teacher,
            "hours_per_week": 5,
        },
    )["course_id"]
    days = school_days(date(2026, 9, 1), LESSONS)
    lessons = run(
        "schedule-lessons",
        {
            "course_id": course,
            "lessons": [
                {
                    "date": d.isoformat(),
                    "slot": 2,
                    "starts_at": "09:25",
                    "ends_at": "10:10",
                }
                for d in days
            ],
        },
    )["lesson_ids"]
    rng = random.Random(7)
    login = service.login("bench.teacher", PASSWORD, None)
    actor = service.authenticate(login["token"], None)
    for lesson in lessons:
        for pupil in rng.sample(pupils, 10):
            service.execute(
                actor,
                "record-mark",
                {
                    "lesson_id": lesson,
                    "student_id": pupil,
                    "value": rng.choice("2345"),
                    "work_type": rng.choice(["oral", "classwork", "test"]),
                },
            )
        service.execute(
            actor,
            "record-attendance",
            {
                "lesson_id": lesson,
                "entries": [{"student_id": p, "code": "absent"} for p in pupils[:2]],
            },
        )
    return {"course": course, "lessons": lessons, "pupils": pupils}


def timed(
    conn: http.client.HTTPConnection, path: str, headers: dict[str, str]
) -> float:
    start = time.perf_counter()
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    body = response.read()
    elapsed = time.perf_counter() - start
    if response.status != 200:
        raise SystemExit(f"{path}: {response.status} {body[:300]!r}")
    return elapsed


def pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    with database(args.backend) as url:
        service = Service(url, clock=lambda: NOW)
        service.start()
        started = time.perf_counter()
        ids = build(service)
        print(
            f"built {PUPILS} pupils x {LESSONS} lessons in "
            f"{time.perf_counter() - started:.1f} s ({args.backend})"
        )
        port = free_port()
        server = uvicorn.Server(
            uvicorn.Config(
                create_app(lambda: service, start_runner=False),
                host="127.0.0.1",
                port=port,
                log_level="warning",
            )
        )
        threading.Thread(target=server.run, daemon=True).start()
        while not server.started:
            time.sleep(0.05)
        token = service.login("bench.teacher", PASSWORD, None)["token"]
        course = ids["course"]
        routes = {
            "GET /health (floor)": ("/api/v1/health", {}),
            "JSON journal (baseline)": (
                f"/api/v1/courses/{course}/journal",
                {"Authorization": f"Bearer {token}"},
            ),
            "journal page (grid)": (
                f"/courses/{course}/journal?period_id=all",
                {"Cookie": f"ej_session={token}"},
            ),
        }
        conns = {name: http.client.HTTPConnection("127.0.0.1", port) for name in routes}
        samples: dict[str, list[float]] = {name: [] for name in routes}
        for name, (path, headers) in routes.items():  # warm-up
            for _ in range(5):
                timed(conns[name], path, headers)
        for _ in range(args.rounds):
            for name, (path, headers) in routes.items():
                samples[name].append(timed(conns[name], path, headers))
        base = statistics.median(samples["JSON journal (baseline)"])
        print(f"{'route':28} {'p50 ms':>8} {'p99 ms':>8} {'p50 / JSON':>11}")
        for name, values in samples.items():
            print(
                f"{name:28} {pct(values, 0.5):8.1f} {pct(values, 0.99):8.1f} "
                f"{statistics.median(values) / base:11.2f}"
            )
        # One cell saved through the page: how much it wrote.
        conn = http.client.HTTPConnection("127.0.0.1", port)

        def position() -> int:
            conn.request("GET", "/api/v1/health")
            return int(json.loads(conn.getresponse().read())["position"])

        before = position()
        lesson, pupil = ids["lessons"][-1], ids["pupils"][-1]
        conn.request(
            "POST",
            f"/lessons/{lesson}/cells/{pupil}/mark",
            body="value=5&work_type=oral",
            headers={
                "Cookie": f"ej_session={token}",
                "X-CSRF-Token": csrf_for(token),
                "HX-Request": "true",
                "Content-Type": "application/x-www-form-urlencoded",
            },
        )
        saved = conn.getresponse()
        saved.read()
        service.runner.catch_up()
        print(
            f"one cell saved: HTTP {saved.status}, events written: "
            f"{position() - before} (one record-mark)"
        )
        server.should_exit = True
        service.close()


if __name__ == "__main__":
    main()
