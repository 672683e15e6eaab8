#!/usr/bin/env python3
"""Slow-clients test: a stalled client is dropped after a bounded time and frees whatever it held.

A release server runs with short connection timeouts (`--write-timeout 5 --read-timeout 5
--idle-timeout 10`) on a park of 30,000 tasks, so that one export is many megabytes. Eight annotators
claim and submit for a few seconds to measure their normal cycle latency. Then, while the same eight
annotators keep working, the test opens

- 16 exports (`GET /api/v1/projects/{id}/export?format=jsonl`) at once, on sockets with a 4 KiB
  receive buffer whose client reads one byte per second. At most 4 snapshot reads (exports, quality
  reports) run at once per instance, so exactly 4 must be admitted (200; fewer would mean a permit
  leaked, e.g. from the full-speed export before) and the 12 others refused within 2 s with 429,
  `{"error":{"code":"busy",…}}` and a `Retry-After` (the client peeks at the status line, and reads a
  refusal at full speed). The server must drop each admitted one within the write timeout + 5 s of
  the response backing up (the server's send queue to it first holding 16 KiB, more than the client's
  window can take), and the export's read transaction (its WAL snapshot) and its permit must go with
  it: at the end, 4 full-speed exports at once must each answer 200 with every task;
- 20 slowloris sockets that send a request head one byte per second and never finish it: dropped
  within the idle timeout + 5 s;
- 4 imports whose head announces a 1,000,000-byte body that then arrives one byte every 2 s, far below
  the 1 KiB/s a body must average over each read window: dropped at the end of the first window, i.e.
  between the read timeout − 0.5 s and the read timeout + 2.5 s after the head (the second window
  would end at twice the read timeout).

When a connection was closed is read from the server's side of it in /proc/net/tcp (a server that
closes a socket whose send queue is full leaves FIN_WAIT1 at once, while its FIN still waits behind
megabytes of data), and confirmed on the client: after the deadline the client drains what is left
and must see EOF or a reset, on a response that never completed. The annotators' p99 cycle during
the stall must stay within max(3 × baseline p99, baseline p99 + 150 ms) with no errors (the slowest
stalled cycles are printed with their claim and submission times and when they started, and the load
average at the start and after the stall, since other jobs on the machine skew latencies), nothing may
answer 5xx (429 is expected), `/healthz` must answer throughout, and once the slow clients are gone
`PRAGMA wal_checkpoint(TRUNCATE)` (sqlite3 CLI, server still running) must not be busy and must leave
a small WAL: a snapshot still held by a forgotten export would keep it busy.

    python3 Tests/process/slow_clients_test.py --binary .build/release/labelpark [--seed N] [--keep]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import select
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lp_client import ParkClient, TransportFailure, UnexpectedStatus  # noqa: E402
from lp_server import HOST, Account, Deadline, ProcessFailure, ServerProcess, create_account  # noqa: E402

TEST_BUDGET_SECONDS = 90.0
WRITE_TIMEOUT = 5
READ_TIMEOUT = 5
IDLE_TIMEOUT = 10
# A stalled connection must be gone this long after its timeout could first have fired.
DROP_GRACE_SECONDS = 5.0

ANNOTATOR_COUNT = 8
PASSWORD = "slow-clients-password"
ORGANIZATION = "Slow Clients"
TASK_COUNT = 30_000
TASK_TEXT_BYTES = 300
IMPORT_BATCH = 5_000
SCHEMA = {
    "fields": [{"name": "text", "type": "text"}],
    "questions": [{"name": "label", "type": "choice", "options": ["a", "b", "c"]}],
}

WARMUP_SECONDS = 2.0
BASELINE_SECONDS = 5.0
STALL_WORK_SECONDS = 12.0
# p99 during the stall may be at most max(factor × baseline p99, baseline p99 + slack).
P99_FACTOR = 3.0
P99_SLACK_MS = 150.0

SLOW_READERS = 16
# Snapshot reads the server runs at once (SnapshotReadGate's limit); the rest are refused with 429 `busy`.
SNAPSHOT_READ_LIMIT = 4
# A refused export must have its whole 429 by then, counted from sending the request.
BUSY_ANSWER_LIMIT_SECONDS = 2.0
SLOWLORIS = 20
SLOW_BODIES = 4
RECEIVE_BUFFER = 4096
SLOW_BODY_LENGTH = 1_000_000
SLOW_BODY_INTERVAL = 2.0
# A slow body is dropped at the end of the first read window after its head: not before the read timeout
# less this, not after the read timeout plus SLOW_BODY_GRACE_SECONDS.
SLOW_BODY_EARLY_SECONDS = 0.5
SLOW_BODY_GRACE_SECONDS = 2.5
# A slow reader that has not seen its response start by then is reported; the phase ends regardless.
FIRST_BYTE_LIMIT_SECONDS = 30.0
# Every slow client gives up this long after the stall began, dropped or not.
SLOW_PHASE_LIMIT_SECONDS = 40.0
DRAIN_LIMIT_SECONDS = 8.0
# More unacknowledged bytes than a 4 KiB receive buffer (the kernel doubles it) can ever take: the
# response has backed up on the server.
BACKLOG_BYTES = 16 * 1024

HEALTH_INTERVAL = 0.5
HEALTH_TIMEOUT = 3.0
CHECKPOINT_RETRY_SECONDS = 10.0
WAL_SMALL_BYTES = 1 << 20

WORDS = ("label", "park", "river", "stone", "amber", "quiet", "signal", "harbor", "maple", "orbit", "lantern",
         "copper", "meadow", "falcon", "glacier", "ember", "violet", "tundra", "cobalt", "willow")

# /proc/net/tcp states (include/net/tcp_states.h).
TCP_ESTABLISHED = "01"
TCP_STATE_NAMES = {"01": "ESTABLISHED", "02": "SYN_SENT", "03": "SYN_RECV", "04": "FIN_WAIT1", "05": "FIN_WAIT2",
                   "06": "TIME_WAIT", "07": "CLOSE", "08": "CLOSE_WAIT", "09": "LAST_ACK", "0A": "LISTEN",
                   "0B": "CLOSING"}


class Checks:
    """Named pass/fail verdicts; the summary line counts them."""

    def __init__(self):
        self.results: list[tuple[str, bool, str]] = []

    def record(self, name: str, ok: bool, detail: str = "") -> bool:
        self.results.append((name, ok, detail))
        print(f"  [{'PASS' if ok else 'FAIL'}] {name}{': ' + detail if detail else ''}", flush=True)
        return ok

    @property
    def passed(self) -> int:
        return sum(1 for _, ok, _ in self.results if ok)

    @property
    def failed(self) -> int:
        return sum(1 for _, ok, _ in self.results if not ok)


class StatusLog:
    """Every HTTP status the test saw, and where, for the no-5xx check."""

    def __init__(self):
        self.lock = threading.Lock()
        self.counts: Counter = Counter()
        self.server_errors: list[str] = []

    def add(self, status: int, where: str) -> None:
        with self.lock:
            self.counts[status] += 1
            if status >= 500 and len(self.server_errors) < 20:
                self.server_errors.append(f"{where}: {status}")


# ---------------------------------------------------------------------------------------------------
# Annotators


@dataclass
class PhaseResult:
    name: str
    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    claim_ms: list[float] = field(default_factory=list)
    submit_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    error_count: int = 0
    out_of_tasks: int = 0
    # Every cycle: (monotonic start, claim ms, submission ms), to tell which half was slow, and when.
    cycles: list[tuple[float, float, float]] = field(default_factory=list)

    def percentile(self, fraction: float) -> float:
        return percentile(self.latencies_ms, fraction)

    def describe(self) -> str:
        if not self.latencies_ms:
            return f"{self.name}: no cycles, {self.error_count} errors"
        return (f"{self.name}: {len(self.latencies_ms)} cycles in {self.seconds:.1f} s "
                f"({len(self.latencies_ms) / max(self.seconds, 1e-9):.0f}/s), p50 {self.percentile(0.50):.1f} ms, "
                f"p90 {self.percentile(0.90):.1f} ms, p99 {self.percentile(0.99):.1f} ms, "
                f"max {max(self.latencies_ms):.1f} ms (claim p99/max {percentile(self.claim_ms, 0.99):.1f}/"
                f"{max(self.claim_ms):.1f} ms, submission p99/max {percentile(self.submit_ms, 0.99):.1f}/"
                f"{max(self.submit_ms):.1f} ms), errors {self.error_count}")


def describe_slow_cycles(result: PhaseResult, origin: float, bound_ms: float, shown: int = 8) -> str:
    """Where the time of `result`'s slow cycles went: how many exceeded `bound_ms` and in which half
    (claim or submission), the slowest with their start relative to `origin`, and p99/max per 2 s."""
    if not result.cycles:
        return "no cycles"
    over = [c for c in result.cycles if c[1] + c[2] > bound_ms]
    claim_heavy = sum(1 for c in over if c[1] >= c[2])
    slowest = sorted(result.cycles, key=lambda c: c[1] + c[2], reverse=True)[:shown]
    listed = ", ".join(f"{c[1] + c[2]:.0f} ms (claim {c[1]:.0f} + submission {c[2]:.0f}) at +{c[0] - origin:.1f} s"
                       for c in slowest)
    windows: dict[int, list[float]] = {}
    for started, claim, submit in result.cycles:
        windows.setdefault(int((started - origin) // 2), []).append(claim + submit)
    timeline = " ".join(f"+{2 * w}s:{percentile(v, 0.99):.0f}/{max(v):.0f}" for w, v in sorted(windows.items()))
    return (f"{len(over)} cycles over {bound_ms:.0f} ms ({claim_heavy} mostly claim, {len(over) - claim_heavy} mostly "
            f"submission); slowest: {listed}; p99/max ms per 2 s: {timeline}")


def load_average() -> str:
    try:
        one, five, fifteen = os.getloadavg()
    except OSError:
        return "unknown"
    return f"{one:.2f}/{five:.2f}/{fifteen:.2f} (1/5/15 min, {os.cpu_count()} CPUs)"


def percentile(values: list[float], fraction: float) -> float:
    """The nearest-rank percentile; NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def run_annotators(name: str, accounts: list[Account], base_url: str, project_id: int, seconds: float,
                   deadline: Deadline, statuses: StatusLog) -> PhaseResult:
    """Eight threads claim and submit for `seconds`; each claim+submit cycle's latency is recorded."""
    result = PhaseResult(name)
    lock = threading.Lock()
    started = time.monotonic()
    ends_at = started + min(seconds, max(0.0, deadline.remaining() - 1.0))

    def error(message: str) -> None:
        with lock:
            result.error_count += 1
            if len(result.errors) < 10:
                result.errors.append(message)

    def work(index: int, account: Account) -> None:
        client = ParkClient(base_url, account.token, timeout=15.0)
        sequence = 0
        try:
            while time.monotonic() < ends_at:
                sequence += 1
                cycle_started = time.monotonic()
                try:
                    claim = client.request("POST", f"/api/v1/projects/{project_id}/next")
                    statuses.add(claim.status, f"{name} claim")
                    if claim.status == 204:
                        with lock:
                            result.out_of_tasks += 1
                        return
                    if claim.status != 200:
                        error(f"annotator {index}: claim answered {claim.status}: {claim.text()[:200]}")
                        time.sleep(0.05)
                        continue
                    body = claim.json()
                    claimed = time.monotonic()
                    submit = client.post_json(
                        f"/api/v1/tasks/{body['task']['id']}/annotations",
                        {"lease_token": body["lease"]["token"], "result": {"label": "abc"[sequence % 3]},
                         "idempotency_key": f"slow-{name}-{index}-{sequence}"})
                    statuses.add(submit.status, f"{name} submit")
                    if submit.status != 201:
                        error(f"annotator {index}: submission answered {submit.status}: {submit.text()[:200]}")
                        continue
                except TransportFailure as failure:
                    error(f"annotator {index}: {failure}")
                    time.sleep(0.05)
                    continue
                except (ValueError, KeyError, TypeError) as malformed:
                    error(f"annotator {index}: malformed answer: {type(malformed).__name__}: {malformed}")
                    continue
                finished = time.monotonic()
                latency = (finished - cycle_started) * 1000.0
                with lock:
                    result.latencies_ms.append(latency)
                    result.claim_ms.append((claimed - cycle_started) * 1000.0)
                    result.submit_ms.append((finished - claimed) * 1000.0)
                    result.cycles.append((cycle_started, (claimed - cycle_started) * 1000.0,
                                          (finished - claimed) * 1000.0))
        finally:
            client.close()

    threads = [threading.Thread(target=work, args=(i, account), name=f"{name}-annotator-{i}", daemon=True)
               for i, account in enumerate(accounts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=max(0.0, deadline.remaining()))
    if any(thread.is_alive() for thread in threads):
        error("annotator threads were still running at the end of the test's budget")
    result.seconds = time.monotonic() - started
    return result


# ---------------------------------------------------------------------------------------------------
# /healthz and /proc/net/tcp watchers


class HealthWatcher(threading.Thread):
    """Asks `/healthz` every half second until stopped; every answer must be a 200."""

    def __init__(self, base_url: str, statuses: StatusLog):
        super().__init__(name="healthz", daemon=True)
        self.base_url = base_url
        self.statuses = statuses
        self.stop = threading.Event()
        self.probes = 0
        self.failures: list[str] = []
        self.latencies_ms: list[float] = []

    def run(self) -> None:
        client = ParkClient(self.base_url, timeout=HEALTH_TIMEOUT)
        try:
            while not self.stop.is_set():
                started = time.monotonic()
                try:
                    response = client.get("/healthz")
                    self.statuses.add(response.status, "healthz")
                    if response.status != 200:
                        self.failures.append(f"healthz answered {response.status}")
                except TransportFailure as failure:
                    self.failures.append(str(failure))
                self.probes += 1
                self.latencies_ms.append((time.monotonic() - started) * 1000.0)
                self.stop.wait(HEALTH_INTERVAL)
        finally:
            client.close()


def read_proc_tcp() -> dict[tuple[int, int], tuple[str, int]] | None:
    """(local port, remote port) -> (state, bytes in the send queue) of every IPv4 TCP socket, or None
    without /proc."""
    try:
        with open("/proc/net/tcp") as table:
            lines = table.read().splitlines()[1:]
    except OSError:
        return None
    sockets = {}
    for line in lines:
        parts = line.split()
        if len(parts) < 4:
            continue
        local, remote, state, queues = parts[1], parts[2], parts[3], parts[4]
        sockets[(int(local.split(":")[1], 16), int(remote.split(":")[1], 16))] = (state, int(queues.split(":")[0], 16))
    return sockets


class ConnectionWatcher(threading.Thread):
    """Watches the server's side of each slow client's connection in /proc/net/tcp.

    The first time that side is seen out of ESTABLISHED (FIN_WAIT1 after the server's close, or gone),
    before the client closed its own socket, is when the server dropped the connection. For a slow
    reader, the first time the server's send queue to it holds more than `BACKLOG_BYTES` is when the
    response backed up: the client stopped taking it, and the write timeout can start.
    """

    def __init__(self, server_port: int):
        super().__init__(name="proc-net-tcp", daemon=True)
        self.server_port = server_port
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.watched: dict[int, "SlowClient"] = {}
        self.available = read_proc_tcp() is not None

    def watch(self, client: "SlowClient") -> None:
        with self.lock:
            self.watched[client.local_port] = client

    def run(self) -> None:
        while self.available and not self.stop.is_set():
            table = read_proc_tcp() or {}
            now = time.monotonic()
            with self.lock:
                clients = list(self.watched.values())
            for client in clients:
                if client.server_closed_at is not None or client.client_closed_at is not None:
                    continue
                state, send_queue = table.get((self.server_port, client.local_port), (None, 0))
                if state == TCP_ESTABLISHED:
                    client.seen_established = True
                    if client.kind == "slow reader" and client.backlog_at is None and send_queue >= BACKLOG_BYTES:
                        client.backlog_at = now
                        client.stall_started_at = now
                elif client.seen_established:
                    client.server_closed_at = now
                    client.server_state = TCP_STATE_NAMES.get(state, "gone") if state else "gone"
            self.stop.wait(0.1)


# ---------------------------------------------------------------------------------------------------
# Slow clients


@dataclass
class SlowClient:
    kind: str
    index: int
    bound_seconds: float  # its timeout + grace
    local_port: int = 0
    connected_at: float = 0.0
    # Readers: once the response backed up (or, without /proc, its first byte); others: connected / head out.
    stall_started_at: float | None = None
    first_byte_at: float | None = None
    backlog_at: float | None = None  # readers: the server's send queue to it first held ≥ BACKLOG_BYTES
    server_closed_at: float | None = None  # from /proc/net/tcp
    server_state: str = ""
    seen_established: bool = False
    client_eof_at: float | None = None  # EOF or reset seen by the client
    client_eof_how: str = ""
    client_closed_at: float | None = None  # the test closed its socket itself
    drain_started_at: float | None = None  # readers: when the client stopped reading slowly
    bytes_sent: int = 0
    bytes_received: int = 0
    head: bytes = b""
    tail: bytes = b""
    problem: str = ""
    # Readers: when the request went out, the status peeked from the answer's status line, and for an
    # answer other than 200 (read whole at full speed) when it was complete, its headers and body.
    request_sent_at: float | None = None
    answer_status: int | None = None
    refusal_done_at: float | None = None
    refusal_headers: dict[str, str] = field(default_factory=dict)
    refusal_body: bytes = b""

    @property
    def admitted(self) -> bool:
        return self.answer_status == 200

    def refusal_seconds(self) -> float | None:
        if self.refusal_done_at is None or self.request_sent_at is None:
            return None
        return self.refusal_done_at - self.request_sent_at

    def refusal_code(self) -> str | None:
        try:
            return json.loads(self.refusal_body)["error"]["code"]
        except (ValueError, KeyError, TypeError):
            return None

    @property
    def dropped_at(self) -> float | None:
        """When the server dropped the connection: the earliest sign of it on either side."""
        seen = [t for t in (self.server_closed_at, self.client_eof_at) if t is not None]
        # A reader that drained fast after its deadline and then met EOF on a response that never
        # completed was dropped by the time it began to drain (the server's FIN waits behind the data
        # it had queued, so the EOF itself comes only once that is read).
        if (self.drain_started_at is not None and self.client_eof_at is not None
                and not self.response_complete()):
            seen.append(self.drain_started_at)
        return min(seen) if seen else None

    def lifetime(self) -> float | None:
        """Seconds from the start of the stall to the drop."""
        if self.dropped_at is None or self.stall_started_at is None:
            return None
        return self.dropped_at - self.stall_started_at

    def status(self) -> int | None:
        line = self.head.split(b"\r\n", 1)[0]
        parts = line.split(b" ")
        if len(parts) >= 2 and parts[0].startswith(b"HTTP/") and parts[1].isdigit():
            return int(parts[1])
        return None

    def remember(self, data: bytes, now: float) -> None:
        if data and self.first_byte_at is None:
            self.first_byte_at = now
        self.bytes_received += len(data)
        if len(self.head) < 256:
            self.head += data[:256 - len(self.head)]
        self.tail = (self.tail + data)[-16:]

    def response_complete(self) -> bool:
        """The chunked response's last chunk arrived: the export was delivered, not dropped."""
        return self.tail.endswith(b"\r\n0\r\n\r\n")


def open_socket(port: int, receive_buffer: int | None = None) -> socket.socket:
    connection = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if receive_buffer is not None:
        # Before connect, so the window the server sees is small from the handshake on.
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
    connection.settimeout(5.0)
    connection.connect((HOST, port))
    return connection


def mark_eof(client: SlowClient, how: str) -> None:
    if client.client_eof_at is None:
        client.client_eof_at = time.monotonic()
        client.client_eof_how = how


def drain(connection: socket.socket, client: SlowClient, limit: float) -> None:
    """Reads as fast as possible until EOF or a reset, for at most `limit` seconds."""
    ends_at = time.monotonic() + limit
    while client.client_eof_at is None:
        left = ends_at - time.monotonic()
        if left <= 0:
            return
        connection.settimeout(min(1.0, left))
        try:
            data = connection.recv(1 << 16)
        except socket.timeout:
            continue
        except (ConnectionResetError, BrokenPipeError):
            mark_eof(client, "reset")
            return
        if not data:
            mark_eof(client, "eof")
            return
        client.remember(data, time.monotonic())


def read_refusal(connection: socket.socket, client: SlowClient, limit: float) -> None:
    """Reads a whole answer with a Content-Length body (a refusal) at full speed, for at most `limit` s."""
    ends_at = time.monotonic() + limit
    data = b""
    expected: int | None = None
    while time.monotonic() < ends_at:
        if expected is None and b"\r\n\r\n" in data:
            head, _, _ = data.partition(b"\r\n\r\n")
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.decode("latin-1").partition(":")
                client.refusal_headers[name.strip().lower()] = value.strip()
            try:
                expected = len(head) + 4 + int(client.refusal_headers.get("content-length", "0"))
            except ValueError:
                client.problem = f"a refusal with Content-Length {client.refusal_headers.get('content-length')!r}"
                return
        if expected is not None and len(data) >= expected:
            client.refusal_done_at = time.monotonic()
            client.refusal_body = data[expected - int(client.refusal_headers.get("content-length", "0")):expected]
            return
        connection.settimeout(max(0.01, min(1.0, ends_at - time.monotonic())))
        try:
            chunk = connection.recv(1 << 16)
        except socket.timeout:
            continue
        except (ConnectionResetError, BrokenPipeError):
            mark_eof(client, "reset")
            break
        if not chunk:
            mark_eof(client, "eof")
            break
        client.remember(chunk, time.monotonic())
        data += chunk
    client.problem = client.problem or f"the {client.answer_status} answer did not complete ({len(data)} B)"


def slow_reader(client: SlowClient, port: int, request: bytes, phase_ends_at: float, stop: threading.Event,
                watcher: ConnectionWatcher) -> None:
    """Asks for an export and reads one byte a second until the server drops it (or its deadline passes).

    The status line is peeked at first, without taking it off the socket: an answer other than 200 (a
    429 `busy`) is read whole at once and the connection closed. The deadline is the bound after the
    response backed up on the server (seen by `watcher`), else, without /proc, after its first byte arrived.
    """
    try:
        connection = open_socket(port, RECEIVE_BUFFER)
    except OSError as error:
        client.problem = f"cannot connect: {type(error).__name__}: {error}"
        return
    try:
        client.local_port = connection.getsockname()[1]
        client.connected_at = time.monotonic()
        watcher.watch(client)
        connection.sendall(request)
        client.bytes_sent = len(request)
        sent_at = time.monotonic()
        client.request_sent_at = sent_at
        next_read = sent_at
        while not stop.is_set():
            now = time.monotonic()
            if client.answer_status is None and client.server_closed_at is None:
                # Peek at the status line (a 200 still backs up: nothing is taken off the socket).
                if now - sent_at > FIRST_BYTE_LIMIT_SECONDS or now > phase_ends_at:
                    client.problem = f"no status line {now - sent_at:.1f} s after the request"
                    break
                connection.settimeout(0.2)
                try:
                    peeked = connection.recv(64, socket.MSG_PEEK)
                except socket.timeout:
                    continue
                except (ConnectionResetError, BrokenPipeError):
                    mark_eof(client, "reset")
                    break
                if not peeked:
                    mark_eof(client, "eof")
                    break
                if client.first_byte_at is None:
                    client.first_byte_at = time.monotonic()
                if b"\r\n" not in peeked:
                    time.sleep(0.01)
                    continue
                parts = peeked.split(b"\r\n", 1)[0].split(b" ")
                if len(parts) < 2 or not parts[0].startswith(b"HTTP/") or not parts[1].isdigit():
                    client.problem = f"not a status line: {peeked!r}"
                    break
                client.answer_status = int(parts[1])
                if client.answer_status != 200:
                    read_refusal(connection, client, DRAIN_LIMIT_SECONDS)
                    return
                if not watcher.available:
                    client.stall_started_at = client.first_byte_at
                next_read = client.first_byte_at
                continue
            if client.server_closed_at is not None:
                break  # dropped: what is still buffered may come fast now
            if client.stall_started_at is None:
                if now - sent_at > FIRST_BYTE_LIMIT_SECONDS or now > phase_ends_at:
                    client.problem = (f"the response did not back up {now - sent_at:.1f} s after the request "
                                      f"(first byte {'never' if client.first_byte_at is None else 'after %.1f s' % (client.first_byte_at - sent_at)})")
                    break
            elif now > client.stall_started_at + client.bound_seconds or now > phase_ends_at:
                break  # past the deadline: drain, and require EOF on a truncated response below
            if next_read > now:
                time.sleep(min(next_read - now, 0.2))
                continue
            connection.settimeout(0.2)  # short, to notice the watcher's verdict and the deadline
            try:
                data = connection.recv(1)
            except socket.timeout:
                continue
            except (ConnectionResetError, BrokenPipeError):
                mark_eof(client, "reset")
                break
            received_at = time.monotonic()
            if not data:
                mark_eof(client, "eof")
                break
            client.remember(data, received_at)
            next_read = received_at + 1.0
        if client.client_eof_at is None and client.first_byte_at is not None:
            client.drain_started_at = time.monotonic()
            drain(connection, client, DRAIN_LIMIT_SECONDS)
    except OSError as error:
        client.problem = client.problem or f"{type(error).__name__}: {error}"
    finally:
        client.client_closed_at = time.monotonic()
        connection.close()


def slow_writer(client: SlowClient, port: int, head: bytes, trickle: bytes, interval: float, phase_ends_at: float,
                stop: threading.Event, watcher: ConnectionWatcher) -> None:
    """Sends `head` (all of it at once if `trickle` is given, else one byte per interval), then `trickle`
    one byte per interval, until the server drops the connection or the phase ends."""
    try:
        connection = open_socket(port)
    except OSError as error:
        client.problem = f"cannot connect: {type(error).__name__}: {error}"
        return
    try:
        client.local_port = connection.getsockname()[1]
        client.connected_at = time.monotonic()
        watcher.watch(client)
        if trickle:
            connection.sendall(head)
            client.bytes_sent = len(head)
            pending = trickle
        else:
            pending = head
        client.stall_started_at = time.monotonic()
        position = 0
        next_send = time.monotonic()
        while not stop.is_set() and client.client_eof_at is None:
            now = time.monotonic()
            if now >= phase_ends_at or now > client.stall_started_at + client.bound_seconds + 10.0:
                break
            # Anything from the server (a response, EOF, a reset) before the next byte goes out.
            readable, _, _ = select.select([connection], [], [], max(0.0, min(0.2, next_send - now)))
            if readable:
                try:
                    data = connection.recv(1 << 16)
                except (ConnectionResetError, BrokenPipeError):
                    mark_eof(client, "reset")
                    break
                if not data:
                    mark_eof(client, "eof")
                    break
                client.remember(data, time.monotonic())
                continue
            if time.monotonic() < next_send:
                continue
            if position >= len(pending):
                next_send = time.monotonic() + interval
                continue
            try:
                connection.send(pending[position:position + 1])
            except (ConnectionResetError, BrokenPipeError):
                mark_eof(client, "reset on send")
                break
            position += 1
            client.bytes_sent += 1
            next_send += interval
    except OSError as error:
        client.problem = f"{type(error).__name__}: {error}"
    finally:
        client.client_closed_at = time.monotonic()
        connection.close()


# ---------------------------------------------------------------------------------------------------
# Set-up


def task_lines(rng: random.Random, start: int, count: int) -> bytes:
    lines = []
    for number in range(start, start + count):
        words = [f"task {number}:"]
        length = len(words[0])
        while length < TASK_TEXT_BYTES:
            word = rng.choice(WORDS)
            words.append(word)
            length += len(word) + 1
        lines.append(json.dumps({"text": " ".join(words)[:TASK_TEXT_BYTES]}))
    return ("\n".join(lines) + "\n").encode()


def set_up_park(binary: str, data_dir: Path, deadline: Deadline) -> tuple[Account, list[Account]]:
    def account(email: str, role: str) -> Account:
        return create_account(binary, email, role, deadline, password=PASSWORD, organization=ORGANIZATION,
                              data_dir=data_dir, org_kind="client")

    manager = account("manager@slow.test", "manager")
    annotators = [account(f"annotator{i}@slow.test", "annotator") for i in range(ANNOTATOR_COUNT)]
    return manager, annotators


def create_project(base_url: str, manager: Account, rng: random.Random, statuses: StatusLog) -> int:
    admin = ParkClient(base_url, manager.token, timeout=60.0)
    try:
        project = admin.post_json("/api/v1/projects", {"name": "slow clients", "schema": SCHEMA, "overlap": 1,
                                                        "lease_seconds": 60}, expect=(201,))
        statuses.add(project.status, "create project")
        project_id = project.json()["id"]
        for start in range(0, TASK_COUNT, IMPORT_BATCH):
            count = min(IMPORT_BATCH, TASK_COUNT - start)
            response = admin.request("POST", f"/api/v1/projects/{project_id}/tasks", task_lines(rng, start, count),
                                     "application/x-ndjson", expect=(201,))
            statuses.add(response.status, "import")
            if response.json().get("created") != count:
                raise ProcessFailure(f"an import batch created {response.json().get('created')} tasks, expected {count}")
        return project_id
    finally:
        admin.close()


def full_export(base_url: str, manager: Account, project_id: int, statuses: StatusLog) -> tuple[int, int, int, float]:
    """Bytes, lines and annotations of one export read at full speed, and how long it took."""
    client = ParkClient(base_url, manager.token, timeout=60.0)
    started = time.monotonic()
    try:
        response = client.get(f"/api/v1/projects/{project_id}/export?format=jsonl", expect=(200,))
    finally:
        client.close()
    statuses.add(response.status, "full export")
    lines = response.json_lines()
    annotations = sum(len(line.get("annotations", [])) for line in lines)
    return len(response.body), len(lines), annotations, time.monotonic() - started


def concurrent_exports(base_url: str, manager: Account, project_id: int, count: int, statuses: StatusLog,
                       deadline: Deadline) -> list:
    """`count` exports at once at full speed: for each (status, lines, bytes, seconds), or what went wrong."""
    outcomes: list = [None] * count
    gate = threading.Barrier(count)

    def one(index: int) -> None:
        client = ParkClient(base_url, manager.token, timeout=60.0)
        try:
            gate.wait(timeout=10.0)
            started = time.monotonic()
            response = client.get(f"/api/v1/projects/{project_id}/export?format=jsonl")
            statuses.add(response.status, "final export")
            lines = len(response.json_lines()) if response.status == 200 else 0
            outcomes[index] = (response.status, lines, len(response.body), time.monotonic() - started)
            if response.status != 200:
                outcomes[index] = f"{response.status}: {response.text()[:200]}"
        except (TransportFailure, ValueError, threading.BrokenBarrierError) as error:
            outcomes[index] = f"{type(error).__name__}: {error}"
        finally:
            client.close()

    threads = [threading.Thread(target=one, args=(i,), name=f"final-export-{i}", daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=max(0.0, deadline.remaining()))
    return [outcome if outcome is not None else "did not finish" for outcome in outcomes]


# ---------------------------------------------------------------------------------------------------
# WAL


def wal_checkpoint(database: Path, deadline: Deadline) -> tuple[list[str], int, int, float]:
    """Runs `PRAGMA wal_checkpoint(TRUNCATE)` until it is not busy or the retry time is over.

    Returns the last result's columns (busy, log, checkpointed), the WAL size before the first and after
    the last attempt, and how long it took.
    """
    wal = Path(f"{database}-wal")
    before = wal.stat().st_size if wal.exists() else 0
    started = time.monotonic()
    ends_at = started + CHECKPOINT_RETRY_SECONDS
    columns: list[str] = ["?"]
    while True:
        try:
            finished = subprocess.run(
                ["sqlite3", "-cmd", ".timeout 2000", str(database), "PRAGMA wal_checkpoint(TRUNCATE);"],
                capture_output=True, text=True, timeout=deadline.cap(15.0))
            output = finished.stdout.strip().splitlines()
            columns = output[-1].split("|") if output else [f"error: {finished.stderr.strip()[:200]}"]
        except subprocess.TimeoutExpired:
            columns = ["sqlite3 timed out"]
        after = wal.stat().st_size if wal.exists() else 0
        if (columns[0] == "0" and after < WAL_SMALL_BYTES) or time.monotonic() >= ends_at:
            return columns, before, after, time.monotonic() - started
        time.sleep(0.5)


# ---------------------------------------------------------------------------------------------------
# The test


def describe_lifetimes(clients: list[SlowClient]) -> str:
    lifetimes = [c.lifetime() for c in clients if c.lifetime() is not None]
    dropped = len(lifetimes)
    if not lifetimes:
        return f"0/{len(clients)} dropped"
    return (f"{dropped}/{len(clients)} dropped, after {min(lifetimes):.1f}/{statistics.median(lifetimes):.1f}/"
            f"{max(lifetimes):.1f} s (min/median/max)")


def check_slow_clients(checks: Checks, kind: str, clients: list[SlowClient], timeout_name: str, timeout: int,
                       started_from: str, earliest: float | None = None, grace: float = DROP_GRACE_SECONDS) -> None:
    """Every client was dropped at most `timeout` + `grace` (its bound) after `started_from`, and not
    before `earliest` if given; there must be at least one."""
    late = [] if clients else ["none to check"]
    for client in clients:
        lifetime = client.lifetime()
        if lifetime is not None and earliest is not None and lifetime < earliest:
            late.append(f"#{client.index} dropped already after {lifetime:.1f} s")
        elif lifetime is None:
            still = (client.client_closed_at or time.monotonic()) - (client.stall_started_at or client.connected_at)
            late.append(f"#{client.index} still open after {still:.1f} s (sent {client.bytes_sent} B, "
                        f"received {client.bytes_received} B){': ' + client.problem if client.problem else ''}")
        elif lifetime > client.bound_seconds:
            late.append(f"#{client.index} dropped only after {lifetime:.1f} s")
    window = (f"between {earliest:.1f} s and {timeout_name} {timeout} s + {grace:.1f} s after" if earliest is not None
              else f"within {timeout_name} {timeout} s + {grace:.0f} s of")
    checks.record(f"{kind}: every one dropped {window} {started_from}", not late, describe_lifetimes(clients) + ("; " + "; ".join(late[:6]) if late else ""))


def run_test(args: argparse.Namespace, checks: Checks) -> None:
    deadline = Deadline(TEST_BUDGET_SECONDS, "the slow-clients test")
    rng = random.Random(args.seed)
    work_dir = Path(tempfile.mkdtemp(prefix="labelpark-slow-"))
    data_dir = work_dir / "data"
    statuses = StatusLog()
    server: ServerProcess | None = None
    health: HealthWatcher | None = None
    stop = threading.Event()
    slow_threads: list[threading.Thread] = []
    watcher: ConnectionWatcher | None = None
    try:
        set_up_started = time.monotonic()
        manager, annotators = set_up_park(args.binary, data_dir, deadline)
        server = ServerProcess(args.binary, data_dir=data_dir, log_path=work_dir / "server.log",
                               extra_args=["--write-timeout", str(WRITE_TIMEOUT), "--read-timeout", str(READ_TIMEOUT),
                                           "--idle-timeout", str(IDLE_TIMEOUT)])
        server.start(deadline.cap(20.0))
        project_id = create_project(server.base_url, manager, rng, statuses)
        print(f"set-up: {ANNOTATOR_COUNT} annotators, {TASK_COUNT} tasks of ~{TASK_TEXT_BYTES} B text in "
              f"{time.monotonic() - set_up_started:.1f} s; load average {load_average()}", flush=True)

        health = HealthWatcher(server.base_url, statuses)
        health.start()

        warmup = run_annotators("warm-up", annotators, server.base_url, project_id, WARMUP_SECONDS, deadline, statuses)
        print(f"  {warmup.describe()}", flush=True)
        baseline = run_annotators("baseline", annotators, server.base_url, project_id, BASELINE_SECONDS, deadline,
                                  statuses)
        print(f"  {baseline.describe()}", flush=True)
        export_bytes, export_lines, export_annotations, export_seconds = full_export(
            server.base_url, manager, project_id, statuses)
        print(f"  full-speed export: {export_bytes / 1e6:.1f} MB, {export_lines} tasks, {export_annotations} "
              f"annotations in {export_seconds:.2f} s", flush=True)
        checks.record("the export is many megabytes (so a stalled reader fills every buffer)",
                      export_bytes > 8_000_000 and export_lines == TASK_COUNT,
                      f"{export_bytes} B, {export_lines} lines")

        # The stall.
        watcher = ConnectionWatcher(server.port)
        watcher.start()
        stall_started = time.monotonic()
        phase_ends_at = stall_started + SLOW_PHASE_LIMIT_SECONDS
        export_request = (f"GET /api/v1/projects/{project_id}/export?format=jsonl HTTP/1.1\r\n"
                          f"Host: {server.address}\r\nAuthorization: Bearer {manager.token}\r\n"
                          f"Accept: */*\r\n\r\n").encode()
        readers = [SlowClient("slow reader", i, WRITE_TIMEOUT + DROP_GRACE_SECONDS) for i in range(SLOW_READERS)]
        lorises = [SlowClient("slowloris", i, IDLE_TIMEOUT + DROP_GRACE_SECONDS) for i in range(SLOWLORIS)]
        bodies = [SlowClient("slow body", i, READ_TIMEOUT + SLOW_BODY_GRACE_SECONDS) for i in range(SLOW_BODIES)]
        for client in readers:
            slow_threads.append(threading.Thread(target=slow_reader, name=f"reader-{client.index}", daemon=True,
                                                 args=(client, server.port, export_request, phase_ends_at, stop,
                                                       watcher)))
        for client in lorises:
            head = (f"GET /api/v1/projects/{project_id} HTTP/1.1\r\nHost: {server.address}\r\n"
                    + "".join(f"X-Slowloris-{client.index}-{n}: {'z' * 40}\r\n" for n in range(8))).encode()
            slow_threads.append(threading.Thread(target=slow_writer, name=f"loris-{client.index}", daemon=True,
                                                 args=(client, server.port, head, b"", 1.0, phase_ends_at, stop,
                                                       watcher)))
        for client in bodies:
            head = (f"POST /api/v1/projects/{project_id}/tasks HTTP/1.1\r\nHost: {server.address}\r\n"
                    f"Authorization: Bearer {manager.token}\r\nContent-Type: application/x-ndjson\r\n"
                    f"Content-Length: {SLOW_BODY_LENGTH}\r\n\r\n").encode()
            trickle = b'{"text":"' + b"s" * 200
            slow_threads.append(threading.Thread(target=slow_writer, name=f"body-{client.index}", daemon=True,
                                                 args=(client, server.port, head, trickle, SLOW_BODY_INTERVAL,
                                                       phase_ends_at, stop, watcher)))
        for thread in slow_threads:
            thread.start()
        stalled = run_annotators("stalled", annotators, server.base_url, project_id, STALL_WORK_SECONDS, deadline,
                                 statuses)
        stalled_load = load_average()
        print(f"  {stalled.describe()}; load average after it {stalled_load}", flush=True)
        for thread in slow_threads:
            thread.join(timeout=max(0.0, min(phase_ends_at + DRAIN_LIMIT_SECONDS + 2.0 - time.monotonic(),
                                             deadline.remaining())))
        stop.set()
        for thread in slow_threads:
            thread.join(timeout=5.0)
        watcher.stop.set()
        slow_phase = time.monotonic() - stall_started
        if not watcher.available:
            print("  note: /proc/net/tcp is not readable; drops are timed by the client's EOF only", flush=True)

        for client in readers + lorises + bodies:
            status = client.status()
            if status is not None:
                statuses.add(status, client.kind)

        # Slow readers: report and check.
        origin = "the response backing up" if watcher.available else "the first response byte"
        admitted = [c for c in readers if c.admitted]
        refused = [c for c in readers if c.answer_status is not None and not c.admitted]
        unanswered = [c for c in readers if c.answer_status is None]

        def span(values: list[float]) -> str:
            return f"{min(values):.1f}–{max(values):.1f} s" if values else "never"

        print(f"  slow readers: {len(admitted)} admitted (200), {len(refused)} refused "
              f"{dict(Counter(c.answer_status for c in refused))} in "
              f"{span([c.refusal_seconds() for c in refused if c.refusal_seconds() is not None])}, "
              f"{len(unanswered)} unanswered", flush=True)
        print(f"  admitted slow readers, seconds after connecting: first byte "
              f"{span([c.first_byte_at - c.connected_at for c in admitted if c.first_byte_at is not None])}, "
              f"backed up {span([c.backlog_at - c.connected_at for c in admitted if c.backlog_at is not None])}, "
              f"dropped {span([c.dropped_at - c.connected_at for c in admitted if c.dropped_at is not None])}; "
              f"received {min((c.bytes_received for c in admitted), default=0)}–"
              f"{max((c.bytes_received for c in admitted), default=0)} B each (incl. the drain)", flush=True)
        print(f"  admitted slow readers: {describe_lifetimes(admitted)} from {origin}; server side seen "
              f"{dict(Counter(c.server_state or 'not closed' for c in admitted))}, client saw "
              f"{dict(Counter(c.client_eof_how or 'nothing' for c in admitted))}", flush=True)
        print(f"  slowloris: {describe_lifetimes(lorises)} from connecting", flush=True)
        print(f"  slow bodies: {describe_lifetimes(bodies)} from the head; "
              f"bytes sent {[c.bytes_sent for c in bodies]}, answers {[c.status() for c in bodies]}", flush=True)
        print(f"  slow phase lasted {slow_phase:.1f} s", flush=True)

        checks.record(f"slow readers: {SNAPSHOT_READ_LIMIT} of {SLOW_READERS} exports at once admitted (200), "
                      f"no more and no fewer",
                      len(admitted) == SNAPSHOT_READ_LIMIT and not unanswered,
                      f"{len(admitted)} admitted, {len(refused)} refused, {len(unanswered)} unanswered"
                      + "".join(f"; #{c.index}: {c.problem or 'no answer'}" for c in unanswered[:4]))
        bad_refusals = []
        for c in refused:
            retry_after = c.refusal_headers.get("retry-after", "")
            seconds = c.refusal_seconds()
            if (c.answer_status != 429 or c.refusal_code() != "busy" or not retry_after.isdigit()
                    or int(retry_after) < 1 or seconds is None or seconds > BUSY_ANSWER_LIMIT_SECONDS):
                bad_refusals.append(f"#{c.index}: {c.answer_status}, code {c.refusal_code()}, Retry-After "
                                    f"{retry_after or 'missing'}, "
                                    + (f"after {seconds:.2f} s" if seconds is not None else
                                       f"incomplete ({c.problem or 'no end'})"))
        refusal_times = [c.refusal_seconds() for c in refused if c.refusal_seconds() is not None]
        checks.record(f"slow readers: every other export refused with 429 `busy` and Retry-After within "
                      f"{BUSY_ANSWER_LIMIT_SECONDS:.0f} s", bool(refused) and not bad_refusals,
                      "; ".join(bad_refusals[:6]) if bad_refusals else
                      (f"{len(refused)} refused, Retry-After "
                       f"{sorted(set(c.refusal_headers.get('retry-after') for c in refused))} s, whole answer after "
                       f"{min(refusal_times):.2f}–{max(refusal_times):.2f} s" if refused else "none refused"))
        missing_start = [c for c in admitted if c.stall_started_at is None]
        checks.record("slow readers: every admitted export was streamed until it backed up",
                      bool(admitted) and not missing_start,
                      "; ".join(f"#{c.index}: {c.problem}" for c in missing_start[:4])
                      if missing_start else f"{len(admitted) - len(missing_start)} of {len(admitted)}")
        check_slow_clients(checks, "admitted slow readers", admitted, "write timeout", WRITE_TIMEOUT, origin)
        not_confirmed = [f"#{c.index}: {c.client_eof_how or 'no EOF'}, {c.bytes_received} B, "
                         f"{'complete' if c.response_complete() else 'truncated'}, status {c.status()}"
                         for c in admitted
                         if c.client_eof_at is None or c.response_complete() or c.status() != 200
                         or c.bytes_received >= export_bytes]
        checks.record("admitted slow readers: the client saw EOF/reset on a 200 whose body never completed",
                      bool(admitted) and not not_confirmed, "; ".join(not_confirmed[:6]) or
                      f"at most {max((c.bytes_received for c in admitted), default=0)} of ≥{export_bytes} B")
        check_slow_clients(checks, "slowloris", lorises, "idle timeout", IDLE_TIMEOUT, "connecting")
        check_slow_clients(checks, "slow bodies", bodies, "read timeout", READ_TIMEOUT, "the head",
                           earliest=READ_TIMEOUT - SLOW_BODY_EARLY_SECONDS, grace=SLOW_BODY_GRACE_SECONDS)

        # Annotators.
        bound = max(P99_FACTOR * baseline.percentile(0.99), baseline.percentile(0.99) + P99_SLACK_MS)
        checks.record("annotators: no errors in warm-up, baseline or stall",
                      warmup.error_count + baseline.error_count + stalled.error_count == 0
                      and min(len(baseline.latencies_ms), len(stalled.latencies_ms)) > 0,
                      "; ".join((warmup.errors + baseline.errors + stalled.errors)[:5])
                      or f"{len(baseline.latencies_ms)} + {len(stalled.latencies_ms)} cycles")
        print(f"  stalled cycles, from the start of the stall: {describe_slow_cycles(stalled, stall_started, bound)}",
              flush=True)
        checks.record(f"annotators: stalled p99 ≤ max({P99_FACTOR:.0f} × baseline p99, baseline p99 + "
                      f"{P99_SLACK_MS:.0f} ms)", stalled.percentile(0.99) <= bound,
                      f"stalled p99 {stalled.percentile(0.99):.1f} ms, bound {bound:.1f} ms (baseline p99 "
                      f"{baseline.percentile(0.99):.1f} ms); load average after the stall {stalled_load}")

        # The WAL: no snapshot may be left behind.
        database = data_dir / "labelpark.sqlite"
        columns, wal_before, wal_after, checkpoint_seconds = wal_checkpoint(database, deadline)
        print(f"  WAL: {wal_before / 1e6:.2f} MB before, {wal_after / 1e6:.2f} MB after "
              f"`PRAGMA wal_checkpoint(TRUNCATE)` = {'|'.join(columns)} ({checkpoint_seconds:.1f} s)", flush=True)
        checks.record("WAL: the TRUNCATE checkpoint is not busy and leaves a small WAL",
                      columns[0] == "0" and wal_after < WAL_SMALL_BYTES,
                      f"busy|log|checkpointed = {'|'.join(columns)}, WAL {wal_before} B -> {wal_after} B")

        # The stalled exports' permits came back: as many exports as the limit run at once, in full.
        final = concurrent_exports(server.base_url, manager, project_id, SNAPSHOT_READ_LIMIT, statuses, deadline)
        incomplete = [f"#{i}: {outcome}" for i, outcome in enumerate(final) if not isinstance(outcome, tuple)
                      or outcome[0] != 200 or outcome[1] != TASK_COUNT]
        checks.record(f"after the stall, {SNAPSHOT_READ_LIMIT} exports at once each answer 200 with all "
                      f"{TASK_COUNT} tasks (every permit was returned)", not incomplete,
                      "; ".join(incomplete[:4]) or
                      f"{', '.join(f'{o[2] / 1e6:.1f} MB in {o[3]:.2f} s' for o in final)}")

        health.stop.set()
        health.join(timeout=HEALTH_TIMEOUT + 2.0)
        checks.record("/healthz answered 200 throughout", not health.failures and health.probes > 0,
                      "; ".join(health.failures[:5]) if health.failures else
                      f"{health.probes} probes, max {max(health.latencies_ms):.0f} ms")
        checks.record("no 5xx anywhere", not statuses.server_errors,
                      "; ".join(statuses.server_errors[:8]) if statuses.server_errors
                      else f"statuses seen {dict(sorted(statuses.counts.items()))}")

        alive = server.is_alive()
        exit_code = server.terminate(deadline.cap(10.0)) if alive else server.exit_code
        checks.record("the server ran throughout and exits 0 on SIGTERM", alive and exit_code == 0,
                      f"exit code {exit_code}" if alive else (server.exit_report() or "not running"))

        print("summary:", flush=True)
        print(f"  baseline p50/p99 {baseline.percentile(0.5):.1f}/{baseline.percentile(0.99):.1f} ms, "
              f"stalled p50/p99 {stalled.percentile(0.5):.1f}/{stalled.percentile(0.99):.1f} ms "
              f"(max {max(stalled.latencies_ms, default=math.nan):.0f} ms)", flush=True)
        print(f"  dropped after: admitted slow readers {describe_lifetimes(admitted)}; slowloris {describe_lifetimes(lorises)}; "
              f"slow bodies {describe_lifetimes(bodies)}", flush=True)
        print(f"  WAL {wal_before / 1e6:.2f} MB -> {wal_after / 1e6:.2f} MB; load average at the end "
              f"{load_average()}", flush=True)
    except (ProcessFailure, UnexpectedStatus, TransportFailure) as error:
        checks.record("the test ran to the end", False, str(error))
    except Exception as error:  # a malformed answer must fail the test, not crash it
        checks.record("the test ran to the end", False, f"{type(error).__name__}: {error}")
    finally:
        stop.set()
        if health is not None:
            health.stop.set()
        if watcher is not None:
            watcher.stop.set()
        if server is not None:
            if checks.failed and server.log_path.exists():
                print(f"  server log tail:\n{server.log_tail(10)}", flush=True)
            server.kill()
        for thread in slow_threads:
            thread.join(timeout=2.0)
        if args.keep:
            print(f"  kept {work_dir}", flush=True)
        else:
            shutil.rmtree(work_dir, ignore_errors=True)


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", required=True, help="the labelpark executable (a release build)")
    parser.add_argument("--seed", type=int, default=None, help="default: random, printed so a run can be repeated")
    parser.add_argument("--keep", action="store_true", help="keep the data directory and the server log")
    args = parser.parse_args()
    if not (os.path.isfile(args.binary) and os.access(args.binary, os.X_OK)):
        parser.error(f"--binary {args.binary} is not an executable file")
    args.binary = os.path.abspath(args.binary)
    if args.seed is None:
        args.seed = random.SystemRandom().randrange(1 << 31)
    return args


def main() -> int:
    args = parse_arguments()
    # A CI timeout sends SIGTERM: unwind through `finally` so no server outlives the test.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    if shutil.which("sqlite3") is None:
        print("slow clients: the sqlite3 command-line tool is missing (scripts/test installs it)", flush=True)
        print("slow clients: 0 passed, 1 failed", flush=True)
        return 1
    print(f"slow clients test: binary={args.binary} seed={args.seed} write/read/idle timeouts "
          f"{WRITE_TIMEOUT}/{READ_TIMEOUT}/{IDLE_TIMEOUT} s; {SLOW_READERS} slow readers, {SLOWLORIS} slowloris, "
          f"{SLOW_BODIES} slow bodies, {ANNOTATOR_COUNT} annotators", flush=True)
    started = time.monotonic()
    checks = Checks()
    run_test(args, checks)
    elapsed = time.monotonic() - started
    print(f"  took {elapsed:.1f} s", flush=True)
    print(f"slow clients: {checks.passed} passed, {checks.failed} failed", flush=True)
    return 0 if checks.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
