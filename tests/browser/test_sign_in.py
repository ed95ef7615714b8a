"""Signing in and out in a real browser."""

from __future__ import annotations

from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from tests.browser.conftest import Site, sign_in, wait_for


def test_a_teacher_signs_in_sees_their_menu_and_signs_out(
    site: Site, browser: WebDriver
) -> None:
    # Given the sign-in page
    browser.get(site.url + "/")
    assert "/login" in browser.current_url
    # When a teacher signs in with a wrong password
    browser.find_element(By.NAME, "login").send_keys(site.school.logins["teacher"])
    field = browser.find_element(By.NAME, "password")
    field.send_keys("wrong-password")
    field.submit()
    wait_for(browser, "#login-error")
    # Then the form says so and keeps the login
    error = browser.find_element(By.ID, "login-error").text
    assert "Неверный логин или пароль" in error
    assert browser.find_element(By.NAME, "login").get_attribute("value") == "teacher"
    # When they sign in properly
    sign_in(browser, site, "teacher")
    # Then the home page greets them with their links and the session cookie is
    # out of the page's reach
    assert "Teacher" in browser.find_element(By.CSS_SELECTOR, "main h1").text
    links = [a.text for a in browser.find_elements(By.CSS_SELECTOR, "nav.menu a")]
    assert "Мои уроки" in links and "Администрирование" not in links
    assert "ej_session" not in str(browser.execute_script("return document.cookie"))
    # When they sign out
    browser.find_element(By.CSS_SELECTOR, ".who button").click()
    wait_for(browser, "form[action='/login']")
    # Then a page sends them back to the form
    browser.get(site.url + "/")
    assert "/login" in browser.current_url
