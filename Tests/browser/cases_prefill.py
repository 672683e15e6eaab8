"""Browser case for prefilled tasks: a task imported with a `prefill` opens with that answer in the editor and
says so; what the annotator submits (the prefilled box kept, one added) is stored; a plain task opens empty."""

from __future__ import annotations

from selenium.webdriver.common.keys import Keys

from browser import wait_until
from cases_regions import IMAGE, SCHEMA, Regions, upload, wait_stored
from context import TestContext
from images import grid_png
from pages import AnnotatePage, sign_in

MANAGER = "prefill.manager@browser.test"
ANNOTATOR = "prefill.annotator@browser.test"
PREFILL = {"hazards": [{"x": 40, "y": 60, "width": 120, "height": 90, "label": "smoke"}]}


def test_prefilled_boxes(ctx: TestContext) -> None:
    park = ctx.park
    park.open([(MANAGER, "manager", "Mia Manager"), (ANNOTATOR, "annotator", "Ann Annotator")])
    manager, annotator = park.account(MANAGER), park.account(ANNOTATOR)
    project_id = park.create_project(manager.token, "Model boxes", SCHEMA, overlap=1)
    asset = upload(park, manager.token, project_id, grid_png(*IMAGE, cell=80, line_every=20))
    # The higher priority is claimed first.
    park.import_tasks(manager.token, project_id, [
        {"data": {"photo": f"asset:{asset['id']}", "caption": "Prefilled"}, "prefill": PREFILL, "priority": 10},
        {"data": {"photo": f"asset:{asset['id']}", "caption": "Plain"}},
    ])

    browser = ctx.browser()
    sign_in(browser, park, ANNOTATOR, next_path=f"/projects/{project_id}/annotate")
    page = AnnotatePage(browser, field="caption")
    regions = Regions(browser)
    label = lambda: browser.text_of("#task-label") or ""  # noqa: E731
    shown = page.wait_for_task()
    assert "Prefilled" in shown, f"the first task shown is {shown!r}"
    regions.wait_ready()
    mark = regions.wait_marks("hazards", 1)["marks"][0]
    assert (mark["x"], mark["y"], mark["width"], mark["height"]) == (40, 60, 120, 90), f"the prefilled mark: {mark}"
    assert "prefilled" in label(), f"the task label does not say the task is prefilled: {label()!r}"
    browser.screenshot(ctx.screenshot_dir / "prefill-boxes.png")

    # Keep the model's box, add one, submit.
    regions.drag((300, 100), (400, 200))
    regions.wait_marks("hazards", 2)
    browser.press(Keys.ENTER)
    stored = wait_stored(park, manager, project_id, annotator, shown)
    boxes = [{key: value for key, value in box.items() if key not in ("id", "rotation")}
             for box in stored.get("hazards", [])]
    assert len(boxes) == 2 and boxes[0] == PREFILL["hazards"][0], f"stored {stored}"

    second = page.wait_for_task(previous=shown)
    assert "Plain" in second, f"the second task shown is {second!r}"
    wait_until(lambda: (regions.state("hazards") or {}).get("ready"), 10, "the plain task's regions")
    assert regions.state("hazards")["marks"] == [], f"a plain task shows marks: {regions.state('hazards')['marks']}"
    assert "prefilled" not in label(), f"a plain task says it is prefilled: {label()!r}"
    ctx.note(f"the prefilled box was shown, kept and stored with one added: {boxes}")
