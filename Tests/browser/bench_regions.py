#!/usr/bin/env python3
"""A benchmark of the boxes question with many boxes on a large image (not part of the browser test run):
an 8,000 × 6,000 image whose stored answer holds 2,000 boxes, opened in the my-work editor (the page that
renders a stored answer for editing), then panned and zoomed programmatically for about 3 seconds.

    python3 Tests/browser/bench_regions.py --binary .build/release/labelpark [--boxes 2000] [--keep]

Prints, in milliseconds: the click on Edit to the frame showing every box (the task and the image's metadata
fetched on the way); the form module alone rendering the answer until every box is drawn, three times; and
frame times (requestAnimationFrame timestamps) while panning and while zooming (p50, p95, max, frames).
Only sanity is checked (every box drawn, frames measured); the numbers are for reading.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

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
TILES_TIMEOUT_SECONDS = 120.0

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

# Wheel events on the editor's image, one per frame: horizontal ones pan, vertical ones zoom around the middle.
# The frame times are the gaps between requestAnimationFrame timestamps.
MOTION_SCRIPT = """
const [seconds, done] = arguments;
const viewport = document.querySelector('#editor .lp-image-viewport');
const box = viewport.getBoundingClientRect();
const at = {bubbles: true, cancelable: true, clientX: box.left + box.width / 2, clientY: box.top + box.height / 2};
const gaps = {pan: [], zoom: []};
const half = seconds * 500;
let last = null;
let step = 0;
let started = null;
const tick = (now) => {
  if (started === null) started = now;
  const elapsed = now - started;
  const phase = elapsed < half ? 'pan' : 'zoom';
  if (last !== null) gaps[phase].push(now - last);
  last = now;
  step += 1;
  if (phase === 'pan') viewport.dispatchEvent(new WheelEvent('wheel', {...at, deltaX: step % 40 < 20 ? 30 : -30}));
  else viewport.dispatchEvent(new WheelEvent('wheel', {...at, deltaY: step % 30 < 15 ? -60 : 60}));
  if (elapsed < seconds * 1000) requestAnimationFrame(tick);
  else done({gaps, zoom: document.querySelector('#editor .lp-image').dataset.zoom});
};
requestAnimationFrame(tick);
"""


def boxes(count: int, seed: int = 13) -> list[dict]:
    """`count` boxes of 20–300 pixels scattered over the image, labels in turn."""
    draw = random.Random(seed)
    made = []
    for index in range(count):
        width, height = draw.randint(20, 300), draw.randint(20, 300)
        made.append({"x": draw.randint(0, IMAGE[0] - width), "y": draw.randint(0, IMAGE[1] - height),
                     "width": width, "height": height, "label": LABELS[index % len(LABELS)], "id": f"r{index + 1}"})
    return made


def stats(gaps: list[float]) -> str:
    if not gaps:
        return "no frames"
    return (f"p50 {percentile(gaps, 0.5):.1f} ms, p95 {percentile(gaps, 0.95):.1f} ms, max {max(gaps):.1f} ms, "
            f"{len(gaps)} frames")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", required=True, help="the labelpark executable")
    parser.add_argument("--boxes", type=int, default=2000, help="boxes in the stored answer (default 2,000)")
    parser.add_argument("--seconds", type=float, default=3.0, help="how long to pan and zoom (default 3)")
    parser.add_argument("--keep", action="store_true", help="keep the park directory and a screenshot")
    args = parser.parse_args()

    directory = Path(tempfile.mkdtemp(prefix="labelpark-bench-regions-"))
    park = Park(args.binary, directory / "park")
    browser = None
    try:
        park.open([(MANAGER, "manager", "Mia Manager"), (ANNOTATOR, "annotator", "Ann Annotator")])
        manager, annotator = park.account(MANAGER), park.account(ANNOTATOR)
        project_id = park.create_project(manager.token, "Crowded photo", SCHEMA, overlap=1)
        started = time.monotonic()
        png = grid_png(*IMAGE, cell=500, line_every=100, border=4)
        asset = park.call("POST", f"/api/v1/projects/{project_id}/assets", manager.token, raw=png,
                          content_type="image/png", expect=(200, 201)).json()
        print(f"image: {IMAGE[0]} × {IMAGE[1]} PNG of {len(png) / 1e6:.1f} MB made and uploaded in "
              f"{time.monotonic() - started:.1f} s")
        deadline = time.monotonic() + TILES_TIMEOUT_SECONDS
        while True:
            meta = park.call("GET", f"/api/v1/assets/{asset['id']}", manager.token, expect=(200,)).json()
            if meta.get("tiles_state") != "pending" or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        print(f"tiles: {meta.get('tiles_state')}")

        data = {"photo": f"asset:{asset['id']}"}
        park.import_tasks(manager.token, project_id, [{"data": data}])
        claim = park.call("POST", f"/api/v1/projects/{project_id}/next", annotator.token, expect=(200,)).json()
        answer = boxes(args.boxes)
        annotation = park.call("POST", f"/api/v1/tasks/{claim['task']['id']}/annotations", annotator.token,
                               body={"lease_token": claim["lease"]["token"], "result": {"objects": answer}},
                               expect=(201,)).json()

        browser = Browser(directory / "profile", directory / "chromedriver.log")
        browser.driver.set_script_timeout(60)
        sign_in(browser, park, ANNOTATOR)
        browser.open(park.base_url, "/my-work")
        row = f'[data-testid=my-annotation][data-annotation-id="{annotation["id"]}"]'
        browser.wait_for(f"{row} .edit", timeout=15)
        opened = browser.driver.execute_async_script(EDITOR_SCRIPT, f"{row} .edit", args.boxes)
        assert opened["ms"] is not None, f"the editor drew {opened['marks']} of {args.boxes} boxes within 30 s"
        print(f"my-work editor: click on Edit to all {args.boxes} boxes painted: {opened['ms']:.1f} ms "
              f"(fetching the annotation, task and image metadata included)")
        wait_until(lambda: browser.js("return document.querySelector('#editor .lp-image').dataset.state") == "shown",
                   30, "the editor's image to be shown")
        time.sleep(1.0)

        runs = [browser.driver.execute_async_script(RENDER_SCRIPT, SCHEMA, data, {"objects": answer}, args.boxes)
                for _ in range(3)]
        failed = [run for run in runs if "error" in run]
        assert not failed, f"form.js alone: {failed[0]['error']}"
        print("form.js alone, renderForm call: " + ", ".join(f"{run['rendered']:.1f}" for run in runs) + " ms; "
              "to the frame showing every box: " + ", ".join(f"{run['painted']:.1f}" for run in runs) + " ms")

        motion = browser.driver.execute_async_script(MOTION_SCRIPT, args.seconds)
        gaps = motion["gaps"]
        assert gaps["pan"] and gaps["zoom"], f"no frames measured: {motion}"
        print(f"panning for {args.seconds / 2:.1f} s: {stats(gaps['pan'])}")
        print(f"zooming for {args.seconds / 2:.1f} s: {stats(gaps['zoom'])} (ended at zoom {float(motion['zoom']):.3f})")
        print(f"both: {stats(gaps['pan'] + gaps['zoom'])}")
        errors = browser.console_errors()
        if errors:
            print(f"console errors: {errors[:3]}")
        if args.keep:
            time.sleep(0.5)  # the regions are drawn sharp again once the view has been still for a moment
            browser.screenshot(directory / "bench-regions.png")
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
