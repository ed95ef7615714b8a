"""School rules as data: mark weights, entry deadlines (сроки заполнения).

DOMAIN.md "Entry deadlines" and "Marks and averages" give the defaults; the school
settings record (a later issue) may change them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

MARK_VALUES = ("1", "2", "3", "4", "5")
WORK_TYPES = (
    "oral",
    "classwork",
    "homework",
    "test",
    "control",
    "written",
    "lab",
    "practical",
)
ATTENDANCE_CODES = ("present", "absent", "ill", "excused", "late")

DEFAULT_WEIGHTS = {
    "oral": 1,
    "classwork": 1,
    "homework": 1,
    "test": 2,
    "lab": 2,
    "practical": 2,
    "written": 2,
    "control": 3,
}
# Days after the lesson until the end of which a mark is due.
DEFAULT_MARK_DUE_DAYS = {
    "oral": 0,
    "classwork": 0,
    "homework": 0,
    "lab": 0,
    "practical": 0,
    "test": 3,
    "control": 3,
    "written": 7,
}


@dataclass(frozen=True)
class SchoolRules:
    time_zone: str = "Europe/Moscow"
    homework_delay_minutes: int = 90
    weights: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    mark_due_days: dict[str, int] = field(
        default_factory=lambda: dict(DEFAULT_MARK_DUE_DAYS)
    )
    # S1: 1.5 hours after the class's last lesson; S4: "the same day" (end_of_day).
    homework_rule: str = "after_last_lesson"
    # S4 minimum marks per period: 3 for 1 hour a week, 5 for 2 or more hours;
    # for 1-2 hours a week at least 1 mark after 3 weeks and 2 after 4.
    min_marks_one_hour: int = 3
    min_marks_more_hours: int = 5
    early_marks: tuple[tuple[int, int], ...] = ((3, 1), (4, 2))
    # S4: the class teacher calls guardians who have not logged in for 2 weeks.
    guardian_login_days: int = 14

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    def local_date(self, moment: datetime) -> date:
        return moment.astimezone(self.tz).date()

    def end_of_day(self, day: date) -> datetime:
        """The last instant of the school day (23:59:59.999999 local), as UTC."""
        return datetime.combine(day, time(23, 59, 59, 999999), self.tz).astimezone(UTC)

    def mark_due(self, lesson_date: date, work_type: str) -> datetime:
        days = self.mark_due_days.get(work_type, 0)
        return self.end_of_day(lesson_date + timedelta(days=days))

    def homework_due(self, lesson_date: date, last_lesson_end: time) -> datetime:
        """``homework_delay_minutes`` after the end of the class's last lesson of
        that day, or the end of the day where the school chose S4's "same day"."""
        if self.homework_rule == "end_of_day":
            return self.end_of_day(lesson_date)
        local_end = datetime.combine(lesson_date, last_lesson_end, self.tz)
        return (local_end + timedelta(minutes=self.homework_delay_minutes)).astimezone(
            UTC
        )

    def weight(self, work_type: str) -> int:
        return self.weights.get(work_type, 1)


DEFAULT_RULES = SchoolRules()


def averages(marks: list[tuple[int, int]]) -> tuple[float | None, float | None]:
    """Plain and weighted average of (value, weight) pairs, rounded half up to two
    places, as a teacher would by hand."""
    if not marks:
        return None, None
    plain = Fraction(sum(v for v, _ in marks), len(marks))
    weighted = Fraction(sum(v * w for v, w in marks), sum(w for _, w in marks))
    return _half_up(plain), _half_up(weighted)


def _half_up(value: Fraction) -> float:
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return float(exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
