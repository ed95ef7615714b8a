"""Rendering: Jinja2 templates to PDF through WeasyPrint, with DejaVu fonts
embedded (Cyrillic) and the provenance in the footer of every page, in the PDF's
metadata and as an attached ``provenance.json``. The output is PDF/A-3b (the
variant WeasyPrint writes; A-3 allows the attachment)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, select_autoescape

from ejournal.printouts.provenance import META_KEY, Provenance

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
SCHOOL_TZ = ZoneInfo("Europe/Moscow")
PDF_VARIANT = "pdf/a-3b"
# Lessons per block of a course journal's grid: what fits an A4 landscape page.
GRID_COLUMNS = 20


def _date(value: str | date | None) -> str:
    if value in (None, ""):
        return ""
    day = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    return day.strftime("%d.%m.%Y")


def _short(value: str | date | None) -> str:
    return _date(value)[:5]


def _moment(value: str | datetime | None) -> str:
    if value in (None, ""):
        return ""
    when = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(SCHOOL_TZ).strftime("%d.%m.%Y %H:%M МСК")


def _homework(value: Any) -> str:
    """A lesson's homework ({"text", "due_on"}) as a line of print."""
    if not value:
        return ""
    if not isinstance(value, dict):
        return str(value)
    text = str(value.get("text") or "")
    due = value.get("due_on")
    return f"{text} (к {_date(due)[:5]})" if due else text


_env = Environment(
    loader=PackageLoader("ejournal.printouts", "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
_env.filters["ru_date"] = _date
_env.filters["ru_moment"] = _moment
_env.filters["ru_short"] = _short
_env.filters["homework"] = _homework


def html(template: str, provenance: Provenance, **context: Any) -> str:
    return _env.get_template(template).render(
        provenance=provenance,
        meta_key=META_KEY,
        font_dir=FONT_DIR.as_uri(),
        GRID_COLUMNS=GRID_COLUMNS,
        **context,
    )


def render(template: str, provenance: Provenance, **context: Any) -> bytes:
    """The PDF of one template."""
    from weasyprint import HTML, Attachment

    text = html(template, provenance, **context)
    attachment = Attachment(
        string=provenance.to_json(),
        name="provenance.json",
        description="ejournal provenance: log position and ledger hash",
        relationship="Source",
    )
    out = HTML(string=text, base_url=str(FONT_DIR)).write_pdf(
        pdf_variant=PDF_VARIANT,
        custom_metadata=True,
        attachments=[attachment],
    )
    assert out is not None
    return bytes(out)
