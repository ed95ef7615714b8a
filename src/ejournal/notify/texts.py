"""The mails' words: plain Russian text, the pupil's name, subject, date and value,
and nothing about other pupils."""

from __future__ import annotations

from datetime import date
from typing import Any

from ejournal import labels

WORK_TYPES = labels.WORK_TYPES
ATTENDANCE = labels.ATTENDANCE_CODES
SPECIAL = labels.SPECIAL_CODES
FOOTER = (
    "\n\nПодробности — в электронном дневнике.\n"
    "Письмо отправлено автоматически, отвечать на него не нужно. Изменить или "
    "отключить оповещения можно в электронном журнале."
)


def day(iso: str | None) -> str:
    return date.fromisoformat(iso).strftime("%d.%m.%Y") if iso else "—"


def value(v: str) -> str:
    return SPECIAL.get(v, v)


def what(kind: str, f: dict[str, Any]) -> str:
    """The event a notice or correction is about, in a phrase."""
    if kind == "low_mark":
        return (
            f"отметка «{value(f['value'])}» от {day(f['date'])} по предмету "
            f"«{f['subject']}»"
        )
    if kind == "period_mark":
        return (
            f"отметка за период {f.get('period') or ''} «{value(f['value'])}» по "
            f"предмету «{f['subject']}»"
        ).replace("период  «", "период «")
    return f"отметка об отсутствии (н) на уроке «{f['subject']}» {day(f['date'])}"


def render(
    kind: str, facts: dict[str, Any], *, repeat: bool = False
) -> tuple[str, str]:
    """(subject, body) of one mail. ``kind`` for a correction is the kind of the
    notice it corrects, in ``facts["about"]``."""
    pupil = facts.get("pupil", "")
    if kind == "digest":
        return digest(facts)
    if kind == "correction":
        about = str(facts["about"])
        subject = f"Исправление: {pupil}, {facts['subject']}"
        body = (
            f"Ученик: {pupil}\n\n"
            f"Запись, о которой мы сообщали ранее, аннулирована: {what(about, facts)}"
            " больше не действует."
        )
        return subject, body + FOOTER
    heading = {
        "low_mark": f"Отметка «{value(facts.get('value', ''))}»",
        "period_mark": "Отметка за период",
        "absence": "Отсутствие на уроке",
    }[kind]
    lines = [f"Ученик: {pupil}", f"Предмет: {facts['subject']}"]
    if kind == "period_mark":
        lines.append(f"Период: {facts.get('period') or '—'}")
    else:
        lines.append(f"Дата урока: {day(facts.get('date'))}")
    if kind in ("low_mark", "period_mark"):
        lines.append(f"Отметка: {value(facts['value'])}")
    if kind == "low_mark" and facts.get("work_type"):
        lines.append(f"Вид работы: {WORK_TYPES.get(facts['work_type'], '')}")
    if kind == "absence":
        lines.append("Отметка: н (отсутствовал(а))")
    subject = f"{heading}: {pupil}, {facts['subject']}"
    intro = ""
    if repeat:
        subject = f"Запись восстановлена. {subject}"
        intro = "Запись, об аннулировании которой мы сообщали, снова действует.\n\n"
    return subject, intro + "\n".join(lines) + FOOTER


def digest(facts: dict[str, Any]) -> tuple[str, str]:
    """A week of one pupil's marks and absences (facts from the diary)."""
    pupil = facts.get("pupil", "")
    span = f"{day(facts['week_start'])}–{day(facts['week_end'])}"
    lines = [f"Ученик: {pupil}", f"Неделя: {span}", ""]
    marks, absences = facts.get("marks", []), facts.get("absences", [])
    if marks:
        lines.append("Отметки:")
        lines += [
            f"  {day(m['date'])} {m['subject']}: {value(m['value'])}"
            + (f" ({WORK_TYPES.get(m['work_type'], '')})" if m.get("work_type") else "")
            for m in marks
        ]
    else:
        lines.append("Отметок за неделю нет.")
    if absences:
        lines.append("Пропуски:")
        lines += [
            f"  {day(a['date'])} {a['subject']}: {ATTENDANCE.get(a['code'], a['code'])}"
            for a in absences
        ]
    else:
        lines.append("Пропусков за неделю нет.")
    return f"Дневник за неделю {span}: {pupil}", "\n".join(lines) + FOOTER
