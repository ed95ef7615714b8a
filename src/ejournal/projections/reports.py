# Over ~300 lines on purpose: the summary sheet, control report and late entries
# assemble the same course and lesson documents; to be split per report with the
# documents (issue 14).
"""Reports assembled from stream documents by a Reader (current, or as of a moment):
the summary sheet (сводная ведомость), the deputy's control report and the
compliance list of late entries.

Everything here reads the same folded documents the journal reads, so voids and
``as_of`` apply to reports exactly as to the journal.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from ejournal.domain.course import FINAL_KINDS
from ejournal.domain.errors import NotFound
from ejournal.domain.lesson import MISSED
from ejournal.domain.rules import SchoolRules
from ejournal.projections.journal import (
    _member,
    _overlaps,
    course_marks,
    course_members,
    get_kind,
)
from ejournal.projections.reader import Reader
from ejournal.projections.streams import Doc


def pct(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


# -- summary sheet ------------------------------------------------------------------
def summary_sheet(r: Reader, class_id: str, year_id: str | None) -> dict[str, Any]:
    """Per class: pupil × course → period, annual, exam and final marks (S1 item 12:
    final marks are duplicated into the summary sheet), and the lessons each pupil
    missed, how many for illness."""
    klass = get_kind(r, class_id, "class", "class")
    if year_id is not None and klass["year_id"] != year_id:
        raise NotFound(f"no class {class_id} in year {year_id}")
    year = get_kind(r, klass["year_id"], "year", "academic year")
    lo, hi = str(year["starts_on"]), str(year["ends_on"])
    roster: dict[str, list[list[str | None]]] = klass["roster"]
    people = r.docs(roster)
    students = sorted(
        (
            {"student_id": sid, "full_name": people[sid]["full_name"]}
            for sid in roster
            if sid in people
        ),
        key=lambda s: (s["full_name"], s["student_id"]),
    )
    visible = [s["student_id"] for s in students]
    courses = r.children("course", [class_id])
    period_ids = [p["id"] for p in year["periods"]]
    marks: dict[str, dict[str, dict[str, str | None]]] = {sid: {} for sid in visible}
    deferrals: dict[str, dict[str, Any]] = {}
    for course in courses:
        members = course_members(klass, course)
        period, final = course_marks(course)
        for sid in visible:
            if sid not in members:
                continue
            row: dict[str, str | None] = dict.fromkeys(period_ids)
            row.update(period.get(sid, {}))
            for kind in FINAL_KINDS:
                row[kind] = final.get(sid, {}).get(kind)
            marks[sid][course["id"]] = row
            deferred = course.get("deferrals", {}).get(sid)
            if deferred:
                deferrals.setdefault(sid, {})[course["id"]] = deferred
    absences = {sid: {"lessons_missed": 0, "ill": 0} for sid in visible}
    lessons = r.children("lesson", [c["id"] for c in courses], lo, hi + "/99")
    by_id = {c["id"]: c for c in courses}
    for lesson in lessons:
        members = course_members(klass, by_id[lesson["course_id"]])
        for sid, code in lesson["attendance"].items():
            if (
                code in MISSED
                and sid in absences
                and _member(members.get(sid, []), lesson["date"])
            ):
                absences[sid]["lessons_missed"] += 1
                if code == "ill":
                    absences[sid]["ill"] += 1
    return {
        "class_id": class_id,
        "class_name": klass["name"],
        "year_id": klass["year_id"],
        "periods": [{"period_id": p["id"], "name": p["name"]} for p in year["periods"]],
        "students": students,
        "courses": [
            {
                "course_id": c["id"],
                "subject": c["subject"],
                "group_id": c.get("group_id"),
                "teacher_id": c["teacher_id"],
            }
            for c in courses
        ],
        "marks": marks,
        "deferrals": deferrals,
        "absences": absences,
    }


# -- control report -----------------------------------------------------------------
def pick_period(year: Doc, period_id: str | None, today: date) -> Doc:
    """The named period; by default the one running today (or the last begun)."""
    periods: list[Doc] = year["periods"]
    if period_id is not None:
        for period in periods:
            if period["id"] == period_id:
                return period
        raise NotFound(f"no period {period_id} in year {year['name']}")
    iso = today.isoformat()
    begun = [p for p in periods if p["starts_on"] <= iso]
    return begun[-1] if begun else periods[0]


def week_end(period: Doc, week: int) -> date:
    """The last day of the period's n-th week, counted from its first day."""
    return date.fromisoformat(period["starts_on"]) + timedelta(days=7 * week - 1)


def required_marks(rules: SchoolRules, hours: float) -> int:
    """S4: 3 marks a period for 1 hour a week, 5 for 2 or more."""
    return rules.min_marks_one_hour if hours < 2 else rules.min_marks_more_hours


def minimum_marks_shortfalls(
    rules: SchoolRules,
    course: Doc,
    period: Doc,
    today: date,
    pupils: dict[str, list[list[str | None]]],
    dated_marks: dict[str, list[str]],
    exempt: set[str],
) -> list[dict[str, Any]]:
    """Pupils short of the minimum number of marks (DOMAIN.md "Minimum marks"), at
    every checkpoint that has passed by ``today``: the end of the period, and for
    1-2 hours a week the end of the 3rd and 4th weeks."""
    hours = float(course["hours_per_week"])
    checkpoints: list[tuple[str, date, int]] = []
    if hours <= 2:
        for week, count in rules.early_marks:
            checkpoints.append((f"week_{week}", week_end(period, week), count))
    period_end = date.fromisoformat(period["ends_on"])
    checkpoints.append(("period", period_end, required_marks(rules, hours)))
    out = []
    start = period["starts_on"]
    for rule, by, required in checkpoints:
        if today <= by:
            continue
        by_iso = by.isoformat()
        for sid, spans in pupils.items():
            if sid in exempt or not _overlaps(spans, start, by_iso):
                continue
            count = sum(1 for day in dated_marks.get(sid, []) if day <= by_iso)
            if count < required:
                out.append(
                    {
                        "course_id": course["id"],
                        "student_id": sid,
                        "rule": rule,
                        "by": by_iso,
                        "required": required,
                        "marks": count,
                    }
                )
    return out


def plan_coverage(
    plan: list[Doc], held: list[Doc]
) -> tuple[float | None, int, int, int]:
    """Share of the plan's topics the timetable should have reached by now (by their
    hours, in order) that lessons held have covered: (pct, expected, covered,
    total)."""
    if not plan:
        return None, 0, 0, 0
    covered = {x["plan_topic_no"] for x in held if x.get("plan_topic_no")}
    expected: set[int] = set()
    hours_before = 0.0
    for topic in plan:
        if hours_before >= len(held):
            break
        expected.add(int(topic["no"]))
        hours_before += float(topic["hours"])
    reached = len(expected & covered)
    return pct(reached, len(expected)), len(expected), len(covered), len(plan)


def guardians_engagement(
    r: Reader, klass: Doc, pupils: list[str], now: datetime, days: int
) -> dict[str, Any]:
    """Share of the class's guardians who logged in during the last ``days`` days,
    and the pupils none of whose guardians did (S4: the class teacher calls them)."""
    students = r.docs(pupils)
    guardian_ids = {g for s in students.values() for g in s["guardians"]}
    accounts = r.docs(guardian_ids)
    since = now - timedelta(days=days)
    active = {
        gid
        for gid, doc in accounts.items()
        if any(
            since <= datetime.fromisoformat(s["opened_at"]) <= now
            for s in doc.get("sessions", {}).values()
        )
    }
    quiet = sorted(
        (
            {
                "student_id": sid,
                "full_name": doc["full_name"],
                "guardians": len(doc["guardians"]),
            }
            for sid, doc in students.items()
            if not set(doc["guardians"]) & active
        ),
        key=lambda x: (x["full_name"], x["student_id"]),
    )
    # 152-ФЗ: without a live consent a guardian reads no diary (security.
    # check_consent), so the secretary has these consents to collect.
    without_consent = sorted(
        (
            {
                "student_id": sid,
                "full_name": doc["full_name"],
                "guardian_account_id": gid,
                "guardian_name": str(accounts.get(gid, {}).get("full_name") or ""),
                "consent": "withdrawn" if gid in doc.get("consents", {}) else "never",
            }
            for sid, doc in students.items()
            for gid in doc["guardians"]
            if doc.get("consents", {}).get(gid) is not True
        ),
        key=lambda x: (x["full_name"], x["student_id"], x["guardian_name"]),
    )
    return {
        "class_id": klass["id"],
        "class_name": klass["name"],
        "guardians_without_consent": without_consent,
        "guardians_total": len(guardian_ids),
        "guardians_logged_in": len(active & guardian_ids),
        "guardians_logged_in_pct": pct(len(active & guardian_ids), len(guardian_ids)),
        "students_without_guardian_login": quiet,
    }


def course_control(
    r: Reader,
    rules: SchoolRules,
    klass: Doc,
    course: Doc,
    year: Doc,
    period: Doc,
    today: date,
) -> dict[str, Any]:
    lo = period["starts_on"]
    hi = min(period["ends_on"], today.isoformat())
    in_period = r.children("lesson", [course["id"]], lo, period["ends_on"] + "/99")
    held = [x for x in in_period if x["date"] <= hi]
    members = course_members(klass, course)
    pupils = {sid: spans for sid, spans in members.items() if _overlaps(spans, lo, hi)}
    dated_marks: dict[str, list[str]] = {}
    for lesson in held:
        for mark in lesson["marks"].values():
            sid, day = mark["student_id"], lesson["date"]
            if mark["value"] is not None and _member(pupils.get(sid, []), day):
                dated_marks.setdefault(sid, []).append(lesson["date"])
    counts = [len(dated_marks.get(sid, [])) for sid in pupils]
    period_marks, _ = course_marks(course)
    exempt = {
        sid
        for sid, by_period in period_marks.items()
        if by_period.get(period["id"]) == "exempt"
    }
    late = sum(len(x.get("late", [])) for x in in_period)
    late += sum(1 for e in course.get("late", []) if e.get("period_id") == period["id"])
    year_held = r.children("lesson", [course["id"]], year["starts_on"], hi + "/99")
    coverage, expected, covered, total = plan_coverage(
        course.get("plan", []), [x for x in year_held if x["date"] <= hi]
    )
    return {
        "course_id": course["id"],
        "subject": course["subject"],
        "class_id": klass["id"],
        "group_id": course.get("group_id"),
        "teacher_id": course["teacher_id"],
        "hours_per_week": course["hours_per_week"],
        "period_id": period["id"],
        "lessons_scheduled": len(in_period),
        "lessons_held": len(held),
        "topics_filled_pct": pct(sum(1 for x in held if x["topic"]), len(held)),
        "homework_filled_pct": pct(sum(1 for x in held if x["homework"]), len(held)),
        "students": len(pupils),
        "students_without_marks_pct": pct(counts.count(0), len(counts)),
        "students_with_one_mark_pct": pct(counts.count(1), len(counts)),
        "late_entries": late,
        "plan_coverage_pct": coverage,
        "plan_topics": total,
        "plan_topics_expected": expected,
        "plan_topics_covered": covered,
        "substitutions": sum(1 for x in held if x["substitute_id"]),
        "min_marks_shortfalls": minimum_marks_shortfalls(
            rules, course, period, today, pupils, dated_marks, exempt
        ),
    }


def control_report(
    r: Reader,
    rules: SchoolRules,
    *,
    year_id: str,
    period_id: str | None,
    class_id: str | None,
    now: datetime,
) -> list[dict[str, Any]]:
    """The deputy's control of the journal (S4, at least every two weeks): one row
    per course, each with its class's guardians' engagement and
    ``guardians_without_consent: [{student_id, full_name, guardian_account_id,
    guardian_name, consent: never|withdrawn}]``: the guardians of the class's
    pupils whose consent to data processing is not live (they read no diary)."""
    year = get_kind(r, year_id, "year", "academic year")
    today = rules.local_date(now)
    period = pick_period(year, period_id, today)
    if class_id is not None:
        klass = get_kind(r, class_id, "class", "class")
        if klass["year_id"] != year_id:
            raise NotFound(f"no class {class_id} in year {year['name']}")
        classes = [klass]
    else:
        classes = r.children("class", [year_id])
    rows = []
    for klass in classes:
        ref = min(today.isoformat(), period["ends_on"])
        current = [
            sid
            for sid, spans in klass["roster"].items()
            if _member(spans, ref) or _overlaps(spans, period["starts_on"], ref)
        ]
        engagement = guardians_engagement(
            r, klass, current, now, rules.guardian_login_days
        )
        for course in r.children("course", [klass["id"]]):
            row = course_control(r, rules, klass, course, year, period, today)
            row.update(
                {
                    "class_name": klass["name"],
                    "guardians_total": engagement["guardians_total"],
                    "guardians_logged_in": engagement["guardians_logged_in"],
                    "guardians_logged_in_pct": engagement["guardians_logged_in_pct"],
                    "students_without_guardian_login": engagement[
                        "students_without_guardian_login"
                    ],
                    "guardians_without_consent": engagement[
                        "guardians_without_consent"
                    ],
                }
            )
            rows.append(row)
    return rows


# -- compliance ---------------------------------------------------------------------
def late_entries(
    r: Reader, stream_ids: list[str], lo: datetime, hi: datetime
) -> list[dict[str, Any]]:
    """Late entries recorded in [lo, hi), from the lesson and course documents that
    hold them (each document keeps its live late entries)."""
    out = []
    docs = r.docs(stream_ids)
    for sid in stream_ids:
        doc = docs.get(sid)
        if doc is None or doc.get("kind") not in ("lesson", "course"):
            continue
        for entry in doc.get("late", []):
            recorded = datetime.fromisoformat(entry["recorded_at"])
            if not lo <= recorded < hi:
                continue
            lesson = doc["kind"] == "lesson"
            out.append(
                {
                    "stream_id": sid,
                    "version": entry["version"],
                    "type": entry["type"],
                    "actor_id": entry["actor_id"],
                    "lesson_id": sid if lesson else None,
                    "course_id": doc["course_id"] if lesson else sid,
                    "student_id": entry.get("student_id"),
                    "period_id": entry.get("period_id"),
                    "due_at": entry["due_at"],
                    "recorded_at": entry["recorded_at"],
                }
            )
    out.sort(key=lambda e: (e["recorded_at"], e["stream_id"], e["version"]))
    return out
