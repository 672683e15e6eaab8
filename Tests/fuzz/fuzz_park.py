"""The park the fuzzers work in: people, a project asking every question type, tasks, gold and answers.

Ids are predictable on a fresh data dir (project 1 is the park's project, task 1 its first task), which
the OpenAPI document's examples rely on, but everything here reads the ids from the answers anyway.
"""

from __future__ import annotations

import json
import re
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


def build_park(people: tuple[Account, Account, Account], base_url: str) -> Park:
    """Everything but the people (made with the CLI before the server starts), through the API."""
    park = Park(base_url, *people)
    manager_client, annotator_client = park.client(park.manager), park.client(park.annotator)
    create_projects(park, manager_client)
    import_tasks(park, manager_client)
    answer_some(park, annotator_client)
    start_inspection(park, manager_client)
    sign_in(park)
    for client in (manager_client, annotator_client):
        client.close()
    return park


def restore_project(park: Park) -> None:
    """Puts the park project's settings back after schemathesis may have PATCHed them."""
    client = park.client(park.manager)
    try:
        client.request("PATCH", f"/api/v1/projects/{park.project_id}",
                       json.dumps({"lease_seconds": 600, "quality": QUALITY}).encode(), "application/json")
    finally:
        client.close()
