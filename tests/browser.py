"""A real headless Chromium (Debian's ``chromium`` and ``chromium-driver``, driven by
Selenium) and the webhook served on a free loopback port, for the page tests.

Chromium gets a new empty profile and no proxy (the suite's proxy variables point at a
trap; the pages are on loopback), and none of its calls home: the machine's closed
network refuses them, and a test must not depend on them.
"""

from __future__ import annotations

import base64
import shutil
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Flask
from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.expected_conditions import staleness_of
from selenium.webdriver.support.wait import WebDriverWait
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
MISSING = (
    "chromium and chromium-driver are not installed: the page tests need a real browser. "
    "`make test` installs them (or: apt-get install -y chromium chromium-driver)."
)
PAGE_WAIT = 60  # seconds a page may take to load (a slow, shared machine): not a measure
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-proxy-server",
    "--disable-dev-shm-usage",
    "--window-size=1280,1400",
)


@contextmanager
def serving(app: Flask) -> Iterator[str]:
    """``app`` on a free loopback port in a thread: its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="clinic-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@contextmanager
def chromium(profile: Path) -> Iterator[webdriver.Chrome]:
    """Headless Chromium with an empty profile in ``profile``; quit at the end."""
    if not (Path(CHROMIUM).exists() and shutil.which("chromedriver", path="/usr/bin")):
        raise RuntimeError(MISSING)
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    try:
        yield driver
    finally:
        driver.quit()


def navigates(driver: webdriver.Chrome, act: Callable[[], object]) -> None:
    """Do ``act`` (a click, an Enter) and wait until it has loaded another page: a click
    returns before the form's POST is answered."""
    old = driver.find_element(By.TAG_NAME, "html")
    act()
    # Asked about the old page while the new one replaces it, chromedriver can answer
    # "Node with given id does not belong to the document" instead of a stale element:
    # ask again (a page that never comes still fails at PAGE_WAIT).
    WebDriverWait(driver, PAGE_WAIT, ignored_exceptions=(WebDriverException,)).until(
        staleness_of(old)
    )
    WebDriverWait(driver, PAGE_WAIT).until(
        lambda d: d.execute_script("return document.readyState") == "complete"
    )


def screenshot(driver: webdriver.Chrome, path: Path) -> None:
    """The whole page, beyond the window's height (Chromium's DevTools capture), as a
    PNG at ``path``."""
    driver.set_window_size(1280, 900)
    shot = driver.execute_cdp_cmd(
        "Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True}
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(base64.b64decode(shot["data"]))
