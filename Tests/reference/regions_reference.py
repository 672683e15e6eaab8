#!/usr/bin/env python3
"""Reference check for region questions (issue #13): LabelPark's box and polygon quality numbers against
pycocotools, shapely and ensemble-boxes.

A release server is started on a fresh data directory. An image project asks `hazards` (boxes, labels person,
vehicle, smoke, IoU threshold 0.5) and `cracks` (polygons, threshold 0.3) about five uploaded 640 × 480 images;
40 tasks, 12 of them gold, overlap 3, every annotator answering every gold task first (`gold_at_start`). Four
simulated annotators, careful to sloppy, copy the hidden truth with pixel noise, misses, extra boxes and
swapped labels, and shuffle the order they draw in. The truth's boxes never overlap each other, so whether two
answers match never hangs on a near tie.

`GET /api/v1/projects/{id}/quality` is compared with computations on the same answers (read back from the jsonl
export):

- boxes against gold: per annotator, pycocotools' `COCOeval` (`iouType="bbox"`, one IoU threshold of 0.5, no
  detection limit, every box of score 1 in the order it was drawn) gives the matched, answer and gold counts,
  and the mean IoU of its matches from its own IoU matrices — equal to LabelPark's `gold.regions`;
- polygons against gold: the same matching rule over shapely's exact polygon IoU (COCOeval's `segm` IoU
  rasterizes polygons, so it is not exact) — counts equal, mean IoU to 1e-9;
- the pairwise agreement of both questions (mean F1 of every pair of answers to a task, mean IoU of every
  match) by hand over the same IoUs;
- the COCO export (`format=coco&answers=all`) loaded by pycocotools: one image per image file (its id the
  asset's id, exactly the assets the tasks show, each once, though eight tasks show each), every annotation on
  the image of the task its `attributes.task_id` names; per task, every box at its coordinates and label, every
  polygon's ring, its area equal to shapely's;
- the crowd's boxes per task against ensemble-boxes' `weighted_boxes_fusion` (`conf_type="avg"`,
  `skip_box_thr=0`) with each annotator weighted (2·matched + 1) ÷ (answers + gold + 2) from their gold record:
  the same clusters, boxes within 0.01 px (ensemble-boxes averages in float32) and confidences within 1e-5.

    python3 -m pip install --break-system-packages -r Tests/reference/requirements-regions.txt
    python3 Tests/reference/regions_reference.py --binary .build/release/labelpark [--seed N] [--keep]

The last line is `regions-reference: PASS …` or `regions-reference: FAIL …`; the exit status is 1 on FAIL.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import math
import random
import shutil
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "process"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from lp_client import ParkClient  # noqa: E402
from lp_server import Deadline, ServerProcess, TEST_BCRYPT_COST, create_account  # noqa: E402
from reference_park import Checks, answer_every_task, asset_id, coco_annotations_by_task, png  # noqa: E402

import numpy as np  # noqa: E402
from ensemble_boxes import weighted_boxes_fusion  # noqa: E402
from pycocotools.coco import COCO  # noqa: E402
from pycocotools.cocoeval import COCOeval  # noqa: E402
from shapely.geometry import Polygon  # noqa: E402

WIDTH, HEIGHT = 640, 480
IMAGES = 5
TASKS = 40
GOLD_TASKS = 12
OVERLAP = 3
BOX_LABELS = ["person", "vehicle", "smoke"]
BOX_THRESHOLD = 0.5
POLYGON_THRESHOLD = 0.3
PASSWORD = "regions-reference-password"
ORGANIZATION = "Regions Client"
TOLERANCE = 1e-9
SCHEMA = {
    "fields": [{"name": "photo", "type": "image"}],
    "questions": [
        {"name": "hazards", "type": "boxes", "field": "photo", "labels": BOX_LABELS, "iou_threshold": BOX_THRESHOLD},
        {"name": "cracks", "type": "polygons", "field": "photo", "labels": ["crack"],
         "iou_threshold": POLYGON_THRESHOLD},
    ],
}
# noise (px), chance to miss a box, chance of an extra box, chance to swap a label
PROFILES = [(1.0, 0.02, 0.02, 0.0), (3.0, 0.08, 0.05, 0.03), (6.0, 0.15, 0.10, 0.08), (12.0, 0.30, 0.25, 0.15)]


# ---------------------------------------------------------------------------------------------- simulation


def truth_boxes(rng: random.Random) -> list[dict]:
    """3–7 boxes on a 4 × 3 grid of 160 × 160 cells, one per cell, so no two overlap."""
    cells = rng.sample([(column, row) for column in range(4) for row in range(3)], rng.randint(3, 7))
    boxes = []
    for column, row in cells:
        width, height = rng.uniform(50, 120), rng.uniform(50, 120)
        x = column * 160 + rng.uniform(10, 150 - width)
        y = row * 160 + rng.uniform(10, 150 - height)
        boxes.append({"x": x, "y": y, "width": width, "height": height, "label": rng.choice(BOX_LABELS)})
    return boxes


def star_polygon(rng: random.Random, cx: float, cy: float, radius: float, count: int) -> list[list[float]]:
    """A simple polygon: points at sorted angles around a centre, at random distances (star-shaped)."""
    angles = sorted(rng.uniform(0, 2 * math.pi) for _ in range(count))
    points = []
    for angle in angles:
        distance = radius * rng.uniform(0.4, 1.0)
        points.append([cx + distance * math.cos(angle), cy + distance * math.sin(angle)])
    return points


def truth_polygons(rng: random.Random) -> list[dict]:
    return [{"points": star_polygon(rng, 120 + 380 * index, 240, 90, rng.randint(5, 12)), "label": "crack"}
            for index in range(rng.randint(0, 2))]


def clamp_box(box: dict) -> dict:
    x = min(max(box["x"], 0), WIDTH - 2)
    y = min(max(box["y"], 0), HEIGHT - 2)
    width = min(max(box["width"], 2), WIDTH - x)
    height = min(max(box["height"], 2), HEIGHT - y)
    return {"x": x, "y": y, "width": width, "height": height, "label": box["label"]}


def answer_of(profile, truth: dict, rng: random.Random) -> dict:
    noise, miss, extra, swap = profile
    boxes = []
    for box in truth["hazards"]:
        if rng.random() < miss:
            continue
        label = rng.choice(BOX_LABELS) if rng.random() < swap else box["label"]
        boxes.append(clamp_box({"x": box["x"] + rng.gauss(0, noise), "y": box["y"] + rng.gauss(0, noise),
                                "width": box["width"] + rng.gauss(0, noise), "height": box["height"] + rng.gauss(0, noise),
                                "label": label}))
    # Extra boxes go in cells the truth left empty, so none of them nearly matches a real one.
    used = {(int(box["x"] // 160), int(box["y"] // 160)) for box in truth["hazards"]}
    free = [(column, row) for column in range(4) for row in range(3) if (column, row) not in used]
    while free and rng.random() < extra:
        column, row = free.pop(rng.randrange(len(free)))
        boxes.append({"x": column * 160 + rng.uniform(10, 100), "y": row * 160 + rng.uniform(10, 100),
                      "width": rng.uniform(10, 40), "height": rng.uniform(10, 40), "label": rng.choice(BOX_LABELS)})
    rng.shuffle(boxes)
    polygons = []
    for polygon in truth["cracks"]:
        if rng.random() < miss:
            continue
        moved = [[min(max(x + rng.gauss(0, noise), 0), WIDTH), min(max(y + rng.gauss(0, noise), 0), HEIGHT)]
                 for x, y in polygon["points"]]
        if Polygon(moved).is_valid and Polygon(moved).area > 0:
            polygons.append({"points": moved, "label": "crack"})
    return {"hazards": boxes, "cracks": polygons}


# ---------------------------------------------------------------------------------------------- references


def coco_box_record(answers: list[tuple[int, list[dict], list[dict]]]) -> tuple[int, int, int, float]:
    """(matched, answer boxes, gold boxes, summed IoU of matches) of one annotator's answers to gold tasks, by
    COCOeval: `answers` holds (task, their boxes in drawing order, gold boxes)."""
    categories = [{"id": index + 1, "name": label} for index, label in enumerate(BOX_LABELS)]
    category = {label: index + 1 for index, label in enumerate(BOX_LABELS)}
    images, ground, detections = [], [], []
    for task, boxes, gold in answers:
        images.append({"id": task, "width": WIDTH, "height": HEIGHT, "file_name": f"{task}.png"})
        for box in gold:
            ground.append({"id": len(ground) + 1, "image_id": task, "category_id": category[box["label"]],
                           "bbox": [box["x"], box["y"], box["width"], box["height"]],
                           "area": box["width"] * box["height"], "iscrowd": 0})
        for box in boxes:
            detections.append({"id": len(detections) + 1, "image_id": task, "category_id": category[box["label"]],
                               "bbox": [box["x"], box["y"], box["width"], box["height"]], "score": 1.0,
                               "area": box["width"] * box["height"]})
    with contextlib.redirect_stdout(io.StringIO()):
        truth = COCO()
        truth.dataset = {"images": images, "annotations": ground, "categories": categories}
        truth.createIndex()
        found = truth.loadRes(detections) if detections else COCO()
        if not detections:
            found.dataset = {"images": images, "annotations": [], "categories": categories}
            found.createIndex()
        evaluation = COCOeval(truth, found, iouType="bbox")
        evaluation.params.iouThrs = np.array([BOX_THRESHOLD])
        evaluation.params.maxDets = [100000]
        evaluation.params.areaRng = [[0, 1e12]]
        evaluation.params.areaRngLbl = ["all"]
        evaluation.evaluate()
    matched = iou_sum = 0.0
    answered = gold_count = 0
    for record in evaluation.evalImgs:
        if record is None:
            continue
        answered += len(record["dtIds"])
        gold_count += len(record["gtIds"])
        ious = evaluation.ious[(record["image_id"], record["category_id"])]
        # COCOeval sorts detections by score with a stable sort and cuts at maxDets: its rows are the dt order.
        gt_order = list(record["gtIds"])
        for row, gt_id in enumerate(record["dtMatches"][0]):
            if gt_id > 0:
                matched += 1
                iou_sum += ious[row, gt_order.index(int(gt_id))]
    return int(matched), answered, gold_count, iou_sum


def polygon_iou(first: list, second: list) -> float:
    a, b = Polygon(first), Polygon(second)
    shared = a.intersection(b).area
    union = a.area + b.area - shared
    return shared / union if union > 0 else 0.0


def box_iou(first: dict, second: dict) -> float:
    width = min(first["x"] + first["width"], second["x"] + second["width"]) - max(first["x"], second["x"])
    height = min(first["y"] + first["height"], second["y"] + second["height"]) - max(first["y"], second["y"])
    if width <= 0 or height <= 0:
        return 0.0
    shared = width * height
    return shared / (first["width"] * first["height"] + second["width"] * second["height"] - shared)


def coco_rule_match(answer: list[dict], reference: list[dict], iou, threshold: float) -> tuple[int, int, int, float]:
    """COCOeval's loop for detections of equal score, written out: in answer order, the free reference region of
    the same label with the highest IoU ≥ threshold (the last of equal ones)."""
    taken = [False] * len(reference)
    matched, iou_sum = 0, 0.0
    for region in answer:
        best, best_iou = -1, min(threshold, 1 - 1e-10)
        for index, other in enumerate(reference):
            if taken[index] or other["label"] != region["label"]:
                continue
            value = iou(region, other)
            if value <= 0 or value < best_iou:
                continue
            best, best_iou = index, value
        if best >= 0:
            taken[best] = True
            matched += 1
            iou_sum += best_iou
    return matched, len(answer), len(reference), iou_sum


def f1(matched: int, answered: int, gold: int) -> float:
    return 1.0 if answered + gold == 0 else 2 * matched / (answered + gold)


# ---------------------------------------------------------------------------------------------- the run


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", required=True)
    parser.add_argument("--seed", type=int, default=20261207)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    deadline = Deadline(240.0, "the region reference check")
    work = Path(tempfile.mkdtemp(prefix="labelpark-regions-reference-"))
    server = ServerProcess(args.binary, data_dir=work / "data", log_path=work / "server.log",
                           extra_args=["--bcrypt-cost", str(TEST_BCRYPT_COST)], description="the reference server")
    checks = Checks()
    try:
        manager = create_account(args.binary, "manager@regions.test", "manager", deadline, password=PASSWORD,
                                 organization=ORGANIZATION, data_dir=work / "data", org_kind="client",
                                 bcrypt_cost=TEST_BCRYPT_COST)
        annotators = [create_account(args.binary, f"annotator{index}@regions.test", "annotator", deadline,
                                     password=PASSWORD, organization=ORGANIZATION, data_dir=work / "data",
                                     bcrypt_cost=TEST_BCRYPT_COST) for index in range(len(PROFILES))]
        server.start(deadline.cap(30.0))
        admin = ParkClient(server.base_url, manager.token)
        project = admin.post_json("/api/v1/projects", {"name": "regions reference", "schema": SCHEMA,
                                                       "overlap": OVERLAP,
                                                       "quality": {"gold_at_start": GOLD_TASKS}},
                                  expect=(201,)).json()["id"]
        assets = [admin.request("POST", f"/api/v1/projects/{project}/assets", png(WIDTH, HEIGHT, 40 + 30 * index),
                                "image/png", expect=(201,)).json()["id"] for index in range(IMAGES)]
        truths = []
        lines = []
        for item in range(TASKS):
            truth = {"hazards": truth_boxes(rng), "cracks": truth_polygons(rng)}
            truths.append(truth)
            line = {"data": {"photo": f"asset:{assets[item % IMAGES]}", "item": item}}
            if item < GOLD_TASKS:
                line["gold"] = truth
            lines.append(json.dumps(line))
        admin.request("POST", f"/api/v1/projects/{project}/tasks", "\n".join(lines).encode(), "application/x-ndjson",
                      expect=(201,))
        clients = [ParkClient(server.base_url, account.token) for account in annotators]
        answer_rng = random.Random(f"{args.seed}/answers")
        answer_every_task(clients, project,
                          lambda index, task: answer_of(PROFILES[index], truths[task["data"]["item"]], answer_rng),
                          deadline)
        export = [json.loads(line) for line in admin.get(f"/api/v1/projects/{project}/export?format=jsonl",
                                                         expect=(200,)).text().splitlines() if line.strip()]
        truth_of = {task["id"]: truths[task["data"]["item"]] for task in export}
        gold_tasks = {task["id"] for task in export if task["data"]["item"] < GOLD_TASKS}
        coco_text = admin.get(f"/api/v1/projects/{project}/export?format=coco&answers=all", expect=(200,)).text()
        report = admin.get(f"/api/v1/projects/{project}/quality", expect=(200,)).json()
        questions = {question["name"]: question for question in report["questions"]}
        compare(checks, export, truth_of, gold_tasks, questions, annotators)
        compare_coco(checks, coco_text, export, work)
        for client in clients:
            client.close()
        admin.close()
        server.terminate(timeout=10.0)
    finally:
        server.kill()
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    for failure in checks.failures[:40]:
        print(f"  FAIL {failure}")
    verdict = "PASS" if not checks.failures else "FAIL"
    print(f"regions-reference: {verdict} ({checks.passes} equal, {len(checks.failures)} different)")
    return 0 if not checks.failures else 1


def compare(checks: Checks, export: list[dict], truth_of: dict, gold_tasks: set, questions: dict, annotators) -> None:
    answers_by_user: dict[int, list[tuple[int, dict]]] = defaultdict(list)
    answers_by_task: dict[int, list[tuple[int, dict]]] = defaultdict(list)
    for task in export:
        for annotation in task.get("annotations", []):
            answers_by_user[annotation["annotator_id"]].append((task["id"], annotation["result"]))
            answers_by_task[task["id"]].append((annotation["annotator_id"], annotation["result"]))
    weights = {}
    for name, threshold, iou in (("hazards", BOX_THRESHOLD, box_iou), ("cracks", POLYGON_THRESHOLD, None)):
        records = {record["user_id"]: record["gold"] for record in questions[name]["annotators"]}
        for account in annotators:
            answered = [(task, result[name], truth_of[task][name]) for task, result in answers_by_user[account.user_id]
                        if task in gold_tasks]
            if name == "hazards":
                matched, count, gold, iou_sum = coco_box_record(answered)
                by_hand = [coco_rule_match(boxes, truth, box_iou, threshold) for _, boxes, truth in answered]
                checks.equal(f"user {account.user_id} hazards: COCOeval and the loop written out agree",
                             (matched, count, gold), tuple(sum(part[i] for part in by_hand) for i in range(3)))
                weights[account.user_id] = (2 * matched + 1) / (count + gold + 2)
            else:
                parts = [coco_rule_match(polygons, truth, lambda a, b: polygon_iou(a["points"], b["points"]), threshold)
                         for _, polygons, truth in answered]
                matched, count, gold, iou_sum = (sum(part[i] for part in parts) for i in range(4))
            ours = records[account.user_id]["regions"]
            checks.equal(f"user {account.user_id} {name}: matched", ours["matched"], matched)
            checks.equal(f"user {account.user_id} {name}: answer regions", ours["answer_count"], count)
            checks.equal(f"user {account.user_id} {name}: gold regions", ours["gold_count"], gold)
            checks.equal(f"user {account.user_id} {name}: f1", ours["f1"], f1(matched, count, gold), TOLERANCE)
            checks.equal(f"user {account.user_id} {name}: mean IoU", ours["mean_iou"],
                         iou_sum / matched if matched else None, TOLERANCE if matched else None)
        # Agreement: every pair of answers to a task, both ways being the same F1.
        f1_sum, pairs, pooled_matched, pooled_iou = 0.0, 0, 0, 0.0
        for task, answers in answers_by_task.items():
            for first in range(len(answers)):
                for second in range(first + 1, len(answers)):
                    a, b = answers[first][1][name], answers[second][1][name]
                    measure = box_iou if name == "hazards" else (lambda x, y: polygon_iou(x["points"], y["points"]))
                    matched, count, gold, iou_sum = coco_rule_match(a, b, measure, threshold)
                    f1_sum += f1(matched, count, gold)
                    pairs += 1
                    pooled_matched += matched
                    pooled_iou += iou_sum
        agreement = questions[name]["agreement"]
        checks.equal(f"{name}: compared pairs", agreement["compared_pairs"], pairs)
        checks.equal(f"{name}: mean pairwise F1", agreement["mean_pairwise_f1"], f1_sum / pairs, TOLERANCE)
        checks.equal(f"{name}: mean matched IoU", agreement["mean_matched_iou"],
                     pooled_iou / pooled_matched if pooled_matched else None, TOLERANCE if pooled_matched else None)

    # Fusion: ensemble-boxes on each task's answers, annotators weighted by their gold record.
    fused_of = {entry["task_id"]: entry["boxes"] for entry in questions["hazards"].get("aggregated", [])}
    label_code = {label: index for index, label in enumerate(BOX_LABELS)}
    distinct_weights = len(set(weights.values())) == len(weights)
    checks.equal("the four annotators' weights differ (ensemble-boxes breaks ties by an unstable sort)",
                 distinct_weights, True)
    for task, answers in answers_by_task.items():
        boxes_list, scores_list, labels_list, model_weights = [], [], [], []
        for user, result in answers:
            boxes = result["hazards"]
            boxes_list.append([[b["x"] / WIDTH, b["y"] / HEIGHT, (b["x"] + b["width"]) / WIDTH,
                                (b["y"] + b["height"]) / HEIGHT] for b in boxes])
            scores_list.append([1.0] * len(boxes))
            labels_list.append([label_code[b["label"]] for b in boxes])
            model_weights.append(weights[user])
        if not any(boxes_list):
            reference = []
        else:
            fused, scores, labels = weighted_boxes_fusion(
                [b if b else np.zeros((0, 4)) for b in boxes_list], scores_list, labels_list, weights=model_weights,
                iou_thr=BOX_THRESHOLD, skip_box_thr=0.0, conf_type="avg")
            reference = sorted((BOX_LABELS[int(label)], box[0] * WIDTH, box[1] * HEIGHT, (box[2] - box[0]) * WIDTH,
                                (box[3] - box[1]) * HEIGHT, float(score))
                               for box, score, label in zip(fused, scores, labels))
        ours = sorted((box["label"], box["x"], box["y"], box["width"], box["height"], box["confidence"])
                      for box in fused_of.get(task, []))
        checks.equal(f"task {task}: fused boxes", len(ours), len(reference))
        for mine, theirs in zip(ours, reference):
            checks.equal(f"task {task}: fused label", mine[0], theirs[0])
            for position, name in enumerate(("x", "y", "width", "height"), start=1):
                checks.equal(f"task {task}: fused {name}", mine[position], theirs[position], 0.01)
            checks.equal(f"task {task}: fusion confidence", mine[5], theirs[5], 1e-5)


def compare_coco(checks: Checks, coco_text: str, export: list[dict], work: Path) -> None:
    """The COCO export, loaded by pycocotools, holds each image file once and every region of every answer at its
    coordinates, on its task's image."""
    path = work / "coco.json"
    path.write_text(coco_text)
    with contextlib.redirect_stdout(io.StringIO()):
        dataset = COCO(str(path))
    expected_boxes = defaultdict(list)
    expected_polygons = defaultdict(list)
    for task in export:
        for annotation in task.get("annotations", []):
            for box in annotation["result"]["hazards"]:
                expected_boxes[task["id"]].append(
                    (box["label"], round(box["x"], 6), round(box["y"], 6), round(box["width"], 6), round(box["height"], 6)))
            for polygon in annotation["result"]["cracks"]:
                expected_polygons[task["id"]].append(
                    (polygon["label"], tuple(round(value, 6) for point in polygon["points"] for value in point)))
    names = {category["id"]: category["name"] for category in dataset.loadCats(dataset.getCatIds())}
    asset_of_task = {task["id"]: asset_id(task["data"]["photo"]) for task in export}
    checks.equal("COCO: tasks sharing an image (the layout this check is about)",
                 len(set(asset_of_task.values())) < len(asset_of_task), True)
    by_task = coco_annotations_by_task(checks, "COCO", dataset.dataset, asset_of_task)
    for task in export:
        found_boxes, found_polygons = [], []
        for annotation in by_task.get(task["id"], []):
            if annotation["segmentation"]:
                ring = annotation["segmentation"][0]
                found_polygons.append((names[annotation["category_id"]], tuple(round(value, 6) for value in ring)))
                checks.equal(f"COCO task {task['id']}: polygon area", annotation["area"],
                             Polygon(list(zip(ring[0::2], ring[1::2]))).area, 1e-6)
            else:
                x, y, width, height = annotation["bbox"]
                found_boxes.append((names[annotation["category_id"]], round(x, 6), round(y, 6), round(width, 6),
                                    round(height, 6)))
        checks.equal(f"COCO task {task['id']}: boxes", sorted(found_boxes), sorted(expected_boxes[task["id"]]))
        checks.equal(f"COCO task {task['id']}: polygons", sorted(found_polygons), sorted(expected_polygons[task["id"]]))


if __name__ == "__main__":
    sys.exit(main())
