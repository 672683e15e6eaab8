#!/usr/bin/env python3
"""Reference check for keypoint and mask questions: LabelPark's quality numbers, crowd masks and COCO export
against pycocotools and crowd-kit.

A release server is started on a fresh data directory. An image project asks `figures` (keypoints, labels
person and robot, a seven-point skeleton with its own OKS constants, OKS threshold 0.5) and `areas` (masks,
labels car, tree and water, IoU threshold 0.5) about four uploaded 160 × 120 images; 36 tasks, 12 of them gold,
overlap 3, every annotator answering every gold task first (`gold_at_start`). The hidden truth puts its figures
and its masks (unions of a few rectangles and ellipses, rasterized with numpy) in separate cells of a 3 × 2 grid,
every gold task with a figure in the top-left cell, near the origin; the first gold task's only figure is a
crafted near-origin case (below), answered the same way by everyone. Four simulated annotators, careful to
sloppy, copy it with noise: shifted points, dropped points (left out, or sent as `[x, y, 0]`), guessed points the
truth left out, masks shifted, dilated or eroded, split in two, missed instances, extra ones and swapped labels,
drawn in a shuffled order.

`GET /api/v1/projects/{id}/quality` is compared with computations on the same answers (read back from the jsonl
export):

- keypoints against gold: per annotator, pycocotools' `COCOeval` (`iouType="keypoints"`, `kpt_oks_sigmas` the
  schema's sigmas, one OKS threshold of 0.5, area range all, no detection limit, every instance of score 1 in
  the order it was drawn: the check asserts COCOeval's stable sort keeps that order) gives the matched, answer
  and gold counts and, from its own OKS matrices, the mean OKS of its matches — equal to `gold.regions`.
  One case is computed by hand, because there the two differ by design: a point the answer did not place is
  exported as (0, 0, 0) and pycocotools, which assumes every detection places every point, measures its distance
  from the image's origin — a term exp(−(xg² + yg²) ÷ (2σ)² ÷ (area + ε) ÷ 2) ÷ k that is not 0 for a gold point
  near the origin of a large object — where LabelPark counts such a point 0. The check computes that term for
  every cell of COCOeval's matrices, asserts that COCOeval's OKS is exactly (to 1e-12) the by-hand OKS plus it,
  subtracts it, and reruns COCOeval's own `evaluateImg` on the corrected matrices; the line printed counts the
  cells where the term exceeded 1e-9 and the gold answers whose matching it changes. The crafted case makes it
  change one: gold points (0.5, 0.5), (0.5, 100), (100, 0.5), an answer placing only (0.5, 100), exactly, and
  sending the first point unplaced: LabelPark's OKS is 1/3 (no match at 0.5), pycocotools' about 0.664 (a match);
  LabelPark's gold record must follow the by-hand value, and COCOeval's raw matching must differ there for every
  annotator;
- masks against gold: `COCOeval` (`iouType="segm"`, which is exact on RLE) on the answers' RLEs — counts equal,
  mean IoU to 1e-9;
- the pairwise agreement of both questions (mean F1 of every pair of answers to a task, the pooled mean
  similarity of every match; OKS takes the later answer as the reference) by hand over the same OKS (the by-hand
  formula the gold step checked against COCOeval) and pycocotools' mask IoU;
- the crowd's mask per task and label (`aggregated`) against crowd-kit's `SegmentationMajorityVote` on each
  annotator's masks of the label unioned (an empty mask for an annotator who drew none), skills = the weights
  (2·matched + 1) ÷ (answer masks + gold masks + 2) from the gold records: equal pixel by pixel, except pixels
  where |2·Σcovering − Σall| < 1e-9 (a float tie), which are skipped and counted;
- the COCO export (`format=coco&answers=all`) loaded by pycocotools: keypoint categories with the skeleton's
  names and 1-based pairs, one image per image file (its id the asset's id, exactly the assets the tasks show,
  each once, though nine tasks show each), every annotation on the image of the task its `attributes.task_id`
  names; per task and annotator, every instance's `keypoints` in schema order (0, 0, 0 where not placed),
  `num_keypoints`, the box of its placed points as `bbox` and its area as `area`; every mask's RLE decoding to
  the annotator's pixels, its `area` and `bbox` equal to pycocotools' `mask.area` and `mask.toBbox`.

    python3 -m pip install --break-system-packages -r Tests/reference/requirements-regions.txt
    python3 Tests/reference/keypoints_masks_reference.py --binary .build/release/labelpark [--seed N] [--keep]

The last line is `keypoints-masks-reference: PASS …` or `keypoints-masks-reference: FAIL …`; the exit status is
1 on FAIL.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import json
import math
import random
import shutil
import sys
import tempfile
import time
import warnings
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "process"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from lp_client import ParkClient  # noqa: E402
from lp_server import Deadline, ServerProcess, TEST_BCRYPT_COST, create_account  # noqa: E402
from reference_park import Checks, answer_every_task, asset_id, coco_annotations_by_task, png  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from crowdkit.aggregation import SegmentationMajorityVote  # noqa: E402
from pycocotools import mask as mask_utils  # noqa: E402
from pycocotools.coco import COCO  # noqa: E402
from pycocotools.cocoeval import COCOeval  # noqa: E402

WIDTH, HEIGHT = 160, 120
COLUMNS, ROWS = 3, 2
CELL_WIDTH, CELL_HEIGHT = WIDTH / COLUMNS, HEIGHT / ROWS
IMAGES = 4
TASKS = 36
GOLD_TASKS = 12
OVERLAP = 3
FIGURE_LABELS = ["person", "robot"]
POINTS = ["head", "neck", "left_hand", "right_hand", "hip", "left_foot", "right_foot"]
SKELETON = [["head", "neck"], ["neck", "left_hand"], ["neck", "right_hand"], ["neck", "hip"], ["hip", "left_foot"],
            ["hip", "right_foot"]]
SIGMAS = [0.026, 0.079, 0.062, 0.062, 0.107, 0.089, 0.089]
# Where each point sits on a figure, in half-widths and half-heights from its centre.
POSE = {"head": (0.0, -0.9), "neck": (0.0, -0.55), "left_hand": (-0.9, -0.05), "right_hand": (0.9, -0.1),
        "hip": (0.0, 0.2), "left_foot": (-0.5, 0.9), "right_foot": (0.5, 0.9)}
OKS_THRESHOLD = 0.5
# The first gold task's only figure, and every annotator's answer to it: a large figure with a point at the origin
# that the answer does not place (it sends coordinates with v = 0) and one it places exactly. LabelPark's OKS is
# 1/3, no match; pycocotools measures the unplaced (0, 0) against the gold point (0.5, 0.5) and gets about 2/3, a
# match.
NEAR_ORIGIN_GOLD = {"points": {"head": [0.5, 0.5, 2], "hip": [0.5, 100.0, 2], "left_foot": [100.0, 0.5, 2]},
                    "label": "person"}
NEAR_ORIGIN_ANSWER = {"points": {"head": [37.0, 12.0, 0], "hip": [0.5, 100.0, 2]}, "label": "person"}
MASK_LABELS = ["car", "tree", "water"]
IOU_THRESHOLD = 0.5
PASSWORD = "keypoints-masks-reference-password"
ORGANIZATION = "Keypoints Masks Client"
TOLERANCE = 1e-9
SCHEMA = {
    "fields": [{"name": "photo", "type": "image"}],
    "questions": [
        {"name": "figures", "type": "keypoints", "field": "photo", "labels": FIGURE_LABELS, "points": POINTS,
         "skeleton": SKELETON, "sigmas": SIGMAS, "oks_threshold": OKS_THRESHOLD},
        {"name": "areas", "type": "masks", "field": "photo", "labels": MASK_LABELS, "iou_threshold": IOU_THRESHOLD},
    ],
}
# Per annotator, careful to sloppy: point noise (px), chance to drop a placed point, chance to guess one the truth
# left out, mask shift (px), largest dilation or erosion (px), chance to miss an instance, chance of an extra one,
# chance to swap a label, chance to split a mask in two.
PROFILES = [
    {"noise": 0.7, "drop": 0.03, "guess": 0.1, "shift": 0.4, "morph": 0, "miss": 0.02, "extra": 0.02, "swap": 0.0,
     "split": 0.1},
    {"noise": 1.5, "drop": 0.08, "guess": 0.2, "shift": 1.0, "morph": 1, "miss": 0.08, "extra": 0.05, "swap": 0.03,
     "split": 0.1},
    {"noise": 2.5, "drop": 0.15, "guess": 0.3, "shift": 2.0, "morph": 2, "miss": 0.15, "extra": 0.10, "swap": 0.08,
     "split": 0.15},
    {"noise": 4.0, "drop": 0.25, "guess": 0.4, "shift": 3.5, "morph": 3, "miss": 0.30, "extra": 0.25, "swap": 0.15,
     "split": 0.2},
]


# ---------------------------------------------------------------------------------------------- geometry


def encode(mask: np.ndarray) -> dict:
    """COCO's compressed RLE of a boolean H × W array, counts as a string (what the JSON answer holds)."""
    rle = mask_utils.encode(np.asfortranarray(mask.astype(np.uint8)))
    return {"size": [int(rle["size"][0]), int(rle["size"][1])], "counts": rle["counts"].decode("ascii")}


def decode(rle: dict) -> np.ndarray:
    return mask_utils.decode({"size": rle["size"], "counts": rle["counts"]}).astype(bool)


def pixels_digest(mask: np.ndarray) -> str:
    """A short name for a mask's pixels: their count and a hash of them."""
    return f"{int(mask.sum())} px {hashlib.sha256(np.packbits(mask).tobytes()).hexdigest()[:16]}"


def dilate(mask: np.ndarray, steps: int) -> np.ndarray:
    """Grows the mask by `steps` pixels (a 3 × 3 square each step)."""
    for _ in range(steps):
        grown = mask.copy()
        grown[1:, :] |= mask[:-1, :]
        grown[:-1, :] |= mask[1:, :]
        grown[:, 1:] |= mask[:, :-1]
        grown[:, :-1] |= mask[:, 1:]
        grown[1:, 1:] |= mask[:-1, :-1]
        grown[:-1, :-1] |= mask[1:, 1:]
        grown[1:, :-1] |= mask[:-1, 1:]
        grown[:-1, 1:] |= mask[1:, :-1]
        mask = grown
    return mask


def erode(mask: np.ndarray, steps: int) -> np.ndarray:
    return ~dilate(~mask, steps)


def shifted(mask: np.ndarray, dx: int, dy: int) -> np.ndarray:
    """The mask moved by whole pixels; what leaves the image is lost."""
    moved = np.zeros_like(mask)
    height, width = mask.shape
    source = mask[max(0, -dy):height - max(0, dy), max(0, -dx):width - max(0, dx)]
    moved[max(0, dy):max(0, dy) + source.shape[0], max(0, dx):max(0, dx) + source.shape[1]] = source
    return moved


def blob(rng: random.Random, column: int, row: int, parts: int) -> np.ndarray:
    """A union of `parts` rectangles and ellipses inside one grid cell."""
    mask = np.zeros((HEIGHT, WIDTH), dtype=bool)
    ys, xs = np.mgrid[0:HEIGHT, 0:WIDTH]
    left, top = column * CELL_WIDTH + 3, row * CELL_HEIGHT + 3
    right, bottom = (column + 1) * CELL_WIDTH - 3, (row + 1) * CELL_HEIGHT - 3
    for _ in range(parts):
        width, height = rng.uniform(8, right - left), rng.uniform(8, bottom - top)
        x, y = rng.uniform(left, right - width), rng.uniform(top, bottom - height)
        if rng.random() < 0.5:
            mask |= (xs >= x) & (xs < x + width) & (ys >= y) & (ys < y + height)
        else:
            cx, cy, rx, ry = x + width / 2, y + height / 2, width / 2, height / 2
            mask |= ((xs + 0.5 - cx) / rx) ** 2 + ((ys + 0.5 - cy) / ry) ** 2 <= 1
    return mask


# ---------------------------------------------------------------------------------------------- simulation


def figure(rng: random.Random, column: int, row: int, label: str, unplaced: float) -> dict:
    """A stick figure in a grid cell: `{"points": {name: [x, y, v]}, "label"}`; the truth's own points not placed
    are left out or sent as `[x, y, 0]`. At least three points (head, hip and a foot) are placed, so its box has
    an area."""
    half_width = rng.uniform(0.25, 0.45) * CELL_WIDTH
    half_height = rng.uniform(0.3, 0.45) * CELL_HEIGHT
    cx = column * CELL_WIDTH + CELL_WIDTH / 2 + rng.uniform(-2, 2)
    cy = row * CELL_HEIGHT + CELL_HEIGHT / 2 + rng.uniform(-2, 2)
    points = {}
    for name in POINTS:
        dx, dy = POSE[name]
        x = min(max(cx + dx * half_width + rng.gauss(0, 1.5), 0.0), WIDTH)
        y = min(max(cy + dy * half_height + rng.gauss(0, 1.5), 0.0), HEIGHT)
        if name not in ("head", "hip", "left_foot") and rng.random() < unplaced:
            if rng.random() < 0.5:
                points[name] = [round(x, 3), round(y, 3), 0]
            continue
        points[name] = [round(x, 3), round(y, 3), 1 if rng.random() < 0.15 else 2]
    return {"points": points, "label": label}


def truth_of_task(rng: random.Random, item: int) -> dict:
    cells = [(column, row) for column in range(COLUMNS) for row in range(ROWS)]
    figure_cells = rng.sample(cells, rng.randint(1, 4))
    if item < GOLD_TASKS and (0, 0) not in figure_cells:
        figure_cells[0] = (0, 0)
    figures = [figure(rng, column, row, rng.choice(FIGURE_LABELS), 0.12) for column, row in figure_cells]
    areas = [{"mask": blob(rng, column, row, rng.randint(1, 3)), "label": rng.choice(MASK_LABELS)}
             for column, row in rng.sample(cells, rng.randint(1, 4))]
    areas = [area for area in areas if area["mask"].any()]
    if item == 0:
        return {"figures": [json.loads(json.dumps(NEAR_ORIGIN_GOLD))], "areas": areas, "near origin": True}
    return {"figures": figures, "areas": areas}


def gold_of(truth: dict) -> dict:
    return {"figures": truth["figures"],
            "areas": [{"rle": encode(area["mask"]), "label": area["label"]} for area in truth["areas"]]}


def answer_of(profile: dict, truth: dict, rng: random.Random) -> dict:
    figures = []
    used = set()
    for instance in truth["figures"]:
        any_point = next(iter(instance["points"].values()))
        used.add((int(any_point[0] // CELL_WIDTH), int(any_point[1] // CELL_HEIGHT)))
        if rng.random() < profile["miss"]:
            continue
        label = rng.choice(FIGURE_LABELS) if rng.random() < profile["swap"] else instance["label"]
        points = {}
        for name in POINTS:
            original = instance["points"].get(name)
            if original is None or original[2] == 0:
                if original is not None and rng.random() < profile["guess"]:
                    # A guess at a point the truth left out: placed, it counts nowhere in OKS.
                    points[name] = [original[0], original[1], 1]
                continue
            x = round(min(max(original[0] + rng.gauss(0, profile["noise"]), 0.0), WIDTH), 4)
            y = round(min(max(original[1] + rng.gauss(0, profile["noise"]), 0.0), HEIGHT), 4)
            if rng.random() < profile["drop"]:
                if rng.random() < 0.5:
                    # Not placed, but with coordinates: LabelPark ignores them, the COCO export writes 0, 0, 0.
                    points[name] = [x, y, 0]
                continue
            visibility = original[2] if rng.random() < 0.9 else 3 - original[2]
            points[name] = [x, y, visibility]
        if any(point[2] > 0 for point in points.values()):
            entry = {"points": points, "label": label}
            if rng.random() < 0.3:
                entry["id"] = f"figure-{rng.randrange(10**6)}"
            figures.append(entry)
    free = [(column, row) for column in range(COLUMNS) for row in range(ROWS) if (column, row) not in used]
    while free and rng.random() < profile["extra"]:
        column, row = free.pop(rng.randrange(len(free)))
        figures.append(figure(rng, column, row, rng.choice(FIGURE_LABELS), 0.4))
    rng.shuffle(figures)
    if truth.get("near origin"):
        figures = [json.loads(json.dumps(NEAR_ORIGIN_ANSWER))]

    areas = []
    for area in truth["areas"]:
        if rng.random() < profile["miss"]:
            continue
        label = rng.choice(MASK_LABELS) if rng.random() < profile["swap"] else area["label"]
        mask = shifted(area["mask"], round(rng.gauss(0, profile["shift"])), round(rng.gauss(0, profile["shift"])))
        steps = rng.randint(-profile["morph"], profile["morph"])
        mask = dilate(mask, steps) if steps > 0 else erode(mask, -steps) if steps < 0 else mask
        if not mask.any():
            continue
        if rng.random() < profile["split"]:
            # Drawn as two masks, above and below a row through it: each matches worse, the union votes the same.
            rows = np.nonzero(mask.any(axis=1))[0]
            cut = int(rows[0] + (rows[-1] - rows[0] + 1) // 2)
            upper, lower = mask.copy(), mask.copy()
            upper[cut:, :] = False
            lower[:cut, :] = False
            areas += [{"rle": encode(part), "label": label} for part in (upper, lower) if part.any()]
        else:
            areas.append({"rle": encode(mask), "label": label})
    occupied = set()
    for area in truth["areas"]:
        ys, xs = np.nonzero(area["mask"])
        occupied.add((int(xs[0] // CELL_WIDTH), int(ys[0] // CELL_HEIGHT)))
    free = [(column, row) for column in range(COLUMNS) for row in range(ROWS) if (column, row) not in occupied]
    while free and rng.random() < profile["extra"]:
        column, row = free.pop(rng.randrange(len(free)))
        extra = blob(rng, column, row, 1)
        if extra.any():
            areas.append({"rle": encode(extra), "label": rng.choice(MASK_LABELS)})
    rng.shuffle(areas)
    return {"figures": figures, "areas": areas}


# ---------------------------------------------------------------------------------------------- references


def placed(instance: dict) -> dict[str, tuple[float, float]]:
    """The points an instance placed (v > 0), by name."""
    return {name: (float(point[0]), float(point[1])) for name, point in instance["points"].items() if point[2] > 0}


def coco_keypoints(instance: dict) -> list:
    """COCO's `keypoints` of an instance: x, y, v per schema point, 0, 0, 0 where not placed."""
    values = []
    for name in POINTS:
        point = instance["points"].get(name)
        values += [point[0], point[1], point[2]] if point is not None and point[2] > 0 else [0, 0, 0]
    return values


def placed_box(instance: dict) -> tuple[float, float, float, float]:
    points = list(placed(instance).values())
    xs, ys = [x for x, _ in points], [y for _, y in points]
    return min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)


def box_area(instance: dict) -> float:
    _, _, width, height = placed_box(instance)
    return width * height


def oks(answer: dict, reference: dict) -> float:
    """LabelPark's OKS, by hand: over the reference's placed points, exp(−d² ÷ (2σ)² ÷ (area + ε) ÷ 2), the area
    that of the box around the reference's placed points; a point the answer did not place counts 0."""
    mine, target = placed(answer), placed(reference)
    area = box_area(reference)
    total, counted = 0.0, 0
    for index, name in enumerate(POINTS):
        if name not in target:
            continue
        counted += 1
        if name not in mine:
            continue
        dx, dy = mine[name][0] - target[name][0], mine[name][1] - target[name][1]
        total += math.exp(-(dx * dx + dy * dy) / ((SIGMAS[index] * 2) ** 2) / (area + np.spacing(1)) / 2)
    return total / counted if counted else 0.0


def origin_term(answer: dict, reference: dict) -> float:
    """What pycocotools adds to `oks(answer, reference)`: for each reference point the answer did not place (its
    exported x, y being 0, 0), exp(−(xg² + yg²) ÷ (2σ)² ÷ (area + ε) ÷ 2), over the reference's placed points."""
    mine, target = placed(answer), placed(reference)
    area = box_area(reference)
    total = 0.0
    for index, name in enumerate(POINTS):
        if name in target and name not in mine:
            x, y = target[name]
            total += math.exp(-(x * x + y * y) / ((SIGMAS[index] * 2) ** 2) / (area + np.spacing(1)) / 2)
    return total / len(target)


def coco_frames(images: list, ground: list, detections: list, categories: list):
    with contextlib.redirect_stdout(io.StringIO()):
        truth = COCO()
        truth.dataset = {"images": images, "annotations": ground, "categories": categories}
        truth.createIndex()
        if detections:
            found = truth.loadRes(detections)
        else:
            found = COCO()
            found.dataset = {"images": images, "annotations": [], "categories": categories}
            found.createIndex()
    return truth, found


def run_matching(evaluation: COCOeval) -> list:
    """COCOeval's per-image matching over its current `ious`, as `evaluate()` runs it."""
    p = evaluation.params
    return [evaluation.evaluateImg(image, category, area_range, p.maxDets[-1])
            for category in p.catIds for area_range in p.areaRng for image in p.imgIds]


def tally(evaluation: COCOeval, records: list) -> tuple[int, int, int, float, bool]:
    """(matched, answers, gold, summed similarity of matches, whether every image kept the detections' order)."""
    matched = answered = gold_count = 0
    total = 0.0
    in_order = True
    for record in records:
        if record is None:
            continue
        answered += len(record["dtIds"])
        gold_count += len(record["gtIds"])
        in_order &= list(record["dtIds"]) == sorted(record["dtIds"])
        ious = evaluation.ious[(record["image_id"], record["category_id"])]
        gt_order = list(record["gtIds"])
        for row, gt_id in enumerate(record["dtMatches"][0]):
            if gt_id > 0:
                matched += 1
                total += float(ious[row, gt_order.index(int(gt_id))])
    return matched, answered, gold_count, total, in_order


def coco_keypoint_record(checks: "Checks", who: str, answers: list, stats: dict) -> tuple[int, int, int, float]:
    """(matched, answer instances, gold instances, summed OKS of matches) of one annotator's answers to gold tasks
    by COCOeval, its OKS matrices freed of the unplaced points' origin term (see the module's docstring)."""
    categories = [{"id": index + 1, "name": label, "keypoints": POINTS,
                   "skeleton": [[POINTS.index(a) + 1, POINTS.index(b) + 1] for a, b in SKELETON]}
                  for index, label in enumerate(FIGURE_LABELS)]
    category = {label: index + 1 for index, label in enumerate(FIGURE_LABELS)}
    images, ground, detections = [], [], []
    gt_instance, dt_instance = {}, {}
    for task, instances, gold in answers:
        images.append({"id": task, "width": WIDTH, "height": HEIGHT, "file_name": f"{task}.png"})
        for instance in gold:
            x, y, width, height = placed_box(instance)
            ground.append({"id": len(ground) + 1, "image_id": task, "category_id": category[instance["label"]],
                           "keypoints": coco_keypoints(instance), "num_keypoints": len(placed(instance)),
                           "bbox": [x, y, width, height], "area": width * height, "iscrowd": 0})
            gt_instance[len(ground)] = instance
        for instance in instances:
            detections.append({"image_id": task, "category_id": category[instance["label"]],
                               "keypoints": coco_keypoints(instance), "score": 1.0})
            dt_instance[len(detections)] = instance  # loadRes numbers detections from 1 in list order
    truth, found = coco_frames(images, ground, detections, categories)
    with contextlib.redirect_stdout(io.StringIO()):
        evaluation = COCOeval(truth, found, iouType="keypoints")
        evaluation.params.kpt_oks_sigmas = np.array(SIGMAS)
        evaluation.params.iouThrs = np.array([OKS_THRESHOLD])
        evaluation.params.maxDets = [100000]
        evaluation.params.areaRng = [[0, 1e12]]
        evaluation.params.areaRngLbl = ["all"]
        evaluation.params.useCats = 1
        evaluation.evaluate()
    raw = evaluation.evalImgs
    # Each cell of COCOeval's matrices is LabelPark's OKS by hand plus the origin term; take that term out.
    for key, matrix in list(evaluation.ious.items()):
        if len(matrix) == 0:
            continue
        dts = [dt_instance[d["id"]] for d in evaluation._dts[key]]
        gts = [gt_instance[g["id"]] for g in evaluation._gts[key]]
        corrected = np.array(matrix, dtype=float)
        for row, answer in enumerate(dts):
            for column, reference in enumerate(gts):
                term = origin_term(answer, reference)
                by_hand = oks(answer, reference)
                checks.equal(f"{who} figures: COCOeval OKS = by-hand OKS + origin term (task {key[0]})",
                             float(matrix[row, column]), by_hand + term, 1e-12)
                if term > 0:
                    stats["origin cells"] += 1
                if term > TOLERANCE:
                    stats["material origin cells"] += 1
                corrected[row, column] = matrix[row, column] - term
                if answer == NEAR_ORIGIN_ANSWER and reference == NEAR_ORIGIN_GOLD:
                    stats["near origin cells"].append(float(matrix[row, column]))
        evaluation.ious[key] = corrected
    records = run_matching(evaluation)
    for before, after in zip(raw, records):
        if before is not None and not np.array_equal(before["dtMatches"], after["dtMatches"]):
            stats["matchings changed"] += 1
            stats["changed tasks"].append(before["image_id"])
    matched, answered, gold_count, total, in_order = tally(evaluation, records)
    checks.equal(f"{who} figures: COCOeval kept every image's detections in drawing order", in_order, True)
    return matched, answered, gold_count, total


def coco_mask_record(checks: "Checks", who: str, answers: list) -> tuple[int, int, int, float]:
    """(matched, answer masks, gold masks, summed IoU of matches) of one annotator's answers to gold tasks, by
    COCOeval on the RLEs."""
    categories = [{"id": index + 1, "name": label} for index, label in enumerate(MASK_LABELS)]
    category = {label: index + 1 for index, label in enumerate(MASK_LABELS)}
    images, ground, detections = [], [], []
    for task, masks, gold in answers:
        images.append({"id": task, "width": WIDTH, "height": HEIGHT, "file_name": f"{task}.png"})
        for mask in gold:
            rle = dict(mask["rle"])
            ground.append({"id": len(ground) + 1, "image_id": task, "category_id": category[mask["label"]],
                           "segmentation": rle, "area": float(mask_utils.area(rle)),
                           "bbox": [float(v) for v in mask_utils.toBbox(rle)], "iscrowd": 0})
        for mask in masks:
            detections.append({"image_id": task, "category_id": category[mask["label"]],
                               "segmentation": dict(mask["rle"]), "score": 1.0})
    truth, found = coco_frames(images, ground, detections, categories)
    with contextlib.redirect_stdout(io.StringIO()):
        evaluation = COCOeval(truth, found, iouType="segm")
        evaluation.params.iouThrs = np.array([IOU_THRESHOLD])
        evaluation.params.maxDets = [100000]
        evaluation.params.areaRng = [[0, 1e12]]
        evaluation.params.areaRngLbl = ["all"]
        evaluation.evaluate()
    matched, answered, gold_count, total, in_order = tally(evaluation, evaluation.evalImgs)
    checks.equal(f"{who} areas: COCOeval kept every image's detections in drawing order", in_order, True)
    return matched, answered, gold_count, total


def coco_rule_match(answer: list, reference: list, similarity: np.ndarray, threshold: float):
    """COCOeval's loop for detections of equal score, written out over a similarity matrix (rows the answer's
    regions, columns the reference's): in answer order, the free reference region of the same label with the
    highest similarity ≥ threshold (the last of equal ones)."""
    taken = [False] * len(reference)
    matched, total = 0, 0.0
    for row, region in enumerate(answer):
        best, best_value = -1, min(threshold, 1 - 1e-10)
        for column, other in enumerate(reference):
            if taken[column] or other["label"] != region["label"]:
                continue
            value = float(similarity[row, column])
            if value <= 0 or value < best_value:
                continue
            best, best_value = column, value
        if best >= 0:
            taken[best] = True
            matched += 1
            total += best_value
    return matched, len(answer), len(reference), total


def oks_matrix(answer: list, reference: list) -> np.ndarray:
    return np.array([[oks(a, r) for r in reference] for a in answer]).reshape(len(answer), len(reference))


def iou_matrix(answer: list, reference: list) -> np.ndarray:
    if not answer or not reference:
        return np.zeros((len(answer), len(reference)))
    return np.array(mask_utils.iou([dict(m["rle"]) for m in answer], [dict(m["rle"]) for m in reference],
                                   [0] * len(reference))).reshape(len(answer), len(reference))


def f1(matched: int, answered: int, gold: int) -> float:
    return 1.0 if answered + gold == 0 else 2 * matched / (answered + gold)


# ---------------------------------------------------------------------------------------------- the run


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", required=True)
    parser.add_argument("--seed", type=int, default=20261214)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    started = time.monotonic()
    rng = random.Random(args.seed)
    deadline = Deadline(240.0, "the keypoint and mask reference check")
    work = Path(tempfile.mkdtemp(prefix="labelpark-keypoints-masks-reference-"))
    server = ServerProcess(args.binary, data_dir=work / "data", log_path=work / "server.log",
                           extra_args=["--bcrypt-cost", str(TEST_BCRYPT_COST)], description="the reference server")
    checks = Checks()
    stats = defaultdict(int, {"near origin cells": [], "changed tasks": []})
    try:
        manager = create_account(args.binary, "manager@keypoints-masks.test", "manager", deadline, password=PASSWORD,
                                 organization=ORGANIZATION, data_dir=work / "data", org_kind="client",
                                 bcrypt_cost=TEST_BCRYPT_COST)
        annotators = [create_account(args.binary, f"annotator{index}@keypoints-masks.test", "annotator", deadline,
                                     password=PASSWORD, organization=ORGANIZATION, data_dir=work / "data",
                                     bcrypt_cost=TEST_BCRYPT_COST) for index in range(len(PROFILES))]
        server.start(deadline.cap(30.0))
        admin = ParkClient(server.base_url, manager.token)
        project = admin.post_json("/api/v1/projects", {"name": "keypoints and masks reference", "schema": SCHEMA,
                                                       "overlap": OVERLAP,
                                                       "quality": {"gold_at_start": GOLD_TASKS}},
                                  expect=(201,)).json()["id"]
        assets = [admin.request("POST", f"/api/v1/projects/{project}/assets", png(WIDTH, HEIGHT, 40 + 30 * index),
                                "image/png", expect=(201,)).json()["id"] for index in range(IMAGES)]
        truths = []
        lines = []
        for item in range(TASKS):
            truth = truth_of_task(rng, item)
            truths.append(truth)
            line = {"data": {"photo": f"asset:{assets[item % IMAGES]}", "item": item}}
            if item < GOLD_TASKS:
                line["gold"] = gold_of(truth)
            lines.append(json.dumps(line))
        admin.request("POST", f"/api/v1/projects/{project}/tasks", "\n".join(lines).encode(), "application/x-ndjson",
                      expect=(201,))
        clients = [ParkClient(server.base_url, account.token) for account in annotators]
        answer_rng = random.Random(f"{args.seed}/answers")
        answer_every_task(clients, project,
                          lambda index, task: answer_of(PROFILES[index], truths[task["data"]["item"]], answer_rng),
                          deadline)
        export_text = admin.get(f"/api/v1/projects/{project}/export?format=jsonl", expect=(200,)).text()
        (work / "export.jsonl").write_text(export_text)
        export = [json.loads(line) for line in export_text.splitlines() if line.strip()]
        gold_of_task = {task["id"]: gold_of(truths[task["data"]["item"]]) for task in export
                        if task["data"]["item"] < GOLD_TASKS}
        coco_text = admin.get(f"/api/v1/projects/{project}/export?format=coco&answers=all", expect=(200,)).text()
        report_text = admin.get(f"/api/v1/projects/{project}/quality", expect=(200,)).text()
        (work / "quality.json").write_text(report_text)
        report = json.loads(report_text)
        questions = {question["name"]: question for question in report["questions"]}
        weights = compare_gold(checks, export, gold_of_task, questions, annotators, stats)
        near_origin = next(task["id"] for task in export if task["data"]["item"] == 0)
        check_near_origin(checks, near_origin, stats, len(annotators))
        compare_agreement(checks, export, questions)
        compare_crowd_masks(checks, export, questions, weights, stats)
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
    print(f"keypoints-masks-reference: {verdict} ({checks.passes} equal, {len(checks.failures)} different; "
          f"origin term of unplaced points: {stats['origin cells']} OKS cells, "
          f"{stats['material origin cells']} over 1e-9, {stats['matchings changed']} gold matchings changed "
          f"(near-origin case: LabelPark 1/3, pycocotools {stats['near origin oks']:.6f}); "
          f"{stats['crowd pixels']} crowd pixels compared, {stats['tie pixels']} float ties skipped; "
          f"{time.monotonic() - started:.1f} s)")
    return 0 if not checks.failures else 1


def check_near_origin(checks: Checks, task: int, stats: dict, annotators: int) -> None:
    """The crafted case where pycocotools and LabelPark part: by hand LabelPark's OKS is 1/3 (no match), COCOeval's
    is 1/3 plus the origin term of the unplaced head, about 2/3 (a match), and taking that term out of COCOeval's
    matrix changed its matching on that task for every annotator."""
    by_hand = oks(NEAR_ORIGIN_ANSWER, NEAR_ORIGIN_GOLD)
    checks.equal("near-origin case: LabelPark's OKS by hand", by_hand, 1 / 3, 1e-15)
    cells = stats["near origin cells"]
    checks.equal("near-origin case: every annotator's COCOeval OKS", len(cells), annotators)
    checks.equal("near-origin case: pycocotools' OKS, at or above the threshold",
                 all(cell >= OKS_THRESHOLD for cell in cells) and bool(cells), True)
    checks.equal("near-origin case: COCOeval's matching changed for every annotator",
                 stats["changed tasks"].count(task), annotators)
    stats["near origin oks"] = max(cells) if cells else float("nan")


def answers_of(export: list) -> tuple[dict, dict]:
    """Answers by annotator and by task (in the export's order, which is LabelPark's order of answers)."""
    by_user: dict[int, list] = defaultdict(list)
    by_task: dict[int, list] = defaultdict(list)
    for task in export:
        for annotation in task.get("annotations", []):
            by_user[annotation["annotator_id"]].append((task["id"], annotation["result"]))
            by_task[task["id"]].append((annotation["annotator_id"], annotation["result"]))
    return by_user, by_task


def compare_gold(checks: Checks, export: list, gold_of_task: dict, questions: dict, annotators,
                 stats: dict) -> dict[int, float]:
    """Each annotator's gold record on both questions against COCOeval; returns the mask weights."""
    by_user, _ = answers_of(export)
    weights = {}
    for name, mean_key in (("figures", "mean_oks"), ("areas", "mean_iou")):
        records = {record["user_id"]: record["gold"] for record in questions[name]["annotators"]}
        for account in annotators:
            who = f"user {account.user_id}"
            answered = [(task, result[name], gold_of_task[task][name]) for task, result in by_user[account.user_id]
                        if task in gold_of_task]
            if name == "figures":
                matched, count, gold, total = coco_keypoint_record(checks, who, answered, stats)
                by_hand = [coco_rule_match(instances, truth, oks_matrix(instances, truth), OKS_THRESHOLD)
                           for _, instances, truth in answered]
            else:
                matched, count, gold, total = coco_mask_record(checks, who, answered)
                by_hand = [coco_rule_match(masks, truth, iou_matrix(masks, truth), IOU_THRESHOLD)
                           for _, masks, truth in answered]
                weights[account.user_id] = (2 * matched + 1) / (count + gold + 2)
            checks.equal(f"{who} {name}: COCOeval and the loop written out agree", (matched, count, gold),
                         tuple(sum(part[i] for part in by_hand) for i in range(3)))
            ours = records[account.user_id]["regions"]
            checks.equal(f"{who} {name}: matched", ours["matched"], matched)
            checks.equal(f"{who} {name}: answer regions", ours["answer_count"], count)
            checks.equal(f"{who} {name}: gold regions", ours["gold_count"], gold)
            checks.equal(f"{who} {name}: precision", ours["precision"], matched / count if count else 1.0, TOLERANCE)
            checks.equal(f"{who} {name}: recall", ours["recall"], matched / gold if gold else 1.0, TOLERANCE)
            checks.equal(f"{who} {name}: f1", ours["f1"], f1(matched, count, gold), TOLERANCE)
            checks.equal(f"{who} {name}: {mean_key}", ours[mean_key], total / matched if matched else None,
                         TOLERANCE if matched else None)
    return weights


def compare_agreement(checks: Checks, export: list, questions: dict) -> None:
    """Every pair of answers to a task, the earlier one's regions matched against the later one's."""
    _, by_task = answers_of(export)
    for name, similarity, threshold, key in (("figures", oks_matrix, OKS_THRESHOLD, "mean_matched_oks"),
                                             ("areas", iou_matrix, IOU_THRESHOLD, "mean_matched_iou")):
        f1_sum, pairs, pooled_matched, pooled_total = 0.0, 0, 0, 0.0
        for answers in by_task.values():
            for first in range(len(answers)):
                for second in range(first + 1, len(answers)):
                    a, b = answers[first][1][name], answers[second][1][name]
                    matched, count, gold, total = coco_rule_match(a, b, similarity(a, b), threshold)
                    f1_sum += f1(matched, count, gold)
                    pairs += 1
                    pooled_matched += matched
                    pooled_total += total
        agreement = questions[name]["agreement"]
        checks.equal(f"{name}: compared pairs", agreement["compared_pairs"], pairs)
        checks.equal(f"{name}: mean pairwise F1", agreement["mean_pairwise_f1"], f1_sum / pairs, TOLERANCE)
        checks.equal(f"{name}: {key}", agreement[key], pooled_total / pooled_matched if pooled_matched else None,
                     TOLERANCE if pooled_matched else None)


def compare_crowd_masks(checks: Checks, export: list, questions: dict, weights: dict, stats: dict) -> None:
    """`aggregated` of the masks question against crowd-kit's SegmentationMajorityVote per task and label."""
    _, by_task = answers_of(export)
    ours = {(entry["task_id"], mask["label"]): mask
            for entry in questions["areas"].get("aggregated", []) for mask in entry["masks"]}
    rows, unions, support = [], {}, {}
    for task, answers in by_task.items():
        for label in MASK_LABELS:
            drew = 0
            for user, result in answers:
                union = np.zeros((HEIGHT, WIDTH), dtype=bool)
                for mask in result["areas"]:
                    if mask["label"] == label:
                        union |= decode(mask["rle"])
                drew += any(mask["label"] == label for mask in result["areas"])
                unions[(task, label, user)] = union
                rows.append([f"{task}/{label}", user, union])
            support[(task, label)] = (drew, len(answers))
    frame = pd.DataFrame(rows, columns=["task", "worker", "segmentation"])
    skills = pd.Series(weights)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        voted = SegmentationMajorityVote().fit_predict(frame, skills)
    expected = set()
    for task, answers in by_task.items():
        for label in MASK_LABELS:
            drew, voters = support[(task, label)]
            if drew == 0:
                continue
            reference = np.asarray(voted.loc[f"{task}/{label}"], dtype=bool)
            margin = sum(2 * weights[user] * unions[(task, label, user)] for user, _ in answers) \
                - sum(weights[user] for user, _ in answers)
            ties = np.abs(margin) < 1e-9
            stats["tie pixels"] += int(ties.sum())
            if not reference.any():
                checks.equal(f"task {task} {label}: crowd mask (crowd-kit's is empty)", ours.get((task, label)), None)
                continue
            expected.add((task, label))
            mine = ours.get((task, label))
            checks.equal(f"task {task} {label}: crowd mask present", mine is not None, True)
            if mine is None:
                continue
            pixels = decode(mine["rle"])
            differ = (pixels != reference) & ~ties
            stats["crowd pixels"] += int((~ties).sum())
            checks.equal(f"task {task} {label}: crowd mask pixels differing from crowd-kit's", int(differ.sum()), 0)
            checks.equal(f"task {task} {label}: crowd mask area", mine["area"], int(pixels.sum()))
            checks.equal(f"task {task} {label}: crowd mask support", mine["support"], drew)
            checks.equal(f"task {task} {label}: crowd mask voters", mine["voters"], voters)
    checks.equal("crowd masks beyond crowd-kit's", sorted(set(ours) - expected), [])


def compare_coco(checks: Checks, coco_text: str, export: list, work: Path) -> None:
    """The COCO export, loaded by pycocotools, holds each image file once and every instance and mask of every
    answer, on its task's image."""
    path = work / "coco.json"
    path.write_text(coco_text)
    with contextlib.redirect_stdout(io.StringIO()):
        dataset = COCO(str(path))
    categories = {category["id"]: category for category in dataset.loadCats(dataset.getCatIds())}
    expected_categories = [("figures", label, POINTS, [[POINTS.index(a) + 1, POINTS.index(b) + 1] for a, b in SKELETON])
                           for label in FIGURE_LABELS] + [("areas", label, None, None) for label in MASK_LABELS]
    found_categories = [(category["supercategory"], category["name"], category.get("keypoints"),
                         category.get("skeleton")) for _, category in sorted(categories.items())]
    checks.equal("COCO: categories (keypoint names and 1-based skeleton)", found_categories, expected_categories)
    asset_of_task = {task["id"]: asset_id(task["data"]["photo"]) for task in export}
    checks.equal("COCO: tasks sharing an image (the layout this check is about)",
                 len(set(asset_of_task.values())) < len(asset_of_task), True)
    by_task = coco_annotations_by_task(checks, "COCO", dataset.dataset, asset_of_task)
    for task in export:
        expected_figures, expected_masks = defaultdict(list), defaultdict(list)
        for annotation in task.get("annotations", []):
            user = annotation["annotator_id"]
            for instance in annotation["result"]["figures"]:
                x, y, width, height = placed_box(instance)
                expected_figures[user].append((instance["label"], tuple(coco_keypoints(instance)),
                                               len(placed(instance)), (x, y, width, height), width * height))
            for mask in annotation["result"]["areas"]:
                expected_masks[user].append((mask["label"], pixels_digest(decode(mask["rle"]))))
        found_figures, found_masks = defaultdict(list), defaultdict(list)
        for annotation in by_task.get(task["id"], []):
            user = annotation["attributes"]["annotator_id"]
            label = categories[annotation["category_id"]]["name"]
            if "keypoints" in annotation:
                found_figures[user].append((label, tuple(annotation["keypoints"]), annotation["num_keypoints"],
                                            tuple(annotation["bbox"]), annotation["area"]))
            else:
                rle = annotation["segmentation"]
                checks.equal(f"COCO task {task['id']}: mask size", list(rle["size"]), [HEIGHT, WIDTH])
                found_masks[user].append((label, pixels_digest(decode(rle))))
                checks.equal(f"COCO task {task['id']}: mask area", annotation["area"], int(mask_utils.area(rle)))
                checks.equal(f"COCO task {task['id']}: mask bbox", [float(v) for v in annotation["bbox"]],
                             [float(v) for v in mask_utils.toBbox(rle)])
        for user in sorted(set(expected_figures) | set(found_figures)):
            checks.equal(f"COCO task {task['id']} user {user}: keypoint instances", sorted(found_figures[user]),
                         sorted(expected_figures[user]))
        for user in sorted(set(expected_masks) | set(found_masks)):
            checks.equal(f"COCO task {task['id']} user {user}: masks (decoded pixels)", sorted(found_masks[user]),
                         sorted(expected_masks[user]))


if __name__ == "__main__":
    sys.exit(main())
