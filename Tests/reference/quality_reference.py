#!/usr/bin/env python3
"""Reference check for the quality engine (issue #5): LabelPark's numbers against reference implementations.

A release server is started on a fresh data directory. A seeded simulation imports tasks with a hidden true
class (about 10% of them gold), and eight annotators of known confusion matrices (three good, three medium,
two spammers) claim and answer them through the API until every one of the project's overlap-3 slots is
filled. Then `GET /api/v1/projects/{id}/quality` is compared with computations on the same data, rebuilt from
the jsonl export:

- Krippendorff's alpha (nominal) with the `krippendorff` package, Fleiss' kappa with statsmodels and by hand,
  the mean pairwise Cohen's kappa with scikit-learn, consensus agreement, gold accuracy and majority vote by
  hand, majority vote with crowd-kit, and LabelPark's smoothed Dawid-Skene written out again in numpy: equal
  to 1e-9 (the Dawid-Skene posteriors and annotator accuracies to 1e-6, being an iterative fit).
- Dawid-Skene against the simulated truth: LabelPark's labels must be at least as accurate as crowd-kit's
  `DawidSkene(n_iter=100)` less 0.01, and more accurate than majority vote.
- Gold never leaks: no `gold` key and no gold answer object in `POST /next`, `GET /api/v1/tasks/{id}` (as
  the annotator and as the manager) or the export (jsonl and csv), outside the annotators' own results.

    python3 -m pip install --break-system-packages -r Tests/reference/requirements.txt
    python3 Tests/reference/quality_reference.py --binary .build/release/labelpark [--seed N] [--tasks 300] [--keep]

The last line is `quality-reference: PASS …` or `quality-reference: FAIL …`; the exit status is 1 on FAIL.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import warnings
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "process"))
from lp_client import ParkClient, UnexpectedStatus, free_local_port, wait_until_healthy  # noqa: E402

import krippendorff  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from crowdkit.aggregation import DawidSkene as CrowdKitDawidSkene  # noqa: E402
from crowdkit.aggregation import MajorityVote as CrowdKitMajorityVote  # noqa: E402
from sklearn.metrics import cohen_kappa_score  # noqa: E402
from statsmodels.stats.inter_rater import fleiss_kappa as statsmodels_fleiss_kappa  # noqa: E402

DEFAULT_SEED = 20261126
DEFAULT_TASK_COUNT = 300
GOLD_SHARE = 0.10
OVERLAP = 3
QUESTION = "label"
# Schema order on purpose differs from alphabetical order, so a tie rule that sorts names would show.
OPTIONS = ["neutral", "positive", "negative", "mixed"]
CLASS_PRIORS = [0.45, 0.30, 0.15, 0.10]
EXACT_TOLERANCE = 1e-9
ITERATIVE_TOLERANCE = 1e-6
DAWID_SKENE_MARGIN = 0.01
TIME_BUDGET_SECONDS = 90.0
PASSWORD = "reference-check-password"
ORGANIZATION = "Ref Client"


# ---------------------------------------------------------------------------------------------- simulation


@dataclass(frozen=True)
class AnnotatorProfile:
    """A simulated annotator: a skill tier and a confusion matrix, rows the true class, columns the answer."""

    tier: str
    confusion: tuple[tuple[float, ...], ...]

    def answer(self, truth: int, rng: random.Random) -> int:
        return rng.choices(range(len(OPTIONS)), weights=self.confusion[truth])[0]


def confusion_with_diagonal(diagonal: float, rng: random.Random) -> tuple[tuple[float, ...], ...]:
    """A K × K confusion matrix with about `diagonal` on the diagonal and the rest spread unevenly per row."""
    rows = []
    for truth in range(len(OPTIONS)):
        own = min(0.99, max(0.01, diagonal + rng.uniform(-0.03, 0.03)))
        weights = [rng.uniform(0.2, 1.0) if answer != truth else 0.0 for answer in range(len(OPTIONS))]
        total = sum(weights)
        rows.append(tuple(own if answer == truth else (1 - own) * weights[answer] / total
                          for answer in range(len(OPTIONS))))
    return tuple(rows)


def simulated_annotators(rng: random.Random) -> list[AnnotatorProfile]:
    """Three good (≈0.9), three medium (≈0.65), a uniform spammer and one who mostly answers the first option."""
    profiles = [AnnotatorProfile("good", confusion_with_diagonal(0.9, rng)) for _ in range(3)]
    profiles += [AnnotatorProfile("medium", confusion_with_diagonal(0.65, rng)) for _ in range(3)]
    uniform = tuple(tuple(1 / len(OPTIONS) for _ in OPTIONS) for _ in OPTIONS)
    profiles.append(AnnotatorProfile("spammer (uniform)", uniform))
    biased_row = tuple(0.7 if answer == 0 else 0.1 for answer in range(len(OPTIONS)))
    profiles.append(AnnotatorProfile("spammer (answers 'neutral')", tuple(biased_row for _ in OPTIONS)))
    return profiles


@dataclass
class Simulation:
    """The simulated truth: each item's true class code, and which items are gold."""

    truth: dict[int, int]
    gold_items: set[int]
    profiles: list[AnnotatorProfile]


def simulate_truth(seed: int, task_count: int) -> Simulation:
    rng = random.Random(seed)
    truth = {item: rng.choices(range(len(OPTIONS)), weights=CLASS_PRIORS)[0] for item in range(task_count)}
    gold_items = set(rng.sample(range(task_count), max(1, round(task_count * GOLD_SHARE))))
    return Simulation(truth=truth, gold_items=gold_items, profiles=simulated_annotators(rng))


def import_lines(simulation: Simulation) -> bytes:
    lines = []
    for item, truth in simulation.truth.items():
        data = {"text": f"item {item}", "item": item}
        if item in simulation.gold_items:
            lines.append(json.dumps({"data": data, "gold": {QUESTION: OPTIONS[truth]}}))
        else:
            lines.append(json.dumps(data))
    return ("\n".join(lines) + "\n").encode()


# ----------------------------------------------------------------------------------------------- the park


class CheckFailure(Exception):
    """The check could not go on: setup failed, the server misbehaved, or time ran out."""


class Deadline:
    def __init__(self, seconds: float):
        self.ends_at = time.monotonic() + seconds
        self.seconds = seconds

    def remaining(self) -> float:
        left = self.ends_at - time.monotonic()
        if left <= 0:
            raise CheckFailure(f"the check exceeded its {self.seconds:.0f} s budget")
        return left


class Server:
    """One `labelpark serve` process on a fresh data directory; its output goes to a log file."""

    def __init__(self, binary: str, data_dir: Path, log_path: Path):
        self.binary = binary
        self.data_dir = data_dir
        self.log_path = log_path
        self.port = free_local_port()
        self.process: subprocess.Popen | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, deadline: Deadline) -> None:
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [self.binary, "serve", "--data-dir", str(self.data_dir), "--host", "127.0.0.1",
                 "--port", str(self.port), "--bcrypt-cost", "4"],
                stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        try:
            wait_until_healthy(self.base_url, min(20.0, deadline.remaining()), is_alive=self.is_alive)
        except (TimeoutError, RuntimeError) as error:
            raise CheckFailure(f"the server did not start: {error}\n{self.log_tail()}") from error

    def is_alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def log_tail(self, lines: int = 15) -> str:
        try:
            text = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return "    (no server log)"
        return "\n".join(f"    | {line}" for line in text[-lines:])


@dataclass
class Account:
    email: str
    user_id: int
    token: str


def run_cli(binary: str, arguments: list[str], deadline: Deadline) -> str:
    try:
        finished = subprocess.run([binary, *arguments], capture_output=True, text=True,
                                  timeout=min(30.0, deadline.remaining()))
    except subprocess.TimeoutExpired as error:
        raise CheckFailure(f"`labelpark {' '.join(arguments[:2])}` timed out") from error
    if finished.returncode != 0:
        raise CheckFailure(f"`labelpark {' '.join(arguments)}` exited {finished.returncode}: {finished.stderr.strip()}")
    return finished.stdout


def create_account(binary: str, data_dir: Path, email: str, role: str, deadline: Deadline) -> Account:
    output = run_cli(binary, ["user", "create", "--data-dir", str(data_dir), "--email", email, "--password", PASSWORD,
                              "--role", role, "--org", ORGANIZATION, "--bcrypt-cost", "4"], deadline)
    match = re.search(r"created user (\d+)", output)
    if not match:
        raise CheckFailure(f"cannot read the user id from `user create`: {output!r}")
    token = run_cli(binary, ["token", "create", "--data-dir", str(data_dir), "--email", email], deadline).strip()
    if not token:
        raise CheckFailure(f"`token create` printed no token for {email}")
    return Account(email=email, user_id=int(match.group(1)), token=token)


# ------------------------------------------------------------------------------------------- gold leaks


def gold_leaks(body, gold_answers: list[dict], where: str, results_allowed: bool) -> list[str]:
    """Problems if `body` (parsed JSON) holds a `gold` key anywhere, or a gold answer object outside an
    annotation's `result` (where the same object is simply an annotator's answer)."""
    problems: list[str] = []

    def visit(value, path: str) -> None:
        if isinstance(value, dict):
            if value in gold_answers and not (results_allowed and path.endswith(".result")):
                problems.append(f"{where}: the gold answer {json.dumps(value)} appears at {path}")
            for key, child in value.items():
                if key.lower() == "gold":
                    problems.append(f"{where}: a `{key}` key at {path}")
                visit(child, f"{path}.{key}")
        elif isinstance(value, list):
            for index, child in enumerate(value):
                visit(child, f"{path}[{index}]")

    visit(body, "$")
    return problems


# ------------------------------------------------------------------------------------ running the crowd


@dataclass
class CrowdRun:
    project_id: int
    manager: Account
    annotators: list[Account]
    profile_of: dict[int, AnnotatorProfile]
    # task id → the hidden item number in its data
    item_of_task: dict[int, int] = field(default_factory=dict)
    submitted: int = 0
    claims: int = 0
    leak_problems: list[str] = field(default_factory=list)
    # gold task id → the annotators who answered it
    gold_answerers: dict[int, list[Account]] = field(default_factory=lambda: defaultdict(list))


def run_crowd(server: Server, binary: str, simulation: Simulation, seed: int, deadline: Deadline) -> CrowdRun:
    manager = create_account(binary, server.data_dir, "manager@ref.example", "manager", deadline)
    annotators = [create_account(binary, server.data_dir, f"annotator{index}@ref.example", "annotator", deadline)
                  for index in range(len(simulation.profiles))]
    admin = ParkClient(server.base_url, manager.token)
    schema = {"fields": [{"name": "text", "type": "text"}],
              "questions": [{"name": QUESTION, "type": "choice", "options": OPTIONS}]}
    project = admin.post_json("/api/v1/projects", {"name": "quality reference", "schema": schema,
                                                   "overlap": OVERLAP}, expect=(201,)).json()
    project_id = project["id"]
    imported = admin.request("POST", f"/api/v1/projects/{project_id}/tasks", import_lines(simulation),
                             "application/x-ndjson", expect=(201,)).json()
    if imported.get("created") != len(simulation.truth):
        raise CheckFailure(f"imported {imported.get('created')} tasks, expected {len(simulation.truth)}: {imported}")
    run = CrowdRun(project_id=project_id, manager=manager, annotators=annotators,
                   profile_of={account.user_id: profile for account, profile in zip(annotators, simulation.profiles)})
    gold_answers = [{QUESTION: option} for option in OPTIONS]
    answer_rng = random.Random(seed ^ 0x5EED)
    clients = [ParkClient(server.base_url, account.token) for account in annotators]
    active = list(range(len(annotators)))
    # Round-robin: each active annotator claims one task and answers it, until every claim answers 204. Open
    # slots only ever shrink here (nobody releases), so an annotator who got 204 will not get work again.
    while active:
        deadline.remaining()
        still_active = []
        for index in active:
            account, client = annotators[index], clients[index]
            claim = client.request("POST", f"/api/v1/projects/{project_id}/next", expect=(200, 204))
            run.claims += 1
            if claim.status == 204:
                continue
            still_active.append(index)
            body = claim.json()
            task_id = body["task"]["id"]
            item = body["task"]["data"]["item"]
            run.item_of_task[task_id] = item
            if item in simulation.gold_items:
                run.leak_problems += gold_leaks(body, gold_answers, f"POST /next (task {task_id}, gold)", False)
                if '"gold"' in claim.text():
                    run.leak_problems.append(f"POST /next (task {task_id}): the text `\"gold\"` in the body")
                run.gold_answerers[task_id].append(account)
            label = OPTIONS[simulation.profiles[index].answer(simulation.truth[item], answer_rng)]
            client.post_json(f"/api/v1/tasks/{task_id}/annotations",
                             {"lease_token": body["lease"]["token"], "result": {QUESTION: label},
                              "idempotency_key": f"ref-{task_id}-{account.user_id}"}, expect=(201,))
            run.submitted += 1
        active = still_active
    for client in clients:
        client.close()
    admin.close()
    return run


def check_task_routes_for_gold(server: Server, run: CrowdRun) -> None:
    """`GET /api/v1/tasks/{id}` of every gold task, as each annotator who answered it and as the manager."""
    gold_answers = [{QUESTION: option} for option in OPTIONS]
    clients = {account.user_id: ParkClient(server.base_url, account.token)
               for account in [run.manager, *run.annotators]}
    for task_id, answerers in sorted(run.gold_answerers.items()):
        for account in [run.manager, *answerers]:
            response = clients[account.user_id].get(f"/api/v1/tasks/{task_id}", expect=(200,))
            where = f"GET /api/v1/tasks/{task_id} as user {account.user_id}"
            run.leak_problems += gold_leaks(response.json(), gold_answers, where, True)
            if '"gold"' in response.text():
                run.leak_problems.append(f"{where}: the text `\"gold\"` in the body")
    for client in clients.values():
        client.close()


# ------------------------------------------------------------------------------------------ the ratings


@dataclass
class Ratings:
    """Every answer to the question, rebuilt from the export: (task id, annotator id, option code)."""

    rows: list[tuple[int, int, int]]
    task_ids: list[int]          # in the order of the export
    annotator_ids: list[int]     # in order of first appearance

    def by_task(self) -> dict[int, dict[int, int]]:
        table: dict[int, dict[int, int]] = defaultdict(dict)
        for task, annotator, code in self.rows:
            table[task][annotator] = code
        return table


def ratings_from_export(export: list[dict]) -> tuple[Ratings, list[str]]:
    problems = []
    rows = []
    task_ids = []
    annotator_ids: list[int] = []
    for task in export:
        task_ids.append(task["id"])
        seen = set()
        for annotation in task["annotations"]:
            annotator = annotation["annotator_id"]
            if annotator in seen:
                problems.append(f"export: task {task['id']} has two annotations by user {annotator}")
            seen.add(annotator)
            label = annotation["result"].get(QUESTION)
            if label not in OPTIONS:
                problems.append(f"export: task {task['id']} annotation {annotation['id']} answered {label!r}")
                continue
            if annotator not in annotator_ids:
                annotator_ids.append(annotator)
            rows.append((task["id"], annotator, OPTIONS.index(label)))
    return Ratings(rows=rows, task_ids=task_ids, annotator_ids=annotator_ids), problems


# ------------------------------------------------------------------------------ reference computations


def reference_krippendorff_alpha(ratings: Ratings) -> float:
    tasks = sorted({task for task, _, _ in ratings.rows})
    column = {task: index for index, task in enumerate(tasks)}
    row = {annotator: index for index, annotator in enumerate(ratings.annotator_ids)}
    matrix = np.full((len(row), len(column)), np.nan)
    for task, annotator, code in ratings.rows:
        matrix[row[annotator], column[task]] = code
    return float(krippendorff.alpha(reliability_data=matrix, level_of_measurement="nominal"))


def category_counts(ratings: Ratings, minimum_ratings: int = 2) -> np.ndarray:
    """Units × categories counts over the units with at least `minimum_ratings` ratings."""
    counts = [[Counter(unit.values())[code] for code in range(len(OPTIONS))]
              for unit in ratings.by_task().values() if len(unit) >= minimum_ratings]
    return np.array(counts, dtype=float).reshape(-1, len(OPTIONS))


def hand_fleiss_kappa(ratings: Ratings) -> float | None:
    """Per-unit rating counts: Pᵢ = Σ_j nᵢⱼ(nᵢⱼ−1)/(nᵢ(nᵢ−1)), P̄ the mean, pⱼ category shares, P̄ₑ = Σ pⱼ²."""
    counts = category_counts(ratings)
    if len(counts) == 0:
        return None
    per_unit = counts.sum(axis=1)
    agreement = ((counts * (counts - 1)).sum(axis=1) / (per_unit * (per_unit - 1))).mean()
    shares = counts.sum(axis=0) / counts.sum()
    chance = float((shares ** 2).sum())
    if chance == 1.0:
        return 1.0
    return float((agreement - chance) / (1 - chance))


def reference_fleiss_kappa(ratings: Ratings) -> float | None:
    """statsmodels' Fleiss' kappa when every unit has the same number of ratings (it requires that), else None."""
    counts = category_counts(ratings)
    if len(counts) == 0 or len(set(counts.sum(axis=1))) != 1:
        return None
    return float(statsmodels_fleiss_kappa(counts, method="fleiss"))


def reference_mean_pairwise_cohen(ratings: Ratings) -> tuple[float | None, int]:
    """scikit-learn's Cohen's kappa per pair of raters over their shared units (1 where undefined), averaged."""
    answers: dict[int, dict[int, int]] = defaultdict(dict)
    for task, annotator, code in ratings.rows:
        answers[annotator][task] = code
    kappas = []
    for first, second in itertools.combinations(ratings.annotator_ids, 2):
        shared = sorted(answers[first].keys() & answers[second].keys())
        if not shared:
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            kappa = cohen_kappa_score([answers[first][t] for t in shared], [answers[second][t] for t in shared],
                                      labels=list(range(len(OPTIONS))))
        kappas.append(1.0 if math.isnan(kappa) else float(kappa))
    return (sum(kappas) / len(kappas) if kappas else None), len(kappas)


def hand_consensus_agreement(ratings: Ratings) -> dict[int, float | None]:
    """Per rater: the share of their units where they match the strict majority of the other raters."""
    compared: Counter = Counter()
    matching: Counter = Counter()
    for unit in ratings.by_task().values():
        for rater, own in unit.items():
            others = Counter(code for other, code in unit.items() if other != rater)
            if not others:
                continue
            ranked = others.most_common()
            if len(ranked) > 1 and ranked[0][1] == ranked[1][1]:
                continue
            compared[rater] += 1
            matching[rater] += ranked[0][0] == own
    return {rater: (matching[rater] / compared[rater] if compared[rater] else None)
            for rater in ratings.annotator_ids}


def hand_gold_accuracy(ratings: Ratings, gold_of_task: dict[int, int]) -> dict[int, tuple[int, float | None]]:
    scored: Counter = Counter()
    right: Counter = Counter()
    for task, annotator, code in ratings.rows:
        if task in gold_of_task:
            scored[annotator] += 1
            right[annotator] += code == gold_of_task[task]
    return {annotator: (scored[annotator], right[annotator] / scored[annotator] if scored[annotator] else None)
            for annotator in ratings.annotator_ids}


def hand_majority_vote(ratings: Ratings) -> dict[int, tuple[int, float]]:
    """Per task: the most voted option code (ties to the lowest code) and its share of the votes."""
    result = {}
    for task, unit in ratings.by_task().items():
        votes = Counter(unit.values())
        best = max(votes.values())
        winner = min(code for code, count in votes.items() if count == best)
        result[task] = (winner, best / len(unit))
    return result


def crowd_kit_frame(ratings: Ratings, labels_as_names: bool) -> pd.DataFrame:
    return pd.DataFrame({
        "task": [task for task, _, _ in ratings.rows],
        "worker": [annotator for _, annotator, _ in ratings.rows],
        "label": [OPTIONS[code] if labels_as_names else code for _, _, code in ratings.rows],
    })


@dataclass
class SmoothedDawidSkene:
    labels: dict[int, int]
    confidences: dict[int, float]
    annotator_accuracy: dict[int, float]
    iterations: int


def smoothed_dawid_skene(ratings: Ratings, alpha=1.0, gamma=1.0, beta=1.0, max_iterations=100, tolerance=1e-5
                         ) -> SmoothedDawidSkene:
    """LabelPark's convention written out again: Dawid-Skene EM from majority-vote shares, MAP M-step with α on
    every confusion cell, α + γ on the diagonal and β on the class priors, stopping once the objective per
    annotation (log-likelihood plus Σ pseudo-count · log probability) gains less than `tolerance`."""
    k = len(OPTIONS)
    tasks = sorted({task for task, _, _ in ratings.rows})
    task_code = {task: index for index, task in enumerate(tasks)}
    annotator_code = {annotator: index for index, annotator in enumerate(ratings.annotator_ids)}
    t_index = np.array([task_code[task] for task, _, _ in ratings.rows])
    a_index = np.array([annotator_code[annotator] for _, annotator, _ in ratings.rows])
    l_index = np.array([code for _, _, code in ratings.rows])
    n_tasks, n_annotators, n_annotations = len(tasks), len(annotator_code), len(ratings.rows)

    posteriors = np.zeros((n_tasks, k))
    np.add.at(posteriors, (t_index, l_index), 1.0)
    posteriors /= posteriors.sum(axis=1, keepdims=True)

    def soft_counts(posteriors):
        answer_counts = np.zeros((n_annotators, k, k))  # [annotator, truth, answer]
        np.add.at(answer_counts, (a_index, slice(None), l_index), posteriors[t_index])
        return answer_counts, posteriors.sum(axis=0)

    def parameters(answer_counts, class_counts):
        pseudo = np.full((k, k), alpha) + np.eye(k) * gamma
        confusion = (answer_counts + pseudo) / (answer_counts.sum(axis=2, keepdims=True) + k * alpha + gamma)
        priors = (class_counts + beta) / (n_tasks + k * beta)
        return priors, confusion, pseudo

    answer_counts, class_counts = soft_counts(posteriors)
    previous = -math.inf
    iterations = 0
    while iterations < max_iterations:
        priors, confusion, pseudo = parameters(answer_counts, class_counts)
        log_prior, log_confusion = np.log(priors), np.log(confusion)
        prior_density = beta * log_prior.sum() + (pseudo[None, :, :] * log_confusion).sum()
        joint = np.tile(log_prior, (n_tasks, 1))
        np.add.at(joint, t_index, log_confusion[a_index, :, l_index])
        peak = joint.max(axis=1, keepdims=True)
        scaled = np.exp(joint - peak)
        totals = scaled.sum(axis=1, keepdims=True)
        posteriors = scaled / totals
        log_likelihood = float((peak[:, 0] + np.log(totals[:, 0])).sum())
        answer_counts, class_counts = soft_counts(posteriors)
        iterations += 1
        current = (log_likelihood + prior_density) / n_annotations
        if current - previous < tolerance:
            break
        previous = current
    priors, confusion, _ = parameters(answer_counts, class_counts)
    winners = posteriors.argmax(axis=1)  # the first of equal maxima: the lowest code
    return SmoothedDawidSkene(
        labels={task: int(winners[task_code[task]]) for task in tasks},
        confidences={task: float(posteriors[task_code[task], winners[task_code[task]]]) for task in tasks},
        annotator_accuracy={annotator: float((priors * np.diag(confusion[code])).sum())
                            for annotator, code in annotator_code.items()},
        iterations=iterations)


# ------------------------------------------------------------------------------------------ comparison


@dataclass
class Comparison:
    metric: str
    labelpark: object
    reference: object
    tolerance: float | None  # None: must be equal
    note: str = ""

    @property
    def passed(self) -> bool:
        if self.tolerance is None:
            return self.labelpark == self.reference
        if self.labelpark is None or self.reference is None:
            return self.labelpark is None and self.reference is None
        return abs(float(self.labelpark) - float(self.reference)) <= self.tolerance

    def line(self) -> str:
        def shown(value):
            return f"{value:.15g}" if isinstance(value, float) else str(value)
        difference = ""
        if self.tolerance is not None and isinstance(self.labelpark, (int, float)) and \
                isinstance(self.reference, (int, float)):
            difference = f"  |Δ|={abs(self.labelpark - self.reference):.2e}"
        note = f"  ({self.note})" if self.note else ""
        return (f"  {'ok  ' if self.passed else 'FAIL'} {self.metric}: labelpark={shown(self.labelpark)} "
                f"reference={shown(self.reference)}{difference}{note}")


@dataclass
class Report:
    comparisons: list[Comparison] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)

    def compare(self, metric, labelpark, reference, tolerance=EXACT_TOLERANCE, note="") -> None:
        self.comparisons.append(Comparison(metric, labelpark, reference, tolerance, note))

    def failures(self) -> list[str]:
        return self.problems + [comparison.line().strip() for comparison in self.comparisons if not comparison.passed]


def per_item_comparison(report: Report, metric: str, ours: dict, reference: dict, tolerance, describe) -> None:
    """One summary comparison over many items; the worst item is the one shown, every mismatch listed."""
    mismatched = []
    worst_key, worst_gap = None, -1.0
    for key in sorted(reference):
        a, b = ours.get(key), reference[key]
        if tolerance is None:
            bad, gap = a != b, (0.0 if a == b else 1.0)
        elif a is None or b is None:
            bad, gap = (a is None) != (b is None), (0.0 if a is None and b is None else math.inf)
        else:
            gap = abs(float(a) - float(b))
            bad = gap > tolerance
        if bad:
            mismatched.append(f"{describe(key)}: labelpark={a} reference={b}")
        if gap > worst_gap:
            worst_key, worst_gap = key, gap
    extra = sorted(set(ours) - set(reference))
    for key in extra:
        mismatched.append(f"{describe(key)}: only labelpark has it ({ours[key]})")
    summary = f"{len(reference) - len(mismatched)}/{len(reference)} equal"
    if tolerance is not None and worst_key is not None:
        summary += f", max |Δ|={worst_gap:.2e} at {describe(worst_key)}"
    report.comparisons.append(Comparison(metric, "per item", "per item", None, summary))
    if mismatched:
        report.comparisons[-1].labelpark = f"{len(mismatched)} mismatched"
        report.problems += [f"{metric}: {line}" for line in mismatched[:20]]
        if len(mismatched) > 20:
            report.problems.append(f"{metric}: … and {len(mismatched) - 20} more")


def accuracy_against_truth(labels: dict[int, int], truth_of_task: dict[int, int]) -> float:
    return sum(labels[task] == truth_of_task[task] for task in labels) / len(labels)


def compare_quality(report: Report, quality: dict, ratings: Ratings, run: CrowdRun, simulation: Simulation,
                    project_id: int) -> None:
    truth_of_task = {task: simulation.truth[item] for task, item in run.item_of_task.items()}
    gold_of_task = {task: simulation.truth[item] for task, item in run.item_of_task.items()
                    if item in simulation.gold_items}

    report.compare("project_id", quality.get("project_id"), project_id, None)
    questions = [q for q in quality.get("questions", []) if q.get("name") == QUESTION]
    if len(questions) != 1:
        report.problems.append(f"/quality has {len(questions)} entries for question {QUESTION!r}: {quality}")
        return
    question = questions[0]
    report.compare("question type", question.get("type"), "choice", None)
    report.compare("question options", question.get("options"), OPTIONS, None)
    report.compare("annotations", question.get("annotations"), len(ratings.rows), None)
    report.compare("tasks with an answer", question.get("tasks"), len({t for t, _, _ in ratings.rows}), None)

    agreement = question.get("agreement", {})
    report.compare("krippendorff_alpha_nominal vs krippendorff.alpha", agreement.get("krippendorff_alpha_nominal"),
                   reference_krippendorff_alpha(ratings))
    hand_fleiss = hand_fleiss_kappa(ratings)
    report.compare("fleiss_kappa vs hand formula", agreement.get("fleiss_kappa"), hand_fleiss)
    statsmodels_value = reference_fleiss_kappa(ratings)
    if statsmodels_value is not None:
        report.compare("fleiss_kappa vs statsmodels", agreement.get("fleiss_kappa"), statsmodels_value)
        report.compare("hand Fleiss vs statsmodels (the reference's own check)", hand_fleiss, statsmodels_value)
    else:
        report.lines.append("  (ratings per task differ, so statsmodels' fleiss_kappa does not apply)")
    mean_cohen, pairs = reference_mean_pairwise_cohen(ratings)
    report.compare("mean_pairwise_cohen_kappa vs sklearn", agreement.get("mean_pairwise_cohen_kappa"), mean_cohen,
                   note=f"{pairs} rater pairs share a task")

    annotators = {entry["user_id"]: entry for entry in question.get("annotators", [])}
    report.compare("annotator ids", sorted(annotators), sorted(ratings.annotator_ids), None)
    per_annotator_count = Counter(annotator for _, annotator, _ in ratings.rows)
    per_item_comparison(report, "annotators[].annotations", {u: e.get("annotations") for u, e in annotators.items()},
                        dict(per_annotator_count), None, lambda u: f"user {u}")
    per_item_comparison(report, "annotators[].consensus_agreement (hand)",
                        {u: e.get("consensus_agreement") for u, e in annotators.items()},
                        hand_consensus_agreement(ratings), EXACT_TOLERANCE, lambda u: f"user {u}")
    gold = hand_gold_accuracy(ratings, gold_of_task)
    per_item_comparison(report, "annotators[].gold.scored (hand)",
                        {u: e.get("gold", {}).get("scored") for u, e in annotators.items()},
                        {u: scored for u, (scored, _) in gold.items()}, None, lambda u: f"user {u}")
    per_item_comparison(report, "annotators[].gold.accuracy (hand)",
                        {u: e.get("gold", {}).get("accuracy") for u, e in annotators.items()},
                        {u: accuracy for u, (_, accuracy) in gold.items()}, EXACT_TOLERANCE, lambda u: f"user {u}")

    aggregated = {entry["task_id"]: entry for entry in question.get("aggregated", [])}
    report.compare("aggregated task ids", sorted(aggregated), sorted({t for t, _, _ in ratings.rows}), None)
    majority = hand_majority_vote(ratings)
    labelpark_majority = {t: (OPTIONS.index(e["majority_vote"]) if e.get("majority_vote") in OPTIONS else None)
                          for t, e in aggregated.items()}
    per_item_comparison(report, "aggregated[].majority_vote (hand, ties → lowest option index)",
                        {t: (OPTIONS[c] if c is not None else None) for t, c in labelpark_majority.items()},
                        {t: OPTIONS[code] for t, (code, _) in majority.items()}, None, lambda t: f"task {t}")
    per_item_comparison(report, "aggregated[].majority_confidence (hand)",
                        {t: e.get("majority_confidence") for t, e in aggregated.items()},
                        {t: share for t, (_, share) in majority.items()}, EXACT_TOLERANCE, lambda t: f"task {t}")

    # crowd-kit's MajorityVote takes the first column of idxmax among equal shares; the columns are the
    # sorted labels, so with option codes as labels its ties go to the lowest option index, like LabelPark's.
    crowd_mv = CrowdKitMajorityVote()
    crowd_labels = crowd_mv.fit_predict(crowd_kit_frame(ratings, labels_as_names=False))
    crowd_probas = crowd_mv.probas_
    per_item_comparison(report, "aggregated[].majority_vote vs crowd-kit MajorityVote (labels = option codes)",
                        {t: OPTIONS[c] if c is not None else None for t, c in labelpark_majority.items()},
                        {int(t): OPTIONS[int(c)] for t, c in crowd_labels.items()}, None, lambda t: f"task {t}")
    per_item_comparison(report, "aggregated[].majority_confidence vs crowd-kit probas_",
                        {t: e.get("majority_confidence") for t, e in aggregated.items()},
                        {int(t): float(crowd_probas.loc[t].max()) for t in crowd_probas.index}, EXACT_TOLERANCE,
                        lambda t: f"task {t}")
    named = CrowdKitMajorityVote().fit_predict(crowd_kit_frame(ratings, labels_as_names=True))
    tied = [t for t, (_, share) in majority.items() if list(Counter(ratings.by_task()[t].values()).values()).count(
        max(Counter(ratings.by_task()[t].values()).values())) > 1]
    differs_by_name = sum(named[t] != OPTIONS[majority[t][0]] for t in majority)
    report.lines.append(
        f"  majority vote: {len(tied)} tied tasks; crowd-kit with option names as labels breaks ties alphabetically "
        f"and differs from LabelPark on {differs_by_name} of them (expected: the tie convention is schema order)")

    # Dawid-Skene: LabelPark's smoothed fit written out again, then the accuracy comparison with crowd-kit.
    mirror = smoothed_dawid_skene(ratings)
    labelpark_ds = {t: (OPTIONS.index(e["dawid_skene"]) if e.get("dawid_skene") in OPTIONS else None)
                    for t, e in aggregated.items()}
    per_item_comparison(report, "aggregated[].dawid_skene vs numpy smoothed EM",
                        {t: OPTIONS[c] if c is not None else None for t, c in labelpark_ds.items()},
                        {t: OPTIONS[c] for t, c in mirror.labels.items()}, None, lambda t: f"task {t}")
    per_item_comparison(report, "aggregated[].dawid_skene_confidence vs numpy smoothed EM",
                        {t: e.get("dawid_skene_confidence") for t, e in aggregated.items()},
                        mirror.confidences, ITERATIVE_TOLERANCE, lambda t: f"task {t}")
    per_item_comparison(report, "annotators[].dawid_skene_accuracy vs numpy smoothed EM",
                        {u: e.get("dawid_skene_accuracy") for u, e in annotators.items()},
                        mirror.annotator_accuracy, ITERATIVE_TOLERANCE, lambda u: f"user {u}")
    report.lines.append(f"  numpy smoothed Dawid-Skene ran {mirror.iterations} iterations")

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        crowd_ds = CrowdKitDawidSkene(n_iter=100).fit_predict(crowd_kit_frame(ratings, labels_as_names=False))
    crowd_ds_labels = {int(t): int(c) for t, c in crowd_ds.items()}
    if any(c is None for c in labelpark_ds.values()) or any(c is None for c in labelpark_majority.values()):
        report.problems.append("some aggregated labels are not options; accuracies against the truth not computed")
        return
    ds_accuracy = accuracy_against_truth(labelpark_ds, truth_of_task)
    crowd_accuracy = accuracy_against_truth(crowd_ds_labels, truth_of_task)
    mv_accuracy = accuracy_against_truth(labelpark_majority, truth_of_task)
    report.lines.append(
        f"  accuracy against the simulated truth over {len(labelpark_ds)} tasks: LabelPark Dawid-Skene "
        f"{ds_accuracy:.4f}, crowd-kit DawidSkene(n_iter=100) {crowd_accuracy:.4f}, LabelPark majority vote "
        f"{mv_accuracy:.4f}; LabelPark and crowd-kit Dawid-Skene agree on "
        f"{sum(labelpark_ds[t] == crowd_ds_labels[t] for t in labelpark_ds)} tasks")
    report.comparisons.append(Comparison(
        "Dawid-Skene accuracy ≥ crowd-kit's − 0.01", ds_accuracy, crowd_accuracy, None,
        f"margin {ds_accuracy - crowd_accuracy:+.4f}"))
    report.comparisons[-1].tolerance = math.inf
    if ds_accuracy < crowd_accuracy - DAWID_SKENE_MARGIN:
        report.problems.append(f"Dawid-Skene accuracy {ds_accuracy:.4f} < crowd-kit's {crowd_accuracy:.4f} − 0.01")
    if not ds_accuracy > mv_accuracy:
        report.problems.append(f"Dawid-Skene accuracy {ds_accuracy:.4f} is not above majority vote's {mv_accuracy:.4f}")
    report.lines.append("  per annotator (simulated tier, true accuracy on their tasks, LabelPark's estimates):")
    answered = defaultdict(list)
    for task, annotator, code in ratings.rows:
        answered[annotator].append(code == truth_of_task[task])
    for user_id in ratings.annotator_ids:
        entry = annotators.get(user_id, {})
        profile = run.profile_of.get(user_id)

        def shown(value):
            return "null" if value is None else f"{value:.3f}"
        report.lines.append(
            f"    user {user_id:>3} {profile.tier if profile else '?':<28} n={len(answered[user_id]):>3} "
            f"true={sum(answered[user_id]) / len(answered[user_id]):.3f} "
            f"consensus={shown(entry.get('consensus_agreement'))} "
            f"dawid_skene={shown(entry.get('dawid_skene_accuracy'))} "
            f"gold={shown(entry.get('gold', {}).get('accuracy'))} ({entry.get('gold', {}).get('scored')} scored)")


# ------------------------------------------------------------------------------------------------ main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", default=".build/release/labelpark")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--tasks", type=int, default=DEFAULT_TASK_COUNT)
    parser.add_argument("--keep", action="store_true", help="keep the data directory and server log")
    args = parser.parse_args()
    started = time.monotonic()
    deadline = Deadline(TIME_BUDGET_SECONDS)
    if not os.access(args.binary, os.X_OK):
        print(f"quality-reference: FAIL no executable at {args.binary}")
        return 1

    simulation = simulate_truth(args.seed, args.tasks)
    work_dir = Path(tempfile.mkdtemp(prefix="labelpark-quality-reference-"))
    data_dir = work_dir / "data"
    data_dir.mkdir()
    server = Server(args.binary, data_dir, work_dir / "server.log")
    report = Report()
    counts = ""
    try:
        server.start(deadline)
        run = run_crowd(server, args.binary, simulation, args.seed, deadline)
        counts = f"{len(simulation.truth)} tasks, {len(simulation.gold_items)} gold, {run.submitted} answers"
        print(f"quality-reference: seed {args.seed}, {counts}, {run.claims} claims, "
              f"{time.monotonic() - started:.1f} s")
        check_task_routes_for_gold(server, run)

        manager = ParkClient(server.base_url, run.manager.token, timeout=30.0)
        progress = manager.get(f"/api/v1/projects/{run.project_id}/progress", expect=(200,)).json()
        slots = progress.get("slots", {})
        if slots.get("submitted") != OVERLAP * len(simulation.truth) or slots.get("open") != 0:
            report.problems.append(f"progress: expected all {OVERLAP * len(simulation.truth)} slots submitted, "
                                   f"got {slots}")
        export_response = manager.get(f"/api/v1/projects/{run.project_id}/export?format=jsonl", expect=(200,))
        export = export_response.json_lines()
        gold_answers = [{QUESTION: option} for option in OPTIONS]
        for line in export:
            report.problems += gold_leaks(line, gold_answers, f"export jsonl (task {line.get('id')})", True)
        if '"gold"' in export_response.text():
            report.problems.append("export jsonl: the text `\"gold\"` in the body")
        csv_text = manager.get(f"/api/v1/projects/{run.project_id}/export?format=csv", expect=(200,)).text()
        if "gold" in csv_text.lower():
            report.problems.append("export csv: the word `gold` in the body")
        report.problems += run.leak_problems

        ratings, export_problems = ratings_from_export(export)
        report.problems += export_problems
        exported_items = {task["id"]: task["data"]["item"] for task in export}
        if exported_items != run.item_of_task:
            report.problems.append("export: the tasks or their items differ from what the annotators were given")
        per_task = Counter(task for task, _, _ in ratings.rows)
        if set(per_task.values()) != {OVERLAP} or len(per_task) != len(simulation.truth):
            report.problems.append(f"export: expected {OVERLAP} answers on each of {len(simulation.truth)} tasks, "
                                   f"got {sorted(Counter(per_task.values()).items())} (answers per task: tasks)")

        quality_response = manager.get(f"/api/v1/projects/{run.project_id}/quality")
        if quality_response.status != 200:
            report.problems.append(f"GET /api/v1/projects/{run.project_id}/quality answered "
                                   f"{quality_response.status}: {quality_response.text()[:300]}")
        else:
            quality = quality_response.json()
            report.problems += gold_leaks(quality, [], "quality", True) if False else []
            compare_quality(report, quality, ratings, run, simulation, run.project_id)
        manager.close()
    except (CheckFailure, UnexpectedStatus) as error:
        report.problems.append(f"{type(error).__name__}: {error}")
        if server.process is not None:
            report.problems.append("server log tail:\n" + server.log_tail())
    finally:
        server.stop()
        if args.keep:
            print(f"quality-reference: kept {work_dir}")
        else:
            shutil.rmtree(work_dir, ignore_errors=True)

    for comparison in report.comparisons:
        print(comparison.line())
    for line in report.lines:
        print(line)
    failures = report.failures()
    for failure in report.problems:
        print(f"  problem: {failure}")
    elapsed = time.monotonic() - started
    passed_count = sum(comparison.passed for comparison in report.comparisons)
    summary = (f"{passed_count} comparisons equal of {len(report.comparisons)}, {len(report.problems)} problems, "
               f"seed {args.seed}, {counts}, {elapsed:.1f} s")
    if failures:
        print(f"quality-reference: FAIL {summary}")
        return 1
    print(f"quality-reference: PASS {summary}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
