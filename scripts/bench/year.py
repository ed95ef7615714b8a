"""Year-scale figures on a generated school year, each beside a raw baseline
measured in the same run:

- generate: events/s writing the year through the domain, in bulk;
- rebuild: every view replayed from the log, events/s, against a raw read and
  decode of the same log (select_notifications pages + the mapper);
- void: preview and execute of an incident for a teacher with ~2,000 events, in
  the log of ``--classes-per-grade`` and in one ``--scale`` times larger: seconds
  and the ratio between the sizes;
- memory: RSS of `ejournal serve` on the year after answering journals, against
  a bare interpreter that imported the same modules.

    .venv/bin/python scripts/bench/year.py [--backend postgres]
        [--classes-per-grade 11] [--scale 3] [--skip-large]

9 classes per grade (~2,500 pupils) make about a million events.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT / "src"))

from _common import call, database, python, served, table

from ejournal import queries
from ejournal.generate import generate
from ejournal.projections.event_index import ts_key
from ejournal.projections.rebuild import rebuild
from ejournal.service import Service


def timed(fn: Any) -> tuple[Any, float]:
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def raw_decode_rate(service: Service) -> tuple[int, float]:
    recorder, mapper = service.app.recorder, service.app.mapper
    start, count = 1, 0
    began = time.perf_counter()
    while True:
        page = recorder.select_notifications(start=start, limit=1000)
        if not page:
            break
        for n in page:
            mapper.to_domain_event(n)
        count += len(page)
        start = page[-1].id + 1
    return count, count / (time.perf_counter() - began)


def pick_teacher(service: Service, target: int = 2000) -> tuple[str, str, int]:
    """A teacher and a moment since which they wrote about ``target`` events."""
    with service.app.db().read() as cur:
        row = cur.execute(
            "SELECT actor_id, COUNT(*) AS n FROM ej_events WHERE kind = 'lesson' "
            "AND actor_id <> ? GROUP BY actor_id ORDER BY n DESC LIMIT 1",
            ("00000000-0000-0000-0000-000000000001",),
        ).fetchone()
        teacher = row["actor_id"]
        stamps = cur.execute(
            "SELECT ts FROM ej_events WHERE actor_id = ? ORDER BY ts DESC",
            (teacher,),
        ).fetchall()
    since = stamps[min(target, len(stamps)) - 1]["ts"]
    count = sum(1 for s in stamps if s["ts"] >= since)
    return teacher, since, count


def void_figures(service: Service) -> dict[str, float]:
    from datetime import datetime

    teacher, since, count = pick_teacher(service)
    admin = service.system_actor()
    moment = datetime.strptime(since, "%Y-%m-%dT%H:%M:%S.%fZ").isoformat() + "+00:00"
    incident = service.execute(
        admin,
        "report-compromise",
        {
            "account_id": teacher,
            "reported_at": service.clock().isoformat(),
            "since": moment,
            "note": "benchmark",
        },
    )["incident_id"]
    preview, t_preview = timed(lambda: queries.incident_preview(
        service, admin, incident, None))
    result, t_execute = timed(
        lambda: service.execute(
            admin, "execute-invalidation", {"incident_id": incident}
        )
    )
    assert ts_key(moment) == since
    return {
        "teacher_events": count,
        "planned": preview["events"],
        "voided": result["voided"],
        "preview_s": t_preview,
        "execute_s": t_execute,
    }


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def login_any(base: str) -> str:
    """A generated teacher's token (the void benchmark blocked one of them)."""
    import urllib.error

    for i in range(1, 20):
        try:
            answer = call(
                base,
                "POST",
                "/api/v1/auth/login",
                {"login": f"t{i:03d}", "password": "generated-school"},
            )
            return str(answer["token"])
        except urllib.error.HTTPError:
            continue
    raise RuntimeError("no generated teacher could log in")


def memory_figures(url: str) -> dict[str, float]:
    bare = subprocess.Popen(
        [
            python(),
            "-c",
            "import ejournal.api.app, ejournal.service, uvicorn, sys; sys.stdin.read()",
        ],
        stdin=subprocess.PIPE,
    )
    time.sleep(3)
    bare_kb = rss_kb(bare.pid)
    bare.communicate(b"")
    with served(url) as (base, proc):
        token = login_any(base)
        courses = call(base, "GET", "/api/v1/me/courses", token=token)["courses"]
        for course in courses[:5]:
            call(
                base,
                "GET",
                f"/api/v1/courses/{course['course_id']}/journal",
                token=token,
            )
        served_kb = rss_kb(proc.pid)
    return {"server_mb": served_kb / 1024, "bare_mb": bare_kb / 1024}


def one_size(backend: str, classes: int, with_memory: bool) -> dict[str, Any]:
    with database(backend) as url:
        service = Service(url)
        try:
            out, t_gen = timed(lambda: generate(service.app, classes_per_grade=classes))
            count, raw_rate = raw_decode_rate(service)
            _, t_rebuild = timed(lambda: rebuild(service.runner, url))
            figures: dict[str, Any] = {
                "backend": backend,
                "events": out.events,
                "pupils": out.pupils,
                "generate ev/s": out.events / t_gen,
                "rebuild ev/s": count / t_rebuild,
                "raw decode ev/s": raw_rate,
            }
            figures.update(void_figures(service))
        finally:
            service.close()
        if with_memory:
            figures.update(memory_figures(url))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backend", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--classes-per-grade", type=int, default=9)
    parser.add_argument("--scale", type=int, default=3)
    parser.add_argument("--skip-large", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("PYTHONHASHSEED", "0")
    small = one_size(args.backend, args.classes_per_grade, with_memory=True)
    rows = [
        {
            "figure": "generate",
            "measured": f"{small['generate ev/s']:.0f} ev/s",
            "baseline": "-",
            "ratio": "-",
        },
        {
            "figure": "rebuild",
            "measured": f"{small['rebuild ev/s']:.0f} ev/s",
            "baseline": f"raw decode {small['raw decode ev/s']:.0f} ev/s",
            "ratio": f"{small['rebuild ev/s'] / small['raw decode ev/s']:.2f}",
        },
        {
            "figure": f"void preview ({small['teacher_events']} teacher events)",
            "measured": f"{small['preview_s']:.3f} s",
            "baseline": "-",
            "ratio": "-",
        },
        {
            "figure": f"void execute ({small['voided']} voided)",
            "measured": f"{small['execute_s']:.3f} s",
            "baseline": "-",
            "ratio": "-",
        },
        {
            "figure": "server RSS",
            "measured": f"{small['server_mb']:.0f} MB",
            "baseline": f"bare imports {small['bare_mb']:.0f} MB",
            "ratio": f"{small['server_mb'] / small['bare_mb']:.2f}",
        },
    ]
    if not args.skip_large:
        large = one_size(args.backend, args.classes_per_grade * args.scale, False)
        rows += [
            {
                "figure": f"void preview, {large['events']}-event log",
                "measured": f"{large['preview_s']:.3f} s",
                "baseline": f"{small['events']}-event log {small['preview_s']:.3f} s",
                "ratio": f"{large['preview_s'] / small['preview_s']:.2f}",
            },
            {
                "figure": f"void execute, {large['events']}-event log",
                "measured": f"{large['execute_s']:.3f} s",
                "baseline": f"{small['events']}-event log {small['execute_s']:.3f} s",
                "ratio": f"{large['execute_s'] / small['execute_s']:.2f}",
            },
        ]
    print(
        f"backend {args.backend}; log of {small['events']} events, "
        f"{small['pupils']} pupils"
    )
    print(table(rows))


if __name__ == "__main__":
    main()
