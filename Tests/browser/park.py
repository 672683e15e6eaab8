"""One LabelPark park for one browser test: a fresh data directory, accounts made with the CLI, a
`labelpark serve` process that can be stopped and started again on the same port, and API v1 calls with
bearer tokens (standard library only).
"""

from __future__ import annotations

import json
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "process"))
from server_logs import archived  # noqa: E402

PASSWORD = "browser-test-password"
ORGANIZATION = "Browser Test Client"
# bcrypt's lowest cost: sign-ins in tests take microseconds instead of a quarter second.
BCRYPT_COST = "4"
START_TIMEOUT_SECONDS = 20.0
STOP_TIMEOUT_SECONDS = 15.0


class ParkFailure(Exception):
    """The park could not be set up or did not answer as the API promises."""


@dataclass(frozen=True)
class Account:
    """A person of the test's client organization."""

    email: str
    name: str
    role: str
    user_id: int
    token: str


@dataclass
class ApiAnswer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self):
        return json.loads(self.body) if self.body else None

    def json_lines(self) -> list:
        return [json.loads(line) for line in self.body.splitlines() if line.strip()]


def free_local_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listened on a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Park:
    """A park in `directory`: its data, its server's log, and the server process. `extra_args` are added to
    every `serve` command line (a test may also set the attribute before the server starts)."""

    def __init__(self, binary: str, directory: Path, extra_args: list[str] | None = None):
        self.binary = str(Path(binary).resolve())
        self.directory = directory
        self.extra_args: list[str] = list(extra_args or [])
        self.data_dir = directory / "data"
        self.log_path = archived(directory / "server.log")
        self.port = free_local_port()
        self.process: subprocess.Popen | None = None
        self.accounts: dict[str, Account] = {}
        self._pending_accounts: list[tuple[str, str, str]] = []

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return self.base_url + path

    # MARK: process

    def start(self) -> None:
        """Starts `serve` on the park's port and waits until `/healthz` answers."""
        if self.is_running():
            return
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [self.binary, "serve", "--data-dir", str(self.data_dir), "--host", "127.0.0.1",
                 "--port", str(self.port), "--bcrypt-cost", BCRYPT_COST, *self.extra_args],
                stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while True:
            if not self.is_running():
                raise ParkFailure(f"the server exited with {self.process.returncode} while starting\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(self.url("/healthz"), timeout=1.0) as answer:
                    if answer.status == 200:
                        return
            except (OSError, urllib.error.URLError):
                pass
            if time.monotonic() > deadline:
                raise ParkFailure(f"the server did not answer /healthz within {START_TIMEOUT_SECONDS:.0f} s\n{self.log_tail()}")
            time.sleep(0.05)

    def stop(self) -> int | None:
        """SIGTERM (the server drains and exits); the exit code, or None when it had to be killed."""
        if self.process is None or self.process.poll() is not None:
            return None if self.process is None else self.process.returncode
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            return None

    def is_running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log_tail(self, lines: int = 20) -> str:
        try:
            text = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return "    (no server log)"
        return "\n".join(f"    | {line}" for line in text[-lines:])

    # MARK: accounts

    def create_user(self, email: str, role: str, name: str | None = None) -> None:
        """Adds a person with the CLI (works whether or not the server runs); call `sign_in_api` for a token."""
        display_name = name or email
        output = self._cli(["user", "create", "--data-dir", str(self.data_dir), "--email", email,
                            "--password", PASSWORD, "--role", role, "--org", ORGANIZATION, "--org-kind", "client",
                            "--name", display_name, "--bcrypt-cost", BCRYPT_COST])
        match = re.search(r"created user (\d+)", output)
        if not match:
            raise ParkFailure(f"cannot read the user id from `user create`: {output!r}")
        self._pending_accounts.append((email, role, display_name))

    def open(self, users: list[tuple[str, str] | tuple[str, str, str]]) -> None:
        """Creates the users `(email, role[, name])`, starts the server and gets each user a token."""
        for user in users:
            self.create_user(*user)
        self.start()
        for email, role, name in self._pending_accounts:
            answer = self.call("POST", "/api/v1/tokens", body={"email": email, "password": PASSWORD, "name": "browser-test"},
                               expect=(201,))
            body = answer.json()
            self.accounts[email] = Account(email, name, role, int(body["user_id"]), body["token"])
        self._pending_accounts.clear()

    def account(self, email: str) -> Account:
        return self.accounts[email]

    def _cli(self, arguments: list[str]) -> str:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        finished = subprocess.run([self.binary, *arguments], capture_output=True, text=True, timeout=60)
        if finished.returncode != 0:
            raise ParkFailure(f"`labelpark {' '.join(arguments[:2])}` exited {finished.returncode}: {finished.stderr.strip()}")
        return finished.stdout

    # MARK: API v1

    def call(self, method: str, path: str, token: str | None = None, body=None, raw: bytes | None = None,
             content_type: str | None = None, expect: tuple[int, ...] | None = None, timeout: float = 30.0) -> ApiAnswer:
        """One API request; raises `ParkFailure` when `expect` is given and the status is not in it."""
        headers = {"Accept": "application/json"}
        data = None
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        elif raw is not None:
            data = raw
            headers["Content-Type"] = content_type or "application/octet-stream"
        request = urllib.request.Request(self.url(path), data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                answer = ApiAnswer(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read())
        except urllib.error.HTTPError as error:
            answer = ApiAnswer(error.code, {k.lower(): v for k, v in error.headers.items()}, error.read())
        if expect is not None and answer.status not in expect:
            raise ParkFailure(f"{method} {path} answered {answer.status}, expected {'/'.join(map(str, expect))}: "
                              f"{answer.body[:300].decode(errors='replace')}")
        return answer

    def create_project(self, token: str, name: str, schema: dict, **settings) -> int:
        project = self.call("POST", "/api/v1/projects", token, body={"name": name, "schema": schema, **settings},
                            expect=(201,)).json()
        return int(project["id"])

    def import_tasks(self, token: str, project_id: int, tasks: list[dict]) -> int:
        lines = "".join(json.dumps(task, ensure_ascii=False) + "\n" for task in tasks).encode()
        answer = self.call("POST", f"/api/v1/projects/{project_id}/tasks", token, raw=lines,
                           content_type="application/x-ndjson", expect=(201,)).json()
        if answer.get("created") != len(tasks):
            raise ParkFailure(f"imported {answer.get('created')} of {len(tasks)} tasks: {answer}")
        return answer["created"]

    def export(self, token: str, project_id: int) -> list[dict]:
        """The project's jsonl export: one task a line with its annotations."""
        return self.call("GET", f"/api/v1/projects/{project_id}/export?format=jsonl", token, expect=(200,)).json_lines()

    def annotations_by(self, token: str, project_id: int, annotator_id: int) -> list[tuple[dict, dict]]:
        """Every exported (task, annotation) pair whose annotation is the annotator's."""
        return [(task, annotation) for task in self.export(token, project_id)
                for annotation in task.get("annotations", []) if annotation.get("annotator_id") == annotator_id]
