"""Schemathesis hooks (loaded with SCHEMATHESIS_HOOKS=st_hooks): check the server after every case.

After each call `/healthz` must answer 200 within a few seconds. A 5xx, a dead server, a hung one or a
network error that leaves the server down becomes a finding, appended as a JSON line to $FUZZ_EVENTS
with the request and the server log's tail; the check `server_stays_healthy` then fails the case. A hung
server is killed (its pid is in $FUZZ_PID_FILE); the runner's watchdog restarts a dead one, and the hook
waits for it so the next case meets a live server. Every call also appends a `case` event, for counting.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
import urllib.error
import urllib.request

import schemathesis

HEALTH_TIMEOUT_SECONDS = 5.0
RECOVERY_SECONDS = 90.0
EXIT_WAIT_SECONDS = 20.0
CRASH_MARKERS = ("fatal error", "crash", "backtrace", "illegal instruction", "sigill", "sigsegv")

_failed_responses: dict[int, str] = {}


def _setting(name: str) -> str:
    """An environment variable the runner sets."""
    return os.environ[name]


def _append_event(event: dict) -> None:
    """Appends one JSON line to the events file the runner reads."""
    with open(_setting("FUZZ_EVENTS"), "a", encoding="utf-8") as events:
        events.write(json.dumps(event) + "\n")


def _healthy(timeout: float = HEALTH_TIMEOUT_SECONDS) -> bool:
    """Whether GET /healthz answers 200 within `timeout` seconds."""
    try:
        with urllib.request.urlopen(_setting("FUZZ_BASE_URL") + "/healthz", timeout=timeout) as response:
            return response.status == 200
    except (OSError, urllib.error.URLError, ValueError):
        return False


def _log_tail(lines: int = 25) -> str:
    """Crash lines of the server log, then its last lines."""
    try:
        with open(_setting("FUZZ_LOG_PATH"), "rb") as log:
            log.seek(0, os.SEEK_END)
            log.seek(max(0, log.tell() - 200_000))
            text = log.read().decode("utf-8", "replace").splitlines()
    except OSError:
        return "(no server log)"
    crash = [line for line in text
             if "hb.request." not in line and any(marker in line.lower() for marker in CRASH_MARKERS)][-5:]
    return "\n".join(f"    | {line[:400]}" for line in crash + (["..."] if crash else []) + text[-lines:])


def _describe(request) -> str:
    """Method, URL, headers and the first 300 bytes of the body of a `requests.PreparedRequest`."""
    lines = [f"{request.method} {request.url}"]
    for name, value in request.headers.items():
        lines.append(f"  {name}: {str(value)[:300]}")
    body = request.body or b""
    if isinstance(body, str):
        body = body.encode("utf-8", "replace")
    if body:
        lines.append(f"  body ({len(body)} bytes): {body[:300]!r}")
    return "\n".join(lines)


def _server_pid() -> int | None:
    """The pid the runner wrote for the current server process."""
    try:
        return int(open(_setting("FUZZ_PID_FILE")).read().strip())
    except (OSError, ValueError):
        return None


def _running(pid: int) -> bool:
    """Whether process `pid` still runs (the runner reaps it once it exits)."""
    try:
        os.kill(pid, 0)
        return True
    except OSError:
        return False


def _stop_unhealthy_server() -> None:
    """Gives a crashing server time to write its backtrace and exit, then SIGKILLs it if it still runs."""
    pid = _server_pid()
    if pid is None:
        return
    deadline = time.monotonic() + EXIT_WAIT_SECONDS
    while _running(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    if _running(pid):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


def _wait_for_recovery() -> None:
    """Waits until the restarted server answers /healthz again (or gives up after a while)."""
    deadline = time.monotonic() + RECOVERY_SECONDS
    while time.monotonic() < deadline:
        if _healthy(1.0):
            return
        time.sleep(0.2)
    print("fuzz hooks: the server did not come back", file=sys.stderr)


def _record_finding(operation: str, request, problem: str) -> None:
    """Writes a finding event and prints it."""
    time.sleep(0.2)  # let a dying process finish writing its backtrace
    event = {"kind": "finding", "family": "schemathesis", "operation": operation, "problem": problem,
             "request": _describe(request), "log": _log_tail()}
    _append_event(event)
    print(f"FAIL [schemathesis] {operation}: {problem}\n{event['request']}\n  server log:\n{event['log']}\n",
          file=sys.stderr, flush=True)


def _health_problem() -> str | None:
    """Why the server is not healthy now (killing it if it hangs), or None."""
    if _healthy():
        return None
    if _healthy(1.0):
        return None
    _stop_unhealthy_server()
    return "/healthz did not answer 200 after this request (the server died or hung)"


@schemathesis.hook
def after_call(context, case, response) -> None:
    """Counts the case and checks the server; a 5xx or an unhealthy server is a finding."""
    _append_event({"kind": "case", "operation": case.operation.label})
    problems = []
    if response.status_code >= 500:
        problems.append(f"answered {response.status_code}: {response.content[:200]!r}")
    health = _health_problem()
    if health:
        problems.append(health)
    if problems:
        problem = "; ".join(problems)
        _failed_responses[id(response)] = problem
        _record_finding(case.operation.label, response.request, problem)
        if health:
            _wait_for_recovery()


@schemathesis.hook
def after_network_error(context, case, request) -> None:
    """Counts the case; when the server went down with it, that is a finding."""
    _append_event({"kind": "case", "operation": case.operation.label})
    health = _health_problem()
    if health:
        _record_finding(case.operation.label, request, "no response; " + health)
        _wait_for_recovery()


@schemathesis.check
def server_stays_healthy(ctx, response, case) -> None:
    """Fails a case after which the server answered 5xx or stopped answering /healthz."""
    problem = _failed_responses.get(id(response))
    if problem:
        raise AssertionError(problem)
