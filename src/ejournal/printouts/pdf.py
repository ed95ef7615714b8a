"""Rendering: Jinja2 templates to PDF through WeasyPrint, with DejaVu fonts
embedded (Cyrillic) and the provenance in the footer of every page, in the PDF's
metadata and as an attached ``provenance.json``. The output is PDF/A-3b (the
variant WeasyPrint writes; A-3 allows the attachment)."""

from __future__ import annotations

import gc
import io
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
    return _pdf(template, provenance, context)[0]


def _pdf(
    template: str, provenance: Provenance, context: dict[str, Any]
) -> tuple[bytes, int]:
    """A template's PDF and its number of pages."""
    from weasyprint import HTML, Attachment

    text = html(template, provenance, **context)
    attachment = Attachment(
        string=provenance.to_json(),
        name="provenance.json",
        description="ejournal provenance: log position and ledger hash",
        relationship="Source",
    )
    with _fewer_collections():
        document = HTML(string=text, base_url=str(FONT_DIR)).render()
        out = document.write_pdf(
            pdf_variant=PDF_VARIANT,
            custom_metadata=True,
            attachments=[attachment],
        )
    assert out is not None
    return bytes(out), len(document.pages)


def render_in_parts(
    template: str,
    provenance: Provenance,
    parts: list[tuple[str, dict[str, Any]]],
    **context: Any,
) -> bytes:
    """A long document as a contents part and then ``parts`` (title, context),
    each rendered on its own and joined: one layout of a whole year of journals
    would hold every page's boxes at once (about 750 MB for a class of the
    generated year), a part holds its own. Pages are numbered on across parts
    ("стр. N"; the contents say how many there are), the contents list the page
    each part starts on, and the joined file keeps the first part's PDF/A-3b
    catalogue (output intent, XMP), metadata and attached provenance."""
    from pypdf import PdfReader, PdfWriter

    def contents(starts: list[int], total: int) -> tuple[bytes, int]:
        entries = [
            {"title": title, "page": page}
            for (title, _), page in zip(parts, starts, strict=True)
        ]
        return _pdf(
            template,
            provenance,
            {**context, "part": "toc", "contents": entries, "total_pages": total,
             "first_page": 1},
        )  # fmt: skip

    # The contents' length, with every entry present (page numbers to come).
    _, toc_pages = contents([0] * len(parts), 0)
    while True:
        bodies: list[bytes] = []
        starts: list[int] = []
        page = toc_pages + 1
        for _, part in parts:
            starts.append(page)
            body, count = _pdf(
                template, provenance, {**context, **part, "first_page": page}
            )
            bodies.append(body)
            page += count
        toc, count = contents(starts, page - 1)
        if count == toc_pages:
            break
        toc_pages = count  # the numbers made the contents longer: number again
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(toc)))
    for body in bodies:
        writer.append(PdfReader(io.BytesIO(body)))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
