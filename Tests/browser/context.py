"""What one browser test gets: its own directory, park and browsers, and places for notes and numbers."""

from __future__ import annotations

import re
from pathlib import Path

from browser import Browser
from park import Park

# Chromium asks every site for /favicon.ico on its own; a 404 there is not something a page did.
IGNORED_CONSOLE_PATTERNS = (re.compile(r"/favicon\.ico "),)


class TestContext:
    """One test's park, browsers, notes and measurements; the runner closes it."""

    def __init__(self, name: str, directory: Path, binary: str, screenshot_dir: Path, measurements: dict):
        self.name = name
        self.directory = directory
        self.park = Park(binary, directory / "park")
        self.screenshot_dir = screenshot_dir
        self.measurements = measurements
        self.notes: list[str] = []
        self.browsers: list[Browser] = []

    def browser(self, accept_language: str = "en-US,en") -> Browser:
        """A new Chromium with its own fresh profile."""
        index = len(self.browsers)
        profile = self.directory / f"profile-{index}"
        profile.mkdir(parents=True, exist_ok=True)
        browser = Browser(profile, self.directory / f"chromedriver-{index}.log", accept_language)
        self.browsers.append(browser)
        return browser

    def note(self, text: str) -> None:
        """A line printed under the test's result: what the test observed that a reader should know."""
        self.notes.append(text)

    def console_errors(self, browser: Browser, since: int = 0) -> list[str]:
        """SEVERE console messages, without the ones no page caused (noted once instead)."""
        errors = []
        for message in browser.console_errors(since):
            if any(pattern.search(message) for pattern in IGNORED_CONSOLE_PATTERNS):
                ignored = f"ignored console message: {message[:160]}"
                if ignored not in self.notes:
                    self.note(ignored)
                continue
            errors.append(message)
        return errors

    def save_evidence(self, suffix: str = "") -> list[Path]:
        """A screenshot (and the page's HTML and console) of every open browser window."""
        saved = []
        for index, browser in enumerate(self.browsers):
            stem = self.name + (f"-{index}" if len(self.browsers) > 1 else "") + suffix
            try:
                handles = browser.driver.window_handles
                current = browser.driver.current_window_handle
            except Exception:  # the browser may be gone already
                continue
            for window_index, handle in enumerate(handles):
                window_stem = stem + (f"-w{window_index}" if len(handles) > 1 else "")
                try:
                    browser.driver.switch_to.window(handle)
                except Exception:
                    continue
                path = self.screenshot_dir / f"{window_stem}.png"
                browser.screenshot(path)
                browser.save_page(self.screenshot_dir / f"{window_stem}.html")
                saved.append(path)
            try:
                browser.driver.switch_to.window(current)
            except Exception:
                pass
            browser.collect_console()
            console_path = self.screenshot_dir / f"{stem}.console.txt"
            console_path.write_text("\n".join(f"{entry.get('level')} {entry.get('message')}" for entry in browser.console),
                                    encoding="utf-8")
        return saved

    def close(self) -> None:
        for browser in self.browsers:
            browser.quit()
        self.park.stop()
