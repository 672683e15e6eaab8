"""Browser test of the project page's Datasets panel (js/project-datasets.js, js/project-import.js): a project
with boxes (rotated), polygons, keypoints and masks on one image field shows a COCO download, a YOLO download
per boxes, polygons or keypoints question (none for masks) and a VOC download, whose links follow the answers
and image-naming choices; each is fetched through the page with the manager's session and read (COCO as JSON,
YOLO and VOC as zips). The COCO file goes back through the page's import form: a category no question has is
refused with the server's words, an image naming no asset is listed as an invalid image, and the export itself
becomes two tasks, the answered image's with the answer as its prefill, which an annotator's claim hands out.
A storage attached in the storages panel is offered at once as where a dataset's images are, and a COCO file
naming its objects becomes a gold task. A project without region questions shows no Datasets panel; in
Chinese the panel is translated. Screenshots in each language."""

from __future__ import annotations

import base64
import io
import json
import math
import zipfile

from selenium.common.exceptions import WebDriverException
from selenium.webdriver.support.ui import Select

from browser import Browser, wait_until
from context import TestContext
from images import grid_png
from pages import CJK, RAW_TRANSLATION_KEY, sign_in

MANAGER = "dataset.manager@browser.test"
ANNOTATOR = "dataset.annotator@browser.test"
IMAGES = [(320, 240), (200, 160)]
SCHEMA = {
    "fields": [{"name": "photo", "type": "image", "label": "Photo"}],
    "questions": [
        {"name": "hazards", "type": "boxes", "field": "photo", "labels": ["person", "smoke"], "rotation": True},
        {"name": "cracks", "type": "polygons", "field": "photo", "labels": ["crack"]},
        {"name": "pose", "type": "keypoints", "field": "photo", "labels": ["worker"], "points": ["head", "hand", "foot"],
         "skeleton": [["head", "hand"], ["head", "foot"]]},
        {"name": "seg", "type": "masks", "field": "photo", "labels": ["rust"]},
    ],
}


def coco_counts(runs: list[int]) -> str:
    """COCO's compressed RLE string of run lengths (pycocotools' rleToString)."""
    text = []
    for index, run in enumerate(runs):
        value = run - runs[index - 2] if index > 2 else run
        more = True
        while more:
            chunk = value & 0x1F
            value >>= 5
            more = value != -1 if chunk & 0x10 else value != 0
            if more:
                chunk |= 0x20
            text.append(chr(chunk + 48))
    return "".join(text)


def rectangle_runs(width: int, height: int, left: int, top: int, size: int) -> list[int]:
    """The runs (column by column, zeros first) of a `size` × `size` square at (left, top)."""
    runs = [left * height + top]
    for column in range(size):
        runs.append(size)
        runs.append(height - size if column < size - 1 else height - top - size + (width - left - size) * height)
    return runs


# The one answer submitted: a region of every kind on the first image.
MASK = {"size": [IMAGES[0][1], IMAGES[0][0]], "counts": coco_counts(rectangle_runs(*IMAGES[0], 10, 20, 20))}
ANSWER = {
    "hazards": [{"x": 20, "y": 30, "width": 100, "height": 60, "rotation": 15, "label": "smoke"}],
    "cracks": [{"points": [[150, 40], [220, 50], [200, 120]], "label": "crack"}],
    "pose": [{"points": {"head": [60, 150, 2], "hand": [90, 180, 1], "foot": [70, 220, 2]}, "label": "worker"}],
    "seg": [{"rle": MASK, "label": "rust"}],
}

# The panel read through ids and data attributes.
PANEL_SCRIPT = """
const shown = (e) => !!e && !e.hidden && e.getClientRects().length > 0;
const section = document.getElementById('datasets-section');
const result = document.getElementById('dataset-import-result');
return {
  shown: shown(section),
  links: Array.from(document.querySelectorAll('#dataset-exports a[data-format]')).map((a) => ({
    id: a.id || null, format: a.dataset.format, question: a.dataset.question || null,
    href: a.getAttribute('href'), text: a.innerText.trim(), download: a.getAttribute('download'),
    note: a.parentElement.querySelector('.dataset-note').innerText.trim(),
  })),
  questions: Array.from(document.querySelectorAll('#dataset-question option')).map((o) => o.value),
  questionShown: shown(document.getElementById('dataset-question-field')),
  storageDisabled: document.getElementById('dataset-in-storage').disabled,
  storageChecked: document.getElementById('dataset-in-storage').checked,
  storages: Array.from(document.querySelectorAll('#dataset-storage option')).map((o) => [o.value, o.innerText.trim()]),
  assetsChecked: document.getElementById('dataset-in-assets').checked,
  prefillChecked: document.querySelector('input[name=dataset-as][value=prefill]').checked,
  result: shown(result) ? result.innerText.trim() : null,
  resultState: result.dataset.state || null,
  errors: Array.from(document.querySelectorAll('#dataset-import-errors [data-testid=import-error]')).map((row) => [
    row.querySelector('.line').innerText.trim(), row.querySelector('.message').innerText.trim()]),
  errorsShown: shown(document.getElementById('dataset-import-errors')),
  busy: document.getElementById('dataset-import-form').getAttribute('aria-busy'),
  tasks: (document.querySelector('#progress-numbers dd') || {}).innerText || null,
};
"""

# A download through the page, with its session: status, headers and the bytes (base64).
FETCH_SCRIPT = """
const [selector, done] = arguments;
const link = document.querySelector(selector);
fetch(link.href, {credentials: 'same-origin'}).then(async (response) => {
  const bytes = new Uint8Array(await response.arrayBuffer());
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  done({status: response.status, type: response.headers.get('content-type'),
        disposition: response.headers.get('content-disposition'), body: btoa(binary)});
}, (error) => done({error: String(error)}));
"""


def panel(browser: Browser) -> dict:
    return browser.js(PANEL_SCRIPT)


def download(browser: Browser, selector: str) -> tuple[dict, bytes]:
    answer = browser.driver.execute_async_script(FETCH_SCRIPT, selector)
    assert "error" not in answer, f"fetching {selector}'s href failed: {answer}"
    return answer, base64.b64decode(answer["body"])


def open_project(browser: Browser, base_url: str, project_id: int, language: str) -> dict:
    browser.open(base_url, f"/projects/{project_id}?lang={language}")
    # The links come with the project; the storage choice once the attached storages are listed.
    return wait_until(lambda: (lambda s: s if s["shown"] and s["links"] and s["storages"] else None)(
        panel(browser)), 10, "#datasets-section with its downloads and storages", describe=lambda: panel(browser))


def import_dataset(browser: Browser, path, partial: bool = False) -> dict:
    """Chooses `path` in #dataset-file, sets the partial box and submits; the panel once the answer is shown."""
    field = browser.find("#dataset-file")
    try:
        field.clear()
    except WebDriverException:
        pass
    field.send_keys(str(path))
    if browser.find("#dataset-partial").is_selected() != partial:
        browser.click("#dataset-partial")
    before = panel(browser)["result"]
    browser.click("#dataset-import-button")
    return wait_until(lambda: (lambda s: s if s["busy"] == "false" and s["result"] and s["result"] != before
                               and s["resultState"] != "info" else None)(panel(browser)),
                      15, "#dataset-import-result to give the server's answer", describe=lambda: panel(browser))


def expected_href(project_id: int, query: str) -> str:
    return f"/api/v1/projects/{project_id}/export?{query}"


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, abs_tol=0.02)


def check_prefill(prefill: dict) -> None:
    """The prefill a COCO export brings back is the submitted answer (a rotated box rebuilt from its outline)."""
    box = prefill["hazards"][0]
    want = ANSWER["hazards"][0]
    assert box["label"] == "smoke" and all(close(box[key], want[key]) for key in ("x", "y", "width", "height",
                                                                                   "rotation")), f"prefilled box {box}"
    polygon = prefill["cracks"][0]
    assert polygon["label"] == "crack" and all(close(a, b) for point, wanted in zip(polygon["points"],
                                                                                     ANSWER["cracks"][0]["points"])
                                               for a, b in zip(point, wanted)), f"prefilled polygon {polygon}"
    assert len(polygon["points"]) == 3, f"prefilled polygon {polygon}"
    pose = prefill["pose"][0]
    assert pose["label"] == "worker" and {name: [round(v) for v in value] for name, value in pose["points"].items()
                                          if value[2] > 0} == ANSWER["pose"][0]["points"], f"prefilled pose {pose}"
    mask = prefill["seg"][0]
    assert mask["label"] == "rust" and mask["rle"] == MASK, f"prefilled mask {mask}"


def test_datasets(ctx: TestContext) -> None:
    park = ctx.park
    photos = ctx.directory / "attachable" / "photos"
    photos.mkdir(parents=True)
    (photos / "yard.png").write_bytes(grid_png(160, 120, 40, 10))
    park.extra_args = ["--attachable-directory", str(photos.parent)]
    park.open([(MANAGER, "manager", "Dana Dataset"), (ANNOTATOR, "annotator", "Ann Annotator")])
    manager, annotator = park.account(MANAGER), park.account(ANNOTATOR)
    project_id = park.create_project(manager.token, "Site survey 现场", SCHEMA, overlap=1)
    assets = [park.call("POST", f"/api/v1/projects/{project_id}/assets", manager.token,
                        raw=grid_png(width, height, 40, 10), content_type="image/png", expect=(200, 201)).json()
              for width, height in IMAGES]
    park.import_tasks(manager.token, project_id, [{"photo": f"asset:{asset['id']}"} for asset in assets])
    claim = park.call("POST", f"/api/v1/projects/{project_id}/next", annotator.token, expect=(200,)).json()
    assert claim["task"]["data"]["photo"] == f"asset:{assets[0]['id']}", f"the first claim is {claim['task']}"
    park.call("POST", f"/api/v1/tasks/{claim['task']['id']}/annotations", annotator.token,
              body={"lease_token": claim["lease"]["token"], "result": ANSWER}, expect=(201,))
    plain_id = park.create_project(manager.token, "Plain text", {
        "fields": [{"name": "text", "type": "text"}],
        "questions": [{"name": "ok", "type": "choice", "options": ["yes", "no"]}]})

    browser = ctx.browser()
    sign_in(browser, park, MANAGER)

    # A project without region questions has no dataset downloads.
    browser.open(park.base_url, f"/projects/{plain_id}?lang=en")
    browser.wait_for("#export-jsonl")
    wait_until(lambda: browser.js("return document.getElementById('project-status').dataset.state === 'ready'"), 10,
               "the plain project page to finish loading")
    assert not panel(browser)["shown"], "a project without region questions shows #datasets-section"

    state = open_project(browser, park.base_url, project_id, "en")
    english_hrefs = [link["href"] for link in state["links"]]
    links = {(link["format"], link["question"]): link for link in state["links"]}
    assert list(links) == [("coco", None), ("yolo", "hazards"), ("yolo", "cracks"), ("yolo", "pose"), ("voc", None)], \
        f"the downloads are {list(links)}"
    defaults = "answers=latest&images=names"
    assert links[("coco", None)]["id"] == "export-coco" and links[("voc", None)]["id"] == "export-voc", state["links"]
    assert links[("coco", None)]["href"] == expected_href(project_id, f"format=coco&{defaults}"), state["links"]
    for question in ("hazards", "cracks", "pose"):
        link = links[("yolo", question)]
        assert link["href"] == expected_href(project_id, f"format=yolo&question={question}&{defaults}"), link
        assert question in link["text"], f"the YOLO link does not name {question}: {link}"
    assert links[("voc", None)]["href"] == expected_href(project_id, f"format=voc&{defaults}"), state["links"]
    tasks_of = {link["question"]: link["note"] for link in state["links"] if link["format"] == "yolo"}
    assert "obb" in tasks_of["hazards"] and "segment" in tasks_of["cracks"] and "pose" in tasks_of["pose"], tasks_of
    assert "Detectron2" in links[("coco", None)]["note"] and "Ultralytics" in tasks_of["hazards"], state["links"]
    # Every region question is a possible target; no storage is attached, so the images are the park's own.
    assert state["questions"] == ["", "hazards", "cracks", "pose", "seg"] and state["questionShown"], state
    assert state["storageDisabled"] and state["assetsChecked"] and state["prefillChecked"], state

    # The links follow the choices.
    browser.click("input[name=dataset-answers][value=all]")
    browser.click("input[name=dataset-images][value=urls]")
    changed = panel(browser)["links"]
    assert changed[0]["href"] == expected_href(project_id, "format=coco&answers=all&images=urls"), changed[0]
    assert changed[1]["href"] == expected_href(project_id, "format=yolo&question=hazards&answers=all&images=urls"), \
        changed[1]
    answer, body = download(browser, "#export-voc")
    assert answer["status"] == 200 and body[:4] == b"PK\x03\x04", f"VOC with image URLs: {answer['status']}"
    assert "image-urls.txt" in zipfile.ZipFile(io.BytesIO(body)).namelist(), "images=urls wrote no image-urls.txt"
    browser.click("input[name=dataset-answers][value=latest]")
    browser.click("input[name=dataset-images][value=names]")
    assert panel(browser)["links"][0]["href"] == expected_href(project_id, f"format=coco&{defaults}")

    # COCO, through the page with its session.
    answer, body = download(browser, "#export-coco")
    assert answer["status"] == 200 and answer["type"].startswith("application/json"), answer["type"]
    coco = json.loads(body)
    assert len(coco["images"]) == 2 and len(coco["annotations"]) == 4 and len(coco["categories"]) == 5, \
        f"COCO: {len(coco['images'])} images, {len(coco['annotations'])} annotations, {len(coco['categories'])} categories"
    assert {image["id"] for image in coco["images"]} == {asset["id"] for asset in assets}, coco["images"]
    ctx.note(f"COCO: {len(body)} bytes, {answer['disposition']}")

    # YOLO, one zip per question: the rotated boxes as obb lines, the keypoints as pose.
    for question, values in (("hazards", 9), ("cracks", 7), ("pose", 14)):
        answer, body = download(browser, f'#dataset-exports a[data-format=yolo][data-question="{question}"]')
        assert answer["status"] == 200 and answer["type"] == "application/zip" and body[:4] == b"PK\x03\x04", \
            f"YOLO {question}: {answer['status']} {answer['type']} {body[:4]!r}"
        archive = zipfile.ZipFile(io.BytesIO(body))
        names = archive.namelist()
        assert "data.yaml" in names and "train.txt" in names, f"YOLO {question}: {names}"
        lines = [line for name in names if name.startswith("labels/train/")
                 for line in archive.read(name).decode().splitlines() if line.strip()]
        assert len(lines) == 1 and len(lines[0].split()) == values, f"YOLO {question} label lines: {lines}"
        if question == "pose":
            assert "kpt_shape" in archive.read("data.yaml").decode(), "the pose data.yaml has no kpt_shape"
    answer, body = download(browser, "#export-voc")
    assert answer["status"] == 200 and answer["type"] == "application/zip" and body[:4] == b"PK\x03\x04", answer["type"]
    archive = zipfile.ZipFile(io.BytesIO(body))
    xml = [archive.read(name).decode() for name in archive.namelist() if name.startswith("Annotations/")]
    assert len(xml) == 2 and sum(text.count("<object>") for text in xml) == 2, f"VOC annotations: {xml}"
    ctx.note(f"downloaded COCO, YOLO ×3 and VOC through the page; VOC holds {sorted(archive.namelist())}")

    # A category no question has: the whole file is refused, in the server's words.
    unknown = json.loads(json.dumps(coco))
    unknown["categories"][0]["name"] = "unicorn"
    path = ctx.directory / "unknown-category.json"
    path.write_text(json.dumps(unknown), encoding="utf-8")
    state = import_dataset(browser, path)
    assert state["resultState"] == "error" and "is no label of a region question" in state["result"] \
        and "categories[0].name" in state["result"], f"an unknown category says {state['result']!r}"
    assert not state["errorsShown"], f"a whole-file refusal listed images: {state['errors']}"
    ctx.note(f"unknown category: {state['result']!r}")

    # An image that names no asset: listed as invalid image 2, and nothing is imported.
    nameless = json.loads(json.dumps(coco))
    for key in ("coco_url", "labelpark_asset_id"):
        nameless["images"][1].pop(key, None)
    path = ctx.directory / "nameless-image.json"
    path.write_text(json.dumps(nameless), encoding="utf-8")
    state = import_dataset(browser, path)
    assert state["resultState"] == "error" and "1 image is invalid" in state["result"], state["result"]
    assert state["errorsShown"] and len(state["errors"]) == 1 and state["errors"][0][0] == "2" \
        and "names no LabelPark asset" in state["errors"][0][1], f"the invalid images: {state['errors']}"
    tasks = park.call("GET", f"/api/v1/projects/{project_id}/progress", manager.token, expect=(200,)).json()["tasks"]
    assert tasks == 2, f"a refused file changed the task count to {tasks}"

    # The export itself, as prefills: a task per image, the answered one prefilled.
    path = ctx.directory / "export-coco.json"
    path.write_bytes(download(browser, "#export-coco")[1])
    state = import_dataset(browser, path)
    assert state["resultState"] == "ok" and state["result"] == "2 created" and not state["errorsShown"], state
    wait_until(lambda: panel(browser)["tasks"] == "4", 10, "#progress-numbers to count 4 tasks",
               describe=lambda: panel(browser)["tasks"])
    browser.shoot_whole("#datasets-section", ctx.screenshot_dir / f"{ctx.name}-en.png")
    errors = [error for error in ctx.console_errors(browser) if "status of 422" not in error]
    assert not errors, f"console errors on the project page: {errors[:5]}"
    console_seen = len(browser.console)

    # The annotator's claims hand out the new prefilled task (the others are passed over).
    prefilled = None
    for _ in range(4):
        claim = park.call("POST", f"/api/v1/projects/{project_id}/next", annotator.token, expect=(200, 204))
        if claim.status == 204:
            break
        task = claim.json()["task"]
        park.call("DELETE", f"/api/v1/leases/{claim.json()['lease']['token']}?skip=true", annotator.token,
                  expect=(204,))
        if task.get("prefill"):
            prefilled = task
            break
    assert prefilled is not None, "no claim handed out a prefilled task"
    assert prefilled["data"]["photo"] == f"asset:{assets[0]['id']}", f"the prefilled task shows {prefilled['data']}"
    check_prefill(prefilled["prefill"])
    ctx.note(f"claimed prefill: {sorted(prefilled['prefill'])}, box {prefilled['prefill']['hazards'][0]}")

    # A storage attached in the storages panel is offered at once; a COCO file naming its objects becomes gold.
    browser.type_into("#storage-path", str(photos))
    browser.click("#storage-attach")
    state = wait_until(lambda: (lambda s: s if len(s["storages"]) == 1 and s["storages"][0][0] else None)(
        panel(browser)), 10, "#dataset-storage to offer the attached storage", describe=lambda: panel(browser))
    storage_id = int(state["storages"][0][0])
    assert state["storageChecked"] and not state["storageDisabled"], f"after attaching a storage: {state}"
    park.call("POST", f"/api/v1/projects/{project_id}/storages/{storage_id}/sync", manager.token,
              body={"create_tasks": False}, expect=(202,))
    wait_until(lambda: park.call("GET", f"/api/v1/projects/{project_id}/storages/{storage_id}", manager.token,
                                 expect=(200,)).json()["sync"]["state"] == "finished", 15, "the storage's sync")
    dataset = {
        "images": [{"id": 7, "file_name": "yard.png", "width": 160, "height": 120}],
        "categories": [{"id": 3, "name": "smoke"}, {"id": 4, "name": "crack"}],
        "annotations": [
            {"id": 1, "image_id": 7, "category_id": 3, "bbox": [10, 10, 50, 40], "iscrowd": 0},
            {"id": 2, "image_id": 7, "category_id": 4, "segmentation": [[20, 60, 80, 60, 50, 100]], "iscrowd": 0},
        ],
    }
    path = ctx.directory / "storage-coco.json"
    path.write_text(json.dumps(dataset), encoding="utf-8")
    browser.click("input[name=dataset-as][value=gold]")
    state = import_dataset(browser, path)
    assert state["resultState"] == "ok" and state["result"] == "1 created", f"the storage's dataset: {state}"
    objects = park.call("GET", f"/api/v1/projects/{project_id}/storages/{storage_id}/objects", manager.token,
                        expect=(200,)).json()["objects"]
    synced = f"asset:{objects[0]['asset_id']}"
    shown = [task["data"]["photo"] for task in park.export(manager.token, project_id)]
    assert shown.count(synced) == 1 and len(shown) == 5, f"the tasks show {shown}; the synced image is {synced}"
    ctx.note(f"COCO naming storage {storage_id}'s objects, as gold: {state['result']!r}")

    # A YOLO labels zip whose listed image is the storage's object becomes a prefilled task, in pixels.
    yolo = io.BytesIO()
    with zipfile.ZipFile(yolo, "w") as archive:
        archive.writestr("data.yaml", "train: train.txt\nnames:\n  0: person\n  1: smoke\n")
        archive.writestr("train.txt", "./images/train/yard.png\n")
        archive.writestr("labels/train/yard.txt", "1 0.25 0.25 0.25 0.25\n")
    yolo_path = ctx.directory / "storage-yolo.zip"
    yolo_path.write_bytes(yolo.getvalue())
    browser.click("input[name=dataset-as][value=prefill]")
    if not browser.find("#dataset-question-field").get_attribute("hidden"):
        Select(browser.find("#dataset-question")).select_by_value("hazards")
    # The answer before said "1 created" too: cleared, so that the new one is told apart.
    browser.js("document.getElementById('dataset-import-result').textContent = ''")
    state = import_dataset(browser, yolo_path)
    assert state["resultState"] == "ok" and state["result"] == "1 created", f"the YOLO zip: {state}"
    shown = [task["data"]["photo"] for task in park.export(manager.token, project_id)]
    assert shown.count(synced) == 2, f"the tasks show {shown}; the synced image is {synced}"
    ctx.note(f"a YOLO labels zip naming the storage's image, as prefill: {state['result']!r}")

    # In Chinese: the same downloads, translated, and a refusal.
    state = open_project(browser, park.base_url, project_id, "zh-CN")
    assert [link["href"] for link in state["links"]] == english_hrefs, f"zh-CN links: {state['links']}"
    for text in (browser.text_of("#datasets-heading"), browser.text_of("#dataset-import-heading"),
                 state["links"][0]["note"], state["links"][1]["note"]):
        assert CJK.search(text or ""), f"zh-CN: {text!r} is not Chinese"
    unknown_path = ctx.directory / "unknown-category.json"
    state = import_dataset(browser, unknown_path)
    assert CJK.search(state["result"]) and "is no label of a region question" in state["result"], state["result"]
    keys = RAW_TRANSLATION_KEY.findall(browser.text_of("#datasets-section") or "")
    assert not keys, f"untranslated keys in the panel: {sorted(set(keys))}"
    Select(browser.find("#dataset-question")).select_by_value("hazards")
    browser.shoot_whole("#datasets-section", ctx.screenshot_dir / f"{ctx.name}-zh-CN.png")
    errors = [error for error in ctx.console_errors(browser, console_seen) if "status of 422" not in error]
    assert not errors, f"console errors on the Chinese project page: {errors[:5]}"
