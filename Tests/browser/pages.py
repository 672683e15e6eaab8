"""How the tests use the pages: sign-in, and reading and driving the annotate page through the DOM contract
of /tmp/ui-spec.md (ids and data attributes only, never a page's internals)."""

from __future__ import annotations

import math
import re
import urllib.parse

from selenium.webdriver.common.keys import Keys

from browser import Browser, wait_until
from park import PASSWORD, Park

CJK = re.compile(r"[\u3400-\u9fff]")
# i18n.js answers a key it does not know with the key itself; one of these on screen is a missing string.
RAW_TRANSLATION_KEY = re.compile(
    r"\b(?:common|nav|login|errors|home|project|newProject|myWork|annotate|form|account)\.[A-Za-z_][A-Za-z0-9_.]*\b")

ANNOTATE_STATE_SCRIPT = """
const q = (s) => document.querySelector(s);
const status = q('#status'), pending = q('#pending-count'), done = q('#done-count'), empty = q('#empty');
const field = q('#task [data-field="' + arguments[0] + '"]');
const shown = (e) => !!e && !e.hidden && e.getClientRects().length > 0;
return {
  state: status ? status.getAttribute('data-state') : null,
  message: status ? status.innerText.trim() : null,
  pending: pending ? pending.textContent.trim() : null,
  done: done ? done.textContent.trim() : null,
  task: field ? field.innerText : null,
  taskShown: shown(field),
  empty: shown(empty),
  active: document.activeElement ? (document.activeElement.tagName + (document.activeElement.id ? '#' + document.activeElement.id : '')) : null,
};
"""


def sign_in(browser: Browser, park: Park, email: str, next_path: str | None = None, by_keyboard: bool = False,
            password: str = PASSWORD) -> None:
    """Signs in through the form and waits until the browser has left /login."""
    query = f"?next={urllib.parse.quote(next_path, safe='')}" if next_path else ""
    browser.open(park.base_url, "/login" + query)
    browser.wait_for("#login-form")
    browser.type_into("#email", email)
    browser.type_into("#password", password)
    if by_keyboard:
        browser.press(Keys.ENTER)
    else:
        browser.click("#sign-in")
    wait_until(lambda: not browser.path().startswith("/login"), 10, f"the sign-in of {email} to leave /login",
               describe=lambda: f"{browser.path()} error={browser.text_of('#login-error')!r}")


def count_in(text: str | None) -> int | None:
    """The first whole number in an element's text ("3", "3 pending", "待提交 3"), or None."""
    if text is None:
        return None
    match = re.search(r"\d+", text.replace(",", ""))
    return int(match.group()) if match else 0


class AnnotatePage:
    """The annotate page of one browser, read through #status, #pending-count, #done-count and #task."""

    def __init__(self, browser: Browser, field: str = "text"):
        self.browser = browser
        self.field = field

    def open(self, park: Park, project_id: int, query: str = "") -> None:
        self.browser.open(park.base_url, f"/projects/{project_id}/annotate{query}")

    def state(self) -> dict:
        return self.browser.js(ANNOTATE_STATE_SCRIPT, self.field)

    def pending(self) -> int | None:
        return count_in(self.state()["pending"])

    def describe(self) -> str:
        state = self.state()
        task = state["task"]
        if task and len(task) > 60:
            task = task[:60] + "…"
        return (f"status={state['state']!r} ({state['message']!r}) pending={state['pending']!r} done={state['done']!r} "
                f"task={task!r} empty={state['empty']} focus={state['active']} page={self.browser.path()}")

    def wait_for_task(self, previous: str | None = None, timeout: float = 10.0) -> str:
        """The text of the shown task once it differs from `previous` (the next task is on screen)."""

        def next_task():
            state = self.state()
            return state["task"] if state["taskShown"] and state["task"] and state["task"] != previous else None

        return wait_until(next_task, timeout, "the next task to appear", describe=self.describe)

    def wait_for_pending(self, count: int, timeout: float = 10.0) -> None:
        wait_until(lambda: self.pending() == count, timeout, f"#pending-count to show {count}", describe=self.describe)

    def wait_for_status(self, states: tuple[str, ...], timeout: float = 10.0) -> str:
        return wait_until(lambda: self.state()["state"] in states and self.state()["state"], timeout,
                          f"#status data-state in {states}", describe=self.describe)

    def answer_by_keyboard(self, key: str) -> None:
        """A digit picks the option, Enter submits: two key presses to whatever has focus."""
        self.browser.press(key)
        self.browser.press(Keys.ENTER)

    def enter_to_next_durations(self) -> list[float]:
        return self.browser.js(
            "return performance.getEntriesByName('lp-enter-to-next').map((e) => e.duration)") or []

    def render_durations(self) -> list[float]:
        return self.browser.js("return performance.getEntriesByName('lp-render').map((e) => e.duration)") or []

    def outbox_count(self) -> int | None:
        """How many answers the IndexedDB outbox (database `labelpark`, store `outbox`) holds; None if absent."""
        return self.browser.driver.execute_async_script("""
const done = arguments[arguments.length - 1];
let request;
try { request = indexedDB.open('labelpark'); } catch (error) { done(null); return; }
request.onerror = () => done(null);
request.onupgradeneeded = () => { request.transaction.abort(); done(null); };
request.onsuccess = () => {
  const db = request.result;
  if (!db.objectStoreNames.contains('outbox')) { db.close(); done(null); return; }
  const counting = db.transaction('outbox', 'readonly').objectStore('outbox').count();
  counting.onsuccess = () => { db.close(); done(counting.result); };
  counting.onerror = () => { db.close(); done(null); };
};
""")


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile: the smallest value with at least `share` of the values at or below it."""
    ordered = sorted(values)
    rank = max(1, math.ceil(round(len(ordered) * share, 9)))
    return ordered[rank - 1]
