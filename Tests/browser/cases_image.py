"""Browser test of the image field viewer (js/fields/image.js): an uploaded image shown fitted on the annotate
page, zoomed and panned by keys, toolbar and mouse without taking the form's keys, its `imageTarget`
coordinates, translated messages for what cannot be shown, and a large image drawn from Deep Zoom tiles
(only the tiles the view needs)."""

from __future__ import annotations

import math
import time

from selenium.webdriver.common.keys import Keys

from browser import wait_until
from context import TestContext
from images import grid_png
from pages import CJK, RAW_TRANSLATION_KEY, sign_in

MANAGER = "image.manager@browser.test"
ANNOTATOR = "image.annotator@browser.test"
SCHEMA = {
    "fields": [{"name": "photo", "type": "image"}],
    "questions": [{"name": "ok", "type": "choice", "options": ["yes", "no"]}],
}
SMALL = (640, 400)
# Past the size from which the server cuts Deep Zoom tiles (4,096 pixels on a side).
LARGE = (6000, 4000)
TILES_READY_TIMEOUT_SECONDS = 60.0
MISSING_ASSET = 999_999

# What the viewer on the page shows, read through its DOM (classes and data attributes of fields/image.js).
VIEWER_SCRIPT = """
const root = document.querySelector('#task .lp-image');
if (!root) return null;
const viewport = root.querySelector('.lp-image-viewport');
const full = root.querySelector('.lp-image-full');
const layer = root.querySelector('.lp-image-tiles');
const box = (e) => { const r = e.getBoundingClientRect(); return {left: r.left, top: r.top, width: r.width, height: r.height}; };
const outer = viewport.getBoundingClientRect();
return {
  state: root.dataset.state,
  width: Number(root.dataset.width || 0),
  zoom: root.querySelector('.lp-image-zoom').textContent,
  inner: {left: outer.left + viewport.clientLeft, top: outer.top + viewport.clientTop,
          width: viewport.clientWidth, height: viewport.clientHeight},
  image: full ? Object.assign(box(full), {natural: full.naturalWidth, complete: full.complete}) : null,
  level: layer ? Number(layer.dataset.level) : null,
  tiles: Array.from(root.querySelectorAll('.lp-image-tile')).map((t) => ({src: t.getAttribute('src'), natural: t.naturalWidth})),
  focused: viewport.contains(document.activeElement),
  message: root.querySelector('.lp-image-message').hidden ? null : root.querySelector('.lp-image-message').textContent,
};
"""

# The viewer module on its own, in a fixed 800 × 500 box, driven through its returned view: where
# `imageTarget` says the image is, against where the <img> really is.
TARGET_SCRIPT = """
const [assetId, done] = arguments;
const frame = () => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
const until = (test) => new Promise((resolve, reject) => {
  const started = performance.now();
  const tick = () => test() ? resolve() : performance.now() - started > 8000 ? reject(new Error('timed out')) : requestAnimationFrame(tick);
  tick();
});
Promise.all([import('/static/js/fields/image.js'), import('/static/js/api.js')]).then(async ([{imageViewer}, {api}]) => {
  const host = document.createElement('div');
  host.className = 'lp-form';
  Object.assign(host.style, {position: 'fixed', left: '10px', top: '10px', width: '800px', zIndex: '1000', background: '#fff'});
  document.body.append(host);
  const view = imageViewer.render({name: 'probe', type: 'image'}, 'asset:' + assetId,
    {labelledBy: 'probe-heading', marked: false, readOnly: false, api, lang: 'en'});
  host.append(view.element);
  const target = view.imageTarget;
  const changes = [];
  const unsubscribe = target.onViewChange((change) => changes.push(change));
  await until(() => view.element.dataset.state === 'shown');
  await frame();
  const img = view.element.querySelector('.lp-image-full');
  const centre = () => { const r = img.getBoundingClientRect(); return {x: r.left + r.width / 2, y: r.top + r.height / 2}; };
  const fitted = target.toImage(centre().x, centre().y);
  const key = (name) => view.handleKey(new KeyboardEvent('keydown', {key: name}));
  const used = [key('+'), key('+'), key('+'), key('ArrowRight'), key('ArrowDown'), key('1'), key('Enter')];
  await frame();
  const zoomedCentre = centre();
  const zoomed = target.toImage(zoomedCentre.x, zoomedCentre.y);
  const imageBox = img.getBoundingClientRect();
  const overlayBox = target.overlay.getBoundingClientRect();
  const corner = target.toScreen(0, 0);
  const farCorner = target.toScreen(target.width, target.height);
  const seen = {
    width: target.width, height: target.height, scale: target.scale, fitted, zoomed, used,
    imageBox: {left: imageBox.left, top: imageBox.top, right: imageBox.right, bottom: imageBox.bottom},
    overlayBox: {left: overlayBox.left, top: overlayBox.top, right: overlayBox.right, bottom: overlayBox.bottom},
    corner, farCorner, changes: changes.length, lastChange: changes[changes.length - 1],
  };
  unsubscribe();
  view.destroy();
  host.remove();
  done(seen);
}).catch((error) => done({error: String(error && error.stack || error)}));
"""

# Messages of values the viewer cannot show, in the page's language.
MESSAGES_SCRIPT = """
const [values, done] = arguments;
Promise.all([import('/static/js/fields/image.js'), import('/static/js/api.js')]).then(async ([{imageViewer}, {api}]) => {
  const seen = [];
  for (const value of values) {
    const host = document.createElement('div');
    document.body.append(host);
    const view = imageViewer.render({name: 'probe', type: 'image'}, value,
      {labelledBy: 'probe-heading', marked: false, readOnly: true, api, lang: document.documentElement.lang});
    host.append(view.element);
    const started = performance.now();
    while (view.element.dataset.state === 'loading' && performance.now() - started < 8000) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    seen.push({state: view.element.dataset.state, message: view.element.querySelector('.lp-image-message').textContent});
    view.destroy();
    host.remove();
  }
  done(seen);
}).catch((error) => done({error: String(error)}));
"""


def upload(park, token: str, project_id: int, body: bytes, media_type: str) -> dict:
    answer = park.call("POST", f"/api/v1/projects/{project_id}/assets", token, raw=body, content_type=media_type,
                       expect=(200, 201))
    return answer.json()


ADJUSTED_SCRIPT = """
const viewer = document.querySelector('#task .lp-image');
const layers = [...viewer.querySelectorAll('.lp-image-stage, .lp-image-tiles')];
return {filters: layers.map((layer) => getComputedStyle(layer).filter),
        overlay: getComputedStyle(viewer.querySelector('.lp-image-overlay')).filter,
        brightness: viewer.querySelector('input[data-adjust=brightness]').value,
        contrast: viewer.querySelector('input[data-adjust=contrast]').value,
        focused: document.activeElement?.dataset?.adjust ?? null};
"""


def check_adjustments(ctx: TestContext, browser) -> None:
    """Brightness and contrast by keyboard on their sliders: only the image layers are filtered; reset undoes."""
    adjusted = lambda: browser.js(ADJUSTED_SCRIPT)  # noqa: E731
    browser.js("document.querySelector('#task .lp-image input[data-adjust=brightness]').focus()")
    browser.press(Keys.ARROW_RIGHT)
    browser.press(Keys.ARROW_RIGHT)
    browser.press(Keys.TAB)
    browser.press(Keys.ARROW_LEFT)
    wait_until(lambda: adjusted()["brightness"] == "110" and adjusted()["contrast"] == "95", 5,
               "→ → on brightness and ← on contrast", describe=adjusted)
    state = adjusted()
    assert state["filters"] and all(f == "brightness(1.1) contrast(0.95)" for f in state["filters"]), \
        f"the image layers are filtered {state['filters']}"
    assert state["overlay"] == "none", f"the regions' overlay is filtered too: {state['overlay']}"
    browser.screenshot(ctx.screenshot_dir / "image_field-adjusted.png")
    browser.click('#task .lp-image [data-action="reset-adjustments"]')
    wait_until(lambda: all(f == "none" for f in adjusted()["filters"]), 5, "reset to show the image as it is",
               describe=adjusted)
    ctx.note(f"brightness 110% and contrast 95% by keyboard filtered {len(state['filters'])} image layer(s); "
             "reset cleared them")


def test_image_field(ctx: TestContext) -> None:
    park = ctx.park
    park.open([(MANAGER, "manager", "Mia Manager"), (ANNOTATOR, "annotator", "Ann Annotator")])
    manager, annotator = park.account(MANAGER), park.account(ANNOTATOR)
    project_id = park.create_project(manager.token, "Photos", SCHEMA, overlap=1)
    small = upload(park, manager.token, project_id, grid_png(*SMALL, cell=80, line_every=20), "image/png")
    large = upload(park, manager.token, project_id, grid_png(*LARGE, cell=500, line_every=100, border=4), "image/png")
    assert (small.get("width"), small.get("height")) == SMALL, f"the small image's metadata: {small}"
    park.import_tasks(manager.token, project_id, [{"data": {"photo": f"asset:{small['id']}"}},
                                                  {"data": {"photo": f"asset:{large['id']}"}}])

    browser = ctx.browser()
    sign_in(browser, park, ANNOTATOR, next_path=f"/projects/{project_id}/annotate")
    seen = lambda: browser.js(VIEWER_SCRIPT)  # noqa: E731
    wait_until(lambda: (seen() or {}).get("state") == "shown", 10, "the small image to be shown", describe=seen)

    # Fitted: the whole image inside the viewer, touching two opposite sides, centred.
    state = seen()
    assert state["width"] == SMALL[0], f"the first task shows the image {state['width']} wide, expected {SMALL[0]}"
    image, inner = state["image"], state["inner"]
    assert image and image["complete"] and image["natural"] == SMALL[0], f"the <img> did not load: {image}"
    assert not state["tiles"], f"a small image drew tiles: {state['tiles'][:3]}"
    check_fitted(image, inner)
    fit_zoom = state["zoom"]
    expected_fit = min(inner["width"] / SMALL[0], inner["height"] / SMALL[1])
    assert abs(int(fit_zoom.rstrip(" %")) - expected_fit * 100) <= 0.51, f"zoom shows {fit_zoom!r} at fit {expected_fit:.4f}"
    browser.screenshot(ctx.screenshot_dir / "image_field-small.png")

    # Keys while the viewer has focus: + zooms around the centre, 0 fits again.
    browser.click("#task .lp-image-viewport")
    wait_until(lambda: seen()["focused"], 5, "a click to focus the image viewer")
    image = seen()["image"]
    browser.press("+")
    wait_until(lambda: seen()["zoom"] != fit_zoom, 5, "+ to change the zoom", describe=lambda: seen()["zoom"])
    zoomed = seen()
    assert zoomed["image"]["width"] > image["width"] * 1.3, f"+ zoomed from {image} to {zoomed['image']}"
    centre_before = (image["left"] + image["width"] / 2, image["top"] + image["height"] / 2)
    centre_after = (zoomed["image"]["left"] + zoomed["image"]["width"] / 2,
                    zoomed["image"]["top"] + zoomed["image"]["height"] / 2)
    assert math.dist(centre_before, centre_after) < 2, f"+ moved the centre from {centre_before} to {centre_after}"
    browser.press("0")
    wait_until(lambda: seen()["zoom"] == fit_zoom, 5, "0 to fit the image again", describe=lambda: seen()["zoom"])
    # (Clicks scroll what they click into view, so the viewer's place is read again each time.)
    check_fitted(seen()["image"], seen()["inner"])
    image = seen()["image"]

    # The toolbar: zoom in twice, then drag the image with the mouse.
    browser.click('#task .lp-image [data-action="zoom-in"]')
    browser.click('#task .lp-image [data-action="zoom-in"]')
    wait_until(lambda: seen()["image"]["width"] > image["width"] * 1.9, 5, "two clicks on zoom in",
               describe=lambda: seen()["image"])
    before, inner = seen()["image"], seen()["inner"]
    start = (inner["left"] + inner["width"] / 2, inner["top"] + inner["height"] / 2)
    browser.mouse_drag(start, (start[0] - 120, start[1] - 70))
    wait_until(lambda: abs(seen()["image"]["left"] - (before["left"] - 120)) < 2, 5, "the drag to move the image",
               describe=lambda: f"before {before}, now {seen()['image']}")
    after = seen()["image"]
    assert abs(after["top"] - (before["top"] - 70)) < 2, f"the drag moved the image from {before} to {after}"
    browser.press(Keys.ARROW_LEFT)
    wait_until(lambda: seen()["image"]["left"] > after["left"] + 20, 5, "ArrowLeft to pan",
               describe=lambda: seen()["image"])
    browser.screenshot(ctx.screenshot_dir / "image_field-small-zoomed.png")

    # The form's keys still work with the focus on the image: 1 answers, Enter submits.
    assert seen()["focused"], "the focus left the image viewer"
    browser.press("1")
    wait_until(lambda: browser.js(
        "return document.querySelector('fieldset[data-question=\"ok\"] button[data-option=\"yes\"]')"
        ".getAttribute('aria-pressed')") == "true", 5, "key 1 to choose yes with the focus on the image")
    browser.press(Keys.ENTER)
    wait_until(lambda: (seen() or {}).get("width") == LARGE[0], 10, "the next task's (large) image",
               describe=seen)
    wait_until(lambda: len(park.annotations_by(manager.token, project_id, annotator.user_id)) == 1, 10,
               "the first answer to be stored")
    stored = park.annotations_by(manager.token, project_id, annotator.user_id)[0][1]["result"]
    assert stored == {"ok": "yes"}, f"stored {stored}"

    check_adjustments(ctx, browser)
    check_large_image(ctx, browser, seen, park, manager, large)

    # The viewer on its own: imageTarget maps the image's centre, corners and overlay where the <img> is.
    target = browser.driver.execute_async_script(TARGET_SCRIPT, small["id"])
    assert "error" not in target, f"the standalone viewer failed: {target['error']}"
    assert (target["width"], target["height"]) == SMALL, f"imageTarget size {target['width']}×{target['height']}"
    for name in ("fitted", "zoomed"):
        point = target[name]
        assert abs(point["x"] - SMALL[0] / 2) < 0.5 and abs(point["y"] - SMALL[1] / 2) < 0.5, \
            f"toImage of the image's centre ({name}) answered {point}, expected {SMALL[0] / 2}, {SMALL[1] / 2}"
    assert target["used"] == [True] * 5 + [False, False], f"handleKey used {target['used']} (+ + + → ↓ 1 Enter)"
    box, overlay = target["imageBox"], target["overlayBox"]
    assert all(abs(box[side] - overlay[side]) < 0.5 for side in box), f"overlay {overlay} is not on the image {box}"
    assert abs(target["corner"]["x"] - box["left"]) < 0.5 and abs(target["farCorner"]["y"] - box["bottom"]) < 0.5, \
        f"toScreen of the corners {target['corner']}, {target['farCorner']}; the image is at {box}"
    assert target["changes"] >= 2 and abs(target["lastChange"]["scale"] - target["scale"]) < 1e-9, \
        f"onViewChange called {target['changes']} times, last {target['lastChange']}"

    # What cannot be shown is said in the page's language.
    missing_asset = f"/api/v1/assets/{MISSING_ASSET}"
    for language in ("en", "zh-CN"):
        browser.open(park.base_url, f"/projects/{project_id}/annotate?lang={language}")
        wait_until(lambda: (seen() or {}).get("state") == "shown", 10, f"the image ({language})", describe=seen)
        strings = park.call("GET", f"/i18n/{language}.json", expect=(200,)).json()["form"]
        messages = browser.driver.execute_async_script(MESSAGES_SCRIPT, ["photo.jpg", f"asset:{MISSING_ASSET}"])
        assert "error" not in messages, f"{language}: {messages}"
        expected = [{"state": "error", "message": strings["imageBadValue"].replace("{value}", "photo.jpg")},
                    {"state": "error", "message": strings["imageMissing"].replace("{id}", str(MISSING_ASSET))}]
        assert messages == expected, f"{language}: the viewer said {messages}, expected {expected}"
        labels = browser.js("return Array.from(document.querySelectorAll('#task .lp-image [aria-label]'))"
                            ".map((e) => e.getAttribute('aria-label'))")
        assert labels and not any(RAW_TRANSLATION_KEY.search(label) for label in labels), f"{language}: {labels}"
        if language == "zh-CN":
            assert all(CJK.search(label) for label in labels), f"zh-CN labels {labels}"
            assert CJK.search(messages[0]["message"]), f"zh-CN: {messages[0]['message']!r}"
    errors = [error for error in ctx.console_errors(browser) if missing_asset not in error]
    assert not errors, f"console errors: {errors[:5]}"


def check_fitted(image: dict, inner: dict) -> None:
    """The image lies inside the viewer's inner box, fills it in one direction and is centred in the other."""
    inside = (image["left"] >= inner["left"] - 1 and image["top"] >= inner["top"] - 1
              and image["left"] + image["width"] <= inner["left"] + inner["width"] + 1
              and image["top"] + image["height"] <= inner["top"] + inner["height"] + 1)
    fills = abs(image["width"] - inner["width"]) < 1.5 or abs(image["height"] - inner["height"]) < 1.5
    centred = (abs((image["left"] + image["width"] / 2) - (inner["left"] + inner["width"] / 2)) < 1
               and abs((image["top"] + image["height"] / 2) - (inner["top"] + inner["height"] / 2)) < 1)
    assert inside and fills and centred, f"the image {image} is not fitted to the viewer {inner}"


def check_large_image(ctx: TestContext, browser, seen, park, manager, large: dict) -> None:
    """The large image: drawn from tiles once the server has cut them, only the visible ones at the level
    the zoom needs."""
    deadline = time.monotonic() + TILES_READY_TIMEOUT_SECONDS
    while True:
        meta = park.call("GET", f"/api/v1/assets/{large['id']}", manager.token, expect=(200,)).json()
        if meta.get("tiles_state") in ("ready", "failed", "none") or time.monotonic() > deadline:
            break
        time.sleep(0.25)
    if meta.get("tiles_state") != "ready":
        ctx.note(f"large image: tiles_state {meta.get('tiles_state')!r}, so only the whole-image path was checked")
        wait_until(lambda: seen()["state"] == "shown", 20, "the large image to be shown whole", describe=seen)
        check_fitted(seen()["image"], seen()["inner"])
        browser.screenshot(ctx.screenshot_dir / "image_field-large.png")
        return
    tiles = meta["tiles"]
    top_level = tiles["max_level"]
    size = tiles["tile_size"]
    top_count = math.ceil(LARGE[0] / size) * math.ceil(LARGE[1] / size)
    # The page may have asked while the tiles were still being cut: it then shows the whole image and asks again.
    wait_until(lambda: seen()["state"] == "shown" and seen()["tiles"] and seen()["image"] is None, 30,
               "the large image to be drawn from tiles", describe=lambda: {**seen(), "tiles": len(seen()["tiles"])})
    state = seen()
    assert all("/tiles/" in tile["src"] for tile in state["tiles"]), f"tile sources {state['tiles'][:3]}"
    assert not any(f"/tiles/{top_level}/" in tile["src"] for tile in state["tiles"]), \
        f"the fitted view drew full-resolution tiles: {[t['src'] for t in state['tiles']][:5]}"
    browser.screenshot(ctx.screenshot_dir / "image_field-large.png")

    # Zoom in to 100 % and beyond around the centre: full-resolution tiles, only those on screen.
    browser.click("#task .lp-image-viewport")
    for _ in range(7):
        browser.press("+")
    on_top = lambda: [t for t in seen()["tiles"] if f"/tiles/{top_level}/" in t["src"] and t["natural"] > 0]  # noqa: E731
    wait_until(lambda: seen()["level"] == top_level and len(on_top()) > 0, 15,
               "full-resolution tiles after zooming in", describe=lambda: {**seen(), "tiles": len(seen()["tiles"])})
    inner = seen()["inner"]
    visible = (math.ceil(inner["width"] / size) + 1) * (math.ceil(inner["height"] / size) + 1)
    # Every visible tile arrives (the stand-ins under them then leave the DOM).
    wait_until(lambda: len(on_top()) == len([t for t in seen()["tiles"] if f"/tiles/{top_level}/" in t["src"]])
               and len(seen()["tiles"]) <= visible + 8, 15, "the visible full-resolution tiles to arrive",
               describe=lambda: [t["src"] for t in seen()["tiles"]])
    requested = browser.js("return performance.getEntriesByType('resource')"
                           f".filter((e) => e.name.includes('/tiles/{top_level}/')).length")
    assert 0 < len(on_top()) <= visible, f"{len(on_top())} full-resolution tiles drawn, at most {visible} are visible"
    assert requested < top_count, f"{requested} of the top level's {top_count} tiles were requested"
    ctx.note(f"large image: {len(on_top())} full-resolution tiles drawn, {requested} of {top_count} requested")
    browser.press(Keys.ARROW_RIGHT)
    browser.press(Keys.ARROW_DOWN)
    time.sleep(0.3)
    browser.screenshot(ctx.screenshot_dir / "image_field-large-zoomed.png")
    browser.press("0")
    wait_until(lambda: seen()["level"] < top_level, 5, "0 to fit the large image again")
