"""Import figures on a synthesised school file, each beside a raw baseline
measured in the same run:

- the file: 44 classes (grades 1–11, А–Г) × 25 pupils, each with a guardian
  (a new parent account, linked, with consent), made deterministically from a
  seed with the demo school's names; CSV in UTF-8 with a BOM and ``;``;
- parse: reading the CSV and mapping its header, rows/s (the floor under every
  other figure);
- dry run: every row checked against the journal, nothing written;
- import: the same, then all of its events saved in one transaction;
- re-import: the same file again (0 new, every row unchanged);
- baseline: the same number of ``enroll-student`` commands run one by one
  through ``Service.execute`` into a fresh school with the same classes: the
  pupils alone, without the guardians' accounts, links and consents the import
  also writes (``create-account`` hashes a password, which would make the
  baseline slower for a reason unrelated to importing).

    .venv/bin/python scripts/bench/import.py [--backend sqlite|postgres]
        [--classes 44] [--pupils 25]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT / "src"))

from _common import database, table

from ejournal.demo import BOYS, GIRLS, SURNAMES
from ejournal.imports import run_import
from ejournal.imports.files import read_table
from ejournal.imports.layouts import map_header, records
from ejournal.service import Service

YEAR = {
    "name": "2026/2027",
    "starts_on": "2026-09-01",
    "ends_on": "2027-05-31",
    "periods": [
        {"name": "I", "starts_on": "2026-09-01", "ends_on": "2026-10-24"},
        {"name": "II", "starts_on": "2026-11-05", "ends_on": "2026-12-27"},
        {"name": "III", "starts_on": "2027-01-12", "ends_on": "2027-03-20"},
        {"name": "IV", "starts_on": "2027-03-30", "ends_on": "2027-05-31"},
    ],
    "holidays": [
        {"name": "осенние", "starts_on": "2026-10-25", "ends_on": "2026-11-04"},
    ],
}
HEADER = (
    "Класс;Фамилия;Имя;Отчество;Дата рождения;Дата зачисления;"
    "Родитель ФИО;Родитель логин;Согласие"
)


def class_names(count: int) -> list[tuple[str, int]]:
    letters = "АБВГДЕЖЗИК"
    per_grade = -(-count // 11)
    names = [(f"{g}{letters[i]}", g) for g in range(1, 12) for i in range(per_grade)]
    return names[:count]


def school_file(classes: int, pupils: int, seed: int = 1) -> bytes:
    rng = random.Random(seed)
    lines = [HEADER]
    n = 0
    for name, grade in class_names(classes):
        for _ in range(pupils):
            n += 1
            girl = rng.random() < 0.5
            surname = rng.choice(SURNAMES) + ("а" if girl else "")
            first = rng.choice(GIRLS if girl else BOYS)
            father = rng.choice(BOYS)
            middle = father + ("овна" if girl else "ович")
            born = date(2026 - grade - 6, 1, 1) + timedelta(days=rng.randrange(365))
            parent = f"{surname.removesuffix('а')}а {rng.choice(GIRLS)}"
            lines.append(
                f"{name};{surname};{first};{middle};{born:%d.%m.%Y};01.09.2026;"
                f"{parent};parent{n:05d};{'да' if rng.random() < 0.9 else 'нет'}"
            )
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode()


def timed(fn: Any) -> tuple[Any, float]:
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def fresh(url: str) -> tuple[Service, str]:
    service = Service(url)
    service.start()
    year = service.execute(service.system_actor(), "open-academic-year", YEAR)
    return service, str(year["year_id"])


def imports(backend: str, data: bytes) -> dict[str, Any]:
    out: dict[str, Any] = {}
    with database(backend) as url:
        service, year_id = fresh(url)
        system = service.system_actor()
        try:
            dry, out["dry_s"] = timed(
                lambda: run_import(service, system, "pupils", data, dry_run=True)
            )
            assert not dry.problems, dry.problems[:5]
            real, out["import_s"] = timed(
                lambda: run_import(service, system, "pupils", data, year=year_id)
            )
            assert not real.problems and real.new == dry.new
            again, out["again_s"] = timed(
                lambda: run_import(service, system, "pupils", data, year=year_id)
            )
            assert again.new == 0 and again.unchanged == real.rows
            out.update(rows=real.rows, events=real.events, created=real.created)
        finally:
            service.close()
    return out


def baseline(backend: str, classes: int, pupils: int) -> float:
    """Seconds for classes × pupils enroll-student commands, one by one."""
    with database(backend) as url:
        service, year_id = fresh(url)
        system = service.system_actor()
        try:
            class_ids = [
                service.execute(
                    system,
                    "create-class",
                    {"year_id": year_id, "name": name, "grade": grade},
                )["class_id"]
                for name, grade in class_names(classes)
            ]
            start = time.perf_counter()
            for i in range(classes * pupils):
                service.execute(
                    system,
                    "enroll-student",
                    {
                        "class_id": class_ids[i // pupils],
                        "full_name": f"Ученик {i}",
                        "birth_date": "2015-01-01",
                        "on": "2026-09-01",
                    },
                )
            return time.perf_counter() - start
        finally:
            service.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backend", choices=["postgres", "sqlite"], default="sqlite")
    parser.add_argument("--classes", type=int, default=44)
    parser.add_argument("--pupils", type=int, default=25)
    args = parser.parse_args()
    data = school_file(args.classes, args.pupils)

    def parse() -> int:
        table_ = read_table(data, "school.csv")
        return len(records(table_, map_header("pupils", table_)))

    rows, parse_s = timed(parse)
    figures = imports(args.backend, data)
    enroll_s = baseline(args.backend, args.classes, args.pupils)
    n = figures["rows"]
    enroll_rate = n / enroll_s

    def rate(seconds: float) -> str:
        return f"{n / seconds:,.0f} rows/s ({seconds:.2f} s)"

    base = f"enroll-student × {n}: {enroll_rate:,.0f} rows/s ({enroll_s:.2f} s)"
    result = [
        {
            "figure": "parse CSV + header",
            "measured": rate(parse_s),
            "baseline": "-",
            "ratio": "-",
        },
        {
            "figure": "dry run",
            "measured": rate(figures["dry_s"]),
            "baseline": base,
            "ratio": f"{(n / figures['dry_s']) / enroll_rate:.2f}",
        },
        {
            "figure": f"import ({figures['events']} events, one transaction)",
            "measured": rate(figures["import_s"]),
            "baseline": base,
            "ratio": f"{(n / figures['import_s']) / enroll_rate:.2f}",
        },
        {
            "figure": "re-import (0 new)",
            "measured": rate(figures["again_s"]),
            "baseline": base,
            "ratio": f"{(n / figures['again_s']) / enroll_rate:.2f}",
        },
    ]
    print(
        f"backend {args.backend}; {rows} rows ({len(data) // 1024} KB), "
        f"created {figures['created']}"
    )
    print(table(result))


if __name__ == "__main__":
    main()
