"""A restore loses nothing and opens nothing: the commands' idempotency records come
back (a retried key answers its first result and writes nothing), the sessions the
file held come back closed, and the records are chained so that a changed, dropped
or added one refuses the file. On both backends, through HTTP."""

from __future__ import annotations

import base64
import gzip
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import orjson
import pytest
from fastapi.testclient import TestClient

from ejournal.api.app import create_app
from ejournal.backup import BackupError, restore, write_backup
from ejournal.backup_records import RESTORE_REASON
from ejournal.queries import audit_events
from ejournal.service import Service
from tests.audit.conftest import Recorded
from tests.audit.support import gz_lines
from tests.builders import PASSWORD, FakeClock

API = "/api/v1"
Lines = list[bytes]


def client_of(service: Service) -> Iterator[TestClient]:
    app = create_app(lambda: service, start_runner=False)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def login(client: TestClient, recorded: Recorded, name: str) -> dict[str, str]:
    """A session opened through HTTP."""
    r = client.post(
        f"{API}/auth/login",
        json={"login": recorded.school.logins[name], "password": PASSWORD},
    )
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


def mark_body(recorded: Recorded, value: str = "4") -> dict[str, str]:
    return {
        "lesson_id": recorded.school.lesson_ids[3],
        "student_id": recorded.school.students[2],
        "value": value,
        "work_type": "written",
    }


@pytest.fixture
def backed_up(
    service: Service, recorded: Recorded, tmp_path: Path
) -> tuple[Path, dict[str, str], dict[str, object], str]:
    """A mark recorded with an Idempotency-Key by a teacher who stays logged in,
    then the backup: (file, the teacher's token, the first answer, the key)."""
    key = str(uuid.uuid4())
    session = service.login(recorded.school.logins["teacher"], PASSWORD, None)
    teacher = service.authenticate(session["token"], None)
    first = orjson.loads(
        orjson.dumps(service.execute(teacher, "record-mark", mark_body(recorded), key))
    )
    path = tmp_path / "school.ndjson.gz"
    header = write_backup(service.app, path)
    assert header.records >= 1
    return path, {"Authorization": f"Bearer {session['token']}"}, first, key


def test_a_key_retried_after_a_restore_answers_its_first_result_and_writes_nothing(
    recorded: Recorded,
    backed_up: tuple[Path, dict[str, str], dict[str, object], str],
    empty_url: str,
    clock: FakeClock,
) -> None:
    path, _, first, key = backed_up
    target = Service(empty_url, clock=clock)
    header = restore(target, path)
    assert header.records >= 1
    clients = client_of(target)  # closes the service at its end
    client = next(clients)
    try:
        teacher = login(client, recorded, "teacher")
        position = target.runner.position
        again = client.post(
            f"{API}/commands/record-mark",
            headers={**teacher, "Idempotency-Key": key},
            json=mark_body(recorded),
        )
        assert again.status_code == 200, again.text
        assert again.json() == first
        assert target.runner.position == position  # nothing written
        other = client.post(
            f"{API}/commands/record-mark",
            headers={**teacher, "Idempotency-Key": key},
            json=mark_body(recorded, "2"),
        )
        assert other.status_code == 409, other.text
        assert "Idempotency-Key" in other.json()["detail"]
        assert target.runner.position == position
    finally:
        next(clients, None)


def test_the_sessions_of_the_file_come_back_closed(
    recorded: Recorded,
    backed_up: tuple[Path, dict[str, str], dict[str, object], str],
    empty_url: str,
    clock: FakeClock,
) -> None:
    path, old_token, _, _ = backed_up
    target = Service(empty_url, clock=clock)
    header = restore(target, path)
    assert header.sessions_ended >= 1
    clients = client_of(target)  # closes the service at its end
    client = next(clients)
    try:
        refused = client.get(f"{API}/auth/me", headers=old_token)
        assert refused.status_code == 401, refused.text
        # Each ending is an ordinary event, by the system, with its reason.
        auditor = recorded.school.actor(target, "auditor")
        events = audit_events(target, auditor, after=header.head_position, limit=100)
        closings = [e for e in events["events"] if e["type"] == "SessionClosed"]
        assert len(closings) == header.sessions_ended
        assert {e["data"]["reason"] for e in closings} == {RESTORE_REASON}
        assert {e["actor_id"] for e in closings} == {target.system_actor().account_id}
        # Logging in again works, and the new session is live.
        fresh = login(client, recorded, "teacher")
        assert client.get(f"{API}/auth/me", headers=fresh).status_code == 200
    finally:
        next(clients, None)


def _records(lines: Lines) -> list[int]:
    return [i for i, line in enumerate(lines) if b'"record":' in line]


def _changed_response(lines: Lines) -> Lines:
    i = _records(lines)[0]
    data = orjson.loads(lines[i])
    answer = orjson.loads(base64.b64decode(data["response"]))
    answer["mark_id"] = str(uuid.uuid4())
    data["response"] = base64.b64encode(orjson.dumps(answer)).decode()
    lines[i] = orjson.dumps(data) + b"\n"
    return lines


def _added_record(lines: Lines) -> Lines:
    data = orjson.loads(lines[_records(lines)[0]])
    data["record"] = str(uuid.uuid4())
    return [*lines, orjson.dumps(data) + b"\n"]


def _to_format_1(lines: Lines) -> Lines:
    header = orjson.loads(lines[0])
    header["format"] = "ejournal-backup/1"
    del header["records"], header["records_hash"]
    kept = [line for i, line in enumerate(lines[1:], 1) if i not in _records(lines)]
    return [orjson.dumps(header) + b"\n", *kept]


RECORD_DAMAGE: dict[str, Callable[[Lines], Lines]] = {
    "a record's answer changed": _changed_response,
    "a record dropped": lambda ls: [
        line for i, line in enumerate(ls) if i != _records(ls)[0]
    ],
    "a record added": _added_record,
    "the header's record count": lambda ls: [
        ls[0].replace(b'"records":', b'"records":9'),
        *ls[1:],
    ],
}


@pytest.mark.parametrize("damage", list(RECORD_DAMAGE))
def test_a_changed_record_refuses_the_file_and_writes_nothing(
    backed_up: tuple[Path, dict[str, str], dict[str, object], str],
    empty_url: str,
    clock: FakeClock,
    damage: str,
) -> None:
    path = backed_up[0]
    lines = RECORD_DAMAGE[damage](gz_lines(path))
    path.write_bytes(gzip.compress(b"".join(lines)))
    target = Service(empty_url, clock=clock)
    try:
        with pytest.raises(BackupError, match=r"^line \d+: "):
            restore(target, path)
        assert not target.app.recorder.max_notification_id()
    finally:
        target.close()


def test_a_file_of_the_first_format_still_restores(
    service: Service,
    backed_up: tuple[Path, dict[str, str], dict[str, object], str],
    empty_url: str,
    clock: FakeClock,
) -> None:
    path = backed_up[0]
    path.write_bytes(gzip.compress(b"".join(_to_format_1(gz_lines(path)))))
    target = Service(empty_url, clock=clock)
    try:
        header = restore(target, path, end_sessions=False)
        assert header.records == 0
        assert target.runner.position == service.runner.position
    finally:
        target.close()
