"""End-to-end tests in a real browser: Debian's headless Chromium driven through
its ChromeDriver by Selenium (no browser download at run time), against the app
served by uvicorn on a free local port, on both backends.

The server's service has a FakeClock, so the school of tests/builders.py and the
entry windows behave as in the other tests; a test moves the clock to make
"after a moment" happen.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from selenium import webdriver
from selenium.webdriver.chrome.service import Service as DriverService
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from ejournal.api.app import create_app
from ejournal.service import Service
from tests.builders import PASSWORD, FakeClock, School, build_school

CHROMIUM = os.environ.get("EJOURNAL_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("EJOURNAL_CHROMEDRIVER", "/usr/bin/chromedriver")
WAIT = 15.0  # seconds a page element may take to appear


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Site:
    """The served app: its base URL, service, clock and school."""

    url: str
    service: Service
    clock: FakeClock
    school: School

    def run(self, name: str, body: dict[str, object]) -> dict[str, object]:
        return self.service.execute(self.service.system_actor(), name, body)


@pytest.fixture
def site(database_url: str) -> Iterator[Site]:
    clock = FakeClock()
    service = Service(database_url, clock=clock)
    school = build_school(service)
    app = create_app(lambda: service)
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.started, "uvicorn did not start"
    try:
        yield Site(f"http://127.0.0.1:{port}", service, clock, school)
    finally:
        server.should_exit = True
        thread.join(20)


def new_driver(width: int = 1280, height: int = 900) -> WebDriver:
    for path in (CHROMIUM, CHROMEDRIVER):
        if not shutil.which(path):
            pytest.fail(
                f"{path} is missing: install Debian's chromium and chromium-driver "
                "(.ci/run does)"
            )
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        f"--window-size={width},{height}",
        "--lang=ru-RU",
    ):
        options.add_argument(arg)
    return webdriver.Chrome(service=DriverService(CHROMEDRIVER), options=options)


@pytest.fixture
def browser() -> Iterator[WebDriver]:
    driver = new_driver()
    try:
        yield driver
    finally:
        driver.quit()


def wait_for(driver: WebDriver, css: str) -> None:
    WebDriverWait(driver, WAIT).until(
        expected_conditions.presence_of_element_located((By.CSS_SELECTOR, css))
    )


def sign_in(driver: WebDriver, site: Site, name: str) -> None:
    """Through the form, as a person would (and out first, if someone was in)."""
    driver.delete_all_cookies()
    driver.get(f"{site.url}/login")
    driver.find_element(By.NAME, "login").send_keys(site.school.logins[name])
    password = driver.find_element(By.NAME, "password")
    password.send_keys(PASSWORD)
    password.submit()
    wait_for(driver, "header .who")


def screenshot(driver: WebDriver, name: str) -> None:
    """With EJOURNAL_SCREENS=DIR, keep a PNG of the page (docs/screens/)."""
    folder = os.environ.get("EJOURNAL_SCREENS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(Path(folder) / f"{name}.png"))
