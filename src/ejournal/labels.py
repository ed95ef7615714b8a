"""The journal's codes in Russian, for what people read (pages, mails): one place,
so a parent's diary and a parent's mail name a work type alike."""

from __future__ import annotations

# Work types (API.md "record-mark") as a parent reads them.
WORK_TYPES = {
    "oral": "устный ответ",
    "classwork": "работа на уроке",
    "homework": "домашняя работа",
    "test": "проверочная работа",
    "control": "контрольная работа",
    "written": "письменная работа",
    "lab": "лабораторная работа",
    "practical": "практическая работа",
}
# The journal's attendance codes and special marks (DOMAIN.md), as written there.
ATTENDANCE_CODES = {"absent": "н", "ill": "б", "excused": "уп", "late": "оп"}
SPECIAL_CODES = {"exempt": "осв", "not_attested": "н/а", "ungraded": "безотм"}
