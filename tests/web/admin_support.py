"""Set-up shared by the administrator's and the auditor's page tests: a throwaway
teacher of its own (so a test's writes are its own), who substitutes on a lesson
and records marks there with their own Actor."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from ejournal.security import Actor
from tests.builders import PASSWORD, actor_for
from tests.web.conftest import Web

_serial = itertools.count(1)


@dataclass
class Teacher:
    account_id: str
    login: str
    full_name: str
    lesson_id: str

    def actor(self, web: Web) -> Actor:
        return actor_for(web.service, self.account_id)


def throwaway_teacher(web: Web, lesson_index: int, name: str = "Temp") -> Teacher:
    """A new teacher account (as the system), recorded as the substitute of one
    of the school's past lessons, so they may write in it."""
    n = next(_serial)
    login = f"temp.{name.lower()}.{n}"
    full_name = f"{name} Teacher {n}"
    out = web.run(
        "create-account",
        {
            "login": login,
            "password": PASSWORD,
            "full_name": full_name,
            "roles": ["teacher"],
        },
    )
    lesson_id = web.school.lesson_ids[lesson_index]
    web.run(
        "record-substitution",
        {"lesson_id": lesson_id, "substitute_teacher_id": out["account_id"]},
    )
    return Teacher(out["account_id"], login, full_name, lesson_id)


def record_mark(web: Web, teacher: Teacher, pupil: str, value: str) -> str:
    out = web.service.execute(
        teacher.actor(web),
        "record-mark",
        {
            "lesson_id": teacher.lesson_id,
            "student_id": pupil,
            "value": value,
            "work_type": "oral",
        },
    )
    return str(out["mark_id"])


def rows_of(html: str, table_class: str) -> list[str]:
    """The body rows of the table with this class, as raw HTML."""
    found = re.search(
        rf'<table class="{table_class}">.*?<tbody>(.*?)</tbody>', html, re.S
    )
    assert found, f"no table {table_class}"
    return re.findall(r"<tr[^>]*>(.*?)</tr>", found.group(1), re.S)


def hrefs(html: str, prefix: str) -> set[str]:
    """The links of a page under ``prefix`` (entities in query strings undone)."""
    found = {h.replace("&amp;", "&") for h in re.findall(r'href="([^"]+)"', html)}
    return {h for h in found if h.startswith(prefix)}
