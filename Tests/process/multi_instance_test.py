#!/usr/bin/env python3
"""Multi-instance test: two stateless LabelPark servers on one PostgreSQL schema behind nginx, one of
them killed with SIGKILL in the middle of a claim storm (DESIGN.md §3 invariants 1, 3 and 4 across
instances).

Instances A and B start together on a fresh schema (so their migrations race for the lock); nginx
balances them, sending X-Forwarded-For/Proto/Host, which the instances believe (`--trusted-proxy
127.0.0.1`). `--clients` annotators claim and submit through nginx as fast as they can, abandoning 10%
of their claims (the 2-second lease lapses), retrying a failed request with the same idempotency key.
Once a third of the slots are submitted, A gets SIGKILL and comes back two seconds later on the same
port. Every second an export through nginx must be internally consistent; at the end every
acknowledged annotation must be in the final export exactly once, every task must hold exactly
`overlap` on-time annotations from distinct annotators, and the survivor B must never have answered
5xx. SIGTERM must then stop both instances with exit code 0 within 10 s.

    python3 Tests/process/multi_instance_test.py --database-url 'postgres://labelpark@127.0.0.1:55432/labelpark?sslmode=disable'
        [--binary .build/release/labelpark] [--clients 40] [--tasks 1500] [--overlap 3] [--seed N]
        [--duration-limit 90] [--keep]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lp_client import (  # noqa: E402
    ParkClient,
    is_task_handle,
    ParkResponse,
    TransportFailure,
    free_local_port,
)
from lp_server import Account, Deadline, ProcessFailure, ServerProcess, create_account  # noqa: E402
from nginx_lb import NginxBalancer, NginxMissing, last_upstream  # noqa: E402

REPOSITORY = Path(__file__).resolve().parents[2]
PASSWORD = "multi-instance-password"
ORGANIZATION = "Multi Instance Client"
LEASE_SECONDS = 2
ABANDON_PROBABILITY = 0.10
KILL_AFTER_FRACTION_SUBMITTED = 1 / 3
RESTART_AFTER_SECONDS = 2.0
# 5xx answers and transport failures from A this long after its restart are still blamed on its death
# (nginx's cached connections and fail_timeout settle); later ones are violations like B's.
DEATH_GRACE_SECONDS = 2.0
EXPORT_INTERVAL_SECONDS = 1.0
GRACEFUL_EXIT_SECONDS = 10.0
SETUP_BUDGET_SECONDS = 90.0
CLI_WORKERS = 4
# Bounded retries of one request: 0.05, 0.1, 0.2, 0.4, 0.8, 1, 1 s (±50%) between eight attempts.
REQUEST_ATTEMPTS = 8
BACKOFF_FIRST_SECONDS = 0.05
BACKOFF_CAP_SECONDS = 1.0
# A claim answered 204 (everything left is leased to others or already answered) is retried this often.
EMPTY_QUEUE_PAUSE_SECONDS = 0.15
SCHEMA = {
    "fields": [{"name": "text", "type": "text"}],
    "questions": [{"name": "label", "type": "choice", "options": ["a", "b"]}],
}


class TestFailure(ProcessFailure):
    """The test could not go on: set-up failed, time ran out, a process misbehaved."""


def postgres_instance(name: str, binary: str, database_url: str, work_dir: Path) -> ServerProcess:
    """Instance `name` (A or B) on PostgreSQL on a free port, logging to `server-<name>.log` in `work_dir`."""
    return ServerProcess(
        binary, database_url=database_url, log_path=work_dir / f"server-{name}.log",
        # Unused on PostgreSQL but created by `serve` (import spool): keep it out of the working directory.
        data_dir=work_dir / f"data-{name}",
        # nginx on loopback is the only client the instances see; they believe its X-Forwarded-* headers.
        extra_args=["--log-level", "notice", "--trusted-proxy", "127.0.0.1"], description=f"instance {name}")


@dataclass(frozen=True)
class Acknowledgement:
    """A submission answered 2xx: the contract says its annotation is durable."""

    annotation_id: int
    task_id: int  # as the annotator saw it: a real id, or their handle for the task
    annotator_id: int
    idempotency_key: str
    label: str
    late: bool
    replayed: bool
    at: float


@dataclass(frozen=True)
class ServerError:
    """A response with status >= 500, and which instance nginx says produced it."""

    at: float
    what: str
    status: int
    upstream: str | None
    x_upstream: str | None


@dataclass
class ExportRecord:
    """One mid-storm export: what it held and what had been acknowledged before it was requested."""

    number: int
    at: float
    annotation_ids: set[int]
    acknowledged_before: set[int]
    on_time: int
    late: int


class Storm:
    """What the client threads share with the conductor: events, acknowledgements, tallies."""

    def __init__(self, base_url: str, project_id: int, task_ids: set[int], seed: int):
        self.base_url = base_url
        self.project_id = project_id
        self.task_ids = task_ids
        self.seed = seed
        self.finished = threading.Event()
        self.lock = threading.Lock()
        self.acknowledgements: list[Acknowledgement] = []
        self.server_errors: list[ServerError] = []
        self.transport_failures: list[tuple[float, str]] = []
        self.responses_by_upstream: Counter = Counter()
        self.statuses: Counter = Counter()
        self.claims = 0
        self.empty_claims = 0
        self.abandoned = 0
        self.retried_requests = 0
        self.given_up: list[str] = []
        self.violations: list[str] = []
        self.started_at = time.monotonic()
        self.killed_at: float | None = None
        self.acknowledged_at_kill = 0
        self.restarted_at: float | None = None
        self.ended_at: float | None = None
        self.exports: list[ExportRecord] = []
        self.final: ExportSummary | None = None

    def acknowledged_count(self) -> int:
        with self.lock:
            return len(self.acknowledgements)

    def acknowledged_ids(self) -> set[int]:
        with self.lock:
            return {ack.annotation_id for ack in self.acknowledgements}

    def violation(self, message: str) -> None:
        with self.lock:
            self.violations.append(message)

    def record_response(self, what: str, response: ParkResponse) -> None:
        upstream = last_upstream(response.header("x-upstream"))
        now = time.monotonic()
        with self.lock:
            self.statuses[response.status] += 1
            self.responses_by_upstream[(upstream, self.phase_at(now))] += 1
            if response.status >= 500:
                self.server_errors.append(ServerError(now, what, response.status, upstream, response.header("x-upstream")))

    def record_transport_failure(self, what: str, error: TransportFailure) -> None:
        with self.lock:
            self.transport_failures.append((time.monotonic(), f"{what}: {error}"))

    def phase_at(self, moment: float) -> str:
        """`before` the kill, `down` from the kill until A answers again plus a grace, `after` that."""
        if self.killed_at is None or moment < self.killed_at:
            return "before"
        if self.restarted_at is None or moment < self.restarted_at + DEATH_GRACE_SECONDS:
            return "down"
        return "after"


def request_with_retries(
    client: ParkClient, storm: Storm, rng: random.Random, what: str, method: str, path: str, payload=None
) -> ParkResponse | None:
    """Sends one request until it gets a status below 500, retrying transport failures and 5xx with
    backoff (the same body, hence the same idempotency key); None once the attempts are spent."""
    body = None if payload is None else json.dumps(payload).encode()
    for attempt in range(REQUEST_ATTEMPTS):
        if attempt > 0:
            with storm.lock:
                storm.retried_requests += 1
            delay = min(BACKOFF_CAP_SECONDS, BACKOFF_FIRST_SECONDS * 2 ** (attempt - 1))
            time.sleep(delay * rng.uniform(0.5, 1.5))
        try:
            response = client.request(method, path, body, "application/json" if body is not None else None)
        except TransportFailure as error:
            storm.record_transport_failure(what, error)
            continue
        storm.record_response(what, response)
        if response.status < 500:
            return response
    with storm.lock:
        storm.given_up.append(f"{what} {method} {path}")
    return None


class AnnotatorClient(threading.Thread):
    """One annotator: claim, maybe abandon, submit with a fresh idempotency key; until the storm ends."""

    def __init__(self, index: int, account: Account, storm: Storm, seed: int):
        super().__init__(name=f"annotator-{index}", daemon=True)
        self.index = index
        self.account = account
        self.storm = storm
        self.rng = random.Random(seed)

    def run(self) -> None:
        client = ParkClient(self.storm.base_url, self.account.token)
        try:
            self.work(client)
        except Exception as error:  # a thread must report, never die silently
            self.storm.violation(f"annotator {self.index}: {type(error).__name__}: {error}")
        finally:
            client.close()

    def work(self, client: ParkClient) -> None:
        storm = self.storm
        sequence = 0
        claim_path = f"/api/v1/projects/{storm.project_id}/next"
        while not storm.finished.is_set():
            claim = request_with_retries(client, storm, self.rng, "claim", "POST", claim_path)
            if claim is None:
                continue
            if claim.status == 204:
                with storm.lock:
                    storm.empty_claims += 1
                storm.finished.wait(EMPTY_QUEUE_PAUSE_SECONDS * self.rng.uniform(0.5, 1.5))
                continue
            if claim.status != 200:
                storm.violation(f"annotator {self.index}: claim answered {claim.status}: {claim.text()[:200]}")
                storm.finished.wait(EMPTY_QUEUE_PAUSE_SECONDS)
                continue
            body = claim.json()
            task_id = body["task"]["id"]
            with storm.lock:
                storm.claims += 1
            if task_id not in storm.task_ids and not is_task_handle(task_id):
                storm.violation(f"annotator {self.index}: claimed task {task_id}, which is neither a task the "
                                f"project imported nor a task handle")
                continue
            if self.rng.random() < ABANDON_PROBABILITY:
                with storm.lock:
                    storm.abandoned += 1
                continue
            sequence += 1
            key = f"mi-{storm.seed}-a{self.index}-{sequence}"
            label = self.rng.choice(("a", "b"))
            payload = {"lease_token": body["lease"]["token"], "result": {"label": label}, "idempotency_key": key}
            response = request_with_retries(
                client, storm, self.rng, "submit", "POST", f"/api/v1/tasks/{task_id}/annotations", payload)
            if response is None:
                continue
            if response.status not in (200, 201):
                storm.violation(f"annotator {self.index}: submission {key} on task {task_id} answered "
                                f"{response.status}: {response.text()[:200]}")
                continue
            annotation = response.json()
            if annotation.get("task_id") != task_id or annotation.get("annotator_id") != self.account.user_id:
                storm.violation(f"annotator {self.index}: {response.status} for {key} names task "
                                f"{annotation.get('task_id')} by {annotation.get('annotator_id')}, expected task "
                                f"{task_id} by {self.account.user_id}")
            with storm.lock:
                storm.acknowledgements.append(Acknowledgement(
                    annotation_id=annotation["id"], task_id=task_id, annotator_id=self.account.user_id,
                    idempotency_key=key, label=label, late=bool(annotation.get("late")),
                    replayed=response.header("Idempotent-Replayed") == "true", at=time.monotonic()))


@dataclass
class ExportSummary:
    """What one export held, after its consistency checks."""

    annotations: dict[int, tuple[int, dict]]  # annotation id -> (task id, annotation)
    on_time_per_task: Counter
    late: int
    problems: list[str]

    @property
    def on_time(self) -> int:
        return sum(self.on_time_per_task.values())


def inspect_export(lines: list[dict], task_ids: set[int], overlap: int) -> ExportSummary:
    """Every task exactly once, no annotation id twice, per task at most `overlap` on-time annotations
    and no annotator twice."""
    problems: list[str] = []
    seen_tasks: Counter = Counter(line.get("id") for line in lines)
    duplicated = [task_id for task_id, count in seen_tasks.items() if count > 1]
    if duplicated:
        problems.append(f"{len(duplicated)} tasks appear more than once, e.g. {duplicated[:5]}")
    missing = task_ids - set(seen_tasks)
    if missing:
        problems.append(f"{len(missing)} tasks are missing, e.g. {sorted(missing)[:5]}")
    foreign = set(seen_tasks) - task_ids
    if foreign:
        problems.append(f"{len(foreign)} tasks were never imported, e.g. {sorted(foreign)[:5]}")

    annotations: dict[int, tuple[int, dict]] = {}
    on_time_per_task: Counter = Counter()
    late = 0
    repeated_ids: list[int] = []
    for line in lines:
        task_id = line.get("id")
        annotators: Counter = Counter()
        for annotation in line.get("annotations", []):
            annotation_id = annotation["id"]
            if annotation_id in annotations:
                repeated_ids.append(annotation_id)
            annotations[annotation_id] = (task_id, annotation)
            annotators[annotation["annotator_id"]] += 1
            if annotation.get("late"):
                late += 1
            else:
                on_time_per_task[task_id] += 1
        twice = [annotator for annotator, count in annotators.items() if count > 1]
        if twice:
            problems.append(f"task {task_id} holds several annotations of annotators {twice}")
    crowded = sorted((task_id, count) for task_id, count in on_time_per_task.items() if count > overlap)
    if crowded:
        problems.append(f"{len(crowded)} tasks hold more than {overlap} on-time annotations, e.g. (task, count) "
                        f"{crowded[:5]}")
    if repeated_ids:
        problems.append(f"{len(repeated_ids)} annotation ids appear more than once, e.g. {repeated_ids[:5]}")
    return ExportSummary(annotations, on_time_per_task, late, problems)


def fetch_export(client: ParkClient, storm: Storm, rng: random.Random, project_id: int) -> list[dict] | None:
    """One jsonl export through nginx; a truncated body counts as a transport failure and is retried."""
    path = f"/api/v1/projects/{project_id}/export?format=jsonl"
    for _ in range(3):
        response = request_with_retries(client, storm, rng, "export", "GET", path)
        if response is None:
            return None
        if response.status != 200:
            raise TestFailure(f"export answered {response.status}: {response.text()[:300]}")
        try:
            return response.json_lines()
        except ValueError as error:
            storm.record_transport_failure("export", TransportFailure(f"unparseable export line: {error}"))
    return None


def new_account(binary: str, database_url: str, email: str, role: str, cwd: Path, deadline: Deadline) -> Account:
    """Creates a user in the test's client organization and an API token for them, with the CLI."""
    return create_account(binary, email, role, deadline, password=PASSWORD, organization=ORGANIZATION,
                          database_url=database_url, org_kind="client", cwd=cwd, timeout=60.0)


def with_schema(database_url: str, schema: str) -> str:
    """The URL with its `schema` parameter set to `schema`."""
    parts = urllib.parse.urlsplit(database_url)
    query = [(name, value) for name, value in urllib.parse.parse_qsl(parts.query) if name != "schema"]
    query.append(("schema", schema))
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))


def drop_schema(database_url: str, schema: str) -> str | None:
    """Drops the test's schema with Debian's psql; None on success, else why it failed."""
    psql = shutil.which("psql")
    if psql is None:
        return "psql is not installed"
    parts = urllib.parse.urlsplit(database_url)
    # psql does not know LabelPark's `schema` parameter; the connection needs none of the query.
    plain = urllib.parse.urlunsplit(parts._replace(query=""))
    try:
        finished = subprocess.run([psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", plain, "-c",
                                   f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'],
                                  capture_output=True, text=True, timeout=30)
    except subprocess.TimeoutExpired:
        return "psql timed out"
    return None if finished.returncode == 0 else finished.stderr.strip()


@dataclass
class Outcome:
    violations: list[str] = field(default_factory=list)
    numbers: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def run(args: argparse.Namespace) -> Outcome:
    outcome = Outcome()
    started = time.monotonic()
    rng = random.Random(args.seed)
    schema = f"mi_{random.SystemRandom().randrange(1 << 40):010x}"
    database_url = with_schema(args.database_url, schema)
    work_dir = Path(tempfile.mkdtemp(prefix="labelpark-multi-"))
    instances: list[ServerProcess] = []
    balancer: NginxBalancer | None = None
    storm: Storm | None = None
    clients: list[AnnotatorClient] = []
    print(f"  schema {schema}, work directory {work_dir}", flush=True)
    try:
        setup = Deadline(SETUP_BUDGET_SECONDS, "set-up")
        a = postgres_instance("A", args.binary, database_url, work_dir)
        b = postgres_instance("B", args.binary, database_url, work_dir)
        instances += [a, b]
        # Both at once: their migrations of the fresh schema race for the advisory lock.
        a.launch()
        b.launch()
        a.wait_healthy(setup.cap(30.0))
        b.wait_healthy(setup.cap(30.0))
        balancer = NginxBalancer(work_dir / "nginx", free_local_port(), [a.port, b.port])
        balancer.start(setup.cap(10.0))
        print(f"  instances A :{a.port}, B :{b.port}, nginx :{balancer.listen_port} "
              f"({time.monotonic() - started:.1f} s)", flush=True)

        # The manager first: it creates the organization the annotators then join concurrently.
        manager = new_account(args.binary, database_url, "manager@multi.test", "manager", work_dir, setup)
        with ThreadPoolExecutor(max_workers=CLI_WORKERS) as pool:
            annotators = list(pool.map(
                lambda i: new_account(args.binary, database_url, f"annotator{i}@multi.test", "annotator",
                                         work_dir, setup),
                range(args.clients)))
        print(f"  {args.clients} annotators and a manager created with the CLI ({time.monotonic() - started:.1f} s)",
              flush=True)

        admin = ParkClient(balancer.base_url, manager.token, timeout=30.0)
        project = admin.post_json("/api/v1/projects", {"name": "multi-instance storm", "schema": SCHEMA,
                                                        "overlap": args.overlap, "lease_seconds": LEASE_SECONDS},
                                  expect=(201,)).json()
        project_id = project["id"]
        lines = "".join(json.dumps({"text": f"multi-instance task {i}"}) + "\n" for i in range(args.tasks)).encode()
        imported = admin.request("POST", f"/api/v1/projects/{project_id}/tasks", lines, "application/x-ndjson",
                                 expect=(201,)).json()
        if imported.get("created") != args.tasks:
            raise TestFailure(f"imported {imported.get('created')} tasks, expected {args.tasks}: {imported}")
        initial = admin.get(f"/api/v1/projects/{project_id}/export?format=jsonl", expect=(200,)).json_lines()
        task_ids = {line["id"] for line in initial}
        if len(task_ids) != args.tasks or any(line.get("annotations") for line in initial):
            raise TestFailure(f"the export after the import holds {len(task_ids)} distinct tasks, expected "
                              f"{args.tasks} without annotations")
        admin.close()

        slots = args.tasks * args.overlap
        kill_threshold = int(slots * KILL_AFTER_FRACTION_SUBMITTED)
        storm = Storm(balancer.base_url, project_id, task_ids, args.seed)
        clients = [AnnotatorClient(i, annotators[i], storm, rng.randrange(1 << 30)) for i in range(args.clients)]
        print(f"  storm: {args.clients} annotators, {args.tasks} tasks x overlap {args.overlap} = {slots} slots, "
              f"kill A at {kill_threshold} acknowledged ({time.monotonic() - started:.1f} s)", flush=True)
        limit = Deadline(args.duration_limit, "the storm")
        storm.started_at = time.monotonic()
        for client in clients:
            client.start()

        try:
            conduct(storm, a, b, balancer, manager, project_id, task_ids, args, kill_threshold, limit)
        finally:
            storm.ended_at = time.monotonic()
            storm.finished.set()
        for client in clients:
            client.join(timeout=15.0)
        if any(client.is_alive() for client in clients):
            raise TestFailure("annotator threads were still running 15 s after the storm ended")

        admin = ParkClient(balancer.base_url, manager.token, timeout=30.0)
        final_lines = fetch_export(admin, storm, rng, project_id)
        admin.close()
        if final_lines is None:
            raise TestFailure("the final export failed after every retry")
        storm.final = inspect_export(final_lines, task_ids, args.overlap)
        outcome.violations += [f"final export: {problem}" for problem in storm.final.problems]
        outcome.violations += check_final(storm.final, storm, task_ids, args.overlap)

        for name, instance in (("A", a), ("B", b)):
            if instance.exit_report():
                outcome.violations.append(instance.exit_report())
                continue
            stopping = time.monotonic()
            code = instance.terminate(GRACEFUL_EXIT_SECONDS)
            seconds = time.monotonic() - stopping
            if code is None:
                outcome.violations.append(f"SIGTERM: instance {name} did not exit within "
                                          f"{GRACEFUL_EXIT_SECONDS:.0f} s\n{instance.log_tail()}")
            elif code != 0:
                outcome.violations.append(f"SIGTERM: instance {name} exited {code}, expected 0\n"
                                          f"{instance.log_tail()}")
            else:
                outcome.numbers.append(f"SIGTERM: {name} exited 0 in {seconds:.2f} s")
    except (ProcessFailure, TransportFailure, NginxMissing) as error:
        outcome.violations.append(str(error))
    except Exception as error:  # a malformed answer must fail the test, not crash it without cleanup
        outcome.violations.append(f"{type(error).__name__}: {error}")
    finally:
        if storm is not None:
            storm.finished.set()
        for client in clients:
            client.join(timeout=5.0)
        if storm is not None:
            # After the run's own findings, which name the root cause (a crash, say) of what follows.
            outcome.violations += storm.violations + check_server_errors(storm, instances[0], instances[1])
            describe(outcome, storm, instances[0], instances[1])
        for instance in instances:
            instance.kill()
        if balancer is not None:
            balancer.stop()
        if args.keep:
            outcome.notes.append(f"kept schema {schema} and {work_dir}")
        else:
            failure = drop_schema(args.database_url, schema)
            if failure:
                outcome.notes.append(f"could not drop schema {schema}: {failure}")
            if outcome.violations:
                outcome.notes.append(f"logs kept in {work_dir} for the failure")
            else:
                shutil.rmtree(work_dir, ignore_errors=True)
    outcome.numbers.append(f"total {time.monotonic() - started:.1f} s")
    return outcome


def conduct(storm: Storm, a: ServerProcess, b: ServerProcess, balancer: NginxBalancer, manager: Account, project_id: int,
            task_ids: set[int], args: argparse.Namespace, kill_threshold: int, limit: Deadline) -> None:
    """Kills and restarts A on cue and takes an export every second until one shows every slot submitted."""
    rng = random.Random(args.seed ^ 0x5EED)
    exports = storm.exports
    exporter = ParkClient(balancer.base_url, manager.token, timeout=30.0)
    probe = ParkClient(a.base_url, timeout=0.5)
    next_export = time.monotonic() + EXPORT_INTERVAL_SECONDS
    try:
        while True:
            if limit.remaining() <= 0:
                with storm.lock:
                    done = len(storm.acknowledgements)
                raise TestFailure(f"the storm did not submit every slot within {args.duration_limit:.0f} s "
                                  f"({done} acknowledged of {args.tasks * args.overlap}; last export: "
                                  f"{exports[-1].on_time if exports else 0} on time)")
            if not balancer.is_alive():
                raise TestFailure(f"nginx exited during the storm\n{balancer.log_tail()}")
            for instance, expected_running in ((b, True), (a, storm.killed_at is None or storm.restarted_at is not None)):
                if expected_running and instance.exit_report():
                    raise TestFailure(f"{instance.exit_report()}\n    (at {time.monotonic() - storm.started_at:.1f} s "
                                      f"of the storm, {storm.acknowledged_count()} acknowledged)")
            now = time.monotonic()
            if storm.killed_at is None and storm.acknowledged_count() >= kill_threshold:
                if not a.is_alive():
                    raise TestFailure(f"instance A exited on its own before the kill\n{a.log_tail()}")
                # Stamped before the signal: every answer A's death causes comes after this moment.
                storm.killed_at = time.monotonic()
                a.kill()
                storm.acknowledged_at_kill = storm.acknowledged_count()
                print(f"  A killed at {storm.killed_at - storm.started_at:.1f} s ({storm.acknowledged_at_kill} "
                      f"acknowledged)", flush=True)
            elif storm.killed_at is not None and a.starts == 1 and now - storm.killed_at >= RESTART_AFTER_SECONDS:
                a.launch()
            elif a.starts == 2 and storm.restarted_at is None:
                if not a.is_alive():
                    raise TestFailure(f"instance A did not come back after the kill\n{a.log_tail()}")
                try:
                    if probe.get("/healthz").status == 200:
                        storm.restarted_at = time.monotonic()
                        print(f"  A back at {storm.restarted_at - storm.started_at:.1f} s", flush=True)
                except TransportFailure:
                    pass
                if storm.restarted_at is None and time.monotonic() - storm.killed_at > 30.0:
                    raise TestFailure(f"instance A did not answer /healthz within 30 s of its kill\n{a.log_tail()}")

            if now >= next_export:
                next_export = now + EXPORT_INTERVAL_SECONDS
                acknowledged_before = storm.acknowledged_ids()
                requested_at = time.monotonic()
                lines = fetch_export(exporter, storm, rng, project_id)
                if lines is not None:
                    summary = inspect_export(lines, task_ids, args.overlap)
                    number = len(exports) + 1
                    for problem in summary.problems:
                        storm.violation(f"export {number} at {requested_at - storm.started_at:.1f} s: {problem}")
                    exports.append(ExportRecord(number, requested_at - storm.started_at, set(summary.annotations),
                                                acknowledged_before, summary.on_time, summary.late))
                    complete = all(summary.on_time_per_task[task_id] == args.overlap for task_id in task_ids)
                    if complete and storm.restarted_at is not None:
                        return
            time.sleep(0.02)
    finally:
        exporter.close()
        probe.close()


def check_final(final: ExportSummary, storm: Storm, task_ids: set[int], overlap: int) -> list[str]:
    """The end state against everything acknowledged and every mid-storm export."""
    problems: list[str] = []
    incomplete = [task_id for task_id in task_ids if final.on_time_per_task[task_id] != overlap]
    if incomplete:
        problems.append(f"{len(incomplete)} tasks do not hold exactly {overlap} on-time annotations, e.g. "
                        f"{[(task_id, final.on_time_per_task[task_id]) for task_id in sorted(incomplete)[:5]]}")

    by_id: dict[int, list[Acknowledgement]] = defaultdict(list)
    for ack in storm.acknowledgements:
        by_id[ack.annotation_id].append(ack)
    # What each annotator's handles turned out to name, from the final export: one task per handle and one
    # handle per task, or acknowledgements were attached to the wrong tasks.
    handle_tasks: dict[tuple[int, int], set[int]] = defaultdict(set)
    task_handles: dict[tuple[int, int], set[int]] = defaultdict(set)
    for annotation_id, acks in by_id.items():
        keys = {ack.idempotency_key for ack in acks}
        if len(keys) > 1:
            problems.append(f"annotation {annotation_id} was acknowledged for {len(keys)} different idempotency keys")
        ack = acks[0]
        found = final.annotations.get(annotation_id)
        if found is None:
            problems.append(f"acknowledged annotation {annotation_id} (key {ack.idempotency_key}, task "
                            f"{ack.task_id}) is missing from the final export")
            continue
        task_id, annotation = found
        if is_task_handle(ack.task_id):
            handle_tasks[(ack.annotator_id, ack.task_id)].add(task_id)
            task_handles[(ack.annotator_id, task_id)].add(ack.task_id)
        if (task_id != ack.task_id and not is_task_handle(ack.task_id)) \
                or annotation.get("annotator_id") != ack.annotator_id:
            problems.append(f"acknowledged annotation {annotation_id} is on task {task_id} by "
                            f"{annotation.get('annotator_id')}, expected task {ack.task_id} by {ack.annotator_id}")
        if annotation.get("result") != {"label": ack.label}:
            problems.append(f"acknowledged annotation {annotation_id} holds {annotation.get('result')}, "
                            f"expected label {ack.label}")
        if bool(annotation.get("late")) != ack.late:
            problems.append(f"annotation {annotation_id} was acknowledged with late={ack.late} but exports "
                            f"late={annotation.get('late')}")

    for (annotator_id, handle), tasks in sorted(handle_tasks.items()):
        if len(tasks) > 1:
            problems.append(f"annotator {annotator_id}'s handle {handle} names {len(tasks)} tasks in the final "
                            f"export: {sorted(tasks)[:5]}")
    for (annotator_id, task_id), handles in sorted(task_handles.items()):
        if len(handles) > 1:
            problems.append(f"task {task_id} was acknowledged to annotator {annotator_id} under {len(handles)} "
                            f"handles: {sorted(handles)[:5]}")

    # Only a submission whose retries were all spent may have left an annotation nobody was told about.
    unacknowledged = sorted(set(final.annotations) - set(by_id))
    given_up_submissions = sum(1 for what in storm.given_up if what.startswith("submit"))
    if len(unacknowledged) > given_up_submissions:
        problems.append(f"{len(unacknowledged)} exported annotations were never acknowledged (only "
                        f"{given_up_submissions} submissions gave up), e.g. {unacknowledged[:5]}")

    final_ids = set(final.annotations)
    for record in storm.exports:
        vanished = record.annotation_ids - final_ids
        if vanished:
            problems.append(f"export {record.number} at {record.at:.1f} s held {len(vanished)} annotations the "
                            f"final export lacks, e.g. {sorted(vanished)[:5]}")
        unseen = record.acknowledged_before - record.annotation_ids
        if unseen:
            problems.append(f"export {record.number} at {record.at:.1f} s lacks {len(unseen)} annotations "
                            f"acknowledged before it was requested, e.g. {sorted(unseen)[:5]}")
    return problems


def check_server_errors(storm: Storm, a: ServerProcess, b: ServerProcess) -> list[str]:
    """No 5xx from the survivor ever; from A only while it was dead (and just after its restart)."""
    excused = Counter()
    blamed: dict[tuple[str, str, int], list[float]] = defaultdict(list)
    for error in storm.server_errors:
        phase = storm.phase_at(error.at)
        if error.upstream == a.address and phase == "down":
            excused[error.status] += 1
            continue
        if error.upstream == b.address:
            who = "the survivor B"
        elif error.upstream == a.address:
            who = "instance A before its kill" if phase == "before" else "instance A after its restart"
        else:
            who = "nginx without reaching an instance"
        blamed[(who, error.what, error.status)].append(error.at - storm.started_at)
    return [f"{len(moments)} {what} requests answered {status} from {who}, at {moments[0]:.2f}"
            f"{f'–{moments[-1]:.2f}' if len(moments) > 1 else ''} s of the storm"
            for (who, what, status), moments in sorted(blamed.items())]


def describe(outcome: Outcome, storm: Storm, a: ServerProcess, b: ServerProcess) -> None:
    """The run's numbers, as far as it got, for the summary."""
    with storm.lock:
        acks = list(storm.acknowledgements)
        statuses = Counter(storm.statuses)
        responses_by_upstream = Counter(storm.responses_by_upstream)
        server_errors = list(storm.server_errors)
        transport_failures = list(storm.transport_failures)
    seconds = max(0.001, (storm.ended_at or time.monotonic()) - storm.started_at)
    unique = {ack.annotation_id for ack in acks}
    requests = sum(statuses.values())
    death_errors = sum(1 for error in server_errors if storm.phase_at(error.at) == "down")
    status_text = ", ".join(f"{status}: {count}" for status, count in sorted(statuses.items()))
    transport_by_phase = Counter(storm.phase_at(at) for at, _ in transport_failures)
    names = {a.address: "A", b.address: "B"}
    by_upstream: Counter = Counter()
    for (upstream, phase), count in responses_by_upstream.items():
        by_upstream[f"{names.get(upstream, upstream)} {phase}"] += count
    numbers = [
        f"storm {seconds:.1f} s",
        f"{len(unique)} annotations acknowledged ({len(unique) / seconds:.0f}/s; "
        f"{sum(ack.replayed for ack in acks)} replayed, {sum(ack.late for ack in acks)} late)",
        f"{requests} responses ({requests / seconds:.0f}/s): {status_text}",
        f"{storm.claims} claims ({storm.abandoned} abandoned), {storm.empty_claims} answered 204",
    ]
    if storm.killed_at is not None:
        back = f", back {storm.restarted_at - storm.killed_at:.1f} s later" if storm.restarted_at else ", never back"
        numbers.append(f"A killed at {storm.killed_at - storm.started_at:.1f} s ({storm.acknowledged_at_kill} "
                       f"acknowledged){back}")
    numbers += [
        f"{death_errors} 5xx while A was down, {len(transport_failures)} transport failures"
        f"{f' {dict(transport_by_phase)}' if transport_failures else ''}, {storm.retried_requests} retries, "
        f"{len(storm.given_up)} given up",
        f"{len(storm.exports)} mid-storm exports"
        + (f"; final export {storm.final.on_time} on time + {storm.final.late} late" if storm.final else ""),
    ]
    outcome.numbers[:0] = numbers
    outcome.notes.append("responses by instance and phase: " + ", ".join(
        f"{name} {count}" for name, count in sorted(by_upstream.items())))


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", default=str(REPOSITORY / ".build/release/labelpark"), help="the labelpark executable")
    parser.add_argument("--database-url", default=os.environ.get("LABELPARK_TEST_DATABASE_URL"),
                        help="a loopback PostgreSQL database (default: $LABELPARK_TEST_DATABASE_URL); the test "
                             "works in a fresh schema of its own and drops it at the end")
    parser.add_argument("--clients", type=int, default=40, help="annotator threads, one annotator each")
    parser.add_argument("--tasks", type=int, default=1500)
    parser.add_argument("--overlap", type=int, default=3)
    parser.add_argument("--seed", type=int, default=None, help="default: random, printed so a run can be repeated")
    parser.add_argument("--duration-limit", type=float, default=90.0,
                        help="seconds the storm may take to submit every slot before the test fails")
    parser.add_argument("--keep", action="store_true", help="keep the schema, logs and nginx configuration")
    args = parser.parse_args()
    if not (os.path.isfile(args.binary) and os.access(args.binary, os.X_OK)):
        parser.error(f"--binary {args.binary} is not an executable file")
    args.binary = os.path.abspath(args.binary)
    if not args.database_url:
        parser.error("--database-url (or LABELPARK_TEST_DATABASE_URL) is required")
    parts = urllib.parse.urlsplit(args.database_url)
    if parts.scheme not in ("postgres", "postgresql") or parts.hostname not in ("127.0.0.1", "localhost", "::1"):
        parser.error("--database-url must be postgres:// on loopback: the test creates and drops a schema there")
    if args.clients < 1 or args.tasks < 1 or args.duration_limit <= 0:
        parser.error("--clients, --tasks and --duration-limit must be positive")
    if not 1 <= args.overlap <= args.clients:
        parser.error("--overlap must be between 1 and --clients: each slot of a task needs another annotator")
    if args.seed is None:
        args.seed = random.SystemRandom().randrange(1 << 31)
    return args


def main() -> int:
    args = parse_arguments()
    # A CI timeout sends SIGTERM: unwind through `finally` so no server, nginx or schema outlives the test.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    print(f"multi-instance test: binary={args.binary} clients={args.clients} tasks={args.tasks} "
          f"overlap={args.overlap} seed={args.seed}", flush=True)
    outcome = run(args)
    for number in outcome.numbers:
        print(f"  {number}", flush=True)
    for note in outcome.notes:
        print(f"  note: {note}", flush=True)
    for violation in outcome.violations[:30]:
        print(f"  violation: {violation}", flush=True)
    if len(outcome.violations) > 30:
        print(f"  … and {len(outcome.violations) - 30} more", flush=True)
    headline = "; ".join(outcome.numbers[:3])
    if outcome.violations:
        print(f"multi-instance: FAIL {len(outcome.violations)} violations (seed {args.seed}); {headline}", flush=True)
        return 1
    print(f"multi-instance: PASS (seed {args.seed}) {headline}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
