# Over ~300 lines on purpose: mostly data: the demo school's staff, pupils, guardians,
# timetable and a fortnight of lessons.
"""The demo school: two classes of ~25 pupils, six subjects with their real weekly
hours, a timetable for the current period, and its past lessons filled in.

Everything is written through the same commands the HTTP API runs, by the people
who would write it (teachers write their lessons), each at the moment it would have
been written, so the journal a newcomer opens looks lived in: mostly on time, with
the odd late entry.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from importlib import resources
from typing import Any

from ejournal.projections.reader import reader
from ejournal.security import Actor
from ejournal.service import Service

DEMO_PASSWORD = "ejournal-demo"  # noqa: S105  (published in the README)
SUBJECTS = [
    "Русский язык",
    "Литература",
    "Математика",
    "История",
    "География",
    "Биология",
]
TEACHERS = {
    "Русский язык": ("teacher.russian", "Смирнова Ольга Петровна"),
    "Литература": ("teacher.literature", "Кузнецова Ирина Сергеевна"),
    "Математика": ("teacher.math", "Иванов Сергей Николаевич"),
    "История": ("teacher.history", "Попова Елена Викторовна"),
    "География": ("teacher.geography", "Соколов Андрей Ильич"),
    "Биология": ("teacher.biology", "Лебедева Наталья Юрьевна"),
}
STAFF = [
    ("admin", "Администратор Системы", ["admin"]),
    ("director", "Морозов Виктор Павлович", ["director"]),
    ("deputy", "Волкова Татьяна Андреевна", ["deputy"]),
    ("secretary", "Новикова Светлана Олеговна", ["secretary"]),
    ("auditor", "Фёдоров Павел Алексеевич", ["auditor"]),
]
SURNAMES = [
    "Абрамов",
    "Белов",
    "Васильев",
    "Григорьев",
    "Дмитриев",
    "Егоров",
    "Жуков",
    "Захаров",
    "Ильин",
    "Казаков",
    "Ларионов",
    "Максимов",
    "Никитин",
    "Орлов",
    "Павлов",
    "Романов",
    "Семёнов",
    "Тихонов",
    "Уваров",
    "Фролов",
    "Харитонов",
    "Цветков",
    "Чернов",
    "Шубин",
    "Щукин",
    "Яковлев",
    "Богданов",
    "Гусев",
    "Киселёв",
    "Медведев",
]
BOYS = [
    "Александр",
    "Максим",
    "Иван",
    "Артём",
    "Дмитрий",
    "Никита",
    "Михаил",
    "Даниил",
    "Егор",
    "Андрей",
    "Кирилл",
    "Илья",
    "Матвей",
    "Тимофей",
]
GIRLS = [
    "Анастасия",
    "Мария",
    "Дарья",
    "Анна",
    "Елизавета",
    "Полина",
    "Виктория",
    "Екатерина",
    "София",
    "Алиса",
    "Варвара",
    "Ксения",
    "Вероника",
    "Ульяна",
]
TOPICS = {
    "Русский язык": [
        "Орфограммы в корне слова",
        "Разделительные ъ и ь",
        "Морфемный разбор",
        "Имя существительное",
        "Падежи",
        "Склонение имён существительных",
        "Синтаксический разбор",
    ],
    "Литература": [
        "Былины",
        "Басни И. А. Крылова",
        "А. С. Пушкин. Сказки",
        "М. Ю. Лермонтов. «Бородино»",
        "Н. В. Гоголь",
        "Сказ",
    ],
    "Математика": [
        "Обыкновенные дроби",
        "Сравнение дробей",
        "Сложение дробей",
        "Смешанные числа",
        "Десятичные дроби",
        "Округление чисел",
        "Решение задач",
    ],
    "История": [
        "Древний Египет",
        "Древняя Греция",
        "Афинская демократия",
        "Древний Рим",
        "Пунические войны",
    ],
    "География": ["Гидросфера", "Мировой океан", "Реки и озёра", "Атмосфера"],
    "Биология": ["Клетка", "Ткани растений", "Органы растений", "Фотосинтез"],
}
HOMEWORK = [
    "§ {n}, упр. {m}",
    "№ {m}-{k}",
    "Прочитать § {n}, ответить на вопросы",
    "Выучить правило, упр. {m}",
    "Подготовить пересказ § {n}",
]
WORK_TYPES = ["oral", "oral", "classwork", "classwork", "homework", "test", "written"]


def curriculum() -> dict[str, Any]:
    text = (
        resources.files("ejournal").joinpath("data/curriculum.json").read_text("utf-8")
    )
    data: dict[str, Any] = json.loads(text)
    return data


@dataclass
class Demo:
    service: Service
    rng: random.Random
    system: Actor

    def run(self, actor: Actor, name: str, body: dict[str, Any]) -> dict[str, Any]:
        return self.service.execute(actor, name, body)


@contextmanager
def clock_at(service: Service, moment: datetime) -> Iterator[None]:
    """Write as of a past moment: the demo's history is written when it happened."""
    saved = service.clock
    service.clock = lambda: moment
    try:
        yield
    finally:
        service.clock = saved


def _actor(account_id: str, login: str, roles: list[str]) -> Actor:
    return Actor(account_id, login, login, frozenset(roles), f"demo-{login}", None)


def _timetable(rng: random.Random, hours: dict[str, int]) -> dict[int, list[str]]:
    """Weekday (0..4) -> subjects in slot order, spreading each subject's hours."""
    days: dict[int, list[str]] = {d: [] for d in range(5)}
    for subject, n in sorted(hours.items(), key=lambda kv: -kv[1]):
        chosen = sorted(range(5), key=lambda d: (len(days[d]), rng.random()))[:n]
        for d in chosen:
            days[d].append(subject)
    for d in days:
        rng.shuffle(days[d])
    return days


def load_demo(service: Service, today: date | None = None) -> bool:
    """Load the demo school into an empty database. False if it is not empty."""
    with reader(service.app) as views:
        if views.all_of_kind("account") or views.all_of_kind("year"):
            return False
    rng = random.Random(2026)
    data = curriculum()
    today = today or service.rules.local_date(service.clock())
    system = service.system_actor()
    demo = Demo(service, rng, system)
    quarters = data["periods_2026_2027"]["quarters"]
    holidays = data["periods_2026_2027"]["holidays"]
    year = demo.run(
        system,
        "open-academic-year",
        {
            "name": "2026/2027",
            "starts_on": quarters[0][0],
            "ends_on": quarters[-1][1],
            "periods": [
                {"name": f"{i + 1} четверть", "starts_on": a, "ends_on": b}
                for i, (a, b) in enumerate(quarters)
            ],
            "holidays": [
                {"name": n, "starts_on": a, "ends_on": b} for a, b, n in holidays
            ],
        },
    )
    year["starts_on"] = quarters[0][0]
    accounts: dict[str, Actor] = {}
    for login, full_name, roles in STAFF:
        out = demo.run(
            system,
            "create-account",
            {
                "login": login,
                "password": DEMO_PASSWORD,
                "full_name": full_name,
                "roles": roles,
            },
        )
        accounts[login] = _actor(out["account_id"], login, roles)
    for subject in SUBJECTS:
        login, full_name = TEACHERS[subject]
        out = demo.run(
            system,
            "create-account",
            {
                "login": login,
                "password": DEMO_PASSWORD,
                "full_name": full_name,
                "roles": ["teacher"],
            },
        )
        accounts[login] = _actor(out["account_id"], login, ["teacher"])
    bells = data["bell_schedule"]
    current = _current_period(year, quarters, today)
    for grade, letter, class_teacher in (
        (5, "А", "teacher.math"),
        (6, "Б", "teacher.russian"),
    ):
        _demo_class(
            demo,
            data,
            year,
            accounts,
            grade,
            letter,
            class_teacher,
            bells,
            current,
            today,
        )
    return True


def _current_period(
    year: dict[str, Any], quarters: list[list[str]], today: date
) -> tuple[date, date]:
    spans = [(date.fromisoformat(a), date.fromisoformat(b)) for a, b in quarters]
    for start, end in spans:
        if start <= today <= end:
            return start, end
    past = [s for s in spans if s[0] <= today]
    return past[-1] if past else spans[0]


def _demo_class(
    demo: Demo,
    data: dict[str, Any],
    year: dict[str, Any],
    accounts: dict[str, Actor],
    grade: int,
    letter: str,
    class_teacher: str,
    bells: list[list[str]],
    period: tuple[date, date],
    today: date,
) -> None:
    rng, system = demo.rng, demo.system
    name = f"{grade}{letter}"
    klass = demo.run(
        system,
        "create-class",
        {
            "year_id": year["year_id"],
            "name": name,
            "grade": grade,
            "class_teacher_id": accounts[class_teacher].account_id,
        },
    )["class_id"]
    pupils: list[str] = []
    for i in range(25):
        girl = rng.random() < 0.5
        surname = rng.choice(SURNAMES) + ("а" if girl else "")
        first = rng.choice(GIRLS if girl else BOYS)
        born = date(2026 - grade - 6, 1, 1) + timedelta(days=rng.randrange(365))
        out = demo.run(
            system,
            "enroll-student",
            {
                "class_id": klass,
                "full_name": f"{surname} {first}",
                "birth_date": born.isoformat(),
                "on": year["starts_on"],
            },
        )
        pupils.append(out["student_id"])
        if i < 5:
            tag = f"{grade}{'a' if letter == 'А' else 'b'}.{i + 1:02d}"
            parent = demo.run(
                system,
                "create-account",
                {
                    "login": f"parent.{tag}",
                    "password": DEMO_PASSWORD,
                    "full_name": f"{surname} (родитель)",
                    "roles": ["parent"],
                },
            )
            demo.run(
                system,
                "link-guardian",
                {"student_id": out["student_id"], "account_id": parent["account_id"]},
            )
            demo.run(
                system,
                "record-consent",
                {
                    "student_id": out["student_id"],
                    "guardian_account_id": parent["account_id"],
                    "granted": True,
                },
            )
            if i == 0:
                demo.run(
                    system,
                    "create-account",
                    {
                        "login": f"student.{tag}",
                        "password": DEMO_PASSWORD,
                        "full_name": f"{surname} {first}",
                        "roles": ["student"],
                        "student_id": out["student_id"],
                    },
                )
    hours = {s: int(data["subjects"][s][str(grade)]) for s in SUBJECTS}
    courses = {}
    for subject in SUBJECTS:
        teacher = accounts[TEACHERS[subject][0]]
        courses[subject] = demo.run(
            system,
            "create-course",
            {
                "year_id": year["year_id"],
                "class_id": klass,
                "subject": subject,
                "teacher_id": teacher.account_id,
                "hours_per_week": hours[subject],
            },
        )["course_id"]
    timetable = _timetable(rng, hours)
    holidays = [(h["starts_on"], h["ends_on"]) for h in _year_holidays(data)]
    lessons: list[tuple[date, int, str, str]] = []  # (day, slot, subject, lesson_id)
    by_subject: dict[str, list[dict[str, Any]]] = {s: [] for s in SUBJECTS}
    day = period[0]
    while day <= period[1]:
        iso = day.isoformat()
        if day.weekday() < 5 and not any(a <= iso <= b for a, b in holidays):
            for slot, subject in enumerate(timetable[day.weekday()], start=1):
                by_subject[subject].append(
                    {
                        "date": iso,
                        "slot": slot,
                        "starts_at": bells[slot - 1][0],
                        "ends_at": bells[slot - 1][1],
                    }
                )
        day += timedelta(days=1)
    for subject, items in by_subject.items():
        ids = demo.run(
            system,
            "schedule-lessons",
            {"course_id": courses[subject], "lessons": items},
        )["lesson_ids"]
        lessons += [
            (date.fromisoformat(i["date"]), i["slot"], subject, lid)
            for i, lid in zip(items, ids, strict=True)
        ]
    lessons.sort()
    substitute = accounts["teacher.geography"]
    for day, slot, subject, lesson_id in lessons:
        if day >= today:
            continue
        teacher = accounts[TEACHERS[subject][0]]
        end = time.fromisoformat(bells[slot - 1][1])
        moment = datetime.combine(day, end, demo.service.rules.tz).astimezone(UTC)
        if rng.random() < 0.04 and subject != "География":
            with clock_at(demo.service, moment - timedelta(hours=2)):
                demo.run(
                    accounts["deputy"],
                    "record-substitution",
                    {
                        "lesson_id": lesson_id,
                        "substitute_teacher_id": substitute.account_id,
                        "reason": "болезнь учителя",
                    },
                )
            teacher = substitute
        # Most teachers fill in the journal right after the lesson; some days later.
        late = rng.random() < 0.05
        write_at = moment + (timedelta(days=2) if late else timedelta(minutes=5))
        with clock_at(demo.service, write_at):
            _fill_lesson(demo, teacher, lesson_id, subject, pupils)


def _fill_lesson(
    demo: Demo, teacher: Actor, lesson_id: str, subject: str, pupils: list[str]
) -> None:
    rng = demo.rng
    demo.run(
        teacher,
        "set-lesson-topic",
        {"lesson_id": lesson_id, "topic": rng.choice(TOPICS[subject])},
    )
    absent = [p for p in pupils if rng.random() < 0.08]
    if absent:
        demo.run(
            teacher,
            "record-attendance",
            {
                "lesson_id": lesson_id,
                "entries": [
                    {
                        "student_id": p,
                        "code": rng.choice(["absent", "ill", "ill", "excused"]),
                    }
                    for p in absent
                ],
            },
        )
    n = rng.randint(1, 40)
    demo.run(
        teacher,
        "assign-homework",
        {
            "lesson_id": lesson_id,
            "text": rng.choice(HOMEWORK).format(n=n, m=rng.randint(100, 700), k=n + 3),
        },
    )
    present = [p for p in pupils if p not in absent]
    for pupil in rng.sample(present, k=max(1, len(present) // 4)):
        value = rng.choices(["5", "4", "3", "2"], weights=[35, 40, 20, 5])[0]
        demo.run(
            teacher,
            "record-mark",
            {
                "lesson_id": lesson_id,
                "student_id": pupil,
                "value": value,
                "work_type": rng.choice(WORK_TYPES),
            },
        )
    if rng.random() < 0.1 and present:
        demo.run(
            teacher,
            "add-comment",
            {
                "lesson_id": lesson_id,
                "student_id": rng.choice(present),
                "text": "Отлично работал(а) на уроке",
            },
        )


def _year_holidays(data: dict[str, Any]) -> list[dict[str, str]]:
    return [
        {"starts_on": a, "ends_on": b, "name": n}
        for a, b, n in data["periods_2026_2027"]["holidays"]
    ]


__all__ = ["DEMO_PASSWORD", "load_demo"]
