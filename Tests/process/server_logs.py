"""Keeps every test server's log for the crash-only check, and scans them for crashes.

`scripts/test` sets `LABELPARK_SERVER_LOG_DIR`; each test that starts `labelpark serve` then writes the log
into that folder (its own log path becomes a symbolic link to it), so the logs outlive the tests' temporary
folders. At the end `python3 Tests/process/server_logs.py check DIR` fails if any server printed a Swift
runtime crash or a backtrace. Standard library only.
"""

from __future__ import annotations

import os
import re
import sys
import uuid
from pathlib import Path

ARCHIVE_VARIABLE = "LABELPARK_SERVER_LOG_DIR"

# What the Swift runtime and its backtracer print when a process traps, and what a signal leaves behind.
CRASH_MARKERS = re.compile(
    r"Fatal error|Program crashed|Current stack trace|Thread \d+ crashed|Illegal instruction|"
    r"Segmentation fault|Aborted \(core dumped\)|Bus error|Crash(ed)? in|\bbacktrace\b",
)
# swift-log's lines (a request's URI may contain any words a fuzzer sent): `2026-… level label : …`.
LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\dT\S+\s+(trace|debug|info|notice|warning|error|critical)\s")


def archived(log_path: Path) -> Path:
    """Where a server should write its log: `log_path` itself, made a link into the archive when one is set."""
    folder = os.environ.get(ARCHIVE_VARIABLE)
    if not folder or log_path.is_symlink():
        return log_path
    target = Path(folder) / f"{uuid.uuid4().hex[:12]}-{log_path.parent.name}-{log_path.name}"
    target.parent.mkdir(parents=True, exist_ok=True)
    if log_path.exists():
        target.write_bytes(log_path.read_bytes())
        log_path.unlink()
    else:
        target.touch()
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log_path.symlink_to(target)
    return log_path


def crashes(folder: Path) -> list[str]:
    """`file: line` for every line of every log in `folder` that shows a crash."""
    found = []
    for path in sorted(folder.glob("*")):
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), start=1):
            if not LOG_LINE.match(line) and CRASH_MARKERS.search(line):
                found.append(f"{path.name}:{number}: {line.strip()[:200]}")
    return found


def main() -> int:
    if len(sys.argv) != 3 or sys.argv[1] != "check":
        print("usage: server_logs.py check DIR", file=sys.stderr)
        return 2
    folder = Path(sys.argv[2])
    logs = sorted(folder.glob("*"))
    found = crashes(folder)
    for line in found[:50]:
        print(line)
    print(f"crash-only check: {len(logs)} server logs, {sum(p.stat().st_size for p in logs)} bytes, "
          f"{len(found)} crash lines")
    print(f"crash-only check: {1 if not found else 0} passed, {1 if found else 0} failed")
    return 1 if found or not logs else 0


if __name__ == "__main__":
    sys.exit(main())
