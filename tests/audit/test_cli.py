"""``ejournal ledger verify | checkpoint | keygen``, ``ejournal backup`` and
``ejournal restore`` as an administrator and an auditor run them."""

from __future__ import annotations

import gzip
from pathlib import Path

import orjson
from typer.testing import CliRunner

from ejournal.cli import cli
from ejournal.queries import audit_events
from ejournal.service import Service
from tests.audit.conftest import Recorded
from tests.audit.support import flip_byte, gz_lines, position_of, rewrite_chain
from tests.builders import FakeClock

runner = CliRunner()


def ejournal(url: str, *args: str) -> tuple[int, str]:
    result = runner.invoke(cli, [*args, "--database-url", url])
    return result.exit_code, result.output


def test_verify_passes_then_names_the_first_bad_position(
    service: Service, recorded: Recorded, database_url: str
) -> None:
    code, out = ejournal(database_url, "ledger", "verify")
    assert code == 0, out
    assert f"up to position {service.runner.position}" in out
    target = position_of(service, "AttendanceRecorded")
    flip_byte(service, target)
    code, out = ejournal(database_url, "ledger", "verify")
    assert code == 1
    assert f"at position {target}" in out
    code, out = ejournal(database_url, "ledger", "verify", "--json")
    assert code == 1
    assert orjson.loads(out.splitlines()[0])["first_bad_position"] == target


def test_a_signed_checkpoint_catches_a_rewritten_chain(
    service: Service, recorded: Recorded, database_url: str, tmp_path: Path
) -> None:
    key = tmp_path / "auditor.pem"
    assert runner.invoke(cli, ["ledger", "keygen", str(key)]).exit_code == 0
    assert key.exists() and Path(f"{key}.pub").exists()
    saved = tmp_path / "checkpoint.json"
    code, out = ejournal(
        database_url, "ledger", "checkpoint", "--sign-key", str(key),
        "--out", str(saved),
    )
    assert code == 0, out
    checkpoint = orjson.loads(saved.read_bytes())
    assert checkpoint["position"] == service.runner.position
    assert checkpoint["signature"]
    assert orjson.loads(out)["hash"] == checkpoint["hash"]
    against = ["--against", str(saved), "--public-key", f"{key}.pub"]
    assert ejournal(database_url, "ledger", "verify", *against)[0] == 0

    flip_byte(service, position_of(service, "MarkRecorded", 1))
    rewrite_chain(service)
    assert ejournal(database_url, "ledger", "verify")[0] == 0  # the table agrees
    code, out = ejournal(database_url, "ledger", "verify", *against)
    assert code == 1
    assert f"at position {checkpoint['position']}" in out and "checkpoint" in out

    forged = tmp_path / "forged.json"
    forged.write_bytes(saved.read_bytes().replace(b'"position": ', b'"position": 1'))
    code, out = ejournal(
        database_url, "ledger", "verify", "--against", str(forged),
        "--public-key", f"{key}.pub",
    )
    assert code == 1 and "signature" in out


def test_no_checkpoint_of_a_broken_log(
    service: Service, recorded: Recorded, database_url: str
) -> None:
    flip_byte(service, position_of(service, "MarkRecorded", 0))
    code, out = ejournal(database_url, "ledger", "checkpoint")
    assert code == 1 and "broken" in out


def test_backup_and_restore_from_the_command_line(
    service: Service, recorded: Recorded, database_url: str, empty_url: str,
    clock: FakeClock, tmp_path: Path,
) -> None:
    path = tmp_path / "school.ndjson.gz"
    code, out = ejournal(database_url, "backup", str(path))
    assert code == 0, out
    assert f"head position {service.runner.position}" in out
    code, out = ejournal(empty_url, "restore", str(path))
    assert code == 0, out
    target = Service(empty_url, clock=clock)
    try:
        auditor = recorded.school.actor(target, "auditor")
        mine = audit_events(target, auditor, include_voided=True, limit=1000)
        theirs = audit_events(
            service, recorded.school.actor(service, "auditor"), include_voided=True,
            limit=1000,
        )
        assert mine == theirs
    finally:
        target.close()
    code, out = ejournal(empty_url, "restore", str(path))
    assert code == 1 and "not empty" in out


def test_restore_refuses_a_damaged_file_with_its_line(
    service: Service, recorded: Recorded, database_url: str, empty_url: str,
    tmp_path: Path,
) -> None:
    path = tmp_path / "school.ndjson.gz"
    assert ejournal(database_url, "backup", str(path))[0] == 0
    lines = gz_lines(path)
    event = orjson.loads(lines[3])
    event["version"] += 1
    lines[3] = orjson.dumps(event) + b"\n"
    path.write_bytes(gzip.compress(b"".join(lines)))
    code, out = ejournal(empty_url, "restore", str(path))
    assert code == 1
    assert "refused: line 4:" in out
    code, out = ejournal(empty_url, "restore", str(tmp_path / "missing.gz"))
    assert code == 1 and "no backup file" in out
