"""The journal's refusals in Russian: a command's errors (by field path) as the
messages the cell editors show next to their fields. A refusal not listed here
keeps the domain's own message."""

from __future__ import annotations

from ejournal.web.render import Outcome

# (status, field) -> message; the field path without an ``entries[0].`` prefix.
MESSAGES: dict[tuple[int, str], str] = {
    (422, "value"): "Отметка — от 1 до 5.",
    (422, "work_type"): "Выберите вид работы из списка.",
    (422, "code"): "Выберите отметку посещаемости из списка.",
    (422, "reason"): "Укажите причину (до 500 знаков).",
    (422, "protocol"): "Укажите номер протокола (до 500 знаков).",
    (422, "topic"): "Тема — от 1 до 500 знаков.",
    (422, "text"): "Задание — от 1 до 4000 знаков.",
    (422, "student_id"): "Ученика не было в классе в день урока.",
    (409, "lesson_id"): "Урок ещё не прошёл: отметки и посещаемость ставятся после "
    "урока.",
    (409, "student_id"): "Ученик не пропускал этот урок: поставьте обычную отметку.",
    (409, "value"): "У отметки уже это значение.",
}
WINDOW_CLOSED = (
    "Срок исправления этой отметки прошёл: запросите исправление у директора."
)
NOT_AUTHOR = "Без директора отметку исправляет только её автор: запросите исправление."
PENDING = "Запрос на исправление этой отметки уже ждёт решения директора."


def _field(path: str) -> str:
    return path.split(".", 1)[1] if path.startswith("entries[") else path


def _message(status: int, field: str, detail: str) -> str:
    if field == "due_on":
        return (
            "Срок сдачи — позже дня урока."
            if "after" in detail
            else "Срок сдачи — дата, например 2026-11-30."
        )
    if status == 409 and field == "mark_id":
        if "window" in detail:
            return WINDOW_CLOSED
        if "waiting" in detail:
            return PENDING
        return NOT_AUTHOR
    return MESSAGES.get((status, field), detail)


def russian(outcome: Outcome) -> dict[str, str]:
    """The outcome's errors by the editor's field names (``""``: the form)."""
    out: dict[str, str] = {}
    for path, detail in outcome.errors.items():
        field = _field(path)
        out.setdefault(field, _message(outcome.status, field, detail))
    return out
