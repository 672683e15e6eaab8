"""What an answer must be beyond "no 5xx": the checks a case carries in `RawRequest.check`.

Each check takes the `Outcome` and returns why it is wrong, or None. Error bodies must be the API's
`{"error": {"code", "message", "field"?, "line"?}}`, and a 422 must say where the problem is (a `field`,
or a `line` and the `errors` list of an import). A case whose verdict is known also fails on the wrong
class of status: a 2xx for what the API documents as invalid, or a refusal of what it documents as valid.
"""

from __future__ import annotations

import json

from fuzz_http import Outcome

# Verdicts: what the documented rules say about a case; None when they leave it open.
ACCEPT = "accept"
REFUSE = "refuse"


def parsed(outcome: Outcome):
    """The body as JSON, or None."""
    try:
        return json.loads(outcome.body)
    except ValueError:
        return None


def error_body(outcome: Outcome) -> str | None:
    """A 4xx must carry the API's error object; a 422 must name a field or a line."""
    if outcome.status is None or not 400 <= outcome.status < 500:
        return None
    body = parsed(outcome)
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict) or not isinstance(error.get("code"), str) \
            or not isinstance(error.get("message"), str) or not error["message"]:
        return f"a {outcome.status} without an error object {{code, message}}"
    if outcome.status == 422:
        field, line = error.get("field"), error.get("line")
        if not (isinstance(field, str) and field) and not isinstance(line, int):
            return "a 422 that names neither a field nor a line"
        if error["code"] == "invalid_lines":
            return line_errors(body)
    return None


def line_errors(body: dict) -> str | None:
    """An import answer's `errors` (each `{line ≥ 1, message}`) and `error_count` (at least as many)."""
    errors, count = body.get("errors"), body.get("error_count")
    if not isinstance(errors, list) or not isinstance(count, int) or count < len(errors):
        return "an import answer without errors and error_count"
    for error in errors:
        if not isinstance(error, dict) or not isinstance(error.get("line"), int) or error["line"] < 1 \
                or not isinstance(error.get("message"), str) or not error["message"]:
            return f"an import error that names no line: {str(error)[:120]}"
    return None


def answer(verdict: str | None, *, must_answer: bool = False):
    """A check for an ordinary request: the verdict's class of status, and a well-formed error body."""
    def check(outcome: Outcome) -> str | None:
        if outcome.status is None:
            return f"no answer ({outcome.error})" if must_answer else None
        if verdict == ACCEPT and not 200 <= outcome.status < 300:
            return f"refused ({outcome.status}) what the documented rules allow"
        if verdict == REFUSE and 200 <= outcome.status < 300:
            return f"accepted ({outcome.status}) what the documented rules refuse"
        return error_body(outcome)
    return check


def imported(verdict: str | None, *, partial: bool = False, must_answer: bool = True):
    """A check for an import: a well-formed answer (`created`, `errors` naming lines) of the verdict's kind.

    A refused atomic import must be a 4xx; a partial one may be a 200 that created nothing and lists errors.
    An accepted import created tasks and lists no error."""
    def check(outcome: Outcome) -> str | None:
        if outcome.status is None:
            return f"no answer ({outcome.error})" if must_answer else None
        if not 200 <= outcome.status < 300:
            if verdict == ACCEPT:
                return f"refused ({outcome.status}) an import the documented rules allow"
            return error_body(outcome)
        body = parsed(outcome)
        if not isinstance(body, dict) or not isinstance(body.get("created"), int):
            return "a 2xx import answer without created"
        complaint = line_errors(body)
        if complaint:
            return complaint
        if verdict == ACCEPT and (body["created"] < 1 or body["error_count"]):
            return "an import the documented rules allow created nothing or listed errors"
        if verdict == REFUSE and (not partial or body["created"] > 0 or not body["error_count"]):
            return f"imported ({outcome.status}, {body['created']} created) what the documented rules refuse"
        return None
    return check
