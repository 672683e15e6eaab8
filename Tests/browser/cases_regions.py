"""Browser test of the region questions (js/questions/boxes.js, polygons.js, regions.js) on the annotate page:
boxes drawn by mouse and by keyboard alone, moved, grown, turned, relabelled, undone and redone; polygons
clicked point by point and drawn with the keyboard cross, a point taken back while drawing and a crossing
polygon refused with a visible message; the list's hover, hide and lock; the page in Chinese; an answer
given while the server is stopped and stored once it is back. Every stored answer is read back from the
export in image pixels."""

from __future__ import annotations

import math
import time

from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.actions.action_builder import ActionBuilder
from selenium.webdriver.common.keys import Keys

from browser import wait_until
from context import TestContext
from images import grid_png
from pages import CJK, RAW_TRANSLATION_KEY, AnnotatePage, sign_in

MANAGER = "regions.manager@browser.test"
ANNOTATOR = "regions.annotator@browser.test"
IMAGE = (640, 400)
SCHEMA = {
    "fields": [{"name": "photo", "type": "image", "label": "Photo"}, {"name": "caption", "type": "text"}],
    "questions": [
        {"name": "hazards", "type": "boxes", "field": "photo", "labels": ["person", "smoke"], "rotation": True},
        {"name": "cracks", "type": "polygons", "field": "photo", "labels": ["crack"]},
    ],
}
TASKS = 8

# The region questions as the page draws them, read through their DOM: the svg over the image
# (svg.lp-regions[data-question], one mark per region with data-region), the list (ul[data-regions]), the
# fieldset's problem line, and where the image is on screen (its overlay's box and the zoom).
REGIONS_SCRIPT = """
const [name] = arguments;
const svg = document.querySelector(`#task svg.lp-regions[data-question="${name}"]`);
const fieldset = document.querySelector(`#questions fieldset[data-question="${name}"]`);
const overlay = document.querySelector('#task .lp-image-overlay');
const image = document.querySelector('#task .lp-image');
if (!svg || !fieldset || !overlay) return null;
const box = overlay.getBoundingClientRect();
const width = Number(image.dataset.width || 0);
const number = (e, a) => e.hasAttribute(a) ? Number(e.getAttribute(a)) : null;
const problem = fieldset.querySelector('.lp-question-error');
const active = document.activeElement;
return {
  ready: svg.hasAttribute('viewBox'),
  left: box.left, top: box.top, scale: width ? box.width / width : 0,
  marks: Array.from(svg.querySelectorAll('.lp-region-marks [data-region]')).map((m) => ({
    id: m.dataset.region, tag: m.tagName, x: number(m, 'x'), y: number(m, 'y'), width: number(m, 'width'),
    height: number(m, 'height'), points: m.getAttribute('points'), transform: m.getAttribute('transform'),
    selected: m.classList.contains('lp-selected'), hover: m.classList.contains('lp-hover'),
    display: getComputedStyle(m).display,
  })),
  rows: Array.from(fieldset.querySelectorAll('li[data-region]')).map((r) => ({
    id: r.dataset.region, label: r.querySelector('.lp-chip').textContent,
    size: r.querySelector('.lp-region-size').textContent, hover: r.classList.contains('lp-hover'),
    selected: r.classList.contains('lp-selected'),
  })),
  count: fieldset.querySelector('.lp-region-count').textContent,
  problem: problem && !problem.hidden ? problem.textContent : null,
  active: fieldset.classList.contains('lp-active'),
  focusedImage: !!active && active.classList.contains('lp-image-viewport'),
  hint: fieldset.querySelector('.lp-hint').textContent,
};
"""

# The form module on its own: a rotation-free boxes question drops the `rotation` key (and a turned box it
# cannot show), and a read-only form shows regions without anything to edit them with.
MODULE_SCRIPT = """
const [assetId, done] = arguments;
import('/static/js/form.js').then(async ({renderForm}) => {
  const schema = {fields: [{name: 'photo', type: 'image'}], questions: [
    {name: 'plain', type: 'boxes', field: 'photo', labels: ['a']},
    {name: 'shapes', type: 'polygons', field: 'photo', labels: ['b']},
  ]};
  const result = {
    plain: [{x: 1, y: 2, width: 30, height: 40, label: 'a', id: 'k1'},
            {x: 100, y: 100, width: 30, height: 40, rotation: 30, label: 'a'},
            {x: 600, y: 300, width: 100, height: 40, label: 'a'}],
    shapes: [{points: [[10, 10], [60, 10], [60, 50]], label: 'b', id: 's1'},
             {points: [[10, 10], [700, 10], [60, 50]], label: 'b'},
             {points: [[10, 10], [60, 60], [60, 10], [10, 60]], label: 'b'}],
  };
  const seen = {};
  for (const readOnly of [false, true]) {
    const box = document.createElement('div');
    Object.assign(box.style, {position: 'fixed', left: '0', top: '0', width: '700px'});
    document.body.append(box);
    const form = renderForm(box, schema, {photo: 'asset:' + assetId}, {result, readOnly});
    const started = performance.now();
    while (!box.querySelector('svg.lp-regions[viewBox]') && performance.now() - started < 8000) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    seen[readOnly ? 'readOnly' : 'editable'] = {
      result: form.getResult(),
      marks: box.querySelectorAll('.lp-region-marks [data-region]').length,
      editableSvg: box.querySelectorAll('svg.lp-regions-editable').length,
      removeButtons: box.querySelectorAll('.lp-region-remove').length,
      rows: box.querySelectorAll('li[data-region]').length,
    };
    form.destroy();
    box.remove();
  }
  done(seen);
}).catch((error) => done({error: String(error && error.stack || error)}));
"""


def upload(park, token: str, project_id: int, body: bytes) -> dict:
    return park.call("POST", f"/api/v1/projects/{project_id}/assets", token, raw=body, content_type="image/png",
                     expect=(200, 201)).json()


class Regions:
    """The region questions of the annotate page of one browser."""

    def __init__(self, browser):
        self.browser = browser

    def state(self, name: str) -> dict:
        return self.browser.js(REGIONS_SCRIPT, name)

    def wait_ready(self) -> None:
        wait_until(lambda: (self.state("hazards") or {}).get("ready") and (self.state("cracks") or {}).get("ready"),
                   10, "the region questions to know the image's size", describe=lambda: self.state("hazards"))

    def screen(self, x: float, y: float) -> tuple[float, float]:
        """The viewport point of an image point (the page scrolled to its top first: clicks on the list
        scroll it, and the image must stay in the window)."""
        self.browser.js("window.scrollTo(0, 0)")
        state = self.state("hazards")
        return state["left"] + x * state["scale"], state["top"] + y * state["scale"]

    def image_point(self, screen: tuple[int, int]) -> tuple[float, float]:
        """The image point under an integer viewport point (what the page reads from a pointer event)."""
        state = self.state("hazards")
        return (screen[0] - state["left"]) / state["scale"], (screen[1] - state["top"]) / state["scale"]

    def click(self, x: float, y: float) -> tuple[int, int]:
        """A real click on the image point; the integer viewport point clicked."""
        sx, sy = (int(round(v)) for v in self.screen(x, y))
        builder = ActionBuilder(self.browser.driver, duration=0)
        builder.pointer_action.move_to_location(sx, sy).click()
        builder.perform()
        return sx, sy

    def drag(self, start: tuple[float, float], end: tuple[float, float]) -> tuple[tuple[int, int], tuple[int, int]]:
        """A real mouse drag between image points; the integer viewport points pressed and released."""
        a = tuple(int(round(v)) for v in self.screen(*start))
        b = tuple(int(round(v)) for v in self.screen(*end))
        self.browser.mouse_drag(a, b)
        return a, b

    def keys(self, *keys: str, hold: tuple[str, ...] = ()) -> None:
        """Key presses, with the modifiers in `hold` held down for all of them."""
        chain = ActionChains(self.browser.driver)
        for modifier in hold:
            chain.key_down(modifier)
        for key in keys:
            chain.send_keys(key)
        for modifier in reversed(hold):
            chain.key_up(modifier)
        chain.perform()

    def wait_marks(self, name: str, count: int) -> dict:
        return wait_until(lambda: (lambda s: s if s and len(s["marks"]) == count else None)(self.state(name)), 5,
                          f"{count} mark(s) of {name}", describe=lambda: self.state(name))


def box_of(mark: dict) -> tuple[float, float, float, float]:
    return mark["x"], mark["y"], mark["width"], mark["height"]


def near(a, b, tolerance: float = 1.01) -> bool:
    return all(abs(p - q) <= tolerance for p, q in zip(a, b))


def stored_results(park, manager, project_id: int, annotator) -> dict[str, list[dict]]:
    """Caption → the results stored for that task by the annotator."""
    results: dict[str, list[dict]] = {}
    for task, annotation in park.annotations_by(manager.token, project_id, annotator.user_id):
        results.setdefault(task["data"]["caption"], []).append(annotation["result"])
    return results


def wait_stored(park, manager, project_id: int, annotator, shown: str) -> dict:
    """The one stored result of the task whose caption field showed `shown` (its heading, then the caption)."""
    caption = shown.strip().splitlines()[-1]
    found = wait_until(lambda: stored_results(park, manager, project_id, annotator).get(caption), 15,
                       f"the answer to {caption!r} to be stored")
    assert len(found) == 1, f"{caption}: stored {len(found)} times: {found}"
    return found[0]


def test_regions(ctx: TestContext) -> None:
    park = ctx.park
    park.open([(MANAGER, "manager", "Mia Manager"), (ANNOTATOR, "annotator", "Ann Annotator")])
    manager, annotator = park.account(MANAGER), park.account(ANNOTATOR)
    project_id = park.create_project(manager.token, "Site photos", SCHEMA, overlap=1, lease_seconds=600)
    asset = upload(park, manager.token, project_id, grid_png(*IMAGE, cell=80, line_every=20))
    park.import_tasks(manager.token, project_id,
                      [{"data": {"photo": f"asset:{asset['id']}", "caption": f"Photo {i}"}} for i in range(TASKS)])

    browser = ctx.browser()
    sign_in(browser, park, ANNOTATOR, next_path=f"/projects/{project_id}/annotate")
    page = AnnotatePage(browser, field="caption")
    regions = Regions(browser)
    caption = page.wait_for_task()
    regions.wait_ready()
    strings = park.call("GET", "/i18n/en.json", expect=(200,)).json()["form"]

    caption = boxes_by_mouse(ctx, browser, page, regions, park, manager, project_id, annotator, caption)
    caption = boxes_and_polygon_by_keyboard(ctx, browser, page, regions, park, manager, project_id, annotator, caption)
    caption = polygons_by_mouse(ctx, browser, page, regions, park, manager, project_id, annotator, caption, strings)
    module_checks(browser, asset["id"])
    caption = chinese_page(ctx, browser, page, regions, park, project_id)
    server_stop(ctx, browser, page, regions, park, manager, project_id, annotator, caption)
    errors = ctx.console_errors(browser)
    # The stopped server's refused requests are what the outbox is for, not the page's fault.
    errors = [error for error in errors if "ERR_CONNECTION_REFUSED" not in error and "Failed to fetch" not in error]
    assert not errors, f"console errors: {errors[:5]}"


def boxes_by_mouse(ctx, browser, page, regions, park, manager, project_id, annotator, caption) -> str:
    """A box drawn by a drag lands where the pointer went; a digit relabels it; undo and redo walk the steps;
    the list and the image highlight each other; Enter submits and the server stores image pixels."""
    state = regions.state("hazards")
    assert state["active"] and state["focusedImage"], f"the first question is not active on the image: {state}"
    assert state["rows"] == [] and "N adds a box" in state["hint"], f"before drawing: {state}"
    start, end = regions.drag((100, 80), (300, 240))
    state = regions.wait_marks("hazards", 1)
    first = regions.image_point(start)
    last = regions.image_point(end)
    expected = (round(first[0]), round(first[1]), round(last[0]) - round(first[0]), round(last[1]) - round(first[1]))
    drawn = box_of(state["marks"][0])
    assert near(drawn, expected), f"the drag from {first} to {last} drew {drawn}, expected {expected}"
    assert state["marks"][0]["selected"] and state["rows"][0]["label"] == "person", f"after drawing: {state}"

    # 2 relabels the selected box; undo, redo (Ctrl+Shift+Z and Ctrl+Y) step through.
    browser.press("2")
    wait_until(lambda: regions.state("hazards")["rows"][0]["label"] == "smoke", 5, "key 2 to relabel the box")
    regions.keys("z", hold=(Keys.CONTROL,))
    wait_until(lambda: regions.state("hazards")["rows"][0]["label"] == "person", 5, "Ctrl+Z to undo the relabel")
    regions.keys("z", hold=(Keys.CONTROL,))
    wait_until(lambda: regions.state("hazards")["rows"] == [], 5, "a second Ctrl+Z to undo the box")
    regions.keys("z", hold=(Keys.CONTROL, Keys.SHIFT))
    regions.keys("y", hold=(Keys.CONTROL,))
    wait_until(lambda: [r["label"] for r in regions.state("hazards")["rows"]] == ["smoke"], 5,
               "Ctrl+Shift+Z and Ctrl+Y to redo both", describe=lambda: regions.state("hazards"))

    # The list and the image highlight each other; a click beside the box unselects it, a click selects it.
    row = browser.find('ul[data-regions="hazards"] li[data-region] .lp-region-show')
    ActionChains(browser.driver).move_to_element(row).perform()
    wait_until(lambda: regions.state("hazards")["marks"][0]["hover"], 5, "hovering the row to highlight the box")
    regions.click(500, 350)
    wait_until(lambda: not regions.state("hazards")["marks"][0]["selected"], 5, "a click beside the box to unselect it")
    regions.click(200, 160)
    state = wait_until(lambda: (lambda s: s if s["marks"][0]["selected"] else None)(regions.state("hazards")), 5,
                       "a click on the box to select it")
    assert state["marks"][0]["hover"] and state["rows"][0]["hover"], f"the box under the pointer: {state}"

    browser.press(Keys.ENTER)
    next_caption = page.wait_for_task(previous=caption)
    stored = wait_stored(park, manager, project_id, annotator, caption)
    x, y, width, height = expected
    assert stored == {"hazards": [{"x": x, "y": y, "width": width, "height": height, "label": "smoke", "rotation": 0,
                                   "id": "b1"}]}, f"stored {stored}, drew {expected}"
    ctx.note(f"a drag from image point ({first[0]:.1f}, {first[1]:.1f}) to ({last[0]:.1f}, {last[1]:.1f}) "
             f"was stored as {stored['hazards'][0]}")
    return next_caption


def boxes_and_polygon_by_keyboard(ctx, browser, page, regions, park, manager, project_id, annotator, caption) -> str:
    """Without the mouse: N adds a box, arrows move it, Alt/Ctrl+arrows grow it, < and > turn it, [ ] and
    Tab select, Delete removes and Ctrl+Z brings back; Tab reaches the polygon question, N starts a polygon,
    arrows move the cross, Space adds points, Enter closes it; Enter submits."""
    regions.wait_ready()
    state = regions.state("hazards")
    assert state["focusedImage"], "the next task did not put the focus on the image"
    scale = state["scale"]
    browser.press("n")
    state = regions.wait_marks("hazards", 1)
    x, y, width, height = box_of(state["marks"][0])
    side = max(1, min(IMAGE[0], IMAGE[1], round(min(IMAGE[0], IMAGE[1]) / 5)))
    assert width == height == side and near((x + width / 2, y + height / 2), (IMAGE[0] / 2, IMAGE[1] / 2), 1), \
        f"N added {box_of(state['marks'][0])}, expected a {side}-pixel square in the middle"
    browser.press(Keys.ARROW_RIGHT)
    browser.press(Keys.ARROW_RIGHT)
    regions.keys(Keys.ARROW_DOWN, hold=(Keys.SHIFT,))
    regions.keys(Keys.ARROW_RIGHT, hold=(Keys.ALT,))
    regions.keys(Keys.ARROW_DOWN, hold=(Keys.CONTROL, Keys.SHIFT))
    browser.press(".")
    browser.press(".")
    regions.keys(",", hold=(Keys.SHIFT,))
    expected = (x + 2, y + 10, width + 1, height + 10)
    wait_until(lambda: near(box_of(regions.state("hazards")["marks"][0]), expected, 0.01), 5,
               f"the keys to move and grow the box to {expected}", describe=lambda: regions.state("hazards")["marks"])
    mark = regions.state("hazards")["marks"][0]
    assert mark["transform"] and mark["transform"].startswith("rotate(-13 "), f"turned by 1°+1°−15°: {mark}"

    # A second box; [ and Tab select, Delete removes, Ctrl+Z brings it back.
    browser.press("n")
    state = regions.wait_marks("hazards", 2)
    assert state["marks"][1]["selected"], f"the new box is not selected: {state['marks']}"
    browser.press("[")
    wait_until(lambda: regions.state("hazards")["marks"][0]["selected"], 5, "[ to select the first box")
    browser.press(Keys.TAB)
    wait_until(lambda: regions.state("hazards")["marks"][1]["selected"], 5, "Tab to select the next box")
    browser.press(Keys.DELETE)
    regions.wait_marks("hazards", 1)
    regions.keys("z", hold=(Keys.CONTROL,))
    regions.wait_marks("hazards", 2)
    browser.press(Keys.ESCAPE)
    browser.press("]")
    browser.press("]")
    wait_until(lambda: regions.state("hazards")["marks"][1]["selected"], 5, "] ] to select the second box")
    browser.press(Keys.BACKSPACE)
    regions.wait_marks("hazards", 1)

    # Tab out of the image to the polygon question's label, Space on it: back on the image, polygons active.
    for _ in range(30):
        if browser.js("return document.activeElement.matches('fieldset[data-question=\"cracks\"] button[data-option]')"):
            break
        browser.press(Keys.TAB)
    else:
        raise AssertionError("Tab never reached the polygon question's label")
    browser.press(Keys.SPACE)
    wait_until(lambda: regions.state("cracks")["active"] and regions.state("cracks")["focusedImage"], 5,
               "the label button to activate the polygons and focus the image")
    step = max(1, round(10 / scale))
    browser.press("n")
    browser.press(Keys.SPACE)
    for key in (Keys.ARROW_RIGHT,) * 5 + (Keys.SPACE,) + (Keys.ARROW_DOWN,) * 5 + (Keys.SPACE, Keys.ENTER):
        browser.press(key)
    state = regions.wait_marks("cracks", 1)
    cx, cy = round(IMAGE[0] / 2), round(IMAGE[1] / 2)
    expected_points = f"{cx},{cy} {cx + 5 * step},{cy} {cx + 5 * step},{cy + 5 * step}"
    assert state["marks"][0]["points"] == expected_points, \
        f"the keyboard polygon is {state['marks'][0]['points']}, expected {expected_points}"

    browser.press(Keys.ENTER)
    next_caption = page.wait_for_task(previous=caption)
    stored = wait_stored(park, manager, project_id, annotator, caption)
    box = stored.get("hazards", [{}])[0]
    assert (box.get("x"), box.get("y"), box.get("width"), box.get("height"), box.get("rotation"), box.get("label")) == \
        (*expected, -13, "person"), f"stored box {stored.get('hazards')}, expected {expected} turned -13°"
    polygon = stored.get("cracks", [{}])[0]
    assert polygon.get("points") == [[cx, cy], [cx + 5 * step, cy], [cx + 5 * step, cy + 5 * step]] and \
        polygon.get("label") == "crack", f"stored polygon {stored.get('cracks')}"
    ctx.note(f"by keyboard alone: {stored}")
    return next_caption


def polygons_by_mouse(ctx, browser, page, regions, park, manager, project_id, annotator, caption, strings) -> str:
    """Clicks add points, Backspace takes one back, Enter closes; a crossing polygon is refused with the
    message shown; a box is turned by its round handle; hide and lock from the list."""
    regions.wait_ready()
    browser.click('fieldset[data-question="cracks"] button[data-option="crack"]')
    wait_until(lambda: regions.state("cracks")["active"], 5, "a click on the label to activate the polygons")
    clicked = [regions.click(x, y) for x, y in ((60, 60), (220, 70), (180, 220), (400, 380))]
    browser.press(Keys.BACKSPACE)
    browser.press(Keys.ENTER)
    state = regions.wait_marks("cracks", 1)
    expected = [[round(v) for v in regions.image_point(point)] for point in clicked[:3]]
    assert state["marks"][0]["points"] == " ".join(f"{x},{y}" for x, y in expected), \
        f"the clicked polygon is {state['marks'][0]['points']}, expected {expected}"

    # A bow tie: refused with the message, nothing added; Escape gives it up.
    for x, y in ((300, 60), (500, 260), (500, 60), (300, 260)):
        regions.click(x, y)
    browser.press(Keys.ENTER)
    state = wait_until(lambda: (lambda s: s if s["problem"] else None)(regions.state("cracks")), 5,
                       "a message refusing the crossing polygon")
    assert state["problem"] == strings["polygonCrosses"] and len(state["marks"]) == 1, f"crossing polygon: {state}"
    assert browser.js("return document.querySelector('fieldset[data-question=\"cracks\"] .lp-question-error')"
                      ".getBoundingClientRect().height") > 0, "the refusal is not visible"
    browser.js("document.querySelector('fieldset[data-question=\"cracks\"] .lp-question-error')"
               ".scrollIntoView({block: 'center'})")
    browser.screenshot(ctx.screenshot_dir / "regions-crossing.png")
    browser.press(Keys.ESCAPE)

    # A box turned by its round handle: the handle pointed right is a quarter turn clockwise.
    browser.click('fieldset[data-question="hazards"] button[data-option="person"]')
    regions.drag((420, 200), (560, 300))
    state = regions.wait_marks("hazards", 1)
    handle = browser.js("const r = document.querySelector('#task .lp-turn-handle').getBoundingClientRect();"
                        "return [r.left + r.width / 2, r.top + r.height / 2]")
    centre = regions.screen(490, 250)
    browser.mouse_drag(handle, (centre[0] + 120, centre[1]))
    wait_until(lambda: (regions.state("hazards")["marks"][0]["transform"] or "").startswith("rotate(90 "), 5,
               "the round handle to turn the box a quarter", describe=lambda: regions.state("hazards")["marks"])

    # Lock: the arrows are refused with a message; hide: the mark goes, the count says so.
    browser.click('ul[data-regions="hazards"] .lp-region-lock')
    browser.js("document.querySelector('#task .lp-image-viewport').focus()")
    browser.click('ul[data-regions="hazards"] .lp-region-show')
    browser.js("document.querySelector('#task .lp-image-viewport').focus()")
    browser.press(Keys.ARROW_LEFT)
    state = wait_until(lambda: (lambda s: s if s["problem"] else None)(regions.state("hazards")), 5,
                       "an arrow on a locked box to be refused")
    assert state["problem"] == strings["regionLocked"], f"locked box: {state['problem']!r}"
    browser.click('ul[data-regions="hazards"] .lp-region-hide')
    state = wait_until(lambda: (lambda s: s if s["marks"][0]["display"] == "none" else None)(regions.state("hazards")),
                       5, "the hide button to hide the box")
    assert "hidden" in state["count"], f"the count does not say a box is hidden: {state['count']!r}"
    browser.click('ul[data-regions="hazards"] .lp-region-hide')

    browser.js("document.querySelector('#task .lp-image-viewport').focus()")
    browser.press(Keys.ENTER)
    next_caption = page.wait_for_task(previous=caption)
    stored = wait_stored(park, manager, project_id, annotator, caption)
    assert stored.get("cracks") == [{"points": expected, "label": "crack", "id": "p1"}], f"stored {stored.get('cracks')}"
    box = stored["hazards"][0]
    assert box["rotation"] == 90 and box["label"] == "person", f"stored turned box {box}"
    # A quarter turn about the centre keeps the turned corners inside the image.
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    assert cx - box["height"] / 2 >= 0 and cx + box["height"] / 2 <= IMAGE[0] and cy - box["width"] / 2 >= 0 \
        and cy + box["width"] / 2 <= IMAGE[1], f"the turned box {box} leaves the image"
    return next_caption


def module_checks(browser, asset_id: int) -> None:
    seen = browser.driver.execute_async_script(MODULE_SCRIPT, asset_id)
    assert "error" not in seen, f"the form module failed: {seen['error']}"
    editable, read_only = seen["editable"], seen["readOnly"]
    # What a question cannot show is left out: a turned box where rotation is not allowed, a box or a polygon
    # past the image's edge, a polygon enclosing no area. A question without rotation answers no `rotation`.
    assert editable["result"]["plain"] == [{"x": 1, "y": 2, "width": 30, "height": 40, "label": "a", "id": "k1"}], \
        f"a boxes question without rotation answers {editable['result']['plain']}"
    assert editable["result"]["shapes"] == [{"points": [[10, 10], [60, 10], [60, 50]], "label": "b", "id": "s1"}], \
        f"polygons read back as {editable['result']['shapes']}"
    assert read_only["marks"] == 2 and read_only["rows"] == 2 and read_only["editableSvg"] == 0 \
        and read_only["removeButtons"] == 0, f"read-only form: {read_only}"
    assert editable["editableSvg"] == 2 and editable["removeButtons"] == 2, f"editable form: {editable}"


def chinese_page(ctx, browser, page, regions, park, project_id) -> str:
    page.open(park, project_id, "?lang=zh-CN")
    caption = page.wait_for_task()
    regions.wait_ready()
    regions.drag((80, 60), (260, 200))
    regions.wait_marks("hazards", 1)
    browser.js("document.querySelector('fieldset[data-question=\"hazards\"] details.lp-region-keys').open = true")
    state = regions.state("hazards")
    assert CJK.search(state["hint"]) and CJK.search(state["count"]) and CJK.search(state["rows"][0]["size"]), \
        f"zh-CN: {state['hint']!r} {state['count']!r} {state['rows'][0]['size']!r}"
    text = browser.text_of("#questions") or ""
    labels = browser.js("return Array.from(document.querySelectorAll('#questions [aria-label], #questions [title]'))"
                        ".map((e) => (e.getAttribute('aria-label') || '') + ' ' + (e.getAttribute('title') || ''))")
    raw = RAW_TRANSLATION_KEY.findall(text + " " + " ".join(labels))
    assert not raw, f"zh-CN: untranslated keys on screen: {raw[:5]}"
    browser.shoot_whole("#workspace", ctx.screenshot_dir / "regions-zh-CN.png")
    browser.js("document.querySelector('#task .lp-image-viewport').focus()")
    # Back to English for the rest (the choice is remembered).
    page.open(park, project_id, "?lang=en")
    caption = page.wait_for_task()
    regions.wait_ready()
    return caption


def server_stop(ctx, browser, page, regions, park, manager, project_id, annotator, caption) -> None:
    """A box drawn and submitted while the server is stopped waits in the outbox and is stored, once, when
    the server is back."""
    regions.drag((40, 40), (140, 120))
    regions.wait_marks("hazards", 1)
    mark = regions.state("hazards")["marks"][0]
    drawn = box_of(mark)
    exit_code = park.stop()
    if exit_code != 0:
        ctx.note(f"the server's SIGTERM exit code was {exit_code}, expected 0")
    browser.js("document.querySelector('#task .lp-image-viewport').focus()")
    browser.press(Keys.ENTER)
    page.wait_for_task(previous=caption, timeout=10)
    page.wait_for_pending(1, 10)
    started = time.monotonic()
    park.start()
    page.wait_for_pending(0, 45)
    stored = wait_stored(park, manager, project_id, annotator, caption)
    box = stored["hazards"][0]
    assert (box["x"], box["y"], box["width"], box["height"]) == drawn, f"stored {box} after the restart, drew {drawn}"
    ctx.note(f"the answer given with the server stopped was stored {time.monotonic() - started:.1f} s after the "
             f"restart: {box}")
