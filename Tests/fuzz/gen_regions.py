"""Region answers on images: hostile boxes, polygons, keypoints and masks, submitted, edited, imported as gold
and as prefills; then every export of the image project read back and checked against what was accepted.

Each hostile answer carries a verdict from the documented rules (docs/API.md, "Regions on images") where
they settle it: numbers must be finite, every corner and placed point inside the image (0.01 px of slack),
a rotation within ±360°, 3 to 1,000 points a polygon and 20,000 an answer, at most 5,000 regions, a
visibility of 0, 1 or 2, a mask's size the image's and its counts COCO's compressed runs covering exactly
height × width pixels with at least one set, at most 1,000,000 characters. Small models of those rules
(boxes, keypoints, masks) give the verdicts of the number grids; a value within a hair of a bound is left
open. A refusal must be a 4xx naming the field; an accepted answer must come back unchanged in the exports.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import sys
import xml.etree.ElementTree as ElementTree
import zipfile

from expect import ACCEPT, REFUSE, answer, error_body, imported, parsed
from fuzz_park import POINTS, REGION_IMAGE, STORAGE_IMAGE, STORAGE_KEY, rle_counts, valid_region_result
from gen_context import Context
from hostile import BAD_NUMBERS, Pairs, Raw, deep_array, deep_object, encode, mutate

NDJSON = "application/x-ndjson"
WIDTH, HEIGHT = REGION_IMAGE
PIXELS = WIDTH * HEIGHT
SLACK = 0.01
MAX_SIDE = 1 << 20
MAX_COUNTS = 1_000_000
# Numbers as JSON text for one coordinate, size or flag at a time: bounds of the image, of Int64 and Double.
GRID = ["0", "-0", "1", "-1", "1.5", "2", "2.0", "3", "5", "30", "47.995", "48", "48.0", "48.02", "63.999", "64",
        "64.005", "64.02", "65", "359.99", "360", "-360", "361", "1e308", "-1e308", "1e-320", "4.9e-324", "1e999",
        "-1e999", "1.7976931348623157e308", "9223372036854775807", "9223372036854775808",
        "-9223372036854775809", "1e15", "1e16", "9007199254740993", "0." + "0" * 400 + "1", "1" + "0" * 400,
        "0.0000001", "-0.0"]
BIG_EXPORT = 256 << 20
csv.field_size_limit(sys.maxsize)  # an answer of 5,000 regions is one CSV field


# ------------------------------------------------------------------ models of the documented rules


def number(text: str) -> float | None:
    """The JSON number `text` as a Double, as the server reads it; None when it is no JSON number."""
    if text in BAD_NUMBERS:
        return None
    try:
        return float(text)
    except ValueError:
        return None


def whole(text: str) -> int | None:
    """The server's `intValue`: an exact integer, or a Double with an integer value below 9e15."""
    if re.fullmatch(r"-?\d+", text) and -(1 << 63) <= int(text) < (1 << 63):
        return int(text)
    value = number(text)
    if value is None or not math.isfinite(value) or value != round(value) or abs(value) >= 9e15:
        return None
    return int(value)


def inside(points: list[tuple[float, float]], width: int = WIDTH, height: int = HEIGHT) -> str | None:
    """Whether every point lies in the image with the slack; open within a hair of the bounds."""
    margin = min(min(x + SLACK, y + SLACK, width + SLACK - x, height + SLACK - y) for x, y in points)
    if math.isnan(margin) or margin < -1e-6:
        return REFUSE
    return ACCEPT if margin > 1e-6 else None


def box_verdict(x: str, y: str, width: str, height: str, rotation: str) -> str | None:
    """A turned box's verdict from the JSON texts of its numbers."""
    values = [number(text) for text in (x, y, width, height, rotation)]
    if any(value is None or not math.isfinite(value) for value in values):
        return REFUSE
    x0, y0, w, h, turn = values
    if w <= 0 or h <= 0 or not -360 <= turn <= 360:
        return REFUSE
    corners = [(x0, y0), (x0 + w, y0), (x0 + w, y0 + h), (x0, y0 + h)]
    if math.fmod(turn, 360) != 0:
        radians = turn * math.pi / 180
        sine, cosine = math.sin(radians), math.cos(radians)
        cx, cy = x0 + w / 2, y0 + h / 2
        corners = [(cx + (px - cx) * cosine - (py - cy) * sine, cy + (px - cx) * sine + (py - cy) * cosine)
                   for px, py in corners]
    return inside(corners)


def keypoint_verdict(points: dict[str, tuple[str, str, str]]) -> str | None:
    """An instance's verdict from the JSON texts of each named point's x, y and v."""
    placed = []
    for name, (x, y, v) in points.items():
        values = [number(x), number(y)]
        if name not in POINTS or any(value is None or not math.isfinite(value) for value in values) \
                or whole(v) not in (0, 1, 2):
            return REFUSE
        if whole(v):
            placed.append(tuple(values))
    return inside(placed) if placed else REFUSE


def mask_problem(height: int, width: int, counts: bytes) -> str | None:
    """Why compressed `counts` are no mask of `height` × `width` (the server's decoder), or None."""
    if not (1 <= height <= MAX_SIDE and 1 <= width <= MAX_SIDE):
        return "size"
    pixels = height * width
    runs: list[int] = []
    index = 0
    while index < len(counts):
        value, shift = 0, 0
        while True:
            byte = counts[index]
            if not 48 <= byte <= 111:
                return "character"
            code = byte - 48
            if shift >= 35:
                return "too large"
            value |= (code & 0x1F) << shift
            shift += 5
            if not code & 0x20:
                if code & 0x10:
                    value |= -1 << shift
                break
            index += 1
            if index >= len(counts):
                return "truncated"
        if len(runs) > 2:
            value += runs[-2]
        if value < 0 or value > pixels:
            return "run"
        runs.append(value)
        index += 1
    if sum(runs) != pixels:
        return "sum"
    if not any(run for position, run in enumerate(runs) if position % 2):
        return "empty"
    return None


def mask_verdict(size, counts) -> str | None:
    """A mask's verdict on the park's image; `size` and `counts` are what is sent (numbers as `Raw`)."""
    if not isinstance(size, list) or len(size) != 2:
        return REFUSE
    sides = [whole(side.data.decode()) if isinstance(side, Raw) else (side if type(side) is int else None)
             for side in size]
    if sides != [HEIGHT, WIDTH] or not isinstance(counts, str):
        return REFUSE
    data = counts.encode("utf-8", "surrogatepass")
    if len(data) > MAX_COUNTS:
        return REFUSE
    return REFUSE if mask_problem(HEIGHT, WIDTH, data) else ACCEPT


# ------------------------------------------------------------------ hostile answers per region kind


def box(x=10, y=10, width=20, height=10, rotation=15, label="car", **extra) -> dict:
    """A box of the `hazards` question; numbers may be `Raw`."""
    return {"x": x, "y": y, "width": width, "height": height, "rotation": rotation, "label": label, **extra}


def circle(count: int, radius: float = 20.0, cx: float = 32.0, cy: float = 24.0) -> list[list[float]]:
    """`count` points around a circle inside the image."""
    return [[cx + radius * math.cos(2 * math.pi * i / count), cy + radius * math.sin(2 * math.pi * i / count)]
            for i in range(count)]


def without(region: dict, key: str) -> dict:
    """`region` without `key`."""
    return {name: value for name, value in region.items() if name != key}


def boxes_cases() -> list[tuple[object, str | None]]:
    """Hostile `hazards` answers and their verdicts."""
    whole_image = {"x": 0, "y": 0, "width": 64, "height": 48, "rotation": 0}
    cases: list[tuple[object, str | None]] = [
        # shapes and types
        ([], ACCEPT), ([box()], ACCEPT), ({}, REFUSE), ("boxes", REFUSE), (5, REFUSE), ([None], REFUSE),
        ([5], REFUSE), ([[10, 10, 20, 10]], REFUSE), ([without(box(), "label")], REFUSE),
        ([without(box(), "width")], REFUSE), ([box(color="red")], REFUSE),
        ([box(width="20")], REFUSE), ([box(width=None)], REFUSE), ([box(width=[20])], REFUSE),
        ([box(width={"v": 20})], REFUSE), ([box(width=True)], REFUSE), ([box(rotation=None)], REFUSE),
        # labels and ids
        ([box(label="truck")], REFUSE), ([box(label=5)], REFUSE), ([box(label="")], REFUSE),
        ([box(label="road")], REFUSE), ([box(label="car\u0000")], REFUSE), ([box(label=b"\xff")], REFUSE),
        ([box(id="")], REFUSE), ([box(id="i" * 64)], ACCEPT), ([box(id="i" * 65)], REFUSE), ([box(id=5)], REFUSE),
        ([box(id=None)], REFUSE), ([box(id="\ud800")], None),
        # the image's edges, turns and extreme sizes
        ([box(**whole_image)], ACCEPT), ([box(**{**whole_image, "width": 64.02})], REFUSE),
        ([box(**{**whole_image, "rotation": 90})], REFUSE), ([box(**{**whole_image, "rotation": 180})], None),
        ([box(x=-0.5, y=0, width=2, height=2, rotation=0)], REFUSE), ([box(rotation=Raw("1e-320"))], None),
        ([box(x=Raw("1e308"), width=Raw("1e308"), rotation=0)], REFUSE),
        ([box(x=Raw("-1e308"), width=Raw("1.7976931348623157e308"), rotation=45)], REFUSE),
        ([box(width=Raw("1e-320"), height=Raw("1e-320"))], None),
        # counts near and past the limit, nesting, duplicate keys
        ([box()] * 5_000, ACCEPT), ([box()] * 5_001, REFUSE), ([box()] * 100_000, REFUSE),
        ([box(x=i % 40, y=(i // 40) % 30, width=5 + i % 7, height=3 + i % 5, rotation=i % 360 - 180, id=f"r{i}")
          for i in range(5_000)], None),
        (deep_array(10_000), REFUSE), (deep_array(63), REFUSE), ([deep_object(60)], REFUSE),
        ([Pairs([("x", 10), ("x", Raw("1e999")), ("y", 10), ("width", 1), ("height", 1), ("label", "car")])], REFUSE),
        ([Pairs([("x", 10), ("y", 10), ("width", 1), ("height", 1), ("label", "car"), ("label", "truck")])], None),
    ]
    for key in ["x", "y", "width", "height", "rotation"]:
        for text in GRID + BAD_NUMBERS[:6]:
            texts = {"x": "10", "y": "10", "width": "20", "height": "10", "rotation": "15", key: text}
            cases.append(([box(**{name: Raw(value) for name, value in texts.items()})], box_verdict(**texts)))
    return cases


def polygons_cases() -> list[tuple[object, str | None]]:
    """Hostile `outlines` answers and their verdicts."""
    def polygon(points, label="road", **extra):
        return {"points": points, "label": label, **extra}

    triangle = [[2, 2], [30, 2], [16, 20]]
    cases: list[tuple[object, str | None]] = [
        # point counts near and past the limits (per polygon, per answer, regions)
        ([polygon(triangle)], ACCEPT), ([polygon(triangle[:2])], REFUSE), ([polygon([])], REFUSE),
        ([polygon(circle(1_000))], ACCEPT), ([polygon(circle(1_001))], REFUSE), ([polygon(circle(100_000))], REFUSE),
        ([polygon(circle(1_000))] * 20, ACCEPT), ([polygon(circle(1_000))] * 21, REFUSE),
        ([polygon(triangle)] * 5_000, ACCEPT), ([polygon(triangle)] * 5_001, REFUSE),
        # crossing, touching, without area
        ([polygon([[0, 0], [10, 10], [10, 0], [0, 10]])], REFUSE), ([polygon([[0, 0], [5, 5], [10, 10]])], REFUSE),
        ([polygon([[0, 0], [10, 0], [5, 5], [10, 10], [0, 10], [5, 5]])], REFUSE),
        ([polygon([[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]])], REFUSE), ([polygon([[0, 0]] * 3)], REFUSE),
        # points of the wrong shape or type, outside the image
        ([polygon([[2, 2, 0], [30, 2, 0], [16, 20, 0]])], REFUSE), ([polygon([{"x": 2, "y": 2}] * 3)], REFUSE),
        ([polygon([[2], [30], [16]])], REFUSE), ([polygon("[[2,2],[30,2],[16,20]]")], REFUSE),
        ([polygon([["2", "2"], [30, 2], [16, 20]])], REFUSE), ([polygon([[None, 2], [30, 2], [16, 20]])], REFUSE),
        ([polygon([[2, 2], [30, 2], [65, 20]])], REFUSE), ([polygon([[2, 2], [30, 2], [16, -1]])], REFUSE),
        ([polygon([[0, 0], [64, 0], [64, 48], [0, 48]])], ACCEPT), ([polygon(deep_array(63))], REFUSE),
        ([polygon([[Raw("1e-320"), Raw("4.9e-324")], [30, 2], [16, 20]])], ACCEPT),
        ([polygon([[Raw("1e308"), Raw("1e308")], [Raw("-1e308"), 2], [16, Raw("-1e308")]])], REFUSE),
        # labels, ids, keys
        ([polygon(triangle, label="car")], REFUSE), ([polygon(triangle, label="person", id="p" * 64)], ACCEPT),
        ([polygon(triangle, holes=[])], REFUSE), ([{"label": "road"}], REFUSE),
    ]
    for coordinate in (0, 1):
        for text in GRID + BAD_NUMBERS[:6]:
            value = number(text)
            point = [Raw(text), Raw("2")] if coordinate == 0 else [Raw("30"), Raw(text)]
            if value is None or not math.isfinite(value):
                verdict = REFUSE
            else:
                x, y = (value, 2.0) if coordinate == 0 else (30.0, value)
                collinear = abs((x - 2) * (20 - 2) - (16 - 2) * (y - 2)) < 1e-9
                verdict = REFUSE if collinear else inside([(x, y)])
            cases.append(([polygon([[2, 2], point, [16, 20]])], verdict))
    return cases


def keypoints_cases() -> list[tuple[object, str | None]]:
    """Hostile `poses` answers and their verdicts."""
    def instance(points, label="person", **extra):
        return {"points": points, "label": label, **extra}

    valid = {"head": [10, 5, 2], "left_hand": [5, 15, 1]}
    cases: list[tuple[object, str | None]] = [
        ([instance(valid)], ACCEPT), ([instance({**valid, "tail": [1, 1, 2]})], REFUSE),
        ([instance({"": [1, 1, 2]})], REFUSE), ([instance({"\u0000": [1, 1, 2]})], REFUSE),
        ([instance({f"p{i}": [1, 1, 2] for i in range(1_000)})], REFUSE), ([instance({"head": [10, 5, 0]})], REFUSE),
        ([instance({})], REFUSE), ([instance([[10, 5, 2]])], REFUSE), ([instance("head")], REFUSE),
        ([instance({"head": [10, 5]})], REFUSE), ([instance({"head": [10, 5, 2, 1]})], REFUSE),
        ([instance({"head": [10, 5, "2"]})], REFUSE), ([instance({"head": [10, 5, None]})], REFUSE),
        ([instance({"head": [10, 5, True]})], REFUSE), ([instance({"head": {"x": 10, "y": 5, "v": 2}})], REFUSE),
        ([instance({"head": [Raw("1e308"), Raw("-1e308"), 0], "left_hand": [5, 15, 2]})], ACCEPT),
        ([instance({"head": [Raw("1e999"), 5, 0], "left_hand": [5, 15, 2]})], REFUSE),
        ([instance({"head": [64, 48, 2]})], ACCEPT), ([instance({"head": [64.02, 48, 2]})], REFUSE),
        ([instance({"head": [-1, 5, 1]})], REFUSE), ([instance(valid, label="car")], REFUSE),
        ([instance(valid, label=None)], REFUSE), ([instance(valid, skeleton=[])], REFUSE),
        ([instance(valid)] * 5_000, ACCEPT), ([instance(valid)] * 5_001, REFUSE),
        ([instance(Pairs([("head", [10, 5, 2]), ("head", [1e300, 5, 2])]))], REFUSE),
        ([instance(Pairs([("head", [10, 5, 2]), ("head", [11, 6, 1])]))], None),
        ([instance({name: [1 + i, 1 + i, 2] for i, name in enumerate(POINTS)})], ACCEPT),
        ([instance({"head": deep_array(62)})], REFUSE),
    ]
    for part in range(3):
        for text in GRID + BAD_NUMBERS[:6] + ["3", "-1", "1.5", "1e300", "-2", "2.5"]:
            texts = ["10", "5", "2"]
            texts[part] = text
            point = dict(head=tuple(texts), left_hand=("5", "15", "1"))
            verdict = REFUSE if number(text) is None else keypoint_verdict(point)
            cases.append(([instance({"head": [Raw(t) for t in texts], "left_hand": [5, 15, 1]})], verdict))
    return cases


def long_counts(length: int) -> str:
    """Valid compressed counts of exactly `length` characters (even): empty runs, then one pixel at the end."""
    assert length % 2 == 0
    return rle_counts([0] * (length - 4) + [PIXELS - 1, 1])


def masks_cases() -> list[tuple[object, str | None]]:
    """Hostile `seg` answers and their verdicts (`mask_verdict` for everything about size and counts)."""
    def mask(size=None, counts=None, label="sky", **extra):
        rle = {"size": [HEIGHT, WIDTH] if size is None else size,
               "counts": rle_counts([100, 50, PIXELS - 150]) if counts is None else counts}
        return {"rle": rle, "label": label, **extra}

    valid = rle_counts([100, 50, PIXELS - 150])
    count_texts = [
        valid, "", "0", "1", valid[:-1], rle_counts([PIXELS - 1, 1]), rle_counts([0, PIXELS - 1, 1]),
        # characters outside "0" to "o"
        valid + "p", valid + " ", valid + "/", valid + "\u0000", valid + "\u00e9", "p", "\ud800",
        "0" * 64 + "\U0001F600",
        # a count cut in the middle (a continuation bit on the last character), counts too long for an Int
        valid + "P", "P", "o" * 7, "o" * 20, "O" * 6 + "0", "n" * 6 + "0",
        # runs past, short of or without pixels; negative runs
        rle_counts([PIXELS, 1]), rle_counts([100]), rle_counts([PIXELS]), rle_counts([0, PIXELS]),
        rle_counts([-5, 50, PIXELS - 45]), rle_counts([100, -50, PIXELS - 50]), rle_counts([1 << 40, 1]),
        rle_counts([1] * PIXELS), rle_counts([0, 1] * (PIXELS // 2)),
        rle_counts([100, 50, 10, 0, 0, 0, 0, PIXELS - 160]),
        # the length limit
        long_counts(MAX_COUNTS), long_counts(MAX_COUNTS) + "0", "0" * (MAX_COUNTS + 1),
    ]
    cases: list[tuple[object, str | None]] = [([mask(counts=text)], mask_verdict([HEIGHT, WIDTH], text))
                                             for text in count_texts]
    for size in [[0, 0], [1 << 40, 1], [1, 1 << 40], [-1, WIDTH], [WIDTH, HEIGHT], [HEIGHT + 1, WIDTH],
                 [HEIGHT, WIDTH, 1], [HEIGHT], [], [MAX_SIDE, MAX_SIDE], [MAX_SIDE + 1, 1]]:
        cases.append(([mask(size=size)], mask_verdict(size, valid)))
    for index in (0, 1):
        for text in GRID + BAD_NUMBERS[:6]:
            size = [Raw(str(HEIGHT)), Raw(str(WIDTH))]
            size[index] = Raw(text)
            cases.append(([mask(size=size)], REFUSE if number(text) is None else mask_verdict(size, valid)))
    cases += [
        ([mask(size=None)], ACCEPT), ([mask(size=["48", "64"])], REFUSE), ([mask(size={"h": 48})], REFUSE),
        ([mask(size=[Raw("48.0"), Raw("64.0")])], ACCEPT), ([mask(size=[Raw("4.8e1"), Raw("6.4e1")])], ACCEPT),
        ([mask(counts=[100, 50, PIXELS - 150])], REFUSE), ([mask(counts=5)], REFUSE),
        ([mask(counts=b"\xff\xfe")], REFUSE), ([mask(label="car")], REFUSE), ([mask(bbox=[0, 0, 1, 1])], REFUSE),
        ([{"rle": {"size": [HEIGHT, WIDTH], "counts": valid, "area": 50}, "label": "sky"}], REFUSE),
        ([{"rle": "x", "label": "sky"}], REFUSE), ([{"rle": None, "label": "sky"}], REFUSE),
        ([{"label": "sky"}], REFUSE), ([{"rle": deep_object(62), "label": "sky"}], REFUSE),
        ([mask()] * 5_000, ACCEPT), ([mask()] * 5_001, REFUSE), ([mask(label="person", id="m")], ACCEPT),
    ]
    return cases


def all_cases() -> list[tuple[str, object, str | None]]:
    """Every hostile answer: (question, answer, verdict)."""
    return ([("hazards", a, v) for a, v in boxes_cases()] + [("outlines", a, v) for a, v in polygons_cases()]
            + [("poses", a, v) for a, v in keypoints_cases()] + [("seg", a, v) for a, v in masks_cases()])


def plain_json(body: bytes):
    """The JSON of `body` when Python reads it exactly as the server does (no duplicate keys, every number
    finite); else None. Only such answers are compared in the read back."""
    def pairs(items):
        keys = [key for key, _ in items]
        if len(keys) != len(set(keys)):
            raise ValueError("duplicate keys")
        return dict(items)

    def constant(name):
        raise ValueError(name)

    try:
        return json.loads(body, object_pairs_hook=pairs, parse_constant=constant)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None


# ------------------------------------------------------------------ the family


class RegionLease:
    """The annotator's lease on a task of the image project that shows the uploaded image.

    Tasks showing another image (the storage's, from imports) are answered validly for their size on the
    way, as set-up calls, and their answers join the park's record of what must survive."""

    def __init__(self, ctx: Context):
        self.ctx = ctx
        self.handle = 0
        self.token = ""

    def claim(self) -> bool:
        park = self.ctx.park
        for _ in range(40):
            response = self.ctx.call(park.annotator, "POST", f"/api/v1/projects/{park.region_project_id}/next")
            if response is None:
                return False
            if response.status != 200:
                lines = b"".join(b'{"image":"asset:%d"}\n' % park.region_asset_id for _ in range(40))
                refill = self.ctx.call(park.manager, "POST", f"/api/v1/projects/{park.region_project_id}/tasks",
                                       raw=lines, content_type=NDJSON)
                if refill is None or refill.status != 201:
                    return False
                continue
            claim = response.json()
            self.handle, self.token = claim["task"]["id"], claim["lease"]["token"]
            if claim["task"]["data"].get("image") == f"asset:{park.region_asset_id}":
                return True
            size = STORAGE_IMAGE if claim["task"]["data"].get("image") == f"asset:{park.storage_asset_id}" else None
            result = valid_region_result(*size) if size else {}
            done = self.ctx.call(park.annotator, "POST", f"/api/v1/tasks/{self.handle}/annotations",
                                 {"lease_token": self.token, "result": result})
            if done is not None and done.status == 201:
                park.region_answers[done.json()["id"]] = result
        return False


def regions(ctx: Context):
    """Hostile region answers: submitted on a lease, as edits of accepted ones, as prefills and gold of imports."""
    park = ctx.park
    lease = RegionLease(ctx)
    if not lease.claim():
        return
    annotator = park.annotator.token
    mine: list[tuple[int, int]] = []  # annotations this family made: (id, version)
    imports = f"/api/v1/projects/{park.region_project_id}/tasks"
    asset = {"image": f"asset:{park.region_asset_id}"}
    base = valid_region_result(WIDTH, HEIGHT)
    for index, (question, hostile, verdict) in enumerate(all_cases()):
        result = {question: hostile} if index % 2 else {**base, question: hostile}
        body = encode({"lease_token": lease.token, "result": result})
        outcome = yield ctx.api("POST", f"/api/v1/tasks/{lease.handle}/annotations", body, token=annotator,
                                note=f"{question} answer", check=answer(verdict))
        if outcome.status == 201:
            created = parsed(outcome)
            sent = plain_json(body)
            if isinstance(created, dict) and sent is not None:
                park.region_answers[created["id"]] = sent["result"]
                mine.append((created["id"], created.get("version", 1)))
            if not lease.claim():
                return
        if index % 4 == 0 and mine:
            annotation, version = mine[-1]
            edit = encode({"result": result, "version": version})
            outcome = yield ctx.api("PUT", f"/api/v1/annotations/{annotation}", edit, token=annotator,
                                    note=f"{question} edit", check=answer(verdict))
            sent = plain_json(edit)
            if outcome.status == 200 and sent is not None:
                park.region_answers[annotation] = sent["result"]
                mine[-1] = (annotation, version + 1)
        kind = "gold" if index % 3 == 0 else "prefill"
        line = encode({"data": asset, kind: {question: hostile}}) + b"\n"
        yield ctx.api("POST", imports, line, content_type=NDJSON, note=f"{question} {kind} import",
                      check=imported(verdict))
    yield from prefill_cases(ctx, imports)
    while ctx.more():
        result = mutate(base, ctx.rng)
        outcome = yield ctx.api("POST", f"/api/v1/tasks/{lease.handle}/annotations",
                                {"lease_token": lease.token, "result": result}, token=annotator,
                                note="random region answer", check=answer(None))
        if outcome.status == 201 and not lease.claim():
            return


def prefill_cases(ctx: Context, imports: str):
    """Import lines whose prefill, gold or image reference is hostile, atomic and partial."""
    park = ctx.park
    asset = {"image": f"asset:{park.region_asset_id}"}
    stored = {"image": f"storage:{park.storage_id}/{STORAGE_KEY}"}
    small, large = valid_region_result(WIDTH, HEIGHT), valid_region_result(*STORAGE_IMAGE)
    lines = [
        # prefills checked against the image the task shows, once it is known
        ({"data": asset, "prefill": small}, ACCEPT), ({"data": stored, "prefill": large}, ACCEPT),
        ({"data": stored, "prefill": {"seg": small["seg"]}}, REFUSE),
        ({"data": asset, "prefill": {"seg": large["seg"]}}, REFUSE),
        # a gold task is not prefilled; prefills of every type
        ({"data": asset, "gold": small, "prefill": small}, REFUSE), ({"data": asset, "prefill": None}, ACCEPT),
        ({"data": asset, "prefill": {}}, None), ({"data": asset, "prefill": []}, REFUSE),
        ({"data": asset, "prefill": "x"}, REFUSE), ({"data": asset, "prefill": {"unknown": []}}, REFUSE),
        ({"data": asset, "prefill": small, "x": 1}, REFUSE), ({"data": asset, "prefill": deep_object(70)}, REFUSE),
        ({"data": asset, "prefill": small, "priority": Raw("1e999")}, REFUSE),
        # images the park does not have, or not in this project
        ({"data": {"image": "asset:999999999"}, "prefill": small}, REFUSE),
        ({"data": {"image": "asset:0"}, "prefill": small}, REFUSE),
        ({"data": {"image": "asset:-1"}, "prefill": small}, REFUSE),
        ({"data": {"image": "asset:99999999999999999999"}, "prefill": small}, REFUSE),
        ({"data": {"image": f"storage:{park.storage_id}/missing.png"}, "prefill": large}, REFUSE),
        ({"data": {"image": f"storage:{park.storage_id}/../{STORAGE_KEY}"}, "prefill": large}, REFUSE),
        ({"data": {"image": f"storage:{park.foreign_storage_id}/{STORAGE_KEY}"}, "prefill": large}, REFUSE),
        ({"data": {"image": f"storage:999999/{STORAGE_KEY}"}, "prefill": large}, REFUSE),
        ({"data": {"image": f"storage:{park.storage_id}/"}, "prefill": large}, REFUSE),
        ({"data": {"image": "https://example.com/a.png"}, "prefill": small}, REFUSE),
        ({"data": {"image": 5}, "prefill": small}, REFUSE), ({"data": {}, "prefill": small}, REFUSE),
    ]
    for partial in ("", "?partial=true"):
        for line, verdict in lines:
            yield ctx.api("POST", imports + partial, encode(line) + b"\n", content_type=NDJSON,
                          note="prefill import", check=imported(verdict, partial=bool(partial)))
    many = b"".join(encode({"data": asset, "prefill": small}) + b"\n" for _ in range(2_000))
    yield ctx.api("POST", imports, many + encode({"data": asset, "prefill": {"seg": large["seg"]}}) + b"\n",
                  content_type=NDJSON, note="2,000 prefills and a bad one", check=imported(REFUSE))
    yield ctx.api("POST", imports, b"[" + b",".join([encode({"data": stored, "prefill": large})] * 3) + b"]",
                  content_type="application/json", note="prefills in a JSON array", check=imported(ACCEPT))


# ------------------------------------------------------------------ read back


def export_check(kind: str, verify=None):
    """A check for an export that must answer 200 and parse as `kind` (json, jsonl, csv, zip), then pass
    `verify(document)` (which returns a complaint or None)."""
    def check(outcome):
        if outcome.status != 200:
            return f"the export answered {outcome.status if outcome.status is not None else outcome.error}"
        try:
            if kind == "json":
                document = json.loads(outcome.body)
            elif kind == "jsonl":
                document = [json.loads(line) for line in outcome.body.splitlines() if line.strip()]
            elif kind == "csv":
                document = list(csv.reader(io.StringIO(outcome.body.decode("utf-8"))))
            else:
                document = read_zip(outcome.body)
        except (ValueError, UnicodeDecodeError, zipfile.BadZipFile, ElementTree.ParseError) as error:
            return f"the {kind} export does not parse ({len(outcome.body)} bytes): {error}"
        return verify(document) if verify else None
    return check


def read_zip(data: bytes) -> dict[str, bytes]:
    """Every file of a zip, CRCs checked; XML files must parse."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        broken = archive.testzip()
        if broken is not None:
            raise zipfile.BadZipFile(f"{broken} fails its CRC")
        files = {name: archive.read(name) for name in archive.namelist()}
    for name, content in files.items():
        if name.endswith(".xml"):
            ElementTree.fromstring(content)
    return files


def answers_kept(park):
    """Every accepted answer the park recorded is in the jsonl export with the result it was given."""
    def verify(lines: list) -> str | None:
        exported = {annotation["id"]: annotation["result"] for line in lines for annotation in line["annotations"]}
        tasks = {line["id"]: line["data"] for line in lines}
        for annotation, result in park.region_answers.items():
            if annotation not in exported:
                return f"annotation {annotation} is missing from the export"
            if exported[annotation] != result:
                return f"annotation {annotation} changed: {json.dumps(exported[annotation])[:200]}"
        for task, kept in park.region_tasks.items():
            if tasks.get(task) != kept["data"]:
                return f"task {task} is missing or its data changed: {tasks.get(task)}"
        return None
    return verify


def coco_kept(park, answers: str):
    """A COCO export holds the park's images and an annotation of each kept answer."""
    def verify(document) -> str | None:
        if not all(isinstance(document.get(key), list) for key in ("images", "annotations", "categories")):
            return "a COCO export without images, annotations and categories"
        images = {image["id"] for image in document["images"]}
        if park.region_asset_id not in images:
            return f"the uploaded image {park.region_asset_id} is not among the COCO images"
        named = {annotation.get("attributes", {}).get("annotation_id") for annotation in document["annotations"]}
        if answers == "all":
            missing = [a for a, result in park.region_answers.items() if any(result.get(q) for q in result)
                       and a not in named]
            if missing:
                return f"annotations {missing[:5]} are not in the COCO export"
        bad = [annotation for annotation in document["annotations"] if annotation.get("image_id") not in images]
        return f"COCO annotations name images it does not list: {bad[:2]}" if bad else None
    return verify


def zip_holds(*required: str):
    """A zip export holds the files named (and, for YOLO, a data.yaml that names classes)."""
    def verify(files: dict[str, bytes]) -> str | None:
        missing = [name for name in required if name not in files]
        if missing:
            return f"the zip lacks {missing}; it holds {sorted(files)[:10]}"
        if "data.yaml" in files and b"names" not in files["data.yaml"]:
            return "data.yaml names no classes"
        return None
    return verify


def prefills_kept(park, task: int):
    """A task of the park reads back with its data and prefill."""
    def verify(document) -> str | None:
        kept = park.region_tasks[task]
        if document.get("data") != kept["data"] or document.get("prefill") != kept["prefill"]:
            return f"task {task} reads back as {json.dumps(document)[:200]}"
        return None
    return verify


def readback(ctx: Context):
    """Every export of the image project answers 200 and parses, and what was accepted is still there."""
    park = ctx.park
    project = f"/api/v1/projects/{park.region_project_id}"

    def export(query: str, kind: str, verify=None, note="region export"):
        return ctx.api("GET", f"{project}/export{query}", note=note, max_body=BIG_EXPORT, timeout=120.0,
                       check=export_check(kind, verify))

    yield export("", "jsonl", answers_kept(park), note="jsonl export keeps every accepted answer")
    yield export("?aggregate=false", "jsonl", answers_kept(park))
    yield export("?format=csv", "csv")
    yield export("?format=csv&aggregate=false", "csv")
    for query in ["", "&answers=latest", "&answers=all", "&images=urls", "&answers=all&images=names"]:
        yield export(f"?format=coco{query}", "json", coco_kept(park, "all" if "all" in query else "latest"))
    for question in ["hazards", "outlines", "poses"]:
        for query in ["", "&answers=all", "&images=urls"]:
            yield export(f"?format=yolo&question={question}{query}", "zip",
                         zip_holds("data.yaml", "train.txt"), note=f"yolo export of {question}")
    yield export("?format=yolo", "zip", zip_holds("data.yaml", "train.txt"))
    for query in ["", "&answers=all", "&images=urls"]:
        yield export(f"?format=voc{query}", "zip", zip_holds("labelmap.txt", "ImageSets/Main/default.txt"),
                     note="voc export")
    for query in ["?format=yolo&question=seg", "?format=yolo&question=nope", "?format=coco&answers=some",
                  "?format=voc&images=x", "?format=pascal"]:
        yield ctx.api("GET", f"{project}/export{query}", note="refused export", check=answer(REFUSE))
    yield ctx.api("GET", f"{project}/export?format=yolo&question=", note="yolo export of no question",
                  max_body=BIG_EXPORT, check=answer(None))
    for query in ["?format=coco", "?format=yolo", "?format=voc"]:
        yield ctx.api("GET", f"/api/v1/projects/{park.project_id}/export{query}", note="dataset export of text",
                      check=answer(REFUSE))
    for task in list(park.region_tasks)[-5:]:
        yield ctx.api("GET", f"/api/v1/tasks/{task}", note="prefilled task reads back",
                      check=export_check("json", prefills_kept(park, task)))
    for route in ["quality", "progress", "batches"]:
        yield ctx.api("GET", f"{project}/{route}", note=f"region {route}", timeout=120.0,
                      check=answer(ACCEPT, must_answer=True))
    for _ in range(5):
        outcome = yield ctx.api("POST", f"{project}/next", token=park.annotator.token, note="claim a region task",
                                check=error_body)
        if outcome.status != 200:
            break
    for page in [f"/projects/{park.region_project_id}", f"/projects/{park.region_project_id}/quality"]:
        yield ctx.request("GET", page, headers=ctx.session_headers(), note="region pages", check=answer(ACCEPT))
