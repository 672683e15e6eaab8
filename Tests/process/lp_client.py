"""A small standard-library HTTP client for LabelPark process tests.

One `ParkClient` holds one keep-alive connection and is used by one thread. A request that fails
at the transport level (refused, reset, closed mid-response, timed out) raises `TransportFailure`:
the caller cannot know whether the server acted on it, which is what crash tests care about.
"""

from __future__ import annotations

import http.client
import json
import socket
import time
import urllib.parse
from dataclasses import dataclass, field

DEFAULT_TIMEOUT_SECONDS = 10.0
# People who do not manage a project see tasks by a per-person handle (TaskHandles.swift): 2^52 plus a
# keyed permutation of the real id, the same for one person every time. Managers' routes show real ids.
TASK_HANDLE_BASE = 1 << 52


class TransportFailure(Exception):
    """The request got no complete HTTP response: its outcome on the server is unknown."""


class UnexpectedStatus(Exception):
    """A response whose status the caller did not accept."""

    def __init__(self, method: str, path: str, response: "ParkResponse", expected: tuple[int, ...]):
        self.response = response
        super().__init__(
            f"{method} {path} answered {response.status}, expected {'/'.join(map(str, expected))}: "
            f"{response.text()[:300]}"
        )


@dataclass
class ParkResponse:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self):
        return json.loads(self.body)

    def json_lines(self) -> list:
        return [json.loads(line) for line in self.body.splitlines() if line.strip()]


class ParkClient:
    """A LabelPark API client on one persistent connection (reopened after any transport failure)."""

    def __init__(self, base_url: str, token: str | None = None, timeout: float = DEFAULT_TIMEOUT_SECONDS):
        parsed = urllib.parse.urlsplit(base_url)
        if parsed.scheme != "http" or not parsed.hostname or not parsed.port:
            raise ValueError(f"expected http://host:port, got {base_url!r}")
        self.host = parsed.hostname
        self.port = parsed.port
        self.token = token
        self.timeout = timeout
        self._connection: http.client.HTTPConnection | None = None

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        content_type: str | None = None,
        expect: tuple[int, ...] | None = None,
    ) -> ParkResponse:
        """Sends one request; raises `TransportFailure` without a full response, `UnexpectedStatus` on a status outside `expect`."""
        headers = {"Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if body is not None:
            headers["Content-Type"] = content_type or "application/json"
        if self._connection is None:
            self._connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            self._connection.request(method, path, body=body, headers=headers)
            raw = self._connection.getresponse()
            response = ParkResponse(
                status=raw.status,
                headers={name.lower(): value for name, value in raw.getheaders()},
                body=raw.read(),
            )
        except (OSError, http.client.HTTPException) as error:
            # socket.timeout and ConnectionError are OSErrors; RemoteDisconnected and
            # IncompleteRead are HTTPExceptions. Either way the connection is unusable.
            self.close()
            raise TransportFailure(f"{method} {path}: {type(error).__name__}: {error}") from error
        if response.header("connection") == "close":
            self.close()
        if expect is not None and response.status not in expect:
            raise UnexpectedStatus(method, path, response, expect)
        return response

    def post_json(self, path: str, payload, expect: tuple[int, ...] | None = None) -> ParkResponse:
        return self.request("POST", path, json.dumps(payload).encode(), "application/json", expect)

    def get(self, path: str, expect: tuple[int, ...] | None = None) -> ParkResponse:
        return self.request("GET", path, expect=expect)


def is_task_handle(value) -> bool:
    """Whether a task id the server gave out is a per-person handle rather than a real id."""
    return isinstance(value, int) and not isinstance(value, bool) and TASK_HANDLE_BASE <= value < 2 * TASK_HANDLE_BASE


def free_local_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listened on a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_healthy(base_url: str, timeout: float, is_alive=lambda: True) -> None:
    """Polls `GET /healthz` until it answers 200; raises `TimeoutError`, or `RuntimeError` once `is_alive()` turns false."""
    deadline = time.monotonic() + timeout
    client = ParkClient(base_url, timeout=1.0)
    try:
        while True:
            if not is_alive():
                raise RuntimeError("the server exited before it became healthy")
            try:
                if client.get("/healthz").status == 200:
                    return
            except TransportFailure:
                pass
            if time.monotonic() >= deadline:
                raise TimeoutError(f"{base_url}/healthz did not answer 200 within {timeout:.0f} s")
            time.sleep(0.05)
    finally:
        client.close()
