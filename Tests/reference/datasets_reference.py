#!/usr/bin/env python3
"""Reference check for the dataset exports: LabelPark's COCO, YOLO and Pascal VOC files read back by pycocotools,
datumaro and OpenCV.

A release server is started on a fresh data directory. An image project asks five region questions about four
uploaded PNGs of different sizes (640 × 480, 320 × 240, 200 × 300 portrait, 160 × 120): `vehicles` (upright
boxes), `ships` (boxes that may turn; some sent without `rotation` or with 0), `cracks` (polygons), `figures`
(keypoints, a five-point skeleton; points placed visible or occluded, left out, or sent unplaced as [x, y, 0]) and
`areas` (masks, COCO RLE). There is a task per image and a second task showing the first image, both answered by
two annotators through `/next` and `/annotations` with random regions (3 decimals); the jsonl export must hold
exactly what was submitted, and each asset's content its bytes. Then:

- COCO (`format=coco&answers=all`, and the default `answers=latest`), read by pycocotools: the categories
  (question as supercategory, keypoint names), each image once (the first image is shown by two tasks), its
  `id` the asset's id, at its size, under `<sha256>.png`; every annotation with an id of its own, naming its task
  (`attributes.task_id`) and lying on that task's image; every region of every chosen answer at its coordinates
  (1e-9), on its image with its task and annotator: upright boxes as `bbox`, turned boxes and polygons as their
  outline (turned clockwise about the centre), polygons' `area` their shoelace area, keypoints in skeleton order
  (0, 0, 0 unplaced), masks decoding to the submitted pixels with pycocotools' `area`; annotations per category.
- COCO read by datumaro's `coco_instances` (laid out as annotations/instances_default.json beside
  images/default/), the file as downloaded: an item per image named by the file's stem, its COCO id the asset's,
  its size and image file, labels with their question as parent, every box, polygon and mask (pixels and area)
  with its task and annotator; and by `coco_person_keypoints` on the file's keypoint categories and their
  annotations (that importer wants `keypoints` on every category and annotation): the points' names, the 1-based
  skeleton, every instance's points and visibilities. datumaro keeps shapes as float32 rounded to 2 decimals, so
  these compare within 0.01 px. datumaro names an item after its `file_name` and refuses a file that repeats one
  (RepeatedItemError): a repeated image fails the check there too.
- YOLO (`format=yolo&answers=all&question=` each of vehicles/detect, ships/obb, cracks/segment,
  figures/pose, and the defaults: the first question and `answers=latest`) unzipped, with the images (fetched
  from `/api/v1/assets/{id}/content`) placed at the names train.txt gives: data.yaml's `names`, `kpt_shape`,
  `train`/`val` lists beside it and no `path` key (Ultralytics would resolve one elsewhere than the yaml's folder);
  a label file per listed image; every label file read by the rules of Ultralytics' loader (columns per task,
  normalized coordinates, classes below `names`), de-normalized and compared with the answers to 1e-6 × the
  image's longer side (six decimals); every oriented box turned back into centre, sides and angle by OpenCV's
  `minAreaRect`, as Ultralytics does. datumaro 1.13.12 reads only the detection task of the Ultralytics layout
  (its `yolo` importer; there is no obb, segment or pose importer in it): the detect archives are also read by
  datumaro, items by stem in subset train, sizes from the image files, every box.
- Pascal VOC (`format=voc&answers=all`) unzipped, the images put under JPEGImages/, read by datumaro's
  `voc_detection`: the labels of labelmap.txt (each once, schema order), an item per line of
  ImageSets/Main/default.txt with its size and image file, a box per region of the box and polygon questions
  (the bounds of a turned box or a polygon) within 0.005 px.

    python3 -m venv --system-site-packages .build/reference-datasets-venv
    .build/reference-datasets-venv/bin/python -m pip install -r Tests/reference/requirements-datasets.txt
    .build/reference-datasets-venv/bin/python Tests/reference/datasets_reference.py --binary .build/release/labelpark
        [--seed N] [--keep]

(datumaro pins pandas 2.3 and pyarrow 25, the other reference checks pandas 3.1: it gets an environment of its
own, which sees the system's numpy and pycocotools.) The last line is `datasets-reference: PASS …` or
`datasets-reference: FAIL …`; the exit status is 1 on FAIL.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import json
import logging
import math
import random
import shutil
import sys
import tempfile
import time
import warnings
import zipfile
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "process"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from lp_client import ParkClient  # noqa: E402
from lp_server import Deadline, ServerProcess, TEST_BCRYPT_COST, create_account  # noqa: E402
from reference_park import Checks, answer_every_task, coco_annotations_by_task, png  # noqa: E402

import numpy as np  # noqa: E402
import yaml  # noqa: E402
from pycocotools import mask as mask_utils  # noqa: E402
from pycocotools.coco import COCO  # noqa: E402

try:
    import cv2  # noqa: E402
    import datumaro as dm  # noqa: E402
    from datumaro.components.annotation import AnnotationType, Bbox, Points  # noqa: E402
except ImportError as error:  # pragma: no cover - the message says what to install
    sys.exit(f"datasets-reference: FAIL (cannot import datumaro: {error}; "
             "install Tests/reference/requirements-datasets.txt)")

# (width, height) of each uploaded image; every image has a task, the first also a second one.
IMAGES = [(640, 480), (320, 240), (200, 300), (160, 120)]
SHARED_IMAGE = 0
ANNOTATORS = 2
PASSWORD = "datasets-reference-password"
ORGANIZATION = "Datasets Client"
POINTS = ["head", "neck", "left_hand", "right_hand", "hip"]
SKELETON = [["head", "neck"], ["neck", "left_hand"], ["neck", "right_hand"], ["neck", "hip"]]
LABELS = {
    "vehicles": ["car", "truck", "bus"],
    "ships": ["ship", "buoy"],
    "cracks": ["crack", "stain"],
    "figures": ["person", "robot"],
    "areas": ["water", "road"],
}
SCHEMA = {
    "fields": [{"name": "photo", "type": "image"}],
    "questions": [
        {"name": "vehicles", "type": "boxes", "field": "photo", "labels": LABELS["vehicles"]},
        {"name": "ships", "type": "boxes", "field": "photo", "labels": LABELS["ships"], "rotation": True},
        {"name": "cracks", "type": "polygons", "field": "photo", "labels": LABELS["cracks"]},
        {"name": "figures", "type": "keypoints", "field": "photo", "labels": LABELS["figures"], "points": POINTS,
         "skeleton": SKELETON},
        {"name": "areas", "type": "masks", "field": "photo", "labels": LABELS["areas"]},
    ],
}
QUESTIONS = [question["name"] for question in SCHEMA["questions"]]
# The YOLO task each question exports as (the masks question has none).
YOLO_TASKS = {"vehicles": "detect", "ships": "obb", "cracks": "segment", "figures": "pose"}
VOC_QUESTIONS = ["vehicles", "ships", "cracks"]
# YOLO writes six decimals of a coordinate divided by the image's side: a de-normalized coordinate is within
# 0.5e-6 · side, a corner datumaro derives from the centre and the size within 0.75e-6 · side.
YOLO_TOLERANCE = 1e-6
# VOC writes two decimals; datumaro reads them into float32.
VOC_TOLERANCE = 0.005 + 1e-4
COCO_TOLERANCE = 1e-9
# datumaro keeps a shape's coordinates as float32 rounded to 2 decimals (COORDINATE_ROUNDING_DIGITS), a box as
# its two corners: a width is the difference of two rounded numbers.
DATUMARO_TOLERANCE = 0.01 + 1e-4


# ---------------------------------------------------------------------------------------------- answers


def r3(value: float) -> float:
    return round(value, 3)


def upright_box(rng: random.Random, width: int, height: int, labels: list[str]) -> dict:
    box_width, box_height = rng.uniform(8, width / 3), rng.uniform(8, height / 3)
    x, y = rng.uniform(0, width - box_width), rng.uniform(0, height - box_height)
    return {"x": r3(x), "y": r3(y), "width": r3(box_width), "height": r3(box_height), "label": rng.choice(labels)}


def turned_box(rng: random.Random, width: int, height: int) -> dict:
    """A box turned about its centre, all of it at least a pixel inside the image; now and then upright (no
    `rotation`, or 0)."""
    box_width, box_height = rng.uniform(10, width / 3), rng.uniform(10, height / 3)
    roll = rng.random()
    rotation = None if roll < 0.15 else 0.0 if roll < 0.25 else r3(rng.choice([-1, 1]) * rng.uniform(3, 80))
    radians = math.radians(rotation or 0.0)
    extent_x = (abs(box_width * math.cos(radians)) + abs(box_height * math.sin(radians))) / 2
    extent_y = (abs(box_width * math.sin(radians)) + abs(box_height * math.cos(radians))) / 2
    cx = rng.uniform(extent_x + 1, width - extent_x - 1)
    cy = rng.uniform(extent_y + 1, height - extent_y - 1)
    box = {"x": r3(cx - box_width / 2), "y": r3(cy - box_height / 2), "width": r3(box_width),
           "height": r3(box_height), "label": rng.choice(LABELS["ships"])}
    if rotation is not None:
        box["rotation"] = rotation
    return box


def star_polygon(rng: random.Random, width: int, height: int) -> dict:
    """A simple polygon: points at jittered, increasing angles around a centre (star-shaped, so never crossing)."""
    radius = rng.uniform(8, min(width, height) / 4)
    cx, cy = rng.uniform(radius, width - radius), rng.uniform(radius, height - radius)
    count = rng.randint(3, 9)
    points = []
    for index in range(count):
        angle = 2 * math.pi * (index + rng.uniform(0.1, 0.9)) / count
        distance = radius * rng.uniform(0.45, 1.0)
        points.append([r3(cx + distance * math.cos(angle)), r3(cy + distance * math.sin(angle))])
    return {"points": points, "label": rng.choice(LABELS["cracks"])}


def figure(rng: random.Random, width: int, height: int) -> dict:
    """A keypoint instance: every point placed (v 2 or 1), left out, or sent unplaced as [x, y, 0]; at least two
    placed points apart, so its box has an area."""
    cx, cy = rng.uniform(0.2, 0.8) * width, rng.uniform(0.2, 0.8) * height
    spread_x, spread_y = rng.uniform(0.05, 0.2) * width, rng.uniform(0.05, 0.2) * height
    points = {}
    for index, name in enumerate(POINTS):
        x = r3(min(max(cx + rng.uniform(-1, 1) * spread_x, 0.0), width))
        y = r3(min(max(cy + rng.uniform(-1, 1) * spread_y, 0.0), height))
        roll = rng.random()
        if index < 2 or roll < 0.7:
            points[name] = [x, y, 2 if rng.random() < 0.75 else 1]
        elif roll < 0.85:
            points[name] = [x, y, 0]
    return {"points": points, "label": rng.choice(LABELS["figures"])}


def blob(rng: random.Random, width: int, height: int) -> np.ndarray:
    """A rectangle or an ellipse of pixels, rasterized with numpy."""
    ys, xs = np.mgrid[0:height, 0:width]
    blob_width, blob_height = rng.uniform(5, width / 2), rng.uniform(5, height / 2)
    x, y = rng.uniform(0, width - blob_width), rng.uniform(0, height - blob_height)
    if rng.random() < 0.5:
        return (xs >= x) & (xs < x + blob_width) & (ys >= y) & (ys < y + blob_height)
    cx, cy, rx, ry = x + blob_width / 2, y + blob_height / 2, blob_width / 2, blob_height / 2
    return ((xs + 0.5 - cx) / rx) ** 2 + ((ys + 0.5 - cy) / ry) ** 2 <= 1


def encode(mask: np.ndarray) -> dict:
    rle = mask_utils.encode(np.asfortranarray(mask.astype(np.uint8)))
    return {"size": [int(rle["size"][0]), int(rle["size"][1])], "counts": rle["counts"].decode("ascii")}


def decode(rle: dict) -> np.ndarray:
    counts = rle["counts"].encode("ascii") if isinstance(rle["counts"], str) else rle["counts"]
    return mask_utils.decode({"size": list(rle["size"]), "counts": counts}).astype(bool)


def answer_of(rng: random.Random, width: int, height: int) -> dict:
    masks = [blob(rng, width, height) for _ in range(rng.randint(1, 2))]
    return {
        "vehicles": [upright_box(rng, width, height, LABELS["vehicles"]) for _ in range(rng.randint(0, 3))],
        "ships": [turned_box(rng, width, height) for _ in range(rng.randint(1, 3))],
        "cracks": [star_polygon(rng, width, height) for _ in range(rng.randint(0, 2))],
        "figures": [figure(rng, width, height) for _ in range(rng.randint(1, 2))],
        "areas": [{"rle": encode(mask), "label": rng.choice(LABELS["areas"])} for mask in masks if mask.any()],
    }


# ---------------------------------------------------------------------------------------------- geometry


def corners(box: dict) -> list[tuple[float, float]]:
    """A box's outline, clockwise on screen from its top-left corner before turning, turned `rotation` degrees
    clockwise (y down) about its centre."""
    x, y, width, height = box["x"], box["y"], box["width"], box["height"]
    outline = [(x, y), (x + width, y), (x + width, y + height), (x, y + height)]
    rotation = box.get("rotation", 0.0)
    if rotation % 360 == 0:
        return outline
    sine, cosine = math.sin(math.radians(rotation)), math.cos(math.radians(rotation))
    cx, cy = x + width / 2, y + height / 2
    return [(cx + (px - cx) * cosine - (py - cy) * sine, cy + (px - cx) * sine + (py - cy) * cosine)
            for px, py in outline]


def outline_of(question: str, region: dict) -> list[tuple[float, float]]:
    return [tuple(point) for point in region["points"]] if question == "cracks" else corners(region)


def bounds(points) -> tuple[float, float, float, float]:
    """(x, y, width, height) of the smallest upright box around the points."""
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)


def shoelace(points) -> float:
    return abs(sum(points[i][0] * points[(i + 1) % len(points)][1] - points[(i + 1) % len(points)][0] * points[i][1]
                   for i in range(len(points)))) / 2


def placed(instance: dict) -> dict:
    return {name: point for name, point in instance["points"].items() if point[2] > 0}


def keypoint_triples(instance: dict) -> list[float]:
    """COCO's and YOLO's order: every point of the skeleton, (0, 0, 0) when not placed."""
    values = []
    for name in POINTS:
        point = instance["points"].get(name)
        values += [point[0], point[1], point[2]] if point is not None and point[2] > 0 else [0, 0, 0]
    return values


def digest(mask: np.ndarray) -> str:
    return f"{int(mask.sum())} px {hashlib.sha256(np.packbits(mask).tobytes()).hexdigest()[:16]}"


def close(first, second, tolerance: float) -> bool:
    return len(first) == len(second) and all(abs(a - b) <= tolerance for a, b in zip(first, second))


def match_regions(checks: Checks, what: str, expected: list, found: list, tolerance: float) -> float:
    """Pairs each expected (key, numbers) with a found one of the same key whose numbers are all within
    `tolerance`; every region must find its own. Returns the largest difference of the pairs."""
    checks.equal(f"{what}: regions", len(found), len(expected))
    left = list(found)
    largest = 0.0
    for key, numbers in expected:
        candidates = [(max((abs(a - b) for a, b in zip(numbers, other)), default=0.0), index)
                      for index, (other_key, other) in enumerate(left)
                      if other_key == key and len(other) == len(numbers)]
        best = min(candidates, default=None)
        if best is None or best[0] > tolerance:
            checks.fail(what, f"no region read back for {key} {[round(n, 4) for n in numbers]}"
                        + (f" (nearest {best[0]:.3g} away)" if best else ""))
            continue
        largest = max(largest, best[0])
        left.pop(best[1])
        checks.passes += 1
    for key, numbers in left:
        checks.fail(what, f"a region read back that was not answered: {key} {[round(n, 4) for n in numbers]}")
    return largest


# ---------------------------------------------------------------------------------------------- the run


class Run:
    """What the park was given and what it answered, for the comparisons."""

    def __init__(self, work: Path):
        self.work = work
        self.assets: list[dict] = []  # per image: id, sha256, width, height, bytes
        self.tasks: dict[int, dict] = {}  # task id → {"image": index, "annotations": [{id, task, annotator, result}]}
        self.submitted: dict[tuple[int, int], dict] = {}  # (item, annotator user id) → result
        self.largest: dict[str, float] = defaultdict(float)

    def annotations_of_image(self, image: int, latest: bool = False) -> list[dict]:
        chosen = []
        for task in self.tasks.values():
            if task["image"] != image or not task["annotations"]:
                continue
            annotations = task["annotations"]
            chosen += [max(annotations, key=lambda a: (a["updated_at"], a["id"]))] if latest else annotations
        return chosen


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", required=True)
    parser.add_argument("--seed", type=int, default=20261221)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    started = time.monotonic()
    logging.getLogger().setLevel(logging.ERROR)
    warnings.simplefilter("ignore")
    deadline = Deadline(240.0, "the dataset reference check")
    work = Path(tempfile.mkdtemp(prefix="labelpark-datasets-reference-"))
    server = ServerProcess(args.binary, data_dir=work / "data", log_path=work / "server.log",
                           extra_args=["--bcrypt-cost", str(TEST_BCRYPT_COST)], description="the reference server")
    checks = Checks()
    run = Run(work)
    try:
        manager = create_account(args.binary, "manager@datasets.test", "manager", deadline, password=PASSWORD,
                                 organization=ORGANIZATION, data_dir=work / "data", org_kind="client",
                                 bcrypt_cost=TEST_BCRYPT_COST)
        annotators = [create_account(args.binary, f"annotator{index}@datasets.test", "annotator", deadline,
                                     password=PASSWORD, organization=ORGANIZATION, data_dir=work / "data",
                                     bcrypt_cost=TEST_BCRYPT_COST) for index in range(ANNOTATORS)]
        server.start(deadline.cap(30.0))
        admin = ParkClient(server.base_url, manager.token)
        project = admin.post_json("/api/v1/projects", {"name": "datasets reference", "schema": SCHEMA,
                                                       "overlap": ANNOTATORS}, expect=(201,)).json()["id"]
        for index, (width, height) in enumerate(IMAGES):
            body = png(width, height, 50 + 40 * index)
            uploaded = admin.request("POST", f"/api/v1/projects/{project}/assets", body, "image/png",
                                     expect=(201,)).json()
            checks.equal(f"image {index}: size the park read", (uploaded["width"], uploaded["height"]), (width, height))
            run.assets.append({"id": uploaded["id"], "sha256": hashlib.sha256(body).hexdigest(), "width": width,
                               "height": height, "bytes": body})
        items = list(range(len(IMAGES))) + [SHARED_IMAGE]
        lines = [json.dumps({"photo": f"asset:{run.assets[image]['id']}", "item": item})
                 for item, image in enumerate(items)]
        admin.request("POST", f"/api/v1/projects/{project}/tasks", "\n".join(lines).encode(), "application/x-ndjson",
                      expect=(201,))
        clients = [ParkClient(server.base_url, account.token) for account in annotators]
        answer_rng = random.Random(f"{args.seed}/answers")

        def answer_for(index: int, task: dict) -> dict:
            item = task["data"]["item"]
            width, height = IMAGES[items[item]]
            result = answer_of(answer_rng, width, height)
            run.submitted[(item, annotators[index].user_id)] = result
            return result

        answer_every_task(clients, project, answer_for, deadline)
        for client in clients:
            client.close()
        export = admin.get(f"/api/v1/projects/{project}/export?format=jsonl&aggregate=false", expect=(200,)).json_lines()
        for task in export:
            item = task["data"]["item"]
            annotations = []
            for annotation in task.get("annotations", []):
                checks.equal(f"task {task['id']}: the result stored is the one submitted", annotation["result"],
                             run.submitted.get((item, annotation["annotator_id"])))
                annotations.append({"id": annotation["id"], "task": task["id"],
                                    "annotator": annotation["annotator_id"], "result": annotation["result"],
                                    "updated_at": annotation["updated_at"]})
            checks.equal(f"task {task['id']}: annotations", len(annotations), ANNOTATORS)
            run.tasks[task["id"]] = {"image": items[item], "annotations": annotations}
        checks.equal("tasks exported", len(run.tasks), len(items))
        checks.equal("tasks showing the shared image",
                     sum(task["image"] == SHARED_IMAGE for task in run.tasks.values()), 2)
        for asset in run.assets:
            content = admin.get(f"/api/v1/assets/{asset['id']}/content", expect=(200,)).body
            checks.equal(f"asset {asset['id']}: content", hashlib.sha256(content).hexdigest(), asset["sha256"])

        coco_all = admin.get(f"/api/v1/projects/{project}/export?format=coco&answers=all", expect=(200,)).body
        coco_latest = admin.get(f"/api/v1/projects/{project}/export?format=coco", expect=(200,)).body
        archives = {question: admin.get(f"/api/v1/projects/{project}/export?format=yolo&answers=all&question={question}",
                                        expect=(200,)).body for question in YOLO_TASKS}
        yolo_default = admin.get(f"/api/v1/projects/{project}/export?format=yolo", expect=(200,)).body
        refused = admin.get(f"/api/v1/projects/{project}/export?format=yolo&question=areas", expect=(422,)).json()
        checks.equal("yolo of the masks question: refused naming `question`", refused["error"]["field"], "question")
        voc = admin.get(f"/api/v1/projects/{project}/export?format=voc&answers=all", expect=(200,)).body
        admin.close()
        server.terminate(timeout=10.0)

        check_coco_pycocotools(checks, run, coco_all, latest=False)
        check_coco_pycocotools(checks, run, coco_latest, latest=True)
        check_coco_datumaro(checks, run, coco_all)
        check_coco_keypoints_datumaro(checks, run, coco_all)
        for question, archive in archives.items():
            check_yolo(checks, run, question, archive, latest=False)
        check_yolo(checks, run, "vehicles", yolo_default, latest=True, name="yolo (defaults)")
        check_voc(checks, run, voc)
    finally:
        server.kill()
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    for failure in checks.failures[:40]:
        print(f"  FAIL {failure}")
    if len(checks.failures) > 40:
        print(f"  … and {len(checks.failures) - 40} more")
    verdict = "PASS" if not checks.failures else "FAIL"
    largest = ", ".join(f"{name} {value:.2g}" for name, value in sorted(run.largest.items()))
    print(f"datasets-reference: {verdict} ({checks.passes} equal, {len(checks.failures)} different; "
          f"COCO by pycocotools and datumaro coco_instances + coco_person_keypoints, YOLO detect by datumaro "
          f"(Ultralytics layout), obb/segment/pose by Ultralytics' label rules and OpenCV, VOC by datumaro "
          f"voc_detection; largest differences: {largest}; {time.monotonic() - started:.1f} s)")
    return 0 if not checks.failures else 1


# ---------------------------------------------------------------------------------------------- COCO


def expected_coco(run: Run, image: int, latest: bool) -> list[tuple]:
    """Every region of the chosen annotations of every task showing the image, as (category, (task, annotator),
    kind, numbers): an upright box its `bbox`, a turned box or a polygon its outline, a keypoint instance its
    `keypoints` (0, 0, 0 where not placed), a mask its pixels."""
    regions = []
    for annotation in run.annotations_of_image(image, latest):
        result, who = annotation["result"], (annotation["task"], annotation["annotator"])
        for question in QUESTIONS:
            for region in result.get(question, []):
                label = region["label"]
                if question == "vehicles" or (question == "ships" and region.get("rotation", 0) == 0):
                    regions.append((label, who, "box", (region["x"], region["y"], region["width"], region["height"])))
                elif question in ("ships", "cracks"):
                    outline = outline_of(question, region)
                    regions.append((label, who, "polygon", tuple(v for point in outline for v in point)))
                elif question == "figures":
                    regions.append((label, who, "keypoints", tuple(keypoint_triples(region))))
                else:
                    regions.append((label, who, "mask", decode(region["rle"])))
    return regions


def coco_images_once(checks: Checks, name: str, document: dict) -> bool:
    """Whether every image appears once in `images`. datumaro (and so CVAT) names an item after its `file_name`
    and refuses a file that repeats one (RepeatedItemError), as happened when one `images` entry was written per
    task and two tasks showed the same image."""
    by_file = defaultdict(list)
    for image in document["images"]:
        by_file[image["file_name"]].append(image["id"])
    repeated = {file: ids for file, ids in by_file.items() if len(ids) > 1}
    for file, ids in repeated.items():
        checks.fail(f"{name}: each image once in `images`",
                    f"{file} is written {len(ids)} times (image ids {ids}); datumaro names items by file_name and "
                    "refuses the whole file (RepeatedItemError)")
    if not repeated:
        checks.passes += 1
    return not repeated


def check_coco_pycocotools(checks: Checks, run: Run, body: bytes, latest: bool) -> None:
    """pycocotools reads the file: the categories, every image at its size under its file name, every region at
    its coordinates (to 1e-9), polygons' `area` their shoelace area, masks' RLE decoding to the submitted pixels
    and their `area` pycocotools' own, the count of annotations per category."""
    name = "COCO (answers=latest)" if latest else "COCO (answers=all)"
    path = run.work / ("coco-latest.json" if latest else "coco-all.json")
    path.write_bytes(body)
    with contextlib.redirect_stdout(io.StringIO()):
        dataset = COCO(str(path))
    coco_images_once(checks, name, dataset.dataset)
    asset_of_task = {task: run.assets[shown["image"]]["id"] for task, shown in run.tasks.items()}
    coco_annotations_by_task(checks, name, dataset.dataset, asset_of_task)
    categories = {category["id"]: category for category in dataset.loadCats(dataset.getCatIds())}
    checks.equal(f"{name}: categories (question, label, keypoints)",
                 [(c["supercategory"], c["name"], c.get("keypoints")) for _, c in sorted(categories.items())],
                 [(q, label, POINTS if q == "figures" else None) for q in QUESTIONS for label in LABELS[q]])
    by_sha = {asset["sha256"]: index for index, asset in enumerate(run.assets)}
    entries_of = defaultdict(list)
    for image in dataset.loadImgs(dataset.getImgIds()):
        stem = image["file_name"].rsplit(".", 1)[0]
        if stem not in by_sha or image["file_name"] != f"{stem}.png":
            checks.fail(name, f"an image named after no uploaded image: {image['file_name']}")
            continue
        asset = run.assets[by_sha[stem]]
        checks.equal(f"{name} image {image['id']}: id (the asset's)", image["id"], asset["id"])
        checks.equal(f"{name} image {image['id']}: size", (image["width"], image["height"]),
                     (asset["width"], asset["height"]))
        checks.equal(f"{name} image {image['id']}: coco_url", image["coco_url"], f"/api/v1/assets/{asset['id']}/content")
        entries_of[by_sha[stem]].append(image["id"])
    checks.equal(f"{name}: the images", sorted(entries_of), list(range(len(IMAGES))))
    per_category_expected, per_category_found = defaultdict(int), defaultdict(int)
    for image, ids in sorted(entries_of.items()):
        expected = expected_coco(run, image, latest)
        for label, *_ in expected:
            per_category_expected[label] += 1
        found = []
        for annotation in dataset.loadAnns(dataset.getAnnIds(imgIds=ids)):
            label = categories[annotation["category_id"]]["name"]
            per_category_found[label] += 1
            who = (annotation["attributes"].get("task_id"), annotation["attributes"].get("annotator_id"))
            segmentation = annotation["segmentation"]
            if "keypoints" in annotation:
                found.append((label, who, "keypoints", tuple(annotation["keypoints"])))
            elif isinstance(segmentation, dict):
                rle = dataset.annToRLE(annotation)
                found.append((label, who, "mask", mask_utils.decode(rle).astype(bool)))
                checks.equal(f"{name} image {image}: mask area", annotation["area"], int(mask_utils.area(rle)))
            elif segmentation:
                found.append((label, who, "polygon", tuple(segmentation[0])))
                ring = list(zip(segmentation[0][0::2], segmentation[0][1::2]))
                checks.equal(f"{name} image {image}: polygon area", annotation["area"], shoelace(ring), 1e-6)
            else:
                found.append((label, who, "box", tuple(annotation["bbox"])))
        compare_coco_regions(checks, run, f"{name} image {image}", expected, found, "COCO/pycocotools",
                             COCO_TOLERANCE)
    checks.equal(f"{name}: annotations per category", dict(per_category_found), dict(per_category_expected))


def compare_coco_regions(checks: Checks, run: Run, what: str, expected: list, found: list, reader: str,
                         tolerance: float) -> None:
    """Masks by their pixels, everything else by its numbers."""
    def split(regions):
        masks = sorted((label, who, digest(mask)) for label, who, kind, mask in regions if kind == "mask")
        others = [((label, who, kind), numbers) for label, who, kind, numbers in regions if kind != "mask"]
        return masks, others
    expected_masks, expected_others = split(expected)
    found_masks, found_others = split(found)
    checks.equal(f"{what}: masks (decoded pixels)", found_masks, expected_masks)
    largest = match_regions(checks, what, expected_others, found_others, tolerance)
    run.largest[reader] = max(run.largest[reader], largest)


def coco_layout(run: Run, name: str, file_name: str, document: bytes) -> Path:
    """COCO's layout, which datumaro's COCO importers need: annotations/<task>_default.json beside images/default/
    holding each image under its `file_name`."""
    root = run.work / name
    (root / "annotations").mkdir(parents=True)
    (root / "images" / "default").mkdir(parents=True)
    for asset in run.assets:
        (root / "images" / "default" / f"{asset['sha256']}.png").write_bytes(asset["bytes"])
    path = root / "annotations" / file_name
    path.write_bytes(document)
    return path


def datumaro_import(checks: Checks, what: str, path: Path, format_name: str):
    """The dataset datumaro reads, every item read, or None (a failure recorded) when it refuses the files."""
    try:
        dataset = dm.Dataset.import_from(str(path), format_name)
        len(dataset)  # reads every item: what datumaro refuses surfaces here
        return dataset
    except Exception as error:  # datumaro refusing our file is a failure of the export
        checks.fail(what, f"datumaro {format_name} could not read it: {type(error).__name__}: {error}")
        return None


def datumaro_items(run: Run, checks: Checks, name: str, dataset) -> dict[int, object]:
    """datumaro's COCO items by image (the uploaded image its id, the file name's stem, names)."""
    by_sha = {asset["sha256"]: index for index, asset in enumerate(run.assets)}
    items = {}
    for item in dataset:
        if item.id not in by_sha:
            checks.fail(name, f"an item named after no uploaded image: {item.id}")
            continue
        image = by_sha[item.id]
        asset = run.assets[image]
        checks.equal(f"{name} image {image}: COCO id (the asset's)", item.attributes.get("id"), asset["id"])
        checks.equal(f"{name} image {image}: size", item.media.size, (asset["height"], asset["width"]))
        checks.equal(f"{name} image {image}: image file (images/default/file_name)", Path(item.media.path).name,
                     f"{asset['sha256']}.png")
        items[image] = item
    checks.equal(f"{name}: items", sorted(items), list(range(len(IMAGES))))
    return items


def check_coco_datumaro(checks: Checks, run: Run, body: bytes) -> None:
    """datumaro's coco_instances importer: an item per image (its id the file name's stem), every annotation as a
    box, plus a polygon or an RLE mask, grouped by the annotation's id; the labels with their question as parent."""
    name = "COCO by datumaro coco_instances"
    dataset = datumaro_import(checks, name, coco_layout(run, "coco-datumaro", "instances_default.json", body),
                              "coco_instances")
    if dataset is None:
        return
    labels = dataset.categories()[AnnotationType.label]
    checks.equal(f"{name}: labels (name, parent)", [(label.name, label.parent) for label in labels.items],
                 [(label, question) for question in QUESTIONS for label in LABELS[question]])
    for image, item in datumaro_items(run, checks, name, dataset).items():
        what = f"{name} image {image}"
        groups = defaultdict(list)
        for annotation in item.annotations:
            groups[annotation.id].append(annotation)
        found = []
        for parts in groups.values():
            kinds = {type(part).__name__: part for part in parts}
            box = kinds.get("Bbox")
            label = labels[parts[0].label].name
            who = (parts[0].attributes.get("task_id"), parts[0].attributes.get("annotator_id"))
            if "Polygon" in kinds:
                found.append((label, who, "polygon", tuple(kinds["Polygon"].points)))
            elif "RleMask" in kinds:
                mask = np.asarray(kinds["RleMask"].image).astype(bool)
                found.append((label, who, "mask", mask))
                checks.equal(f"{what}: mask area", kinds["RleMask"].get_area(), int(mask.sum()))
            elif box is not None and label in LABELS["figures"]:
                continue  # keypoints: coco_instances reads their box only; coco_person_keypoints below
            elif box is not None:
                found.append((label, who, "box", (box.x, box.y, box.w, box.h)))
        expected = [region for region in expected_coco(run, image, latest=False) if region[2] != "keypoints"]
        compare_coco_regions(checks, run, what, expected, found, "COCO/datumaro", DATUMARO_TOLERANCE)


def check_coco_keypoints_datumaro(checks: Checks, run: Run, body: bytes) -> None:
    """datumaro's coco_person_keypoints importer wants `keypoints` on every category and every annotation (a
    person_keypoints file, one task of COCO's): it reads our file's keypoint categories and their annotations, as
    they are, with the points' names, the skeleton and every instance's points and visibilities."""
    document = json.loads(body)
    name = "COCO keypoints by datumaro coco_person_keypoints"
    keypoint_categories = {category["id"] for category in document["categories"] if "keypoints" in category}
    document["categories"] = [c for c in document["categories"] if c["id"] in keypoint_categories]
    document["annotations"] = [a for a in document["annotations"] if a["category_id"] in keypoint_categories]
    path = coco_layout(run, "coco-keypoints-datumaro", "person_keypoints_default.json", json.dumps(document).encode())
    dataset = datumaro_import(checks, name, path, "coco_person_keypoints")
    if dataset is None:
        return
    labels = dataset.categories()[AnnotationType.label]
    points_categories = dataset.categories()[AnnotationType.points]
    checks.equal(f"{name}: labels", [label.name for label in labels.items], LABELS["figures"])
    for index, label in enumerate(labels.items):
        category = points_categories.items[index]
        checks.equal(f"{name}: {label.name} points", list(category.labels), POINTS)
        checks.equal(f"{name}: {label.name} skeleton", sorted(map(tuple, category.joints)),
                     sorted((POINTS.index(a) + 1, POINTS.index(b) + 1) for a, b in SKELETON))
    for image, item in datumaro_items(run, checks, name, dataset).items():
        found = []
        for annotation in item.annotations:
            if isinstance(annotation, Points):
                triples = []
                for x, y, visibility in zip(annotation.points[0::2], annotation.points[1::2], annotation.visibility):
                    triples += [x, y, int(visibility)]
                who = (annotation.attributes.get("task_id"), annotation.attributes.get("annotator_id"))
                found.append((labels[annotation.label].name, who, "keypoints", tuple(triples)))
        expected = [region for region in expected_coco(run, image, latest=False) if region[2] == "keypoints"]
        compare_coco_regions(checks, run, f"{name} image {image}", expected, found, "COCO/datumaro",
                             DATUMARO_TOLERANCE)


# ---------------------------------------------------------------------------------------------- YOLO


def unzip(checks: Checks, what: str, body: bytes, folder: Path) -> list[str] | None:
    try:
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            names = archive.namelist()
            for name in names:
                target = (folder / name).resolve()
                if not str(target).startswith(str(folder.resolve()) + "/"):
                    checks.fail(what, f"an entry outside the archive's folder: {name}")
                    return None
            archive.extractall(folder)
            return names
    except zipfile.BadZipFile as error:
        checks.fail(what, f"not a zip: {error}")
        return None


def expected_yolo(run: Run, question: str, image: int, latest: bool) -> list[tuple]:
    """(class, pixel numbers) of every region of the image: detect the upright box (x, y, w, h), obb the four
    corners, segment the points, pose the box of the placed points then x, y, v per point (0, 0, 0 unplaced)."""
    labels = LABELS[question]
    regions = []
    for annotation in run.annotations_of_image(image, latest):
        for region in annotation["result"].get(question, []):
            label = labels.index(region["label"])
            if question == "vehicles":
                regions.append((label, bounds(corners(region))))
            elif question == "ships":
                regions.append((label, tuple(v for point in corners(region) for v in point)))
            elif question == "cracks":
                regions.append((label, tuple(v for point in region["points"] for v in point)))
            else:
                box = bounds([(p[0], p[1]) for p in placed(region).values()])
                regions.append((label, tuple(box) + tuple(keypoint_triples(region))))
    return regions


def ultralytics_rows(text: str, task: str, classes: int, keypoints: int) -> list[list[float]]:
    """A label file read by the rules Ultralytics' loader (`verify_image_label`) applies: whitespace-separated
    numbers; a pose line is `class cx cy w h` and (x, y, v) per keypoint of `kpt_shape`; any other line with more
    than 6 columns is an outline (segment: the polygon's points, obb: 4 corners); otherwise `class cx cy w h`;
    coordinates normalized (at most 1.01, at least -0.01), classes below the count of `names`. Raises
    ValueError on anything it would drop the file for."""
    rows = [line.split() for line in text.strip().splitlines() if len(line)]
    numbers = [[float(value) for value in row] for row in rows]
    for row in numbers:
        if task == "pose":
            if len(row) != 5 + keypoints * 3:
                raise ValueError(f"labels require {5 + keypoints * 3} columns each, got {len(row)}")
            coordinates = row[1:5] + [value for index, value in enumerate(row[5:]) if index % 3 != 2]
        elif task in ("segment", "obb"):
            if len(row) <= 6 or len(row) % 2 == 0:
                raise ValueError(f"an outline needs a class and 3 or more x y pairs, got {len(row)} columns")
            if task == "obb" and len(row) != 9:
                raise ValueError(f"an oriented box is a class and 4 corners (9 columns), got {len(row)}")
            coordinates = row[1:]
        else:
            if len(row) != 5:
                raise ValueError(f"labels require 5 columns, {len(row)} columns detected")
            coordinates = row[1:]
        if max(coordinates) > 1.01 or min(row) < -0.01:
            raise ValueError(f"non-normalized or out of bounds coordinates in {row}")
        if row[0] != int(row[0]) or not 0 <= row[0] < classes:
            raise ValueError(f"class {row[0]} is not one of the {classes} names")
    return numbers


def check_yolo(checks: Checks, run: Run, question: str, body: bytes, latest: bool, name: str | None = None) -> None:
    task = YOLO_TASKS[question]
    name = name or f"yolo {task} ({question})"
    folder = run.work / name.replace(" ", "-").replace("(", "").replace(")", "")
    folder.mkdir()
    entries = unzip(checks, name, body, folder)
    if entries is None:
        return
    config = yaml.safe_load((folder / "data.yaml").read_text())
    labels = LABELS[question]
    checks.equal(f"{name}: data.yaml names", config.get("names"), dict(enumerate(labels)))
    checks.equal(f"{name}: data.yaml kpt_shape", config.get("kpt_shape"),
                 [len(POINTS), 3] if task == "pose" else None)
    for split in ("train", "val"):
        checks.equal(f"{name}: data.yaml {split} is a list beside it", (folder / str(config.get(split))).is_file(), True)
    # Ultralytics (check_det_dataset) joins `train` and `val` to `path` when the yaml has one: a relative `path`
    # is taken from the working directory when it exists there ('.' always does), else from Ultralytics' datasets
    # directory, and an absolute one would name a folder of the machine that wrote it. Only without `path` is the
    # yaml's own folder the root, which is what the export promises (docs/API.md: no `path`).
    if "path" in config:
        checks.fail(f"{name}: data.yaml", f"`path: {config['path']}` is not the yaml's folder for Ultralytics, which "
                    "resolves a relative one against the working directory (or its datasets directory): `yolo train "
                    "data=<folder>/data.yaml` run from elsewhere looks for train.txt there; without `path` the root is "
                    "the yaml's folder")
    else:
        checks.passes += 1
    listed = [line for line in (folder / "train.txt").read_text().splitlines() if line]
    by_sha = {asset["sha256"]: index for index, asset in enumerate(run.assets)}
    stems = {}
    for line in listed:
        relative = Path(line)
        checks.equal(f"{name}: train.txt line under ./images/train/", line.startswith("./images/train/"), True)
        stem = relative.stem
        if stem not in by_sha:
            checks.fail(name, f"train.txt names an image that is no asset: {line}")
            continue
        image = by_sha[stem]
        stems[stem] = image
        target = folder / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(run.assets[image]["bytes"])
    checks.equal(f"{name}: images listed", sorted(stems.values()), list(range(len(IMAGES))))
    label_files = sorted(entry for entry in entries if entry.startswith("labels/"))
    checks.equal(f"{name}: a label file per image", label_files, sorted(f"labels/train/{stem}.txt" for stem in stems))

    # Ultralytics' rules for every task, then datumaro for detect (its only Ultralytics reader in 1.13.12).
    tolerance_of = {stem: YOLO_TOLERANCE * max(run.assets[image]["width"], run.assets[image]["height"]) + 1e-9
                    for stem, image in stems.items()}
    for stem, image in stems.items():
        asset = run.assets[image]
        width, height = asset["width"], asset["height"]
        what = f"{name} image {image}"
        try:
            rows = ultralytics_rows((folder / "labels" / "train" / f"{stem}.txt").read_text(), task, len(labels),
                                    len(POINTS))
        except (OSError, ValueError) as error:
            checks.fail(what, f"the label file breaks Ultralytics' label rules: {error}")
            continue
        found = []
        for row in rows:
            label, values = int(row[0]), row[1:]
            if task in ("detect", "pose"):
                cx, cy, w, h = values[0] * width, values[1] * height, values[2] * width, values[3] * height
                pixels = (cx - w / 2, cy - h / 2, w, h)
                if task == "pose":
                    for index in range(len(POINTS)):
                        x, y, v = values[4 + 3 * index: 7 + 3 * index]
                        pixels += (x * width, y * height, v)
                found.append((label, pixels))
            else:
                found.append((label, tuple(value * (width if index % 2 == 0 else height)
                                           for index, value in enumerate(values))))
        expected = expected_yolo(run, question, image, latest)
        largest = match_regions(checks, f"{what} (Ultralytics rules)", expected, found, tolerance_of[stem])
        run.largest[f"YOLO {task}"] = max(run.largest[f"YOLO {task}"], largest / max(width, height))
        if task == "obb":
            check_obb_rectangles(checks, what, run, image, found)
    if task == "detect":
        check_yolo_datumaro(checks, run, name, folder, stems, question, latest, tolerance_of)


def check_obb_rectangles(checks: Checks, what: str, run: Run, image: int, found: list) -> None:
    """Ultralytics turns an oriented box's 4 corners into (centre, sides, angle) with OpenCV's minAreaRect: it must
    give back each answered box's centre and sides and its rotation modulo 90° (minAreaRect's range), to float32's
    precision (1e-3 px, 0.05°)."""
    expected = []
    for annotation in run.annotations_of_image(image):
        for box in annotation["result"]["ships"]:
            expected.append((LABELS["ships"].index(box["label"]),
                             (box["x"] + box["width"] / 2, box["y"] + box["height"] / 2,
                              min(box["width"], box["height"]), max(box["width"], box["height"])),
                             box.get("rotation", 0.0) % 90))
    left = []
    for label, pixels in found:
        (cx, cy), (w, h), angle = cv2.minAreaRect(np.array(pixels, dtype=np.float32).reshape(4, 2))
        left.append((label, (cx, cy, min(w, h), max(w, h)), angle % 90))
    for label, numbers, angle in expected:
        hit = next((index for index, (other_label, other, other_angle) in enumerate(left)
                    if other_label == label and close(numbers, other, 1e-3)
                    and min(abs(angle - other_angle), 90 - abs(angle - other_angle)) < 0.05), None)
        if hit is None:
            checks.fail(f"{what}: OpenCV minAreaRect", f"no oriented box reads back as {label} {numbers} {angle}°")
        else:
            left.pop(hit)
            checks.passes += 1


def check_yolo_datumaro(checks: Checks, run: Run, name: str, folder: Path, stems: dict, question: str, latest: bool,
                        tolerance_of: dict) -> None:
    """datumaro's `yolo` importer, which finds the Ultralytics layout by data.yaml: an item per label file (its id
    the file's stem) in subset train, its size from the image file beside it, a box per line de-normalized."""
    dataset = datumaro_import(checks, f"{name} by datumaro", folder, "yolo")
    if dataset is None:
        return
    labels = dataset.categories()[AnnotationType.label]
    checks.equal(f"{name} by datumaro: labels", [label.name for label in labels.items], LABELS[question])
    items = {item.id: item for item in dataset}
    checks.equal(f"{name} by datumaro: items", sorted(items), sorted(stems))
    for stem, item in items.items():
        if stem not in stems:
            continue
        image = stems[stem]
        asset = run.assets[image]
        checks.equal(f"{name} by datumaro image {image}: subset", item.subset, "train")
        checks.equal(f"{name} by datumaro image {image}: size", item.media.size, (asset["height"], asset["width"]))
        found = [(annotation.label, (annotation.x, annotation.y, annotation.w, annotation.h))
                 for annotation in item.annotations if isinstance(annotation, Bbox)]
        checks.equal(f"{name} by datumaro image {image}: only boxes", len(found), len(item.annotations))
        largest = match_regions(checks, f"{name} by datumaro image {image}", expected_yolo(run, question, image, latest),
                                found, tolerance_of[stem] + DATUMARO_TOLERANCE)
        run.largest["YOLO detect/datumaro"] = max(run.largest["YOLO detect/datumaro"], largest)


# ---------------------------------------------------------------------------------------------- VOC


def check_voc(checks: Checks, run: Run, body: bytes) -> None:
    """datumaro's voc_detection importer: an item per image listed in ImageSets/Main/default.txt, its size and
    image from the XML, a box per region of the box and polygon questions (the bounds of a turned box or a
    polygon), the labels of labelmap.txt."""
    folder = run.work / "voc"
    folder.mkdir()
    entries = unzip(checks, "VOC", body, folder)
    if entries is None:
        return
    by_sha = {asset["sha256"]: index for index, asset in enumerate(run.assets)}
    listed = [line.strip() for line in (folder / "ImageSets" / "Main" / "default.txt").read_text().splitlines()
              if line.strip()]
    checks.equal("VOC: images listed", sorted(by_sha.get(stem, -1) for stem in listed), list(range(len(IMAGES))))
    for stem in listed:
        if stem in by_sha:
            target = folder / "JPEGImages" / f"{stem}.png"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(run.assets[by_sha[stem]]["bytes"])
    labels_expected = []
    for question in VOC_QUESTIONS:
        labels_expected += [label for label in LABELS[question] if label not in labels_expected]
    dataset = datumaro_import(checks, "VOC by datumaro voc_detection", folder, "voc_detection")
    if dataset is None:
        return
    labels = dataset.categories()[AnnotationType.label]
    checks.equal("VOC by datumaro: labels", [label.name for label in labels.items if label.name != "background"],
                 labels_expected)
    items = {item.id: item for item in dataset}
    checks.equal("VOC by datumaro: items", sorted(items), sorted(listed))
    for stem, item in items.items():
        if stem not in by_sha:
            continue
        image = by_sha[stem]
        asset = run.assets[image]
        width, height = asset["width"], asset["height"]
        what = f"VOC by datumaro image {image}"
        checks.equal(f"{what}: subset", item.subset, "default")
        checks.equal(f"{what}: size", item.media.size, (height, width))
        checks.equal(f"{what}: image file (filename under JPEGImages)", Path(item.media.path).resolve(),
                     (folder / "JPEGImages" / f"{stem}.png").resolve())
        expected = []
        for annotation in run.annotations_of_image(image):
            for question in VOC_QUESTIONS:
                for region in annotation["result"].get(question, []):
                    x, y, w, h = bounds(outline_of(question, region))
                    xmin, ymin = min(max(x, 0), width), min(max(y, 0), height)
                    xmax, ymax = min(max(x + w, 0), width), min(max(y + h, 0), height)
                    expected.append((region["label"], (xmin, ymin, xmax, ymax)))
        found = [(labels[a.label].name, tuple(a.points)) for a in item.annotations if isinstance(a, Bbox)]
        checks.equal(f"{what}: only boxes", len(found), len(item.annotations))
        largest = match_regions(checks, what, expected, found, VOC_TOLERANCE)
        run.largest["VOC"] = max(run.largest["VOC"], largest)


if __name__ == "__main__":
    sys.exit(main())
