"""The documents: each calls the same ``ejournal.queries`` read model as its JSON
route (so the same people may print it), stamps its provenance and renders it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from ejournal import queries
from ejournal.printouts.pdf import render, render_in_parts
from ejournal.printouts.provenance import stamped
from ejournal.projections.reader import reader
from ejournal.security import Actor
from ejournal.service import Service

ATTENDANCE = {"absent": "н", "ill": "б", "excused": "уп", "late": "оп"}
FINAL_COLUMNS = (("annual", "год"), ("exam", "экз."), ("final", "итог"))


def _names(service: Service, ids: Iterable[str | None]) -> dict[str, str]:
    """Display names of accounts, pupils and classes, for a document its reader
    has already been allowed to read."""
    wanted = [i for i in dict.fromkeys(ids) if i]
    if not wanted:
        return {}
    with reader(service.app) as views:
        docs = views.docs(wanted)
    return {
        key: str(doc.get("full_name") or doc.get("name") or "")
        for key, doc in docs.items()
    }


def _class_of(service: Service, class_id: str | None) -> tuple[str, str]:
    """A class's name and its class teacher's name."""
    if not class_id:
        return "", ""
    with reader(service.app) as views:
        klass = views.doc(class_id) or {}
        teacher = views.doc(klass.get("class_teacher_id") or "") if klass else None
    return str(klass.get("name") or ""), str((teacher or {}).get("full_name") or "")


def diary_pdf(
    service: Service,
    actor: Actor,
    student_id: str,
    lo: date | None,
    hi: date | None,
    as_of: datetime | None,
) -> bytes:
    """A pupil's diary extract: marks, absences, homework, and a sign-off line
    for the class teacher."""

    def read() -> dict[str, Any]:
        diary = queries.diary(service, actor, student_id, lo, hi, as_of)
        lessons = [lesson for day in diary["days"] for lesson in day["lessons"]]
        names = _names(
            service,
            [x for ls in lessons for x in (ls["teacher_id"], ls["substitute_id"])],
        )
        with reader(service.app) as views:
            pupil = views.doc(student_id) or {}
        class_name, class_teacher = _class_of(service, pupil.get("class_id"))
        missed = sum(
            1 for ls in lessons if ls.get("attendance") in ("absent", "ill", "excused")
        )
        return {
            "diary": diary,
            "names": names,
            "class_name": class_name,
            "class_teacher": class_teacher,
            "missed": missed,
        }

    context, provenance = stamped(service, actor, as_of, f"diary {student_id}", read)
    return render(
        "diary.html",
        provenance,
        title=f"Выписка из дневника: {context['diary']['full_name']}",
        attendance=ATTENDANCE,
        **context,
    )


def _journal_context(service: Service, journal: dict[str, Any]) -> dict[str, Any]:
    ids = [journal.get("teacher_id")] + [
        x for ls in journal["lessons"] for x in (ls["teacher_id"], ls["substitute_id"])
    ]
    class_name, _ = _class_of(service, journal.get("class_id"))
    return {"journal": journal, "names": _names(service, ids), "class_name": class_name}


def journal_pdf(
    service: Service,
    actor: Actor,
    course_id: str,
    period_id: str | None,
    as_of: datetime | None,
) -> bytes:
    """A course journal for a period: the grid, topics, homework and who taught
    each lesson."""
    context, provenance = stamped(
        service,
        actor,
        as_of,
        f"journal {course_id}",
        lambda: _journal_context(
            service,
            queries.course_journal(service, actor, course_id, period_id, as_of),
        ),
    )
    journal = context["journal"]
    return render(
        "journal.html",
        provenance,
        title=f"Журнал: {journal['subject']} {context['class_name']}",
        orientation="landscape",
        attendance=ATTENDANCE,
        **context,
    )


def _summary_context(service: Service, sheet: dict[str, Any]) -> dict[str, Any]:
    names = _names(service, [c["teacher_id"] for c in sheet["courses"]])
    _, class_teacher = _class_of(service, sheet["class_id"])
    return {
        "sheet": sheet,
        "names": names,
        "class_teacher": class_teacher,
        "finals": FINAL_COLUMNS,
    }


def summary_pdf(
    service: Service,
    actor: Actor,
    class_id: str,
    year_id: str | None,
    as_of: datetime | None,
) -> bytes:
    """The class summary sheet (сводная ведомость)."""
    context, provenance = stamped(
        service,
        actor,
        as_of,
        f"summary {class_id}",
        lambda: _summary_context(
            service, queries.summary(service, actor, class_id, year_id, as_of)
        ),
    )
    return render(
        "summary.html",
        provenance,
        title=f"Сводная ведомость: {context['sheet']['class_name']}",
        orientation="landscape",
        **context,
    )


def archive_pdf(
    service: Service,
    actor: Actor,
    class_id: str,
    year_id: str | None,
    as_of: datetime | None,
) -> bytes:
    """A class's year-end archive: every course journal of the year and the
    summary sheet, with a table of contents."""

    def read() -> dict[str, Any]:
        sheet = queries.summary(service, actor, class_id, year_id, as_of)
        journals = [
            _journal_context(
                service,
                queries.course_journal(service, actor, c["course_id"], None, as_of),
            )
            for c in sheet["courses"]
        ]
        return {"journals": journals, **_summary_context(service, sheet)}

    context, provenance = stamped(service, actor, as_of, f"archive {class_id}", read)
    journals = context.pop("journals")
    parts = [
        (f"Журнал: {item['journal']['subject']}", {"part": "journal", "item": item})
        for item in journals
    ]
    parts.append(("Сводная ведомость", {"part": "summary"}))
    return render_in_parts(
        "archive.html",
        provenance,
        parts,
        title=f"Архив класса {context['sheet']['class_name']}",
        orientation="landscape",
        attendance=ATTENDANCE,
        **context,
    )
