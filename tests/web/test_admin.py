"""The administrator's pages: accounts (list, create, reset a password), and who
may open the administrator's pages (the incidents' flow: test_admin_incidents)."""

from __future__ import annotations

import re

import pytest

from ejournal.web.admin_common import local_input
from tests.web.admin_support import (
    hrefs,
    rows_of,
    throwaway_teacher,
)
from tests.web.conftest import Web

# page -> who may open it (everyone else of these gets 403)
PAGES = {
    "/admin": {"admin", "secretary", "auditor"},
    "/admin/incidents": {"admin", "auditor"},
    "/admin/incidents/new": {"admin"},
}
PEOPLE = ("admin", "secretary", "auditor", "director", "deputy", "teacher", "guardian")


@pytest.mark.parametrize("path", sorted(PAGES))
def test_who_may_open_the_admin_pages(web: Web, path: str) -> None:
    for name in PEOPLE:
        # When each person opens the page
        r = web.browser(name).get(path)
        # Then the allowed ones see it, the others are refused with a page
        expected = 200 if name in PAGES[path] else 403
        assert r.status_code == expected, (name, path, r.status_code)
        if expected == 403:
            assert "Нет доступа" in r.text
    # And nobody signed in is sent to the sign-in form
    r = web.anonymous().get(path, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login?next=")


def test_the_links_people_see_on_the_admin_pages_open(web: Web) -> None:
    for name in ("admin", "secretary", "auditor"):
        b = web.browser(name)
        links = hrefs(b.get("/admin").text, "/admin") | hrefs(b.get("/").text, "/a")
        for href in links:
            assert b.get(href).status_code == 200, (name, href)
    # The secretary reads the list without any form to change it
    text = web.browser("secretary").get("/admin").text
    assert "только для просмотра" in text
    assert 'action="/admin/accounts"' not in text and "Сбросить пароль" not in text


def test_the_list_shows_logins_names_roles_and_blocked(web: Web) -> None:
    r = web.browser("admin").get("/admin")
    assert r.status_code == 200
    row = next(x for x in rows_of(r.text, "accounts") if ">teacher<" in x)
    assert "Teacher" in row and "учитель" in row and "активна" in row
    assert (
        "роли меняются" in r.text.lower() or "Роли назначаются при создании" in r.text
    )
    assert "password_hash" not in r.text and "token_hash" not in r.text


def test_creating_an_account_through_the_form_lists_it(web: Web) -> None:
    b = web.browser("admin")
    b.get("/admin")
    before = web.position()
    # When the admin fills the form
    r = b.post(
        "/admin/accounts",
        {
            "login": "new.deputy",
            "full_name": "Новикова Нина",
            "password": "long-enough-1",
            "roles": ["deputy", "teacher"],
        },
        follow_redirects=False,
    )
    # Then the account is created and shown in the list with its roles
    assert r.status_code == 303, r.text
    page = b.get(r.headers["location"])
    assert "Учётная запись «new.deputy» создана." in page.text
    row = next(x for x in rows_of(page.text, "accounts") if "new.deputy" in x)
    assert "Новикова Нина" in row and "завуч" in row and "учитель" in row
    assert web.position() > before
    # And the new person can sign in with that password
    assert web.anonymous().sign_in("new.deputy", "long-enough-1").status_code == 303


def test_a_bad_account_form_keeps_what_was_typed_and_writes_nothing(web: Web) -> None:
    b = web.browser("admin")
    b.get("/admin")
    before = web.position()
    # When the login is empty, the password short and no role is ticked
    r = b.post(
        "/admin/accounts",
        {"login": "", "full_name": "Кто-то Новый", "password": "short"},
    )
    # Then the form comes back with a message by each field, the name kept
    assert r.status_code == 422
    assert "Логин — от 2 до 64 знаков" in r.text
    assert "Пароль — от 8 до 200 знаков." in r.text
    assert 'value="Кто-то Новый"' in r.text
    assert web.position() == before
    # When the login is malformed: the typed login is kept, with the message
    r = b.post(
        "/admin/accounts",
        {
            "login": "bad login!",
            "full_name": "X",
            "password": "long-enough-1",
            "roles": ["teacher"],
        },
    )
    assert r.status_code == 422 and 'value="bad login!"' in r.text
    assert "Логин — от 2 до 64 знаков" in r.text
    assert re.search(r'value="teacher" checked', r.text)
    # When the login is taken
    r = b.post(
        "/admin/accounts",
        {
            "login": "teacher",
            "full_name": "Дубль",
            "password": "long-enough-1",
            "roles": ["teacher"],
        },
    )
    assert r.status_code == 409 and "Этот логин уже занят." in r.text
    assert web.position() == before


def test_only_the_admin_may_create_an_account(web: Web) -> None:
    b = web.browser("secretary")
    b.get("/admin")
    before = web.position()
    r = b.post(
        "/admin/accounts",
        {"login": "sneaky", "full_name": "S", "password": "long-enough-1"},
    )
    assert r.status_code == 403 and "Нет доступа" in r.text
    assert web.position() == before


def test_resetting_a_password(web: Web) -> None:
    teacher = throwaway_teacher(web, 0, "Reset")
    b = web.browser("admin")
    b.get("/admin")
    url = f"/admin/accounts/{teacher.account_id}/password"
    before = web.position()
    # A short password: the message by that account's field, nothing written
    r = b.post(url, {"new_password": "short"})
    assert r.status_code == 422 and "Пароль — от 8 до 200 знаков." in r.text
    assert web.position() == before
    # A good one: done, said so, and the new password works
    r = b.post(url, {"new_password": "brand-new-pass-2"}, follow_redirects=False)
    assert r.status_code == 303
    assert "Пароль «" in b.get(r.headers["location"]).text
    other = web.anonymous()
    assert other.sign_in(teacher.login, "brand-new-pass-2").status_code == 303
    # Unknown and malformed accounts are pages that do not exist
    for bad in ("not-a-uuid", "00000000-0000-4000-8000-000000000000"):
        r = b.post(f"/admin/accounts/{bad}/password", {"new_password": "whatever-123"})
        assert r.status_code == 404, bad


def test_reading_the_past_hides_the_forms(web: Web) -> None:
    # Given a moment, and an account created after it
    b = web.browser("admin")
    moment = local_input(web.clock.now)
    web.clock.advance(minutes=2)
    throwaway_teacher(web, 0, "Later")
    # When the admin reads the list as of that moment
    r = b.get(f"/admin?as_of={moment}")
    # Then it is the list as it stood, and read only
    assert r.status_code == 200
    assert 'action="/admin/accounts"' not in r.text and "Сбросить пароль" not in r.text
    assert "temp.later." not in r.text and ">teacher<" in r.text
    assert "temp.later." in b.get("/admin").text
    # A malformed moment is a message, not a traceback
    r = b.get("/admin?as_of=garbage")
    assert r.status_code == 422
