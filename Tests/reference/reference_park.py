"""Pieces the region reference checks share (regions, keypoints and masks, datasets): a grey PNG to upload, the
tally of comparisons, the loop in which simulated annotators answer every task they are offered, and the check of
the COCO export's images (one per image file) that gives its annotations back by task.

Standard library only; the checks put `Tests/process` on `sys.path` for `lp_client` and `lp_server` themselves.
"""

from __future__ import annotations

import struct
import zlib
from collections import Counter, defaultdict
from typing import Callable


def png(width: int, height: int, shade: int) -> bytes:
    """A grey PNG; the shade makes each image's bytes (and asset) its own."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    row = b"\x00" + bytes([shade, shade, shade]) * width
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(row * height)) + chunk(b"IEND", b""))


class Checks:
    """Every comparison of a check: how many were equal, and a line for each that was not."""

    def __init__(self):
        self.failures: list[str] = []
        self.passes = 0

    def equal(self, what: str, ours, theirs, tolerance: float | None = None) -> None:
        if tolerance is None:
            ok = ours == theirs
        else:
            ok = ours is not None and theirs is not None and abs(ours - theirs) <= tolerance
        if ok:
            self.passes += 1
        else:
            self.failures.append(f"{what}: LabelPark {ours!r}, reference {theirs!r}")

    def fail(self, what: str, message: str) -> None:
        """A comparison that could not be made at all (a reader refused the file)."""
        self.failures.append(f"{what}: {message}")


def answer_every_task(clients: list, project: int, answer_for: Callable[[int, dict], dict], deadline) -> None:
    """The annotators take turns: each claims the next task offered to them (`POST …/next`) and submits
    `answer_for(index of the annotator, the claimed task)` on its lease, until no one is offered anything."""
    active = list(range(len(clients)))
    while active:
        deadline.check()
        still = []
        for index in active:
            claim = clients[index].request("POST", f"/api/v1/projects/{project}/next", expect=(200, 204))
            if claim.status == 204:
                continue
            still.append(index)
            body = claim.json()
            clients[index].post_json(f"/api/v1/tasks/{body['task']['id']}/annotations",
                                     {"lease_token": body["lease"]["token"], "result": answer_for(index, body["task"])},
                                     expect=(201,))
        active = still


def asset_id(value: str) -> int:
    """The asset id of an image field's value, `"asset:ID"`."""
    prefix, _, number = value.partition(":")
    if prefix != "asset" or not number.isdigit():
        raise ValueError(f"not an asset reference: {value!r}")
    return int(number)


def coco_annotations_by_task(checks: Checks, name: str, document: dict, asset_of_task: dict) -> dict:
    """The COCO export's layout: `images` holds each image file once (its `id` the asset's id, a `file_name` of
    its own), exactly the assets the tasks show, however many tasks show one; every annotation has an id of its
    own and names its task in `attributes.task_id`, a task of the project, and lies on that task's image
    (`image_id` = the task's asset). `asset_of_task` maps each task id to the asset id of its image. Returns the
    annotations by the task they name (tasks without any are absent)."""
    ids = Counter(image["id"] for image in document["images"])
    checks.equal(f"{name}: image ids (the assets the tasks show)", sorted(ids), sorted(set(asset_of_task.values())))
    checks.equal(f"{name}: each image once in `images` (ids written more than once)",
                 sorted(image for image, count in ids.items() if count > 1), [])
    files = Counter(image["file_name"] for image in document["images"])
    checks.equal(f"{name}: each file_name once in `images`", sorted(file for file, count in files.items() if count > 1),
                 [])
    annotation_ids = Counter(annotation["id"] for annotation in document["annotations"])
    checks.equal(f"{name}: annotation ids written more than once",
                 sorted(annotation for annotation, count in annotation_ids.items() if count > 1), [])
    by_task = defaultdict(list)
    unknown, misplaced = [], []
    for annotation in document["annotations"]:
        task = annotation.get("attributes", {}).get("task_id")
        if task not in asset_of_task:
            unknown.append((annotation["id"], task))
            continue
        if annotation["image_id"] != asset_of_task[task]:
            misplaced.append((annotation["id"], task, annotation["image_id"], asset_of_task[task]))
        by_task[task].append(annotation)
    checks.equal(f"{name}: annotations whose attributes.task_id is no task of the project (id, task_id)", unknown, [])
    checks.equal(f"{name}: annotations whose image_id is not their task's asset (id, task, image_id, asset)",
                 misplaced, [])
    return by_task
