"""Projection tests never log in, so accounts get a precomputed password hash
instead of spending ~80 ms of argon2 each: a school builds in a fraction of the
time, which lets the property tests start every example from a fresh school."""

from __future__ import annotations

import pytest

import ejournal.commands.accounts as setup_commands
from ejournal.security import hash_password
from tests.builders import PASSWORD

_HASH = hash_password(PASSWORD)


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    assert callable(setup_commands.hash_password)
    monkeypatch.setattr(setup_commands, "hash_password", lambda password: _HASH)
