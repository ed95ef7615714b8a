"""Rendering: Jinja2 templates to PDF through WeasyPrint, with DejaVu fonts
embedded (Cyrillic) and the provenance in the footer of every page, in the PDF's
metadata and as an attached ``provenance.json``. The output is PDF/A-3b (the
variant WeasyPrint writes; A-3 allows the attachment)."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager
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


# While a document renders, the collector's youngest generation runs every
# 100,000 allocations rather than 700: WeasyPrint makes millions of small objects
# that live until the PDF is written, and the default thresholds had the
# collector walk them over and over (about a fifth of a year-end archive's time,
# docs/performance.md). Shared by the renders of a process, restored after the
# last one.
RENDER_GC_THRESHOLD = (100_000, 50, 100)
_gc_lock = threading.Lock()
_gc_renders = 0
_gc_saved: tuple[int, int, int] | None = None


@contextmanager
def _fewer_collections() -> Iterator[None]:
    global _gc_renders, _gc_saved
    with _gc_lock:
        if _gc_renders == 0:
            _gc_saved = gc.get_threshold()
            gc.set_threshold(*RENDER_GC_THRESHOLD)
        _gc_renders += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_renders -= 1
            if _gc_renders == 0 and _gc_saved is not None:
                gc.set_threshold(*_gc_saved)
                _gc_saved = None


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
    with _fewer_collections():
        out = HTML(string=text, base_url=str(FONT_DIR)).write_pdf(
            pdf_variant=PDF_VARIANT,
            custom_metadata=True,
            attachments=[attachment],
        )
    assert out is not None
    return bytes(out)
