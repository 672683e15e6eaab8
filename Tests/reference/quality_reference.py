#!/usr/bin/env python3
"""Reference check for the quality engine (issue #5): LabelPark's numbers against reference implementations.

A release server is started on a fresh data directory, and four projects are run through the API, each
annotator claiming with `POST /next` and answering with `POST /tasks/{id}/annotations`:

- crowd: ~300 tasks with a hidden true class (uneven priors, about 10% gold), eight annotators of known
  confusion matrices (three good ≈0.9, three medium ≈0.65, two spammers), overlap 3, every slot filled.
- uneven: the same annotators, 100 tasks filled to overlap 3 and 40 more only partly (1 or 2 answers), so
  units have 1, 2 or 3 ratings: single-rating units must be dropped, Fleiss uses per-unit counts.
- unanimous: two annotators who always answer the same option: chance agreement is 1, so Cohen's and
  Fleiss' kappa are 1 by convention and Krippendorff's alpha is undefined (null).
- empty: tasks but no answers: nothing to measure.
- kinds: 60 sentences with a text, a spans and a rating question, 40% gold, four simulated annotators (careful to
  sloppy) who drop, swap and add words, mistype letters, miss, shift, relabel and invent spans and misjudge the
  rating; overlap 3.

`GET /api/v1/projects/{id}/quality` is compared with computations on the same data, rebuilt from the jsonl
export: Krippendorff's alpha (nominal) with the `krippendorff` package, Fleiss' kappa by hand and with
statsmodels (where every unit has the same number of ratings), the mean pairwise Cohen's kappa with
scikit-learn, consensus agreement, gold accuracy and majority vote by hand, majority vote with crowd-kit, and
LabelPark's smoothed Dawid-Skene written out again in numpy, each annotator's gold confusion matrix and gold
accuracy per UTC day (from the export's `created_at`) by hand — all equal to 1e-9. On the kinds project: each
annotator's pooled CER and WER with `jiwer` on their list of (gold, answer) pairs, span precision/recall/F1 under
exact matching with `seqeval` (see kinds_reference.character_tags for why that equals exact matching), under
overlap matching and the pairwise span F1 by hand, the rating question's interval alpha with `krippendorff`, and
mean absolute error and the mean score values by hand. On the crowd project
LabelPark's Dawid-Skene labels must be at least as accurate against the simulated truth as crowd-kit's
`DawidSkene(n_iter=100)` less 0.01, and more accurate than majority vote.

Gold must never leak: no `gold` key and no gold answer object in `POST /next`, in `GET /api/v1/tasks/{id}` (as
the annotator and as the manager) or in the export (jsonl and csv) outside the annotators' own results, and an
annotator may not read `/quality`.

Annotators see tasks by their own handles (docs/API.md, "Task handles"), the report and the export by real ids.
The check ties the two by what it controls: the `item` number it imported in each task's data (read back from the
claim) and the annotation ids of the submit receipts (listed in the export under the real task id). It also
requires that annotators are only ever shown handles (≥ 2^52), each their own and stable, without the task's
`priority` or `created_at`, that their `/annotations` and receipts use the same handles, and that an annotator's
`GET /api/v1/tasks/{real id}` or another annotator's handle answers 404.

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
import sys
import tempfile
import time
import warnings
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "process"))
from lp_client import ParkClient, TransportFailure, UnexpectedStatus, is_task_handle  # noqa: E402
from lp_server import Account, Deadline, ProcessFailure, ServerProcess, TEST_BCRYPT_COST, create_account  # noqa: E402

import krippendorff  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from crowdkit.aggregation import DawidSkene as CrowdKitDawidSkene  # noqa: E402
from crowdkit.aggregation import MajorityVote as CrowdKitMajorityVote  # noqa: E402
from sklearn.metrics import cohen_kappa_score  # noqa: E402
from statsmodels.stats.inter_rater import fleiss_kappa as statsmodels_fleiss_kappa  # noqa: E402

import jiwer  # noqa: E402
import kinds_reference as kinds  # noqa: E402

DEFAULT_SEED = 20261126
DEFAULT_TASK_COUNT = 300
GOLD_SHARE = 0.10
OVERLAP = 3
QUESTION = "label"
# Schema order on purpose differs from alphabetical order, so a tie rule that sorts names would show.
OPTIONS = ["neutral", "positive", "negative", "mixed"]
CLASS_PRIORS = [0.45, 0.30, 0.15, 0.10]
EXACT_TOLERANCE = 1e-9
# Dawid-Skene is iterative: the same iterations in another order of floating-point operations; 1e-9 still
# leaves six orders of magnitude above the ~1e-16 differences seen.
ITERATIVE_TOLERANCE = 1e-9
DAWID_SKENE_MARGIN = 0.01
TIME_BUDGET_SECONDS = 150.0
KINDS_TASK_COUNT = 60
KINDS_GOLD_SHARE = 0.4
KINDS_OVERLAP = 3
PASSWORD = "reference-check-password"
ORGANIZATION = "Ref Client"
GRACEFUL_EXIT_SECONDS = 10.0
# Annotators see a task as their own handle (docs/API.md, "Task handles", lp_client.is_task_handle): 2^52 plus a
# keyed permutation of the real id, different for everyone. Real ids appear only on the manager's routes.
# What an annotator must never see of a task: its import time and priority would set gold batches apart.
HIDDEN_TASK_KEYS = ("priority", "created_at")


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
class Scenario:
    """One project to run: the items' true classes, which are gold, who answers and how, and what to require."""

    name: str
    truth: dict[int, int]
    gold_items: set[int]
    overlap: int
    # Imported one after the other; after each import annotators work until the queue is empty for all of
    # them, or until the batch got this many answers.
    batches: list[tuple[list[int], int | None]]
    # Indexes into the accounts' annotators, and the answer (option code) each gives for a true class.
    participants: list[int]
    answer: Callable[[int, int, random.Random], int]
    # Whether every task must end with `overlap` answers, and whether to require Dawid-Skene's accuracy.
    every_slot_filled: bool
    judge_truth_inference: bool


def draw_truth(rng: random.Random, items: range) -> tuple[dict[int, int], set[int]]:
    truth = {item: rng.choices(range(len(OPTIONS)), weights=CLASS_PRIORS)[0] for item in items}
    gold_items = set(rng.sample(list(items), max(1, round(len(items) * GOLD_SHARE)))) if len(items) else set()
    return truth, gold_items


def scenarios(seed: int, task_count: int) -> tuple[list[Scenario], list[AnnotatorProfile]]:
    rng = random.Random(seed)
    profiles = simulated_annotators(rng)
    everyone = list(range(len(profiles)))

    def by_profile(annotator: int, truth: int, answer_rng: random.Random) -> int:
        return profiles[annotator].answer(truth, answer_rng)

    crowd_truth, crowd_gold = draw_truth(rng, range(task_count))
    uneven_truth, uneven_gold = draw_truth(rng, range(140))
    unanimous_truth, unanimous_gold = draw_truth(rng, range(12))
    empty_truth, empty_gold = draw_truth(rng, range(5))
    return [
        Scenario("crowd", crowd_truth, crowd_gold, OVERLAP, [(list(crowd_truth), None)], everyone, by_profile,
                 every_slot_filled=True, judge_truth_inference=True),
        Scenario("uneven", uneven_truth, uneven_gold, OVERLAP, [(list(range(100)), None), (list(range(100, 140)), 60)],
                 everyone, by_profile, every_slot_filled=False, judge_truth_inference=False),
        Scenario("unanimous", unanimous_truth, unanimous_gold, 2, [(list(unanimous_truth), None)], [0, 1],
                 lambda annotator, truth, answer_rng: OPTIONS.index("positive"),
                 every_slot_filled=True, judge_truth_inference=False),
        Scenario("empty", empty_truth, empty_gold, OVERLAP, [(list(empty_truth), 0)], [], by_profile,
                 every_slot_filled=False, judge_truth_inference=False),
    ], profiles


def import_lines(scenario: Scenario, items: list[int]) -> bytes:
    lines = []
    for item in items:
        data = {"text": f"item {item}", "item": item}
        if item in scenario.gold_items:
            lines.append(json.dumps({"data": data, "gold": {QUESTION: OPTIONS[scenario.truth[item]]}}))
        else:
            lines.append(json.dumps(data))
    return ("\n".join(lines) + "\n").encode()


# ----------------------------------------------------------------------------------------------- the park


class CheckFailure(ProcessFailure):
    """The check could not go on: setup failed, the server misbehaved, or time ran out."""


def new_account(binary: str, data_dir: Path, email: str, role: str, deadline: Deadline) -> Account:
    """Creates a user in the reference organization and an API token for them, with the CLI."""
    return create_account(binary, email, role, deadline, password=PASSWORD, organization=ORGANIZATION,
                          data_dir=data_dir, bcrypt_cost=TEST_BCRYPT_COST)


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


def key_paths(body, path: str = "$") -> set[str]:
    """The set of key paths in a JSON value (list positions left out): what its shape tells a reader."""
    if isinstance(body, dict):
        return {path} | {sub for key, child in body.items() for sub in key_paths(child, f"{path}.{key}")}
    if isinstance(body, list):
        return {path} | {sub for child in body for sub in key_paths(child, f"{path}[]")}
    return {path}


# ------------------------------------------------------------------------------------ running the crowd


GOLD_ANSWERS = [{QUESTION: option} for option in OPTIONS]


@dataclass
class Accounts:
    manager: Account
    annotators: list[Account]


@dataclass
class ProjectRun:
    scenario: Scenario
    project_id: int
    # (annotator's user id, the task id they were given, i.e. their handle) → the item number in its data. The
    # item, a marker this check imported, is what ties an annotator's handle to the export's real task id.
    item_of_task: dict[tuple[int, int], int] = field(default_factory=dict)
    # annotation id (shared by every route) → (annotator's user id, their handle, item): checked against the export
    annotation_of: dict[int, tuple[int, int, int]] = field(default_factory=dict)
    submitted: int = 0
    claims: int = 0
    leak_problems: list[str] = field(default_factory=list)
    # problems with the task ids annotators see (real ids, handles shared or unstable, priority shown)
    handle_problems: list[str] = field(default_factory=list)
    # gold item → (annotator, their handle of its task) for each annotator who answered it
    gold_answerers: dict[int, list[tuple[Account, int]]] = field(default_factory=lambda: defaultdict(list))
    # the gold tasks' ids, known once the export is read
    gold_tasks: set[int] = field(default_factory=set)
    # the key paths of the `POST /next` answers for gold and for other tasks, which must not differ
    next_shapes: dict[bool, set[frozenset[str]]] = field(default_factory=lambda: defaultdict(set))


def run_project(server: ServerProcess, accounts: Accounts, scenario: Scenario, seed: int, deadline: Deadline) -> ProjectRun:
    admin = ParkClient(server.base_url, accounts.manager.token)
    schema = {"fields": [{"name": "text", "type": "text"}],
              "questions": [{"name": QUESTION, "type": "choice", "options": OPTIONS}]}
    project = admin.post_json("/api/v1/projects", {"name": f"quality reference: {scenario.name}", "schema": schema,
                                                   "overlap": scenario.overlap}, expect=(201,)).json()
    run = ProjectRun(scenario=scenario, project_id=project["id"])
    answer_rng = random.Random(f"{seed}/{scenario.name}/answers")
    order_rng = random.Random(f"{seed}/{scenario.name}/order")
    clients = {index: ParkClient(server.base_url, accounts.annotators[index].token)
               for index in scenario.participants}
    for items, answer_limit in scenario.batches:
        imported = admin.request("POST", f"/api/v1/projects/{run.project_id}/tasks", import_lines(scenario, items),
                                 "application/x-ndjson", expect=(201,)).json()
        if imported.get("created") != len(items):
            raise CheckFailure(f"{scenario.name}: imported {imported.get('created')} tasks, expected {len(items)}")
        answered = 0
        active = list(scenario.participants)
        # Rounds: each active annotator claims one task and answers it, until every claim answers 204. Open
        # slots only ever shrink here (nobody releases), so an annotator who got 204 gets no more work. The
        # order within a round is shuffled: in a fixed order the queue (slot by slot, task by task) would give
        # the tasks the same few annotator triples, and only a dozen of the 28 pairs would share a task.
        while active and (answer_limit is None or answered < answer_limit):
            deadline.check()
            still_active = []
            order_rng.shuffle(active)
            for index in active:
                if answer_limit is not None and answered >= answer_limit:
                    break
                account, client = accounts.annotators[index], clients[index]
                claim = client.request("POST", f"/api/v1/projects/{run.project_id}/next", expect=(200, 204))
                run.claims += 1
                if claim.status == 204:
                    continue
                still_active.append(index)
                body = claim.json()
                task_id = body["task"]["id"]
                item = body["task"]["data"]["item"]
                record_handle(run, account, task_id, item, f"POST /next (item {item})")
                run.handle_problems += [f"POST /next (item {item}): the task shows `{key}` to an annotator"
                                        for key in HIDDEN_TASK_KEYS if key in body["task"]]
                run.next_shapes[item in scenario.gold_items].add(frozenset(key_paths(body)))
                if item in scenario.gold_items:
                    run.leak_problems += gold_leaks(body, GOLD_ANSWERS, f"POST /next (task {task_id}, gold)", False)
                    if '"gold"' in claim.text():
                        run.leak_problems.append(f"POST /next (task {task_id}): the text `\"gold\"` in the body")
                    run.gold_answerers[item].append((account, task_id))
                label = OPTIONS[scenario.answer(index, scenario.truth[item], answer_rng)]
                receipt = client.post_json(f"/api/v1/tasks/{task_id}/annotations",
                                           {"lease_token": body["lease"]["token"], "result": {QUESTION: label},
                                            "idempotency_key": f"ref-{task_id}-{account.user_id}"},
                                           expect=(201,)).json()
                if receipt.get("task_id") != task_id:
                    run.handle_problems.append(f"the receipt of user {account.user_id}'s answer to item {item} has "
                                               f"task_id {receipt.get('task_id')}, /next gave {task_id}")
                run.annotation_of[receipt["id"]] = (account.user_id, task_id, item)
                run.submitted += 1
                answered += 1
            active = still_active
    for client in clients.values():
        client.close()
    admin.close()
    return run


def record_handle(run: ProjectRun, account: Account, task_id, item: int, where: str) -> None:
    """Notes the task id `account` was shown for `item`, which must be their own handle: not a real id, the same
    every time, and not the handle of another item or anyone else's handle of any task."""
    if not is_task_handle(task_id):
        run.handle_problems.append(f"{where}: user {account.user_id} was shown task id {task_id}, not a handle "
                                   f"(≥ 2^52)")
    known = run.item_of_task.setdefault((account.user_id, task_id), item)
    if known != item:
        run.handle_problems.append(f"{where}: user {account.user_id}'s task id {task_id} stands for items {known} "
                                   f"and {item}")


def handle_problems(run: ProjectRun) -> list[str]:
    """Whether two annotators ever saw one task id, or one annotator two ids for one item."""
    problems = []
    seen_by: dict[int, set[int]] = defaultdict(set)
    ids_of: dict[tuple[int, int], set[int]] = defaultdict(set)
    for (user_id, task_id), item in run.item_of_task.items():
        seen_by[task_id].add(user_id)
        ids_of[(user_id, item)].add(task_id)
    shared = sorted(task_id for task_id, users in seen_by.items() if len(users) > 1)
    if shared:
        problems.append(f"{len(shared)} task ids were shown to more than one annotator, e.g. {shared[:3]}")
    unstable = sorted(key for key, task_ids in ids_of.items() if len(task_ids) > 1)
    if unstable:
        problems.append(f"annotators saw one item under several task ids: (user, item) {unstable[:3]}")
    return problems


def check_routes_for_gold(server: ServerProcess, accounts: Accounts, run: ProjectRun) -> None:
    """`GET /api/v1/tasks/{id}` of every gold task, as each annotator who answered it (by their handle) and as
    the manager (by the real id, from the export), and each annotator's `GET /api/v1/annotations?project=` list.
    An annotator's real id or another annotator's handle must answer 404."""
    clients = {account.user_id: ParkClient(server.base_url, account.token)
               for account in [accounts.manager, *accounts.annotators]}
    export = clients[accounts.manager.user_id].get(f"/api/v1/projects/{run.project_id}/export?format=jsonl",
                                                    expect=(200,)).json_lines()
    real_id_of_item = {task["data"]["item"]: task["id"] for task in export}
    for account in accounts.annotators:
        response = clients[account.user_id].get(f"/api/v1/annotations?project={run.project_id}&limit=500",
                                                expect=(200,))
        where = f"GET /api/v1/annotations?project={run.project_id} as user {account.user_id}"
        run.leak_problems += gold_leaks(response.json(), GOLD_ANSWERS, where, True)
        if '"gold"' in response.text():
            run.leak_problems.append(f"{where}: the text `\"gold\"` in the body")
        for annotation in response.json().get("annotations", []):
            _, handle, item = run.annotation_of.get(annotation.get("id"), (None, None, None))
            if annotation.get("task_id") != handle:
                run.handle_problems.append(f"{where}: annotation {annotation.get('id')} has task_id "
                                           f"{annotation.get('task_id')}, the user's handle of its task is {handle}")
    for item, answerers in sorted(run.gold_answerers.items()):
        real_id = real_id_of_item.get(item)
        if real_id is None:
            run.handle_problems.append(f"export: no task with gold item {item}")
            continue
        for account, task_id in [(accounts.manager, real_id), *answerers]:
            response = clients[account.user_id].get(f"/api/v1/tasks/{task_id}", expect=(200,))
            where = f"GET /api/v1/tasks/{task_id} as user {account.user_id}"
            run.leak_problems += gold_leaks(response.json(), GOLD_ANSWERS, where, True)
            if '"gold"' in response.text():
                run.leak_problems.append(f"{where}: the text `\"gold\"` in the body")
            task = response.json()
            if task.get("id") != task_id or task.get("data", {}).get("item") != item:
                run.handle_problems.append(f"{where}: answered task {task.get('id')} with item "
                                           f"{task.get('data', {}).get('item')}, expected item {item}")
            if account is not accounts.manager:
                run.handle_problems += [f"{where}: the task shows `{key}` to an annotator"
                                        for key in HIDDEN_TASK_KEYS if key in task]
        account, _ = answerers[0]
        denied = clients[account.user_id].get(f"/api/v1/tasks/{real_id}")
        if denied.status != 404:
            run.handle_problems.append(f"GET /api/v1/tasks/{real_id} (a real id) as annotator {account.user_id} "
                                       f"answered {denied.status}, expected 404")
        others = [other for other in accounts.annotators if other.user_id != account.user_id]
        if others:
            other = others[item % len(others)]
            foreign = clients[other.user_id].get(f"/api/v1/tasks/{answerers[0][1]}")
            if foreign.status != 404:
                run.handle_problems.append(f"GET /api/v1/tasks/{answerers[0][1]} (user {account.user_id}'s handle) "
                                           f"as user {other.user_id} answered {foreign.status}, expected 404")
    for client in clients.values():
        client.close()


# ------------------------------------------------------------------------------------------ the ratings


@dataclass
class Ratings:
    """Every answer to the question, rebuilt from the export: (task id, annotator id, option code)."""

    rows: list[tuple[int, int, int]]
    annotator_ids: list[int]  # in order of first appearance

    def by_task(self) -> dict[int, dict[int, int]]:
        table: dict[int, dict[int, int]] = defaultdict(dict)
        for task, annotator, code in self.rows:
            table[task][annotator] = code
        return table


def ratings_from_export(export: list[dict]) -> tuple[Ratings, list[str]]:
    problems = []
    rows = []
    annotator_ids: list[int] = []
    for task in export:
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
    return Ratings(rows=rows, annotator_ids=annotator_ids), problems


# ------------------------------------------------------------------------------ reference computations


def reference_krippendorff_alpha(ratings: Ratings) -> float | None:
    """The `krippendorff` package's alpha over raters × units (NaN where missing); None where it is undefined
    (the package raises: no unit with two ratings, or a single value in the domain)."""
    tasks = sorted({task for task, _, _ in ratings.rows})
    column = {task: index for index, task in enumerate(tasks)}
    row = {annotator: index for index, annotator in enumerate(ratings.annotator_ids)}
    matrix = np.full((len(row), len(column)), np.nan)
    for task, annotator, code in ratings.rows:
        matrix[row[annotator], column[task]] = code
    try:
        alpha = float(krippendorff.alpha(reliability_data=matrix, level_of_measurement="nominal"))
    except ValueError:
        return None
    return None if math.isnan(alpha) else alpha


def category_counts(ratings: Ratings, minimum_ratings: int = 2) -> np.ndarray:
    """Units × categories counts over the units with at least `minimum_ratings` ratings."""
    counts = [[Counter(unit.values())[code] for code in range(len(OPTIONS))]
              for unit in ratings.by_task().values() if len(unit) >= minimum_ratings]
    return np.array(counts, dtype=float).reshape(-1, len(OPTIONS))


def hand_fleiss_kappa(ratings: Ratings) -> float | None:
    """Fleiss' kappa with per-unit rating counts, over units with ≥ 2 ratings:
    Pᵢ = Σ_j nᵢⱼ(nᵢⱼ−1) / (nᵢ(nᵢ−1)), P̄ their mean, pⱼ the category shares, P̄ₑ = Σ_j pⱼ²,
    κ = (P̄ − P̄ₑ) / (1 − P̄ₑ), and 1 when P̄ₑ = 1."""
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
    """statsmodels' Fleiss' kappa when every unit has the same number of ratings (it requires that), else None;
    its NaN when every rating is in one category (chance agreement 1) is 1 by LabelPark's convention."""
    counts = category_counts(ratings)
    if len(counts) == 0 or len(set(counts.sum(axis=1))) != 1:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        kappa = float(statsmodels_fleiss_kappa(counts, method="fleiss"))
    return 1.0 if math.isnan(kappa) else kappa


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
                                      labels=list(range(len(OPTIONS))), replace_undefined_by=1.0)
        kappas.append(float(kappa))
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


def crowd_kit_frame(ratings: Ratings, labels: str) -> pd.DataFrame:
    """crowd-kit's input: `labels` is "codes" (option indexes), "names", or "ordered codes" (a categorical of the
    option indexes, so that the columns of its probability frames follow the schema)."""
    codes = [code for _, _, code in ratings.rows]
    column = {"codes": codes, "names": [OPTIONS[code] for code in codes],
              "ordered codes": pd.Categorical(codes, categories=range(len(OPTIONS)))}[labels]
    return pd.DataFrame({"task": [task for task, _, _ in ratings.rows],
                         "worker": [annotator for _, annotator, _ in ratings.rows], "label": column})


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
    """One metric: LabelPark's value, the reference's, and the rule they must meet."""

    metric: str
    labelpark: object
    reference: object
    # "equal", "within <tolerance>", "at least the reference − <margin>" or "above the reference"
    rule: str = f"within {EXACT_TOLERANCE}"
    note: str = ""
    # Set for summaries of many items, which decide item by item.
    verdict: bool | None = None

    @property
    def passed(self) -> bool:
        if self.verdict is not None:
            return self.verdict
        if self.rule == "equal":
            return self.labelpark == self.reference
        if self.labelpark is None or self.reference is None:
            return self.labelpark is None and self.reference is None and self.rule.startswith("within")
        ours, theirs = float(self.labelpark), float(self.reference)
        if self.rule.startswith("within "):
            return abs(ours - theirs) <= float(self.rule.split()[1])
        if self.rule.startswith("at least the reference − "):
            return ours >= theirs - float(self.rule.rsplit(" ", 1)[1])
        if self.rule == "above the reference":
            return ours > theirs
        raise ValueError(f"unknown rule {self.rule!r}")

    def line(self) -> str:
        def shown(value):
            return f"{value:.15g}" if isinstance(value, float) else str(value)
        difference = ""
        if self.rule.startswith("within") and isinstance(self.labelpark, (int, float)) and \
                isinstance(self.reference, (int, float)):
            difference = f"  |Δ|={abs(self.labelpark - self.reference):.2e}"
        note = f"  ({self.note})" if self.note else ""
        return (f"  {'ok  ' if self.passed else 'FAIL'} {self.metric} [{self.rule}]: labelpark={shown(self.labelpark)} "
                f"reference={shown(self.reference)}{difference}{note}")


@dataclass
class Report:
    """Every comparison and problem, and the lines to print, each under the section (project) it came from."""

    comparisons: list[Comparison] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    # What to print, in order: section headers and notes (text) and comparisons.
    lines: list[str | Comparison] = field(default_factory=list)
    section: str = ""
    _printed_section: str | None = None

    def compare(self, metric, labelpark, reference, rule=f"within {EXACT_TOLERANCE}", note="", verdict=None) -> None:
        comparison = Comparison(f"{self.section}: {metric}", labelpark, reference, rule, note, verdict)
        self.comparisons.append(comparison)
        self._add(comparison)

    def note(self, line: str) -> None:
        self._add(line)

    def problem(self, message: str) -> None:
        self.problems.append(f"{self.section}: {message}")

    def _add(self, line: str | Comparison) -> None:
        if self._printed_section != self.section:
            self.lines.append(f"[{self.section}]")
            self._printed_section = self.section
        self.lines.append(line)

    def failed(self) -> bool:
        return bool(self.problems) or not all(comparison.passed for comparison in self.comparisons)


def per_item_comparison(report: Report, metric: str, ours: dict, reference: dict, tolerance: float | None,
                        describe) -> None:
    """One comparison summarising many items (exact when `tolerance` is None); each mismatch becomes a problem."""
    mismatched: list[str] = []
    worst_key, worst_gap = None, -1.0
    for key in sorted(reference):
        a, b = ours.get(key), reference[key]
        if tolerance is None:
            gap = 0.0 if a == b else math.inf
        elif a is None or b is None:
            gap = 0.0 if a is None and b is None else math.inf
        else:
            gap = abs(float(a) - float(b))
        if gap > (tolerance or 0.0):
            mismatched.append(f"{describe(key)}: labelpark={a} reference={b}")
        if gap > worst_gap:
            worst_key, worst_gap = key, gap
    extra = [f"{describe(key)}: only labelpark has it ({ours[key]})" for key in sorted(set(ours) - set(reference))]
    total = len(reference)
    note = f"max |Δ|={worst_gap:.2e} at {describe(worst_key)}" if tolerance is not None and worst_key else ""
    rule = "equal" if tolerance is None else f"each within {tolerance}"
    problems = mismatched + extra
    ours_summary = f"{total - len(mismatched)}/{total} items match" + (f" + {len(extra)} extra" if extra else "")
    report.compare(metric, ours_summary, f"{total}/{total} items match", rule, note, verdict=not problems)
    for line in problems[:20]:
        report.problem(f"{metric}: {line}")
    if len(problems) > 20:
        report.problem(f"{metric}: … and {len(problems) - 20} more")


def accuracy_against_truth(labels: dict[int, int], truth_of_task: dict[int, int]) -> float:
    return sum(labels[task] == truth_of_task[task] for task in labels) / len(labels)


def compare_quality(report: Report, quality: dict, ratings: Ratings, run: ProjectRun,
                    truth_of_task: dict[int, int], profile_of: dict[int, AnnotatorProfile]) -> None:
    scenario = run.scenario
    gold_of_task = {task: truth for task, truth in truth_of_task.items() if task in run.gold_tasks}
    report.compare("project_id", quality.get("project_id"), run.project_id, "equal")
    questions = [q for q in quality.get("questions", []) if q.get("name") == QUESTION]
    if len(questions) != 1 or len(quality.get("questions", [])) != 1:
        report.problem(f"/quality should have one entry, for question {QUESTION!r}: {str(quality)[:300]}")
        return
    question = questions[0]
    report.compare("question type", question.get("type"), "choice", "equal")
    report.compare("question options", question.get("options"), OPTIONS, "equal")
    report.compare("annotations", question.get("annotations"), len(ratings.rows), "equal")
    report.compare("tasks with an answer", question.get("tasks"), len({t for t, _, _ in ratings.rows}), "equal")
    units = Counter(len(unit) for unit in ratings.by_task().values())
    report.note(f"  ratings per task → tasks: {dict(sorted(units.items()))}")

    agreement = question.get("agreement", {})
    report.compare("krippendorff_alpha_nominal vs krippendorff.alpha", agreement.get("krippendorff_alpha_nominal"),
                   reference_krippendorff_alpha(ratings))
    hand_fleiss = hand_fleiss_kappa(ratings)
    report.compare("fleiss_kappa vs hand formula", agreement.get("fleiss_kappa"), hand_fleiss)
    statsmodels_value = reference_fleiss_kappa(ratings)
    if statsmodels_value is not None:
        report.compare("fleiss_kappa vs statsmodels", agreement.get("fleiss_kappa"), statsmodels_value)
        report.compare("self-check of the references: hand Fleiss (as labelpark=) vs statsmodels", hand_fleiss,
                       statsmodels_value)
    elif ratings.rows:
        report.note("  statsmodels' fleiss_kappa does not apply: the tasks' numbers of ratings differ")
    mean_cohen, pairs = reference_mean_pairwise_cohen(ratings)
    report.compare("mean_pairwise_cohen_kappa vs sklearn", agreement.get("mean_pairwise_cohen_kappa"), mean_cohen,
                   note=f"rater pairs sharing a task: {pairs}")

    annotators = {entry["user_id"]: entry for entry in question.get("annotators", [])}
    report.compare("annotator ids", sorted(annotators), sorted(ratings.annotator_ids), "equal")
    per_item_comparison(report, "annotators[].annotations", {u: e.get("annotations") for u, e in annotators.items()},
                        dict(Counter(annotator for _, annotator, _ in ratings.rows)), None, lambda u: f"user {u}")
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
    per_item_comparison(report, "aggregated[].task_id (one per task with an answer)", {t: True for t in aggregated},
                        {t: True for t, _, _ in ratings.rows}, None, lambda t: f"task {t}")
    majority = hand_majority_vote(ratings)
    labelpark_majority = {t: (OPTIONS.index(e["majority_vote"]) if e.get("majority_vote") in OPTIONS else None)
                          for t, e in aggregated.items()}
    per_item_comparison(report, "aggregated[].majority_vote (hand, ties → lowest option index)",
                        {t: e.get("majority_vote") for t, e in aggregated.items()},
                        {t: OPTIONS[code] for t, (code, _) in majority.items()}, None, lambda t: f"task {t}")
    per_item_comparison(report, "aggregated[].majority_confidence (hand)",
                        {t: e.get("majority_confidence") for t, e in aggregated.items()},
                        {t: share for t, (_, share) in majority.items()}, EXACT_TOLERANCE, lambda t: f"task {t}")
    if not ratings.rows:
        return

    # crowd-kit's MajorityVote picks idxmax over its probas_ columns: among equal shares the first column. The
    # columns come in the order of pandas' value_counts (most frequent first), unless the labels are a
    # categorical, whose columns follow the categories. With the option indexes as categories its ties go to
    # the lowest option index, which is LabelPark's convention. (A categorical of the names would do the same,
    # but crowd-kit 1.4.2's skill estimate then fails inside pandas' eval.)
    crowd_mv = CrowdKitMajorityVote()
    crowd_labels = crowd_mv.fit_predict(crowd_kit_frame(ratings, "ordered codes"))
    crowd_probas = crowd_mv.probas_
    per_item_comparison(report, "aggregated[].majority_vote vs crowd-kit MajorityVote (categorical in schema order)",
                        {t: e.get("majority_vote") for t, e in aggregated.items()},
                        {int(t): OPTIONS[int(c)] for t, c in crowd_labels.items()}, None, lambda t: f"task {t}")
    per_item_comparison(report, "aggregated[].majority_confidence vs crowd-kit probas_",
                        {t: e.get("majority_confidence") for t, e in aggregated.items()},
                        {int(t): float(crowd_probas.loc[t].max()) for t in crowd_probas.index}, EXACT_TOLERANCE,
                        lambda t: f"task {t}")
    tied = [t for t, unit in ratings.by_task().items() if sorted(Counter(unit.values()).values())[-2:].count(
        max(Counter(unit.values()).values())) > 1]
    plain_mv = CrowdKitMajorityVote()
    plain = plain_mv.fit_predict(crowd_kit_frame(ratings, "names"))
    differs_plain = sum(plain[t] != OPTIONS[majority[t][0]] for t in majority)
    report.note(
        f"  majority vote: {len(tied)} tasks tied; crowd-kit given plain option names breaks ties by its column "
        f"order {list(plain_mv.probas_.columns)} and so differs from LabelPark on {differs_plain} tasks")

    # Dawid-Skene: LabelPark's smoothed fit written out again.
    mirror = smoothed_dawid_skene(ratings)
    per_item_comparison(report, "aggregated[].dawid_skene vs numpy smoothed EM",
                        {t: e.get("dawid_skene") for t, e in aggregated.items()},
                        {t: OPTIONS[c] for t, c in mirror.labels.items()}, None, lambda t: f"task {t}")
    per_item_comparison(report, "aggregated[].dawid_skene_confidence vs numpy smoothed EM",
                        {t: e.get("dawid_skene_confidence") for t, e in aggregated.items()},
                        mirror.confidences, ITERATIVE_TOLERANCE, lambda t: f"task {t}")
    per_item_comparison(report, "annotators[].dawid_skene_accuracy vs numpy smoothed EM",
                        {u: e.get("dawid_skene_accuracy") for u, e in annotators.items()},
                        mirror.annotator_accuracy, ITERATIVE_TOLERANCE, lambda u: f"user {u}")
    report.note(f"  numpy smoothed Dawid-Skene: {mirror.iterations} iterations")

    labelpark_ds = {t: (OPTIONS.index(e["dawid_skene"]) if e.get("dawid_skene") in OPTIONS else None)
                    for t, e in aggregated.items()}
    if None in labelpark_ds.values() or None in labelpark_majority.values():
        report.problem("some aggregated labels are not options; accuracies against the truth not computed")
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        crowd_ds = CrowdKitDawidSkene(n_iter=100).fit_predict(crowd_kit_frame(ratings, "codes"))
    crowd_ds_labels = {int(t): int(c) for t, c in crowd_ds.items()}
    ds_accuracy = accuracy_against_truth(labelpark_ds, truth_of_task)
    crowd_accuracy = accuracy_against_truth(crowd_ds_labels, truth_of_task)
    mv_accuracy = accuracy_against_truth(labelpark_majority, truth_of_task)
    report.note(
        f"  accuracy against the simulated truth over {len(labelpark_ds)} tasks: LabelPark Dawid-Skene "
        f"{ds_accuracy:.4f}, crowd-kit DawidSkene(n_iter=100) {crowd_accuracy:.4f}, LabelPark majority vote "
        f"{mv_accuracy:.4f}; LabelPark's and crowd-kit's Dawid-Skene labels agree on "
        f"{sum(labelpark_ds[t] == crowd_ds_labels[t] for t in labelpark_ds)} tasks")
    if not scenario.judge_truth_inference:
        return
    report.compare("Dawid-Skene accuracy vs crowd-kit DawidSkene's", ds_accuracy, crowd_accuracy,
                   rule=f"at least the reference − {DAWID_SKENE_MARGIN}")
    report.compare("Dawid-Skene accuracy vs LabelPark majority vote's", ds_accuracy, mv_accuracy,
                   rule="above the reference")
    report.note("  per annotator (simulated tier, true accuracy on their tasks, LabelPark's estimates):")
    correct = defaultdict(list)
    for task, annotator, code in ratings.rows:
        correct[annotator].append(code == truth_of_task[task])

    def shown(value):
        return "null" if value is None else f"{value:.3f}"
    for user_id in sorted(ratings.annotator_ids):
        entry = annotators.get(user_id, {})
        profile = profile_of.get(user_id)
        report.note(
            f"    user {user_id:>3} {profile.tier if profile else '?':<28} n={len(correct[user_id]):>3} "
            f"true={sum(correct[user_id]) / len(correct[user_id]):.3f} "
            f"consensus={shown(entry.get('consensus_agreement'))} "
            f"dawid_skene={shown(entry.get('dawid_skene_accuracy'))} "
            f"gold={shown(entry.get('gold', {}).get('accuracy'))} ({entry.get('gold', {}).get('scored')} scored)")


# ----------------------------------------------------------------------- choice: confusion and days


def utc_day(created_at: str) -> str:
    """The UTC day of an export's RFC 3339 `created_at` (it always ends in Z)."""
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z", created_at or ""):
        raise CheckFailure(f"export: created_at {created_at!r} is not RFC 3339 in UTC")
    return created_at[:10]


def hand_gold_by_day(export: list[dict], value_of: Callable[[int, dict], float | None]) -> dict[int, list]:
    """Per annotator: [(day, scored, mean value)] by UTC day of their gold answers' `created_at`, oldest first;
    `value_of(task id, result)` is the answer's score, None where the task is not gold or the answer unreadable."""
    values: dict[int, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for task in export:
        for annotation in task["annotations"]:
            value = value_of(task["id"], annotation["result"])
            if value is not None:
                values[annotation["annotator_id"]][utc_day(annotation["created_at"])].append(value)
    return {annotator: [(day, len(scores), sum(scores) / len(scores)) for day, scores in sorted(days.items())]
            for annotator, days in values.items()}


def compare_gold_by_day(report: Report, question: dict, expected: dict[int, list], label: str) -> None:
    ours = {entry["user_id"]: [(day.get("day"), day.get("scored"), day.get("accuracy"))
                               for day in entry.get("gold_by_day", [])] for entry in question.get("annotators", [])}
    mismatched = []
    for user_id, days in ours.items():
        wanted = expected.get(user_id, [])
        same = len(days) == len(wanted) and all(
            a[0] == b[0] and a[1] == b[1] and a[2] is not None and abs(a[2] - b[2]) <= EXACT_TOLERANCE
            for a, b in zip(days, wanted))
        if not same:
            mismatched.append(f"user {user_id}: labelpark={days} reference={wanted}")
    report.compare(f"{label}: annotators[].gold_by_day (hand, UTC day of created_at)",
                   f"{len(ours) - len(mismatched)}/{len(ours)} annotators match", f"{len(ours)}/{len(ours)} annotators match",
                   "equal", verdict=not mismatched and set(expected) <= set(ours))
    for line in mismatched[:10]:
        report.problem(f"gold_by_day: {line}")


def compare_choice_extras(report: Report, quality: dict, ratings: Ratings, export: list[dict],
                          gold_of_task: dict[int, int]) -> None:
    """Each annotator's gold confusion matrix, the project-wide one, and gold accuracy per day, by hand."""
    questions = [q for q in quality.get("questions", []) if q.get("name") == QUESTION]
    if len(questions) != 1:
        return
    question = questions[0]
    matrices: dict[int, list[list[int]]] = {}
    for task, annotator, code in ratings.rows:
        if task in gold_of_task:
            matrix = matrices.setdefault(annotator, [[0] * len(OPTIONS) for _ in OPTIONS])
            matrix[gold_of_task[task]][code] += 1
    # Only annotators with gold answers get a matrix (docs/API.md); the others must have none, not zeros.
    per_item_comparison(report, "annotators[].gold_confusion (hand; rows gold, columns answer; none without gold)",
                        {e["user_id"]: e.get("gold_confusion") for e in question.get("annotators", [])},
                        {annotator: matrices.get(annotator) for annotator in ratings.annotator_ids}, None,
                        lambda u: f"user {u}")
    total = [[sum(matrix[row][column] for matrix in matrices.values()) for column in range(len(OPTIONS))]
             for row in range(len(OPTIONS))]
    report.compare("gold_confusion (project-wide, hand)", question.get("gold_confusion"), total, "equal")

    def value_of(task: int, result: dict) -> float | None:
        if task not in gold_of_task or result.get(QUESTION) not in OPTIONS:
            return None
        return 1.0 if OPTIONS.index(result[QUESTION]) == gold_of_task[task] else 0.0
    compare_gold_by_day(report, question, hand_gold_by_day(export, value_of), "choice")


# -------------------------------------------------------------------- text, spans and rating (kinds)


@dataclass
class KindsRun:
    project_id: int
    # (annotator's user id, their handle of the task) → item
    item_of_task: dict[tuple[int, int], int] = field(default_factory=dict)
    submitted: int = 0


def run_kinds_project(server: ServerProcess, accounts: Accounts, seed: int, deadline: Deadline
                      ) -> tuple[KindsRun, list[kinds.KindsItem], set[int], list[kinds.KindsAnnotator]]:
    """Creates the kinds project, imports its sentences (some gold) and lets four annotators fill every slot."""
    rng = random.Random(f"{seed}/kinds")
    items = kinds.kinds_items(rng, KINDS_TASK_COUNT)
    gold_items = set(rng.sample(range(len(items)), round(len(items) * KINDS_GOLD_SHARE)))
    profiles = kinds.kinds_annotators()
    admin = ParkClient(server.base_url, accounts.manager.token)
    # Gold tasks have no slots: with gold_at_start every annotator answers each of them first, then work tasks.
    project = admin.post_json("/api/v1/projects", {"name": "quality reference: kinds", "schema": kinds.KINDS_SCHEMA,
                                                   "overlap": KINDS_OVERLAP,
                                                   "quality": {"gold_rate": 0, "gold_at_start": len(gold_items)}},
                              expect=(201,)).json()
    run = KindsRun(project_id=project["id"])
    lines = []
    for index, item in enumerate(items):
        data = {"text": item.text, "item": index}
        lines.append(json.dumps({"data": data, "gold": kinds.gold_answer(item)} if index in gold_items else data))
    imported = admin.request("POST", f"/api/v1/projects/{run.project_id}/tasks", ("\n".join(lines) + "\n").encode(),
                             "application/x-ndjson", expect=(201,)).json()
    if imported.get("created") != len(items):
        raise CheckFailure(f"kinds: imported {imported.get('created')} tasks, expected {len(items)}: {imported}")
    admin.close()
    answer_rng = random.Random(f"{seed}/kinds/answers")
    order_rng = random.Random(f"{seed}/kinds/order")
    participants = list(range(len(profiles)))
    clients = {index: ParkClient(server.base_url, accounts.annotators[index].token) for index in participants}
    active = list(participants)
    while active:
        deadline.check()
        still_active = []
        order_rng.shuffle(active)
        for index in active:
            claim = clients[index].request("POST", f"/api/v1/projects/{run.project_id}/next", expect=(200, 204))
            if claim.status == 204:
                continue
            still_active.append(index)
            body = claim.json()
            task_id, item = body["task"]["id"], body["task"]["data"]["item"]
            run.item_of_task[(accounts.annotators[index].user_id, task_id)] = item
            clients[index].post_json(f"/api/v1/tasks/{task_id}/annotations",
                                     {"lease_token": body["lease"]["token"],
                                      "result": profiles[index].result(items[item], answer_rng)}, expect=(201,))
            run.submitted += 1
        active = still_active
    for client in clients.values():
        client.close()
    return run, items, gold_items, profiles


def check_kinds_project(server: ServerProcess, accounts: Accounts, run: KindsRun, items: list[kinds.KindsItem],
                        gold_items: set[int], report: Report) -> None:
    manager = ParkClient(server.base_url, accounts.manager.token, timeout=30.0)
    try:
        export = manager.get(f"/api/v1/projects/{run.project_id}/export?format=jsonl", expect=(200,)).json_lines()
        quality = manager.get(f"/api/v1/projects/{run.project_id}/quality", expect=(200,)).json()
    finally:
        manager.close()
    item_of_task = {task["id"]: task["data"]["item"] for task in export}
    text_of_task = {task["id"]: task["data"]["text"] for task in export}
    gold_of_task = {task: kinds.gold_answer(items[item]) for task, item in item_of_task.items() if item in gold_items}
    # (task, annotator, result) of every answer.
    answers = [(task["id"], annotation["annotator_id"], annotation["result"])
               for task in export for annotation in task["annotations"]]
    expected = KINDS_OVERLAP * (len(items) - len(gold_items)) + len(kinds.kinds_annotators()) * len(gold_items)
    if len(answers) != expected:
        report.problem(f"expected {expected} answers (work tasks × overlap + gold tasks × annotators), the export "
                       f"has {len(answers)}")
    questions = {question.get("name"): question for question in quality.get("questions", [])}
    report.compare("question types", [question.get("type") for question in quality.get("questions", [])],
                   ["text", "spans", "rating"], "equal")
    if set(questions) != {kinds.TRANSCRIPT, kinds.ENTITIES, kinds.SCORE}:
        report.problem(f"/quality has questions {sorted(questions)}")
        return
    gold_answers: dict[int, list[tuple[int, dict, dict]]] = defaultdict(list)  # annotator → (task, gold, result)
    for task, annotator, result in answers:
        if task in gold_of_task:
            gold_answers[annotator].append((task, gold_of_task[task], result))
    annotator_ids = sorted({annotator for _, annotator, _ in answers})

    def entry(question: str, user_id: int) -> dict:
        return next((e for e in questions[question].get("annotators", []) if e.get("user_id") == user_id), {})

    def gold_field(question: str, *path: str) -> dict[int, object]:
        values = {}
        for user_id in annotator_ids:
            value = entry(question, user_id).get("gold", {})
            for key in path:
                value = value.get(key) if isinstance(value, dict) else None
            values[user_id] = value
        return values

    def users(key) -> str:
        return f"user {key}"

    # Text: jiwer on each annotator's list of (gold, answer) pairs, and the mean of 1 − min(CER, 1) per answer.
    rates = {user: kinds.jiwer_rates([(gold[kinds.TRANSCRIPT], result[kinds.TRANSCRIPT])
                                      for _, gold, result in gold_answers[user]]) for user in annotator_ids}
    per_item_comparison(report, "transcript: gold.cer vs jiwer.cer(list)", gold_field(kinds.TRANSCRIPT, "cer"),
                        {user: cer for user, (cer, _) in rates.items()}, EXACT_TOLERANCE, users)
    per_item_comparison(report, "transcript: gold.wer vs jiwer.wer(list)", gold_field(kinds.TRANSCRIPT, "wer"),
                        {user: wer for user, (_, wer) in rates.items()}, EXACT_TOLERANCE, users)
    text_values = {user: [1 - min(float(jiwer.cer(gold[kinds.TRANSCRIPT], result[kinds.TRANSCRIPT])), 1.0)
                          for _, gold, result in gold_answers[user]] for user in annotator_ids}
    per_item_comparison(report, "transcript: gold.accuracy vs mean of 1 − min(jiwer.cer, 1)",
                        gold_field(kinds.TRANSCRIPT, "accuracy"),
                        {user: sum(v) / len(v) for user, v in text_values.items()}, EXACT_TOLERANCE, users)
    per_item_comparison(report, "transcript: gold.scored", gold_field(kinds.TRANSCRIPT, "scored"),
                        {user: len(gold_answers[user]) for user in annotator_ids}, None, users)

    # Spans: seqeval (exact), the overlap matching and the per-answer F1 by hand.
    seqeval = {user: kinds.seqeval_scores([(text_of_task[task], gold[kinds.ENTITIES], result[kinds.ENTITIES])
                                           for task, gold, result in gold_answers[user]]) for user in annotator_ids}
    overlap = {user: kinds.pooled_overlap_scores([(gold[kinds.ENTITIES], result[kinds.ENTITIES])
                                                  for _, gold, result in gold_answers[user]]) for user in annotator_ids}
    for position, metric in enumerate(("precision", "recall", "f1")):
        per_item_comparison(report, f"entities: gold.exact.{metric} vs seqeval {metric}_score (strict IOB2 by character)",
                            gold_field(kinds.ENTITIES, "exact", metric),
                            {user: values[position] for user, values in seqeval.items()}, EXACT_TOLERANCE, users)
        per_item_comparison(report, f"entities: gold.overlap.{metric} vs hand maximum matching",
                            gold_field(kinds.ENTITIES, "overlap", metric),
                            {user: values[position] for user, values in overlap.items()}, EXACT_TOLERANCE, users)
    span_values = {user: [kinds.span_f1(kinds.exact_matches(result[kinds.ENTITIES], gold[kinds.ENTITIES]),
                                        len(result[kinds.ENTITIES]), len(gold[kinds.ENTITIES]))
                          for _, gold, result in gold_answers[user]] for user in annotator_ids}
    per_item_comparison(report, "entities: gold.accuracy vs mean exact F1 per answer (hand)",
                        gold_field(kinds.ENTITIES, "accuracy"),
                        {user: sum(v) / len(v) for user, v in span_values.items()}, EXACT_TOLERANCE, users)
    by_task: dict[int, list[dict]] = defaultdict(list)
    for task, _, result in answers:
        by_task[task].append(result[kinds.ENTITIES])
    pairs = [(first, second) for spans in by_task.values() for first, second in itertools.combinations(spans, 2)]
    pairwise = questions[kinds.ENTITIES].get("agreement", {}).get("mean_pairwise_span_f1", {})
    report.compare("entities: mean_pairwise_span_f1.exact (hand)", pairwise.get("exact"),
                   sum(kinds.span_f1(kinds.exact_matches(a, b), len(a), len(b)) for a, b in pairs) / len(pairs))
    report.compare("entities: mean_pairwise_span_f1.overlap (hand)", pairwise.get("overlap"),
                   sum(kinds.span_f1(kinds.overlap_matches(a, b), len(a), len(b)) for a, b in pairs) / len(pairs))

    # Rating: interval alpha with krippendorff; mean absolute error and exact-match share by hand.
    score_agreement = questions[kinds.SCORE].get("agreement", {})
    report.compare("score: krippendorff_alpha_interval vs krippendorff.alpha(interval)",
                   score_agreement.get("krippendorff_alpha_interval"),
                   kinds.interval_alpha([(task, annotator, float(result[kinds.SCORE]))
                                         for task, annotator, result in answers]))
    report.compare("score: fleiss_kappa (not applicable to ratings)", score_agreement.get("fleiss_kappa"), None, "equal")
    per_item_comparison(report, "score: gold.mean_absolute_error (hand)", gold_field(kinds.SCORE, "mean_absolute_error"),
                        {user: sum(abs(result[kinds.SCORE] - gold[kinds.SCORE]) for _, gold, result in gold_answers[user])
                         / len(gold_answers[user]) for user in annotator_ids}, EXACT_TOLERANCE, users)
    per_item_comparison(report, "score: gold.accuracy (share exactly right, hand)", gold_field(kinds.SCORE, "accuracy"),
                        {user: sum(result[kinds.SCORE] == gold[kinds.SCORE] for _, gold, result in gold_answers[user])
                         / len(gold_answers[user]) for user in annotator_ids}, EXACT_TOLERANCE, users)

    def transcript_value(task: int, result: dict) -> float | None:
        if task not in gold_of_task:
            return None
        return 1 - min(float(jiwer.cer(gold_of_task[task][kinds.TRANSCRIPT], result[kinds.TRANSCRIPT])), 1.0)
    compare_gold_by_day(report, questions[kinds.TRANSCRIPT], hand_gold_by_day(export, transcript_value), "transcript")
    for user in annotator_ids:
        cer, wer = rates[user]
        precision, recall, f1 = seqeval[user]
        report.note(f"  user {user}: {len(gold_answers[user])} gold answers, CER {cer:.4f}, WER {wer:.4f}, exact span "
                    f"P/R/F1 {precision:.3f}/{recall:.3f}/{f1:.3f}, overlap F1 {overlap[user][2]:.3f}")


# ------------------------------------------------------------------------------------------------ main


def check_project(server: ServerProcess, accounts: Accounts, run: ProjectRun, report: Report,
                  profile_of: dict[int, AnnotatorProfile]) -> None:
    """Reads the project's progress, export and quality report, and holds them against the references."""
    scenario = run.scenario
    manager = ParkClient(server.base_url, accounts.manager.token, timeout=30.0)
    try:
        # Gold tasks have no slots of their own (they are mixed into claims at the project's gold rate), so
        # "every slot" means every work task's.
        work_items = [item for item in scenario.truth if item not in scenario.gold_items]
        expected_answers = scenario.overlap * len(work_items)
        if scenario.every_slot_filled:
            slots = manager.get(f"/api/v1/projects/{run.project_id}/progress", expect=(200,)).json().get("slots", {})
            if slots.get("submitted") != expected_answers or slots.get("open") != 0:
                report.problem(f"progress: expected all {expected_answers} slots submitted, got {slots}")

        export_response = manager.get(f"/api/v1/projects/{run.project_id}/export?format=jsonl", expect=(200,))
        export = export_response.json_lines()
        for line in export:
            report.problems += [f"{report.section}: {problem}" for problem in
                                gold_leaks(line, GOLD_ANSWERS, f"export jsonl (task {line.get('id')})", True)]
        if '"gold"' in export_response.text():
            report.problem("export jsonl: the text `\"gold\"` in the body")
        csv_text = manager.get(f"/api/v1/projects/{run.project_id}/export?format=csv", expect=(200,)).text()
        if "gold" in csv_text.lower():
            report.problem("export csv: the word `gold` in the body")
        report.problems += [f"{report.section}: {problem}" for problem in run.leak_problems]
        if run.next_shapes[True] and run.next_shapes[True] != run.next_shapes[False]:
            gold_shapes = sorted(map(sorted, run.next_shapes[True]))
            other_shapes = sorted(map(sorted, run.next_shapes[False]))
            report.problem(f"POST /next: gold tasks come in another shape than the others: {gold_shapes} vs "
                           f"{other_shapes}")

        ratings, export_problems = ratings_from_export(export)
        for problem in export_problems:
            report.problem(problem)
        item_of_task = {task["id"]: task["data"]["item"] for task in export}
        if sorted(item_of_task.values()) != sorted(scenario.truth) or \
                not set(run.item_of_task.values()) <= set(item_of_task.values()):
            report.problem("export: the tasks or their items differ from those imported and handed out")
        # Every answer is tied to its task twice: by the item marker in the data the annotator was shown, and by
        # the annotation id of their receipt, which the export lists under the real task id.
        exported_annotations = {annotation["id"]: (annotation["annotator_id"], item_of_task.get(task["id"]))
                                for task in export for annotation in task["annotations"]}
        submitted = {annotation_id: (user_id, item) for annotation_id, (user_id, _, item) in run.annotation_of.items()}
        if exported_annotations != submitted:
            differing = sorted(set(exported_annotations.items()) ^ set(submitted.items()))
            report.problem(f"export: the annotations (id → annotator, item) differ from the answers given: "
                           f"{len(differing)} differ, e.g. {differing[:3]}")
        report.problems += [f"{report.section}: task handles: {problem}"
                            for problem in run.handle_problems + handle_problems(run)]
        truth_of_task = {task: scenario.truth[item] for task, item in item_of_task.items() if item in scenario.truth}
        run.gold_tasks = {task for task, item in item_of_task.items() if item in scenario.gold_items}
        per_task = Counter(task for task, _, _ in ratings.rows if task not in run.gold_tasks)
        if scenario.every_slot_filled and (set(per_task.values()) != {scenario.overlap}
                                           or len(per_task) != len(work_items)):
            report.problem(f"export: expected {scenario.overlap} answers on each of {len(work_items)} work tasks, "
                           f"got {sorted(Counter(per_task.values()).items())} (answers per task, tasks)")
        gold_answered = Counter(task for task, _, _ in ratings.rows if task in run.gold_tasks)
        report.note(f"  gold tasks answered: {sum(gold_answered.values())} answers on {len(gold_answered)} of "
                    f"{len(run.gold_tasks)} gold tasks")

        quality_response = manager.get(f"/api/v1/projects/{run.project_id}/quality")
        if quality_response.status != 200:
            report.problem(f"GET /api/v1/projects/{run.project_id}/quality answered {quality_response.status}: "
                           f"{quality_response.text()[:300]}")
            return
        compare_quality(report, quality_response.json(), ratings, run, truth_of_task, profile_of)
        compare_choice_extras(report, quality_response.json(), ratings, export,
                              {task: truth for task, truth in truth_of_task.items() if task in run.gold_tasks})
    finally:
        manager.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", default=".build/release/labelpark")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--tasks", type=int, default=DEFAULT_TASK_COUNT, help="tasks of the crowd project")
    parser.add_argument("--keep", action="store_true", help="keep the data directory and the server log")
    args = parser.parse_args()
    started = time.monotonic()
    deadline = Deadline(TIME_BUDGET_SECONDS, "the check")
    if not os.access(args.binary, os.X_OK):
        print(f"quality-reference: FAIL no executable at {args.binary}")
        return 1

    plan, profiles = scenarios(args.seed, args.tasks)
    work_dir = Path(tempfile.mkdtemp(prefix="labelpark-quality-reference-"))
    data_dir = work_dir / "data"
    data_dir.mkdir()
    server = ServerProcess(args.binary, data_dir=data_dir, log_path=work_dir / "server.log", description="the server")
    report = Report()
    summary_counts = []
    try:
        server.start(deadline.cap(20.0))
        accounts = Accounts(
            manager=new_account(args.binary, data_dir, "manager@ref.example", "manager", deadline),
            annotators=[new_account(args.binary, data_dir, f"annotator{index}@ref.example", "annotator", deadline)
                        for index in range(len(profiles))])
        profile_of = {account.user_id: profile for account, profile in zip(accounts.annotators, profiles)}
        for scenario in plan:
            report.section = scenario.name
            run = run_project(server, accounts, scenario, args.seed, deadline)
            summary_counts.append(f"{scenario.name} {len(scenario.truth)}/{len(scenario.gold_items)}/{run.submitted}")
            print(f"quality-reference: {scenario.name}: {len(scenario.truth)} tasks, {len(scenario.gold_items)} gold, "
                  f"{run.submitted} answers by {len(scenario.participants)} annotators, {run.claims} claims, "
                  f"{time.monotonic() - started:.1f} s")
            if scenario.name == "crowd":
                check_routes_for_gold(server, accounts, run)
                annotator_view = ParkClient(server.base_url, accounts.annotators[0].token)
                denied = annotator_view.get(f"/api/v1/projects/{run.project_id}/quality")
                annotator_view.close()
                if denied.status not in (403, 404):
                    report.problem(f"an annotator's GET /quality answered {denied.status}, expected 403 or 404")
            check_project(server, accounts, run, report, profile_of)
        report.section = "kinds"
        kinds_run, kinds_items, kinds_gold, kinds_profiles = run_kinds_project(server, accounts, args.seed, deadline)
        summary_counts.append(f"kinds {len(kinds_items)}/{len(kinds_gold)}/{kinds_run.submitted}")
        print(f"quality-reference: kinds: {len(kinds_items)} tasks, {len(kinds_gold)} gold, {kinds_run.submitted} "
              f"answers by {len(kinds_profiles)} annotators, {time.monotonic() - started:.1f} s")
        check_kinds_project(server, accounts, kinds_run, kinds_items, kinds_gold, report)
    except (ProcessFailure, UnexpectedStatus, TransportFailure) as error:
        report.problem(f"{type(error).__name__}: {error}")
        if server.process is not None:
            report.problem("server log tail:\n" + server.log_tail())
    finally:
        server.terminate(GRACEFUL_EXIT_SECONDS)
        if args.keep:
            print(f"quality-reference: kept {work_dir}")
        else:
            shutil.rmtree(work_dir, ignore_errors=True)

    for line in report.lines:
        print(line.line() if isinstance(line, Comparison) else line)
    for problem in report.problems:
        print(f"  problem: {problem}")
    passed = sum(comparison.passed for comparison in report.comparisons)
    summary = (f"{passed}/{len(report.comparisons)} comparisons hold, {len(report.problems)} problems; "
               f"seed {args.seed}; tasks/gold/answers: {', '.join(summary_counts)}; {time.monotonic() - started:.1f} s")
    if report.failed():
        print(f"quality-reference: FAIL {summary}")
        return 1
    print(f"quality-reference: PASS {summary}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
