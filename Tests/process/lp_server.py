"""`labelpark serve` processes and `labelpark` CLI calls for LabelPark's process tests.

The crash test, the multi-instance test and the quality reference check all start release servers on a
loopback port, wait for `/healthz`, stop them with SIGTERM or SIGKILL, read their logs, and create users
and tokens with the CLI. The store is either a SQLite data directory or a PostgreSQL URL; both are
keyword arguments here. Standard library only.
"""

from __future__ import annotations

import re
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from lp_client import free_local_port, wait_until_healthy
from server_logs import archived

HOST = "127.0.0.1"
# Tests create many users; the cheapest cost the server accepts keeps set-up fast.
TEST_BCRYPT_COST = 4


class ProcessFailure(Exception):
    """The test could not go on: set-up failed, time ran out, a process misbehaved."""


class Deadline:
    """A time budget; every wait is capped by what is left of it."""

    def __init__(self, seconds: float, what: str):
        self.ends_at = time.monotonic() + seconds
        self.seconds = seconds
        self.what = what

    def remaining(self) -> float:
        """Seconds left, negative once the budget is spent."""
        return self.ends_at - time.monotonic()

    def check(self) -> None:
        """Raises `ProcessFailure` once the budget is spent."""
        if self.remaining() <= 0:
            raise ProcessFailure(f"{self.what} exceeded its {self.seconds:.0f} s budget")

    def cap(self, seconds: float) -> float:
        """`seconds`, or what is left of the budget if that is less; raises once the budget is spent."""
        self.check()
        return min(seconds, self.remaining())


@dataclass
class Account:
    """A user a test created, with an API token."""

    email: str
    user_id: int
    token: str


def store_arguments(data_dir: Path | None = None, database_url: str | None = None) -> list[str]:
    """The options that name a store: `--database-url URL`, `--data-dir DIR`, or both."""
    if data_dir is None and database_url is None:
        raise ValueError("a store needs a data directory or a database URL")
    arguments = []
    if database_url is not None:
        arguments += ["--database-url", database_url]
    if data_dir is not None:
        arguments += ["--data-dir", str(data_dir)]
    return arguments


class ServerProcess:
    """One `labelpark serve` process on 127.0.0.1; its stdout and stderr go to `log_path`, appended across starts.

    With `database_url` the server runs on PostgreSQL; `data_dir` is then only its import spool.
    `description` ("the server", "instance A") names it in failure messages.
    """

    def __init__(self, binary: str, *, log_path: Path, data_dir: Path | None = None, database_url: str | None = None,
                 port: int | None = None, cwd: Path | None = None, extra_args: tuple[str, ...] | list[str] = (),
                 description: str = "server", environment: dict[str, str] | None = None):
        self.binary = binary
        self.log_path = archived(log_path)
        self.data_dir = data_dir
        self.database_url = database_url
        self.port = port if port is not None else free_local_port()
        self.cwd = cwd
        self.extra_args = list(extra_args)
        self.description = description
        # None inherits this process's environment; S3 tests pass one with only their fake keys.
        self.environment = environment
        self.process: subprocess.Popen | None = None
        self.starts = 0

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def address(self) -> str:
        """`host:port`, as nginx's `$upstream_addr` names the server."""
        return f"{HOST}:{self.port}"

    def command(self) -> list[str]:
        return [self.binary, "serve", *store_arguments(self.data_dir, self.database_url), "--host", HOST,
                "--port", str(self.port), "--bcrypt-cost", str(TEST_BCRYPT_COST), *self.extra_args]

    def launch(self) -> None:
        """Starts the process without waiting; the log gets a `--- start N ---` line first."""
        self.starts += 1
        with open(self.log_path, "ab") as log:
            log.write(f"--- start {self.starts} ---\n".encode())
            log.flush()
            self.process = subprocess.Popen(self.command(), stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                            cwd=self.cwd, env=self.environment)

    def wait_healthy(self, timeout: float) -> None:
        """Waits until `/healthz` answers 200; raises `ProcessFailure` with the log's tail if it does not."""
        try:
            wait_until_healthy(self.base_url, timeout, is_alive=self.is_alive)
        except (TimeoutError, RuntimeError) as error:
            raise ProcessFailure(
                f"{self.description} on port {self.port} did not start: {error}\n{self.log_tail()}") from error

    def start(self, timeout: float) -> None:
        """`launch()`, then `wait_healthy(timeout)`."""
        self.launch()
        self.wait_healthy(timeout)

    def is_alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    @property
    def exit_code(self) -> int | None:
        """The exit code once the process has exited, else None."""
        return None if self.process is None else self.process.poll()

    def kill(self) -> None:
        """SIGKILL, then reap: no drain, no shutdown hooks."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def terminate(self, timeout: float) -> int | None:
        """SIGTERM and wait: the exit code, or None (after a SIGKILL) when it did not exit in time or never started."""
        if self.process is None:
            return None
        if self.process.poll() is not None:
            return self.process.returncode
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            return None

    def exit_report(self) -> str | None:
        """Why the process is no longer running, or None while it runs (or before it started)."""
        if self.is_alive() or self.process is None:
            return None
        return f"{self.description} exited on its own with code {self.process.returncode}\n{self.log_tail()}"

    def log_tail(self, lines: int = 15) -> str:
        """The log's last lines, or, after a Swift runtime crash, its reason and the crashed thread's top frames."""
        try:
            text = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return "(no server log)"
        reasons = [i for i, line in enumerate(text) if "Fatal error" in line or "runtime failure" in line]
        crashed = [i for i, line in enumerate(text) if line.startswith("Thread ") and line.endswith("crashed:")]
        if reasons:
            shown = [text[reasons[0]]] + (text[crashed[0]:crashed[0] + 10] if crashed else text[reasons[0] + 1:][:lines])
        else:
            shown = text[-lines:]
        return "\n".join(f"    | {line}" for line in shown)


def run_cli(binary: str, arguments: list[str], deadline: Deadline, *, cwd: Path | None = None,
            timeout: float = 30.0) -> str:
    """Runs `labelpark <arguments>` and returns its stdout; raises `ProcessFailure` on a timeout or a nonzero exit.

    Failure messages leave out arguments holding a URL (a database URL may carry a password) and show at
    most the last 500 characters of stderr.
    """
    try:
        finished = subprocess.run([binary, *arguments], capture_output=True, text=True, cwd=cwd,
                                  timeout=deadline.cap(timeout))
    except subprocess.TimeoutExpired as error:
        raise ProcessFailure(f"`labelpark {' '.join(arguments[:2])}` timed out") from error
    if finished.returncode != 0:
        shown = " ".join(argument for argument in arguments if "://" not in argument)
        raise ProcessFailure(f"`labelpark {shown}` exited {finished.returncode}: {finished.stderr.strip()[-500:]}")
    return finished.stdout


def create_account(binary: str, email: str, role: str, deadline: Deadline, *, password: str, organization: str,
                   data_dir: Path | None = None, database_url: str | None = None, org_kind: str | None = None,
                   bcrypt_cost: int | None = None, cwd: Path | None = None, timeout: float = 30.0) -> Account:
    """Creates a user in `organization` and an API token for them with `labelpark user create` and `token create`."""
    store = store_arguments(data_dir, database_url)
    arguments = ["user", "create", *store, "--email", email, "--password", password, "--role", role,
                 "--org", organization]
    if org_kind is not None:
        arguments += ["--org-kind", org_kind]
    if bcrypt_cost is not None:
        arguments += ["--bcrypt-cost", str(bcrypt_cost)]
    output = run_cli(binary, arguments, deadline, cwd=cwd, timeout=timeout)
    match = re.search(r"created user (\d+)", output)
    if not match:
        raise ProcessFailure(f"cannot read the user id from `user create`: {output!r}")
    token = run_cli(binary, ["token", "create", *store, "--email", email], deadline, cwd=cwd, timeout=timeout).strip()
    if not token:
        raise ProcessFailure(f"`token create` printed no token for {email}")
    return Account(email=email, user_id=int(match.group(1)), token=token)
