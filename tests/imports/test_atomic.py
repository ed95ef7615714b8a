"""An import is written whole or not at all: a write that collides with another
command's in the database leaves nothing of the file, and the file is checked
again on the new state."""

from __future__ import annotations

from typing import Any

import pytest

from ejournal.imports import run_import
from ejournal.projections.reader import reader
from ejournal.service import Service
from tests.builders import PASSWORD, School, max_position
from tests.imports.helpers import csv_bytes

FILE = csv_bytes(
    "Класс;Фамилия;Имя;Родитель ФИО;Родитель логин;Согласие\n"
    "5А;Петров;Пётр;Петрова Анна;petrova.a;да\n"
    "6Б;Сидоров;Сидор;Сидорова Вера;sidorova.v;да\n"
)


def race(service: Service, monkeypatch: pytest.MonkeyPatch, roles: list[str]) -> None:
    """Just before the import's save, another command creates the login
    sidorova.v (the same account stream the import is about to create)."""
    real_save = service.commands.save
    raced = False

    def save(objs: list[Any], record: Any) -> list[Any]:
        nonlocal raced
        if not raced:
            raced = True
            service.execute(
                service.system_actor(),
                "create-account",
                {
                    "login": "sidorova.v",
                    "password": PASSWORD,
                    "full_name": "Сидорова Вера",
                    "roles": roles,
                },
            )
        return real_save(objs, record)

    monkeypatch.setattr(service.commands, "save", save)


def test_a_colliding_write_leaves_nothing_and_the_file_is_checked_again(
    service: Service, school: School, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given another command that takes one of the file's new logins, as a
    # teacher, between the import's check and its save
    race(service, monkeypatch, ["teacher"])
    start = max_position(service)
    # When the file is imported
    result = run_import(
        service, service.system_actor(), "pupils", FILE, year=school.year_id
    )
    # Then the save failed as a whole: only the other command's event is in the
    # log, none of the first row's pupil, parent, link or consent
    assert max_position(service) == start + 1
    with reader(service.app) as views:
        names = {s["full_name"] for s in views.children("student", [school.class_id])}
        assert "Петров Пётр" not in names
        assert views.key("login:petrova.a") is None
    # And the file, checked again, names the login now taken by a teacher
    assert [(p["row"], p["column"]) for p in result.problems] == [(3, "Родитель логин")]


def test_after_a_collision_with_a_parent_the_import_links_that_parent(
    service: Service, school: School, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the same race, but the login is taken by a parent account
    race(service, monkeypatch, ["parent"])
    # When the file is imported
    result = run_import(
        service, service.system_actor(), "pupils", FILE, year=school.year_id
    )
    # Then the second attempt links the existing parent and writes the rest
    assert result.problems == []
    assert result.created == {
        "pupils": 2,
        "guardians": 1,
        "guardian_links": 2,
        "consents": 2,
    }
