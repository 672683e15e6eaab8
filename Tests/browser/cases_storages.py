"""Browser test of the project page's Attached storages panel (js/project-storages.js): a manager attaches a
server directory the operator allows by typing its path and pressing Enter, is told next to the path field
why a directory outside the allowance is refused, syncs the directory with the keyboard and sees the sync
finish with three tasks and one skipped file (the park agrees, and the page's numbers follow); the kind
selector switches to the bucket fields, whose empty required fields the page marks and whose endpoint the
server refuses next to its field; in Chinese the panel is translated. Screenshots in each language."""

from __future__ import annotations

from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

from browser import Browser, wait_until
from context import TestContext
from images import grid_png
from pages import CJK, RAW_TRANSLATION_KEY, sign_in

MANAGER = "storage.manager@browser.test"
TITLE = "Harbour photos 港口照片"
SCHEMA = {
    "fields": [{"name": "photo", "type": "image"}],
    "questions": [{"name": "ok", "type": "choice", "options": ["yes", "no"]}],
}

# The panel read through ids and data attributes.
PANEL_SCRIPT = """
const shown = (e) => !!e && !e.hidden && e.getClientRects().length > 0;
const text = (id) => { const e = document.getElementById(id); return shown(e) ? e.innerText.trim() : null; };
const items = Array.from(document.querySelectorAll('#storages-list li[data-testid=storage]'));
return {
  shown: shown(document.getElementById('storages-section')),
  empty: shown(document.getElementById('storages-empty')),
  storages: items.map((item) => ({
    id: Number(item.dataset.storageId),
    kind: item.dataset.kind,
    state: item.dataset.state,
    title: item.querySelector('.storage-name').innerText.trim(),
    kindText: item.querySelector('.storage-kind').innerText.trim(),
    where: item.querySelector('.storage-where').hidden ? null : item.querySelector('.storage-where').innerText.trim(),
    stateText: item.querySelector('.storage-state').innerText.trim(),
    counts: Object.fromEntries(Array.from(item.querySelectorAll('dd[data-count]'))
      .map((dd) => [dd.dataset.count, dd.innerText.trim()])),
    button: item.querySelector('button.storage-sync').innerText.trim(),
    buttonDisabled: item.querySelector('button.storage-sync').disabled,
  })),
  status: text('storages-status'),
  statusState: document.getElementById('storages-status').dataset.state || null,
  formError: text('storage-form-error'),
  formStatus: text('storage-form-status'),
  pathError: text('storage-path-error'),
  pathInvalid: document.getElementById('storage-path').getAttribute('aria-invalid'),
  directoryFields: shown(document.getElementById('storage-directory-fields')),
  bucketFields: shown(document.getElementById('storage-s3-fields')),
  focused: document.activeElement ? (document.activeElement.id || document.activeElement.className) : null,
};
"""


def panel(browser: Browser) -> dict:
    return browser.js(PANEL_SCRIPT)


def write_directory(root) -> tuple[str, str]:
    """Three distinct PNGs and a text file in `root/photos`, and an empty `root/../elsewhere`; their paths."""
    photos = root / "photos"
    photos.mkdir(parents=True)
    for name, (width, height) in {"harbour.png": (120, 80), "market.png": (160, 100), "pier.png": (200, 120)}.items():
        (photos / name).write_bytes(grid_png(width, height, 40, 10))
    (photos / "notes.txt").write_text("not an image\n")
    elsewhere = root.parent / "elsewhere"
    elsewhere.mkdir()
    return str(photos), str(elsewhere)


def open_project(browser: Browser, base_url: str, project_id: int, language: str, count: int) -> dict:
    browser.open(base_url, f"/projects/{project_id}?lang={language}")
    # The panel shows before its list arrives: wait for the list (or its empty line), not just the panel.
    def loaded(state: dict) -> dict | None:
        listed = state["empty"] if count == 0 else len(state["storages"]) == count
        return state if state["shown"] and listed else None

    return wait_until(lambda: loaded(panel(browser)), 10, f"#storages-section with {count} storage(s)",
                      describe=lambda: panel(browser))


def refusals_only(errors: list[str]) -> list[str]:
    """Console errors other than the 422 the refused directory was answered with (this test asked for it)."""
    return [error for error in errors if "status of 422" not in error]


def test_storages(ctx: TestContext) -> None:
    park = ctx.park
    attachable = ctx.directory / "attachable"
    photos, elsewhere = write_directory(attachable)
    park.extra_args = ["--attachable-directory", str(attachable)]
    park.open([(MANAGER, "manager", "Sam Storage")])
    manager = park.account(MANAGER)
    project_id = park.create_project(manager.token, "Harbour photos 港口照片", SCHEMA)
    browser = ctx.browser()
    sign_in(browser, park, MANAGER)

    state = open_project(browser, park.base_url, project_id, "en", 0)
    assert state["empty"], f"no storage yet and #storages-empty is not shown: {state}"
    assert state["directoryFields"] and not state["bucketFields"], f"the form starts on a directory: {state}"

    # The kind selector swaps the fields; the bucket's secret is a password field the browser does not fill.
    Select(browser.find("#storage-kind")).select_by_value("s3")
    state = panel(browser)
    assert state["bucketFields"] and not state["directoryFields"], f"after choosing a bucket: {state}"
    secret = browser.js("const e = document.getElementById('storage-secret-key'); return [e.type, e.autocomplete]")
    assert secret == ["password", "off"], f"#storage-secret-key is {secret}"
    unlabelled = browser.js("""return Array.from(document.querySelectorAll('#storage-form input, #storage-form select'))
      .filter((e) => e.labels.length === 0).map((e) => e.id)""")
    assert not unlabelled, f"inputs without a label: {unlabelled}"
    Select(browser.find("#storage-kind")).select_by_value("directory")

    # A directory outside the operator's allowance: the server's reason shows next to the path field.
    browser.type_into("#storage-path", elsewhere)
    browser.press(Keys.ENTER)
    state = wait_until(lambda: (lambda s: s if s["pathError"] else None)(panel(browser)), 10,
                       "#storage-path-error to say why", describe=lambda: panel(browser))
    assert "not inside a directory" in state["pathError"], f"#storage-path-error says {state['pathError']!r}"
    assert state["pathInvalid"] == "true" and state["focused"] == "storage-path", f"the path field: {state}"
    assert not state["storages"] and state["formError"] is None, f"a refused directory changed the panel: {state}"
    ctx.note(f"outside the allowance: {state['pathError']!r}")

    # The allowed one, typed and submitted with Enter: listed, and the focus waits on its Sync button.
    browser.type_into("#storage-path", photos)
    browser.type_into("#storage-title", TITLE)
    browser.press(Keys.ENTER)
    state = wait_until(lambda: (lambda s: s if len(s["storages"]) == 1 else None)(panel(browser)), 10,
                       "the attached directory to be listed", describe=lambda: panel(browser))
    storage = state["storages"][0]
    assert storage["kind"] == "directory" and storage["kindText"] == "Directory" and storage["title"] == TITLE, \
        f"the listed storage: {storage}"
    assert storage["where"] == photos and storage["state"] == "idle" and storage["counts"]["tasks"] == "0", \
        f"the listed storage: {storage}"
    assert state["pathError"] is None and not state["empty"], f"after attaching: {state}"
    assert state["focused"] and "storage-sync" in state["focused"], f"the focus is on {state['focused']!r}"

    # Sync by keyboard; the panel follows the sync until it is finished.
    browser.press(Keys.ENTER)
    state = wait_until(lambda: (lambda s: s if s["storages"][0]["state"] == "finished" else None)(panel(browser)), 20,
                       "the sync to finish", describe=lambda: panel(browser))
    storage = state["storages"][0]
    assert storage["counts"] == {"objects": "4", "assets": "3", "tasks": "3", "skipped": "1"}, \
        f"the finished sync's counts: {storage['counts']}"
    assert not storage["buttonDisabled"] and storage["button"] == "Sync", f"after the sync: {storage}"
    assert state["status"] and "3 tasks created" in state["status"] and "1 skipped" in state["status"], \
        f"#storages-status says {state['status']!r}"
    ctx.note(f"finished: {storage['stateText']!r}; status: {state['status']!r}")
    tasks = park.call("GET", f"/api/v1/projects/{project_id}/progress", manager.token, expect=(200,)).json()["tasks"]
    assert tasks == 3, f"the project holds {tasks} tasks after the sync, expected 3"
    objects = park.call("GET", f"/api/v1/projects/{project_id}/storages/{storage['id']}/objects", manager.token,
                        expect=(200,)).json()["objects"]
    skipped = [item["key"] for item in objects if item["skipped"]]
    assert skipped == ["notes.txt"], f"skipped objects: {skipped} of {objects}"
    # The page's own numbers follow the sync: the first number is the task count.
    wait_until(lambda: browser.text_of("#progress-numbers dd") == "3", 10, "#progress-numbers to count 3 tasks",
               describe=lambda: browser.text_of("#progress-numbers"))
    browser.shoot_whole("#storages-section", ctx.screenshot_dir / f"{ctx.name}-en.png")
    errors = refusals_only(ctx.console_errors(browser))
    assert not errors, f"console errors on the project page: {errors[:5]}"
    console_seen = len(browser.console)

    # In Chinese: the same storage, its finished sync, and a refusal next to the path field.
    state = open_project(browser, park.base_url, project_id, "zh-CN", 1)
    storage = state["storages"][0]
    assert storage["state"] == "finished" and storage["counts"]["tasks"] == "3", f"zh-CN storage: {storage}"
    for text in (storage["stateText"], storage["button"], browser.text_of("#storages-heading")):
        assert CJK.search(text or ""), f"zh-CN: {text!r} is not Chinese"
    browser.type_into("#storage-path", elsewhere)
    browser.press(Keys.ENTER)
    state = wait_until(lambda: (lambda s: s if s["pathError"] else None)(panel(browser)), 10,
                       "#storage-path-error in Chinese", describe=lambda: panel(browser))
    assert CJK.search(state["pathError"]), f"zh-CN #storage-path-error says {state['pathError']!r}"
    keys = RAW_TRANSLATION_KEY.findall(browser.text_of("#storages-section") or "")
    assert not keys, f"untranslated keys in the panel: {sorted(set(keys))}"
    browser.shoot_whole("#storages-section", ctx.screenshot_dir / f"{ctx.name}-zh-CN.png")
    Select(browser.find("#storage-kind")).select_by_value("s3")
    # Empty required fields are caught in the page; an endpoint the operator did not allow, by the server.
    browser.js("document.getElementById('storage-attach').focus()")
    browser.press(Keys.ENTER)
    missing = browser.js("""return ['endpoint', 'bucket', 'access-key', 'secret-key', 'region']
      .filter((name) => !document.getElementById('storage-' + name + '-error').hidden)""")
    focused = browser.js("return document.activeElement && document.activeElement.id")
    assert missing == ["endpoint", "bucket", "access-key", "secret-key"] and focused == "storage-endpoint", \
        f"an empty bucket form marks {missing}, focus on #{focused}"
    for field, value in (("endpoint", "https://minio.example:9000"), ("bucket", "harbour-photos"),
                         ("access-key", "AKIAEXAMPLE"), ("secret-key", "not-a-real-secret")):
        browser.type_into(f"#storage-{field}", value)
    browser.press(Keys.ENTER)
    endpoint_error = wait_until(lambda: browser.js(
        "const e = document.getElementById('storage-endpoint-error'); return e.hidden ? null : e.innerText"),
        10, "#storage-endpoint-error from the server")
    assert CJK.search(endpoint_error) and "attaches no buckets" in endpoint_error, \
        f"#storage-endpoint-error says {endpoint_error!r}"
    assert len(panel(browser)["storages"]) == 1, "a refused bucket was listed"
    keys = RAW_TRANSLATION_KEY.findall(browser.text_of("#storages-section") or "")
    assert not keys, f"untranslated keys in the bucket fields: {sorted(set(keys))}"
    browser.shoot_whole("#storages-section", ctx.screenshot_dir / f"{ctx.name}-zh-CN-bucket.png")
    errors = refusals_only(ctx.console_errors(browser, console_seen))
    assert not errors, f"console errors on the Chinese project page: {errors[:5]}"
