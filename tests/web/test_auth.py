"""Sign-in, sign-out, CSRF and the session cookie of the pages."""

from __future__ import annotations

from tests.web.conftest import Web


def test_a_page_without_a_session_sends_to_the_sign_in_form(web: Web) -> None:
    # Given nobody signed in
    b = web.anonymous()
    # When they open a page
    r = b.get("/?x=1", follow_redirects=False)
    # Then they are sent to the form, which remembers where they were going
    assert r.status_code == 303
    assert r.headers["location"] == "/login?next=%2F%3Fx%3D1"
    form = b.get(r.headers["location"])
    assert 'name="next" value="/?x=1"' in form.text


def test_signing_in_sets_an_http_only_lax_cookie_and_opens_the_home(web: Web) -> None:
    b = web.anonymous()
    b.get("/login")
    r = b.post(
        "/login",
        {"login": web.school.logins["teacher"], "password": "correct-horse-9"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/"
    cookie = r.headers["set-cookie"]
    assert "ej_session=" in cookie and "HttpOnly" in cookie
    assert "samesite=lax" in cookie.lower() and "Secure" not in cookie  # plain http
    home = b.get("/")
    assert home.status_code == 200 and "Teacher" in home.text
    assert 'href="/teacher"' in home.text


def test_a_wrong_password_keeps_the_login_and_says_so(web: Web) -> None:
    b = web.anonymous()
    b.get("/login")
    r = b.post("/login", {"login": web.school.logins["teacher"], "password": "nope"})
    assert r.status_code == 401
    assert "Неверный логин или пароль." in r.text
    assert f'value="{web.school.logins["teacher"]}"' in r.text
    assert "ej_session" not in r.headers.get("set-cookie", "")


def test_the_login_form_is_throttled_as_the_api_login_is(web: Web) -> None:
    # Given five wrong passwords for one login
    b = web.anonymous()
    b.get("/login")
    for _ in range(5):
        r = b.post("/login", {"login": "auditor", "password": "wrong-one"})
        assert r.status_code == 401
    # When the right one comes now, through the form or the API
    r = b.post("/login", {"login": "auditor", "password": "correct-horse-9"})
    api = b.client.post(
        "/api/v1/auth/login", json={"login": "auditor", "password": "correct-horse-9"}
    )
    # Then both refuse it for the window
    assert r.status_code == 429 and "15 минут" in r.text
    assert api.status_code == 429
    web.clock.advance(minutes=16)
    assert (
        b.post(
            "/login",
            {"login": "auditor", "password": "correct-horse-9"},
            follow_redirects=False,
        ).status_code
        == 303
    )


def test_a_login_form_without_its_csrf_token_is_refused(web: Web) -> None:
    b = web.anonymous()
    b.get("/login")
    r = b.post(
        "/login",
        {
            "login": web.school.logins["teacher"],
            "password": "correct-horse-9",
            "csrf": "forged-forged-forged",
        },
        follow_redirects=False,
    )
    assert r.status_code == 403
    assert "ej_session" not in r.headers.get("set-cookie", "")


def test_the_next_page_is_a_path_of_this_site_only(web: Web) -> None:
    b = web.anonymous()
    b.get("/login")
    for target in ("https://evil.example/", "//evil.example/", "/\\evil"):
        r = b.post(
            "/login",
            {
                "login": web.school.logins["deputy"],
                "password": "correct-horse-9",
                "next": target,
            },
            follow_redirects=False,
        )
        assert r.status_code == 303 and r.headers["location"] == "/", target


def test_logout_needs_the_form_token_and_ends_the_session(web: Web) -> None:
    b = web.browser("secretary")
    # When a forged form (no token) posts the logout
    forged = b.client.post("/logout", data={}, follow_redirects=False)
    # Then it is refused and the session lives
    assert forged.status_code == 403
    assert b.get("/", follow_redirects=False).status_code == 200
    # When the real form does
    r = b.post("/logout", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login"
    # Then the old cookie is dead even if replayed
    token = r.headers["set-cookie"]
    assert 'ej_session=""' in token or "ej_session=;" in token
    del web.browsers["secretary"]


def test_a_revoked_session_is_dead_on_the_next_page_load(web: Web) -> None:
    # Given a signed-in teacher's page
    b = web.browser("other_teacher")
    assert b.get("/", follow_redirects=False).status_code == 200
    # When an administrator resets their password (which ends their sessions)
    web.run(
        "reset-password",
        {
            "account_id": web.school.accounts["other_teacher"],
            "new_password": "another-horse-42",
        },
    )
    # Then the next page load asks to sign in again
    r = b.get("/", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    del web.browsers["other_teacher"]


def test_api_routes_keep_answering_problem_json(web: Web) -> None:
    b = web.anonymous()
    r = b.get("/api/v1/auth/me")
    assert r.status_code == 401
    assert r.headers["content-type"] == "application/problem+json"
    missing = b.get("/api/v1/no-such-route")
    assert missing.headers["content-type"] == "application/problem+json"


def test_an_unknown_page_and_a_bad_moment_get_a_page_not_a_500(web: Web) -> None:
    b = web.browser("deputy")
    r = b.get("/no-such-page")
    assert r.status_code == 404 and "Такой страницы нет." in r.text
    bad = b.get("/?as_of=not-a-moment")
    assert bad.status_code == 200 and "Момент — дата и время" in bad.text
    edge = b.get("/?as_of=0001-01-01T00:00")
    assert edge.status_code == 200 and "между 1900 и 2199" in edge.text


def test_a_deactivated_account_is_told_so_once_the_password_matches(web: Web) -> None:
    # Given an account deactivated by the administrator
    account_id = web.run(
        "create-account",
        {
            "login": "web.leaver",
            "password": "correct-horse-9",
            "full_name": "Leaver",
            "roles": ["teacher"],
        },
    )["account_id"]
    web.run("deactivate-account", {"account_id": account_id, "reason": "left"})
    b = web.anonymous()
    b.get("/login")
    # When it signs in with a wrong password, then with the right one
    wrong = b.post("/login", {"login": "web.leaver", "password": "nope"})
    right = b.post("/login", {"login": "web.leaver", "password": "correct-horse-9"})
    # Then only the right password learns that the account is deactivated
    assert wrong.status_code == 401 and "отключена" not in wrong.text
    assert right.status_code == 401 and "Учётная запись отключена" in right.text
    assert "ej_session" not in right.headers.get("set-cookie", "")
