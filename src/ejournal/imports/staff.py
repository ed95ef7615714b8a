"""Staff (сотрудники): accounts with their roles, and the classes each leads
(классное руководство)."""

from __future__ import annotations

import re
from typing import Any

from ejournal.commands.accounts import account_id_for
from ejournal.domain.account import create_account
from ejournal.imports.plan import NO_PASSWORD, ClassPlanner, class_key

ROLES = {
    "учитель": "teacher",
    "педагог": "teacher",
    "преподаватель": "teacher",
    "завуч": "deputy",
    "заместитель директора": "deputy",
    "зам директора": "deputy",
    "замдиректора": "deputy",
    "директор": "director",
    "секретарь": "secretary",
    "администратор": "admin",
    "админ": "admin",
    "аудитор": "auditor",
    "проверяющий": "auditor",
}
ROLE_IDS = {"teacher", "deputy", "director", "secretary", "admin", "auditor"}


def role_ids(text: str) -> tuple[list[str], list[str]]:
    """Role ids named in a cell ("учитель, завуч"), and the words not understood."""
    roles: list[str] = []
    unknown: list[str] = []
    for word in re.split(r"[,;/+\n]+", text):
        word = " ".join(word.replace(".", " ").replace("ё", "е").lower().split())
        if not word:
            continue
        role = ROLES.get(word) or (word if word in ROLE_IDS else None)
        if role is None:
            unknown.append(word)
        elif role not in roles:
            roles.append(role)
    return roles, unknown


class StaffPlanner(ClassPlanner):
    def __init__(self, *args: Any, year: dict[str, Any] | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.year = year
        self.logins: dict[str, int] = {}  # login -> the row that named it first

    def plan_row(self, r: dict[str, str]) -> None:
        full_name = self.required(r, "full_name")
        login = self.login_of(r, "login")
        if not login and not r.get("login"):
            self.problem("login", "не заполнено")
        roles, unknown = role_ids(r.get("roles", ""))
        if unknown:
            self.problem(
                "roles",
                f"неизвестные роли: {', '.join(unknown)} (учитель, завуч, директор, "
                "секретарь, администратор, аудитор)",
            )
        elif not roles:
            self.problem("roles", "не заполнено")
        homerooms = [c.strip() for c in re.split(r"[,;]", r.get("homeroom", ""))]
        homerooms = [c for c in homerooms if c]
        if homerooms and "teacher" not in roles:
            self.problem("homeroom", "классный руководитель — учитель: добавьте роль")
        if not login:
            return
        first = self.logins.setdefault(login.lower(), self.row)
        if first != self.row:
            self.problem("login", f"логин «{login}» уже был в строке {first}")
            return
        if any(p.row == self.row for p in self.problems):
            return
        account_id = self.account(login, full_name, roles)
        if account_id is not None:
            for name in homerooms:
                self.homeroom(name, account_id)

    def account(self, login: str, full_name: str, roles: list[str]) -> str | None:
        existing_id = self.views.key(f"login:{login.lower()}")
        if existing_id is not None:
            doc = self.views.doc(existing_id) or {}
            if set(doc.get("roles", [])) != set(roles):
                self.problem(
                    "roles",
                    f"у логина «{login}» в журнале другие роли: "
                    f"{', '.join(doc.get('roles', []))}; роли меняет администратор",
                )
                return None
            return existing_id
        account = create_account(
            self.meta,
            account_id=account_id_for(login),
            login=login,
            full_name=full_name,
            roles=roles,
            password_hash=NO_PASSWORD,
            student_id=None,
        )
        self.created_one(account, "accounts")
        return str(account.id)

    def homeroom(self, name: str, teacher_id: str) -> None:
        doc = self.classes().get(class_key(name))
        if doc is None:
            self.class_id(name, "homeroom", create=True, teacher_id=teacher_id)
            return
        if doc.get("class_teacher_id") == teacher_id:
            return
        if doc.get("new"):
            self.problem("homeroom", f"у класса «{name}» уже есть руководитель в файле")
        elif doc.get("class_teacher_id") is None:
            self.problem(
                "homeroom",
                f"класс «{name}» уже создан без классного руководителя: "
                "назначить его импорт не может",
            )
        else:
            self.problem(
                "homeroom",
                f"класс «{name}» уже создан с другим классным руководителем: "
                "сменить его импорт не может",
            )
