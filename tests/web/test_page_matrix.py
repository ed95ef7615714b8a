"""Who sees which page, against the API: every person of the school opens every
page that has a JSON twin, and the page decides as the API does (200, 403 or 404),
because both ask the same read model of ejournal.queries. Then every link a person
sees in their menu and on their home page opens for them.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.builders import PASSWORD, ROLES
from tests.web.conftest import Web

PEOPLE = [*ROLES, "student"]
# page -> its JSON twin; {ids} are filled from the school and the set-up below.
PAIRS = {
    "/courses/{course}/journal": "/courses/{course}/journal",
    "/classes/{klass}/journal": "/classes/{klass}/journal",
    "/classes/{klass}/summary": "/classes/{klass}/summary",
    "/classes/{klass}/acknowledgements": "/classes/{klass}/acknowledgements",
    "/students/{pupil}/diary": "/students/{pupil}/diary",
    "/reports/control?year_id={year}": "/reports/control?year_id={year}",
    "/reports/compliance": "/reports/compliance",
    "/corrections": "/corrections",
    "/audit": "/audit/events",
    "/audit/ledger": "/audit/ledger",
    "/audit/marks/{mark}": "/audit/marks/{mark}/history",
    "/admin/incidents/{incident}": "/incidents/{incident}/preview",
}
HREF = re.compile(r'<a [^>]*href="(/[^"#]*)"')


@pytest.fixture(scope="module")
def ids(web: Web) -> dict[str, str]:
    school = web.school
    teacher = web.service.execute(
        school.actor(web.service, "teacher"),
        "record-mark",
        {
            "lesson_id": school.lesson_ids[0],
            "student_id": school.students[0],
            "value": "4",
            "work_type": "oral",
        },
    )
    victim = web.run(
        "create-account",
        {
            "login": "matrix.victim",
            "password": PASSWORD,
            "full_name": "Matrix Victim",
            "roles": ["teacher"],
        },
    )["account_id"]
    incident = web.run(
        "report-compromise",
        {
            "account_id": victim,
            "reported_at": web.clock().isoformat(),
            "note": "the page matrix",
        },
    )["incident_id"]
    return {
        "course": school.course_id,
        "klass": school.class_id,
        "pupil": school.students[0],
        "year": school.year_id,
        "mark": str(teacher["mark_id"]),
        "incident": str(incident),
    }


def api_status(web: Web, person: str, path: str) -> int:
    b = web.browser(person)
    login = b.client.post(
        "/api/v1/auth/login",
        json={"login": web.school.logins[person], "password": PASSWORD},
    )
    assert login.status_code == 200, login.text
    r = b.client.get(
        "/api/v1" + path, headers={"Authorization": f"Bearer {login.json()['token']}"}
    )
    return r.status_code


@pytest.mark.parametrize("page", list(PAIRS))
@pytest.mark.parametrize("person", PEOPLE)
def test_a_page_decides_who_may_read_it_as_its_json_twin_does(
    web: Web, ids: dict[str, str], person: str, page: str
) -> None:
    # Given a person of the school and a page with a JSON twin
    api = api_status(web, person, PAIRS[page].format(**ids))
    before = web.position()
    # When they open the page
    r = web.browser(person).get(page.format(**ids), follow_redirects=False)
    # Then the page answers as the API does, as a page, and reading wrote nothing
    assert (r.status_code, person) == (api, person)
    assert r.headers["content-type"].startswith("text/html")
    if r.status_code == 403:
        assert "Нет доступа" in r.text
    assert web.position() == before


@pytest.mark.parametrize("person", PEOPLE)
def test_every_link_a_person_sees_opens_for_them(web: Web, person: str) -> None:
    # Given a person's home page
    b = web.browser(person)
    home = b.get("/")
    assert home.status_code == 200
    links: set[str] = {
        href.replace("&amp;", "&")
        for href in HREF.findall(home.text)
        if not href.startswith("/static/")
    }
    assert "/" in links
    # When they follow each link of their menu and home page
    answers: dict[str, Any] = {
        href: b.get(href, follow_redirects=True).status_code for href in links
    }
    # Then none is refused
    assert answers == dict.fromkeys(links, 200)
