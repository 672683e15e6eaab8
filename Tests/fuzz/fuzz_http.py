"""Raw HTTP for the fuzz suite: requests written byte by byte, so headers and bodies can be anything.

`http.client` refuses many of the requests worth sending (no Host, non-ASCII header bytes, a bare
`Bearer`), so requests are written to a socket by hand and only the response is parsed with
`http.client.HTTPResponse`. Every request uses its own connection and asks for `Connection: close`.
"""

from __future__ import annotations

import http.client
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Callable

RESPONSE_BODY_CAP = 1 << 20
SHOWN_BODY_BYTES = 300

Header = tuple[str | bytes, str | bytes]


def as_bytes(value: str | bytes) -> bytes:
    """`value` as bytes; text is UTF-8 encoded (non-ASCII header values stay non-ASCII on the wire)."""
    return value if isinstance(value, bytes) else value.encode("utf-8", "surrogatepass")


@dataclass
class RawRequest:
    """One request exactly as it goes on the wire, plus the family it belongs to and why it was made."""

    method: str
    path: str | bytes
    headers: list[Header] = field(default_factory=list)
    body: bytes = b""
    family: str = "misc"
    note: str = ""
    send_host: bool = True
    content_length: bool = True
    half_close: bool = False
    timeout: float = 30.0
    # How much of the response body to keep (exports read back whole need more than the default).
    max_body: int = RESPONSE_BODY_CAP
    # What the answer must be beyond "no 5xx": returns why the outcome is wrong, or None when it is right.
    check: Callable[["Outcome"], str | None] | None = None

    def has_header(self, name: str) -> bool:
        """Whether the request already carries header `name` (any case)."""
        wanted = name.lower().encode()
        return any(as_bytes(key).lower() == wanted for key, _ in self.headers)

    def encode(self, authority: str) -> bytes:
        """The request's bytes: request line, Host (unless left out or given), headers, Content-Length, body."""
        lines = [as_bytes(self.method) + b" " + as_bytes(self.path) + b" HTTP/1.1"]
        if self.send_host and not self.has_header("host"):
            lines.append(b"Host: " + authority.encode())
        for name, value in self.headers:
            lines.append(as_bytes(name) + b": " + as_bytes(value))
        if not self.has_header("connection"):
            lines.append(b"Connection: close")
        if self.content_length and (self.body or self.method in ("POST", "PUT", "PATCH")):
            if not self.has_header("content-length") and not self.has_header("transfer-encoding"):
                lines.append(b"Content-Length: " + str(len(self.body)).encode())
        return b"\r\n".join(lines) + b"\r\n\r\n" + self.body

    def describe(self) -> str:
        """Method, path, headers and the first bytes of the body, for a failure report."""
        shown_path = as_bytes(self.path)
        if len(shown_path) > 300:
            shown_path = shown_path[:300] + b"... (%d bytes)" % len(as_bytes(self.path))
        lines = [f"{self.method} {shown_path!r}" + ("" if self.send_host else " (no Host header)")]
        for name, value in self.headers:
            raw = as_bytes(value)
            shown = raw[:300] + (b"... (%d bytes)" % len(raw) if len(raw) > 300 else b"")
            lines.append(f"  {as_bytes(name).decode('latin-1')}: {shown!r}")
        if self.body:
            lines.append(f"  body ({len(self.body)} bytes): {self.body[:SHOWN_BODY_BYTES]!r}")
        return "\n".join(lines)


@dataclass
class Outcome:
    """What came back: a status and the start of the body, or the transport error instead."""

    status: int | None
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    error: str | None = None
    seconds: float = 0.0

    def summary(self) -> str:
        """One line: the status and the start of the body, or the error."""
        if self.status is None:
            return f"no response ({self.error})"
        return f"{self.status} {self.body[:200]!r}"


def _write(connection: socket.socket, data: bytes, half_close: bool, errors: list[OSError]) -> None:
    """Writes the request (then half-closes if asked); an error is kept, the response may still be readable."""
    try:
        connection.sendall(data)
        if half_close:
            connection.shutdown(socket.SHUT_WR)
    except OSError as error:
        errors.append(error)


def send(host: str, port: int, request: RawRequest) -> Outcome:
    """Sends `request` on a new connection and reads the response (a body of at most `request.max_body` is kept).

    The request is written by a second thread while this one reads: a server that answers early (413,
    400) and stops reading a large body must not leave the case waiting for its own write to time out.
    """
    started = time.monotonic()
    try:
        connection = socket.create_connection((host, port), timeout=request.timeout)
    except OSError as error:
        return Outcome(None, error=f"connect: {error}", seconds=time.monotonic() - started)
    send_errors: list[OSError] = []
    writer = threading.Thread(target=_write, args=(connection, request.encode(f"{host}:{port}"),
                                                   request.half_close, send_errors), daemon=True)
    writer.start()
    try:
        response = http.client.HTTPResponse(connection, method=request.method)
        response.begin()
        body = response.read(request.max_body)
        headers = {name.lower(): value for name, value in response.getheaders()}
        return Outcome(response.status, body, headers, seconds=time.monotonic() - started)
    except (OSError, http.client.HTTPException) as error:
        detail = f"{type(error).__name__}: {error}"
        if send_errors:
            detail = f"send: {send_errors[0]}; read: {detail}"
        return Outcome(None, error=detail, seconds=time.monotonic() - started)
    finally:
        try:
            connection.shutdown(socket.SHUT_RDWR)  # wakes the writer if it is still blocked
        except OSError:
            pass
        writer.join(5.0)
        connection.close()


def probe_health(host: str, port: int, timeout: float) -> bool:
    """Whether `GET /healthz` answers 200 within `timeout` seconds."""
    outcome = send(host, port, RawRequest("GET", "/healthz", timeout=timeout))
    return outcome.status == 200
