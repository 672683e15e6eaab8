#!/usr/bin/env python3
"""A benchmark of region questions on large images (not part of the browser test run), for issue #13's
targets. Two images, each with `--boxes` boxes:

1. An 8,000 × 6,000 PNG (a grid):
   - opened by navigation: the annotate page of a task prefilled with the boxes, timed from the navigation's
     start to the frame showing the first tile, the whole image (every tile of the viewer's coarse base
     level) and every box, three times (the first with nothing of the page or the tiles in the cache);
   - opened in the my-work editor (a stored answer): the click on Edit to the frame showing every box (the
     annotation, the task and the image's metadata fetched on the way);
   - the form module alone rendering the answer until every box is drawn, three times;
   - panned, then zoomed, programmatically for `--seconds` in all, then left still for 0.6 s.
2. A 20,000 × 20,000 JPEG (a "photograph": colour noise resized up, made with vips like the media
   benchmark's; `--big-side 0` skips it): opened by navigation as above, then panned and zoomed.

    python3 Tests/browser/bench_regions.py --binary .build/release/labelpark [--boxes 2000] [--seconds 3]
        [--big-side 20000] [--big-jpeg PATH] [--unthrottled] [--keep]

Frame times are the gaps between requestAnimationFrame timestamps while one wheel event per frame pans
(horizontal) or zooms (vertical, around the middle); printed are p50, p95, max and the frame count. They
come in whole display frames (16.7 ms at 60 Hz): p95 16.7 ms means at least 95 % of frames were on time.
`--unthrottled` runs Chromium without vsync and frame-rate limit, so that the gaps are what each frame takes.
Only sanity is checked (every box drawn, frames measured); the numbers are for reading.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "process"))

from browser import Browser, wait_until  # noqa: E402
from images import grid_png  # noqa: E402
from pages import percentile, sign_in  # noqa: E402
from park import Park  # noqa: E402

MANAGER = "bench.manager@browser.test"
ANNOTATOR = "bench.annotator@browser.test"
IMAGE = (8000, 6000)
LABELS = ["person", "vehicle", "sign"]
SCHEMA = {
    "fields": [{"name": "photo", "type": "image"}],
    "questions": [{"name": "objects", "type": "boxes", "field": "photo", "labels": LABELS}],
}
TILES_TIMEOUT_SECONDS = 180.0
OPEN_TIMEOUT_MS = 60_000
OPEN_RUNS = 3
UNTHROTTLED = ("--disable-gpu-vsync", "--disable-frame-rate-limit")

# From the click on Edit to the first frame after every box of the editor's form is drawn over an image of
# known size.
EDITOR_SCRIPT = """
const [selector, count, done] = arguments;
const started = performance.now();
document.querySelector(selector).click();
const check = () => {
  const svg = document.querySelector('#editor svg.lp-regions[data-question="objects"]');
  const shown = svg && svg.hasAttribute('viewBox');
  const marks = shown ? svg.querySelectorAll('.lp-region-marks [data-region]').length : 0;
  if (shown && marks >= count) requestAnimationFrame(() => done({ms: performance.now() - started, marks}));
  else if (performance.now() - started > 30000) done({ms: null, marks});
  else requestAnimationFrame(check);
};
requestAnimationFrame(check);
"""

# Installed before any page script of the annotate page (Page.addScriptToEvaluateOnNewDocument): for each
# milestone, the time (performance.now(), so from the navigation's start) of the frame after the one in which
# it was first in the DOM, i.e. of the first frame that shows it: a tile (tiles enter the DOM decoded), the
# whole image (the viewer's state "shown", i.e. every tile of the coarse base level has arrived, and tiles in
# the DOM), every box (marks in an svg of known size).
OPEN_WATCH_SCRIPT = """
(() => {
  if (!location.pathname.endsWith('/annotate')) return;
  const count = __COUNT__;
  const seen = {};
  const shown = {};
  window.__lpOpen = shown;
  const check = () => {
    const now = performance.now();
    for (const name of Object.keys(seen)) if (shown[name] === undefined) shown[name] = now;
    const root = document.querySelector('#task .lp-image');
    if (root) {
      if (!('tile' in seen) && root.querySelector('.lp-image-tile')) seen.tile = now;
      if (!('image' in seen) && root.dataset.state === 'shown' && root.querySelector('.lp-image-tile, .lp-image-full')) {
        seen.image = now;
      }
      const svg = root.querySelector('svg.lp-regions[viewBox]');
      if (!('boxes' in seen) && svg && svg.querySelectorAll('.lp-region-marks [data-region]').length >= count) {
        seen.boxes = now;
      }
    }
    if (['tile', 'image', 'boxes'].every((name) => name in shown) || now > __TIMEOUT__) {
      const navigation = performance.getEntriesByType('navigation')[0];
      shown.domContentLoaded = navigation ? navigation.domContentLoadedEventEnd : null;
      shown.done = true;
      return;
    }
    requestAnimationFrame(check);
  };
  requestAnimationFrame(check);
})();
"""

# form.js alone: the schema rendered with the stored answer into a box on this page, until every box is drawn
# (the image's metadata is fetched again each time, from the browser's cache), then the next frame.
RENDER_SCRIPT = """
const [schema, data, result, count, done] = arguments;
import('/static/js/form.js').then(({renderForm}) => {
  const box = document.createElement('div');
  Object.assign(box.style, {position: 'fixed', left: '0', top: '0', width: '900px', zIndex: '10', background: '#fff'});
  document.body.append(box);
  const started = performance.now();
  const form = renderForm(box, schema, data, {result});
  const rendered = performance.now() - started;
  const check = () => {
    const svg = box.querySelector('svg.lp-regions[viewBox]');
    const marks = svg ? svg.querySelectorAll('.lp-region-marks [data-region]').length : 0;
    if (svg && marks >= count) {
      requestAnimationFrame(() => {
        const painted = performance.now() - started;
        form.destroy();
        box.remove();
        done({rendered, painted, marks});
      });
    } else if (performance.now() - started > 30000) {
      done({error: `only ${marks} marks after 30 s`});
    } else {
      requestAnimationFrame(check);
    }
  };
  requestAnimationFrame(check);
}).catch((error) => done({error: String(error && error.stack || error)}));
"""

# Wheel events on a viewer's image, one per frame: horizontal ones pan for the first half, vertical ones zoom
# around the middle for the second (15 steps in, 15 out, and so on); then 0.6 s without input, in which the
# view settles and everything is drawn sharp at the last zoom. The frame times are the gaps between
# requestAnimationFrame timestamps.
MOTION_SCRIPT = """
const [root, seconds, done] = arguments;
const viewport = document.querySelector(`${root} .lp-image-viewport`);
const box = viewport.getBoundingClientRect();
const at = {bubbles: true, cancelable: true, clientX: box.left + box.width / 2, clientY: box.top + box.height / 2};
const gaps = {pan: [], zoom: [], settle: []};
const half = seconds * 500;
let last = null;
let step = 0;
let started = null;
let zoomStep = 0;
const tick = (now) => {
  if (started === null) started = now;
  const elapsed = now - started;
  const phase = elapsed < half ? 'pan' : 'zoom';
  if (last !== null) gaps[phase].push(now - last);
  last = now;
  step += 1;
  if (phase === 'pan') {
    viewport.dispatchEvent(new WheelEvent('wheel', {...at, deltaX: step % 40 < 20 ? 30 : -30}));
  } else {
    viewport.dispatchEvent(new WheelEvent('wheel', {...at, deltaY: zoomStep % 30 < 15 ? -60 : 60}));
    zoomStep += 1;
  }
  if (elapsed < seconds * 1000) requestAnimationFrame(tick);
  else requestAnimationFrame(still);
};
let stillSince = null;
const still = (now) => {
  if (stillSince === null) stillSince = now;
  gaps.settle.push(now - last);
  last = now;
  if (now - stillSince < 600) requestAnimationFrame(still);
  else done({gaps, zoom: document.querySelector(`${root} .lp-image`).dataset.zoom});
};
requestAnimationFrame(tick);
"""


def boxes(count: int, image: tuple[int, int], seed: int = 13) -> list[dict]:
    """`count` boxes scattered over the image, labels in turn: 20–300 pixels on an 8,000-pixel image, and
    as large relative to a larger one."""
    draw = random.Random(seed)
    grow = max(1.0, max(image) / max(IMAGE))
    made = []
    for index in range(count):
        width, height = round(draw.randint(20, 300) * grow), round(draw.randint(20, 300) * grow)
        made.append({"x": draw.randint(0, image[0] - width), "y": draw.randint(0, image[1] - height),
                     "width": width, "height": height, "label": LABELS[index % len(LABELS)], "id": f"r{index + 1}"})
    return made


def stats(gaps: list[float]) -> str:
    if not gaps:
        return "no frames"
    late = sum(1 for gap in gaps if gap > 20)
    return (f"p50 {percentile(gaps, 0.5):.1f} ms, p95 {percentile(gaps, 0.95):.1f} ms, max {max(gaps):.1f} ms, "
            f"{len(gaps)} frames ({late} longer than 20 ms)")


def upload_image(park: Park, token: str, project_id: int, body: bytes, media_type: str, what: str) -> dict:
    """Uploads the image and waits for its Deep Zoom tiles; returns the asset's metadata."""
    started = time.monotonic()
    asset = park.call("POST", f"/api/v1/projects/{project_id}/assets", token, raw=body, content_type=media_type,
                      expect=(200, 201)).json()
    uploaded = time.monotonic()
    deadline = uploaded + TILES_TIMEOUT_SECONDS
    while True:
        meta = park.call("GET", f"/api/v1/assets/{asset['id']}", token, expect=(200,)).json()
        if meta.get("tiles_state") != "pending" or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    print(f"{what}: {meta['width']} × {meta['height']}, {len(body) / 1e6:.1f} MB, uploaded in "
          f"{uploaded - started:.1f} s; tiles {meta.get('tiles_state')} {time.monotonic() - uploaded:.1f} s later")
    assert meta.get("tiles_state") == "ready", f"the tiles of the {what} are {meta.get('tiles_state')!r}"
    return meta


def big_jpeg(side: int, directory: Path, given: str | None) -> tuple[bytes, str]:
    """The large JPEG: `given`, or a photograph-like one made with vips (about 25 s for 20,000²)."""
    if given:
        return Path(given).read_bytes(), f"given {given}"
    from lp_media import photo_image  # Tests/process: the media benchmark's images

    started = time.monotonic()
    path = photo_image(directory / f"photo-{side}.jpg", side, side, seed=7)
    return path.read_bytes(), f"made by vips in {time.monotonic() - started:.0f} s ({path})"


def open_by_navigation(browser: Browser, park: Park, project_id: int, count: int, runs: int) -> list[dict]:
    """Opens the project's annotate page `runs` times (its prefilled task, claimed again by the same annotator)
    and returns the milestones of each: see OPEN_WATCH_SCRIPT."""
    source = OPEN_WATCH_SCRIPT.replace("__COUNT__", str(count)).replace("__TIMEOUT__", str(OPEN_TIMEOUT_MS))
    script = browser.driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": source})
    results = []
    try:
        # The first time as a first visit: nothing of the page, its modules or the tiles in the HTTP cache.
        browser.driver.execute_cdp_cmd("Network.clearBrowserCache", {})
        for _ in range(runs):
            browser.open(park.base_url, f"/projects/{project_id}/annotate")
            seen = wait_until(lambda: browser.js("return window.__lpOpen && window.__lpOpen.done ? window.__lpOpen : null"),
                              OPEN_TIMEOUT_MS / 1000 + 10, "the annotate page to show the image and its boxes")
            results.append(seen)
            wait_until(lambda: browser.js("return document.querySelector('#task .lp-image').dataset.state") == "shown",
                       30, "the annotate page's image to be shown")
    finally:
        browser.driver.execute_cdp_cmd("Page.removeScriptToEvaluateOnNewDocument",
                                       {"identifier": script["identifier"]})
    return results


def print_opens(what: str, count: int, opens: list[dict]) -> None:
    def show(value):
        return "—" if value is None else f"{value:.0f}"

    for number, seen in enumerate(opens, 1):
        print(f"{what}, navigation {number} ({'cold' if number == 1 else 'warm'}): DOMContentLoaded "
              f"{show(seen.get('domContentLoaded'))} ms; first tile drawn {show(seen.get('tile'))} ms; whole image "
              f"shown {show(seen.get('image'))} ms; all {count} boxes drawn {show(seen.get('boxes'))} ms")


def motion(browser: Browser, root: str, seconds: float, what: str) -> dict:
    """Pans and zooms the viewer under `root` and prints its frame times."""
    time.sleep(1.0)
    result = browser.driver.execute_async_script(MOTION_SCRIPT, root, seconds)
    gaps = result["gaps"]
    assert gaps["pan"] and gaps["zoom"], f"no frames measured: {result}"
    print(f"{what}, panning for {seconds / 2:.1f} s: {stats(gaps['pan'])}")
    print(f"{what}, zooming for {seconds / 2:.1f} s: {stats(gaps['zoom'])} (ended at zoom {float(result['zoom']):.3f})")
    print(f"{what}, then still for 0.6 s (drawn sharp again): longest frame {max(gaps['settle']):.1f} ms")
    return gaps


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", required=True, help="the labelpark executable")
    parser.add_argument("--boxes", type=int, default=2000, help="boxes on each image (default 2,000)")
    parser.add_argument("--seconds", type=float, default=3.0, help="how long to pan and zoom (default 3)")
    parser.add_argument("--big-side", type=int, default=20000,
                        help="side of the large square JPEG, a multiple of 20 (default 20,000; 0 skips it)")
    parser.add_argument("--big-jpeg", help="use this JPEG as the large image instead of making one")
    parser.add_argument("--unthrottled", action="store_true",
                        help="run Chromium without vsync and frame-rate limit (frame times are then work times)")
    parser.add_argument("--keep", action="store_true", help="keep the park directory, the JPEG and screenshots")
    args = parser.parse_args()

    directory = Path(tempfile.mkdtemp(prefix="labelpark-bench-regions-"))
    park = Park(args.binary, directory / "park")
    browser = None
    try:
        chromium = subprocess.run(["chromium", "--version"], capture_output=True, text=True).stdout.strip()
        print(f"machine: {os.cpu_count()} cores, {chromium}, headless"
              f"{' without vsync or frame-rate limit' if args.unthrottled else ''}; load average "
              f"{os.getloadavg()[0]:.2f}")
        big = None
        if args.big_side:
            big = big_jpeg(args.big_side, directory, args.big_jpeg)
        park.open([(MANAGER, "manager", "Mia Manager"), (ANNOTATOR, "annotator", "Ann Annotator")])
        manager, annotator = park.account(MANAGER), park.account(ANNOTATOR)

        # The 8,000 × 6,000 image: a stored answer for the my-work editor, and a prefilled task to navigate to.
        png = grid_png(*IMAGE, cell=500, line_every=100, border=4)
        answer = boxes(args.boxes, IMAGE)
        edited = park.create_project(manager.token, "Crowded photo", SCHEMA, overlap=1)
        asset = upload_image(park, manager.token, edited, png, "image/png", "the 8,000 × 6,000 PNG")
        data = {"photo": f"asset:{asset['id']}"}
        park.import_tasks(manager.token, edited, [{"data": data}])
        claim = park.call("POST", f"/api/v1/projects/{edited}/next", annotator.token, expect=(200,)).json()
        annotation = park.call("POST", f"/api/v1/tasks/{claim['task']['id']}/annotations", annotator.token,
                               body={"lease_token": claim["lease"]["token"], "result": {"objects": answer}},
                               expect=(201,)).json()
        opened = park.create_project(manager.token, "Crowded photo, prefilled", SCHEMA, overlap=1)
        asset = upload_image(park, manager.token, opened, png, "image/png", "the 8,000 × 6,000 PNG again")
        park.import_tasks(manager.token, opened, [{"data": {"photo": f"asset:{asset['id']}"},
                                                  "prefill": {"objects": answer}}])
        large = None
        if big is not None:
            body, made = big
            large = park.create_project(manager.token, "Aerial photo, prefilled", SCHEMA, overlap=1)
            meta = upload_image(park, manager.token, large, body, "image/jpeg", f"the large JPEG ({made})")
            side = (meta["width"], meta["height"])
            park.import_tasks(manager.token, large, [{"data": {"photo": f"asset:{meta['id']}"},
                                                     "prefill": {"objects": boxes(args.boxes, side)}}])

        browser = Browser(directory / "profile", directory / "chromedriver.log",
                          extra_arguments=UNTHROTTLED if args.unthrottled else ())
        browser.driver.set_script_timeout(90)
        sign_in(browser, park, ANNOTATOR)

        print_opens("8,000 × 6,000", args.boxes, open_by_navigation(browser, park, opened, args.boxes, OPEN_RUNS))

        browser.open(park.base_url, "/my-work")
        row = f'[data-testid=my-annotation][data-annotation-id="{annotation["id"]}"]'
        browser.wait_for(f"{row} .edit", timeout=15)
        result = browser.driver.execute_async_script(EDITOR_SCRIPT, f"{row} .edit", args.boxes)
        assert result["ms"] is not None, f"the editor drew {result['marks']} of {args.boxes} boxes within 30 s"
        print(f"8,000 × 6,000, my-work editor: click on Edit to all {args.boxes} boxes drawn: {result['ms']:.0f} ms "
              f"(fetching the annotation, task and image metadata included)")
        wait_until(lambda: browser.js("return document.querySelector('#editor .lp-image').dataset.state") == "shown",
                   30, "the editor's image to be shown")
        time.sleep(1.0)
        runs = [browser.driver.execute_async_script(RENDER_SCRIPT, SCHEMA, data, {"objects": answer}, args.boxes)
                for _ in range(3)]
        failed = [run for run in runs if "error" in run]
        assert not failed, f"form.js alone: {failed[0]['error']}"
        print("8,000 × 6,000, form.js alone: renderForm call " + ", ".join(f"{run['rendered']:.0f}" for run in runs) +
              " ms; to the frame showing every box " + ", ".join(f"{run['painted']:.0f}" for run in runs) + " ms")
        motion(browser, "#editor", args.seconds, "8,000 × 6,000")
        if args.keep:
            browser.screenshot(directory / "bench-regions-8000.png")

        if large is not None:
            label = f"{side[0]:,} × {side[1]:,}"
            print_opens(label, args.boxes, open_by_navigation(browser, park, large, args.boxes, OPEN_RUNS))
            motion(browser, "#task", args.seconds, label)
            if args.keep:
                browser.screenshot(directory / "bench-regions-large.png")

        errors = browser.console_errors()
        if errors:
            print(f"console errors: {errors[:3]}")
        print(f"load average after: {os.getloadavg()[0]:.2f}")
        if args.keep:
            print(f"kept: {directory}")
        return 0
    finally:
        if browser is not None:
            browser.quit()
        park.stop()
        if not args.keep:
            shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
