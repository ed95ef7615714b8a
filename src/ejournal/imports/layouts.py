"""The three layouts (раскладки) of an import file: their columns with the
header names a secretary's spreadsheet uses, matched case-insensitively, with
ё read as е and a parenthesised hint ignored ("Дата рождения (ДД.ММ.ГГГГ)")."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ejournal.imports.files import BadFile, Table


@dataclass(frozen=True)
class Column:
    key: str
    title: str  # the header name documented in docs/import.md
    variants: tuple[str, ...] = ()
    required: bool = False


PUPILS = (
    Column("class", "Класс", ("класс", "class"), required=True),
    Column("last_name", "Фамилия", ("фамилия", "фамилия ученика"), required=True),
    Column("first_name", "Имя", ("имя", "имя ученика"), required=True),
    Column("middle_name", "Отчество", ("отчество", "отчество ученика")),
    Column("birth_date", "Дата рождения", ("дата рождения", "д р", "др")),
    Column(
        "enrolled_on",
        "Дата зачисления",
        ("дата зачисления", "зачислен", "дата поступления", "дата приема"),
    ),
    Column(
        "guardian_name",
        "Родитель ФИО",
        ("родитель фио", "фио родителя", "родитель", "законный представитель"),
    ),
    Column(
        "guardian_login",
        "Родитель логин",
        ("родитель логин", "логин родителя", "родитель e-mail", "e-mail родителя"),
    ),
    Column("consent", "Согласие", ("согласие", "согласие на обработку пдн")),
)
STAFF = (
    Column("full_name", "ФИО", ("фио", "фамилия имя отчество"), required=True),
    Column("login", "Логин", ("логин", "login", "e-mail"), required=True),
    Column("roles", "Роли", ("роли", "роль", "должность"), required=True),
    Column(
        "homeroom",
        "Классное руководство",
        ("классное руководство", "классный руководитель", "кл руководство"),
    ),
)
TIMETABLE = (
    Column("class", "Класс", ("класс",), required=True),
    Column("group", "Группа", ("группа", "подгруппа")),
    Column("subject", "Предмет", ("предмет", "дисциплина"), required=True),
    Column("teacher", "Учитель", ("учитель", "преподаватель"), required=True),
    Column("weekday", "День недели", ("день недели", "день"), required=True),
    Column("slot", "Урок", ("урок", "номер урока", "урок №"), required=True),
    Column("from", "С", ("с", "с даты", "начало")),
    Column("until", "По", ("по", "по дату", "конец", "окончание")),
)
LAYOUTS: dict[str, tuple[Column, ...]] = {
    "pupils": PUPILS,
    "staff": STAFF,
    "timetable": TIMETABLE,
}


def normal(header: str) -> str:
    text = header.lower().replace("ё", "е").replace("\ufeff", "")
    text = re.sub(r"\(.*?\)", " ", text)
    text = re.sub(r"[\s._:*№]+", " ", text).strip()
    return text.replace(" - ", "-")


@dataclass
class Mapped:
    """Which file column holds each layout column; the columns not understood."""

    index: dict[str, int]
    unknown: list[str]
    titles: dict[str, str]  # key -> the header as written in the file


def map_header(kind: str, table: Table) -> Mapped:
    columns = LAYOUTS[kind]
    lookup = {normal(v): c for c in columns for v in (c.title, *c.variants)}
    index: dict[str, int] = {}
    titles: dict[str, str] = {}
    unknown: list[str] = []
    for i, raw in enumerate(table.header):
        if not raw:
            continue
        column = lookup.get(normal(raw))
        if column is None or column.key in index:
            unknown.append(raw)
            continue
        index[column.key] = i
        titles[column.key] = raw
    missing = [c.title for c in columns if c.required and c.key not in index]
    if missing:
        expected = "; ".join(c.title for c in columns)
        msg = (
            f"в заголовке нет столбцов: {', '.join(missing)}. "
            f"Первая строка файла должна называть столбцы: {expected}"
        )
        raise BadFile(msg)
    return Mapped(index, unknown, titles)


def records(table: Table, mapped: Mapped) -> list[tuple[int, dict[str, str]]]:
    out = []
    for number, cells in table.rows:
        record = {
            key: (cells[i].strip() if i < len(cells) else "")
            for key, i in mapped.index.items()
        }
        out.append((number, record))
    return out
