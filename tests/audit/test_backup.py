"""Backup and restore: the log with its chain out, checked line by line on the
way back in, and every query answering the same afterwards."""

from __future__ import annotations

import base64
import gzip
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest

from ejournal import queries
from ejournal.backup import BackupError, restore, write_backup
from ejournal.projections.ledger import link
from ejournal.queries import audit_events, ledger_status, mark_history
from ejournal.service import Service
from ejournal.verification import Checkpoint
from tests.audit.conftest import Recorded
from tests.audit.support import checkpoint_now, flip_byte, gz_lines, position_of
from tests.builders import FakeClock, run
from tests.projections.support import views

Lines = list[bytes]


def answers(service: Service, recorded: Recorded) -> dict[str, Any]:
    """Journals and diaries of every course, class and pupil (now and as of a
    moment before the void), the whole event browser, mark histories, the
    ledger, an incident preview."""
    school, history = recorded.school, recorded.history
    auditor = school.actor(service, "auditor")
    admin = school.actor(service, "admin")
    moment = history.before_void + timedelta(minutes=1)
    marks = [*history.marks, history.voided_mark]
    return {
        "views": views(service),
        "views_then": views(service, moment),
        "events": audit_events(service, auditor, include_voided=True, limit=1000),
        "events_then": audit_events(service, auditor, as_of=moment, limit=1000),
        "histories": [mark_history(service, auditor, m) for m in marks],
        "ledger": ledger_status(service, auditor),
        "preview": queries.incident_preview(service, admin, history.incident_id, None),
        "position": service.runner.position,
    }


def restored(url: str, clock: FakeClock, backup: Path) -> Service:
    """The file's log exactly (the sessions it left open stay as they were)."""
    target = Service(url, clock=clock)
    restore(target, backup, end_sessions=False)
    return target


def test_backup_then_restore_answers_every_query_the_same(
    service: Service, recorded: Recorded, empty_url: str, clock: FakeClock,
    tmp_path: Path,
) -> None:
    before = answers(service, recorded)
    assert before["events"]["events"] and before["ledger"]["verified"]
    path = tmp_path / "school.ndjson.gz"
    header = write_backup(service.app, path)
    assert header.head_position == before["position"]
    assert header.head_hash == before["ledger"]["head_hash"]
    target = restored(empty_url, clock, path)
    try:
        assert answers(target, recorded) == before
        # The restored log goes on from where the file ended.
        out = run(target, recorded.school.actor(target, "teacher"), "record-mark", {
            "lesson_id": recorded.school.lesson_ids[2],
            "student_id": recorded.school.students[0],
            "value": "5", "work_type": "oral",
        })
        assert out["position"] == header.head_position + 1
        assert ledger_status(target, recorded.school.actor(target, "admin"))[
            "verified"
        ]
    finally:
        target.close()


def test_a_backup_restores_onto_the_other_backend(
    service: Service, recorded: Recorded, other_backend_url: str, clock: FakeClock,
    tmp_path: Path,
) -> None:
    before = answers(service, recorded)
    write_backup(service.app, tmp_path / "school.ndjson.gz")
    target = restored(other_backend_url, clock, tmp_path / "school.ndjson.gz")
    try:
        assert answers(target, recorded) == before
    finally:
        target.close()


def test_the_file_is_a_header_then_one_event_per_line(
    service: Service, recorded: Recorded, tmp_path: Path
) -> None:
    path = tmp_path / "school.ndjson.gz"
    header = write_backup(service.app, path)
    lines = gz_lines(path)
    first = orjson.loads(lines[0])
    assert first["format"] == "ejournal-backup/2"
    assert (first["head_position"], first["head_hash"], first["count"]) == (
        header.head_position, header.head_hash, header.count,
    )
    assert (first["records"], first["records_hash"]) == (
        header.records, header.records_hash,
    )
    assert len(lines) == header.count + header.records + 1
    event = orjson.loads(lines[1])
    assert set(event) == {"position", "stream_id", "version", "topic", "state", "hash"}
    assert orjson.loads(lines[header.count])["hash"] == header.head_hash


def _rewrite(path: Path, edit: Callable[[Lines], Lines]) -> None:
    lines = gz_lines(path)
    path.write_bytes(gzip.compress(b"".join(edit(lines))))


def _changed_state(lines: Lines) -> Lines:
    event = orjson.loads(lines[5])
    state = bytearray(base64.b64decode(event["state"]))
    state[len(state) // 2] ^= 0x01
    event["state"] = base64.b64encode(state).decode()
    lines[5] = orjson.dumps(event) + b"\n"
    return lines


def _changed_and_rehashed(lines: Lines) -> Lines:
    """An edit that also puts a matching hash on its own line: the next line's
    link no longer follows from it."""
    prev = bytes.fromhex(orjson.loads(lines[4])["hash"])
    event = orjson.loads(lines[5])
    event["topic"] += "X"
    event["hash"] = link(
        prev, event["position"], event["stream_id"], event["version"],
        event["topic"], base64.b64decode(event["state"]),
    ).hex()
    lines[5] = orjson.dumps(event) + b"\n"
    return lines


# damage -> (edit of the file's lines, the start of the refusal; {end} is the line
# just past the last one)
DAMAGE: dict[str, tuple[Callable[[Lines], Lines], str]] = {
    "state changed": (_changed_state, "line 6: "),
    "line edited and rehashed": (_changed_and_rehashed, "line 7: "),
    "line removed": (lambda ls: ls[:4] + ls[5:], "line 5: "),
    "lines swapped": (lambda ls: [*ls[:3], ls[4], ls[3], *ls[5:]], "line 4: "),
    "lines cut off the end": (lambda ls: ls[:-2], "line {end}: the events end"),
    "not JSON": (lambda ls: [*ls[:7], b"{oops\n", *ls[8:]], "line 8: not valid JSON"),
    "header count": (
        lambda ls: [ls[0].replace(b'"count":', b'"count":1'), *ls[1:]],
        "line {end}: the events end",
    ),
    "not a backup": (lambda ls: [b'{"format":"other"}\n', *ls[1:]], "line 1: "),
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_a_damaged_file_is_refused_naming_the_line(
    service: Service, recorded: Recorded, empty_url: str, clock: FakeClock,
    tmp_path: Path, damage: str,
) -> None:
    path = tmp_path / "school.ndjson.gz"
    write_backup(service.app, path)
    edit, expected = DAMAGE[damage]
    _rewrite(path, edit)
    end = len(gz_lines(path)) + 1
    target = Service(empty_url, clock=clock)
    try:
        with pytest.raises(BackupError) as refused:
            restore(target, path)
        assert str(refused.value).startswith(expected.format(end=end)), refused.value
        assert not target.app.recorder.max_notification_id()
    finally:
        target.close()


def test_a_corrupt_gzip_stream_is_refused(
    service: Service, recorded: Recorded, empty_url: str, clock: FakeClock,
    tmp_path: Path,
) -> None:
    path = tmp_path / "school.ndjson.gz"
    write_backup(service.app, path)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    target = Service(empty_url, clock=clock)
    try:
        with pytest.raises(BackupError, match=r"^line \d+: "):
            restore(target, path)
        assert not target.app.recorder.max_notification_id()
    finally:
        target.close()


def test_restore_refuses_a_database_that_is_not_empty(
    service: Service, recorded: Recorded, tmp_path: Path
) -> None:
    path = tmp_path / "school.ndjson.gz"
    write_backup(service.app, path)
    position = service.runner.position
    with pytest.raises(BackupError, match="not empty"):
        restore(service, path)
    assert service.app.recorder.max_notification_id() == position


def test_a_tampered_log_is_not_backed_up(
    service: Service, recorded: Recorded, tmp_path: Path
) -> None:
    target = position_of(service, "AttendanceRecorded")
    flip_byte(service, target)
    with pytest.raises(BackupError, match=f"position {target}"):
        write_backup(service.app, tmp_path / "school.ndjson.gz")
    assert not (tmp_path / "school.ndjson.gz").exists()


def test_restore_checks_the_file_extends_an_auditors_checkpoint(
    service: Service, recorded: Recorded, empty_url: str, clock: FakeClock,
    tmp_path: Path,
) -> None:
    checkpoint = checkpoint_now(service)
    path = tmp_path / "school.ndjson.gz"
    write_backup(service.app, path)
    wrong = Checkpoint(checkpoint.position, "0" * 64, checkpoint.taken_at)
    beyond = Checkpoint(checkpoint.position + 5, checkpoint.hash, checkpoint.taken_at)
    target = Service(empty_url, clock=clock)
    try:
        for bad in (wrong, beyond):
            with pytest.raises(BackupError, match="checkpoint"):
                restore(target, path, checkpoint=bad)
            assert not target.app.recorder.max_notification_id()
        restore(target, path, checkpoint=checkpoint, end_sessions=False)
        assert target.runner.position == checkpoint.position
    finally:
        target.close()
