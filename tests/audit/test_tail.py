"""A log whose tail was deleted behind the application's back, on both backends:
no write reuses its positions (SQLite would reuse the deleted rows' rowids, which
the views have already passed), the views loop stops with an alarm that /health
answers as a 503, and `ejournal ledger verify` names the cut against a checkpoint
even when the chain's rows were deleted with it."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient

from ejournal.api.app import create_app
from ejournal.domain.errors import LogWentBackwards
from ejournal.projections.ledger import head
from ejournal.service import Service
from tests.audit.conftest import Recorded
from tests.audit.support import checkpoint_now, delete_row, status
from tests.builders import max_position

CUT = 3  # events deleted from the end


def cut_tail(service: Service) -> int:
    """Delete the last CUT events; the old last position."""
    last = max_position(service)
    for position in range(last, last - CUT, -1):
        delete_row(service, position)
    return last


def mark(recorded: Recorded, service: Service) -> dict[str, object]:
    return service.execute(
        recorded.school.actor(service, "teacher"),
        "record-mark",
        {
            "lesson_id": recorded.school.lesson_ids[1],
            "student_id": recorded.school.students[0],
            "value": "5",
            "work_type": "oral",
        },
    )


def test_no_write_takes_the_positions_of_a_deleted_tail(
    service: Service, recorded: Recorded
) -> None:
    service.runner.catch_up()
    last = cut_tail(service)
    assert service.runner.position == last  # the views had passed the tail
    with pytest.raises(LogWentBackwards) as refused:
        mark(recorded, service)
    assert refused.value.status == 503
    assert f"ends at position {last - CUT}" in refused.value.detail
    assert f"had reached {last}" in refused.value.detail
    assert max_position(service) == last - CUT  # nothing written


def test_the_views_loop_stops_with_an_alarm_and_health_says_so(
    service: Service, recorded: Recorded
) -> None:
    service.runner.catch_up()
    last = cut_tail(service)
    app = create_app(lambda: service, start_runner=True)
    with TestClient(app, raise_server_exceptions=False) as client:
        deadline = time.monotonic() + 10
        while not isinstance(service.runner.error, LogWentBackwards):
            assert time.monotonic() < deadline, "no alarm within 10 s"
            time.sleep(0.05)
        assert service.runner.position == last  # it applied nothing since
        r = client.get("/api/v1/health")
        assert r.status_code == 503, r.text
        assert r.headers["content-type"].startswith("application/problem+json")
        assert "went backwards" in r.json()["title"]
        assert "ledger verify" in r.json()["detail"]


def test_verify_names_the_cut_even_with_the_chain_rows_deleted_too(
    service: Service, recorded: Recorded
) -> None:
    checkpoint = checkpoint_now(service)
    last = cut_tail(service)
    verdict = status(service)
    assert (verdict.verified, verdict.first_bad_position) == (False, last - CUT + 1)
    assert verdict.problem is not None and "deleted" in verdict.problem
    # The chain's rows deleted with the events: only the checkpoint still knows.
    with service.app.db().write() as cur:
        cur.execute("DELETE FROM ej_ledger WHERE position > ?", (last - CUT,))
    assert status(service).verified
    with service.app.db().read() as cur:
        assert head(cur)[0] == last - CUT
    verdict = status(service, checkpoint)
    assert (verdict.verified, verdict.first_bad_position) == (False, last)
    assert verdict.problem is not None and "removed" in verdict.problem
