"""Fresh bodies for the year's close commands, built from a test module's
``Env`` (the role matrix, the bad-input cases): each on years of its own, so the
school's own year stays open for every other case of the module."""

from __future__ import annotations

import itertools
from typing import Any

from tests.api.conftest import Env
from tests.builders import actor_for

# A fresh pair of past years per body, inside the range a client may send
# (ejournal.datebounds: from 1900); 60 pairs, more than one module's school uses.
YEARS = itertools.cycle(range(1900, 2020, 2))


def fresh_year(env: Env, start: int) -> str:
    return str(
        env.run(
            "open-academic-year",
            {
                "name": env.unique(f"{start}/{start + 1} "),
                "starts_on": f"{start}-09-01",
                "ends_on": f"{start + 1}-05-31",
                "periods": [
                    {
                        "name": "I",
                        "starts_on": f"{start}-09-01",
                        "ends_on": f"{start + 1}-05-31",
                    }
                ],
            },
        )["year_id"]
    )


def closed_year_with_pupil(
    env: Env, *, annual: str | None = None
) -> dict[str, str]:
    """A past year with a class 5А, one pupil, (with ``annual``) a course whose
    annual mark the pupil has, closed; and the open year after it."""
    start = next(YEARS)  # 1900, 1902, ...: no two bodies share years
    year_id, next_id = fresh_year(env, start), fresh_year(env, start + 1)
    class_id = env.run(
        "create-class", {"year_id": year_id, "name": "5А", "grade": 5}
    )["class_id"]
    pupil = env.enroll(class_id, on=f"{start}-09-01")
    out = {"year_id": year_id, "next_year_id": next_id, "student_id": pupil}
    if annual is not None:
        teacher = env.school.accounts["teacher"]
        course = env.run(
            "create-course",
            {
                "year_id": year_id,
                "class_id": class_id,
                "subject": "Математика",
                "teacher_id": teacher,
                "hours_per_week": 4,
            },
        )["course_id"]
        env.service.execute(
            actor_for(env.service, teacher),
            "set-final-mark",
            {
                "course_id": course,
                "student_id": pupil,
                "kind": "annual",
                "value": annual,
            },
        )
        out["course_id"] = course
    env.run("close-academic-year", {"year_id": year_id})
    return out


def close_academic_year(env: Env, role: str) -> dict[str, Any]:
    year_id = fresh_year(env, next(YEARS))
    return {"year_id": year_id, "order_no": "1-о", "on": "2026-06-01"}


def promote_students(env: Env, role: str) -> dict[str, Any]:
    made = closed_year_with_pupil(env)
    return {
        "year_id": made["year_id"],
        "next_year_id": made["next_year_id"],
        "order": {"number": "2-о", "date": "2026-06-01"},
        "decisions": [{"student_id": made["student_id"], "outcome": "repeat"}],
    }


def clear_academic_debt(env: Env, role: str) -> dict[str, Any]:
    made = closed_year_with_pupil(env, annual="2")
    env.run(
        "promote-students",
        {
            "year_id": made["year_id"],
            "next_year_id": made["next_year_id"],
            "order": {"number": "3-о", "date": "2026-06-01"},
            "decisions": [
                {
                    "student_id": made["student_id"],
                    "outcome": "conditional",
                    "debts": [made["course_id"]],
                }
            ],
        },
    )
    return {
        "student_id": made["student_id"],
        "course_id": made["course_id"],
        "value": "3",
        "on": "2026-11-20",
    }


BODIES = {
    "close-academic-year": close_academic_year,
    "promote-students": promote_students,
    "clear-academic-debt": clear_academic_debt,
}
