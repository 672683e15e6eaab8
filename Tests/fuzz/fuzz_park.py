"""The park the fuzzers work in: people, a project asking every question type, tasks, gold and answers; and
an image project asking every region kind (boxes that turn, polygons, keypoints with a skeleton, masks) on an
uploaded image and on an image of an attached directory storage, with gold, prefills and valid answers.

Ids are predictable on a fresh data dir (project 1 is the park's project, task 1 its first task), which
the OpenAPI document's examples rely on, but everything here reads the ids from the answers anyway.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

from lp_client import ParkClient
from lp_server import Account, Deadline, ProcessFailure, create_account

PASSWORD = "fuzz-password-123"
ORGANIZATION = "Fuzz Client"
SCHEMA = {
    "fields": [{"name": "text", "type": "text", "label": "Text"}],
    "questions": [
        {"name": "sentiment", "type": "choice", "options": ["pos", "neg", "neu"], "required": True},
        {"name": "topics", "type": "multi_choice", "options": ["sport", "politics", "tech"], "min": 0, "max": 2},
        {"name": "stars", "type": "rating", "min": 1, "max": 5},
        {"name": "summary", "type": "text", "max_length": 1000},
        {"name": "entities", "type": "spans", "field": "text", "labels": ["PER", "ORG"], "overlap": "nested"},
    ],
}
QUALITY = {"gold_rate": 0.1, "gold_at_start": 0, "review": {"mode": "all"}}
TEXTS = [
    "Ada Lovelace worked with Charles Babbage in London.",
    "Caf\u00e9 owners in Z\u00fcrich met IBM \U0001F600 today.",
    "e\u0301e\u0301 combining marks and \u202e bidi text",
    "\u6f22\u5b57\u306e\u30c6\u30ad\u30b9\u30c8 with ORG names",
    "short",
]
GOLD = {"sentiment": "pos", "topics": ["tech"], "stars": 4, "summary": "about people",
        "entities": [{"start": 0, "end": 3, "label": "PER"}]}
WORK_TASKS = 40
GOLD_TASKS = 5

# The image project: every region kind on one image field. "person" is a label of every question, so a COCO
# category of that name must say which question it is for.
POINTS = ["head", "left_hand", "right_hand", "left_foot", "right_foot"]
SKELETON = [["head", "left_hand"], ["head", "right_hand"], ["head", "left_foot"], ["head", "right_foot"]]
REGION_SCHEMA = {
    "fields": [{"name": "image", "type": "image", "label": "Image"}],
    "questions": [
        {"name": "hazards", "type": "boxes", "field": "image", "labels": ["car", "person"], "rotation": True},
        {"name": "outlines", "type": "polygons", "field": "image", "labels": ["road", "person"]},
        {"name": "poses", "type": "keypoints", "field": "image", "labels": ["person"], "points": POINTS,
         "skeleton": SKELETON},
        {"name": "seg", "type": "masks", "field": "image", "labels": ["sky", "person"]},
    ],
}
REGION_QUALITY = {"gold_rate": 0.1, "gold_at_start": 0, "review": {"mode": "none"}}
# The uploaded image (width, height), and the attached directory's one image, synced without tasks.
REGION_IMAGE = (64, 48)
STORAGE_IMAGE = (80, 60)
STORAGE_KEY = "street.png"
REGION_TASKS = 60


@dataclass
class Park:
    """What the fuzzers need to aim at: accounts, ids, a browser session, a lease and a review in hand."""

    base_url: str
    manager: Account
    annotator: Account
    reviewer: Account
    project_id: int = 0
    spare_project_id: int = 0
    inspection_project_id: int = 0
    batch_id: int = 0
    task_ids: list[int] = field(default_factory=list)
    annotation_ids: list[int] = field(default_factory=list)
    inspection_id: int | None = None
    session_cookie: str = ""
    csrf: str = ""
    # The image project, its uploaded asset, its attached directory storage and that storage's synced asset,
    # and a storage of the same directory attached to the spare project.
    region_project_id: int = 0
    region_asset_id: int = 0
    storage_id: int = 0
    storage_asset_id: int = 0
    foreign_storage_id: int = 0
    # Data that must survive the hostile families: the image project's tasks by real id (their data and
    # prefill), and accepted answers by annotation id (their result), added to as families get 201s.
    region_tasks: dict[int, dict] = field(default_factory=dict)
    region_answers: dict[int, dict] = field(default_factory=dict)

    def client(self, account: Account) -> ParkClient:
        """An API client with `account`'s token."""
        return ParkClient(self.base_url, account.token, timeout=30.0)


def expect_json(response, what: str, statuses=(200, 201)):
    """The JSON of `response`, or `ProcessFailure` naming `what` when its status is not one of `statuses`."""
    if response.status not in statuses:
        raise ProcessFailure(f"park set-up: {what} answered {response.status}: {response.text()[:300]}")
    return response.json() if response.body else None


def task_lines() -> bytes:
    """NDJSON of the park's work tasks (with varied priorities and texts) and gold tasks."""
    lines = [{"data": {"text": TEXTS[i % len(TEXTS)], "n": i}, "priority": i % 7 - 3} for i in range(WORK_TASKS)]
    lines += [{"data": {"text": TEXTS[0]}, "gold": GOLD} for _ in range(GOLD_TASKS)]
    return b"\n".join(json.dumps(line).encode() for line in lines) + b"\n"


def valid_result(data: dict) -> dict:
    """A complete, valid answer for a task whose data is `data`."""
    text = data.get("text", "")
    result = {"sentiment": "neg", "topics": ["sport"], "stars": 2, "summary": "fine"}
    if len(text) >= 2:
        result["entities"] = [{"start": 0, "end": 1, "label": "ORG"}]
    return result


def create_people(binary: str, data_dir: Path, deadline: Deadline) -> tuple[Account, Account, Account]:
    """A manager, an annotator and a reviewer in one client organization, with API tokens."""
    people = []
    for role in ("manager", "annotator", "reviewer"):
        people.append(create_account(binary, f"{role}@fuzz.test", role, deadline, password=PASSWORD,
                                     organization=ORGANIZATION, data_dir=data_dir, org_kind="client",
                                     bcrypt_cost=4))
    return people[0], people[1], people[2]


def create_projects(park: Park, manager: ParkClient) -> None:
    """The park's project (every question type, review of all answers) and a spare one to PATCH freely."""
    body = {"name": "Fuzz park", "schema": SCHEMA, "overlap": 2, "lease_seconds": 600, "quality": QUALITY,
            "description": "every question type"}
    park.project_id = expect_json(manager.post_json("/api/v1/projects", body), "create project")["id"]
    spare = {"name": "Spare", "schema": SCHEMA}
    park.spare_project_id = expect_json(manager.post_json("/api/v1/projects", spare), "create spare")["id"]
    unreviewed = {"name": "Inspected", "schema": SCHEMA, "quality": {"gold_rate": 0, "review": {"mode": "none"}}}
    park.inspection_project_id = expect_json(manager.post_json("/api/v1/projects", unreviewed),
                                             "create the project to inspect")["id"]


def import_tasks(park: Park, manager: ParkClient) -> None:
    """Imports the work and gold tasks as one batch and notes its id."""
    response = manager.request("POST", f"/api/v1/projects/{park.project_id}/tasks", task_lines(),
                               "application/x-ndjson")
    park.batch_id = expect_json(response, "import tasks")["batch_id"]


def answer_some(park: Park, annotator: ParkClient, count: int = 4) -> None:
    """The annotator claims and answers `count` tasks, so annotations (and a review queue) exist."""
    for index in range(count):
        claim = annotator.request("POST", f"/api/v1/projects/{park.project_id}/next")
        if claim.status == 204:
            return
        claim_json = expect_json(claim, "claim a task")
        task = claim_json["task"]
        body = {"lease_token": claim_json["lease"]["token"], "result": valid_result(task["data"]),
                "idempotency_key": f"park-{index}", "lead_time_ms": 1200}
        annotation = expect_json(annotator.post_json(f"/api/v1/tasks/{task['id']}/annotations", body), "submit")
        park.task_ids.append(task["id"])
        park.annotation_ids.append(annotation["id"])


def start_inspection(park: Park, manager: ParkClient) -> None:
    """Draws an acceptance inspection of the batch, when there is something to sample."""
    response = manager.post_json(f"/api/v1/projects/{park.project_id}/batches/{park.batch_id}/inspections",
                                 {"sample_size": 1, "aql": 0.9})
    if response.status == 201:
        park.inspection_id = response.json()["id"]


def sign_in(park: Park) -> None:
    """Signs the manager in through the web form and keeps the session cookie and its CSRF token."""
    client = ParkClient(park.base_url, timeout=30.0)
    form = f"email={park.manager.email}&password={PASSWORD}&next=/".encode()
    response = client.request("POST", "/login", form, "application/x-www-form-urlencoded")
    cookie = response.header("set-cookie") or ""
    match = re.search(r"lp_session=([0-9a-f]{64})", cookie)
    if response.status != 303 or not match:
        raise ProcessFailure(f"park set-up: sign-in answered {response.status} without a session cookie")
    park.session_cookie = match.group(1)
    session = http_get_with_cookie(park, "/api/v1/session")
    park.csrf = session.get("csrf", "")


def http_get_with_cookie(park: Park, path: str) -> dict:
    """GET `path` with the session cookie; the JSON answer."""
    import http.client
    from urllib.parse import urlsplit

    parsed = urlsplit(park.base_url)
    connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=30)
    try:
        connection.request("GET", path, headers={"Cookie": f"lp_session={park.session_cookie}"})
        response = connection.getresponse()
        body = response.read()
        if response.status != 200:
            raise ProcessFailure(f"park set-up: GET {path} with the session answered {response.status}")
        return json.loads(body)
    finally:
        connection.close()


def rle_counts(counts: list[int]) -> str:
    """COCO's compressed counts string of run lengths (pycocotools' `rleToString`)."""
    text = []
    for index, count in enumerate(counts):
        value = count - counts[index - 2] if index > 2 else count
        more = True
        while more:
            code = value & 0x1F
            value >>= 5
            more = value != -1 if code & 0x10 else value != 0
            text.append(chr((code | 0x20 if more else code) + 48))
    return "".join(text)


def valid_region_result(width: int, height: int) -> dict:
    """A complete, valid answer to every region question for an image of `width` × `height` (at least 40 × 30)."""
    return {
        "hazards": [{"x": 10, "y": 10, "width": 20, "height": 10, "rotation": 15, "label": "car", "id": "b-1"},
                    {"x": 2, "y": 3, "width": 5.5, "height": 4.25, "label": "person"}],
        "outlines": [{"points": [[2, 2], [30, 2], [30, 20], [2, 20]], "label": "road"}],
        "poses": [{"points": {"head": [10, 5, 2], "left_hand": [5, 15, 1], "right_foot": [12, 29, 2],
                              "left_foot": [0, 0, 0]}, "label": "person"}],
        "seg": [{"rle": {"size": [height, width], "counts": rle_counts([100, 50, height * width - 150])},
                 "label": "sky"}],
    }


def region_task_lines(park: Park) -> bytes:
    """The image project's tasks: plain ones on the uploaded image, gold and prefilled ones on both images."""
    asset = {"image": f"asset:{park.region_asset_id}"}
    stored = {"image": f"storage:{park.storage_id}/{STORAGE_KEY}"}
    lines = [{"data": asset, "priority": i % 3} for i in range(REGION_TASKS)]
    lines += [{"data": asset, "gold": valid_region_result(*REGION_IMAGE)},
              {"data": stored, "gold": valid_region_result(*STORAGE_IMAGE)},
              {"data": asset, "prefill": valid_region_result(*REGION_IMAGE)},
              {"data": stored, "prefill": {"hazards": valid_region_result(*STORAGE_IMAGE)["hazards"]}}]
    return b"\n".join(json.dumps(line).encode() for line in lines) + b"\n"


def attach_storage(park: Park, manager: ParkClient, directory: Path) -> None:
    """Attaches `directory` to the image project (and to the spare one) and syncs it without creating tasks."""
    path = f"/api/v1/projects/{park.region_project_id}/storages"
    park.storage_id = expect_json(manager.post_json(path, {"kind": "directory", "path": str(directory)}),
                                  "attach the directory")["id"]
    park.foreign_storage_id = expect_json(
        manager.post_json(f"/api/v1/projects/{park.spare_project_id}/storages", {"kind": "directory",
                                                                                "path": str(directory)}),
        "attach the directory to the spare project")["id"]
    expect_json(manager.post_json(f"{path}/{park.storage_id}/sync", {"create_tasks": False}), "sync", (202,))
    ends = time.monotonic() + 60
    while True:
        sync = expect_json(manager.get(f"{path}/{park.storage_id}"), "read the storage")["sync"]
        if sync["state"] not in ("running", "idle") or time.monotonic() > ends:
            break
        time.sleep(0.1)
    objects = expect_json(manager.get(f"{path}/{park.storage_id}/objects"), "list the synced objects")["objects"]
    synced = [item["asset_id"] for item in objects if item["key"] == STORAGE_KEY and item["asset_id"]]
    if sync["state"] != "finished" or not synced:
        raise ProcessFailure(f"park set-up: the directory sync ended {sync['state']} ({sync.get('error')}), "
                             f"objects {objects}")
    park.storage_asset_id = synced[0]


def create_region_project(park: Park, manager: ParkClient, annotator: ParkClient, directory: Path) -> None:
    """The image project: an uploaded image, the attached directory's image, tasks, gold, prefills, answers."""
    body = {"name": "Fuzz regions", "schema": REGION_SCHEMA, "overlap": 1, "lease_seconds": 600,
            "quality": REGION_QUALITY, "description": "every region kind"}
    park.region_project_id = expect_json(manager.post_json("/api/v1/projects", body), "create the image project")["id"]
    from gen_media import png  # here: gen_media imports the generators' context, which imports this module

    upload = manager.request("POST", f"/api/v1/projects/{park.region_project_id}/assets", png(*REGION_IMAGE),
                             "image/png")
    park.region_asset_id = expect_json(upload, "upload the image")["id"]
    attach_storage(park, manager, directory)
    imported = manager.request("POST", f"/api/v1/projects/{park.region_project_id}/tasks", region_task_lines(park),
                               "application/x-ndjson")
    expect_json(imported, "import the image tasks", (201,))
    for index in range(3):
        claim = annotator.request("POST", f"/api/v1/projects/{park.region_project_id}/next")
        claim_json = expect_json(claim, "claim an image task")
        task = claim_json["task"]
        size = STORAGE_IMAGE if task["data"]["image"] == f"asset:{park.storage_asset_id}" else REGION_IMAGE
        result = valid_region_result(*size)
        body = {"lease_token": claim_json["lease"]["token"], "result": result, "idempotency_key": f"region-{index}"}
        annotation = expect_json(annotator.post_json(f"/api/v1/tasks/{task['id']}/annotations", body),
                                 "answer an image task")
        park.region_answers[annotation["id"]] = result
    export = manager.get(f"/api/v1/projects/{park.region_project_id}/export?aggregate=false")
    for line in expect_json_lines(export, "export the image project"):
        task = expect_json(manager.get(f"/api/v1/tasks/{line['id']}"), "read an image task")
        park.region_tasks[task["id"]] = {"data": task["data"], "prefill": task.get("prefill")}


def expect_json_lines(response, what: str) -> list:
    """The JSON lines of `response`, or `ProcessFailure` naming `what` unless it is a 200."""
    if response.status != 200:
        raise ProcessFailure(f"park set-up: {what} answered {response.status}: {response.text()[:300]}")
    return response.json_lines()


def build_park(people: tuple[Account, Account, Account], base_url: str, attachable: Path) -> Park:
    """Everything but the people (made with the CLI before the server starts), through the API; `attachable` is
    the directory the server may attach, holding the image `STORAGE_KEY`."""
    park = Park(base_url, *people)
    manager_client, annotator_client = park.client(park.manager), park.client(park.annotator)
    create_projects(park, manager_client)
    import_tasks(park, manager_client)
    answer_some(park, annotator_client)
    start_inspection(park, manager_client)
    create_region_project(park, manager_client, annotator_client, attachable)
    sign_in(park)
    for client in (manager_client, annotator_client):
        client.close()
    return park


def restore_project(park: Park) -> None:
    """Puts the park projects' settings back after schemathesis may have PATCHed them."""
    client = park.client(park.manager)
    try:
        client.request("PATCH", f"/api/v1/projects/{park.project_id}",
                       json.dumps({"lease_seconds": 600, "quality": QUALITY}).encode(), "application/json")
        client.request("PATCH", f"/api/v1/projects/{park.region_project_id}",
                       json.dumps({"lease_seconds": 600, "quality": REGION_QUALITY}).encode(), "application/json")
    finally:
        client.close()
