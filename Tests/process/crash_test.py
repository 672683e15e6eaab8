#!/usr/bin/env python3
"""Crash test for DESIGN.md §3 invariant 3: a 2xx on a submission means it is durable, and retries
with the same idempotency key store one row.

Each round: a fresh park with one manager and ten annotators; fifty client threads claim and submit
as fast as they can; after a seeded random delay the server gets SIGKILL. It restarts on the same data
directory, every client retries the submission it had in flight with the same idempotency key, and the
export must hold every acknowledged annotation exactly once and nothing unaccounted for. Then SIGTERM
must drain and exit 0, and SQLite's integrity check must say `ok`.

Annotators see tasks by their own handles (docs/API.md, "Task handles"), which only the server can turn into
real ids; the export shows real ids. Every task's text is unique, so the text a claim returned names the real
task in the export, and each annotator's handles must map to real tasks consistently and one to one.

    python3 Tests/process/crash_test.py --binary .build/debug/labelpark [--rounds 5] [--clients 50] [--seed N] [--keep]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lp_client import (  # noqa: E402
    ParkClient,
    TransportFailure,
    UnexpectedStatus,
    free_local_port,
    is_task_handle,
)
from lp_server import Account, Deadline, ProcessFailure, ServerProcess, create_account  # noqa: E402

ROUND_BUDGET_SECONDS = 60.0
ANNOTATOR_COUNT = 10
PASSWORD = "crash-test-password"
ORGANIZATION = "Client"
# Enough that fifty Python clients never empty the queue before the kill, even against a release build.
DEFAULT_TASK_COUNT = 20_000
# The kill comes this long after the first acknowledgements, drawn from the round's seeded generator.
KILL_DELAY_RANGE_SECONDS = (0.5, 3.0)
ACKNOWLEDGEMENTS_BEFORE_KILL_CLOCK = 20
GRACEFUL_EXIT_SECONDS = 10.0
RETRY_ATTEMPTS = 3
SCHEMA = {
    "fields": [{"name": "text", "type": "text"}],
    "questions": [{"name": "label", "type": "choice", "options": ["a", "b"]}],
}


class RoundFailure(ProcessFailure):
    """The round could not go on (setup failed, time ran out, the server misbehaved)."""


@dataclass(frozen=True)
class Submission:
    """One submission a client sent, identified by its idempotency key."""

    task_handle: int  # the task's id as the annotator saw it: their handle, never the real id
    task_text: str  # the claimed task's `data.text`, unique per task: names the real task in the export
    idempotency_key: str
    lease_token: str
    label: str
    annotator_id: int


@dataclass(frozen=True)
class Acknowledgement:
    """A submission the server answered 2xx: the contract says its row is durable."""

    submission: Submission
    annotation_id: int


@dataclass(frozen=True)
class RetryOutcome:
    """The answer to retrying an unknown-outcome submission after the restart."""

    submission: Submission
    status: int
    annotation_id: int | None
    replayed: bool


class RoundState:
    """What the client threads share with the round's conductor."""

    def __init__(self, base_url: str, project_id: int, round_number: int):
        self.base_url = base_url
        self.project_id = project_id
        self.round_number = round_number
        self.killed = threading.Event()
        self.restarted = threading.Event()
        self.abort = threading.Event()
        self.lock = threading.Lock()
        self.acknowledgements: list[Acknowledgement] = []
        self.unknown: list[Submission] = []
        self.unknown_before_kill = 0
        self.retries: list[RetryOutcome] = []
        self.violations: list[str] = []
        self.notes: list[str] = []

    def acknowledged_count(self) -> int:
        with self.lock:
            return len(self.acknowledgements)

    def violation(self, message: str) -> None:
        with self.lock:
            self.violations.append(message)


class SubmittingClient(threading.Thread):
    """Claims and submits until its connection fails, then retries its in-flight submission after the restart."""

    def __init__(self, index: int, account: Account, state: RoundState, seed: int, deadline: Deadline):
        super().__init__(name=f"client-{index}", daemon=True)
        self.index = index
        self.account = account
        self.state = state
        self.random = random.Random(seed)
        self.deadline = deadline

    def run(self) -> None:
        try:
            in_flight = self.work_until_connection_fails()
            if in_flight is not None:
                self.retry_after_restart(in_flight)
        except Exception as error:  # a thread must report, never die silently
            self.state.violation(f"client {self.index}: {type(error).__name__}: {error}")

    def work_until_connection_fails(self) -> Submission | None:
        """Returns the submission whose outcome is unknown, if the failure hit one."""
        state = self.state
        client = ParkClient(state.base_url, self.account.token)
        sequence = 0
        try:
            while not state.abort.is_set():
                try:
                    claim = client.request("POST", f"/api/v1/projects/{state.project_id}/next", expect=(200, 204))
                except TransportFailure:
                    return None  # an unanswered claim leaves at most a lease, never an annotation
                if claim.status == 204:
                    with state.lock:
                        state.notes.append(f"client {self.index} ran out of tasks")
                    return None
                body = claim.json()
                task_handle = body["task"]["id"]
                if not is_task_handle(task_handle):
                    state.violation(f"client {self.index}: claim answered task id {task_handle}, not a task handle "
                                    f"(annotators must never see real ids)")
                    return None
                sequence += 1
                submission = Submission(
                    task_handle=task_handle,
                    task_text=body["task"]["data"]["text"],
                    idempotency_key=f"crash-r{state.round_number}-c{self.index}-{sequence}",
                    lease_token=body["lease"]["token"],
                    label=self.random.choice(("a", "b")),
                    annotator_id=self.account.user_id,
                )
                try:
                    response = submit(client, submission)
                except TransportFailure:
                    with state.lock:
                        state.unknown.append(submission)
                        if not state.killed.is_set():
                            state.unknown_before_kill += 1
                    return submission
                if not 200 <= response.status < 300:
                    state.violation(
                        f"client {self.index}: submission {submission.idempotency_key} answered "
                        f"{response.status} before the kill: {response.text()[:200]}")
                    return None
                if response.status != 201:
                    state.violation(f"client {self.index}: submission answered {response.status}, the contract says 201")
                annotation = response.json()
                if annotation.get("task_id") != submission.task_handle or annotation.get("annotator_id") != submission.annotator_id:
                    state.violation(f"client {self.index}: 201 for {submission.idempotency_key} names the wrong task or annotator: {annotation}")
                with state.lock:
                    state.acknowledgements.append(Acknowledgement(submission, annotation["id"]))
        except UnexpectedStatus as error:
            state.violation(f"client {self.index}: {error}")
        finally:
            client.close()
        return None

    def retry_after_restart(self, submission: Submission) -> None:
        state = self.state
        while not state.restarted.wait(timeout=0.2):
            if state.abort.is_set() or self.deadline.remaining() <= 0:
                return
        if state.abort.is_set():
            return
        client = ParkClient(state.base_url, self.account.token)
        try:
            for attempt in range(1, RETRY_ATTEMPTS + 1):
                try:
                    response = submit(client, submission)
                    break
                except TransportFailure as error:
                    if attempt == RETRY_ATTEMPTS:
                        state.violation(f"client {self.index}: retry of {submission.idempotency_key} after the restart failed: {error}")
                        return
                    time.sleep(0.2)
        finally:
            client.close()
        if response.status == 201:
            annotation = response.json()
            if annotation.get("task_id") != submission.task_handle or annotation.get("annotator_id") != submission.annotator_id:
                state.violation(f"client {self.index}: retry of {submission.idempotency_key} answered for task "
                                f"{annotation.get('task_id')} by {annotation.get('annotator_id')}, not "
                                f"{submission.task_handle} by {submission.annotator_id}")
            outcome = RetryOutcome(submission, 201, annotation["id"], response.header("Idempotent-Replayed") == "true")
        elif response.status in (404, 409):
            outcome = RetryOutcome(submission, response.status, None, False)
        else:
            state.violation(
                f"client {self.index}: retry of {submission.idempotency_key} answered {response.status} "
                f"(expected 201, or 404/409 when the lease is gone): {response.text()[:200]}")
            return
        with state.lock:
            state.retries.append(outcome)


def submit(client: ParkClient, submission: Submission):
    # The annotator names the task by the handle the claim gave them; the server resolves it for them alone.
    return client.post_json(
        f"/api/v1/tasks/{submission.task_handle}/annotations",
        {"lease_token": submission.lease_token, "result": {"label": submission.label},
         "idempotency_key": submission.idempotency_key})


def new_account(binary: str, data_dir: Path, email: str, role: str, deadline: Deadline) -> Account:
    """Creates a user in the client organization and a token for them."""
    return create_account(binary, email, role, deadline, password=PASSWORD, organization=ORGANIZATION,
                          data_dir=data_dir, org_kind="client")


@dataclass
class RoundReport:
    number: int
    violations: list[str] = field(default_factory=list)
    summary: str = ""
    elapsed: float = 0.0
    kill_at: float | None = None
    kill_delay: float | None = None
    acknowledged_at_kill: int | None = None
    exported_annotations: int | None = None


def summarise(report: RoundReport, state: "RoundState") -> str:
    """The round's numbers, as far as it got."""
    retried_ok = [r for r in state.retries if r.status == 201]
    parts = [
        f"acknowledged={len(state.acknowledgements)}",
        f"unknown={len(state.unknown)} (before kill {state.unknown_before_kill})",
        f"retried={len(state.retries)} (ok {len(retried_ok)}, replayed {sum(r.replayed for r in retried_ok)}, "
        f"lease gone {len(state.retries) - len(retried_ok)})",
    ]
    if report.kill_at is not None:
        parts.append(f"kill at {report.kill_at:.2f} s of load (delay {report.kill_delay:.2f} s, "
                     f"{report.acknowledged_at_kill} acknowledged by then)")
    if report.exported_annotations is not None:
        parts.append(f"exported annotations={report.exported_annotations}")
    if state.notes:
        parts.append(f"notes: {'; '.join(sorted(set(state.notes))[:3])}")
    return " ".join(parts)


def run_round(number: int, args: argparse.Namespace, seed: int) -> RoundReport:
    report = RoundReport(number)
    started = time.monotonic()
    deadline = Deadline(ROUND_BUDGET_SECONDS, "the round")
    rng = random.Random(seed)
    work_dir = Path(tempfile.mkdtemp(prefix=f"labelpark-crash-{number}-"))
    data_dir = work_dir / "data"
    servers: list[ServerProcess] = []
    state: RoundState | None = None
    try:
        manager = new_account(args.binary, data_dir, "manager@crash.test", "manager", deadline)
        annotators = [new_account(args.binary, data_dir, f"annotator{i}@crash.test", "annotator", deadline)
                      for i in range(ANNOTATOR_COUNT)]

        port = free_local_port()
        first = ServerProcess(args.binary, data_dir=data_dir, port=port, log_path=work_dir / "server-1.log")
        servers.append(first)
        first.start(deadline.cap(20.0))

        admin = ParkClient(first.base_url, manager.token)
        project = admin.post_json("/api/v1/projects", {"name": f"crash round {number}", "schema": SCHEMA, "overlap": 1,
                                                        "lease_seconds": 30}, expect=(201,)).json()
        project_id = project["id"]
        lines = "".join(f'{{"text":"crash task {i}"}}\n' for i in range(args.tasks)).encode()
        imported = admin.request("POST", f"/api/v1/projects/{project_id}/tasks", lines, "application/x-ndjson",
                                 expect=(201,)).json()
        admin.close()
        if imported.get("created") != args.tasks:
            raise RoundFailure(f"imported {imported.get('created')} tasks, expected {args.tasks}: {imported}")

        state = RoundState(first.base_url, project_id, number)
        clients = [SubmittingClient(i, annotators[i % ANNOTATOR_COUNT], state, rng.randrange(1 << 30), deadline)
                   for i in range(args.clients)]
        load_started = time.monotonic()
        for client in clients:
            client.start()

        while state.acknowledged_count() < ACKNOWLEDGEMENTS_BEFORE_KILL_CLOCK:
            if not first.is_alive():
                raise RoundFailure(f"the server exited on its own (code {first.process.returncode}) before the kill\n{first.log_tail()}")
            if time.monotonic() - load_started > 20.0 or not any(c.is_alive() for c in clients):
                raise RoundFailure(f"only {state.acknowledged_count()} acknowledgements after "
                                   f"{time.monotonic() - load_started:.1f} s of load; {state.violations[:3]}")
            deadline.check()
            time.sleep(0.01)
        kill_delay = rng.uniform(*KILL_DELAY_RANGE_SECONDS)
        time.sleep(deadline.cap(kill_delay))
        if not first.is_alive():
            raise RoundFailure(f"the server exited on its own (code {first.process.returncode}) before the kill\n{first.log_tail()}")
        state.killed.set()
        first.kill()
        report.kill_at = time.monotonic() - load_started
        report.kill_delay = kill_delay
        report.acknowledged_at_kill = state.acknowledged_count()

        second = ServerProcess(args.binary, data_dir=data_dir, port=port, log_path=work_dir / "server-2.log")
        servers.append(second)
        second.start(deadline.cap(20.0))
        state.restarted.set()
        for client in clients:
            client.join(timeout=max(0.0, deadline.remaining()))
        if any(client.is_alive() for client in clients):
            raise RoundFailure("client threads were still running at the end of the round's budget")

        admin = ParkClient(second.base_url, manager.token)
        exported = admin.get(f"/api/v1/projects/{project_id}/export?format=jsonl", expect=(200,)).json_lines()
        admin.close()
        report.violations += check_export(exported, state, args.tasks)

        exit_code = second.terminate(deadline.cap(GRACEFUL_EXIT_SECONDS))
        if exit_code is None:
            report.violations.append(f"SIGTERM: the server did not exit within {GRACEFUL_EXIT_SECONDS:.0f} s\n{second.log_tail()}")
        elif exit_code != 0:
            report.violations.append(f"SIGTERM: the server exited {exit_code}, expected 0\n{second.log_tail()}")

        database = data_dir / "labelpark.sqlite"
        verdict = integrity_check(database, deadline)
        if verdict != "ok":
            report.violations.append(f"PRAGMA integrity_check said {verdict!r}, expected 'ok'")
        report.violations += check_idempotency_rows(database, state)

        report.exported_annotations = sum(len(task["annotations"]) for task in exported)
    except (ProcessFailure, UnexpectedStatus, TransportFailure) as error:
        report.violations.append(str(error))
    except Exception as error:  # a malformed answer must fail the round, not end the run
        report.violations.append(f"{type(error).__name__}: {error}")
    finally:
        if state is not None:
            state.abort.set()
            state.restarted.set()
        for server in servers:
            server.kill()
        if args.keep:
            print(f"  kept {work_dir}")
        else:
            shutil.rmtree(work_dir, ignore_errors=True)
    if state is not None:
        with state.lock:
            report.violations[:0] = state.violations
            report.summary = summarise(report, state)
    report.elapsed = time.monotonic() - started
    if report.elapsed > ROUND_BUDGET_SECONDS:
        report.violations.append(f"the round took {report.elapsed:.1f} s, more than {ROUND_BUDGET_SECONDS:.0f} s")
    return report


def check_export(exported: list[dict], state: RoundState, task_count: int) -> list[str]:
    """Every acknowledged annotation exactly once, by its annotator, on the task they claimed; no duplicate per key
    or per (task, annotator); each annotator's handles name real tasks one to one; nothing unaccounted."""
    problems: list[str] = []
    if len(exported) != task_count:
        problems.append(f"the export holds {len(exported)} tasks, expected {task_count}")

    # Handles cannot be turned into real ids by a client, but every imported text is unique: the text a claim
    # returned names the real task the annotator was given.
    task_by_text: dict[str, int] = {}
    for task in exported:
        text = (task.get("data") or {}).get("text")
        if text in task_by_text:
            problems.append(f"tasks {task_by_text[text]} and {task['id']} both hold the text {text!r}, imported once")
        task_by_text[text] = task["id"]

    found: dict[int, list[tuple[int, dict]]] = defaultdict(list)  # annotation id -> [(real task id, annotation)]
    per_task_annotator: Counter = Counter()
    per_task: Counter = Counter()
    for task in exported:
        for annotation in task["annotations"]:
            found[annotation["id"]].append((task["id"], annotation))
            per_task_annotator[(task["id"], annotation["annotator_id"])] += 1
            per_task[task["id"]] += 1

    for annotation_id, places in found.items():
        if len(places) > 1:
            problems.append(f"annotation {annotation_id} appears {len(places)} times in the export")
    for (task_id, annotator_id), count in per_task_annotator.items():
        if count > 1:
            problems.append(f"task {task_id} has {count} annotations from annotator {annotator_id}")
    for task_id, count in per_task.items():
        if count > 1:
            problems.append(f"task {task_id} has {count} annotations, more than its overlap of 1")

    # What each annotator's handles turned out to name: the claimed task (by its text) and the task the
    # acknowledged row is on. One real task per handle and one handle per real task, per annotator.
    handle_tasks: dict[tuple[int, int], set[int]] = defaultdict(set)  # (annotator, handle) -> real task ids
    task_handles: dict[tuple[int, int], set[int]] = defaultdict(set)  # (annotator, real task id) -> handles

    def note_handle(submission: Submission, task_id: int) -> None:
        handle_tasks[(submission.annotator_id, submission.task_handle)].add(task_id)
        task_handles[(submission.annotator_id, task_id)].add(submission.task_handle)

    def claimed_task(submission: Submission, what: str) -> int | None:
        task_id = task_by_text.get(submission.task_text)
        if task_id is None:
            problems.append(f"{what} submission {submission.idempotency_key} (handle {submission.task_handle}) was "
                            f"for a task with text {submission.task_text!r}, which the export lacks")
        else:
            note_handle(submission, task_id)
        return task_id

    def expect_row(annotation_id: int, submission: Submission, what: str) -> None:
        claimed = claimed_task(submission, what)
        places = found.get(annotation_id, [])
        if len(places) != 1:
            problems.append(f"{what} annotation {annotation_id} (key {submission.idempotency_key}, task "
                            f"{claimed} as handle {submission.task_handle}) appears {len(places)} times in the "
                            f"export, expected once")
            return
        task_id, annotation = places[0]
        note_handle(submission, task_id)
        if task_id != claimed or annotation["annotator_id"] != submission.annotator_id:
            problems.append(f"{what} annotation {annotation_id} is on task {task_id} by {annotation['annotator_id']}, "
                            f"expected task {claimed} (handle {submission.task_handle}, text "
                            f"{submission.task_text!r}) by {submission.annotator_id}")
        if annotation.get("result") != {"label": submission.label}:
            problems.append(f"{what} annotation {annotation_id} holds {annotation.get('result')}, expected label {submission.label}")

    acknowledged_ids: Counter = Counter(ack.annotation_id for ack in state.acknowledgements)
    for annotation_id, count in acknowledged_ids.items():
        if count > 1:
            problems.append(f"annotation id {annotation_id} was acknowledged for {count} different submissions")
    for ack in state.acknowledgements:
        expect_row(ack.annotation_id, ack.submission, "acknowledged")

    retried_ok = [r for r in state.retries if r.status == 201]
    for retry in retried_ok:
        if retry.annotation_id in acknowledged_ids:
            problems.append(f"the retry of {retry.submission.idempotency_key} answered annotation {retry.annotation_id}, "
                            f"which another submission was acknowledged with")
        expect_row(retry.annotation_id, retry.submission, "retried")

    # A retry answered 404/409 only promises no duplicate; its row, if any, is the one unnamed annotation allowed.
    gone_slots = set()
    for retry in state.retries:
        if retry.status != 201:
            task_id = claimed_task(retry.submission, "retried (lease gone)")
            if task_id is not None:
                gone_slots.add((task_id, retry.submission.annotator_id))

    for (annotator_id, handle), tasks in sorted(handle_tasks.items()):
        if len(tasks) > 1:
            problems.append(f"annotator {annotator_id}'s handle {handle} names {len(tasks)} real tasks: {sorted(tasks)[:5]}")
    for (annotator_id, task_id), handles in sorted(task_handles.items()):
        if len(handles) > 1:
            problems.append(f"task {task_id} reached annotator {annotator_id} under {len(handles)} handles: "
                            f"{sorted(handles)[:5]}")

    known_ids = set(acknowledged_ids) | {r.annotation_id for r in retried_ok}
    unaccounted = [
        (annotation_id, task_id)
        for annotation_id, places in found.items()
        for task_id, annotation in places
        if annotation_id not in known_ids and (task_id, annotation["annotator_id"]) not in gone_slots
    ]
    if unaccounted:
        problems.append(f"{len(unaccounted)} exported annotations match no acknowledged or retried submission, "
                        f"e.g. (annotation, task) {unaccounted[:5]}")

    expected_total = len(acknowledged_ids) + len({r.annotation_id for r in retried_ok})
    total = sum(per_task.values())
    allowed_unnamed = sum(1 for slot in gone_slots if per_task_annotator.get(slot, 0) == 1)
    if total != expected_total + allowed_unnamed:
        problems.append(f"the export holds {total} annotations, expected {expected_total} "
                        f"(acknowledged + retried ok) + {allowed_unnamed} (retries answered 404/409)")
    return problems


def check_idempotency_rows(database: Path, state: RoundState) -> list[str]:
    """Reads the stopped server's database: one row per idempotency key, and it is the acknowledged one."""
    problems: list[str] = []
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=5)
    try:
        rows = connection.execute(
            "SELECT id, annotator_id, idempotency_key FROM annotation WHERE idempotency_key IS NOT NULL").fetchall()
    finally:
        connection.close()
    by_key: dict[tuple[int, str], list[int]] = defaultdict(list)
    for annotation_id, annotator_id, key in rows:
        by_key[(annotator_id, key)].append(annotation_id)
    for (annotator_id, key), ids in by_key.items():
        if len(ids) > 1:
            problems.append(f"idempotency key {key} of annotator {annotator_id} stored {len(ids)} rows: {ids}")
    answered = [(a.submission, a.annotation_id) for a in state.acknowledgements]
    answered += [(r.submission, r.annotation_id) for r in state.retries if r.status == 201]
    for submission, annotation_id in answered:
        ids = by_key.get((submission.annotator_id, submission.idempotency_key), [])
        if ids != [annotation_id]:
            problems.append(f"idempotency key {submission.idempotency_key} holds rows {ids} in the database, "
                            f"expected [{annotation_id}]")
    return problems


def integrity_check(database: Path, deadline: Deadline) -> str:
    if shutil.which("sqlite3"):
        try:
            finished = subprocess.run(["sqlite3", str(database), "PRAGMA integrity_check"],
                                      capture_output=True, text=True, timeout=deadline.cap(30.0))
        except subprocess.TimeoutExpired:
            return "sqlite3 timed out"
        return (finished.stdout.strip() or finished.stderr.strip())
    connection = sqlite3.connect(str(database), timeout=5)
    try:
        return "; ".join(row[0] for row in connection.execute("PRAGMA integrity_check"))
    finally:
        connection.close()


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", required=True, help="the labelpark executable")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seed", type=int, default=None, help="default: random, printed so a run can be repeated")
    parser.add_argument("--tasks", type=int, default=DEFAULT_TASK_COUNT, help="tasks imported per round")
    parser.add_argument("--keep", action="store_true", help="keep each round's data directory and server logs")
    args = parser.parse_args()
    if not (os.path.isfile(args.binary) and os.access(args.binary, os.X_OK)):
        parser.error(f"--binary {args.binary} is not an executable file")
    args.binary = os.path.abspath(args.binary)
    if args.rounds < 1 or args.clients < 1 or args.tasks < 1:
        parser.error("--rounds, --clients and --tasks must be positive")
    if args.seed is None:
        args.seed = random.SystemRandom().randrange(1 << 31)
    return args


def main() -> int:
    args = parse_arguments()
    # A CI timeout sends SIGTERM: unwind through the rounds' `finally` so no server outlives the test.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    print(f"crash test: binary={args.binary} rounds={args.rounds} clients={args.clients} "
          f"tasks={args.tasks} seed={args.seed}", flush=True)
    passed = failed = 0
    for number in range(1, args.rounds + 1):
        report = run_round(number, args, seed=args.seed * 1000 + number)
        if report.violations:
            failed += 1
            print(f"round {number}: FAILED after {report.elapsed:.1f} s: {report.summary}", flush=True)
            for violation in report.violations[:20]:
                print(f"  violation: {violation}", flush=True)
            if len(report.violations) > 20:
                print(f"  … and {len(report.violations) - 20} more", flush=True)
        else:
            passed += 1
            print(f"round {number}: passed in {report.elapsed:.1f} s: {report.summary}", flush=True)
    print(f"crash: {passed} passed, {failed} failed", flush=True)
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
