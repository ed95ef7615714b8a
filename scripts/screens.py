"""Screenshots of the main pages of the demo school, at 1280 px and 390 px, for
docs/screens/ (the README links them).

    .venv/bin/python scripts/screens.py [OUT_DIR]

Loads the demo school into a throwaway SQLite file, serves it on a free local port
and drives Debian's headless Chromium through its ChromeDriver (Selenium), signing
in as the demo logins and following the pages' own links.
"""

from __future__ import annotations

import socket
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import uvicorn
from selenium import webdriver
from selenium.webdriver.chrome.service import Service as DriverService
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from ejournal.api.app import create_app
from ejournal.demo import DEMO_PASSWORD, load_demo
from ejournal.service import Service

WIDTHS = {"1280": (1280, 1000), "390": (390, 1400)}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def driver(width: int, height: int) -> WebDriver:
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--hide-scrollbars",
        f"--window-size={max(width, 500)},{height}",
        "--lang=ru-RU",
    ):
        options.add_argument(arg)
    options.add_experimental_option("prefs", {"intl.accept_languages": "ru-RU,ru"})
    d = webdriver.Chrome(
        service=DriverService("/usr/bin/chromedriver"), options=options
    )
    # A window is at least 500 px wide: a phone's width is emulated.
    d.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {
            "width": width,
            "height": height,
            "deviceScaleFactor": 1,
            "mobile": width < 600,
        },
    )
    return d


def sign_in(d: WebDriver, base: str, login: str) -> None:
    d.delete_all_cookies()
    d.get(f"{base}/login")
    d.find_element(By.NAME, "login").send_keys(login)
    field = d.find_element(By.NAME, "password")
    field.send_keys(DEMO_PASSWORD)
    field.submit()
    time.sleep(0.3)


def follow(d: WebDriver, css: str) -> None:
    """Open the first link of the page matching ``css``."""
    href = d.find_element(By.CSS_SELECTOR, css).get_attribute("href")
    d.get(str(href))


def shots(base: str) -> list[tuple[str, str | None, Callable[[WebDriver], None]]]:
    """(name, demo login or None, how to reach the page from the home page)."""
    return [
        ("login", None, lambda d: d.get(f"{base}/login")),
        ("teacher-lessons", "teacher.math", lambda d: d.get(f"{base}/teacher")),
        (
            "course-journal",
            "teacher.math",
            lambda d: (d.get(f"{base}/teacher"), follow(d, "a[href^='/courses/']")),
        ),
        ("diary", "parent.5a.01", lambda d: d.get(f"{base}/diary")),
        (
            "summary-sheet",
            "deputy",
            lambda d: (d.get(f"{base}/classes"), follow(d, "a[href$='/summary']")),
        ),
        ("control-report", "deputy", lambda d: d.get(f"{base}/reports/control")),
        ("accounts", "admin", lambda d: d.get(f"{base}/admin")),
        ("event-browser", "auditor", lambda d: d.get(f"{base}/audit")),
    ]


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{Path(tempfile.mkdtemp(prefix='ejournal-screens-')) / 'demo.db'}"
    service = Service(url)
    service.start()
    load_demo(service)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(lambda: service, start_runner=False),
            host="127.0.0.1",
            port=port,
            log_level="warning",
        )
    )
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    base = f"http://127.0.0.1:{port}"
    try:
        for label, (width, height) in WIDTHS.items():
            d = driver(width, height)
            try:
                for name, login, reach in shots(base):
                    if login:
                        sign_in(d, base, login)
                    reach(d)
                    time.sleep(0.3)
                    path = out / f"{name}-{label}.png"
                    d.save_screenshot(str(path))
                    print(f"{path} ({path.stat().st_size // 1024} KiB)")
            finally:
                d.quit()
    finally:
        server.should_exit = True
        service.close()


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screens"))
