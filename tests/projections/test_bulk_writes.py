"""Bulk writes of the views (COPY on PostgreSQL, executemany on SQLite) store every
value exactly as the row-by-row statements would."""

from __future__ import annotations

import pytest

from ejournal.database import COPY_FROM
from ejournal.store import SchoolApp, open_store

AWKWARD = [
    "plain",
    "tab\there",
    "new\nline",
    "carriage\rreturn",
    "back\\slash \\N \\x00",
    "кириллица «ёлка»",
    "",
    None,
]


@pytest.fixture
def app(database_url: str) -> SchoolApp:
    store = open_store(database_url)
    with store.db().write() as cur:
        cur.execute(
            "CREATE TABLE IF NOT EXISTS ej_bulk (id BIGINT PRIMARY KEY, "
            "label TEXT, blob "
            + ("BYTEA" if store.config.backend == "postgres" else "BLOB")
            + ")"
        )
    return store


def _rows(n: int, tag: str) -> list[tuple[int, str | None, bytes | None]]:
    return [
        (
            i,
            None
            if AWKWARD[i % len(AWKWARD)] is None
            else f"{tag}{AWKWARD[i % len(AWKWARD)]}",
            None if i % 5 == 0 else bytes([i % 256, 0, 92, 9, 10]),
        )
        for i in range(n)
    ]


def _stored(app: SchoolApp) -> list[tuple[int, str | None, bytes | None]]:
    with app.db().read() as cur:
        rows = cur.execute("SELECT id, label, blob FROM ej_bulk ORDER BY id").fetchall()
    return [
        (int(r["id"]), r["label"], None if r["blob"] is None else bytes(r["blob"]))
        for r in rows
    ]


@pytest.mark.parametrize("count", [3, COPY_FROM + 5])
def test_inserted_rows_read_back_unchanged(app: SchoolApp, count: int) -> None:
    rows = _rows(count, "")
    with app.db().write() as cur:
        cur.insert_rows("ej_bulk", ("id", "label", "blob"), rows)
    assert _stored(app) == rows
    app.close()


@pytest.mark.parametrize("count", [3, COPY_FROM + 5])
def test_upserted_rows_replace_by_key_and_keep_the_rest(
    app: SchoolApp, count: int
) -> None:
    first = _rows(count, "old ")
    with app.db().write() as cur:
        cur.insert_rows("ej_bulk", ("id", "label", "blob"), first)
    changed = [(i, label, blob) for i, label, blob in _rows(count, "new ") if i % 2]
    added = [(count + 1, "added\ttoo", b"\x00")]
    with app.db().write() as cur:
        cur.upsert_rows(
            "ej_bulk", ("id", "label", "blob"), "id", ("label",), changed + added
        )
    expected = {i: (i, label, blob) for i, label, blob in first}
    for i, label, _blob in changed:
        expected[i] = (i, label, expected[i][2])  # only the label is updated
    expected[count + 1] = added[0]
    assert _stored(app) == [expected[k] for k in sorted(expected)]
    with app.db().write() as cur:
        cur.delete_where_in("ej_bulk", "id", [i for i, _, _ in changed])
    assert [r[0] for r in _stored(app)] == sorted(
        k for k in expected if k not in {i for i, _, _ in changed}
    )
    app.close()
