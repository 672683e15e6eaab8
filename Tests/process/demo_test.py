#!/usr/bin/env python3
"""`serve --demo`: the park admin gets a random password printed once, everyone else the shared demo
password, and the printed hints name the host and port the server really listens on.

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
