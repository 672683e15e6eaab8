#!/usr/bin/env python3
"""Checks a labelpark-bench JSON report from the smoke run: every scenario ran, did work, and saw no errors.

Usage: check_bench.py REPORT.json
"""
import json
import sys

EXPECTED = {
    "import": lambda s: s["operations"] > 0,
    "annotate": lambda s: s["operations"] > 0 and "claim" in s["latencies"],
    "mixed": lambda s: s["operations"] > 0 and int(s["notes"].get("mixed_imported", "0")) > 0,
    "import-during": lambda s: s["operations"] > 0 and int(s["notes"].get("big_import_tasks", "0")) > 0,
    "annotate while": lambda s: int(s["notes"]["idle_still_open_after"]) == int(s["notes"]["idle_opened"]) > 0,
    "export jsonl": lambda s: int(s["notes"]["lines"]) > 0,
    "export csv": lambda s: int(s["notes"]["lines"]) > 1,
}


def main(path: str) -> int:
    with open(path, encoding="utf-8") as handle:
        report = json.load(handle)
    passed, failed = 0, 0
    for prefix, check in EXPECTED.items():
        scenarios = [s for s in report["scenarios"] if s["name"].startswith(prefix)]
        problems = []
        if not scenarios:
            problems.append("did not run")
        for scenario in scenarios:
            if scenario["errors"]:
                problems.append(f"errors by status {scenario['errors']}")
            if not check(scenario):
                problems.append(f"did no work or held no connections: {scenario}")
        if problems:
            failed += 1
            print(f"bench scenario '{prefix}': " + "; ".join(problems))
        else:
            passed += 1
    print(f"bench smoke: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
