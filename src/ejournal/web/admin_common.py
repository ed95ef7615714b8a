"""What the administrator's and the auditor's pages share: school-time
``datetime-local`` fields, ids from paths and filters, Russian messages for the
catalogue's field refusals, and the names and short views of events."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from ejournal.datebounds import check_moment
from ejournal.domain.errors import NotFound
from ejournal.web.render import SCHOOL_TZ

LOCAL_HINT = "Дата и время, например 2026-11-23T10:00."

EVENT_LABELS = {
    "AccountCreated": "создана учётная запись",
    "SessionOpened": "вход",
    "SessionClosed": "выход",
    "PasswordReset": "сброс пароля",
    "AccountBlocked": "учётная запись заблокирована",
    "YearOpened": "открыт учебный год",
    "ClassCreated": "создан класс",
    "GroupCreated": "создана группа",
    "StudentEnrolled": "ученик зачислен",
    "StudentJoined": "ученик принят",
    "StudentTransferred": "ученик переведён",
    "StudentLeft": "ученик выбыл",
    "StudentWithdrawn": "ученик отчислен",
    "GuardianLinked": "привязан родитель",
    "ConsentRecorded": "согласие записано",
    "CourseCreated": "создан курс",
    "PlanTopicsAdded": "темы плана",
    "LessonScheduled": "урок в расписании",
    "TopicSet": "тема урока",
    "HomeworkAssigned": "домашнее задание",
    "AttendanceRecorded": "посещаемость",
    "MarkRecorded": "отметка",
    "MakeupRecorded": "отметка за пропущенное",
    "MarkCorrected": "исправление отметки",
    "CommentAdded": "комментарий",
    "SubstitutionRecorded": "замена",
    "PeriodMarkSet": "отметка за период",
    "PeriodMarkDeferred": "отметка за период отложена",
    "FinalMarkSet": "итоговая отметка",
    "CourseMarkCorrected": "исправление итоговой отметки",
    "CorrectionRequested": "запрос на исправление",
    "CorrectionApproved": "исправление одобрено",
    "CorrectionRejected": "исправление отклонено",
    "DiaryAcknowledged": "дневник просмотрен родителем",
    "NotificationsSet": "оповещения родителя",
    "CompromiseReported": "сообщение о нарушении",
    "InvalidationExecuted": "аннулирование",
    "ReinstatementNoted": "восстановление (в инциденте)",
    "EventsVoided": "события аннулированы",
    "EventReinstated": "событие восстановлено",
    "SchoolSettingsCreated": "настройки школы",
    "SchoolSettingsChanged": "настройки изменены",
    "AccountDetailsEdited": "данные учётной записи изменены",
    "RoleGranted": "роль выдана",
    "RoleRevoked": "роль отозвана",
    "AccountDeactivated": "учётная запись отключена",
    "AccountReactivated": "учётная запись включена",
    "StudentDetailsEdited": "данные ученика изменены",
    "ClassTeacherChanged": "сменён классный руководитель",
    "YearClosed": "учебный год закрыт",
    "YearPromoted": "приказ о переводе",
    "StudentPromoted": "ученик переведён в следующий класс",
    "AcademicDebtCleared": "академическая задолженность ликвидирована",
}

KIND_LABELS = {
    "account": "учётная запись",
    "incident": "инцидент",
    "year": "учебный год",
    "class": "класс",
    "student": "ученик",
    "course": "курс",
    "lesson": "урок",
    "correction": "запрос на исправление",
    "settings": "настройки школы",
}


def parse_uuid(value: str) -> str:
    """An id from a path: a malformed one is a page that does not exist."""
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise NotFound("Такой страницы нет.") from None


def filter_uuid(value: str) -> str | None:
    """An id typed into a filter: None if empty; ValueError if malformed."""
    value = value.strip()
    return str(uuid.UUID(value)) if value else None


def parse_local(value: str) -> datetime | None:
    """A ``datetime-local`` value in school time (or RFC 3339 with an offset) as
    an aware moment; None if empty; ValueError if it is not a moment."""
    value = value.strip()
    if not value:
        return None
    if len(value) > 40:
        raise ValueError(value)
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=SCHOOL_TZ)
    return check_moment(parsed).astimezone(UTC)  # the API's range


def local_input(moment: datetime | str | None) -> str:
    """A moment as a ``datetime-local`` field shows it, in school time."""
    if moment is None or moment == "":
        return ""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment.replace("Z", "+00:00"))
    return moment.astimezone(SCHOOL_TZ).replace(tzinfo=None).isoformat("T", "minutes")


def russian(
    errors: dict[str, str], status: int, hints: dict[str, str]
) -> dict[str, str]:
    """The command's refusals with a Russian message where the field has one:
    ``hints`` by field (a key ``"login"`` also covers ``"login[0]"``), and by
    ``"field:409"`` for a conflict on it."""
    out: dict[str, str] = {}
    for path, message in errors.items():
        field = path.split("[", 1)[0].split(".", 1)[0]
        hint = hints.get(f"{field}:{status}") or (
            hints.get(field) if status == 422 else None
        )
        out.setdefault(field, hint or message)
    return out


def event_label(type_name: str) -> str:
    return EVENT_LABELS.get(type_name, type_name)


def short_data(data: dict[str, Any] | None, limit: int = 160) -> str:
    """An event's own fields in one line, ids shortened, for a table cell."""
    if data is None:
        return "(не читается)"
    parts = []
    for key, value in data.items():
        if value is None or value == [] or value == {}:
            continue
        text = str(value)
        if _is_uuid(text):
            text = text[:8] + "…"
        parts.append(f"{key}={text}")
    line = ", ".join(parts)
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _is_uuid(text: str) -> bool:
    if len(text) != 36:
        return False
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True
