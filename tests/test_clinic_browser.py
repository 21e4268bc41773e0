"""End to end in a real headless Chromium: a clinician signs in, prescribes three
exercises by filling the handout, reads the code, a patient links it by a simulated
voice request over HTTP, exercises and reports pain, and the clinician sees it on the
plan page, changes the plan (a new version), revokes the code and signs out.  The main
pages' screenshots are saved in docs/screenshots/ (the README shows them)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver

from backcoach_dev.chat.device import Device, OverHttp
from skill.coach.catalog import Catalog

from .alexa import slot
from .browser import chromium, navigates, screenshot, serving
from .clinic import PASSWORD, add_clinician
from .conftest import AppFactory
from .test_webhook import text

SCREENSHOTS = Path(__file__).resolve().parents[1] / "docs" / "screenshots"
ANN = "ann@clinic.example"
PRESCRIBED = {  # exercise id -> the repetitions typed in
    "a01-knee-to-chest": "4",
    "a04-pelvic-lift": "6",
    "b03-back-extensions": "3",
}


@pytest.fixture
def site(make_app: AppFactory) -> Iterator[tuple[Flask, str]]:
    app = make_app(clinic_secret_key="browser-test-secret")
    add_clinician(app, ANN)
    with serving(app) as url:
        yield app, url


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[WebDriver]:
    with chromium(tmp_path / "profile") as driver:
        yield driver


def field(driver: WebDriver, css: str):
    return driver.find_element(By.CSS_SELECTOR, css)


def sign_in(driver: WebDriver, url: str) -> None:
    driver.get(f"{url}/clinic/")
    assert driver.current_url.startswith(f"{url}/clinic/sign-in")
    assert driver.find_element(By.TAG_NAME, "h1").text == "Sign in"
    screenshot(driver, SCREENSHOTS / "sign-in.png")
    field(driver, "#email").send_keys(ANN)
    password = field(driver, "#password")
    navigates(driver, lambda: password.send_keys(PASSWORD, Keys.ENTER))  # the keyboard
    assert driver.current_url == f"{url}/clinic/"
    assert driver.find_element(By.TAG_NAME, "h1").text == "Your plans"


def prescribe(driver: WebDriver, url: str) -> str:
    """Fill in the handout for three exercises; the code the plan page shows."""
    driver.get(f"{url}/clinic/plans/new")
    for exercise, reps in PRESCRIBED.items():
        row = field(driver, f"fieldset[id='{exercise}']")
        row.find_element(By.CSS_SELECTOR, "input[type=checkbox]").click()
        count = row.find_element(By.CSS_SELECTOR, "input[name$='_reps']")
        count.clear()
        count.send_keys(reps)
    hold = field(driver, "fieldset[id='a01-knee-to-chest'] input[name$='_hold']")
    hold.clear()
    hold.send_keys("5")
    field(driver, "#note").send_keys("Go gently the first week.")
    field(driver, "#patient").send_keys("J. Smith")
    driver.execute_script("window.scrollTo(0, 0)")
    screenshot(driver, SCREENSHOTS / "prescribe.png")
    navigates(driver, field(driver, "main form button[type=submit]").click)
    assert "/clinic/plans/" in driver.current_url, driver.page_source[-3000:]
    code = field(driver, "strong.code").text
    assert len(code) == 6 and code.isdigit()
    assert f"my code is {' '.join(code)}" in driver.find_element(By.TAG_NAME, "main").text
    return code


def link_and_exercise(url: str, code: str) -> None:
    """The patient's Echo, over HTTP: link the code, start, report pain, stop."""
    echo = Device(OverHttp(url), "amzn1.ask.account.BROWSERTEST")
    echo.launch()
    heard = text(echo.say("LinkCodeIntent", code=slot("code", code)))
    assert f"I heard {', '.join(code)}. Is that right?" in heard
    echo.say("AMAZON.YesIntent")
    echo.say("StartRoutineIntent")
    echo.say("ReadyIntent")
    echo.say("PainIntent", body_part=slot("body_part", "back", [("back", "back")]))
    echo.say("AMAZON.NoIntent")


def test_prescribe_link_exercise_and_follow_in_a_real_browser(
    site: tuple[Flask, str], browser: WebDriver, catalog: Catalog
) -> None:
    app, url = site
    sign_in(browser, url)
    code = prescribe(browser, url)
    plan_url = browser.current_url
    page = browser.find_element(By.TAG_NAME, "main").text
    assert "No one has linked this plan yet." in page and "Go gently the first week." in page

    link_and_exercise(url, code)

    browser.get(plan_url)
    page = browser.find_element(By.TAG_NAME, "main").text
    assert "Linked device 1" in page and "No one has linked" not in page
    assert "pain at " in page  # the kind, then the time in the device's zone
    assert "pain in my back" in page
    first = catalog["a01-knee-to-chest"].full_name  # the plan's first: where the pain was
    assert f"during {first}" in page
    plot = field(browser, "figure img")
    assert browser.execute_script("return arguments[0].naturalWidth", plot) > 0  # it loaded
    stylesheet = browser.execute_script(
        "return getComputedStyle(document.querySelector('header.site')).display"
    )
    assert stylesheet == "flex"  # clinic.css loaded under the page's CSP
    screenshot(browser, SCREENSHOTS / "plan.png")

    browser.get(f"{plan_url}/sheet")
    sheet = browser.find_element(By.TAG_NAME, "main").text
    assert code in sheet and "J. Smith" not in sheet and "Repeat 6 times" in sheet
    screenshot(browser, SCREENSHOTS / "sheet.png")

    browser.get(plan_url)
    navigates(browser, browser.find_element(By.LINK_TEXT, "Change the plan").click)
    lift = field(browser, "fieldset[id='a04-pelvic-lift'] input[name$='_reps']")
    assert lift.get_attribute("value") == "6"  # the form is the plan as it is
    lift.clear()
    lift.send_keys("8")
    navigates(browser, field(browser, "main form button[type=submit]").click)
    assert browser.current_url == plan_url, field(browser, "div.problem").text
    assert "version 2" in browser.find_element(By.TAG_NAME, "main").text
    lift_row = field(browser, "table tbody tr:nth-child(2)").text
    assert "Pelvic lift" in lift_row and " 8 " in f" {lift_row} "

    navigates(browser, field(browser, f"form[action$='/codes/{code}/revoke'] button").click)
    assert "No live code" in browser.find_element(By.TAG_NAME, "main").text
    assert app.extensions["clinic"]["plans"].plan_for_code(code) is None

    browser.get(f"{url}/clinic/")
    assert "J. Smith" in browser.find_element(By.TAG_NAME, "main").text
    navigates(browser, field(browser, "header form button").click)
    assert browser.current_url.startswith(f"{url}/clinic/sign-in")
    browser.get(f"{url}/clinic/")
    assert browser.current_url.startswith(f"{url}/clinic/sign-in")  # signed out
