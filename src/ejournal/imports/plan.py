"""What every import planner shares: the row being read, its problems (in
Russian, with the file's row number and column), the aggregates it changes
(held here until the whole file is known to be valid), and the values read
from cells (dates, yes/no)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from ejournal.domain.base import Meta
from ejournal.domain.errors import DomainError
from ejournal.projections.reader import Reader
from ejournal.store import SchoolApp

# No password verifies against this (not an argon2 hash): an imported account
# signs in once the administrator sets its password (reset-password).
NO_PASSWORD = "!imported: set by reset-password"  # noqa: S105
LOGIN = re.compile(r"^[A-Za-z0-9._@-]{2,64}$")
MAX_NAME = 200
YES = {"да", "д", "yes", "y", "1", "+", "true", "истина", "есть"}
NO = {"нет", "н", "no", "n", "0", "-", "false", "ложь"}


@dataclass(frozen=True)
class Problem:
    row: int
    column: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": self.message}


class Planner:
    """Reads rows one by one against the current views and the aggregates it
    has already changed; writes nothing."""

    def __init__(
        self,
        app: SchoolApp,
        views: Reader,
        meta: Meta,
        titles: dict[str, str],
        defaults: dict[str, str],
        *,
        year: dict[str, Any] | None = None,
    ) -> None:
        self.app = app
        self.views = views
        self.meta = meta
        self.titles = {**defaults, **titles}
        self.year = year
        self.problems: list[Problem] = []
        self.touched: dict[str, Any] = {}  # stream id -> aggregate, in order
        self.created: Counter[str] = Counter()
        self.unchanged = 0
        self.rows = 0
        self.row = 0
        self._changed = False
        self.progress: Callable[[int, int], None] | None = None

    # -- rows ---------------------------------------------------------------------
    def run(self, records: list[tuple[int, dict[str, str]]]) -> None:
        total = len(records)
        for number, record in records:
            self.row = number
            self.rows += 1
            self._changed = False
            before = len(self.problems)
            try:
                self.plan_row(record)
            except DomainError as exc:  # a rule of the domain refused the row
                self.problem(exc.field or "", exc.detail)
            if len(self.problems) == before and not self._changed:
                self.unchanged += 1
            if self.progress is not None and (
                self.rows % 50 == 0 or self.rows == total
            ):
                self.progress(self.rows, total)
        self.finish()

    def plan_row(self, record: dict[str, str]) -> None:
        raise NotImplementedError

    def finish(self) -> None:
        """After the last row: checks over the whole file."""

    def problem(self, key: str, message: str, row: int | None = None) -> None:
        column = self.titles.get(key, key)
        self.problems.append(Problem(self.row if row is None else row, column, message))

    # -- aggregates ---------------------------------------------------------------
    def created_one(self, aggregate: Any, what: str) -> None:
        self.touched[str(aggregate.id)] = aggregate
        self.created[what] += 1
        self._changed = True

    changed = created_one  # an existing aggregate with new events

    def load(self, stream_id: str, cls: type[Any]) -> Any:
        aggregate = self.touched.get(stream_id)
        if aggregate is None:
            aggregate = self.app.get(stream_id, cls)
        return aggregate

    def aggregates(self) -> list[Any]:
        return [a for a in self.touched.values() if a.pending_events]

    # -- cells --------------------------------------------------------------------
    def date_of(self, record: dict[str, str], key: str) -> date | None:
        """A date cell: ДД.ММ.ГГГГ (or ГГГГ-ММ-ДД); None if empty or wrong."""
        text = record.get(key, "")
        if not text:
            return None
        day = parse_date(text)
        if day is None:
            self.problem(key, f"«{text}» — не дата: нужна дата ДД.ММ.ГГГГ")
        return day

    def name_of(self, record: dict[str, str], key: str) -> str:
        text = " ".join(record.get(key, "").split())
        if len(text) > MAX_NAME:
            self.problem(key, f"длиннее {MAX_NAME} знаков")
            return ""
        return text

    def required(self, record: dict[str, str], key: str) -> str:
        text = self.name_of(record, key)
        if not text:
            self.problem(key, "не заполнено")
        return text

    def yes_no(self, record: dict[str, str], key: str) -> bool | None:
        text = record.get(key, "").strip().lower()
        if not text:
            return None
        if text in YES:
            return True
        if text in NO:
            return False
        self.problem(key, f"«{record[key]}»: нужно «да» или «нет»")
        return None

    def login_of(self, record: dict[str, str], key: str) -> str:
        text = record.get(key, "").strip()
        if text and not LOGIN.match(text):
            self.problem(
                key,
                f"«{text}» — не логин: 2–64 латинских буквы, цифры, точка, "
                "дефис, подчёркивание или @",
            )
            return ""
        return text


def parse_date(text: str) -> date | None:
    text = text.strip().split(" ")[0]
    m = re.fullmatch(r"(\d{1,2})[./-](\d{1,2})[./-](\d{4})", text)
    try:
        if m:
            return date(int(m[3]), int(m[2]), int(m[1]))
        m = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text)
        if m:
            return date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None
    return None


def ru_date(day: date | str) -> str:
    if isinstance(day, str):
        day = date.fromisoformat(day)
    return day.strftime("%d.%m.%Y")


def grade_of(class_name: str) -> int | None:
    m = re.match(r"\s*(\d{1,2})", class_name)
    if m and 1 <= int(m[1]) <= 11:
        return int(m[1])
    return None


def find_year(views: Reader, year: str | None) -> dict[str, Any] | None:
    """A year by id or by name ("2026/2027", also "2026/27", "2026-2027"); the
    latest year when none is named."""
    years = views.all_of_kind("year")
    if not year:
        return max(years, key=lambda y: y["starts_on"]) if years else None
    wanted = year.strip()
    for doc in years:
        if doc["id"] == wanted or doc["name"] == wanted:
            return doc
    m = re.fullmatch(r"(\d{4})\s*[/-]\s*(\d{2}|\d{4})", wanted)
    if m:
        for doc in years:
            if doc["starts_on"][:4] == m[1] and doc["ends_on"][:4].endswith(m[2]):
                return doc
    return None


class ClassPlanner(Planner):
    """A planner of one academic year: finds classes by name, creates those the
    file names and the school lacks (the parallel from the name: 5А → 5)."""

    def classes(self) -> dict[str, dict[str, Any]]:
        cached: dict[str, dict[str, Any]] | None = getattr(self, "_classes", None)
        if cached is None:
            cached = {}
            if self.year is not None:
                for doc in self.views.children("class", [self.year["id"]]):
                    cached[class_key(doc["name"])] = doc
            self._classes = cached
        return cached

    def class_id(
        self, name: str, key: str, *, create: bool, teacher_id: str | None = None
    ) -> str | None:
        from ejournal.domain.school_class import create_class

        if self.year is None:
            self.problem(key, "в журнале нет учебного года: откройте его")
            return None
        doc = self.classes().get(class_key(name))
        if doc is not None:
            return str(doc["id"])
        if not create:
            self.problem(key, f"класса «{name}» нет в {self.year['name']} году")
            return None
        grade = grade_of(name)
        if grade is None:
            self.problem(key, f"«{name}»: название класса начинается с параллели 1–11")
            return None
        klass = create_class(
            self.meta,
            year_id=self.year["id"],
            name=" ".join(name.split()),
            grade=grade,
            class_teacher_id=teacher_id,
        )
        self.created_one(klass, "classes")
        self.classes()[class_key(name)] = {
            "id": str(klass.id),
            "name": klass.name,
            "class_teacher_id": teacher_id,
            "groups": {},
            "new": True,
        }
        return str(klass.id)


def class_key(name: str) -> str:
    return "".join(name.split()).lower().replace("ё", "е")
