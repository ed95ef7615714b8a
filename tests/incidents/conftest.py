"""The incident tests' school: the one of tests/builders.py plus a second
administrator (who reports the first), built once per session and copied into
each test's own empty store, because its argon2 password hashes take seconds."""

from __future__ import annotations

import pytest
from eventsourcing.persistence import StoredEvent

from ejournal.service import Service
from tests.builders import PASSWORD, FakeClock, School, build_school
from tests.incidents.support import copy_into, fresh_service, notifications


@pytest.fixture(scope="session")
def school_log() -> tuple[School, list[StoredEvent]]:
    with fresh_service("sqlite", None, FakeClock()) as service:
        school = build_school(service)
        out = service.execute(
            service.system_actor(),
            "create-account",
            {
                "login": "admin2",
                "password": PASSWORD,
                "full_name": "Second Admin",
                "roles": ["admin"],
            },
        )
        school.accounts["admin2"], school.logins["admin2"] = out["account_id"], "admin2"
        events = [
            StoredEvent(n.originator_id, n.originator_version, n.topic, n.state)
            for n in notifications(service)
        ]
    return school, events


@pytest.fixture
def school(service: Service, school_log: tuple[School, list[StoredEvent]]) -> School:
    """Overrides tests/conftest.py's ``school``: the same school, copied (same ids,
    same moments on the same FakeClock start)."""
    built, events = school_log
    copy_into(service, events)
    return built
