"""The year-end archive of one class on a generated school year, beside the JSON
reads it is made from, measured in the same run:

- JSON reads: ``queries.summary`` for the class and ``queries.course_journal``
  for each of its courses, warm (run once, then the best of ``--repeat``);
- archive: ``documents.archive_pdf`` for the class, warm in this process (the
  same way) and cold in a fresh one;
- peak RSS: VmHWM of a fresh process that made the archive, read from
  /proc/self/status at its end, beside a fresh process that only did the JSON
  reads.

The class is the one with the most courses (then the most pupils); every read is
``as_of`` one moment, as ``ejournal export archive`` makes them.

    python scripts/bench/archive.py [--backend postgres] [--classes-per-grade 9]
        [--database-url URL] [--profile]

9 classes per grade make about a million events. ``--database-url`` reuses a
database ``ejournal generate`` already filled (nothing is generated).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT / "src"))

from _common import database, python, table

from ejournal import queries
from ejournal.service import Service

TARGET_RATIO = 3.0
TARGET_RSS_MB = 300.0


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def best_of(fn: Callable[[], Any], repeat: int) -> float:
    fn()  # warm
    return min(timed(fn)[1] for _ in range(repeat))


def vm_hwm_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def json_reads(
    service: Service, class_id: str, year_id: str, as_of: datetime
) -> dict[str, Any]:
    actor = service.system_actor()
    sheet = queries.summary(service, actor, class_id, year_id, as_of)
    journals = [
        queries.course_journal(service, actor, c["course_id"], None, as_of)
        for c in sheet["courses"]
    ]
    return {
        "courses": len(journals),
        "lessons": sum(len(j["lessons"]) for j in journals),
    }


def archive(service: Service, class_id: str, year_id: str, as_of: datetime) -> bytes:
    from ejournal.printouts import documents

    return documents.archive_pdf(
        service, service.system_actor(), class_id, year_id, as_of
    )


def pick_class(service: Service) -> dict[str, Any]:
    actor = service.system_actor()
    listing = queries.school_classes(service, actor, None, None)
    year = listing["year"]
    rows = queries.school_classes(service, actor, year["year_id"], None)["classes"]
    best = max(rows, key=lambda r: (r["courses"], r["pupils"], r["name"]))
    return {**best, "year_id": year["year_id"], "year_name": year["name"]}


def child(args: argparse.Namespace) -> None:
    """One measurement in this fresh process; a JSON line on stdout."""
    as_of = datetime.fromisoformat(args.as_of)
    began = time.perf_counter()
    service = Service(args.database_url)
    try:
        service.runner.catch_up()
        opened = time.perf_counter() - began
        out: dict[str, Any] = {"open_s": opened}
        if args.child == "json":
            shape, seconds = timed(
                lambda: json_reads(service, args.class_id, args.year_id, as_of)
            )
            out.update(shape)
        else:
            if args.profile:
                import cProfile
                import pstats

                profiler = cProfile.Profile()
                data, seconds = timed(
                    lambda: profiler.runcall(
                        archive, service, args.class_id, args.year_id, as_of
                    )
                )
                stats = pstats.Stats(profiler, stream=sys.stderr)
                stats.sort_stats("cumulative").print_stats(40)
                stats.sort_stats("tottime").print_stats(25)
            else:
                data, seconds = timed(
                    lambda: archive(service, args.class_id, args.year_id, as_of)
                )
            from pypdf import PdfReader

            out["bytes"] = len(data)
            out["pages"] = len(PdfReader(io.BytesIO(data)).pages)
        out["seconds"] = seconds
        out["hwm_mb"] = vm_hwm_mb()
    finally:
        service.close()
    print(json.dumps(out))


def run_child(mode: str, url: str, klass: dict[str, Any], as_of: datetime,
              profile: bool = False) -> dict[str, Any]:  # fmt: skip
    cmd = [
        python(), __file__, "--child", mode, "--database-url", url,
        "--class-id", klass["class_id"], "--year-id", klass["year_id"],
        "--as-of", as_of.isoformat(),
    ]  # fmt: skip
    if profile:
        cmd.append("--profile")
    done = subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=3600)
    if profile:
        Path("archive-profile.txt").write_text(done.stderr)
    answer: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return answer


def measure(url: str, classes: int, repeat: int, profile: bool) -> dict[str, Any]:
    service = Service(url)
    figures: dict[str, Any] = {}
    try:
        if not service.app.recorder.max_notification_id():
            from ejournal.generate import generate

            _, figures["generate_s"] = timed(
                lambda: generate(service.app, classes_per_grade=classes)
            )
        _, figures["views_s"] = timed(service.runner.catch_up)
        figures["events"] = service.app.recorder.max_notification_id()
        klass = pick_class(service)
        as_of = service.clock()
        figures["class"] = klass
        shape = json_reads(service, klass["class_id"], klass["year_id"], as_of)
        figures.update(shape)
        figures["json_s"] = best_of(
            lambda: json_reads(service, klass["class_id"], klass["year_id"], as_of),
            repeat,
        )
        figures["archive_s"] = best_of(
            lambda: archive(service, klass["class_id"], klass["year_id"], as_of),
            max(1, repeat // 3),
        )
    finally:
        service.close()
    # The peaks: fresh processes, one measured at a time (2 cores).
    figures["json_child"] = run_child("json", url, klass, as_of)
    figures["archive_child"] = run_child("archive", url, klass, as_of, profile)
    return figures


def report(backend: str, f: dict[str, Any]) -> str:
    jc, ac = f["json_child"], f["archive_child"]
    ratio = f["archive_s"] / f["json_s"]
    rows = [
        {
            "figure": "archive of the class, warm",
            "measured": f"{f['archive_s']:.2f} s",
            "baseline": f"JSON reads, warm {f['json_s']:.3f} s",
            "ratio": f"{ratio:.1f}",
            "target": f"≤ {TARGET_RATIO:.0f} × JSON",
            "met": "yes" if ratio <= TARGET_RATIO else "**no**",
        },
        {
            "figure": "archive, fresh process",
            "measured": f"{ac['seconds']:.2f} s",
            "baseline": f"JSON reads, fresh process {jc['seconds']:.3f} s",
            "ratio": f"{ac['seconds'] / jc['seconds']:.1f}",
            "target": "-",
            "met": "-",
        },
        {
            "figure": "peak RSS (VmHWM), fresh process",
            "measured": f"{ac['hwm_mb']:.0f} MB",
            "baseline": f"JSON reads only {jc['hwm_mb']:.0f} MB",
            "ratio": f"{ac['hwm_mb'] / jc['hwm_mb']:.2f}",
            "target": f"≤ {TARGET_RSS_MB:.0f} MB",
            "met": "yes" if ac["hwm_mb"] <= TARGET_RSS_MB else "**no**",
        },
    ]
    klass = f["class"]
    head = (
        f"backend {backend}; log of {f['events']} events"
        + (f" (generated in {f['generate_s']:.0f} s)" if "generate_s" in f else "")
        + f"; views caught up in {f['views_s']:.0f} s\n"
        f"class {klass['name']} ({klass['year_name']}): {klass['pupils']} pupils, "
        f"{f['courses']} courses, {f['lessons']} lessons; archive "
        f"{ac['pages']} pages, {ac['bytes'] / 1e6:.1f} MB"
    )
    return head + "\n" + table(rows)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--backend", choices=["postgres", "sqlite"], default="sqlite")
    parser.add_argument("--classes-per-grade", type=int, default=9)
    parser.add_argument("--database-url", help="an already generated database")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--profile",
        action="store_true",
        help="cProfile the fresh archive process into archive-profile.txt",
    )
    parser.add_argument("--child", choices=["json", "archive"], help=argparse.SUPPRESS)
    parser.add_argument("--class-id", help=argparse.SUPPRESS)
    parser.add_argument("--year-id", help=argparse.SUPPRESS)
    parser.add_argument("--as-of", help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ.setdefault("PYTHONHASHSEED", "0")
    if args.child:
        child(args)
        return
    if args.database_url:
        from ejournal.store import DatabaseConfig

        backend = DatabaseConfig.from_url(args.database_url).backend
        figures = measure(
            args.database_url, args.classes_per_grade, args.repeat, args.profile
        )
        print(report(backend, figures))
        return
    with database(args.backend) as url:
        figures = measure(url, args.classes_per_grade, args.repeat, args.profile)
    print(report(args.backend, figures))


if __name__ == "__main__":
    main()
