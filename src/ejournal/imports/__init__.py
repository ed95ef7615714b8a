"""Import of a school's own lists (CSV or XLSX, Russian headers): pupils and
guardians, staff, the timetable. Every row is checked first; nothing is written
unless the whole file is valid, and then all of it in one transaction.
Re-importing the same file writes nothing (see docs/import.md)."""

from __future__ import annotations

from ejournal.imports.files import BadFile, read_table
from ejournal.imports.run import KINDS, BadImportFile, ImportResult, run_import

__all__ = [
    "KINDS",
    "BadFile",
    "BadImportFile",
    "ImportResult",
    "read_table",
    "run_import",
]
