"""The server under test, the health check after every case, and the record of what failed.

`FuzzServer` wraps the process harness's `ServerProcess`: it writes the server's pid to a file (so the
schemathesis hooks, in another process, can kill a hung server) and restarts it after a crash, so one
crash does not hide the next; the server may attach the directory `attachable/` of its work dir (with
the files it was given) as a storage. `CaseRunner` sends one case, checks `/healthz`, and records a
`Finding` for a 5xx, a dead or unresponsive server, or an answer the case's own `check` refuses (a wrong
2xx, an error body that names nothing), with the request and the server's log around it.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from fuzz_http import Outcome, RawRequest, probe_health, send
from lp_server import HOST, ServerProcess

HEALTH_TIMEOUT_SECONDS = 5.0
START_TIMEOUT_SECONDS = 60.0
# Matched without regard to case: Swift's backtracer writes "*** Program crashed: … ***".
CRASH_MARKERS = ("fatal error", "crash", "backtrace", "illegal instruction", "sigill", "sigsegv")
# How long a crashing server may take to write its backtrace and exit before it counts as hung.
EXIT_WAIT_SECONDS = 20.0


def is_crash_line(line: str) -> bool:
    """Whether a log line reports a crash; request log lines (which echo fuzzed paths) never do."""
    lowered = line.lower()
    return "hb.request." not in lowered and any(marker in lowered for marker in CRASH_MARKERS)


class FuzzServer:
    """One `labelpark serve` on a loopback port and a temporary data dir, restartable after a crash."""

    def __init__(self, binary: str, work_dir: Path, attachable: dict[str, bytes] | None = None):
        self.work_dir = work_dir
        self.log_path = work_dir / "server.log"
        self.pid_path = work_dir / "server.pid"
        data_dir = work_dir / "data"
        data_dir.mkdir(parents=True, exist_ok=True)
        self.attachable_dir = work_dir / "attachable"
        self.attachable_dir.mkdir(exist_ok=True)
        for name, content in (attachable or {}).items():
            (self.attachable_dir / name).write_bytes(content)
        self.process = ServerProcess(binary, log_path=self.log_path, data_dir=data_dir, description="the server",
                                     extra_args=["--attachable-directory", str(self.attachable_dir)])
        self.restarts = 0

    @property
    def host(self) -> str:
        return HOST

    @property
    def port(self) -> int:
        return self.process.port

    @property
    def base_url(self) -> str:
        return self.process.base_url

    def start(self) -> None:
        """Starts the server and waits for `/healthz`."""
        self.process.start(START_TIMEOUT_SECONDS)
        self.pid_path.write_text(str(self.process.process.pid))

    def healthy(self) -> bool:
        """Whether the process runs and `/healthz` answers 200 within a few seconds."""
        return self.process.is_alive() and probe_health(HOST, self.port, HEALTH_TIMEOUT_SECONDS)

    def restart(self) -> None:
        """Kills whatever is left of the server and starts it again on the same data dir and port."""
        self.process.kill()
        self.restarts += 1
        self.start()

    def ensure_running(self) -> None:
        """Restarts the server if it died (the schemathesis watchdog calls this)."""
        if not self.process.is_alive():
            self.restart()

    def wait_for_exit(self, seconds: float) -> None:
        """Waits up to `seconds` for the process to exit (a crashing server is still writing its backtrace)."""
        ends = time.monotonic() + seconds
        while self.process.is_alive() and time.monotonic() < ends:
            time.sleep(0.1)

    def log_size(self) -> int:
        """The log's current length, to cut out what one case wrote."""
        try:
            return self.log_path.stat().st_size
        except OSError:
            return 0

    def log_since(self, offset: int, lines: int = 25) -> str:
        """The log written since `offset`: crash lines first, then its last `lines` lines."""
        try:
            with open(self.log_path, "rb") as log:
                log.seek(offset)
                text = log.read().decode("utf-8", "replace").splitlines()
        except OSError:
            return "(no server log)"
        crash = [line for line in text if is_crash_line(line)][:5]
        shown = crash + (["..."] if crash else []) + text[-lines:]
        return "\n".join(f"    | {line[:400]}" for line in shown)

    def stop(self) -> int | None:
        """SIGTERM and wait; the exit code, or None when it had to be killed."""
        return self.process.terminate(timeout=20.0)

    def crash_lines(self) -> list[str]:
        """Every log line that looks like a crash or a backtrace."""
        try:
            text = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return []
        return [line for line in text if is_crash_line(line)]


@dataclass
class Finding:
    """One failed case: what was sent, what happened, and what the server logged."""

    family: str
    request: str
    problem: str
    log: str
    note: str = ""

    def render(self) -> str:
        """The finding as an indented text block."""
        note = f" ({self.note})" if self.note else ""
        return f"[{self.family}]{note} {self.problem}\n{self.request}\n  server log:\n{self.log}"


class Tally:
    """Cases passed and failed per family, and every finding."""

    def __init__(self):
        self.passed: Counter[str] = Counter()
        self.failed: Counter[str] = Counter()
        self.findings: list[Finding] = []

    def record(self, family: str, finding: Finding | None) -> None:
        """Counts one case of `family`, failed when `finding` is given."""
        if finding is None:
            self.passed[family] += 1
        else:
            self.failed[family] += 1
            self.findings.append(finding)

    def families(self) -> list[str]:
        """Every family with a case, in first-seen order."""
        return list(dict.fromkeys([*self.passed, *self.failed]))

    @property
    def total_passed(self) -> int:
        return sum(self.passed.values())

    @property
    def total_failed(self) -> int:
        return sum(self.failed.values())


class CaseRunner:
    """Sends cases one at a time and checks the server after each; restarts it after a failure."""

    def __init__(self, server: FuzzServer, tally: Tally, verbose: bool = False):
        self.server = server
        self.tally = tally
        self.verbose = verbose

    def run(self, request: RawRequest) -> Outcome:
        """Sends `request`, then fails the case on a 5xx, an answer its `check` refuses, or when `/healthz`
        does not answer 200."""
        offset = self.server.log_size()
        outcome = send(self.server.host, self.server.port, request)
        problems = []
        if outcome.status is not None and outcome.status >= 500:
            problems.append(f"answered {outcome.summary()}")
        elif request.check is not None:
            complaint = request.check(outcome)
            if complaint:
                problems.append(f"wrong answer: {complaint}; the case got {outcome.summary()}")
        if self.server.process.is_alive() and not probe_health(self.server.host, self.server.port,
                                                                HEALTH_TIMEOUT_SECONDS):
            self.server.wait_for_exit(EXIT_WAIT_SECONDS)
            if self.server.process.is_alive():
                problems.append(f"the server hung: /healthz did not answer 200 within {HEALTH_TIMEOUT_SECONDS:.0f} s; "
                                f"the case got {outcome.summary()}")
        if not self.server.process.is_alive():
            problems.append(f"the server died (exit code {self.server.process.exit_code}); the case got {outcome.summary()}")
        finding = None
        if problems:
            time.sleep(0.2)  # let a dying process finish writing its backtrace
            finding = Finding(request.family, request.describe(), "; ".join(problems), self.server.log_since(offset),
                              request.note)
            print(f"FAIL {finding.render()}\n", flush=True)
            # A case that got no answer may still be running: a server grinding on it would starve the next ones.
            if outcome.status is None or not self.server.healthy():
                self.server.restart()
        elif self.verbose:
            print(f"ok   [{request.family}] {outcome.seconds:6.2f} s {request.method} {str(request.path)[:80]} "
                  f"({request.note}) -> {outcome.summary()[:80]}")
        self.tally.record(request.family, finding)
        return outcome
