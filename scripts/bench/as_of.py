"""``as_of`` cost: a course's journal for a whole year (~3,000 events in one course)
answered as it stood at random moments, against the current journal as baseline.

    .venv/bin/python scripts/bench/as_of.py [--backend both] [--samples 200]
        [--pupils 25] [--marks 14]

Builds the year through Service.execute (the path HTTP takes, with a clock moved
to each lesson's day), then times ``Service.course_journal`` with ``as_of`` at
random moments of the year and without it. Prints p50/p99 in ms and the ratio;
writes nothing into the repo.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT / "src"))

from _common import database, percentile, table

from ejournal import queries
from ejournal.service import Service

PERIODS = [
    ("I", date(2026, 9, 1), date(2026, 10, 24)),
    ("II", date(2026, 11, 5), date(2026, 12, 27)),
    ("III", date(2027, 1, 12), date(2027, 3, 20)),
    ("IV", date(2027, 3, 30), date(2027, 5, 31)),
]
CODES = ["absent", "ill", "late", "excused"]
WORK = ["oral", "classwork", "homework", "test", "written"]


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def school_days() -> list[date]:
    days = []
    for _, start, end in PERIODS:
        day = start
        while day <= end:
            if day.weekday() < 5:
                days.append(day)
            day += timedelta(days=1)
    return days


def build_year(service: Service, clock: Clock, pupils: int, marks: int) -> str:
    """One class, one course taught daily for the year: topics, homework,
    attendance and ``marks`` marks per lesson. Returns the course id."""
    rng = random.Random(7)
    system = service.system_actor()

    def run(actor: Any, name: str, body: dict[str, Any]) -> dict[str, Any]:
        return service.execute(actor, name, body)

    teacher_id = run(
        system,
        "create-account",
        {
            "login": "bench.teacher",
            "password": "bench-password-9",
            "full_name": "Bench Teacher",
            "roles": ["teacher"],
        },
    )["account_id"]
    year = run(
        system,
        "open-academic-year",
        {
            "name": "2026/2027",
            "starts_on": "2026-09-01",
            "ends_on": "2027-05-31",
            "periods": [
                {"name": n, "starts_on": s.isoformat(), "ends_on": e.isoformat()}
                for n, s, e in PERIODS
            ],
            "holidays": [],
        },
    )
    class_id = run(
        system,
        "create-class",
        {
            "year_id": year["year_id"],
            "name": "7А",
            "grade": 7,
        },
    )["class_id"]
    students = [
        run(
            system,
            "enroll-student",
            {
                "class_id": class_id,
                "full_name": f"Ученик {i:02d}",
                "on": "2026-09-01",
            },
        )["student_id"]
        for i in range(pupils)
    ]
    course_id = run(
        system,
        "create-course",
        {
            "year_id": year["year_id"],
            "class_id": class_id,
            "subject": "Алгебра",
            "teacher_id": teacher_id,
            "hours_per_week": 5,
        },
    )["course_id"]
    days = school_days()
    lesson_ids: list[str] = []
    for chunk in range(0, len(days), 200):
        lesson_ids += run(
            system,
            "schedule-lessons",
            {
                "course_id": course_id,
                "lessons": [
                    {
                        "date": d.isoformat(),
                        "slot": 3,
                        "starts_at": "10:00",
                        "ends_at": "10:45",
                    }
                    for d in days[chunk : chunk + 200]
                ],
            },
        )["lesson_ids"]
    from ejournal.security import Actor

    teacher = Actor(
        teacher_id,
        "bench.teacher",
        "Bench Teacher",
        frozenset({"teacher"}),
        "bench-session",
        "127.0.0.1",
    )
    for day, lesson_id in zip(days, lesson_ids, strict=True):
        clock.now = datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=9)
        run(
            teacher,
            "set-lesson-topic",
            {"lesson_id": lesson_id, "topic": f"Тема {day}"},
        )
        clock.now += timedelta(minutes=1)
        run(teacher, "assign-homework", {"lesson_id": lesson_id, "text": "№ 1–5"})
        run(
            teacher,
            "record-attendance",
            {
                "lesson_id": lesson_id,
                "entries": [
                    {"student_id": s, "code": rng.choice(CODES)}
                    for s in rng.sample(students, 2)
                ],
            },
        )
        for student in rng.sample(students, min(marks, len(students))):
            clock.now += timedelta(seconds=20)
            run(
                teacher,
                "record-mark",
                {
                    "lesson_id": lesson_id,
                    "student_id": student,
                    "value": rng.choice("2345"),
                    "work_type": rng.choice(WORK),
                },
            )
    return str(course_id)


def timed(call: Any) -> float:
    start = time.perf_counter()
    call()
    return (time.perf_counter() - start) * 1000


def measure(backend: str, samples: int, pupils: int, marks: int) -> dict[str, Any]:
    with database(backend) as url:
        clock = Clock(datetime(2026, 9, 1, 6, tzinfo=UTC))
        service = Service(url, clock=clock)
        try:
            started = time.perf_counter()
            course_id = build_year(service, clock, pupils, marks)
            built = time.perf_counter() - started
            events = int(service.app.recorder.max_notification_id() or 0)
            first = datetime(2026, 9, 1, 6, tzinfo=UTC)
            span = (clock.now - first).total_seconds()
            rng = random.Random(11)
            admin = service.system_actor()
            moments = [
                first + timedelta(seconds=rng.uniform(0, span)) for _ in range(samples)
            ]
            # As the server answers: started (views loop, caches, start-up objects
            # frozen out of the collector's full passes).
            service.start()
            queries.course_journal(service, admin, course_id, None, None)
            current = [
                timed(lambda: queries.course_journal(
                    service, admin, course_id, None, None))
                for _ in range(samples)
            ]
            as_of = [
                timed(lambda m=m: queries.course_journal(
                    service, admin, course_id, None, m))
                for m in moments
            ]
        finally:
            service.close()
    p50, p99 = percentile(as_of, 50), percentile(as_of, 99)
    b50, b99 = percentile(current, 50), percentile(current, 99)
    return {
        "backend": backend,
        "events": events,
        "build s": f"{built:.1f}",
        "as_of p50 ms": f"{p50:.1f}",
        "as_of p99 ms": f"{p99:.1f}",
        "current p50 ms": f"{b50:.1f}",
        "current p99 ms": f"{b99:.1f}",
        "ratio p50": f"{p50 / b50:.1f}x",
        "ratio p99": f"{p99 / b99:.1f}x",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--backend", choices=["sqlite", "postgres", "both"], default="both"
    )
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--pupils", type=int, default=25)
    parser.add_argument("--marks", type=int, default=14, help="marks per lesson")
    args = parser.parse_args()
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    rows = [measure(b, args.samples, args.pupils, args.marks) for b in backends]
    print(table(rows))


if __name__ == "__main__":
    main()
