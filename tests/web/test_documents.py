"""Documents follow their JSON twins: for every person of the school, each
document answers the API with the same status as the JSON read it is made from,
and the page route (cookie session) the same; the pages link to them and the
links, as_of included, give the document."""

from __future__ import annotations

import re
from datetime import UTC
from html import unescape

import pytest

from ejournal.printouts import read_document
from tests.builders import PASSWORD, ROLES
from tests.web.conftest import Web

PEOPLE = [*ROLES, "student"]
KINDS = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# Who reads none of these pages: the course's substitute (who writes only their
# lessons). The other course's teacher and the other pupil's parent read that
# pupil's diary.
READ_NONE = {"substitute"}


def documents(web: Web) -> list[tuple[str, str]]:
    """(JSON twin, document) path pairs, below /api/v1 for the API and at the
    site's root for the pages."""
    s = web.school
    mine, other = s.students[0], s.other_student
    return [
        (f"/students/{mine}/diary", f"/students/{mine}/diary.pdf"),
        (f"/students/{other}/diary", f"/students/{other}/diary.pdf"),
        (f"/courses/{s.course_id}/journal", f"/courses/{s.course_id}/journal.pdf"),
        (f"/classes/{s.class_id}/summary", f"/classes/{s.class_id}/summary.pdf"),
        (f"/classes/{s.class_id}/summary", f"/classes/{s.class_id}/archive.pdf"),
        (f"/courses/{s.course_id}/journal", f"/courses/{s.course_id}/journal.xlsx"),
        (f"/classes/{s.class_id}/summary", f"/classes/{s.class_id}/summary.xlsx"),
    ]


def token(web: Web, name: str) -> dict[str, str]:
    r = web.anonymous().client.post(
        "/api/v1/auth/login",
        json={"login": web.school.logins[name], "password": PASSWORD},
    )
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


@pytest.mark.parametrize("name", PEOPLE)
def test_each_document_answers_as_its_json_twin_does(web: Web, name: str) -> None:
    # Given a person of the school, signed in to the API and to the pages
    headers = token(web, name)
    api = web.anonymous().client
    browser = web.browser(name)
    before = web.position()
    allowed = 0
    for twin, document in documents(web):
        # When they read the JSON twin, then the document from the API and the page
        expected = api.get("/api/v1" + twin, headers=headers).status_code
        got = api.get("/api/v1" + document, headers=headers)
        page = browser.get(document)
        # Then all three answer alike, and a refusal is a problem or an error page
        assert got.status_code == expected, (name, document, got.text[:200])
        assert page.status_code == expected, (name, document, page.text[:200])
        if expected == 200:
            allowed += 1
            kind = KINDS[document.rsplit(".", 1)[1]]
            assert got.headers["content-type"] == kind
            assert page.headers["content-type"] == kind
            assert read_document(got.content).printed_by.endswith(
                f"({web.school.logins[name]})"
            )
        else:
            assert got.headers["content-type"] == "application/problem+json"
            assert page.headers["content-type"].startswith("text/html")
    # And reading wrote nothing
    assert web.position() == before
    # (the matrix of tests/api/role_matrix_cases.py: who reads none of the JSON
    # twins prints none of the documents, and everyone else prints some)
    assert (allowed == 0) == (name in READ_NONE)


def test_an_anonymous_visitor_is_sent_to_sign_in_and_the_api_answers_401(
    web: Web,
) -> None:
    anonymous = web.anonymous()
    for _, document in documents(web):
        page = anonymous.get(document, follow_redirects=False)
        assert page.status_code == 303
        assert page.headers["location"].startswith("/login")
        api = anonymous.client.get("/api/v1" + document)
        assert api.status_code == 401
        assert api.headers["content-type"] == "application/problem+json"


def pdf_links(html: str) -> list[str]:
    return [unescape(h) for h in re.findall(r'href="([^"]+\.pdf[^"]*)"', html)]


def test_the_pages_link_their_documents_and_keep_as_of(web: Web) -> None:
    s = web.school
    # Given the class teacher on the summary, the teacher on the course journal and
    # the guardian on the diary week, each reading as of a past moment
    at = web.clock().astimezone(UTC).replace(microsecond=0)
    moment = at.isoformat()
    pages = [
        ("class_teacher", f"/classes/{s.class_id}/summary", 2),
        ("teacher", f"/courses/{s.course_id}/journal", 1),
        ("guardian", f"/students/{s.students[0]}/diary", 1),
    ]
    for name, path, count in pages:
        browser = web.browser(name)
        page = browser.get(path, params={"as_of": moment})
        assert page.status_code == 200, page.text[:300]
        # When they follow each PDF link on the page
        links = pdf_links(page.text)
        assert len(links) == count, (path, links)
        for href in links:
            assert "as_of=" in href, href
            got = browser.get(href)
            # Then they get the document, made as of that moment
            assert got.status_code == 200, (href, got.text[:300])
            assert got.content.startswith(b"%PDF-")
            assert read_document(got.content).as_of == moment


def test_a_bad_moment_or_date_on_a_document_page_is_an_error_page(web: Web) -> None:
    browser = web.browser("admin")
    s = web.school
    for url in (
        f"/students/{s.students[0]}/diary.pdf?from=2026-13-01",
        f"/courses/{s.course_id}/journal.pdf?as_of=yesterday",
        f"/classes/{s.class_id}/summary.pdf?year_id=nope",
        "/classes/00000000-0000-0000-0000-000000000000/archive.pdf",
    ):
        r = browser.get(url)
        assert r.status_code in (404, 422), (url, r.status_code)
        assert r.headers["content-type"].startswith("text/html")
