"""The ledger: a hash chain over the stored log that names the first position an
edit made straight in the database touched."""

from __future__ import annotations

import pytest

from ejournal.service import Service
from ejournal.verification import Checkpoint, LedgerError, new_key_pair, verify
from tests.audit.conftest import Recorded
from tests.audit.support import (
    checkpoint_now,
    delete_row,
    expected_chain,
    flip_byte,
    insert_row,
    position_of,
    rewrite_chain,
    rows,
    set_state,
    shift_up_from,
    status,
    stored_state,
    swap_rows,
)
from tests.builders import School, max_position, run


@pytest.fixture
def history(recorded: Recorded) -> School:
    return recorded.school


def test_the_ledger_chains_every_event_by_the_documented_formula(
    service: Service, history: School
) -> None:
    verdict = status(service)
    chain = expected_chain(service)
    assert verdict.verified, verdict
    assert verdict.first_bad_position is None
    assert verdict.position == max_position(service) == chain[-1][0]
    assert verdict.head_hash == chain[-1][1]
    assert verdict.checked == len(chain) == len(rows(service))
    with service.app.db().read() as cur:
        stored = [
            (int(r["position"]), r["hash"])
            for r in cur.execute(
                "SELECT position, hash FROM ej_ledger ORDER BY position"
            ).fetchall()
        ]
    assert stored == chain


def test_a_flipped_byte_in_a_stored_state_is_named(
    service: Service, history: School
) -> None:
    target = position_of(service, "MarkRecorded", 1)
    flip_byte(service, target)
    verdict = status(service)
    assert not verdict.verified
    assert verdict.first_bad_position == target
    assert "changed" in (verdict.problem or "")


def test_a_mark_changed_in_the_database_fools_the_views_but_not_the_ledger(
    service: Service, history: School
) -> None:
    target = position_of(service, "MarkRecorded", 0)
    state = stored_state(service, target)
    assert b'"value":"4"' in state
    set_state(service, target, state.replace(b'"value":"4"', b'"value":"5"'))
    lesson = service.app.get(history.lesson_ids[0], object)
    assert sorted(m["value"] for m in lesson.marks.values()) == ["3", "5", "5"]
    assert status(service).first_bad_position == target


def test_a_deleted_row_in_the_middle_is_named(
    service: Service, history: School
) -> None:
    target = position_of(service, "AttendanceRecorded")
    delete_row(service, target)
    verdict = status(service)
    assert (verdict.verified, verdict.first_bad_position) == (False, target)
    assert "deleted" in (verdict.problem or "")


def test_the_deleted_last_row_is_named(service: Service, history: School) -> None:
    last = max_position(service)
    delete_row(service, last)
    verdict = status(service)
    assert (verdict.verified, verdict.first_bad_position) == (False, last)


def test_a_row_inserted_before_the_first_event_is_named(
    service: Service, history: School
) -> None:
    _, row = rows(service)[0]
    assert row is not None
    insert_row(service, 0, row.stream_id, 99, row.topic, row.state)
    verdict = status(service)
    assert (verdict.verified, verdict.first_bad_position) == (False, 0)
    assert "inserted" in (verdict.problem or "")


def test_a_row_inserted_midway_with_later_rows_moved_up_is_named(
    service: Service, history: School
) -> None:
    target = position_of(service, "MarkRecorded", 1)
    forged = next(r for p, r in rows(service) if p == target)
    assert forged is not None
    shift_up_from(service, target)
    insert_row(
        service, target, forged.stream_id, 99, forged.topic,
        forged.state.replace(b'"value":"5"', b'"value":"2"'),
    )
    assert status(service).first_bad_position == target


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_a_row_inserted_into_a_gap_of_the_sequence_is_named(
    service: Service, history: School
) -> None:
    """PostgreSQL leaves gaps (a rolled-back append still takes a number): an
    event appearing in one after the ledger passed it was inserted."""
    db = service.app.db()
    with db.write() as cur:
        cur.execute(
            "SELECT nextval(pg_get_serial_sequence(?, 'notification_id'))",
            (db.events_table_ref,),
        )
    gap = max_position(service) + 1
    run(service, service.system_actor(), "create-class", {
        "year_id": history.year_id, "name": "7В", "grade": 7,
    })
    service.runner.catch_up()
    assert max_position(service) == gap + 1
    assert status(service).verified
    _, row = rows(service)[-1]
    assert row is not None
    insert_row(service, gap, row.stream_id, 99, row.topic, row.state)
    verdict = status(service)
    assert (verdict.verified, verdict.first_bad_position) == (False, gap)


def test_two_swapped_rows_are_named_at_the_earlier(
    service: Service, history: School
) -> None:
    a = position_of(service, "MarkRecorded", 0)
    b = position_of(service, "MarkRecorded", 2)
    swap_rows(service, a, b)
    verdict = status(service)
    assert (verdict.verified, verdict.first_bad_position) == (False, a)


def test_a_rewritten_chain_is_caught_only_by_a_checkpoint(
    service: Service, history: School
) -> None:
    checkpoint = checkpoint_now(service)
    target = position_of(service, "MarkRecorded", 2)
    flip_byte(service, target)
    rewrite_chain(service)
    assert status(service).verified  # the table alone agrees with the edited log
    verdict = status(service, checkpoint)
    assert not verdict.verified
    assert verdict.first_bad_position == checkpoint.position
    assert "checkpoint" in (verdict.problem or "")


def test_the_log_extends_a_checkpoint_after_more_writes(
    service: Service, history: School
) -> None:
    checkpoint = checkpoint_now(service)
    run(service, service.system_actor(), "create-class", {
        "year_id": history.year_id, "name": "8Г", "grade": 8,
    })
    verdict = status(service, checkpoint)
    assert verdict.verified
    assert verdict.position > checkpoint.position


def test_a_log_cut_short_before_the_checkpoint_is_named(
    service: Service, history: School
) -> None:
    checkpoint = checkpoint_now(service)
    last = max_position(service)
    delete_row(service, last)
    rewrite_chain(service)
    assert status(service).verified
    verdict = status(service, checkpoint)
    assert (verdict.verified, verdict.first_bad_position) == (False, last)


def test_a_signed_checkpoint_is_checked_with_the_public_key(
    service: Service, history: School
) -> None:
    private, public = new_key_pair()
    checkpoint = checkpoint_now(service).signed(private)
    again = Checkpoint.from_json(checkpoint.to_json())
    again.check_signature(public)
    forged = Checkpoint.from_json(
        checkpoint.to_json().replace(checkpoint.hash, "0" * 64)
    )
    with pytest.raises(LedgerError, match="signature"):
        forged.check_signature(public)
    _, stranger = new_key_pair()
    with pytest.raises(LedgerError, match="signature"):
        again.check_signature(stranger)
    unsigned = Checkpoint(checkpoint.position, checkpoint.hash, checkpoint.taken_at)
    with pytest.raises(LedgerError, match="not signed"):
        unsigned.check_signature(public)


def test_rebuilding_the_views_keeps_the_evidence(
    service: Service, history: School
) -> None:
    target = position_of(service, "MarkRecorded", 1)
    state = stored_state(service, target)
    set_state(service, target, state.replace(b'"value":"5"', b'"value":"2"'))
    service.runner.reset()
    service.runner.catch_up()
    assert status(service).first_bad_position == target


def test_a_garbled_ledger_row_is_named_and_does_not_stop_the_views(
    service: Service, history: School
) -> None:
    last = max_position(service)
    with service.app.db().write() as cur:
        cur.execute("UPDATE ej_ledger SET hash = 'zz' WHERE position = ?", (last,))
    run(service, service.system_actor(), "create-class", {
        "year_id": history.year_id, "name": "9Д", "grade": 9,
    })
    assert service.runner.position == max_position(service)
    assert status(service).first_bad_position == last


def test_verification_up_to_a_position_ignores_later_damage(
    service: Service, history: School
) -> None:
    middle = position_of(service, "AttendanceRecorded")
    flip_byte(service, max_position(service))
    with service.app.db().read() as cur:
        verdict = verify(cur, upto=middle)
    assert verdict.verified and verdict.position == middle
    assert verdict.head_hash == dict(expected_chain(service))[middle]


def test_events_written_after_the_ledger_are_pending_not_bad(
    service: Service, history: School
) -> None:
    run(service, service.system_actor(), "create-class", {
        "year_id": history.year_id, "name": "10Е", "grade": 10,
    })
    with service.app.db().write() as cur:
        cur.execute(
            "DELETE FROM ej_ledger WHERE position = ?", (max_position(service),)
        )
    with service.app.db().read() as cur:
        verdict = verify(cur)
    assert verdict.verified and verdict.pending == 1


def test_a_log_written_before_the_ledger_existed_is_chained_from_its_start(
    service: Service, history: School
) -> None:
    with service.app.db().write() as cur:
        cur.execute("DELETE FROM ej_ledger")
    run(service, service.system_actor(), "create-class", {
        "year_id": history.year_id, "name": "11Ж", "grade": 11,
    })
    verdict = status(service)
    assert verdict.verified and verdict.position == max_position(service)
    assert verdict.head_hash == expected_chain(service)[-1][1]


def test_a_forged_row_before_the_first_survives_no_rebuild(
    service: Service, history: School
) -> None:
    _, row = rows(service)[0]
    assert row is not None
    insert_row(service, -5, row.stream_id, 98, row.topic, row.state)
    service.runner.reset()
    service.runner.catch_up()
    assert status(service).first_bad_position == -5
