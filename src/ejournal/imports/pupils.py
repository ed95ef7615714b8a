"""Pupils and guardians (контингент): one row a pupil with one guardian; a pupil
with two guardians takes two rows (the same class, name and birth date)."""

from __future__ import annotations

from datetime import date
from typing import Any

from ejournal.commands.accounts import account_id_for
from ejournal.domain.account import create_account
from ejournal.domain.school_class import SchoolClass
from ejournal.domain.student import Student, enroll
from ejournal.imports.plan import NO_PASSWORD, ClassPlanner, ru_date


class PupilsPlanner(ClassPlanner):
    def __init__(self, *args: Any, year: dict[str, Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.year = year
        self.starts_on = date.fromisoformat(year["starts_on"])
        self.ends_on = date.fromisoformat(year["ends_on"])
        # class id -> (full name, birth date) -> student id
        self.pupils: dict[str, dict[tuple[str, str | None], str]] = {}
        self.docs: dict[str, dict[str, Any]] = {}  # existing pupils' documents
        self.accounts: dict[str, dict[str, Any]] = {}  # login -> doc (or new)

    def plan_row(self, r: dict[str, str]) -> None:
        class_name = self.required(r, "class")
        parts = [self.required(r, "last_name"), self.required(r, "first_name")]
        parts.append(self.name_of(r, "middle_name"))
        full_name = " ".join(p for p in parts if p)
        birth = self.date_of(r, "birth_date")
        on = self.date_of(r, "enrolled_on") or self.starts_on
        if not self.starts_on <= on <= self.ends_on:
            self.problem(
                "enrolled_on",
                f"{ru_date(on)} вне учебного года {self.year_name()} "
                f"({ru_date(self.starts_on)}–{ru_date(self.ends_on)})",
            )
        if birth is not None and birth >= on:
            self.problem("birth_date", "дата рождения не раньше даты зачисления")
        guardian = self.guardian(r)
        consent = self.yes_no(r, "consent")
        if consent is not None and not r.get("guardian_login"):
            self.problem("consent", "согласие даёт родитель: укажите его логин")
        if not class_name or len(parts) < 2 or not parts[0] or not parts[1]:
            return
        class_id = self.class_id(class_name, "class", create=True)
        if class_id is None or self.row_has_problems():
            return
        student_id = self.pupil(class_id, full_name, birth, on)
        if guardian is not None:
            self.link(student_id, guardian, consent)

    def year_name(self) -> str:
        return str(self.year["name"]) if self.year else ""

    def row_has_problems(self) -> bool:
        return any(p.row == self.row for p in self.problems)

    def known(self, class_id: str) -> dict[tuple[str, str | None], str]:
        known = self.pupils.get(class_id)
        if known is None:
            known = {}
            for doc in self.views.children("student", [class_id]):
                known[(doc["full_name"].lower(), doc.get("birth_date"))] = doc["id"]
                self.docs[doc["id"]] = doc
            self.pupils[class_id] = known
        return known

    def pupil(self, class_id: str, full_name: str, birth: date | None, on: date) -> str:
        key = (full_name.lower(), birth.isoformat() if birth else None)
        known = self.known(class_id)
        existing = known.get(key)
        if existing is not None:
            return existing
        student = enroll(
            self.meta, full_name=full_name, birth_date=birth, class_id=class_id, on=on
        )
        klass: SchoolClass = self.load(class_id, SchoolClass)
        klass.admit(self.meta, str(student.id), on)
        self.touched[class_id] = klass
        self.created_one(student, "pupils")
        known[key] = str(student.id)
        return str(student.id)

    def guardian(self, r: dict[str, str]) -> str | None:
        """The guardian's account id: found by login, or created (role parent)."""
        login = self.login_of(r, "guardian_login")
        name = self.name_of(r, "guardian_name")
        if not login:
            if name and r.get("guardian_login", "") == "":
                self.problem("guardian_login", "у родителя нет логина")
            return None
        doc = self.accounts.get(login.lower())
        if doc is None:
            account_id = self.views.key(f"login:{login.lower()}")
            doc = self.views.doc(account_id) if account_id else None
        if doc is not None:
            if "parent" not in doc["roles"]:
                self.problem(
                    "guardian_login",
                    f"логин «{login}» занят учётной записью без роли родителя",
                )
                return None
            self.accounts[login.lower()] = doc
            return str(doc["id"])
        if not name:
            self.problem("guardian_name", "для нового родителя нужно ФИО")
            return None
        if self.row_has_problems():
            return None
        account = create_account(
            self.meta,
            account_id=account_id_for(login),
            login=login,
            full_name=name,
            roles=["parent"],
            password_hash=NO_PASSWORD,
            student_id=None,
        )
        self.created_one(account, "guardians")
        self.accounts[login.lower()] = {"id": str(account.id), "roles": ["parent"]}
        return str(account.id)

    def link(self, student_id: str, guardian_id: str, consent: bool | None) -> None:
        student: Student | None = self.touched.get(student_id)
        if student is not None:
            guardians, consents = student.guardians, student.consents
        else:
            doc = self.docs[student_id]
            guardians, consents = doc["guardians"], doc["consents"]
        if guardian_id not in guardians:
            student = student or self.load(student_id, Student)
            student.link_guardian(self.meta, guardian_id)
            self.changed(student, "guardian_links")
        if consent is not None and consents.get(guardian_id) != consent:
            student = student or self.load(student_id, Student)
            student.record_consent(self.meta, guardian_id, consent)
            self.changed(student, "consents")
