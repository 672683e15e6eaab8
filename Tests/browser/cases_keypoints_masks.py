"""Browser test of the keypoints and masks questions (js/questions/keypoints.js, masks.js, mask-rle.js,
mask-brush.js) on the annotate page: a keypoint instance placed by mouse (every point, one occluded, one
passed over), relabelled, undone and redone and a point dragged; one placed by keyboard alone, a point
chosen and moved and a missing one placed afterwards; a mask painted with the brush and partly erased, undone
and redone, and a second one painted with the keyboard brush; every stored answer read back through the
export and, for masks, decoded with pycocotools and compared pixel by pixel with what the brush rule paints.
Then pycocotools' own counts strings are decoded in the browser; the page in Chinese; screenshots of both
languages."""

from __future__ import annotations

import math

from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.actions.action_builder import ActionBuilder
from selenium.webdriver.common.keys import Keys

from browser import wait_until
from cases_regions import upload, wait_stored
from context import TestContext
from images import grid_png
from pages import CJK, RAW_TRANSLATION_KEY, AnnotatePage, sign_in

MANAGER = "pose.manager@browser.test"
ANNOTATOR = "pose.annotator@browser.test"
IMAGE = (640, 400)
POINTS = ["head", "neck", "left_hand", "right_hand"]
SCHEMA = {
    "fields": [{"name": "photo", "type": "image", "label": "Photo"}, {"name": "caption", "type": "text"}],
    "questions": [
        {"name": "pose", "type": "keypoints", "field": "photo", "labels": ["person", "horse"], "points": POINTS,
         "skeleton": [["head", "neck"], ["neck", "left_hand"], ["neck", "right_hand"]]},
        {"name": "seg", "type": "masks", "field": "photo", "labels": ["coal", "water"]},
    ],
}
TASKS = 8

# A region question as the page draws it, read through its DOM: the svg over the image
# (svg.lp-regions[data-question]; keypoint instances are <g data-region> of circles with data-point), the
# masks' canvases (div.lp-region-marks[data-question] canvas[data-region]), the list, the hint, the problem
# line, the brush's controls and outline, and where the image is on screen.
STATE_SCRIPT = """
const [name] = arguments;
const fieldset = document.querySelector(`#questions fieldset[data-question="${name}"]`);
const svg = document.querySelector(`#task svg.lp-regions[data-question="${name}"]`);
const pictures = document.querySelector(`#task div.lp-region-marks[data-question="${name}"]`);
const overlay = document.querySelector('#task .lp-image-overlay');
const image = document.querySelector('#task .lp-image');
if (!svg || !fieldset || !overlay) return null;
const box = overlay.getBoundingClientRect();
const width = Number(image.dataset.width || 0);
const number = (e, a) => e && e.hasAttribute(a) ? Number(e.getAttribute(a)) : null;
const shown = (e) => !!e && e.getAttribute('display') !== 'none' && getComputedStyle(e).display !== 'none';
const problem = fieldset.querySelector('.lp-question-error');
const active = document.activeElement;
const marks = pictures ? Array.from(pictures.querySelectorAll('canvas[data-region]'))
  : Array.from(svg.querySelectorAll('.lp-region-marks [data-region]'));
const cursor = svg.querySelector('.lp-brush');
const tag = svg.querySelector('.lp-keypoint-tag');
const size = fieldset.querySelector('.lp-mask-size');
return {
  ready: svg.hasAttribute('viewBox'),
  left: box.left, top: box.top, scale: width ? box.width / width : 0,
  marks: marks.map((m) => ({
    id: m.dataset.region, selected: m.classList.contains('lp-selected'), shown: shown(m),
    joints: Array.from(m.querySelectorAll('.lp-joint')).map((j) => [Number(j.dataset.point), number(j, 'cx'),
      number(j, 'cy'), j.classList.contains('lp-occluded')]),
    bones: m.querySelectorAll('.lp-bone').length,
    box: m.tagName === 'CANVAS' ? [parseFloat(m.style.left), parseFloat(m.style.top), parseFloat(m.style.width),
      parseFloat(m.style.height)] : null,
  })),
  rows: Array.from(fieldset.querySelectorAll('li[data-region]')).map((r) => ({
    id: r.dataset.region, label: r.querySelector('.lp-chip').textContent,
    size: r.querySelector('.lp-region-size').textContent, selected: r.classList.contains('lp-selected'),
  })),
  count: fieldset.querySelector('.lp-region-count').textContent,
  problem: problem && !problem.hidden ? problem.textContent : null,
  active: fieldset.classList.contains('lp-active'),
  focusedImage: !!active && active.classList.contains('lp-image-viewport'),
  hint: fieldset.querySelector('.lp-hint').textContent,
  tag: shown(tag) ? tag.textContent : null,
  handles: Array.from(svg.querySelectorAll('.lp-joint-handle')).map((h) => [Number(h.dataset.handle),
    h.classList.contains('lp-current')]),
  brush: size ? {size: Number(size.dataset.size), mode: fieldset.querySelector('.lp-mask-tools').dataset.mode,
    cursor: shown(cursor) ? [number(cursor, 'cx'), number(cursor, 'cy')] : null} : null,
};
"""

# pycocotools' counts strings decoded by the page's own module, and a read-only form showing keypoints and
# masks from a result.
DECODE_SCRIPT = """
const [vectors, assetId, done] = arguments;
Promise.all([import('/static/js/questions/mask-rle.js'), import('/static/js/form.js')]).then(async ([rle, {renderForm}]) => {
  const decoded = vectors.map((v) => {
    const found = rle.cropFromRle({size: [v.height, v.width], counts: v.counts});
    if (!found) return null;
    const {crop} = found;
    const again = rle.cocoRle(crop, v.height, v.width).counts;
    return {x: crop.x, y: crop.y, width: crop.width, height: crop.height, area: crop.area, again,
            covers: v.probes.map(([x, y]) => rle.cropCovers(crop, x, y))};
  });
  const schema = {fields: [{name: 'photo', type: 'image'}], questions: [
    {name: 'pose', type: 'keypoints', field: 'photo', labels: ['person'], points: ['a', 'b', 'c'],
     skeleton: [['a', 'b'], ['b', 'c']]},
    {name: 'seg', type: 'masks', field: 'photo', labels: ['coal']},
  ]};
  const result = {
    pose: [{points: {a: [10, 10, 2], b: [50, 40, 1]}, label: 'person', id: 'k9'},
           {points: {a: [700, 10, 2]}, label: 'person'},
           {points: {zz: [1, 1, 2]}, label: 'person'}],
    seg: [{rle: {size: [400, 640], counts: vectors[0].counts}, label: 'coal', id: 'm9'},
          {rle: {size: [10, 10], counts: '0d3'}, label: 'coal'}],
  };
  const seen = {decoded};
  for (const readOnly of [false, true]) {
    const box = document.createElement('div');
    Object.assign(box.style, {position: 'fixed', left: '0', top: '0', width: '700px'});
    document.body.append(box);
    const form = renderForm(box, schema, {photo: 'asset:' + assetId}, {result, readOnly});
    const started = performance.now();
    while (!box.querySelector('svg.lp-regions[viewBox] ~ svg.lp-regions[viewBox]') && performance.now() - started < 8000) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
    const canvas = box.querySelector('div.lp-region-marks canvas[data-region]');
    let painted = 0;
    if (canvas && canvas.width > 0) {
      const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
      for (let i = 3; i < data.length; i += 4) if (data[i] > 0) painted += 1;
    }
    seen[readOnly ? 'readOnly' : 'editable'] = {
      result: form.getResult(),
      joints: box.querySelectorAll('g[data-region] .lp-joint').length,
      bones: box.querySelectorAll('g[data-region] .lp-bone').length,
      canvas: canvas ? {left: canvas.style.left, top: canvas.style.top, width: canvas.width, height: canvas.height,
                        painted} : null,
      rows: Array.from(box.querySelectorAll('li[data-region] .lp-region-size')).map((e) => e.textContent),
      brushTools: box.querySelectorAll('.lp-mask-tools').length,
      removeButtons: box.querySelectorAll('.lp-region-remove').length,
    };
    form.destroy();
    box.remove();
  }
  done(seen);
}).catch((error) => done({error: String(error && error.stack || error)}));
"""


class Marks:
    """The keypoints and masks questions of the annotate page of one browser."""

    def __init__(self, browser):
        self.browser = browser

    def state(self, name: str) -> dict:
        return self.browser.js(STATE_SCRIPT, name)

    def wait_ready(self) -> None:
        wait_until(lambda: (self.state("pose") or {}).get("ready") and (self.state("seg") or {}).get("ready"), 10,
                   "the questions to know the image's size", describe=lambda: self.state("pose"))

    def screen(self, x: float, y: float) -> tuple[int, int]:
        """The integer viewport point nearest the image point (the page scrolled to its top first)."""
        self.browser.js("window.scrollTo(0, 0)")
        state = self.state("pose")
        return int(round(state["left"] + x * state["scale"])), int(round(state["top"] + y * state["scale"]))

    def image_point(self, screen: tuple[int, int]) -> tuple[float, float]:
        state = self.state("pose")
        return (screen[0] - state["left"]) / state["scale"], (screen[1] - state["top"]) / state["scale"]

    def pixel(self, screen: tuple[int, int]) -> list[int]:
        """What the page stores for a press there: the image point rounded to whole pixels, inside the image."""
        x, y = self.image_point(screen)
        return [min(IMAGE[0], max(0, math.floor(x + 0.5))), min(IMAGE[1], max(0, math.floor(y + 0.5)))]

    def click(self, x: float, y: float, shift: bool = False) -> tuple[int, int]:
        """A real click on the image point (with Shift held down for it if asked); the viewport point clicked."""
        point = self.screen(x, y)
        builder = ActionBuilder(self.browser.driver, duration=0)
        keys, pointer = builder.key_action, builder.pointer_action
        # One tick per action, each source pausing while the other acts.
        if shift:
            keys.key_down(Keys.SHIFT)
            pointer.pause(0)
        for act in (lambda: pointer.move_to_location(*point), pointer.pointer_down, pointer.pointer_up):
            act()
            keys.pause(0)
        if shift:
            keys.key_up(Keys.SHIFT)
            pointer.pause(0)
        builder.perform()
        return point

    def hover(self, point: tuple[int, int]) -> None:
        builder = ActionBuilder(self.browser.driver, duration=0)
        builder.pointer_action.move_to_location(*point)
        builder.perform()

    def keys(self, *keys: str, hold: tuple[str, ...] = ()) -> None:
        chain = ActionChains(self.browser.driver)
        for modifier in hold:
            chain.key_down(modifier)
        for key in keys:
            chain.send_keys(key)
        for modifier in reversed(hold):
            chain.key_up(modifier)
        chain.perform()

    def wait(self, name: str, what: str, condition, timeout: float = 5):
        return wait_until(lambda: (lambda s: s if s and condition(s) else None)(self.state(name)), timeout, what,
                          describe=lambda: self.state(name))


def cocotools():
    """numpy and pycocotools' mask module, imported here so that the other tests run without them."""
    try:
        import numpy
        from pycocotools import mask
    except ImportError as error:
        raise AssertionError(f"this test reads masks with pycocotools: pip install pycocotools ({error})") from error
    return numpy, mask


# MARK: the brush rule, as masks.js and mask-brush.js apply it


def brush_centre(point: tuple[float, float], size: int) -> tuple[float, float]:
    x, y = point
    if size % 2 == 1:
        return math.floor(x) + 0.5, math.floor(y) + 0.5
    return math.floor(x + 0.5), math.floor(y + 0.5)


def stroke_pixels(a, b, size: int) -> set[tuple[int, int]]:
    """The pixels (x, y) whose centres lie within size / 2 of the segment a–b, inside the image: the same
    arithmetic as mask-brush.js, so the same doubles decide."""
    radius = size / 2
    limit = radius * radius
    left = max(0, math.floor(min(a[0], b[0]) - radius))
    top = max(0, math.floor(min(a[1], b[1]) - radius))
    right = min(IMAGE[0] - 1, math.ceil(max(a[0], b[0]) + radius))
    bottom = min(IMAGE[1] - 1, math.ceil(max(a[1], b[1]) + radius))
    dx, dy = b[0] - a[0], b[1] - a[1]
    length = dx * dx + dy * dy
    pixels = set()
    for px in range(left, right + 1):
        ox = px + 0.5 - a[0]
        for py in range(top, bottom + 1):
            oy = py + 0.5 - a[1]
            along = (ox * dx + oy * dy) / length if length > 0 else 0
            along = min(1, max(0, along))
            ex, ey = ox - along * dx, oy - along * dy
            if ex * ex + ey * ey <= limit:
                pixels.add((px, py))
    return pixels


def decoded_pixels(rle: dict) -> set[tuple[int, int]]:
    """The pixels of a stored mask, decoded by pycocotools."""
    assert rle["size"] == [IMAGE[1], IMAGE[0]], f"the RLE's size is {rle['size']}, the image is {IMAGE[1]} × {IMAGE[0]}"
    np, coco_mask = cocotools()
    bitmap = coco_mask.decode({"size": rle["size"], "counts": rle["counts"].encode()})
    ys, xs = np.nonzero(bitmap)
    return set(zip(xs.tolist(), ys.tolist()))


def compare(stored: set, expected: set, what: str, ctx: TestContext) -> None:
    """The stored mask against the expected pixels: exact is expected (no anti-aliasing); a mismatch of more
    than half a percent fails, any mismatch is noted."""
    missing = len(expected - stored)
    extra = len(stored - expected)
    ctx.note(f"{what}: stored {len(stored)} px, expected {len(expected)} px, {missing} missing, {extra} extra")
    assert missing + extra <= max(2, len(expected) // 200), \
        f"{what}: {missing} expected pixels missing and {extra} extra (stored {len(stored)}, expected {len(expected)})"


def test_keypoints_masks(ctx: TestContext) -> None:
    cocotools()
    park = ctx.park
    park.open([(MANAGER, "manager", "Mia Manager"), (ANNOTATOR, "annotator", "Ann Annotator")])
    manager, annotator = park.account(MANAGER), park.account(ANNOTATOR)
    project_id = park.create_project(manager.token, "Pose and seams", SCHEMA, overlap=1, lease_seconds=600)
    asset = upload(park, manager.token, project_id, grid_png(*IMAGE, cell=80, line_every=20))
    park.import_tasks(manager.token, project_id,
                      [{"data": {"photo": f"asset:{asset['id']}", "caption": f"Scene {i}"}} for i in range(TASKS)])

    browser = ctx.browser()
    sign_in(browser, park, ANNOTATOR, next_path=f"/projects/{project_id}/annotate")
    page = AnnotatePage(browser, field="caption")
    marks = Marks(browser)
    caption = page.wait_for_task()
    marks.wait_ready()
    strings = park.call("GET", "/i18n/en.json", expect=(200,)).json()["form"]
    shortcuts_listed(browser, strings)

    def stored(shown):
        return wait_stored(park, manager, project_id, annotator, shown)

    caption = keypoints_by_mouse(ctx, browser, page, marks, stored, caption)
    caption = keypoints_by_keyboard(ctx, browser, page, marks, stored, caption)
    caption = masks_by_brush(ctx, browser, page, marks, stored, caption, strings)
    decode_checks(ctx, browser, asset["id"])
    chinese_page(ctx, browser, page, marks, park, project_id)
    errors = ctx.console_errors(browser)
    assert not errors, f"console errors: {errors[:5]}"


def shortcuts_listed(browser, strings) -> None:
    """The page's list of shortcuts names the project's marking kinds and their keys, the keys they share
    once, and not the keys for marking text (no question here marks text)."""
    text = wait_until(lambda: browser.text_of("#kind-shortcuts"), 5, "the kinds' shortcuts to be listed")
    for key in ("keypointsKeysHeading", "masksKeysHeading", "regionsKeysHeading", "keypointKeysSkipMeaning",
                "maskKeysToolsMeaning", "regionKeysRemoveMeaning"):
        wanted = strings[key]
        assert wanted[:1].upper() + wanted[1:] in text, f"#kind-shortcuts does not list {key} ({wanted!r}): {text[:300]!r}"
    shared = strings["regionKeysRemoveMeaning"]
    assert text.count(shared[:1].upper() + shared[1:]) == 1, "the keys every region kind has are listed more than once"
    assert strings["boxesKeysHeading"] not in text, "#kind-shortcuts lists boxes, which this project does not ask"
    assert not browser.find("#spans-shortcuts").is_displayed(), "the keys for marking text are listed, with no text to mark"


def keypoints_by_mouse(ctx, browser, page, marks, stored, caption) -> str:
    """Clicks place the points in order; the hint and the tag name the next; Shift+click places one occluded,
    X passes over one; the last click ends the instance. 2 relabels it, Ctrl+Z and Ctrl+Y walk back and forth,
    and a drag moves a point."""
    state = marks.state("pose")
    assert state["active"] and state["focusedImage"], f"the keypoints question is not active on the image: {state}"
    assert "“head”" in state["hint"], f"before placing, the hint does not name the first point: {state['hint']!r}"
    head = marks.click(120, 60)
    state = marks.wait("pose", "the hint to name the next point", lambda s: "“neck”" in s["hint"])
    assert state["marks"] == [], f"an instance was added after one point: {state['marks']}"
    marks.hover(marks.screen(160, 100))
    marks.wait("pose", "the tag by the pointer to name the next point", lambda s: s["tag"] == "neck")
    neck = marks.click(130, 120, shift=True)
    marks.wait("pose", "the hint to name left_hand", lambda s: "“left_hand”" in s["hint"])
    browser.press("x")
    marks.wait("pose", "X to pass over left_hand", lambda s: "“right_hand”" in s["hint"])
    right = marks.click(200, 180)
    state = marks.wait("pose", "the last point to end the instance", lambda s: len(s["marks"]) == 1)
    mark = state["marks"][0]
    expected = {"head": marks.pixel(head) + [2], "neck": marks.pixel(neck) + [1], "right_hand": marks.pixel(right) + [2]}
    shown = {POINTS[index]: [x, y, 1 if hidden else 2] for index, x, y, hidden in mark["joints"]}
    assert shown == expected, f"the instance shows {shown}, the clicks were {expected}"
    assert mark["bones"] == 2 and mark["selected"], f"head–neck and neck–right_hand drawn, selected: {mark}"
    assert state["rows"][0]["label"] == "person" and "3" in state["rows"][0]["size"], f"the list: {state['rows']}"

    browser.press("2")
    marks.wait("pose", "2 to relabel the instance", lambda s: s["rows"][0]["label"] == "horse")
    marks.keys("z", hold=(Keys.CONTROL,))
    marks.wait("pose", "Ctrl+Z to undo the relabel", lambda s: s["rows"][0]["label"] == "person")
    marks.keys("z", hold=(Keys.CONTROL,))
    marks.wait("pose", "a second Ctrl+Z to undo the instance", lambda s: s["rows"] == [])
    marks.keys("y", hold=(Keys.CONTROL,))
    marks.keys("y", hold=(Keys.CONTROL,))
    marks.wait("pose", "Ctrl+Y twice to redo both", lambda s: [r["label"] for r in s["rows"]] == ["horse"])

    # A drag on the head point moves it (the instance is selected: its point's handle takes the press).
    browser.press("[")
    marks.wait("pose", "[ to select the instance", lambda s: s["marks"] and s["marks"][0]["selected"])
    start = marks.screen(*expected["head"][:2])
    end = (start[0] + 30, start[1] + 15)
    browser.mouse_drag(start, end)
    moved = marks.pixel(end) + [2]
    head_at = lambda s: next(joint[1:3] for joint in s["marks"][0]["joints"] if joint[0] == 0)  # noqa: E731
    marks.wait("pose", "the drag to move the head", lambda s: head_at(s) == moved[:2])
    expected["head"] = moved
    browser.screenshot(ctx.screenshot_dir / "keypoints-en.png")

    browser.js("document.querySelector('#task .lp-image-viewport').focus()")
    browser.press(Keys.ENTER)
    next_caption = page.wait_for_task(previous=caption)
    result = stored(caption)
    assert result == {"pose": [{"points": expected, "label": "horse", "id": "k1"}]}, \
        f"stored {result}, expected the instance {expected}"
    ctx.note(f"keypoints by mouse stored as {result['pose'][0]}")
    return next_caption


def keypoints_by_keyboard(ctx, browser, page, marks, stored, caption) -> str:
    """Without the mouse: N puts a cross in the middle of the view, arrows move it and Space places each
    point (Ctrl+Z takes one back); O marks one occluded, X passes over one; then . chooses a point, the arrows
    move it, and P places the point passed over."""
    marks.wait_ready()
    state = marks.state("pose")
    assert state["focusedImage"], "the next task did not put the focus on the image"
    step = max(1, round(10 / state["scale"]))
    cx, cy = round(IMAGE[0] / 2), round(IMAGE[1] / 2)
    browser.press("n")
    marks.wait("pose", "N to start placing", lambda s: "“head”" in s["hint"] and s["tag"] == "head")
    browser.press(Keys.SPACE)                                # head at the centre
    marks.wait("pose", "Space to place the head", lambda s: "“neck”" in s["hint"])
    marks.keys("z", hold=(Keys.CONTROL,))                    # Ctrl+Z while placing takes it back …
    marks.wait("pose", "Ctrl+Z to take the head back", lambda s: "“head”" in s["hint"])
    browser.press(Keys.SPACE)                                # … and Space places it again
    for key in (Keys.ARROW_DOWN,) * 3:
        browser.press(key)
    browser.press(Keys.SPACE)                                # neck, 3 steps down
    browser.press("o")                                       # … occluded
    browser.press("x")                                       # no left hand
    for key in (Keys.ARROW_RIGHT,) * 4:
        browser.press(key)
    browser.press(Keys.SPACE)                                # right hand, 4 steps right of the neck
    state = marks.wait("pose", "the keyboard instance", lambda s: len(s["marks"]) == 1)
    expected = {"head": [cx, cy, 2], "neck": [cx, cy + 3 * step, 1], "right_hand": [cx + 4 * step, cy + 3 * step, 2]}

    # . chooses the first point (head); → and Shift+↓ move it; Escape lets the point go.
    browser.press(".")
    state = marks.wait("pose", ". to choose the head", lambda s: (0, True) in [tuple(h) for h in s["handles"]])
    assert "“head”" in state["hint"], f"the hint does not name the chosen point: {state['hint']!r}"
    browser.press(Keys.ARROW_RIGHT)
    marks.keys(Keys.ARROW_DOWN, hold=(Keys.SHIFT,))
    expected["head"] = [cx + 1, cy + 10, 2]
    browser.press(Keys.ESCAPE)
    # P places the missing left hand: the cross starts in the middle again.
    browser.press("p")
    marks.wait("pose", "P to ask for the left hand", lambda s: "“left_hand”" in s["hint"])
    for key in (Keys.ARROW_LEFT,) * 2:
        browser.press(key)
    browser.press(Keys.SPACE)
    expected["left_hand"] = [cx - 2 * step, cy, 2]
    expected = {name: expected[name] for name in POINTS}
    state = marks.wait("pose", "the left hand to be placed", lambda s: len(s["marks"][0]["joints"]) == 4)
    # Tab leaves the one instance, then the image: Escape instead, and Enter submits.
    browser.press(Keys.ESCAPE)
    browser.press(Keys.ENTER)
    next_caption = page.wait_for_task(previous=caption)
    result = stored(caption)
    assert result == {"pose": [{"points": expected, "label": "person", "id": "k1"}]}, \
        f"stored {result}, expected {expected}"
    ctx.note(f"keypoints by keyboard alone stored as {result['pose'][0]}")
    return next_caption


def masks_by_brush(ctx, browser, page, marks, stored, caption, strings) -> str:
    """A horizontal stroke of the brush, a vertical one of the eraser through it, undo and redo; then a second
    mask with another label painted with the keyboard brush; hide and lock from the list. The stored RLEs
    decode to exactly the pixels the brush rule paints."""
    marks.wait_ready()
    browser.click('fieldset[data-question="seg"] button[data-option="coal"]')
    state = marks.wait("seg", "a click on the label to activate the masks", lambda s: s["active"] and s["focusedImage"])
    size = state["brush"]["size"]
    assert state["brush"]["mode"] == "brush" and size >= 2, f"the brush: {state['brush']}"
    # Larger by one step, to see . work: round(size × 1.25) or one more.
    browser.press(".")
    bigger = max(size + 1, math.floor(size * 1.25 + 0.5))
    state = marks.wait("seg", ". to enlarge the brush", lambda s: s["brush"]["size"] == bigger)
    size = bigger

    start = marks.screen(150, 150)
    end = marks.screen(330, 150)
    marks.hover(start)
    a = tuple(marks.wait("seg", "the brush outline at the pointer", lambda s: s["brush"]["cursor"])["brush"]["cursor"])
    browser.mouse_drag(start, end)
    state = marks.wait("seg", "the stroke to add a mask", lambda s: len(s["marks"]) == 1)
    b = tuple(state["brush"]["cursor"])
    assert a == brush_centre(marks.image_point(start), size) and b == brush_centre(marks.image_point(end), size), \
        f"the brush's centres {a} → {b} are not the snapped pointer points"
    painted = stroke_pixels(a, b, size)
    assert state["rows"][0]["label"] == "coal" and f"{len(painted):,}" in state["rows"][0]["size"], \
        f"the list says {state['rows']}, the stroke covers {len(painted)} px"

    # The eraser, through the middle of the stroke: from the selected mask.
    browser.press("e")
    marks.wait("seg", "E to take the eraser", lambda s: s["brush"]["mode"] == "eraser")
    top = marks.screen(240, 110)
    bottom = marks.screen(240, 190)
    marks.hover(top)
    c = tuple(marks.wait("seg", "the eraser outline", lambda s: s["brush"]["cursor"])["brush"]["cursor"])
    browser.mouse_drag(top, bottom)
    left_after = painted - stroke_pixels(c, brush_centre(marks.image_point(bottom), size), size)
    state = marks.wait("seg", "the eraser to take pixels", lambda s: f"{len(left_after):,}" in s["rows"][0]["size"])
    ctx.note(f"brush {size} px: the stroke painted {len(painted)} px, {len(left_after)} px after the eraser")

    marks.keys("z", hold=(Keys.CONTROL,))
    marks.wait("seg", "Ctrl+Z to undo the eraser", lambda s: f"{len(painted):,}" in s["rows"][0]["size"])
    marks.keys("z", hold=(Keys.CONTROL, Keys.SHIFT))
    marks.wait("seg", "Ctrl+Shift+Z to redo it", lambda s: f"{len(left_after):,}" in s["rows"][0]["size"])
    browser.press("b")

    # A second mask with the keyboard brush: N, 2 (water), Space down, → × 3, Space up.
    browser.press("n")
    browser.press("2")
    state = marks.wait("seg", "N to show the keyboard brush", lambda s: s["brush"]["cursor"] and
                       not any(m["selected"] for m in s["marks"]))
    k0 = tuple(state["brush"]["cursor"])
    browser.press(Keys.SPACE)
    for _ in range(3):
        browser.press(Keys.ARROW_RIGHT)
    state = marks.state("seg")
    k1 = tuple(state["brush"]["cursor"])
    browser.press(Keys.SPACE)
    state = marks.wait("seg", "the keyboard stroke to add a second mask", lambda s: len(s["marks"]) == 2)
    keyboard_painted = stroke_pixels(k0, k1, size)
    assert [r["label"] for r in state["rows"]] == ["coal", "water"], f"the list: {state['rows']}"
    browser.press(Keys.ESCAPE)

    # Hide and lock from the list: a hidden mask's canvas goes; the eraser is refused on a locked one.
    row = 'ul[data-regions="seg"] li[data-region="m1"]'
    browser.click(f"{row} .lp-region-hide")
    marks.wait("seg", "the hide button to hide the coal mask", lambda s: not s["marks"][0]["shown"] and "1" in s["count"])
    browser.click(f"{row} .lp-region-hide")
    browser.click(f"{row} .lp-region-lock")
    browser.click(f"{row} .lp-region-show")
    browser.js("document.querySelector('#task .lp-image-viewport').focus()")
    browser.press("e")
    browser.mouse_drag(marks.screen(160, 150), marks.screen(200, 150))
    state = marks.wait("seg", "the eraser on the locked mask to be refused", lambda s: s["problem"])
    assert state["problem"] == strings["regionLocked"] and f"{len(left_after):,}" in state["rows"][0]["size"], \
        f"the locked mask: {state['problem']!r} {state['rows']}"
    browser.click(f"{row} .lp-region-lock")
    browser.js("document.querySelector('#task .lp-image-viewport').focus()")
    browser.press("b")
    browser.press(Keys.ESCAPE)
    browser.screenshot(ctx.screenshot_dir / "masks-en.png")
    browser.shoot_whole("#workspace", ctx.screenshot_dir / "keypoints-masks-en.png")

    browser.js("document.querySelector('#task .lp-image-viewport').focus()")
    browser.press(Keys.ENTER)
    next_caption = page.wait_for_task(previous=caption)
    result = stored(caption)
    assert list(result) == ["seg"] and [(m["label"], m["id"]) for m in result["seg"]] == [("coal", "m1"), ("water", "m2")], \
        f"stored {result}"
    compare(decoded_pixels(result["seg"][0]["rle"]), left_after, "the brushed and erased mask", ctx)
    compare(decoded_pixels(result["seg"][1]["rle"]), keyboard_painted, "the keyboard-brushed mask", ctx)
    ctx.note(f"stored RLE of the first mask: {result['seg'][0]['rle']['counts'][:60]}…")
    return next_caption


def decode_checks(ctx, browser, asset_id: int) -> None:
    """pycocotools' strings decode in the page to their crops and encode back unchanged; a form shows a
    result's keypoints and masks, leaving out what does not fit (a point outside the image, an unknown point
    name, a mask of another image size), and a read-only form shows them with nothing to edit."""
    np, coco_mask = cocotools()
    vectors = []
    for rects, probes in (([(100, 80, 200, 160), (350, 300, 10, 90)], [(100, 80), (299, 239), (300, 80), (355, 350)]),
                          ([(0, 0, 640, 1), (639, 0, 1, 400)], [(0, 0), (639, 399), (5, 5)]),
                          ([(17, 33, 1, 1)], [(17, 33), (17, 34)])):
        bitmap = np.zeros((IMAGE[1], IMAGE[0]), dtype=np.uint8)
        for x, y, w, h in rects:
            bitmap[y:y + h, x:x + w] = 1
        counts = coco_mask.encode(np.asfortranarray(bitmap))["counts"].decode()
        vectors.append({"height": IMAGE[1], "width": IMAGE[0], "counts": counts, "probes": probes,
                        "expected": [bool(bitmap[y, x]) for x, y in probes], "area": int(bitmap.sum()),
                        "box": [int(v) for v in coco_mask.toBbox({"size": [IMAGE[1], IMAGE[0]], "counts": counts.encode()})]})
    seen = browser.driver.execute_async_script(DECODE_SCRIPT, vectors, asset_id)
    assert "error" not in seen, f"the modules failed: {seen['error']}"
    for vector, decoded in zip(vectors, seen["decoded"]):
        assert decoded, f"the page could not decode {vector['counts'][:40]}"
        box = [decoded["x"], decoded["y"], decoded["width"], decoded["height"]]
        assert box == vector["box"] and decoded["area"] == vector["area"], \
            f"decoded box {box} area {decoded['area']}, pycocotools says {vector['box']} area {vector['area']}"
        assert decoded["covers"] == vector["expected"], f"covered pixels {decoded['covers']}, expected {vector['expected']}"
        assert decoded["again"] == vector["counts"], "the crop does not encode back to pycocotools' string"
    editable, read_only = seen["editable"], seen["readOnly"]
    assert editable["result"]["pose"] == [{"points": {"a": [10, 10, 2], "b": [50, 40, 1]}, "label": "person", "id": "k9"}], \
        f"keypoints read back as {editable['result']['pose']}"
    assert [m["id"] for m in editable["result"]["seg"]] == ["m9"] and \
        editable["result"]["seg"][0]["rle"] == {"size": [400, 640], "counts": vectors[0]["counts"]}, \
        f"masks read back as {editable['result']['seg']}"
    canvas = editable["canvas"]
    placed = canvas and (canvas["left"], canvas["top"], canvas["width"], canvas["height"])
    assert placed == ("100px", "80px", 260, 310), f"the mask's canvas is not its crop (100, 80, 260 × 310): {canvas}"
    assert canvas["painted"] == vectors[0]["area"], f"the canvas paints {canvas['painted']} px, the mask has {vectors[0]['area']}"
    assert editable["joints"] == 2 and editable["bones"] == 1 and editable["brushTools"] == 1, f"editable form: {editable}"
    assert read_only["joints"] == 2 and read_only["brushTools"] == 0 and read_only["removeButtons"] == 0 and \
        len(read_only["rows"]) == 2, f"read-only form: {read_only}"
    ctx.note(f"the page decoded {len(vectors)} pycocotools strings to their boxes and areas and encoded them back")


def chinese_page(ctx, browser, page, marks, park, project_id) -> None:
    """The page in Chinese: hints, list and controls translated, no raw keys; screenshots while placing
    keypoints and after painting."""
    page.open(park, project_id, "?lang=zh-CN")
    page.wait_for_task()
    marks.wait_ready()
    marks.click(300, 90)
    state = marks.wait("pose", "a Chinese hint naming the next point", lambda s: "“neck”" in s["hint"])
    assert CJK.search(state["hint"]), f"zh-CN hint: {state['hint']!r}"
    marks.hover(marks.screen(330, 200))
    browser.screenshot(ctx.screenshot_dir / "keypoints-zh-CN-placing.png")
    marks.click(320, 200)
    browser.press(Keys.ENTER)
    marks.wait("pose", "Enter to end the instance early", lambda s: len(s["marks"]) == 1)
    browser.click('fieldset[data-question="seg"] button[data-option="water"]')
    marks.wait("seg", "the masks question", lambda s: s["active"])
    browser.mouse_drag(marks.screen(420, 260), marks.screen(560, 330))
    state = marks.wait("seg", "a painted mask", lambda s: len(s["marks"]) == 1)
    for details in browser.find_all("#questions details.lp-region-keys"):
        browser.js("arguments[0].open = true", details)
    assert CJK.search(state["count"]) and CJK.search(state["rows"][0]["size"]), f"zh-CN: {state['count']!r} {state['rows']}"
    text = (browser.text_of("#questions") or "") + " " + (browser.text_of("#shortcuts") or "")
    labels = browser.js("return Array.from(document.querySelectorAll('#questions [aria-label], #questions [title]'))"
                        ".map((e) => (e.getAttribute('aria-label') || '') + ' ' + (e.getAttribute('title') || ''))")
    raw = RAW_TRANSLATION_KEY.findall(text + " " + " ".join(labels))
    assert not raw, f"zh-CN: untranslated keys on screen: {raw[:5]}"
    assert CJK.search(browser.text_of("#kind-shortcuts") or ""), "zh-CN: the kinds' shortcuts are not in Chinese"
    browser.shoot_whole("#workspace", ctx.screenshot_dir / "keypoints-masks-zh-CN.png")
    browser.shoot_whole("#shortcuts", ctx.screenshot_dir / "keypoints-masks-shortcuts-zh-CN.png")
    page.open(park, project_id, "?lang=en")
    page.wait_for_task()
