"""The course journal, class journal and diary, driven through Service.execute."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from ejournal import queries
from ejournal.domain.errors import Invalid, NotFound
from ejournal.security import Actor
from ejournal.service import Service
from tests.builders import School, max_position, run
from tests.projections.support import diary_lessons, lesson_of


def journal_of(
    service: Service, school: School, course_id: str | None = None,
    period_id: str | None = None,
) -> dict[str, Any]:
    return queries.course_journal(
        service, school.actor(service, "teacher") if course_id is None
        else service.system_actor(),
        course_id or school.course_id, period_id, None,
    )


def mark(
    service: Service, actor: Actor, lesson_id: str, student_id: str, value: str,
    work_type: str,
) -> str:
    out = run(service, actor, "record-mark", {
        "lesson_id": lesson_id, "student_id": student_id, "value": value,
        "work_type": work_type,
    })
    return str(out["mark_id"])


def refused(service: Service, actor: Actor, name: str, body: dict[str, Any],
            error: type[Exception]) -> None:
    before = max_position(service)
    with pytest.raises(error):
        run(service, actor, name, body)
    assert max_position(service) == before, "a refused command wrote an event"


def test_course_journal_cells_show_every_entry(
    service: Service, school: School
) -> None:
    teacher = school.actor(service, "teacher")
    l0, l4 = school.lesson_ids[0], school.lesson_ids[4]
    p0, p1, p2 = school.students
    m1 = mark(service, teacher, l0, p0, "5", "oral")
    m2 = mark(service, teacher, l0, p0, "4", "test")
    run(service, teacher, "record-attendance", {"lesson_id": l0, "entries": [
        {"student_id": p1, "code": "absent"}, {"student_id": p2, "code": "ill"},
    ]})
    c1 = run(service, teacher, "add-comment", {
        "lesson_id": l0, "student_id": p2, "text": "Забыл тетрадь",
    })["comment_id"]
    run(service, teacher, "set-lesson-topic", {"lesson_id": l0, "topic": "Дроби"})
    run(service, teacher, "assign-homework", {
        "lesson_id": l0, "text": "№ 12, 14", "due_on": "2026-11-17",
    })
    # Friday's lesson: a control work due Monday 23:59 (not late yet at 10:00).
    m3 = mark(service, teacher, l4, p1, "3", "control")

    j = journal_of(service, school)
    assert j["course_id"] == school.course_id
    assert j["subject"] == "Математика"
    assert j["teacher_id"] == school.accounts["teacher"]
    assert j["class_id"] == school.class_id
    assert j["group_id"] is None
    assert [s["student_id"] for s in j["students"]] == [p0, p1, p2]
    assert [x["lesson_id"] for x in j["lessons"]] == [
        *school.lesson_ids, school.future_lesson_id,
    ]
    assert lesson_of(j, l0) == {
        "lesson_id": l0, "date": "2026-11-16", "slot": 2, "starts_at": "09:25",
        "ends_at": "10:10", "topic": "Дроби",
        "homework": {"text": "№ 12, 14", "due_on": "2026-11-17"},
        "teacher_id": school.accounts["teacher"], "substitute_id": None,
        "cells": {
            p0: {"attendance": None, "comments": [], "marks": [
                {"mark_id": m1, "value": "5", "work_type": "oral", "weight": 1,
                 "late": True},
                {"mark_id": m2, "value": "4", "work_type": "test", "weight": 2,
                 "late": True},
            ]},
            p1: {"attendance": "absent", "marks": [], "comments": []},
            p2: {"attendance": "ill", "marks": [],
                 "comments": [{"comment_id": c1, "text": "Забыл тетрадь"}]},
        },
    }
    friday = lesson_of(j, l4)
    assert friday["teacher_id"] == school.accounts["teacher"]
    assert friday["substitute_id"] == school.accounts["substitute"]
    assert friday["topic"] is None
    assert friday["homework"] is None
    assert friday["cells"][p1]["marks"] == [
        {"mark_id": m3, "value": "3", "work_type": "control", "weight": 3,
         "late": False},
    ]
    assert school.other_student not in friday["cells"]

    # A later revision of attendance: present clears the absence.
    run(service, teacher, "record-attendance", {"lesson_id": l0, "entries": [
        {"student_id": p1, "code": "present"}, {"student_id": p2, "code": "late"},
    ]})
    cells = lesson_of(journal_of(service, school), l0)["cells"]
    assert cells[p1]["attendance"] is None
    assert cells[p2]["attendance"] == "late"


def test_weights_and_averages_per_pupil_per_period(
    service: Service, school: School
) -> None:
    teacher = school.actor(service, "teacher")
    system = service.system_actor()
    l0, l1, l2, l3, _ = school.lesson_ids
    p0, p1, p2 = school.students
    october = run(service, system, "schedule-lessons", {
        "course_id": school.course_id,
        "lessons": [{"date": "2026-10-05", "slot": 2, "starts_at": "09:25",
                     "ends_at": "10:10"}],
    })["lesson_ids"][0]
    for lesson, value, work in [
        (l0, "5", "oral"), (l1, "4", "test"), (l2, "3", "control"),
        (l3, "2", "written"), (october, "2", "oral"), (october, "5", "control"),
    ]:
        mark(service, teacher, lesson, p0, value, work)
    mark(service, teacher, l0, p1, "5", "lab")
    mark(service, teacher, l1, p1, "4", "homework")

    j = journal_of(service, school)
    weights = {
        m["work_type"]: m["weight"]
        for x in j["lessons"] for c in x["cells"].values() for m in c["marks"]
    }
    assert weights == {"oral": 1, "test": 2, "control": 3, "written": 2, "lab": 2,
                       "homework": 1}
    first, second = school.period_ids[0], school.period_ids[1]
    assert j["averages"] == {
        # II: (5+4+3+2)/4 = 3.5; (5*1+4*2+3*3+2*2)/(1+2+3+2) = 26/8 = 3.25
        # I: (2+5)/2 = 3.5; (2*1+5*3)/(1+3) = 17/4 = 4.25
        p0: {second: {"plain": 3.5, "weighted": 3.25},
             first: {"plain": 3.5, "weighted": 4.25}},
        # (5+4)/2 = 4.5; (5*2+4*1)/3 = 4.67
        p1: {second: {"plain": 4.5, "weighted": 4.67}},
    }
    assert p2 not in j["averages"]

    only_first = journal_of(service, school, period_id=first)
    assert only_first["period_id"] == first
    assert [x["lesson_id"] for x in only_first["lessons"]] == [october]
    assert only_first["averages"] == {p0: {first: {"plain": 3.5, "weighted": 4.25}}}
    only_second = journal_of(service, school, period_id=second)
    assert [x["lesson_id"] for x in only_second["lessons"]] == [
        *school.lesson_ids, school.future_lesson_id,
    ]
    assert only_second["averages"] == {
        p0: {second: {"plain": 3.5, "weighted": 3.25}},
        p1: {second: {"plain": 4.5, "weighted": 4.67}},
    }
    assert journal_of(service, school, period_id=school.period_ids[2])["lessons"] == []
    with pytest.raises(NotFound):
        journal_of(service, school, period_id=school.lesson_ids[0])


def test_transferred_pupil_appears_in_each_class_only_for_its_dates(
    service: Service, school: School
) -> None:
    teacher = school.actor(service, "teacher")
    other_teacher = school.actor(service, "other_teacher")
    system = service.system_actor()
    p0, p1, _ = school.students
    history = run(service, system, "schedule-lessons", {
        "course_id": school.other_course_id,
        "lessons": [
            {"date": d, "slot": 3, "starts_at": "10:30", "ends_at": "11:15"}
            for d in ("2026-11-18", "2026-11-19")
        ],
    })["lesson_ids"]
    before = mark(service, teacher, school.lesson_ids[0], p1, "4", "oral")
    run(service, system, "transfer-student", {
        "student_id": p1, "to_class_id": school.other_class_id, "on": "2026-11-18",
    })

    maths = journal_of(service, school)
    assert p1 in [s["student_id"] for s in maths["students"]]
    has_cell = {x["date"]: p1 in x["cells"] for x in maths["lessons"]}
    assert has_cell == {
        "2026-11-16": True, "2026-11-17": True, "2026-11-18": False,
        "2026-11-19": False, "2026-11-20": False, "2026-11-30": False,
    }
    assert all(p0 in x["cells"] for x in maths["lessons"])
    assert [m["mark_id"] for m in
            lesson_of(maths, school.lesson_ids[0])["cells"][p1]["marks"]] == [before]

    new = mark(service, other_teacher, history[1], p1, "5", "oral")
    refused(service, teacher, "record-mark", {
        "lesson_id": school.lesson_ids[3], "student_id": p1, "value": "5",
        "work_type": "oral",
    }, Invalid)
    refused(service, other_teacher, "record-mark", {
        "lesson_id": school.other_lesson_id, "student_id": p1, "value": "5",
        "work_type": "oral",
    }, Invalid)

    hist = journal_of(service, school, school.other_course_id)
    assert [s["student_id"] for s in hist["students"]] == [p1, school.other_student]
    assert {x["lesson_id"]: sorted(x["cells"]) for x in hist["lessons"]} == {
        school.other_lesson_id: [school.other_student],
        history[0]: sorted([p1, school.other_student]),
        history[1]: sorted([p1, school.other_student]),
    }
    assert [m["mark_id"] for m in lesson_of(hist, history[1])["cells"][p1]["marks"]] \
        == [new]
    assert hist["averages"] == {p1: {school.period_ids[1]: {"plain": 5.0,
                                                            "weighted": 5.0}}}
    assert maths["averages"] == {p1: {school.period_ids[1]: {"plain": 4.0,
                                                             "weighted": 4.0}}}

    diary = queries.diary(
        service, system, p1, date(2026, 11, 16), date(2026, 11, 20), None)
    assert diary_lessons(diary) == [
        ("2026-11-16", school.lesson_ids[0]), ("2026-11-17", school.lesson_ids[1]),
        ("2026-11-18", history[0]), ("2026-11-19", history[1]),
    ]
    subjects = [x["subject"] for d in diary["days"] for x in d["lessons"]]
    assert subjects == ["Математика", "Математика", "История", "История"]


def test_withdrawn_pupil_has_no_cells_from_the_withdrawal_date(
    service: Service, school: School
) -> None:
    teacher = school.actor(service, "teacher")
    system = service.system_actor()
    p0, p1, p2 = school.students
    run(service, system, "withdraw-student", {
        "student_id": p2, "on": "2026-11-19", "reason": "переезд",
    })
    j = journal_of(service, school)
    assert [s["student_id"] for s in j["students"]] == [p0, p1, p2]
    assert {x["date"]: p2 in x["cells"] for x in j["lessons"]} == {
        "2026-11-16": True, "2026-11-17": True, "2026-11-18": True,
        "2026-11-19": False, "2026-11-20": False, "2026-11-30": False,
    }
    refused(service, teacher, "record-mark", {
        "lesson_id": school.lesson_ids[3], "student_id": p2, "value": "3",
        "work_type": "oral",
    }, Invalid)
    refused(service, teacher, "record-attendance", {
        "lesson_id": school.lesson_ids[4],
        "entries": [{"student_id": p2, "code": "absent"}],
    }, Invalid)
    mark(service, teacher, school.lesson_ids[2], p2, "3", "oral")

    third = journal_of(service, school, period_id=school.period_ids[2])
    assert [s["student_id"] for s in third["students"]] == [p0, p1]
    diary = queries.diary(
        service, system, p2, date(2026, 11, 16), date(2026, 11, 22), None)
    assert [lid for _, lid in diary_lessons(diary)] == school.lesson_ids[:3]


def test_group_course_shows_only_the_group(service: Service, school: School) -> None:
    system = service.system_actor()
    other_teacher = school.actor(service, "other_teacher")
    p0, p1, p2 = school.students
    group = run(service, system, "create-group", {
        "class_id": school.class_id, "name": "1 подгруппа", "student_ids": [p0, p2],
    })["group_id"]
    course = run(service, system, "create-course", {
        "year_id": school.year_id, "class_id": school.class_id, "group_id": group,
        "subject": "Английский язык", "teacher_id": school.accounts["other_teacher"],
        "hours_per_week": 3,
    })["course_id"]
    lessons = run(service, system, "schedule-lessons", {
        "course_id": course,
        "lessons": [
            {"date": d, "slot": 5, "starts_at": "12:10", "ends_at": "12:55"}
            for d in ("2026-11-16", "2026-11-18")
        ],
    })["lesson_ids"]
    refused(service, other_teacher, "record-mark", {
        "lesson_id": lessons[0], "student_id": p1, "value": "5", "work_type": "oral",
    }, Invalid)
    m = mark(service, other_teacher, lessons[0], p2, "5", "oral")

    j = journal_of(service, school, course)
    assert j["group_id"] == group
    assert j["teacher_id"] == school.accounts["other_teacher"]
    assert [s["student_id"] for s in j["students"]] == [p0, p2]
    assert [sorted(x["cells"]) for x in j["lessons"]] == [sorted([p0, p2])] * 2
    assert [x["mark_id"] for x in lesson_of(j, lessons[0])["cells"][p2]["marks"]] \
        == [m]

    week = (date(2026, 11, 16), date(2026, 11, 20))
    p0_diary = queries.diary(service, system, p0, *week, None)
    assert diary_lessons(p0_diary)[:2] == [
        ("2026-11-16", school.lesson_ids[0]), ("2026-11-16", lessons[0]),
    ]
    assert lessons[1] in [lid for _, lid in diary_lessons(p0_diary)]
    p1_diary = queries.diary(service, system, p1, *week, None)
    assert [lid for _, lid in diary_lessons(p1_diary)] == school.lesson_ids

    classes = queries.class_journal(service, system, school.class_id, None, None)
    assert [c["course_id"] for c in classes["courses"]] == [course, school.course_id]


def test_diary_lists_lessons_per_day_with_marks_attendance_homework(
    service: Service, school: School
) -> None:
    teacher = school.actor(service, "teacher")
    l0, l1, l2, _, l4 = school.lesson_ids
    p0, p1, _ = school.students
    m1 = mark(service, teacher, l0, p0, "5", "oral")
    m2 = mark(service, teacher, l2, p0, "3", "control")
    mark(service, teacher, l2, p1, "2", "control")
    run(service, teacher, "record-attendance", {"lesson_id": l1, "entries": [
        {"student_id": p0, "code": "late"}, {"student_id": p1, "code": "absent"},
    ]})
    run(service, teacher, "assign-homework", {
        "lesson_id": l0, "text": "Учебник, с. 40", "due_on": "2026-11-18",
    })
    run(service, teacher, "set-lesson-topic", {"lesson_id": l0, "topic": "Дроби"})
    c = run(service, teacher, "add-comment", {
        "lesson_id": l2, "student_id": p0, "text": "Молодец",
    })["comment_id"]

    guardian = school.actor(service, "guardian")
    d = queries.diary(
        service, guardian, p0, date(2026, 11, 16), date(2026, 11, 20), None)
    assert d["student_id"] == p0
    assert d["full_name"] == "Алексеев Антон"
    assert (d["from"], d["to"]) == ("2026-11-16", "2026-11-20")
    assert [day["date"] for day in d["days"]] == [
        "2026-11-16", "2026-11-17", "2026-11-18", "2026-11-19", "2026-11-20",
    ]
    assert [len(day["lessons"]) for day in d["days"]] == [1] * 5
    monday = d["days"][0]["lessons"][0]
    assert monday == {
        "lesson_id": l0, "slot": 2, "starts_at": "09:25", "ends_at": "10:10",
        "course_id": school.course_id, "subject": "Математика",
        "teacher_id": school.accounts["teacher"], "substitute_id": None,
        "topic": "Дроби",
        "homework": {"text": "Учебник, с. 40", "due_on": "2026-11-18"},
        "attendance": None,
        "marks": [{"mark_id": m1, "value": "5", "work_type": "oral", "weight": 1}],
        "comments": [],
    }
    tuesday = d["days"][1]["lessons"][0]
    assert tuesday["attendance"] == "late"
    assert tuesday["marks"] == []
    wednesday = d["days"][2]["lessons"][0]
    assert wednesday["marks"] == [
        {"mark_id": m2, "value": "3", "work_type": "control", "weight": 3},
    ]
    assert wednesday["comments"] == [{"comment_id": c, "text": "Молодец"}]
    assert d["days"][4]["lessons"][0]["lesson_id"] == l4
    assert d["days"][4]["lessons"][0]["substitute_id"] == school.accounts["substitute"]

    short = queries.diary(
        service, guardian, p0, date(2026, 11, 17), date(2026, 11, 18), None)
    assert (short["from"], short["to"]) == ("2026-11-17", "2026-11-18")
    assert diary_lessons(short) == [("2026-11-17", l1), ("2026-11-18", l2)]
    weekend = queries.diary(
        service, guardian, p0, date(2026, 11, 21), date(2026, 11, 22), None)
    assert weekend["days"] == []
    later = queries.diary(
        service, guardian, p0, date(2026, 11, 23), date(2026, 11, 30), None)
    assert diary_lessons(later) == [("2026-11-30", school.future_lesson_id)]
    with pytest.raises(Invalid):
        queries.diary(
            service, guardian, p0, date(2026, 11, 20), date(2026, 11, 16), None)

    other = queries.diary(service, service.system_actor(), school.other_student,
                          date(2026, 11, 16), date(2026, 11, 20), None)
    assert diary_lessons(other) == [("2026-11-17", school.other_lesson_id)]


def test_class_journal_lists_every_course_of_the_class(
    service: Service, school: School
) -> None:
    system = service.system_actor()
    russian = run(service, system, "create-course", {
        "year_id": school.year_id, "class_id": school.class_id,
        "subject": "Русский язык", "teacher_id": school.accounts["class_teacher"],
        "hours_per_week": 4,
    })["course_id"]
    russian_lessons = run(service, system, "schedule-lessons", {
        "course_id": russian,
        "lessons": [{"date": "2026-10-06", "slot": 1, "starts_at": "08:30",
                     "ends_at": "09:15"},
                    {"date": "2026-11-17", "slot": 1, "starts_at": "08:30",
                     "ends_at": "09:15"}],
    })["lesson_ids"]
    mark(service, school.actor(service, "class_teacher"), russian_lessons[1],
         school.students[0], "4", "written")

    class_teacher = school.actor(service, "class_teacher")
    cj = queries.class_journal(service, class_teacher, school.class_id, None, None)
    assert cj["class_id"] == school.class_id
    assert [c["course_id"] for c in cj["courses"]] == [school.course_id, russian]
    for entry in cj["courses"]:
        assert entry == queries.course_journal(
            service, system, entry["course_id"], None, None)
    assert school.other_course_id not in [c["course_id"] for c in cj["courses"]]

    first = school.period_ids[0]
    cj1 = queries.class_journal(service, system, school.class_id, first, None)
    assert [c["course_id"] for c in cj1["courses"]] == [school.course_id, russian]
    assert [len(c["lessons"]) for c in cj1["courses"]] == [0, 1]
    assert all(c["period_id"] == first for c in cj1["courses"])
    other = queries.class_journal(service, system, school.other_class_id, None, None)
    assert [c["course_id"] for c in other["courses"]] == [school.other_course_id]
