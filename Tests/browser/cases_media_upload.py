"""Browser test of the project page's Images panel (js/project-media.js): images chosen in the file input are
uploaded three at a time with a state per file (uploaded with its size, the same image twice, refused by the
server with its reason, refused in the page without being sent), then one task per image is created and the
page's numbers follow; in Chinese, a schema with two image fields lets the manager pick one, warns that the
other is missing and lists the tasks the server refused. A screenshot of the panel in each language."""

from __future__ import annotations

import os
import re
import struct
import zlib

from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

from browser import Browser, wait_until
from context import TestContext
from images import grid_png
from pages import CJK, RAW_TRANSLATION_KEY, sign_in

MANAGER = "media.manager@browser.test"
SCHEMA = {
    "fields": [{"name": "photo", "type": "image"}],
    "questions": [{"name": "ok", "type": "choice", "options": ["yes", "no"]}],
}
TWO_IMAGE_FIELDS = {
    "fields": [{"name": "photo", "type": "image"}, {"name": "detail", "type": "image"}],
    "questions": [{"name": "ok", "type": "choice", "options": ["yes", "no"]}],
}
PARALLEL_UPLOADS = 3

# Every row of the files table and the panel's totals, read through ids and data attributes.
PANEL_SCRIPT = """
const shown = (e) => !!e && !e.hidden && e.getClientRects().length > 0;
const rows = Array.from(document.querySelectorAll('#media-files tbody tr[data-testid=media-file]'));
const progress = document.getElementById('media-progress');
return {
  shown: shown(document.getElementById('media-section')),
  rows: rows.map((row) => ({
    name: row.querySelector('.name').textContent,
    state: row.dataset.state,
    asset: row.dataset.assetId ? Number(row.dataset.assetId) : null,
    task: row.dataset.task || null,
    text: row.querySelector('td.state').innerText.trim(),
  })),
  summary: document.getElementById('media-summary').innerText.trim(),
  progress: progress ? [Number(progress.value), Number(progress.max)] : null,
  cancelShown: shown(document.getElementById('media-cancel')),
  create: document.getElementById('media-create').innerText.trim(),
  createDisabled: document.getElementById('media-create').disabled,
  result: document.getElementById('media-result').innerText.trim(),
  resultState: document.getElementById('media-result').dataset.state || null,
  errors: Array.from(document.querySelectorAll('#media-errors tbody tr')).map((r) => r.innerText.trim()),
  fieldPicker: shown(document.getElementById('media-field-row')),
  fieldSingle: shown(document.getElementById('media-field-single')) ? document.getElementById('media-field-single').innerText : null,
  otherFields: shown(document.getElementById('media-other-fields')) ? document.getElementById('media-other-fields').innerText : null,
};
"""

# Counts the asset uploads in flight (api.js calls the global fetch at call time), to see the limit kept.
COUNT_UPLOADS_SCRIPT = """
if (window.__mediaUploads) return;
const counter = window.__mediaUploads = {active: 0, max: 0, started: 0};
const original = window.fetch;
window.fetch = function (resource, init) {
  const upload = /\\/assets$/.test(String(resource)) && init && init.method === 'POST';
  if (!upload) return original.apply(this, arguments);
  counter.active += 1; counter.started += 1; counter.max = Math.max(counter.max, counter.active);
  return original.apply(this, arguments).finally(() => { counter.active -= 1; });
};
"""


def panel(browser: Browser) -> dict:
    return browser.js(PANEL_SCRIPT)


def rows_by_name(state: dict) -> dict[str, dict]:
    return {row["name"]: row for row in state["rows"]}


def wait_until_settled(browser: Browser, count: int) -> dict:
    """The panel once `count` rows exist and none is waiting or uploading."""

    def settled():
        state = panel(browser)
        rows = state["rows"]
        return state if len(rows) == count and all(row["state"] not in ("queued", "uploading") for row in rows) else None

    return wait_until(settled, 20, f"{count} files to finish uploading", describe=lambda: panel(browser))


def write_files(directory) -> dict[str, str]:
    """Two distinct PNGs, a copy of the first, a text file named .png and a .txt file; name → path."""
    directory.mkdir(parents=True, exist_ok=True)
    first = grid_png(320, 200, 40, 10)
    contents = {
        "harbour.png": first,
        "market.png": grid_png(200, 120, 30, 10),
        "notes-renamed.png": b"These are notes, not a picture.\n" * 8,
        "readme.txt": b"plain text\n",
        "harbour-copy.png": first,
    }
    paths = {}
    for name, data in contents.items():
        path = directory / name
        path.write_bytes(data)
        paths[name] = str(path)
    return paths


def noise_png(width: int, height: int) -> bytes:
    """An RGB PNG of random pixels, stored uncompressed: as many bytes as pixels times three, to upload slowly."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + os.urandom(width * 3) for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 0))
            + chunk(b"IEND", b""))


def set_upload_speed(browser: Browser, bytes_per_second: int) -> None:
    """Chromium's network emulation: -1 lifts the limit."""
    browser.driver.execute_cdp_cmd("Network.emulateNetworkConditions", {
        "offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": bytes_per_second})


def open_project(browser: Browser, base_url: str, project_id: int, language: str) -> dict:
    browser.open(base_url, f"/projects/{project_id}?lang={language}")
    return wait_until(lambda: (lambda s: s if s["shown"] else None)(panel(browser)), 10,
                      "#media-section to be shown", describe=lambda: panel(browser))


def test_media_upload(ctx: TestContext) -> None:
    park = ctx.park
    park.open([(MANAGER, "manager", "Mia Manager")])
    manager = park.account(MANAGER)
    project_id = park.create_project(manager.token, "Harbour photos 港口照片", SCHEMA)
    paths = write_files(ctx.directory / "uploads")
    browser = ctx.browser()
    sign_in(browser, park, MANAGER)

    state = open_project(browser, park.base_url, project_id, "en")
    assert not state["fieldPicker"] and state["fieldSingle"] and "photo" in state["fieldSingle"], \
        f"one image field: no picker and a sentence naming it expected: {state}"
    assert state["otherFields"] is None, f"an image-only schema warns about other fields: {state['otherFields']!r}"
    assert state["createDisabled"], "#media-create is enabled before anything was uploaded"

    # Keyboard: after the import form's button, Tab reaches the panel's own "Choose images" button.
    browser.js("document.getElementById('import-button').focus()")
    browser.press(Keys.TAB)
    focused = browser.js("return document.activeElement && document.activeElement.id")
    assert focused == "media-choose", f"Tab after #import-button focused #{focused}, expected #media-choose"

    # Five files at once: four are sent (three at a time), the .txt never leaves the page.
    browser.js(COUNT_UPLOADS_SCRIPT)
    order = ["harbour.png", "market.png", "notes-renamed.png", "readme.txt", "harbour-copy.png"]
    browser.find("#media-input").send_keys("\n".join(paths[name] for name in order))
    state = wait_until_settled(browser, len(order))
    rows = rows_by_name(state)
    assert [row["name"] for row in state["rows"]] == order, f"rows are not in the chosen order: {state['rows']}"
    counter = browser.js("return window.__mediaUploads")
    assert counter["started"] == 4, f"{counter['started']} uploads were sent, expected 4 (not the .txt file)"
    assert counter["max"] == PARALLEL_UPLOADS, f"at most {counter['max']} uploads ran at once, expected {PARALLEL_UPLOADS}"

    # The two copies of one image are one asset: one row uploaded it, the other says it is the same image.
    pair = sorted([rows["harbour.png"], rows["harbour-copy.png"]], key=lambda row: row["state"])
    assert [row["state"] for row in pair] == ["done", "duplicate"], f"harbour.png and its copy: {pair}"
    assert pair[0]["asset"] == pair[1]["asset"] and pair[0]["asset"], f"the copies are not one asset: {pair}"
    assert "320 × 200" in pair[0]["text"] and "320 × 200" in pair[1]["text"], f"the harbour rows lack 320 × 200: {pair}"
    assert pair[0]["name"] in pair[1]["text"], f"the duplicate row does not name the file it repeats: {pair[1]}"
    market = rows["market.png"]
    assert market["state"] == "done" and "200 × 120" in market["text"], f"market.png: {market}"
    assert market["asset"] != pair[0]["asset"], "two different images got one asset"
    fake = rows["notes-renamed.png"]
    assert fake["state"] == "refused" and fake["text"].startswith("Refused:") and "PNG" in fake["text"], \
        f"the text file named .png: {fake}"
    text = rows["readme.txt"]
    assert text["state"] == "refused" and "not sent" in text["text"], f"readme.txt: {text}"
    assert state["progress"] == [5, 5], f"#media-progress is {state['progress']}, expected 5 of 5"
    assert "5 of 5" in state["summary"] and "2 uploaded" in state["summary"] and "2 refused" in state["summary"], \
        f"#media-summary says {state['summary']!r}"
    assert not state["cancelShown"], "#media-cancel is still shown after every upload finished"
    assert not state["createDisabled"] and "(2)" in state["create"], f"#media-create says {state['create']!r}"
    ctx.note(f"refusals: {fake['text']!r}; {text['text']!r}")
    ctx.note(f"summary: {state['summary']!r}")

    browser.click("#media-create")
    state = wait_until(lambda: (lambda s: s if s["resultState"] in ("ok", "warning", "error") else None)(panel(browser)),
                       15, "#media-result to report the import", describe=lambda: panel(browser))
    assert state["resultState"] == "ok" and re.search(r"\b2\b", state["result"]), f"#media-result says {state['result']!r}"
    progress = park.call("GET", f"/api/v1/projects/{project_id}/progress", manager.token, expect=(200,)).json()
    assert progress["tasks"] == 2, f"the project holds {progress['tasks']} tasks, expected 2"
    photos = sorted(task["data"]["photo"] for task in park.export(manager.token, project_id))
    assert photos == sorted(f"asset:{asset}" for asset in (pair[0]["asset"], market["asset"])), f"task data: {photos}"
    rows = rows_by_name(state)
    tasks = {name: rows[name]["task"] for name in ("harbour.png", "harbour-copy.png", "market.png")}
    assert set(tasks.values()) == {"created"}, f"rows not marked with their task: {tasks}"
    assert state["createDisabled"], "#media-create stays enabled with every image made into a task"
    # The progress numbers follow, as after a file import: the first number is the task count.
    wait_until(lambda: browser.text_of("#progress-numbers dd") == "2", 10, "#progress-numbers to count 2 tasks",
               describe=lambda: browser.text_of("#progress-numbers"))
    ctx.note(f"create says: {state['result']!r}")

    # Cancel, by keyboard: with uploads slowed to a crawl, it stops the three running and the one waiting.
    slow = []
    for index in range(4):
        path = ctx.directory / "uploads" / f"noise-{index}.png"
        path.write_bytes(noise_png(300, 300))
        slow.append(str(path))
    set_upload_speed(browser, 20_000)
    try:
        browser.find("#media-input").send_keys("\n".join(slow))
        wait_until(lambda: (lambda s: s if s["cancelShown"] and [r["state"] for r in s["rows"][5:]] ==
                            ["uploading"] * 3 + ["queued"] else None)(panel(browser)),
                   10, "three slow uploads running and one waiting", describe=lambda: panel(browser))
        browser.js("document.getElementById('media-cancel').focus()")
        browser.press(Keys.ENTER)
        state = wait_until_settled(browser, len(order) + len(slow))
    finally:
        set_upload_speed(browser, -1)
    assert [row["state"] for row in state["rows"][5:]] == ["cancelled"] * 4, f"after Cancel: {state['rows'][5:]}"
    assert not state["cancelShown"] and state["createDisabled"], f"after Cancel: {state}"
    assert "4 cancelled" in state["summary"], f"#media-summary says {state['summary']!r}"
    focused = browser.js("return document.activeElement && document.activeElement.id")
    assert focused == "media-choose", f"after Cancel the focus is on #{focused}, expected #media-choose"

    browser.shoot_whole("#media-section", ctx.screenshot_dir / f"{ctx.name}-en.png")
    # Chromium logs the refused upload's 415; it is the answer this test asked for.
    errors = [error for error in ctx.console_errors(browser) if "status of 415" not in error]
    assert not errors, f"console errors on the project page: {errors[:5]}"
    console_seen = len(browser.console)

    # In Chinese, with two image fields: pick one; every task then lacks the other, and the server says so.
    second_id = park.create_project(manager.token, "Two views 两个视图", TWO_IMAGE_FIELDS)
    state = open_project(browser, park.base_url, second_id, "zh-CN")
    assert state["fieldPicker"], f"two image fields and no #media-field picker: {state}"
    options = browser.js("return Array.from(document.querySelectorAll('#media-field option')).map((o) => o.value)")
    assert options == ["photo", "detail"], f"#media-field offers {options}"
    Select(browser.find("#media-field")).select_by_value("detail")
    state = panel(browser)
    assert state["otherFields"] and "photo" in state["otherFields"] and CJK.search(state["otherFields"]), \
        f"#media-other-fields should warn in Chinese that photo is missing: {state['otherFields']!r}"
    browser.find("#media-input").send_keys("\n".join(paths[name] for name in order))
    state = wait_until_settled(browser, len(order))
    # Either copy of harbour may reach the server first (the copy starts while the first may still upload).
    states = {row["name"]: row["state"] for row in state["rows"]}
    assert sorted([states.pop("harbour.png"), states.pop("harbour-copy.png")]) == ["done", "duplicate"] and \
        states == {"market.png": "done", "notes-renamed.png": "refused", "readme.txt": "refused"}, \
        f"zh-CN rows: {state['rows']}"
    browser.click("#media-create")
    state = wait_until(lambda: (lambda s: s if s["resultState"] in ("ok", "warning", "error") else None)(panel(browser)),
                       15, "#media-result to report the import", describe=lambda: panel(browser))
    assert state["resultState"] == "error" and CJK.search(state["result"]), f"#media-result says {state['result']!r}"
    assert len(state["errors"]) == 2 and all("photo" in line for line in state["errors"]), \
        f"#media-errors should list two images lacking photo: {state['errors']}"
    assert "harbour.png" in state["errors"][0] and "harbour-copy.png" in state["errors"][0], \
        f"the first refused task should name both files of its image: {state['errors'][0]!r}"
    tasks = park.call("GET", f"/api/v1/projects/{second_id}/progress", manager.token, expect=(200,)).json()["tasks"]
    assert tasks == 0, f"the two-field project holds {tasks} tasks; every line lacked photo"
    assert all(row["task"] == "refused" for row in state["rows"] if row["asset"]), f"rows: {state['rows']}"
    assert state["createDisabled"], "#media-create stays enabled after the server refused every task"

    section_text = browser.text_of("#media-section") or ""
    keys = RAW_TRANSLATION_KEY.findall(section_text)
    assert not keys, f"untranslated keys in the panel: {sorted(set(keys))}"
    for row in state["rows"]:
        assert CJK.search(row["text"]), f"zh-CN: the row of {row['name']} says {row['text']!r}"
    ctx.note(f"zh-CN result: {state['result']!r}; first row: {state['rows'][0]['text']!r}")
    browser.shoot_whole("#media-section", ctx.screenshot_dir / f"{ctx.name}-zh-CN.png")
    errors = [error for error in ctx.console_errors(browser, console_seen) if "status of 415" not in error]
    assert not errors, f"console errors on the Chinese project page: {errors[:5]}"
