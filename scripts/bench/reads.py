"""Every read of the HTTP API on generated years of different sizes: whether a
read's time grows with the log (it must not: no request may cost the whole log).

For each database (``--database-url``, repeated: e.g. the 1M-event and the
3M-event year that ``ejournal generate --classes-per-grade 9`` and ``27`` make),
every GET route of /openapi.json (documents excepted: their cost is the class's,
see archive.py) is called through the ASGI app as an administrator, now and
``as_of`` a moment in the middle of the year: the best of ``--repeat`` warm calls.
The raw baseline of the same run is ``GET /health`` on the same database, so each
row prints its time as a multiple of it, and the last column the ratio between
the largest log and the smallest (1.0: it does not grow with the log).

The per-class, per-course and per-pupil reads pick the same kind of class in
every database (the first of grade 8). The whole-school reports (the control
report without a class, the compliance report) grow with the school, which a
larger log here also is: they are measured with and without a class filter.

    python scripts/bench/reads.py --database-url sqlite:////tmp/y1/year.sqlite3 \\
        --database-url sqlite:////tmp/y3/year.sqlite3 [--repeat 3]

The databases gain one administrator account and its sessions (the generator
makes none); nothing else is written.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT / "src"))

from _common import table
from fastapi.testclient import TestClient

from ejournal.api.app import create_app
from ejournal.projections.reader import reader
from ejournal.service import Service

API = "/api/v1"
LOGIN, PASSWORD = "bench.admin", "bench-admin-password"
MIDYEAR = "2026-01-20T12:00:00+03:00"
SKIP_SUFFIXES = (".pdf", ".xlsx", ".csv")


class Refused(Exception):
    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


def best_of(fn: Callable[[], Any], repeat: int) -> float:
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def admin_headers(service: Service, client: TestClient) -> dict[str, str]:
    with reader(service.app) as views:
        known = views.key(f"login:{LOGIN}")
    if known is None:
        service.execute(
            service.system_actor(),
            "create-account",
            {
                "login": LOGIN,
                "password": PASSWORD,
                "full_name": "Bench Admin",
                "roles": ["admin"],
            },
        )
    r = client.post(f"{API}/auth/login", json={"login": LOGIN, "password": PASSWORD})
    r.raise_for_status()
    return {"Authorization": f"Bearer {r.json()['token']}"}


def ids(service: Service) -> dict[str, str]:
    """A class of grade 8 and its first course, pupil, mark; the year."""
    with service.app.db().read() as cur:
        mark = cur.execute(
            "SELECT stream_id FROM ej_events WHERE type = 'MarkRecorded' "
            "ORDER BY position LIMIT 1"
        ).fetchone()
        incident = cur.execute(
            "SELECT stream_id FROM ej_docs WHERE kind = 'incident' LIMIT 1"
        ).fetchone()
    with reader(service.app) as views:
        years = views.all_of_kind("year")
        year = max(years, key=lambda y: y["starts_on"])
        classes = sorted(
            (c for c in views.children("class", [year["id"]]) if c["grade"] == 8),
            key=lambda c: c["name"],
        )
        klass = classes[0]
        courses = views.children("course", [klass["id"]])
        pupils = views.children("student", [klass["id"]])
    out = {
        "year_id": year["id"],
        "class_id": klass["id"],
        "course_id": courses[0]["id"],
        "student_id": pupils[0]["id"],
        "period_id": year["periods"][0]["id"],
    }
    if mark is not None:
        out["mark_id"] = _mark_id(service, str(mark["stream_id"]))
    if incident is not None:
        out["incident_id"] = str(incident["stream_id"])
    return out


def _mark_id(service: Service, lesson_id: str) -> str:
    with reader(service.app) as views:
        doc = views.doc(lesson_id)
    if doc is None or not doc["marks"]:
        raise SystemExit("no mark found on the first marked lesson")
    return str(next(iter(doc["marks"])))


def routes(
    client: TestClient, known: dict[str, str]
) -> list[tuple[str, dict[str, str]]]:
    schema = client.get("/openapi.json").json()
    found = []
    for path, ops in schema["paths"].items():
        op = ops.get("get")
        if op is None or path.endswith(SKIP_SUFFIXES) or path == f"{API}/health":
            continue
        url = path.removeprefix(API)
        missing = False
        for param in op.get("parameters", []):
            name = param["name"]
            if param["in"] == "path":
                if name not in known:
                    missing = True
                    break
                url = url.replace("{" + name + "}", known[name])
        if missing:
            continue
        required = {
            p["name"]: known[p["name"]]
            for p in op.get("parameters", [])
            if p["in"] == "query" and p.get("required") and p["name"] in known
        }
        found.append((url, required))
        if url == "/reports/control":
            found.append((url, {**required, "class_id": known["class_id"]}))
    return found


def measure(url: str, repeat: int) -> dict[str, float]:
    service = Service(url)
    service.runner.catch_up()
    app = create_app(lambda: service, start_runner=False)
    out: dict[str, float] = {}
    with TestClient(app) as client:
        headers = admin_headers(service, client)
        known = ids(service)
        out["events"] = float(service.runner.position)

        def get(path: str, params: dict[str, str]) -> Callable[[], Any]:
            def call() -> Any:
                r = client.get(f"{API}{path}", params=params, headers=headers)
                if r.status_code != 200:
                    raise Refused(r.status_code)
                return r

            return call

        out["health"] = best_of(get("/health", {}), repeat)
        for path, params in routes(client, known):
            label = path
            for name, value in known.items():
                label = label.replace(value, "{" + name + "}")
            if "class_id" in params and path == "/reports/control":
                label += "?class_id"
            for name, extra in ((label, {}), (label + " as_of", {"as_of": MIDYEAR})):
                try:
                    out[name] = best_of(get(path, {**params, **extra}), repeat)
                except Refused as refused:  # not the administrator's to read
                    out[name] = -float(refused.status)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", action="append", required=True)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    results = [measure(url, args.repeat) for url in args.database_url]
    names = [f"{r['events'] / 1e6:.2f}M" for r in results]
    rows = []
    for label in results[0]:
        if label == "events":
            continue
        row: dict[str, Any] = {"read": label}
        refused = [r[label] for r in results if r[label] < 0]
        if refused:  # e.g. a guardian's own route: 403 for the administrator
            row.update({f"{n} ms": f"{-refused[0]:.0f}" for n in names})
            row.update({f"{n} ×health": "-" for n in names})
            row["largest / smallest"] = "-"
            rows.append(row)
            continue
        for name, r in zip(names, results, strict=True):
            row[f"{name} ms"] = f"{r[label] * 1000:.1f}"
            row[f"{name} ×health"] = f"{r[label] / r['health']:.1f}"
        row["largest / smallest"] = f"{results[-1][label] / results[0][label]:.2f}"
        rows.append(row)
    print(table(rows))


if __name__ == "__main__":
    main()
