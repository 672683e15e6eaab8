#!/usr/bin/env python3
"""LabelPark's web UI in a real browser (issue #3): headless Debian Chromium driven by selenium against a
real `labelpark serve` process, one fresh park, server and browser profile per test.

    python3 Tests/browser/run_browser_tests.py --binary .build/release/labelpark [--keep] [--only NAME[,NAME]]

Prints one line per test, then `perf: …` and `browser: N passed, M failed`; exits non-zero on a failure.
A failing test leaves a screenshot, the page's HTML and its console in .build/browser-screenshots/
(passing ones too with --keep, which also keeps each test's park directory).
Needs: apt-get install -y chromium chromium-driver; pip install --break-system-packages selenium (and, for
the keypoints_masks test, pycocotools, which reads the stored masks).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import sys
import tempfile
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPOSITORY = HERE.parent.parent
sys.path.insert(0, str(HERE))

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
RUN_BUDGET_SECONDS = 480.0


def missing_prerequisites(binary: str) -> list[str]:
    problems = []
    if not Path(binary).is_file() or not os.access(binary, os.X_OK):
        problems.append(f"no labelpark binary at {binary} (swift build -c release --product labelpark)")
    for path, package in ((CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")):
        if not os.access(path, os.X_OK):
            problems.append(f"{path} is missing: apt-get install -y {package}")
    if importlib.util.find_spec("selenium") is None:
        problems.append("the selenium module is missing: pip install --break-system-packages selenium")
    return problems


def all_tests():
    """The tests in the order they run: (name, function)."""
    import cases_annotate
    import cases_pages

    return [
        ("sign_in", cases_pages.test_sign_in_and_out),
        ("create_project_and_import", cases_pages.test_create_project_and_import),
        ("project_settings", importlib.import_module("cases_settings").test_project_settings),
        ("keyboard_20_tasks", cases_annotate.test_keyboard_twenty_tasks),
        ("keyboard_shortcuts", cases_annotate.test_keyboard_shortcuts),
        ("ner_spans_by_mouse", cases_annotate.test_ner_spans_by_mouse),
        ("question_kinds", importlib.import_module("cases_form").test_question_kinds),
        ("image_field", importlib.import_module("cases_image").test_image_field),
        ("regions", importlib.import_module("cases_regions").test_regions),
        ("prefilled_boxes", importlib.import_module("cases_prefill").test_prefilled_boxes),
        ("keypoints_masks", importlib.import_module("cases_keypoints_masks").test_keypoints_masks),
        ("media_upload", importlib.import_module("cases_media_upload").test_media_upload),
        ("storages", importlib.import_module("cases_storages").test_storages),
        ("datasets", importlib.import_module("cases_datasets").test_datasets),
        ("offline_then_back", cases_annotate.test_offline_then_back),
        ("hostile_text", cases_pages.test_hostile_text_is_shown_not_run),
        ("both_languages", cases_pages.test_both_languages),
        ("quality_dashboard", importlib.import_module("cases_quality").test_quality_dashboard),
        ("review_reject_rework_accept", importlib.import_module("cases_review").test_review_reject_rework_accept),
        ("pause_and_reinstate", importlib.import_module("cases_review").test_pause_and_reinstate),
        ("inspection_from_project_page", importlib.import_module("cases_review").test_inspection_from_project_page),
        ("account_tokens", importlib.import_module("cases_account").test_account_tokens),
        ("account_invitations", importlib.import_module("cases_account").test_account_invitations),
        ("session_expiry", cases_annotate.test_session_expiry_keeps_work),
        ("performance", cases_annotate.test_performance),
    ]


def run_one(name: str, function, args, screenshot_dir: Path, measurements: dict) -> tuple[bool, str, list[str]]:
    """Runs one test in its own directory; (passed, one-line summary, notes and failure detail)."""
    from context import TestContext

    directory = Path(tempfile.mkdtemp(prefix=f"labelpark-browser-{name}-"))
    context = TestContext(name, directory, args.binary, screenshot_dir, measurements)
    started = time.monotonic()
    passed = False
    detail: list[str] = []
    try:
        function(context)
        passed = True
        if args.keep:
            context.save_evidence()
    except Exception as error:  # every failure, whatever its kind, is this test's result
        detail.append(f"{type(error).__name__}: {error}")
        frames = traceback.extract_tb(error.__traceback__)
        own = [frame for frame in frames if Path(frame.filename).parent == HERE]
        if own:
            detail.append("at " + " < ".join(f"{Path(f.filename).name}:{f.lineno}" for f in reversed(own[-4:])))
        saved = context.save_evidence()
        if saved:
            detail.append("screenshot: " + ", ".join(str(path.relative_to(REPOSITORY)) if path.is_relative_to(REPOSITORY)
                                                     else str(path) for path in saved))
        if context.park.log_path.exists():
            detail.append("server log tail:\n" + context.park.log_tail(8))
    finally:
        context.close()
        if args.keep or not passed:
            detail.append(f"park directory kept: {directory}")
        else:
            shutil.rmtree(directory, ignore_errors=True)
    elapsed = time.monotonic() - started
    summary = f"{'ok  ' if passed else 'FAIL'} {name} ({elapsed:.1f} s)"
    return passed, summary, context.notes + detail


def format_perf(measurements: dict) -> str:
    from pages import percentile

    parts = []
    durations = measurements.get("enter_to_next")
    if durations:
        parts.append(f"enter-to-next p50={percentile(durations, 0.5):.1f} p95={percentile(durations, 0.95):.1f} ms")
    else:
        parts.append("enter-to-next not measured")
    render = measurements.get("render_100kb_2000_spans")
    parts.append(f"render-100KB-2000-spans={render:.1f} ms" if render is not None else "render-100KB-2000-spans not measured")
    render_plain = measurements.get("render_100kb")
    if render_plain is not None:
        parts.append(f"render-100KB (annotate page)={render_plain:.1f} ms")
    return "perf: " + "; ".join(parts)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", required=True, help="the labelpark executable (a release build)")
    parser.add_argument("--keep", action="store_true", help="keep park directories and screenshots of passing tests")
    parser.add_argument("--only", help="run only these tests (comma-separated names)")
    parser.add_argument("--list", action="store_true", help="print the test names and exit")
    args = parser.parse_args()

    problems = missing_prerequisites(args.binary)
    if problems:
        for problem in problems:
            print(f"browser tests cannot run: {problem}", file=sys.stderr)
        return 2

    tests = all_tests()
    if args.list:
        print("\n".join(name for name, _ in tests))
        return 0
    if args.only:
        wanted = [name.strip() for name in args.only.split(",") if name.strip()]
        unknown = sorted(set(wanted) - {name for name, _ in tests})
        if unknown:
            print(f"unknown test(s): {', '.join(unknown)}; known: {', '.join(name for name, _ in tests)}", file=sys.stderr)
            return 2
        tests = [(name, function) for name, function in tests if name in wanted]

    screenshot_dir = REPOSITORY / ".build" / "browser-screenshots"
    screenshot_dir.mkdir(parents=True, exist_ok=True)
    measurements: dict = {}
    passed = failed = 0
    run_started = time.monotonic()
    for name, function in tests:
        if time.monotonic() - run_started > RUN_BUDGET_SECONDS:
            print(f"FAIL {name} (not run: the run exceeded its {RUN_BUDGET_SECONDS:.0f} s budget)", flush=True)
            failed += 1
            continue
        ok, summary, notes = run_one(name, function, args, screenshot_dir, measurements)
        print(summary, flush=True)
        for note in notes:
            print("\n".join("     " + line for line in note.splitlines()), flush=True)
        passed += ok
        failed += not ok
    print(format_perf(measurements))
    print(f"browser run took {time.monotonic() - run_started:.0f} s")
    print(f"browser: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
