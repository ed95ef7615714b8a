"""Reading files: the encodings and delimiters Russian Excel writes, the XLSX
sample, header variants, and files that are no table at all."""

from __future__ import annotations

import io
from datetime import datetime

import pytest
import xlsxwriter

from ejournal.imports.files import BadFile, read_table
from ejournal.imports.layouts import map_header, records
from tests.imports.helpers import csv_bytes, sample

PUPILS = "Класс;Фамилия;Имя;Дата рождения\n5А;Ёлкина;Юлия;01.02.2015\n"


@pytest.mark.parametrize(
    ("data", "encoding", "delimiter"),
    [
        (csv_bytes(PUPILS, "utf-8-sig"), "utf-8-sig", ";"),
        (csv_bytes(PUPILS, "utf-8"), "utf-8", ";"),
        (csv_bytes(PUPILS, "cp1251"), "cp1251", ";"),
        (csv_bytes(PUPILS.replace(";", ","), "cp1251"), "cp1251", ","),
        (PUPILS.replace(";", "\t").encode("utf-16"), "utf-16", "\t"),
    ],
)
def test_csv_in_any_encoding_and_delimiter_reads_the_same(
    data: bytes, encoding: str, delimiter: str
) -> None:
    # Given the same rows saved by Excel in one of its CSV flavours
    # When the file is read
    table = read_table(data, "pupils.csv")
    # Then the encoding and delimiter are found and the cells are the same
    assert (table.encoding, table.delimiter) == (encoding, delimiter)
    assert table.header == ["Класс", "Фамилия", "Имя", "Дата рождения"]
    assert table.rows == [(2, ["5А", "Ёлкина", "Юлия", "01.02.2015"])]


def test_the_xlsx_sample_reads_like_the_csv_sample() -> None:
    # Given the pupils sample as CSV and as XLSX (dates as real date cells)
    # When both are read
    csv_table = read_table(sample("pupils.csv"), "pupils.csv")
    xlsx_table = read_table(sample("pupils.xlsx"), "pupils.xlsx")
    # Then they hold the same rows, dates written ДД.ММ.ГГГГ
    assert xlsx_table.format == "xlsx"
    assert xlsx_table.header == csv_table.header
    assert [r for _, r in xlsx_table.rows] == [
        list(r) + [""] * (len(csv_table.header) - len(r)) for _, r in csv_table.rows
    ]


def test_xlsx_numbers_and_dates_become_text() -> None:
    # Given a workbook with a numeric lesson number and a datetime cell
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, ["Урок", "С"])
    sheet.write_number(1, 0, 3)
    sheet.write_datetime(
        1, 1, datetime(2026, 9, 1), book.add_format({"num_format": "d.m.yy"})
    )
    book.close()
    # When it is read
    table = read_table(out.getvalue(), "t.xlsx")
    # Then the cells are the text a CSV would hold
    assert table.rows == [(2, ["3", "01.09.2026"])]


def test_headers_match_case_and_hints_and_unknown_columns_are_listed() -> None:
    # Given headers in capitals, with a hint in brackets, and a column of its own
    text = (
        "№;КЛАСС;фамилия ;Имя;Дата рождения (ДД.ММ.ГГГГ);Примечание\n1;5А;Ким;Ли;;x\n"
    )
    table = read_table(csv_bytes(text), "p.csv")
    # When the header is mapped onto the pupils layout
    mapped = map_header("pupils", table)
    # Then the known columns are found and the others listed as ignored
    assert mapped.unknown == ["№", "Примечание"]
    assert records(table, mapped)[0][1]["last_name"] == "Ким"
    assert records(table, mapped)[0][1]["birth_date"] == ""


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"", "p.csv", "пуст"),
        (b"   \r\n", "p.csv", "пуст"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "p.xls", ".xls"),
        (b"\x89PNG\r\n\x1a\n\0\0\0", "p.png", "двоичный"),
        (b"PK\x03\x04not really a zip", "p.xlsx", "XLSX"),
    ],
)
def test_files_that_are_no_table_are_refused_clearly(
    data: bytes, name: str, message: str
) -> None:
    # Given a file that is not a CSV or XLSX table
    # When it is read, then it is refused with a message saying why
    with pytest.raises(BadFile, match=message):
        read_table(data, name)


def test_a_wrong_header_names_the_missing_columns() -> None:
    # Given a staff file given as pupils
    table = read_table(sample("staff.csv"), "staff.csv")
    # When it is mapped onto the pupils layout, then the missing columns are named
    with pytest.raises(BadFile, match="Класс, Фамилия, Имя"):
        map_header("pupils", table)
