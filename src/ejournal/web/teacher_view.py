"""What a journal cell shows, made in Python: the labels of attendance codes
and work types, and a pupil's cell as HTML (``cell_html``, ``pupil_td``).

A 30 × 150 grid has 4,500 pupil cells: a template macro per cell costs ~100 ms,
so they are written here, a few microseconds each, every interpolated value
escaped. The one-cell fragments htmx swaps in print the same HTML, so a saved
cell looks exactly as it does after a reload. The DOM contract is described at
the top of static/journal.js.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape as esc
from typing import Any

from markupsafe import Markup

# work type -> (short tag, what it is)
WORK_TYPES: dict[str, tuple[str, str]] = {
    "oral": ("уст", "устный ответ"),
    "classwork": ("кл", "работа на уроке"),
    "homework": ("дз", "домашняя работа"),
    "test": ("тест", "тест, проверочная работа"),
    "control": ("кр", "контрольная работа"),
    "written": ("пис", "письменная работа"),
    "lab": ("лаб", "лабораторная работа"),
    "practical": ("пр", "практическая работа"),
}
DEFAULT_WORK_TYPE = "classwork"
# attendance code -> (journal letter, what it means)
ATTENDANCE: dict[str, tuple[str, str]] = {
    "absent": ("н", "отсутствовал"),
    "ill": ("б", "болел"),
    "excused": ("уп", "отсутствовал по уважительной причине"),
    "late": ("оп", "опоздал"),
}
ATTENDANCE_CHOICES = [("present", "присутствовал")] + [
    (code, f"{letter} — {meaning}") for code, (letter, meaning) in ATTENDANCE.items()
]
MISSED = ("absent", "ill", "excused")
PERIOD_VALUES = {"exempt": "осв", "not_attested": "н/а", "ungraded": "безотм"}


@dataclass(frozen=True, slots=True)
class MarkView:
    """A mark as its cell's editor lists it."""

    mark_id: str
    value: str
    tag: str
    open: bool  # inside its entry window: its author may correct it alone


def built(html: str) -> Markup:
    """HTML this module wrote, every value in it escaped where interpolated."""
    return Markup(html)  # noqa: S704 - each interpolated value went through esc()


def _mark_title(work_type: str, weight: int, late: bool, protocol: str) -> str:
    meaning = WORK_TYPES.get(work_type, ("", work_type))[1]
    title = f"{meaning}, вес {weight}"
    if protocol:
        title += f"; зачёт по протоколу {protocol}"
    if late:
        title += "; внесена после срока"
    return esc(title)


_TITLES: dict[tuple[str, int, bool, str], str] = {}


def _mark_html(mark: dict[str, Any], history: bool) -> str:
    mid = esc(mark["mark_id"])
    weight = int(mark["weight"])
    late = bool(mark["late"])
    key = (mark["work_type"], weight, late, mark.get("protocol") or "")
    title = _TITLES.get(key)
    if title is None:
        title = _mark_title(*key)
        if len(_TITLES) < 1000:  # protocols are free text: keep the cache small
            _TITLES[key] = title
    value = esc(mark["value"])
    tag = esc(WORK_TYPES.get(mark["work_type"], (mark["work_type"], ""))[0])
    if history:
        shown = (
            f'<a class="mark w{weight}" href="/journal/marks/{mid}/history" '
            f'data-mark="{mid}" title="{title}">{value}</a>'
        )
    else:
        shown = (
            f'<span class="mark w{weight}" data-mark="{mid}" title="{title}">'
            f"{value}</span>"
        )
    flag = '<span class="tag late">поздно</span>' if late else ""
    return f'<span class="entry">{shown}<span class="tag">{tag}</span>{flag}</span>'


def _keys(lesson_id: str, student_id: str) -> str:
    return (
        f'tabindex="-1" data-lesson="{esc(lesson_id)}" data-student="{esc(student_id)}"'
    )


def pupil_td(
    classes: str, keys: str, cell: dict[str, Any] | None, history: bool, extra: str
) -> str:
    if cell is None:
        return f'<td class="{classes} out" {keys}>{extra}</td>'
    code, marks, comments = cell["attendance"], cell["marks"], cell["comments"]
    if not (code or marks or comments or extra):
        return f'<td class="{classes}" {keys}></td>'
    parts = []
    if code:
        letter, meaning = ATTENDANCE.get(code, (code, code))
        classes += f" att-{esc(code)}"
        parts.append(f'<span class="att" title="{esc(meaning)}">{esc(letter)}</span>')
    late = False
    for mark in marks:
        late = late or bool(mark["late"])
        parts.append(_mark_html(mark, history))
    if late:
        classes += " late-entry"
    title = ""
    if comments:
        note = esc("; ".join(c["text"] for c in comments))
        title = f' title="{note}"'
        parts.append(f'<span class="note" aria-label="{note}">*</span>')
    return f'<td class="{classes}" {keys}{title}>{"".join(parts)}{extra}</td>'


def cell_html(
    lesson_id: str,
    student_id: str,
    cell: dict[str, Any] | None,
    *,
    history: bool,
    message: str = "",
    notice: str = "",
    inner: str = "",
) -> Markup:
    """A pupil's cell of a lesson: ``td.cell[data-lesson][data-student]`` with
    its attendance letter and marks; ``cell`` None where the pupil was not in
    the class that day. ``inner`` (HTML) is put inside, e.g. the editor."""
    extra = ""
    if message:
        extra += f'<span class="cell-message error" role="alert">{esc(message)}</span>'
    if notice:
        extra += f'<span class="cell-message ok" role="status">{esc(notice)}</span>'
    extra += inner
    return built(pupil_td("cell", _keys(lesson_id, student_id), cell, history, extra))


@dataclass(slots=True)
class CellView:
    """One cell and what its editor offers (the htmx fragments)."""

    lesson_id: str
    student_id: str
    cell: dict[str, Any] | None
    editable: bool
    history: bool
    marks: list[MarkView] = field(default_factory=list)
    message: str = ""
    notice: str = ""

    @property
    def member(self) -> bool:
        return self.cell is not None

    @property
    def code(self) -> str | None:
        return self.cell["attendance"] if self.cell else None

    @property
    def missed(self) -> bool:
        return self.code in MISSED

    @property
    def base(self) -> str:
        return f"/lessons/{self.lesson_id}/cells/{self.student_id}"

    def html(self, inner: str = "") -> Markup:
        return cell_html(
            self.lesson_id,
            self.student_id,
            self.cell,
            history=self.history,
            message=self.message,
            notice=self.notice,
            inner=inner,
        )


def cell_view(
    lesson_id: str,
    student_id: str,
    cell: dict[str, Any] | None,
    *,
    editable: bool,
    open_marks: set[str],
    history: bool,
) -> CellView:
    marks = [
        MarkView(
            m["mark_id"],
            m["value"],
            WORK_TYPES.get(m["work_type"], (m["work_type"], ""))[0],
            m["mark_id"] in open_marks,
        )
        for m in (cell["marks"] if cell else [])
    ]
    return CellView(
        lesson_id, student_id, cell, editable and cell is not None, history, marks
    )
