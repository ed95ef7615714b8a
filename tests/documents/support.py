"""Helpers for the document tests: a PDF's text, and its first page as a PNG."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

from pypdf import PdfReader


def pdf_text(data: bytes) -> str:
    return "\n".join(
        page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages
    )


def first_page_png(data: bytes, out: Path) -> Path:
    """Render the first page with poppler's pdftoppm (Debian poppler-utils)."""
    pdf = out.with_suffix(".pdf")
    pdf.write_bytes(data)
    stem = out.with_suffix("")
    subprocess.run(  # noqa: S603 - fixed arguments, our own temporary files
        [  # noqa: S607 - pdftoppm from the system (poppler-utils)
            "pdftoppm",
            "-png",
            "-r",
            "60",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            pdf,
            stem,
        ],
        check=True,
        timeout=60,
    )
    return stem.with_suffix(".png")
