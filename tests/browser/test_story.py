"""The story of the pages in a real browser: a teacher fills a lesson's row with the
keyboard, a parent reads and acknowledges it in the diary, an administrator voids
the teacher's work after a moment, and an auditor sees the journal as it stood
before the void."""

from __future__ import annotations

from collections.abc import Callable

from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import Select, WebDriverWait

from tests.browser.conftest import WAIT, Site, screenshot, sign_in, wait_for

WEEK = "2026-11-16"  # the week of the school's past lessons (tests/builders.py)


def until(driver: WebDriver, check: Callable[[WebDriver], object]) -> None:
    """Wait for ``check``; an element htmx swapped meanwhile is looked up again."""
    WebDriverWait(
        driver, WAIT, ignored_exceptions=(StaleElementReferenceException,)
    ).until(check)


def cell(driver: WebDriver, lesson: str, student: str) -> WebElement:
    return driver.find_element(
        By.CSS_SELECTOR, f'td.cell[data-lesson="{lesson}"][data-student="{student}"]'
    )


def cell_text(lesson: str, student: str) -> Callable[[WebDriver], str]:
    return lambda d: cell(d, lesson, student).text


def focus(driver: WebDriver, element: WebElement) -> WebElement:
    """Put the keyboard on a cell (a click on a focused cell opens its editor)."""
    driver.execute_script("arguments[0].focus();", element)
    return element


def set_value(driver: WebDriver, element: WebElement, value: str) -> None:
    """A datetime-local field's value (typing into one depends on the locale)."""
    driver.execute_script("arguments[0].value = arguments[1];", element, value)


def test_a_lesson_filled_by_keyboard_read_by_a_parent_voided_and_seen_as_of(
    site: Site, browser: WebDriver
) -> None:
    school = site.school
    lesson = school.lesson_ids[0]  # Monday 16 November
    first, second, third = school.students[:3]
    site.clock.advance(minutes=1)  # 10:01 school time: the teacher's work
    journal = f"{site.url}/courses/{school.course_id}/journal?lesson={lesson}"

    # Given the teacher in the course journal, focused on Monday's lesson
    sign_in(browser, site, "teacher")
    browser.get(journal)
    wait_for(browser, "table#journal-grid")
    # When they fill the topic: Enter opens the editor, Enter saves
    focus(browser, browser.find_element(By.ID, f"topic-{lesson}"))
    browser.switch_to.active_element.send_keys(Keys.ENTER)
    wait_for(browser, f"#topic-{lesson} .cell-editor input[name=topic]")
    field = browser.find_element(By.CSS_SELECTOR, f"#topic-{lesson} input[name=topic]")
    field.send_keys("Дроби и проценты", Keys.ENTER)
    until(
        browser,
        lambda d: "Дроби и проценты" in d.find_element(By.ID, f"topic-{lesson}").text,
    )
    # ... the homework: typed, then Enter from the due date
    focus(browser, browser.find_element(By.ID, f"homework-{lesson}"))
    browser.switch_to.active_element.send_keys(Keys.ENTER)
    wait_for(browser, f"#homework-{lesson} .cell-editor textarea[name=text]")
    text = browser.find_element(By.CSS_SELECTOR, f"#homework-{lesson} textarea")
    text.send_keys("№ 112, 115")
    browser.find_element(
        By.CSS_SELECTOR, f"#homework-{lesson} input[name=due_on]"
    ).send_keys(Keys.ENTER)
    until(
        browser,
        lambda d: "№ 112, 115" in d.find_element(By.ID, f"homework-{lesson}").text,
    )
    # ... two marks: a digit and Enter on a pupil's cell, then down to the next
    focus(browser, cell(browser, lesson, first)).send_keys("5", Keys.ENTER)
    until(browser, lambda d: "5" in cell_text(lesson, first)(d))
    cell(browser, lesson, first).send_keys(Keys.ARROW_DOWN)
    until(browser, lambda d: d.switch_to.active_element == cell(d, lesson, second))
    browser.switch_to.active_element.send_keys("4", Keys.ENTER)
    until(browser, lambda d: "4" in cell_text(lesson, second)(d))
    # ... and one absence: Enter opens the cell's editor, the code, Enter saves
    cell(browser, lesson, second).send_keys(Keys.ARROW_DOWN)
    until(browser, lambda d: d.switch_to.active_element == cell(d, lesson, third))
    browser.switch_to.active_element.send_keys(Keys.ENTER)
    selector = f'td.cell[data-lesson="{lesson}"][data-student="{third}"] '
    wait_for(browser, selector + ".cell-editor select[name=code]")
    code = browser.find_element(By.CSS_SELECTOR, selector + "select[name=code]")
    Select(code).select_by_value("absent")
    code.send_keys(Keys.ENTER)
    until(browser, lambda d: "н" in cell_text(lesson, third)(d).split())
    screenshot(browser, "journal-1280")
    # Then after a reload the journal shows all of it
    browser.get(journal)
    wait_for(browser, "table#journal-grid")
    assert "Дроби и проценты" in browser.find_element(By.ID, f"topic-{lesson}").text
    assert "№ 112, 115" in browser.find_element(By.ID, f"homework-{lesson}").text
    assert "5" in cell(browser, lesson, first).text
    assert "4" in cell(browser, lesson, second).text
    assert "н" in cell(browser, lesson, third).text.split()

    # Given the first pupil's guardian
    site.clock.advance(minutes=4)
    sign_in(browser, site, "guardian")
    diary = f"{site.url}/students/{first}/diary?week={WEEK}"
    browser.get(diary)
    wait_for(browser, "main")
    page = browser.find_element(By.TAG_NAME, "main").text
    # Then the week shows the topic, the homework and the mark
    assert "Дроби и проценты" in page and "№ 112, 115" in page
    assert "5" in page
    # When they acknowledge the week
    browser.find_element(
        By.XPATH, "//button[contains(., 'Ознакомлен(а) с неделей')]"
    ).click()
    until(
        browser, lambda d: "Вы ознакомились" in d.find_element(By.TAG_NAME, "main").text
    )
    screenshot(browser, "diary-1280")

    # Given an administrator, half an hour later, told the teacher's login leaked
    # at 10:00
    site.clock.advance(minutes=25)  # 10:30
    sign_in(browser, site, "admin")
    browser.get(
        f"{site.url}/admin/incidents/new?account_id={school.accounts['teacher']}"
    )
    wait_for(browser, "form[action='/admin/incidents']")
    form = browser.find_element(By.CSS_SELECTOR, "form[action='/admin/incidents']")
    set_value(browser, form.find_element(By.NAME, "reported_at"), "2026-11-23T10:30")
    set_value(browser, form.find_element(By.NAME, "since"), "2026-11-23T10:00")
    form.find_element(By.NAME, "note").send_keys("Пароль учителя увидели ученики")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait_for(browser, "form.confirm")
    # When they check the preview and void
    browser.find_element(By.CSS_SELECTOR, "form.confirm input[name=confirm]").click()
    browser.find_element(By.CSS_SELECTOR, "form.confirm button[type=submit]").click()
    until(browser, lambda d: not d.find_elements(By.CSS_SELECTOR, "form.confirm"))
    screenshot(browser, "incident-1280")
    # Then the journal (read by the administrator) no longer shows the work
    browser.get(journal)
    wait_for(browser, "table#journal-grid")
    assert "Дроби и проценты" not in browser.find_element(By.ID, f"topic-{lesson}").text
    assert "5" not in cell(browser, lesson, first).text
    assert "н" not in cell(browser, lesson, third).text.split()
    # ... nor does the diary
    sign_in(browser, site, "guardian")
    browser.get(diary)
    wait_for(browser, "main")
    page = browser.find_element(By.TAG_NAME, "main").text
    assert "Дроби и проценты" not in page and "№ 112, 115" not in page

    # Given an auditor, who sets the header's moment to 10:15, before the void
    sign_in(browser, site, "auditor")
    browser.get(journal)
    wait_for(browser, "table#journal-grid")
    assert "5" not in cell(browser, lesson, first).text
    picker = browser.find_element(By.CSS_SELECTOR, "form.asof input[name=as_of]")
    set_value(browser, picker, "2026-11-23T10:15")
    browser.find_element(By.CSS_SELECTOR, "form.asof button[type=submit]").click()
    wait_for(browser, ".banner.past")
    # Then the journal is as it stood then: the teacher's work is back, read-only
    assert "as_of=2026-11-23T10%3A15" in browser.current_url or (
        "as_of=2026-11-23T10:15" in browser.current_url
    )
    assert "Дроби и проценты" in browser.find_element(By.ID, f"topic-{lesson}").text
    assert "5" in cell(browser, lesson, first).text
    assert "4" in cell(browser, lesson, second).text
    assert "н" in cell(browser, lesson, third).text.split()
    assert not browser.find_elements(By.CSS_SELECTOR, "th.lesson[data-editable='1']")
