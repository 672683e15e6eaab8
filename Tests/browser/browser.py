"""A headless Chromium for one browser test, driven by selenium: a fresh profile, every console message
collected, polling waits that say what they waited for, keyboard and real-mouse input, screenshots.
"""

from __future__ import annotations

import time
from pathlib import Path

from selenium import webdriver
from selenium.common.exceptions import (
    JavascriptException,
    NoAlertPresentException,
    StaleElementReferenceException,
    WebDriverException,
)
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.actions.action_builder import ActionBuilder
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
DEFAULT_WAIT_SECONDS = 10.0
POLL_SECONDS = 0.03


class WaitTimeout(AssertionError):
    """Something the test waited for did not happen in time."""


def wait_until(condition, timeout: float = DEFAULT_WAIT_SECONDS, what: str = "a condition", describe=None):
    """Polls `condition()` until it returns something truthy and returns that; raises `WaitTimeout` naming `what`
    and, when given, `describe()` (the state seen last)."""
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while True:
        try:
            value = condition()
            if value:
                return value
            last_error = None
        except (StaleElementReferenceException, JavascriptException) as error:
            last_error = error
        if time.monotonic() > deadline:
            detail = ""
            if describe is not None:
                try:
                    detail = f"; last seen: {describe()}"
                except WebDriverException as error:
                    detail = f"; (could not describe the state: {error.msg})"
            if last_error is not None:
                detail += f"; last error: {type(last_error).__name__}: {getattr(last_error, 'msg', last_error)}"
            raise WaitTimeout(f"waited {timeout:.0f} s for {what}{detail}")
        time.sleep(POLL_SECONDS)


class Browser:
    """One Chromium with its own profile directory; close it with `quit()`."""

    def __init__(self, profile_dir: Path, log_path: Path, accept_language: str = "en-US,en",
                 extra_arguments: tuple[str, ...] = ()):
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,900",
                         f"--user-data-dir={profile_dir}", "--no-first-run", "--no-default-browser-check",
                         "--disable-extensions", "--disable-search-engine-choice-screen", "--lang=en-US",
                         *extra_arguments):
            options.add_argument(argument)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        # An alert must stay open so the XSS test can find it, not be dismissed by the driver.
        options.unhandled_prompt_behavior = "ignore"
        options.add_experimental_option("prefs", {"intl.accept_languages": accept_language})
        service = Service(executable_path=CHROMEDRIVER, log_output=str(log_path))
        self.driver = webdriver.Chrome(options=options, service=service)
        self.driver.set_page_load_timeout(30)
        # The header Chromium sends is what the server picks a language from; set it explicitly.
        user_agent = self.driver.execute_script("return navigator.userAgent")
        self.driver.execute_cdp_cmd("Network.enable", {})
        self.driver.execute_cdp_cmd("Network.setUserAgentOverride",
                                    {"userAgent": user_agent, "acceptLanguage": accept_language})
        self.console: list[dict] = []


    def shoot_whole(self, selector: str, path) -> None:
        """The whole element: the window grows to its height for the shot (an element shot stops at the viewport)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        element = self.find(selector)
        size = self.driver.get_window_size()
        height = self.js("return Math.ceil(arguments[0].getBoundingClientRect().height)", element)
        self.driver.set_window_size(size["width"], max(size["height"], min(int(height) + 200, 4000)))
        try:
            self.js("arguments[0].scrollIntoView({block: 'start'})", element)
            element.screenshot(str(path))
        finally:
            self.driver.set_window_size(size["width"], size["height"])
    def quit(self) -> None:
        try:
            self.driver.quit()
        except WebDriverException:
            pass

    # MARK: navigation and reading

    def open(self, base_url: str, path: str) -> None:
        self.driver.get(base_url + path)

    def js(self, script: str, *arguments):
        return self.driver.execute_script(script, *arguments)

    def find(self, css: str):
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def find_all(self, css: str):
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def wait_for(self, css: str, timeout: float = DEFAULT_WAIT_SECONDS, visible: bool = True):
        """The first element matching `css` once it exists (and is displayed, when `visible`)."""

        def found():
            for element in self.find_all(css):
                if not visible or element.is_displayed():
                    return element
            return None

        return wait_until(found, timeout, f"{'visible ' if visible else ''}element {css} on {self.path()}")

    def text_of(self, css: str) -> str | None:
        """The element's rendered text (innerText), or None when absent."""
        return self.js("const e = document.querySelector(arguments[0]); return e ? e.innerText : null;", css)

    def path(self) -> str:
        try:
            return self.js("return location.pathname + location.search")
        except WebDriverException:
            return "(unknown page)"

    def body_text(self) -> str:
        return self.js("return document.body ? document.body.innerText : ''")

    def alert_text(self) -> str | None:
        """The text of an open alert/confirm/prompt, or None when there is none."""
        try:
            return self.driver.switch_to.alert.text
        except NoAlertPresentException:
            return None

    # MARK: console

    def collect_console(self) -> list[dict]:
        """Every console message since the last call (the driver hands each out once), also kept in `console`."""
        try:
            entries = self.driver.get_log("browser")
        except WebDriverException:
            entries = []
        self.console.extend(entries)
        return entries

    def console_errors(self, since: int = 0) -> list[str]:
        """SEVERE console messages collected so far (from index `since` of `console`)."""
        self.collect_console()
        return [entry["message"] for entry in self.console[since:] if entry.get("level") == "SEVERE"]

    # MARK: input

    def press(self, *keys: str) -> None:
        """Key presses sent to whatever has focus, exactly as a person at the keyboard would."""
        ActionChains(self.driver).send_keys(*keys).perform()

    def type_into(self, css: str, text: str, replace: bool = True) -> None:
        """Focuses the field (by keyboard focus, not a click), selects what it holds and types `text`."""
        element = self.find(css)
        self.js("arguments[0].focus()", element)
        if replace:
            element.send_keys(Keys.CONTROL, "a")
            element.send_keys(Keys.DELETE)
        element.send_keys(text)

    def mouse_drag(self, start: tuple[float, float], end: tuple[float, float]) -> None:
        """A real mouse drag between two viewport points: press, move in steps, release."""
        builder = ActionBuilder(self.driver, duration=0)
        pointer = builder.pointer_action
        pointer.move_to_location(int(round(start[0])), int(round(start[1])))
        pointer.pointer_down()
        steps = 5
        for step in range(1, steps + 1):
            x = start[0] + (end[0] - start[0]) * step / steps
            y = start[1] + (end[1] - start[1]) * step / steps
            pointer.move_to_location(int(round(x)), int(round(y)))
        pointer.pointer_up()
        builder.perform()

    def click(self, css: str) -> None:
        """A real mouse click on the element's centre (scrolled into view first)."""
        element = self.find(css)
        self.js("arguments[0].scrollIntoView({block: 'center'})", element)
        ActionChains(self.driver).move_to_element(element).click().perform()

    # MARK: evidence

    def screenshot(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.driver.save_screenshot(str(path))
        except WebDriverException:
            pass

    def save_page(self, path: Path) -> None:
        try:
            path.write_text(self.driver.page_source, encoding="utf-8")
        except WebDriverException:
            pass
