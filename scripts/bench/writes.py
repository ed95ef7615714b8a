"""Write throughput: authenticated HTTP record-mark and record-attendance from many
concurrent clients (wrk) against `ejournal serve`, beside two raw baselines measured
in the same run: one-row inserts under the append lock (pgbench on PostgreSQL, a
sqlite3 loop on SQLite) and a bare eventsourcing `Application.save` loop.

    .venv/bin/python scripts/bench/writes.py [--backend both] [--clients 64]
        [--duration 20] [--workers 1 2] [--views process thread]

Also the same wrk against GET /health (the HTTP stack doing nothing), the ceiling
any command can reach here. The server runs without its access log (as behind a
proxy that logs), with 1 and 2 worker processes, and with the views loop in its
own process (followed by the servers) and in a thread of each server.

Needs wrk (apt-get install wrk). Prints a table; writes nothing into the repo.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (
    call,
    database,
    generate_school,
    served,
    table,
)

LUA = """
local requests = {%s}
local counter = 0
local thread_id = 0
local threads = {}
function setup(thread)
  thread:set("id", thread_id)
  thread_id = thread_id + 1
  table.insert(threads, thread)
end
function init(args)
  counter = id * 7919
end
function request()
  counter = counter + 1
  local r = requests[(counter %% #requests) + 1]
  return wrk.format("POST", r[1], {["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. r[2]}, r[3])
end
function done(summary, latency, requests)
  io.write(string.format("RESULT requests=%%d duration_us=%%d non2xx=%%d "
    .. "socket_errors=%%d p50=%%.3f p95=%%.3f p99=%%.3f\\n",
    summary.requests, summary.duration, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write
      + summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000))
end
"""


def lua_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def build_requests(base: str, limit: int = 600) -> list[tuple[str, str, str]]:
    """(path, token, body) for record-mark and record-attendance by every teacher
    on the past lessons of their courses."""
    import json

    admin = call(
        base,
        "POST",
        "/api/v1/auth/login",
        {"login": "t001", "password": "generated-school"},
    )
    courses = call(base, "GET", "/api/v1/me/courses", token=admin["token"])
    del courses
    rng = random.Random(7)
    out: list[tuple[str, str, str]] = []
    logins = [f"t{i:03d}" for i in range(1, 200)]
    for login in logins:
        try:
            session = call(
                base,
                "POST",
                "/api/v1/auth/login",
                {"login": login, "password": "generated-school"},
            )
        except Exception:
            break
        token = session["token"]
        mine = call(base, "GET", "/api/v1/me/courses", token=token)["courses"]
        for course in mine[:2]:
            journal = call(
                base,
                "GET",
                f"/api/v1/courses/{course['course_id']}/journal",
                token=token,
            )
            pupils = [s["student_id"] for s in journal["students"]]
            for lesson in journal["lessons"][-20:]:
                pupil = rng.choice(pupils)
                out.append(
                    (
                        "/api/v1/commands/record-mark",
                        token,
                        json.dumps(
                            {
                                "lesson_id": lesson["lesson_id"],
                                "student_id": pupil,
                                "value": rng.choice("2345"),
                                "work_type": "oral",
                            }
                        ),
                    )
                )
                out.append(
                    (
                        "/api/v1/commands/record-attendance",
                        token,
                        json.dumps(
                            {
                                "lesson_id": lesson["lesson_id"],
                                "entries": [
                                    {"student_id": rng.choice(pupils), "code": "absent"}
                                ],
                            }
                        ),
                    )
                )
        if len(out) >= limit:
            break
    rng.shuffle(out)
    return out


def run_wrk(
    base: str, requests: list[tuple[str, str, str]], clients: int, duration: int
) -> dict[str, float]:
    entries = ",".join("{" + ",".join(lua_string(x) for x in r) + "}" for r in requests)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(LUA % entries)
        script = f.name
    try:
        out = subprocess.run(
            [
                "wrk",
                "-t2",
                f"-c{clients}",
                f"-d{duration}s",
                "--timeout",
                "10s",
                "-s",
                script,
                base,
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    finally:
        os.unlink(script)
    m = re.search(r"RESULT (.*)", out)
    if not m:
        raise RuntimeError(out)
    values = dict(kv.split("=") for kv in m.group(1).split())
    seconds = float(values["duration_us"]) / 1e6
    return {
        "rate": float(values["requests"]) / seconds,
        "p50": float(values["p50"]),
        "p95": float(values["p95"]),
        "p99": float(values["p99"]),
        "non2xx": float(values["non2xx"]),
        "socket_errors": float(values["socket_errors"]),
    }


def http_floor(base: str, clients: int, duration: int) -> float:
    """The same wrk against GET /health (no database, no authentication): what
    this machine's HTTP stack serves when a request does nothing."""
    out = subprocess.run(
        ["wrk", "-t2", f"-c{clients}", f"-d{duration}s", f"{base}/api/v1/health"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    m = re.search(r"Requests/sec:\s+([0-9.]+)", out)
    return float(m.group(1)) if m else float("nan")


def pg_locked_inserts(url: str, clients: int, duration: int) -> float:
    """pgbench: one-row inserts, each in its own transaction under the table lock
    the library takes (LOCK … IN EXCLUSIVE MODE)."""
    from psycopg.conninfo import conninfo_to_dict

    from ejournal.store import DatabaseConfig

    config = DatabaseConfig.from_url(url)
    info = conninfo_to_dict(config.conninfo)
    import psycopg

    with psycopg.connect(config.conninfo, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_raw")
        conn.execute(
            "CREATE TABLE bench_raw (originator_id uuid, originator_version "
            "bigint, topic text, state bytea, notification_id bigserial, "
            "PRIMARY KEY (originator_id, originator_version))"
        )
    script = (
        "BEGIN;\nLOCK TABLE bench_raw IN EXCLUSIVE MODE;\n"
        "INSERT INTO bench_raw (originator_id, originator_version, topic, state) "
        "VALUES (gen_random_uuid(), 1, 'bench', '\\x7b7d');\nCOMMIT;\n"
    )
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as f:
        f.write(script)
        path = f.name
    env = dict(os.environ, PGPASSWORD=str(info.get("password") or ""))
    try:
        out = subprocess.run(
            [
                "pgbench",
                "-n",
                "-c",
                str(clients),
                "-j",
                "2",
                "-T",
                str(duration),
                "-f",
                path,
                "-h",
                str(info.get("host") or "localhost"),
                "-p",
                str(info.get("port") or 5432),
                "-U",
                str(info.get("user")),
                str(info.get("dbname")),
            ],
            check=True,
            capture_output=True,
            text=True,
            env=env,
        ).stdout
    finally:
        os.unlink(path)
    m = re.search(r"tps = ([0-9.]+)", out)
    return float(m.group(1)) if m else float("nan")


def sqlite_locked_inserts(duration: int) -> float:
    root = Path(tempfile.mkdtemp())
    try:
        conn = sqlite3.connect(root / "raw.sqlite3", isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(
            "CREATE TABLE raw (originator_id TEXT, originator_version INTEGER,"
            " topic TEXT, state BLOB, PRIMARY KEY (originator_id, "
            "originator_version))"
        )
        n, end = 0, time.monotonic() + duration
        while time.monotonic() < end:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute(
                "INSERT INTO raw VALUES (?, 1, 'bench', x'7b7d')", (uuid.uuid4().hex,)
            )
            conn.execute("COMMIT")
            n += 1
        return n / duration
    finally:
        shutil.rmtree(root, ignore_errors=True)


class Thing(Aggregate):
    pass


class Bare(Application[Any]):
    name = "Bare"


def save_loop(url: str, duration: int) -> float:
    """A bare Application.save loop: one single-event aggregate per save."""
    from ejournal.store import DatabaseConfig, ensure_schema

    config = DatabaseConfig.from_url(url)
    ensure_schema(config)
    env = {k: v for k, v in config.env.items() if k != "APPLICATION_RECORDER_TOPIC"}

    app = Bare(env=env)
    n, end = 0, time.monotonic() + duration
    while time.monotonic() < end:
        app.save(Thing())
        n += 1
    app.close()
    return n / duration


def bench(
    backend: str, clients: int, duration: int, workers: list[int], views: list[str]
) -> list[dict[str, Any]]:
    runs: list[tuple[str, int, dict[str, float], float]] = []
    with database(backend) as url:
        generate_school(url, 1)
        for mode in views:
            for count in workers:
                serve = ["--no-access-log", "--workers", str(count), "--views", mode]
                with served(url, extra=serve) as (base, _proc):
                    requests = build_requests(base)
                    run_wrk(base, requests, clients, 3)  # warm up
                    result = run_wrk(base, requests, clients, duration)
                    floor = http_floor(base, clients, duration)
                runs.append((mode, count, result, floor))
        raw = (
            pg_locked_inserts(url, clients, duration)
            if backend == "postgres"
            else sqlite_locked_inserts(duration)
        )
        loop = save_loop(
            url
            if backend == "postgres"
            else url.replace("bench.sqlite3", "bare.sqlite3"),
            duration,
        )
    return [
        {
            "backend": backend,
            "views": mode,
            "workers": count,
            "clients": clients,
            "commands/s": f"{result['rate']:.0f}",
            "p50 ms": f"{result['p50']:.1f}",
            "p95 ms": f"{result['p95']:.1f}",
            "p99 ms": f"{result['p99']:.1f}",
            "errors": int(result["non2xx"] + result["socket_errors"]),
            "raw locked inserts/s": f"{raw:.0f}",
            "ratio to raw": f"{result['rate'] / raw:.2f}",
            "bare save loop/s": f"{loop:.0f}",
            "ratio to save loop": f"{result['rate'] / loop:.2f}",
            "HTTP no-op floor/s": f"{floor:.0f}",
            "ratio to floor": f"{result['rate'] / floor:.2f}",
        }
        for mode, count, result, floor in runs
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--backend", choices=["postgres", "sqlite", "both"], default="both"
    )
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--duration", type=int, default=20)
    parser.add_argument(
        "--workers", type=int, nargs="+", default=[1, 2], help="server processes"
    )
    parser.add_argument(
        "--views",
        nargs="+",
        choices=["process", "thread"],
        default=["process", "thread"],
        help="where the server's views loop runs (serve --views)",
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed: apt-get install -y wrk")
    backends = ["postgres", "sqlite"] if args.backend == "both" else [args.backend]
    rows = [
        row
        for b in backends
        for row in bench(b, args.clients, args.duration, args.workers, args.views)
    ]
    print(table(rows))


if __name__ == "__main__":
    main()
