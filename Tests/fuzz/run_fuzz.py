#!/usr/bin/env python3
"""Fuzz suite for LabelPark: schemathesis over the OpenAPI document, then seeded generators for the rest.

    python3 Tests/fuzz/run_fuzz.py --binary .build/debug/labelpark [--seed N] [--budget-seconds S]

Starts `labelpark serve` on a free loopback port with a temporary data dir (and a directory it may attach,
holding one image), builds a park (a manager, an annotator and a reviewer in one client organization; a
project asking every question type; tasks, gold, answers, a review queue, an inspection, a browser session;
an image project asking every region kind, with an uploaded image and a synced directory storage), runs
schemathesis with the manager's token, then the generators of `gen_http`, `gen_data`, `gen_media`,
`gen_regions` and `gen_datasets`, which send raw HTTP. After every case `/healthz` must answer 200 within a
few seconds; a 5xx, a dead or a hung server, or an answer the case's check refuses (a 2xx for what the
documented rules refuse, a refusal of what they allow, a 4xx whose error names nothing, an export that does
not parse or lost data) fails the case, which is printed with the server log's tail, and the server is
restarted if it must be so the run goes on. At the end the server gets SIGTERM and its log must hold no
crash. Prints cases per family and `fuzz: N passed, M failed`; exits 1 on any failure. Needs the packages
of requirements.txt (schemathesis).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "process"))
sys.path.insert(0, str(HERE))

import fuzz_schemathesis  # noqa: E402
import gen_data  # noqa: E402
import gen_datasets  # noqa: E402
import gen_http  # noqa: E402
import gen_media  # noqa: E402
import gen_regions  # noqa: E402
from fuzz_park import STORAGE_IMAGE, STORAGE_KEY, build_park, create_people, restore_project  # noqa: E402
from fuzz_runner import CaseRunner, Finding, FuzzServer, Tally  # noqa: E402
from gen_context import Context, drive  # noqa: E402
from lp_server import Deadline, ProcessFailure  # noqa: E402

# Families run in this order: the ones that sign in with the right password come before the ones that
# pile up failed sign-ins (the limiter answers 429 after thirty from one address).
FAMILIES = [
    ("tokens", gen_data.tokens),
    ("sign-in redirects", gen_http.sign_in_success),
    ("headers", gen_http.headers),
    ("host", gen_http.host_cases),
    ("cookies and CSRF", gen_http.session),
    ("protocol", gen_http.protocol),
    ("queries", gen_http.queries),
    ("imports", gen_data.imports),
    ("media", gen_media.media),
    ("schemas", gen_data.schemas),
    ("quality policies", gen_data.quality),
    ("answers", gen_data.answers),
    ("regions", gen_regions.regions),
    ("datasets", gen_datasets.datasets),
    ("reviews", gen_data.reviews),
    ("inspections", gen_data.inspections),
    ("sign-in form", gen_http.sign_in_form),
    ("read back", gen_data.readback),
    ("region read back", gen_regions.readback),
]
SCHEMATHESIS_SHARE = 0.4
SHUTDOWN_RESERVE_SECONDS = 20.0


def parse_arguments() -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", required=True, help="the labelpark executable")
    parser.add_argument("--seed", type=int, default=None, help="seed of the generators and schemathesis")
    parser.add_argument("--budget-seconds", type=float, default=220.0, help="time for the whole run")
    parser.add_argument("--random-cases", type=int, default=120, help="random cases per family at most")
    parser.add_argument("--max-examples", type=int, default=12, help="schemathesis examples per operation")
    parser.add_argument("--only", action="append", default=[], help="run only this family (repeatable)")
    parser.add_argument("--skip-schemathesis", action="store_true")
    parser.add_argument("--report", type=Path, help="also write the findings to this Markdown file")
    parser.add_argument("--keep", action="store_true", help="keep the work dir (data and server log)")
    parser.add_argument("--verbose", action="store_true", help="print every case")
    return parser.parse_args()


def run_generators(context: Context, deadline: Deadline, only: list[str]) -> None:
    """Runs each family in turn; each gets an equal share of the time left for its random cases."""
    families = [(name, family) for name, family in FAMILIES if not only or name in only]
    for index, (name, family) in enumerate(families):
        left = max(0.0, deadline.remaining() - SHUTDOWN_RESERVE_SECONDS)
        context.begin(name, left / (len(families) - index))
        started = time.monotonic()
        drive(family, context)
        print(f"family {name}: {context.runner.tally.passed[name] + context.runner.tally.failed[name]} cases "
              f"in {time.monotonic() - started:.1f} s", flush=True)


def check_shutdown(server: FuzzServer, tally: Tally) -> None:
    """SIGTERM must end the server cleanly, and its whole log must hold no crash or backtrace."""
    code = server.stop()
    problems = []
    if code != 0:
        problems.append(f"SIGTERM: exit code {code} (None: killed after 20 s)")
    crashes = server.crash_lines()
    if crashes:
        problems.append(f"the server log holds {len(crashes)} crash line(s)")
    finding = None
    if problems:
        shown = "\n".join(f"    | {line[:300]}" for line in crashes[:15])
        finding = Finding("shutdown", "(SIGTERM at the end of the run)", "; ".join(problems), shown)
        print(f"FAIL {finding.render()}\n", flush=True)
    tally.record("shutdown", finding)


def signature(finding: Finding) -> str:
    """What makes two findings the same bug, roughly: the family, the note and the first crash line."""
    crash = next((line.strip(" |") for line in finding.log.splitlines()
                  if "Fatal error" in line or "Program crashed" in line), "")
    problem = ("died" if "died" in finding.problem else "hung" if "hung" in finding.problem
               else "wrong answer" if finding.problem.startswith("wrong answer") else "5xx")
    return f"{finding.family} / {finding.note} / {problem} / {crash[:200]}"


def print_summary(tally: Tally, restarts: int, seconds: float) -> None:
    """Cases per family, the findings grouped by signature, and the closing line."""
    print("\ncases per family:")
    for family in tally.families():
        print(f"  {family:<20} {tally.passed[family] + tally.failed[family]:>6} cases, {tally.failed[family]} failed")
    groups: dict[str, list[Finding]] = {}
    for finding in tally.findings:
        groups.setdefault(signature(finding), []).append(finding)
    if groups:
        print(f"\n{len(tally.findings)} failed case(s) in {len(groups)} group(s); server restarts: {restarts}")
        for key, findings in groups.items():
            print(f"  {len(findings):>4} x {key}")
    print(f"run took {seconds:.0f} s")
    print(f"fuzz: {tally.total_passed} passed, {tally.total_failed} failed", flush=True)


def write_report(path: Path, tally: Tally) -> None:
    """Every finding as Markdown, grouped by signature, with one full example per group."""
    groups: dict[str, list[Finding]] = {}
    for finding in tally.findings:
        groups.setdefault(signature(finding), []).append(finding)
    lines = [f"# Fuzz findings ({len(tally.findings)} failed cases, {len(groups)} groups)", ""]
    for key, findings in groups.items():
        lines += [f"## {key} ({len(findings)} cases)", "", "```", findings[0].render(), "```", ""]
        if len(findings) > 1:
            lines += ["Other requests in this group:", ""]
            lines += [f"- `{f.request.splitlines()[0][:150]}` {f.note}" for f in findings[1:20]]
            lines.append("")
    path.write_text("\n".join(lines))


def main() -> int:
    """Runs the suite; the exit code is 0 only when every case passed."""
    arguments = parse_arguments()
    seed = arguments.seed if arguments.seed is not None else random.SystemRandom().randrange(1 << 31)
    print(f"fuzz: seed {seed}, budget {arguments.budget_seconds:.0f} s", flush=True)
    started = time.monotonic()
    deadline = Deadline(arguments.budget_seconds, "the fuzz run")
    work_dir = Path(tempfile.mkdtemp(prefix="labelpark-fuzz-"))
    server = FuzzServer(os.path.abspath(arguments.binary), work_dir,
                        attachable={STORAGE_KEY: gen_media.png(*STORAGE_IMAGE)})
    tally = Tally()
    try:
        people = create_people(server.process.binary, work_dir / "data", Deadline(120, "creating people"))
        server.start()
        park = build_park(people, server.base_url, server.attachable_dir)
        print(f"park: project {park.project_id}, batch {park.batch_id}, {len(park.annotation_ids)} annotations, "
              f"server {server.base_url}, work dir {work_dir}", flush=True)
        if not arguments.skip_schemathesis and not arguments.only:
            seconds = max(20.0, (deadline.remaining() - SHUTDOWN_RESERVE_SECONDS) * SCHEMATHESIS_SHARE)
            fuzz_schemathesis.run(server, park.manager.token, tally, seed=seed, seconds=seconds,
                                  max_examples=arguments.max_examples, work_dir=work_dir)
            restore_project(park)
        # A fresh process for the generators: the sign-in limiter (in memory) forgets schemathesis' attempts.
        server.stop()
        server.start()
        context = Context(park, CaseRunner(server, tally, arguments.verbose), random.Random(seed),
                          arguments.random_cases)
        run_generators(context, deadline, arguments.only)
        check_shutdown(server, tally)
    except ProcessFailure as error:
        tally.record("setup", Finding("setup", "(set-up)", str(error), server.log_since(0)))
        print(f"FAIL set-up: {error}", flush=True)
    finally:
        server.process.kill()
    print_summary(tally, server.restarts, time.monotonic() - started)
    if arguments.report:
        write_report(arguments.report, tally)
    if arguments.keep or tally.total_failed:
        print(f"work dir kept: {work_dir}")
    else:
        shutil.rmtree(work_dir, ignore_errors=True)
    return 1 if tally.total_failed else 0


if __name__ == "__main__":
    sys.exit(main())
