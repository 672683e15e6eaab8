#!/usr/bin/env python3
"""`serve --demo`: the park admin gets a random password printed once, everyone else the shared demo
password, and the printed hints name the host and port the server really listens on; the two image projects
hold their drawn pictures (one task each, served as PNG) and box gold.

Usage: demo_test.py --binary PATH
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

from lp_server import Deadline, ServerProcess

DEMO_PASSWORD = "labelpark-demo"


def token(base_url: str, email: str, password: str) -> int:
    """The status of a sign-in for an API token."""
    request = urllib.request.Request(
        base_url + "/api/v1/tokens", data=json.dumps({"email": email, "password": password}).encode(),
        headers={"Content-Type": "application/json"}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code


def get_json(base_url: str, bearer: str, path: str):
    request = urllib.request.Request(base_url + path, headers={"Authorization": f"Bearer {bearer}"})
    with urllib.request.urlopen(request, timeout=30) as answer:
        return answer.status, answer.headers.get("Content-Type"), answer.read()


def image_projects(base_url: str) -> list[tuple[str, int, str | None, bytes]]:
    """Each demo project with an image field: its name, task count, and its first task's image type and bytes."""
    request = urllib.request.Request(
        base_url + "/api/v1/tokens", headers={"Content-Type": "application/json"}, method="POST",
        data=json.dumps({"email": "manager@demo.labelpark", "password": DEMO_PASSWORD}).encode())
    with urllib.request.urlopen(request, timeout=30) as answer:
        bearer = json.loads(answer.read())["token"]
    _, _, body = get_json(base_url, bearer, "/api/v1/projects")
    found = []
    for project in json.loads(body)["projects"]:
        if not any(field["type"] == "image" for field in project["schema"]["fields"]):
            continue
        _, _, progress = get_json(base_url, bearer, f"/api/v1/projects/{project['id']}/progress")
        _, _, export = get_json(base_url, bearer, f"/api/v1/projects/{project['id']}/export?format=jsonl")
        first = json.loads(export.splitlines()[0])
        asset = first["data"]["photo"].removeprefix("asset:")
        _, content_type, image = get_json(base_url, bearer, f"/api/v1/assets/{asset}/content")
        found.append((project["name"], json.loads(progress)["tasks"], content_type, image))
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", required=True)
    args = parser.parse_args()
    checks: list[tuple[str, bool]] = []
    with tempfile.TemporaryDirectory(prefix="labelpark-demo-") as folder:
        directory = Path(folder)
        server = ServerProcess(str(Path(args.binary).resolve()), log_path=directory / "server.log",
                               data_dir=directory / "data", extra_args=["--demo"], description="the demo server")
        deadline = Deadline(120, "the demo test")
        try:
            server.start(timeout=deadline.cap(90))
            first = server.log_path.read_text(errors="replace")
            admin = re.search(r"admin@demo\.labelpark\s.*password: (\S+)", first)
            checks.append(("the admin's password is printed at seeding", admin is not None))
            password = admin.group(1) if admin else ""
            checks.append(("it is not the shared demo password", len(password) >= 12 and password != DEMO_PASSWORD))
            checks.append((f"the hints name port {server.port}", f"127.0.0.1:{server.port}" in first
                           and "localhost:8080" not in first))
            checks.append(("the admin signs in with it", token(server.base_url, "admin@demo.labelpark", password) == 201))
            checks.append(("not with the shared one",
                           token(server.base_url, "admin@demo.labelpark", DEMO_PASSWORD) == 401))
            checks.append(("a demo manager signs in with the shared one",
                           token(server.base_url, "manager@demo.labelpark", DEMO_PASSWORD) == 201))
            images = image_projects(server.base_url)
            # 12 and 10 pictures, every fourth a gold task: progress counts the work tasks.
            checks.append((f"two image projects of 9 and 7 work tasks: {[(n, c) for n, c, _, _ in images]}",
                           sorted(count for _, count, _, _ in images) == [7, 9]))
            checks.append(("their pictures are served as PNG", all(
                kind == "image/png" and image.startswith(b"\x89PNG\r\n\x1a\n") for _, _, kind, image in images)))
            server.terminate(timeout=deadline.cap(30))
            server.start(timeout=deadline.cap(60))
            second = server.log_path.read_text(errors="replace")[len(first):]
            checks.append(("a restart never prints it again", password not in second
                           and "printed once" in second))
        finally:
            server.terminate(timeout=30)
    for name, passed in checks:
        print(f"  {'ok  ' if passed else 'FAIL'} {name}")
    failed = sum(1 for _, passed in checks if not passed)
    print(f"demo: {len(checks) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
