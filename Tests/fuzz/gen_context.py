"""What the seeded generators share: the park, the random source, a time slice per family, request builders.

A family is a generator function `family(ctx)` yielding `RawRequest`s; the driver sends each one (with
the health check and the request's own answer check) and sends the `Outcome` back into the generator, so
a family can react to answers (a lease that was used up, an id that was created). Families run their
fixed corpus in full, then random cases while `ctx.more()` says their time slice and case cap allow.
"""

from __future__ import annotations

import json
import random
import time
from typing import Callable, Iterator

from expect import error_body
from fuzz_http import Outcome, RawRequest
from fuzz_park import Park
from fuzz_runner import CaseRunner
from hostile import encode
from lp_client import ParkClient, TransportFailure

Family = Callable[["Context"], Iterator[RawRequest]]


class Context:
    """The park, the seeded random source and the current family's budget."""

    def __init__(self, park: Park, runner: CaseRunner, rng: random.Random, random_cases: int):
        self.park = park
        self.runner = runner
        self.rng = rng
        self.random_cases = random_cases
        self.family = ""
        self.slice_ends = 0.0
        self.random_sent = 0

    def begin(self, family: str, seconds: float) -> None:
        """Starts `family` with `seconds` of time for its random cases."""
        self.family = family
        self.slice_ends = time.monotonic() + seconds
        self.random_sent = 0

    def more(self) -> bool:
        """Whether the family may send one more random case."""
        self.random_sent += 1
        return self.random_sent <= self.random_cases and time.monotonic() < self.slice_ends

    # ------------------------------------------------------------------ request builders

    def request(self, method: str, path: str | bytes, body: bytes = b"", headers=(), note: str = "",
                **options) -> RawRequest:
        """A request of the current family."""
        return RawRequest(method, path, list(headers), body, family=self.family, note=note, **options)

    def api(self, method: str, path: str | bytes, body=None, *, token: str | None = None,
            content_type: str | None = "application/json", headers=(), note: str = "", **options) -> RawRequest:
        """An API request with the manager's bearer token (or `token`); `body` is encoded with `hostile.encode`
        unless it is bytes already. Its answer is checked by `check` (an `expect` check), by default
        `expect.error_body`: a 4xx must be the API's error object, and a 422 must name a field or a line."""
        token = self.park.manager.token if token is None else token
        all_headers = [("Authorization", f"Bearer {token}")] if token else []
        data = b""
        if body is not None:
            data = body if isinstance(body, bytes) else encode(body)
            if content_type is not None:
                all_headers.append(("Content-Type", content_type))
        all_headers += list(headers)
        options.setdefault("check", error_body)
        return self.request(method, path, data, all_headers, note, **options)

    def session_headers(self, with_csrf: bool = False) -> list[tuple[str, str]]:
        """The manager's browser session cookie (and its CSRF token)."""
        headers = [("Cookie", f"lp_session={self.park.session_cookie}")]
        if with_csrf:
            headers.append(("X-CSRF-Token", self.park.csrf))
        return headers

    # ------------------------------------------------------------------ set-up calls (not counted as cases)

    def call(self, account, method: str, path: str, payload=None, raw: bytes | None = None,
             content_type: str = "application/json"):
        """An ordinary API call as `account`; the `ParkResponse`, or None when the server did not answer."""
        client = ParkClient(self.park.base_url, account.token, timeout=30.0)
        try:
            body = raw if raw is not None else (None if payload is None else json.dumps(payload).encode())
            return client.request(method, path, body, content_type if body is not None else None)
        except TransportFailure:
            return None
        finally:
            client.close()


def drive(family: Family, ctx: Context) -> None:
    """Runs one family: sends every request it yields and gives it back the outcome."""
    generator = family(ctx)
    outcome: Outcome | None = None
    try:
        request = next(generator)
        while True:
            outcome = ctx.runner.run(request)
            request = generator.send(outcome)
    except StopIteration:
        pass
