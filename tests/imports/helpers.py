"""Shared by the import tests: the sample files, an empty school with a year."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ejournal.service import Service

SAMPLES = Path(__file__).resolve().parents[2] / "docs" / "samples"


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def open_year(service: Service) -> str:
    """An empty school's 2026/2027 year with the autumn and winter holidays."""
    out: dict[str, Any] = service.execute(
        service.system_actor(),
        "open-academic-year",
        {
            "name": "2026/2027",
            "starts_on": "2026-09-01",
            "ends_on": "2027-05-31",
            "periods": [
                {"name": "I", "starts_on": "2026-09-01", "ends_on": "2026-10-24"},
                {"name": "II", "starts_on": "2026-11-05", "ends_on": "2026-12-27"},
                {"name": "III", "starts_on": "2027-01-12", "ends_on": "2027-03-20"},
                {"name": "IV", "starts_on": "2027-03-30", "ends_on": "2027-05-31"},
            ],
            "holidays": [
                {"name": "autumn", "starts_on": "2026-10-25", "ends_on": "2026-11-04"},
                {"name": "winter", "starts_on": "2026-12-28", "ends_on": "2027-01-11"},
            ],
        },
    )
    return str(out["year_id"])


def csv_bytes(text: str, encoding: str = "utf-8-sig") -> bytes:
    return text.replace("\n", "\r\n").encode(encoding)
