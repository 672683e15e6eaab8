"""Hostile dataset imports into the image project: COCO instances files and Ultralytics YOLO label zips.

COCO (`?format=coco&as=gold|prefill[&storage=ID][&question=]`): bodies that are no JSON or no object, files
missing images or categories, ids of every wrong type and size, boxes, polygon rings, RLE masks and keypoints
of every wrong shape, categories that map to no question or to several, duplicate ids and 10^5 images. YOLO
(`?format=yolo&as=…&storage=ID`): bodies that are no zip, entries that lie about their size (a small body
inflating to megabytes), paths with `..`, data.yaml that is no YAML or names nothing, label lines with NaN,
infinities, 1e300 and the wrong count of numbers. Zips are written by hand (`zip_archive`) so every header
field can lie. The images are the park's: its uploaded one, named by asset id, and the attached directory's
`street.png` (80 × 60), synced without tasks. Verdicts follow docs/API.md ("Importing a COCO dataset").
"""

from __future__ import annotations

import math
import struct
import zlib

from expect import ACCEPT, REFUSE, answer, imported
from fuzz_park import POINTS, REGION_IMAGE, STORAGE_IMAGE, STORAGE_KEY
from gen_context import Context
from hostile import Pairs, Raw, deep_array, deep_object, encode, mutate

ZIP = "application/zip"
SW, SH = STORAGE_IMAGE
AW, AH = REGION_IMAGE
CATEGORIES = [
    {"id": 1, "name": "car", "supercategory": "hazards"},
    {"id": 2, "name": "road", "supercategory": "outlines"},
    {"id": 3, "name": "person", "supercategory": "poses", "keypoints": POINTS,
     "skeleton": [[1, 2], [1, 3], [1, 4], [1, 5]]},
    {"id": 4, "name": "sky", "supercategory": "seg"},
]
# A dataset import with no answer by then counts as a hang: the largest here takes about a second.
IMPORT_TIMEOUT = 20.0


# ------------------------------------------------------------------ COCO


def coco_annotations(image_id=1, width=SW, height=SH, first=1) -> list[dict]:
    """A valid annotation of each category on an image of `width` × `height`."""
    return [
        {"id": first, "image_id": image_id, "category_id": 1, "bbox": [10, 10, 20, 10], "area": 200, "iscrowd": 0},
        {"id": first + 1, "image_id": image_id, "category_id": 2, "segmentation": [[2, 2, 30, 2, 30, 20, 2, 20]]},
        {"id": first + 2, "image_id": image_id, "category_id": 3,
         "keypoints": [10, 5, 2, 5, 15, 1, 0, 0, 0, 0, 0, 0, 12, 25, 2], "num_keypoints": 3},
        {"id": first + 3, "image_id": image_id, "category_id": 4,
         "segmentation": {"size": [height, width], "counts": [100, 50, width * height - 150]}},
    ]


def turned_box(x, y, width, height, rotation) -> list[tuple[float, float]]:
    """The corners of a box turned `rotation` degrees clockwise about its centre, from its top-left."""
    radians = math.radians(rotation)
    cx, cy = x + width / 2, y + height / 2
    return [(cx + (px - cx) * math.cos(radians) - (py - cy) * math.sin(radians),
             cy + (px - cx) * math.sin(radians) + (py - cy) * math.cos(radians))
            for px, py in [(x, y), (x + width, y), (x + width, y + height), (x, y + height)]]


def stored_image(image_id=1, name=STORAGE_KEY) -> dict:
    return {"id": image_id, "file_name": name, "width": SW, "height": SH}


def coco(images=None, annotations=None, categories=None) -> dict:
    """A COCO instances document of the storage image (by default)."""
    return {"info": {"description": "fuzz"}, "images": [stored_image()] if images is None else images,
            "annotations": coco_annotations() if annotations is None else annotations,
            "categories": CATEGORIES if categories is None else categories}


def with_annotation(category: int, **fields) -> dict:
    """The valid document with one annotation of `category` whose fields are replaced."""
    annotations = coco_annotations()
    annotations[category - 1] = {**annotations[category - 1], **fields}
    return coco(annotations=annotations)


def only(category: int, **fields) -> dict:
    """A document whose only annotation is one of `category`, with fields replaced."""
    return coco(annotations=[{**coco_annotations()[category - 1], **fields}])


def coco_cases(park) -> list[tuple[str, object, str | None]]:
    """(query, body, verdict): hostile COCO files; the query follows `?format=coco`."""
    gold = f"&as=gold&storage={park.storage_id}"
    prefill = f"&as=prefill&storage={park.storage_id}"
    by_asset = "&as=prefill"
    valid = coco()
    asset_image = {"id": 1, "labelpark_asset_id": park.region_asset_id, "width": AW, "height": AH}
    url_image = {"id": 1, "coco_url": f"/api/v1/assets/{park.region_asset_id}/content"}

    def named(image: dict) -> tuple[str, object, str | None]:
        """An image named by asset, without annotations."""
        return (by_asset, coco([{"id": 1, **image}], []), REFUSE)

    cases: list[tuple[str, object, str | None]] = [
        # valid files: images of the storage, images named by asset id or by content URL, one question
        (gold, valid, ACCEPT), (prefill, valid, ACCEPT),
        (by_asset, coco([asset_image], coco_annotations(width=AW, height=AH)), ACCEPT),
        ("&as=gold", coco([url_image], coco_annotations(width=AW, height=AH)), ACCEPT),
        (gold + "&question=seg", coco(annotations=coco_annotations()[3:], categories=CATEGORIES[3:]), ACCEPT),
        (gold + "&partial=true", coco([stored_image(), stored_image(2, "missing.png")]), None),
        # bodies that are no JSON, or no COCO object
        (gold, b"", REFUSE), (gold, b"not json", REFUSE), (gold, b"[]", REFUSE), (gold, b'"x"', REFUSE),
        (gold, b"1", REFUSE), (gold, b"null", REFUSE), (gold, b"{}", REFUSE), (gold, b"\xff\xfe", REFUSE),
        (gold, deep_array(10_000), REFUSE), (gold, deep_object(65), REFUSE), (gold, {"images": deep_array(70)}, REFUSE),
        (gold, encode(valid) + b" junk", REFUSE), (gold, encode(valid)[:-1], REFUSE),
        (gold, b"\xef\xbb\xbf" + encode(valid), None), (gold, {**valid, "images": [stored_image(1, b"\xff")]}, REFUSE),
        (gold, Pairs([("images", []), ("images", [stored_image()]), ("categories", CATEGORIES)]), None),
        # images and categories missing or of the wrong type
        (gold, {"categories": CATEGORIES, "annotations": []}, REFUSE), (gold, {"images": [stored_image()]}, REFUSE),
        (gold, {**valid, "images": {}}, REFUSE), (gold, {**valid, "images": None}, REFUSE),
        (gold, {**valid, "categories": {}}, REFUSE), (gold, {**valid, "categories": None}, REFUSE),
        (gold, {**valid, "images": []}, None), (gold, coco(annotations=[], categories=[]), None),
        (gold, coco(categories=[]), REFUSE), (gold, {**valid, "annotations": None}, None),
        (gold, {**valid, "annotations": {}}, None), (gold, {**valid, "images": [5]}, REFUSE),
        (gold, {**valid, "images": [None]}, REFUSE), (gold, {**valid, "images": [{"id": 1}]}, REFUSE),
        # images the storage does not have, or that name no asset of the project
        (gold, {**valid, "images": [stored_image(1, "")]}, REFUSE),
        (gold, {**valid, "images": [stored_image(1, "missing.png")]}, REFUSE),
        (gold, {**valid, "images": [stored_image(1, "../" + STORAGE_KEY)]}, REFUSE),
        (gold, {**valid, "images": [stored_image(1, "/" + STORAGE_KEY)]}, REFUSE),
        (gold, {**valid, "images": [{**stored_image(), "file_name": 5}]}, REFUSE),
        (by_asset, valid, REFUSE), named({"labelpark_asset_id": 999999999}), named({"labelpark_asset_id": -1}),
        named({"labelpark_asset_id": str(park.region_asset_id)}), named({"labelpark_asset_id": Raw("1e999")}),
        named({"coco_url": "/api/v1/assets//content"}),
        named({"coco_url": "/api/v1/assets/99999999999999999999/content"}),
        named({"coco_url": f"http://169.254.169.254/api/v1/assets/{park.region_asset_id}/content"}),
        (by_asset, coco([{"id": 1, "coco_url": f"/api/v1/assets/{park.storage_asset_id}/content"}], []), ACCEPT),
    ]
    # image ids of every type and size, with annotations naming them or naming 1
    for image_id in ["1", Raw("9223372036854775808"), Raw("1e300"), Raw("1.5"), None, [], -1, 0, Raw("-0")]:
        cases.append((gold, coco([stored_image(image_id)], coco_annotations(image_id)), None))
        cases.append((gold, coco([stored_image(image_id)], coco_annotations(1)), None))
    largest = Raw("9223372036854775807")
    cases += [
        (gold, coco([stored_image(largest)], coco_annotations(largest)), ACCEPT),
        # Two images with one id cannot be told apart: refused, field images[1].id.
        (gold, coco([stored_image(1), stored_image(1)]), REFUSE),
        (gold, coco(annotations=coco_annotations() + coco_annotations()), ACCEPT),
        (gold, coco(annotations=[{**annotation, "id": 1} for annotation in coco_annotations()]), ACCEPT),
    ]
    for image_id in ["1", None, [], {}, Raw("1e300"), Raw("1.5"), Raw("99999999999999999999")]:
        cases.append((gold, with_annotation(1, image_id=image_id), REFUSE))
    # categories: ids, names no question has or several have, keypoint names, questions named
    for category in [{"id": "1", "name": "car"}, {"id": Raw("1e300"), "name": "car"}, {"id": 1}, {"name": "car"},
                     {"id": 1, "name": 5}, {"id": 1, "name": "zebra"}, {"id": 1, "name": "person"},
                     {"id": 1, "name": "person", "supercategory": "nope"}, {"id": 1, "name": ""}, 5, None, []]:
        cases.append((gold, coco(annotations=[], categories=[category]), REFUSE))
    cases += [
        (gold, coco(annotations=[], categories=[{"id": 1, "name": "car", "supercategory": "nope"}]), ACCEPT),
        (gold, coco(annotations=[], categories=[{"id": 1, "name": "person", "supercategory": "outlines"}]), ACCEPT),
        (gold, coco(categories=CATEGORIES + [{"id": 1, "name": "sky", "supercategory": "seg"}]), None),
        (gold, coco(annotations=[], categories=[{**CATEGORIES[2], "keypoints": ["tail"]}]), REFUSE),
        (gold, coco(annotations=[], categories=[{**CATEGORIES[2], "keypoints": "head"}]), None),
        (gold, coco(annotations=[{**coco_annotations()[2], "keypoints": [10, 5, 2]}],
                    categories=[{**CATEGORIES[2], "keypoints": ["head"]}]), ACCEPT),
        (gold + "&question=hazards", valid, REFUSE), (gold + "&question=nope", valid, REFUSE),
        (gold + "&question=", valid, REFUSE),
        (gold, coco(categories=[{**category, "id": 100 + category["id"]} for category in CATEGORIES]), REFUSE),
        (gold, with_annotation(1, category_id="1"), REFUSE), (gold, with_annotation(1, category_id=None), REFUSE),
        (gold, with_annotation(1, category_id=Raw("1e300")), REFUSE),
    ]
    # boxes: bbox of the wrong length, type or size; a turned box from its outline and attributes.rotation
    for bbox in [[], [1, 2, 3], [1, 2, 3, 4, 5], ["10", "10", "20", "10"], [Raw("1e308"), 0, 1, 1], [0, 0, -5, 5],
                 [0, 0, 0, 5], [Raw("1e999"), 0, 1, 1], None, {}, "10,10,20,10", [[10, 10, 20, 10]],
                 [0, 0, SW + 0.02, SH], [Raw("-1e308"), 0, Raw("1e308"), 1], deep_array(60), [True, 0, 1, 1],
                 [None, 0, 1, 1]]:
        cases.append((gold, only(1, bbox=bbox), REFUSE))
    cases += [(gold, only(1, bbox=[0, 0, SW, SH]), ACCEPT), (gold, only(1, bbox=[Raw("1e-320")] * 4), None),
              (gold, only(1, bbox=[10, 10, 20, 10], extra={"deep": deep_object(10)}), ACCEPT)]
    turned = [value for corner in turned_box(10, 10, 20, 10, 15) for value in corner]
    for rotation, ring, verdict in [
            (15, turned, ACCEPT), (15, [str(value) for value in turned], REFUSE), (15, [Raw("1e308")] * 8, REFUSE),
            (15, [Raw("1e200")] * 4 + [Raw("-1e200")] * 4, REFUSE), (15, [Raw("1e155")] * 8, None),
            ("15", turned, ACCEPT), (Raw("1e999"), turned, REFUSE), (Raw("1e-320"), turned, None),
            (720, turned, REFUSE), (0, turned, ACCEPT), (15, turned[:6], ACCEPT)]:
        cases.append((gold, only(1, attributes={"rotation": rotation}, segmentation=[ring]), verdict))
    # polygons: rings of every wrong shape, crossing, outside, too many points or regions
    for segmentation in [[], [[]], [[1, 2, 3]], [[1, 2, 3, 4, 5, 6, 7]], "x", {"size": [SH, SW], "counts": "x"},
                         [["2", "2", "30", "2", "30", "20"]], [[Raw("1e308"), 2, 30, 2, 30, 20]], [[2, 2] * 1_001],
                         [[2, 2, 30, 2, 16, 20]] * 5_001, [[0, 0, 10, 10, 10, 0, 0, 10]], [[0, 0, 5, 5, 10, 10]],
                         [[2, 2, 30, 2, 81, 20]], None, [None], [[[2, 2], [30, 2], [16, 20]]], deep_array(60)]:
        cases.append((gold, only(2, segmentation=segmentation), REFUSE))
    ring = [value for i in range(1_000) for value in (40 + 20 * math.cos(2 * math.pi * i / 1_000),
                                                       30 + 20 * math.sin(2 * math.pi * i / 1_000))]
    cases += [(gold, only(2, segmentation=[[2, 2, 30, 2, 16, 20], [40, 40, 70, 40, 55, 58]]), ACCEPT),
              (gold, only(2, segmentation=[ring] * 20), ACCEPT), (gold, only(2, segmentation=[ring] * 21), REFUSE)]
    # masks: RLE count lists with negative, huge and non-integer runs, runs past or short of the image, sizes
    pixels = SW * SH

    def rle(counts, size=(SH, SW)) -> dict:
        return {"size": list(size), "counts": counts}

    for segmentation, verdict in [
            (rle([100, 50, pixels - 150]), ACCEPT), (rle([100, 50, pixels - 149]), REFUSE),
            (rle([100, 50, pixels - 151]), REFUSE), (rle([-1, 51, pixels - 150]), REFUSE),
            (rle([Raw("9223372036854775807"), 1]), REFUSE), (rle([Raw("-9223372036854775808"), 1]), REFUSE),
            (rle([Raw("1e300"), pixels]), REFUSE), (rle([100, 50, pixels - 150, "x"]), REFUSE),
            (rle([100, 50, pixels - 150, Raw("1.5")]), REFUSE), (rle([100, 50, pixels - 150, None]), REFUSE),
            (rle([pixels]), REFUSE), (rle([]), REFUSE), (rle("p"), REFUSE), (rle("0"), REFUSE), (rle(5), REFUSE),
            (rle(None), REFUSE), (rle({}), REFUSE), (rle(deep_array(60)), REFUSE), ({"size": [SH, SW]}, REFUSE),
            (rle([0], (0, 0)), REFUSE), (rle([1 << 40], (1 << 40, 1)), REFUSE),
            (rle([1 << 40], (1 << 20, 1 << 20)), REFUSE),
            (rle([0, 1 << 40], (1 << 20, 1 << 20)), REFUSE), (rle([100, 50, AW * AH - 150], (AH, AW)), REFUSE),
            (rle([100, 50, pixels - 150], (SW, SH)), REFUSE), (rle([pixels], (SH,)), REFUSE),
            ({"size": "60x80", "counts": [pixels]}, REFUSE),
            (rle([100, 50, pixels - 150], (Raw("60.0"), Raw("80.0"))), ACCEPT),
            # empty runs vanish when a list is compressed: both are one pixel, a few characters
            (rle([0] * 999_996 + [pixels - 1, 1]), ACCEPT), (rle([0] * 1_000_000 + [pixels - 1, 1]), ACCEPT),
            (rle([1] * pixels), ACCEPT),
            ([[2, 2, 30, 2, 16, 20]], REFUSE), ([], REFUSE), (None, REFUSE), ("x", REFUSE)]:
        cases.append((gold, only(4, segmentation=segmentation), verdict))
    # keypoints: arrays of the wrong length or type, visibilities outside 0, 1, 2, points outside the image
    keypoints = [10, 5, 2, 5, 15, 1, 0, 0, 0, 0, 0, 0, 12, 25, 2]
    rest = keypoints[3:]
    for values, verdict in [
            (keypoints, ACCEPT), (keypoints[:14], REFUSE), (keypoints + [0], REFUSE), ([], REFUSE), (None, REFUSE),
            ("x", REFUSE), ([str(value) for value in keypoints], REFUSE), ([0] * 15, REFUSE),
            ([[10, 5, 2]] + rest, REFUSE),
            ([10, 5, 3] + rest, REFUSE), ([10, 5, Raw("1e300")] + rest, REFUSE), ([10, 5, Raw("1.5")] + rest, REFUSE),
            ([10, 5, -1] + rest, None), ([10, 5, "2"] + rest, None), ([10, 5, Raw("2.0")] + rest, ACCEPT),
            ([Raw("1e308"), 5, 2] + rest, REFUSE), ([Raw("1e308"), 5, 0] + rest, ACCEPT),
            ([SW + 1, 5, 2] + rest, REFUSE),
            ([10, 5, 2] * 5, ACCEPT)]:
        cases.append((gold, only(3, keypoints=values), verdict))
    # sizes: 10^5 images, many annotations on one image, images sharing an id with many annotations
    many = [{"id": i, "file_name": STORAGE_KEY} for i in range(100_000)]
    box = coco_annotations()[0]
    cases += [
        (gold, coco(many[:-1] + [{"id": 99_999, "file_name": "missing.png"}], []), REFUSE),
        (by_asset, coco([{"id": i} for i in range(100_000)], []), REFUSE),
        (gold, coco([stored_image()], [{**box, "id": i} for i in range(100_000)]), REFUSE),
        (gold, coco([stored_image()], [{**box, "id": i} for i in range(5_000)]), ACCEPT),
        # images sharing an id are refused before any annotation is read (600 × 600 regions otherwise)
        (gold, coco([stored_image()] * 599 + [stored_image(1, "missing.png")], [{**box, "id": i} for i in range(600)]),
         REFUSE),
    ]
    return cases


def coco_queries(park) -> list[tuple[str, str | None]]:
    """Hostile query strings (after the path) with a valid body."""
    sid = park.storage_id
    return [
        ("?format=coco", REFUSE), (f"?format=coco&storage={sid}", REFUSE),
        (f"?format=coco&as=GOLD&storage={sid}", REFUSE),
        (f"?format=coco&as=&storage={sid}", REFUSE), (f"?format=COCO&as=gold&storage={sid}", REFUSE),
        (f"?format=cocoo&as=gold&storage={sid}", REFUSE), ("?format=coco&as=gold&storage=0", REFUSE),
        ("?format=coco&as=gold&storage=-1", REFUSE), ("?format=coco&as=gold&storage=x", REFUSE),
        ("?format=coco&as=gold&storage=99999999999999999999", REFUSE), ("?format=coco&as=gold&storage=999999", REFUSE),
        (f"?format=coco&as=gold&storage={park.foreign_storage_id}", REFUSE),
        (f"?format=coco&as=gold&storage={sid}%00", REFUSE), (f"?format=coco&as=gold&storage={sid}&storage=0", None),
        (f"?format=coco&format=yolo&as=gold&storage={sid}", None),
        (f"?format=coco&as=gold&as=prefill&storage={sid}", None),
        (f"?format=coco&as=gold&storage={sid}&partial=yes", None),
    ]


def coco_imports(ctx: Context, path: str):
    """Every COCO case, then hostile queries and Content-Types."""
    park = ctx.park
    for query, body, verdict in coco_cases(park):
        partial = "partial=true" in query
        data = body if isinstance(body, bytes) else encode(body)
        yield ctx.api("POST", f"{path}?format=coco{query}", data, content_type="application/json", note="COCO file",
                      timeout=IMPORT_TIMEOUT, check=imported(verdict, partial=partial))
    valid = encode(coco())
    for query, verdict in coco_queries(park):
        yield ctx.api("POST", path + query, valid, content_type="application/json", note="COCO query",
                      check=imported(verdict))
    for content_type in ["text/csv", "application/zip", "", None, "application/x-ndjson"]:
        yield ctx.api("POST", f"{path}?format=coco&as=prefill&storage={park.storage_id}", valid,
                      content_type=content_type, note="COCO Content-Type", check=imported(None))


def random_coco(ctx: Context, path: str):
    """A valid COCO file with one random node replaced."""
    return ctx.api("POST", f"{path}?format=coco&as={ctx.rng.choice(['gold', 'prefill'])}&storage={ctx.park.storage_id}",
                   encode(mutate(coco(), ctx.rng)), note="random COCO file", timeout=IMPORT_TIMEOUT,
                   check=imported(None))


# ------------------------------------------------------------------ YOLO


def zip_archive(entries: list[dict]) -> bytes:
    """A zip written field by field. Each entry: `name` (str or bytes), `data`; optional `deflate` (default
    True), `claimed` (the uncompressed size the headers state), `crc` (the CRC they state)."""
    local, central = bytearray(), bytearray()
    for entry in entries:
        name = entry["name"] if isinstance(entry["name"], bytes) else entry["name"].encode()
        data = entry["data"]
        deflate = entry.get("deflate", True)
        if deflate:
            compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
            stored = compressor.compress(data) + compressor.flush()
        else:
            stored = data
        crc = entry.get("crc", zlib.crc32(data) & 0xFFFFFFFF)
        size = entry.get("claimed", len(data))
        method = 8 if deflate else 0
        offset = len(local)
        local += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0x800, method, 0, 0x21, crc, len(stored), size, len(name),
                             0) + name + stored
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0x800, method, 0, 0x21, crc, len(stored), size,
                               len(name), 0, 0, 0, 0, 0, offset) + name
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), len(central), len(local), 0)
    return bytes(local + central + end)


def dataset(yaml: str | bytes = "names:\n  0: car\n  1: person\ntrain: train.txt\n",
            listed: str | bytes = "./images/train/street.png\n", labels: str | bytes = "0 0.5 0.5 0.25 0.25\n",
            extra=()) -> bytes:
    """A YOLO labels zip: data.yaml, the image list and the street image's label file, plus `extra` entries."""
    def raw(text):
        return text if isinstance(text, bytes) else text.encode()

    return zip_archive([{"name": "data.yaml", "data": raw(yaml)}, {"name": "train.txt", "data": raw(listed)},
                        {"name": "labels/train/street.txt", "data": raw(labels)}, *extra])


POSE_YAML = "names:\n  0: person\nkpt_shape: [5, 3]\ntrain: train.txt\n"
POLYGON_YAML = "names: [road, person]\ntrain: train.txt\n"


def pose_line(*points: str) -> str:
    return "0 0.5 0.5 0.4 0.4 " + " ".join(points) + "\n"


def yolo_cases() -> list[tuple[str, bytes, str | None]]:
    """(question, zip, verdict): hostile YOLO label zips."""
    bomb = b"\x00" * (16 << 20)  # deflates to 16 kB
    yaml = b"names: [car]\ntrain: train.txt\n"
    listed = {"name": "train.txt", "data": b"street.png\n"}
    points = ["0.1 0.1 2", "0.2 0.3 1", "0 0 0", "0.4 0.5 2", "0.6 0.7 2"]
    lying_end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 65535, 65535, 0xFFFFFFFF, 0xFFFFFFFF, 0)
    cases: list[tuple[str, bytes, str | None]] = [
        # valid zips: boxes (upright and oriented), polygons, poses with and without visibilities
        ("hazards", dataset(), ACCEPT), ("hazards", dataset(labels=""), ACCEPT),
        ("hazards", dataset(labels="0 0.1 0.1 0.4 0.1 0.4 0.3 0.1 0.3\n"), ACCEPT),
        ("outlines", dataset(POLYGON_YAML, labels="0 0.1 0.1 0.5 0.1 0.3 0.5\n"), ACCEPT),
        ("poses", dataset(POSE_YAML, labels=pose_line(*points)), ACCEPT),
        ("poses", dataset(POSE_YAML, labels="0 0.5 0.5 0.4 0.4 0.1 0.1 0.2 0.3 0 0 0.4 0.5 0.6 0.7\n"), ACCEPT),
        # bodies that are no zip, cut ones, end records that lie
        ("hazards", b"", REFUSE), ("hazards", b"PK", REFUSE), ("hazards", b"PK\x03\x04" + b"\x00" * 100, REFUSE),
        ("hazards", b"PK\x05\x06" + b"\x00" * 18, REFUSE), ("hazards", bytes(range(256)) * 8, REFUSE),
        ("hazards", zlib.compress(b"names: [car]"), REFUSE), ("hazards", b'{"images": []}', REFUSE),
        ("hazards", dataset()[:-10], REFUSE), ("hazards", dataset()[:40], REFUSE), ("hazards", zip_archive([]), REFUSE),
        ("hazards", dataset()[:-22] + lying_end, REFUSE),
        ("hazards", struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 1, 1, 46, 1_000, 0), REFUSE),
        # entries that lie about their size, inflate past the limits, or fail their CRC
        ("hazards", dataset(extra=[{"name": "labels/train/bomb.txt", "data": bomb, "claimed": 100}]), REFUSE),
        ("hazards", zip_archive([{"name": "data.yaml", "data": yaml + bomb, "claimed": 64}, listed]), REFUSE),
        ("hazards", dataset(listed=b"street.png\n" + bomb), REFUSE),
        ("hazards", dataset(extra=[{"name": "big.txt", "data": b"x" * 10, "claimed": 5 << 20}]), REFUSE),
        ("hazards", dataset(extra=[{"name": f"f{i}.txt", "data": b"0\n", "claimed": 4 << 20} for i in range(300)]),
         REFUSE),
        ("hazards", dataset(extra=[{"name": "bad-crc.txt", "data": b"0 0.5 0.5 0.1 0.1\n", "crc": 1}]), REFUSE),
        ("hazards", dataset(extra=[{"name": "stored.txt", "data": b"x" * 100, "deflate": False, "claimed": 10}]), None),
        ("hazards", dataset(extra=[{"name": "photo.png", "data": bomb, "claimed": 10}]), None),
        ("hazards", dataset(extra=[{"name": f"images/{i}.png", "data": b""} for i in range(20_000)]), ACCEPT),
        # paths with "..", absolute ones, odd bytes; image lists naming nothing the storage has
        ("hazards", zip_archive([{"name": "../data.yaml", "data": yaml}, listed]), REFUSE),
        ("hazards", dataset(listed="../../street.png\n"), REFUSE), ("hazards", dataset(listed="/etc/passwd\n"), REFUSE),
        ("hazards", dataset(listed="images/train/../../street.png\n"), REFUSE),
        ("hazards", dataset(listed="street.png\nimages/train/street.png\n./street.png\n"), ACCEPT),
        ("hazards", dataset(listed="\n\n  \n"), REFUSE), ("hazards", dataset(listed=""), REFUSE),
        ("hazards", dataset(listed=b"\xff\xfe\n"), REFUSE), ("hazards", dataset(listed="street.png\x00\n"), REFUSE),
        ("hazards", dataset(listed="".join(f"missing{i}.png\n" for i in range(100_000))), REFUSE),
        ("hazards", dataset(extra=[{"name": "../../labels/train/street.txt", "data": b"0 0.5 0.5 0.1 0.1\n"},
                                   {"name": "/abs.txt", "data": b"x"}, {"name": "a\\..\\b.txt", "data": b"x"},
                                   {"name": b"nul\x00.txt", "data": b"x"},
                                   {"name": "n" * 60_000 + ".txt", "data": b"x"}]), None),
        ("hazards", zip_archive([{"name": "data.yaml", "data": yaml}, {"name": "data.yaml", "data": b"names: 5\n"},
                                 listed]), None),
        ("hazards", zip_archive([{"name": "data.yml", "data": yaml}, listed]), ACCEPT),
        ("hazards", zip_archive([listed]), REFUSE),
    ]
    yamls: list[tuple[str | bytes, str | None]] = [
        # not YAML, not a mapping
        (b"\x00\xff\xfe", REFUSE), (":\n:\n: :", REFUSE), ("{[", REFUSE), ("\t- a\n", REFUSE), ("", REFUSE),
        ("- names\n- train\n", REFUSE), ("just text", REFUSE), ("names: *undefined\ntrain: train.txt\n", REFUSE),
        # names that are no list or mapping of class numbers to names
        ("names: 5\ntrain: train.txt\n", REFUSE), ("names: [[1]]\ntrain: train.txt\n", REFUSE),
        ("names: {a: car}\ntrain: train.txt\n", REFUSE), ("names: {-1: car}\ntrain: train.txt\n", REFUSE),
        ("names: {99999999999999999999: car}\ntrain: train.txt\n", REFUSE),
        ("names: {1e400: car}\ntrain: train.txt\n", REFUSE), ("names: {0: [car]}\ntrain: train.txt\n", REFUSE),
        ("names: {0: car, 0: person}\ntrain: train.txt\n", None), ("names: []\ntrain: train.txt\n", REFUSE),
        ("names: !!binary aGVsbG8=\ntrain: train.txt\n", REFUSE),
        ("names: !!python/object:os.system [car]\ntrain: train.txt\n", None),
        ("names: {0: car, 9223372036854775807: person}\ntrain: train.txt\n", ACCEPT),
        ("names: [car, person, " + ", ".join(f"c{i}" for i in range(100_000)) + "]\ntrain: train.txt\n", ACCEPT),
        # image lists that are folders, numbers, missing or outside the zip
        ("names: [car]\n", REFUSE), ("names: [car]\ntrain: images/train/\n", REFUSE),
        ("names: [car]\ntrain: .\n", REFUSE), ("names: [car]\ntrain: 5\n", REFUSE),
        ("names: [car]\ntrain: [train.txt]\n", REFUSE), ("names: [car]\ntrain: 1e400\n", REFUSE),
        ("names: [car]\ntrain: ~\n", REFUSE), ("names: [car]\ntrain: ../train.txt\n", REFUSE),
        ("names: [car]\ntrain: /train.txt\n", ACCEPT),
        ("names: [car]\ntrain: ./train.txt\nval: train.txt\ntest: train.txt\n", ACCEPT),
        ("names: [car]\ntrain: train.txt\nnc: 99999999999999999999\npath: /etc\n", ACCEPT),
        # aliases, deep nesting, a long value
        # Anchors and aliases are refused outright (a billion laughs fits in a few hundred bytes).
        ("names: &a [car]\ntrain: train.txt\nx: *a\n", REFUSE),
        ("names: [car]\ntrain: train.txt\n" + "x: " + "[" * 10_000 + "]" * 10_000 + "\n", None),
        ("names: " + "[" * 100_000 + "]" * 100_000 + "\ntrain: train.txt\n", REFUSE),
        ("names: " + "{a: " * 50_000 + "b" + "}" * 50_000 + "\ntrain: train.txt\n", REFUSE),
        ("names: " + "- " * 10_000 + "car\ntrain: train.txt\n", REFUSE),
        ("names: [car]\ntrain: train.txt\nnote: " + "x" * (3 << 20) + "\n", ACCEPT),
    ]
    # a billion laughs: nine levels of ten aliases each, used as names, beside them, and as a mapping key
    laughs = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
    for level in "bcdefghi":
        laughs += f"{level}: &{level} [" + ", ".join([f"*{chr(ord(level) - 1)}"] * 10) + "]\n"
    yamls += [(laughs + "names: *i\ntrain: train.txt\n", REFUSE), (laughs + "names: [car]\ntrain: train.txt\n", REFUSE),
              (laughs + "names: {*i: car}\ntrain: train.txt\n", REFUSE)]
    cases += [("hazards", dataset(text), verdict) for text, verdict in yamls]
    poses = [
        pose_line(*points[:4]), pose_line(*points, "0.1 0.1 2"), pose_line("0.1 0.1 1e300", *points[1:]),
        pose_line("0.1 0.1 3", *points[1:]), pose_line("0.1 0.1 1.5", *points[1:]),
        pose_line("0.1 0.1 nan", *points[1:]), pose_line("1e300 0.1 2", *points[1:]), pose_line(*["0 0 0"] * 5),
        "1 0.5 0.5 0.4 0.4 " + " ".join(points) + "\n", "0 nan 0.5 0.4 0.4 " + " ".join(points) + "\n",
    ]
    lines: list[tuple[str, str | bytes, str | None]] = [
        # boxes: NaN, infinities, 1e300, the wrong count of numbers, classes that are not
        ("hazards", "0 nan nan nan nan\n", REFUSE), ("hazards", "0 inf 0.5 0.1 0.1\n", REFUSE),
        ("hazards", "0 -inf 0.5 0.1 0.1\n", REFUSE), ("hazards", "0 0.5 0.5 infinity 0.1\n", REFUSE),
        ("hazards", "0 1e300 0.5 0.1 0.1\n", REFUSE), ("hazards", "0 0.5 0.5 1e300 0.1\n", REFUSE),
        ("hazards", "0 1e308 0.5 0.1 0.1\n", REFUSE), ("hazards", "0 0.5 0.5 1e308 1e308\n", REFUSE),
        ("hazards", "0 1e999 0.5 0.1 0.1\n", REFUSE), ("hazards", "0 0.5 0.5 0.1\n", REFUSE),
        ("hazards", "0 0.5 0.5 0.1 0.1 0.1\n", REFUSE), ("hazards", "0 " + "0.5 " * 9 + "\n", REFUSE),
        ("hazards", "0 " + "0.5 " * 100_000 + "\n", REFUSE), ("hazards", "-1 0.5 0.5 0.1 0.1\n", REFUSE),
        ("hazards", "2 0.5 0.5 0.1 0.1\n", REFUSE), ("hazards", "0.0 0.5 0.5 0.1 0.1\n", REFUSE),
        ("hazards", "99999999999999999999 0.5 0.5 0.1 0.1\n", REFUSE), ("hazards", "\u0663 0.5 0.5 0.1 0.1\n", REFUSE),
        ("hazards", "\x00\n", REFUSE), ("hazards", b"0 0.5 0.5 0.1 0.1\xff\n", REFUSE),
        ("hazards", "0 0.5 0.5 0 0.1\n", REFUSE), ("hazards", "0 0.5 0.5 -0.1 0.1\n", REFUSE),
        ("hazards", "0 0.5 0.5 1 1\n", ACCEPT), ("hazards", "0 0.5 0.5 1.001 1\n", REFUSE),
        ("hazards", "0 0x1p-2 0.5 0.1 0.1\n", None), ("hazards", "0 +0.5 0.5 0.1 0.1\n", None),
        ("hazards", "0 1e-320 1e-320 1e-320 1e-320\n", None),
        ("hazards", "0 0.1 0.1 0.4 0.1 0.4 0.3 0.1 1e300\n", REFUSE), ("hazards", "0 0 0 0 0 0 0 0 0\n", REFUSE),
        ("hazards", "0 0.5 0.5 0.1 0.1\n" * 5_000, ACCEPT), ("hazards", "0 0.5 0.5 0.1 0.1\n" * 5_001, REFUSE),
        ("hazards", "0 0.5 0.5 0.1 0.1\n" * 200_000, REFUSE), ("hazards", "   \n\t\n0 0.5 0.5 0.1 0.1\n", ACCEPT),
        ("hazards", "0 0.5 0.5 0.1 0.1\r\n1 0.2 0.2 0.1 0.1\r\n", ACCEPT),
        # polygons
        ("outlines", "0 0.1 0.1 0.5 0.1\n", REFUSE), ("outlines", "0 0.1 0.1 0.5 0.1 0.3\n", REFUSE),
        ("outlines", "0 0.1 0.1 0.5 0.1 0.3 nan\n", REFUSE), ("outlines", "0 0.1 0.1 0.5 0.1 0.3 1e300\n", REFUSE),
        ("outlines", "0 " + "0.1 0.1 " * 1_001 + "\n", REFUSE), ("outlines", "0 0 0 1 1 1 0 0 1\n", REFUSE),
        ("outlines", "1 0.1 0.1 0.5 0.1 0.3 0.5\n", ACCEPT),
        # poses: a visibility of -1 is a point not placed, as a 0 is
        *[("poses", line, REFUSE) for line in poses],
        ("poses", pose_line("0.1 0.1 -1", *points[1:]), None),
        ("poses", pose_line("0.1 0.1 -1e300", *points[1:]), None),
    ]
    yaml_of = {"hazards": "names:\n  0: car\n  1: person\ntrain: train.txt\n", "outlines": POLYGON_YAML,
               "poses": POSE_YAML}
    cases += [(question, dataset(yaml_of[question], labels=text), verdict) for question, text, verdict in lines]
    return cases


def yolo_imports(ctx: Context, path: str):
    """Every YOLO case, then hostile queries."""
    park = ctx.park
    base = f"{path}?format=yolo&as=gold&storage={park.storage_id}"
    for index, (question, body, verdict) in enumerate(yolo_cases()):
        kind = "prefill" if index % 2 else "gold"
        yield ctx.api("POST", f"{path}?format=yolo&as={kind}&storage={park.storage_id}&question={question}", body,
                      content_type=ZIP, note="YOLO zip", timeout=IMPORT_TIMEOUT, check=imported(verdict))
    valid = dataset()
    for query, verdict in [("", REFUSE), ("&question=seg", REFUSE), ("&question=nope", REFUSE), ("&question=", REFUSE),
                           ("&question=hazards", ACCEPT), ("&question=hazards&partial=true", None)]:
        yield ctx.api("POST", base + query, valid, content_type=ZIP, note="YOLO question", check=imported(verdict))
    for query, verdict in [("?format=yolo&as=gold&question=hazards", REFUSE),
                           ("?format=yolo&as=gold&storage=0&question=hazards", REFUSE),
                           ("?format=yolo&as=gold&storage=x&question=hazards", REFUSE),
                           ("?format=yolo&as=gold&storage=999999&question=hazards", REFUSE),
                           (f"?format=yolo&as=gold&storage={park.foreign_storage_id}&question=hazards", REFUSE),
                           (f"?format=yolo&storage={park.storage_id}&question=hazards", REFUSE),
                           (f"?format=yolo&as=both&storage={park.storage_id}&question=hazards", REFUSE)]:
        yield ctx.api("POST", path + query, valid, content_type=ZIP, note="YOLO query", check=imported(verdict))
    yield ctx.api("POST", base + "&question=hazards", valid, content_type="application/json", note="YOLO Content-Type",
                  check=imported(None))


def random_yolo(ctx: Context, path: str):
    """A valid YOLO zip whose label file repeats one random line."""
    rng = ctx.rng
    numbers = [rng.choice(["0", "1", "0.5", "0.25", "-0.5", "1e300", "nan", "inf", "-1", "1e-320", "2", "x", "",
                           "0.9999999", "1.0000001", "9" * 30]) for _ in range(rng.choice([4, 5, 8, 14, 19, 0, 1]))]
    line = rng.choice(["0", "1", "2", "-1", "x"]) + " " + " ".join(numbers) + "\n"
    question = rng.choice(["hazards", "outlines", "poses"])
    yaml = {"hazards": "names: [car, person]\ntrain: train.txt\n", "outlines": POLYGON_YAML, "poses": POSE_YAML}
    return ctx.api("POST", f"{path}?format=yolo&as={rng.choice(['gold', 'prefill'])}&storage={ctx.park.storage_id}"
                   f"&question={question}", dataset(yaml[question], labels=line * rng.choice([1, 2, 50])),
                   content_type=ZIP, note="random YOLO line", timeout=IMPORT_TIMEOUT, check=imported(None))


def datasets(ctx: Context):
    """Hostile COCO files and YOLO zips into the image project, then random ones of both."""
    path = f"/api/v1/projects/{ctx.park.region_project_id}/tasks"
    yield from coco_imports(ctx, path)
    yield from yolo_imports(ctx, path)
    for body in [encode(coco()), dataset()]:
        yield ctx.api("POST", f"/api/v1/projects/{ctx.park.project_id}/tasks?format=coco&as=gold", body,
                      note="dataset into a text project", check=answer(REFUSE))
        yield ctx.api("POST", f"/api/v1/projects/{ctx.park.project_id}/tasks?format=yolo&as=gold&storage="
                      f"{ctx.park.foreign_storage_id}", body, note="dataset into a text project", check=answer(REFUSE))
    yield ctx.api("POST", f"{path}?format=coco&as=gold&storage={ctx.park.storage_id}", encode(coco()),
                  token=ctx.park.annotator.token, note="annotator dataset import", check=answer(REFUSE))
    while ctx.more():
        yield random_coco(ctx, path) if ctx.random_sent % 2 else random_yolo(ctx, path)
