"""Runs schemathesis over the OpenAPI document with the manager's token, checking the server after each case.

Schemathesis runs as its own process (`python -m schemathesis.cli run`) with `st_hooks` loaded; the hooks
append `case` and `finding` events to a JSON-lines file, which this module reads back. While it runs, a
watchdog thread restarts the server whenever it dies, so one crash does not end the phase.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from fuzz_http import RawRequest, send
from fuzz_runner import Finding, FuzzServer, Tally

HERE = Path(__file__).resolve().parent
SPEC_FILE = HERE.parent.parent / "Sources" / "LabelParkHTTP" / "Public" / "api" / "openapi-v1.json"
SPEC_ROUTE = "/api/v1/openapi.json"
# Revoking the token schemathesis itself sends would turn the rest of the run into 401s; the generator
# phase covers DELETE /tokens/{id} with a token of its own.
EXCLUDED_OPERATIONS = ("deleteToken",)


def spec_location(server: FuzzServer) -> str:
    """The served document's URL, or the file in the repository (with a warning) while the route is missing."""
    outcome = send(server.host, server.port, RawRequest("GET", SPEC_ROUTE, timeout=10.0))
    if outcome.status == 200:
        try:
            if "openapi" in json.loads(outcome.body):
                return server.base_url + SPEC_ROUTE
        except ValueError:
            pass
    print(f"warning: GET {SPEC_ROUTE} answered {outcome.summary()[:120]}; using {SPEC_FILE} instead", flush=True)
    return str(SPEC_FILE)


def command(location: str, server: FuzzServer, token: str, seed: int, max_examples: int, seconds: float,
            report_dir: Path) -> list[str]:
    """The schemathesis command line."""
    arguments = [sys.executable, "-m", "schemathesis.cli", "run", location, "--url", server.base_url,
                 "-H", f"Authorization: Bearer {token}",
                 "--checks", "not_a_server_error,server_stays_healthy",
                 "--max-examples", str(max_examples), "--seed", str(seed), "--max-time", str(max(1, int(seconds))),
                 "--phases", "examples,coverage,fuzzing", "--workers", "1", "--no-shrink",
                 "--request-timeout", "30", "--continue-on-failure", "--suppress-health-check", "all",
                 "--warnings", "off", "--report", "junit", "--report-dir", str(report_dir)]
    for operation in EXCLUDED_OPERATIONS:
        arguments += ["--exclude-operation-id", operation]
    return arguments


def watchdog(server: FuzzServer, stop: threading.Event) -> None:
    """Restarts the server whenever it has died, until `stop` is set."""
    while not stop.wait(0.3):
        try:
            server.ensure_running()
        except Exception as error:  # noqa: BLE001 - a failed restart is reported, then retried
            print(f"watchdog: restart failed: {error}", flush=True)


def read_events(path: Path) -> list[dict]:
    """The hooks' events, in order."""
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def run(server: FuzzServer, token: str, tally: Tally, *, seed: int, seconds: float, max_examples: int,
        work_dir: Path) -> None:
    """Runs schemathesis for at most about `seconds`; counts its cases and findings into `tally`."""
    events_path = work_dir / "schemathesis-events.jsonl"
    location = spec_location(server)
    environment = dict(os.environ, SCHEMATHESIS_HOOKS="st_hooks", FUZZ_EVENTS=str(events_path),
                       FUZZ_BASE_URL=server.base_url, FUZZ_PID_FILE=str(server.pid_path),
                       FUZZ_LOG_PATH=str(server.log_path),
                       PYTHONPATH=os.pathsep.join(filter(None, [str(HERE), os.environ.get("PYTHONPATH")])))
    stop = threading.Event()
    guard = threading.Thread(target=watchdog, args=(server, stop), daemon=True)
    guard.start()
    started = time.monotonic()
    output_path = work_dir / "schemathesis-output.txt"
    try:
        with open(output_path, "wb") as output:
            finished = subprocess.run(
                command(location, server, token, seed, max_examples, seconds, work_dir / "schemathesis-report"),
                env=environment, stdout=output, stderr=subprocess.STDOUT, cwd=work_dir, timeout=seconds + 120)
        exit_code = finished.returncode
    except subprocess.TimeoutExpired:
        exit_code = None
    finally:
        stop.set()
        guard.join()
    server.ensure_running()
    summarize(events_path, output_path, exit_code, time.monotonic() - started, tally)


def summarize(events_path: Path, output_path: Path, exit_code: int | None, seconds: float, tally: Tally) -> None:
    """Adds the hooks' events to `tally`; a schemathesis run that failed without a finding counts as one failure."""
    events = read_events(events_path)
    cases = [event for event in events if event["kind"] == "case"]
    findings = [event for event in events if event["kind"] == "finding"]
    for _ in range(len(cases) - len(findings)):
        tally.record("schemathesis", None)
    for event in findings:
        tally.record("schemathesis", Finding("schemathesis", event["request"], event["problem"], event["log"],
                                             event["operation"]))
    output = output_path.read_text(errors="replace")
    print(f"schemathesis: {len(cases)} cases in {seconds:.0f} s, exit code {exit_code}", flush=True)
    if exit_code not in (0, 1) or (exit_code == 1 and not findings) or not cases:
        # Exit code 1 means failed checks, which the hooks have already recorded; anything else (a usage error,
        # a schema it could not load, a crash, a timeout, no case at all) is a failure of the phase itself.
        tail = "\n".join(output.splitlines()[-40:])
        tally.record("schemathesis", Finding("schemathesis", "(the schemathesis run itself)",
                                             f"schemathesis exited {exit_code} after {len(cases)} cases", tail))
