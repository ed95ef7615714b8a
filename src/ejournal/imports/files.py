"""Reading the secretary's file: CSV as Russian Excel saves it (UTF-8 with or
without BOM, or Windows-1251; ``;`` or ``,`` or tab between fields) or an XLSX
workbook's first sheet, into rows of text cells numbered as the spreadsheet
numbers them (the header is row 1)."""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_ROWS = 100_000
XLSX_MAGIC = b"PK\x03\x04"
XLS_MAGIC = b"\xd0\xcf\x11\xe0"  # the old binary .xls (OLE2)


class BadFile(ValueError):
    """The file cannot be read as a table at all (not a row's problem)."""


@dataclass
class Table:
    header: list[str]
    rows: list[tuple[int, list[str]]]  # (row number in the file, cells)
    format: str  # "csv" or "xlsx"
    encoding: str | None = None
    delimiter: str | None = None


def read_table(data: bytes, filename: str | None = None) -> Table:
    """The table in ``data``: XLSX by its zip signature, else CSV."""
    if len(data) > MAX_FILE_BYTES:
        msg = f"файл больше {MAX_FILE_BYTES // (1024 * 1024)} МБ"
        raise BadFile(msg)
    if not data.strip():
        raise BadFile("файл пуст")
    if data.startswith(XLS_MAGIC):
        msg = "файл старого формата .xls: сохраните его как .xlsx или CSV"
        raise BadFile(msg)
    if data.startswith(XLSX_MAGIC):
        return read_xlsx(data)
    name = (filename or "").lower()
    if name.endswith((".xlsx", ".xlsm", ".ods", ".pdf", ".doc", ".docx")):
        msg = f"файл {filename} не похож на таблицу CSV или XLSX"
        raise BadFile(msg)
    return read_csv(data)


def decode(data: bytes) -> tuple[str, str]:
    """Text and its encoding: a BOM decides; else UTF-8 if it decodes, else
    Windows-1251 (what Russian Excel writes for "CSV (разделители - запятые)")."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    if b"\x00" in data[:4096]:
        raise BadFile("файл двоичный, а не текст CSV")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1251", errors="replace"), "cp1251"


def sniff_delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (";", ",", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ";"


def read_csv(data: bytes) -> Table:
    try:
        text, encoding = decode(data)
    except UnicodeDecodeError:
        raise BadFile("не удалось прочитать кодировку файла") from None
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = sniff_delimiter(first)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        lines = [(reader.line_num, row) for row in _rows(reader)]
    except csv.Error as exc:
        msg = f"файл не читается как CSV: {exc}"
        raise BadFile(msg) from None
    return _table(lines, "csv", encoding, delimiter)


def _rows(reader: Any) -> Any:
    for i, row in enumerate(reader):
        if i > MAX_ROWS:
            msg = f"в файле больше {MAX_ROWS} строк"
            raise BadFile(msg)
        yield row


def _table(
    lines: list[tuple[int, list[str]]],
    fmt: str,
    encoding: str | None = None,
    delimiter: str | None = None,
) -> Table:
    cleaned = [(n, [c.strip() for c in row]) for n, row in lines]
    cleaned = [(n, row) for n, row in cleaned if any(row)]
    if not cleaned:
        raise BadFile("в файле нет строк")
    return Table(cleaned[0][1], cleaned[1:], fmt, encoding, delimiter)


def cell_text(value: Any) -> str:
    """An XLSX cell as the text a CSV export would hold (dates ДД.ММ.ГГГГ)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        if value.time() == time(0):
            return value.strftime("%d.%m.%Y")
        return value.strftime("%d.%m.%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, bool):
        return "да" if value else "нет"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_xlsx(data: bytes) -> Table:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        msg = f"файл не читается как XLSX: {exc}"
        raise BadFile(msg) from None
    try:
        sheet = book.worksheets[0] if book.worksheets else None
        if sheet is None:
            raise BadFile("в книге нет листов")
        lines: list[tuple[int, list[str]]] = []
        for n, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            if n > MAX_ROWS:
                msg = f"в файле больше {MAX_ROWS} строк"
                raise BadFile(msg)
            lines.append((n, [cell_text(v) for v in values]))
    finally:
        book.close()
    return _table(lines, "xlsx")
