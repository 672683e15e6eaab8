"""Families about what the API stores: imports, schemas, quality policies, answers, gold, reviews, inspections,
tokens, and reading all of it back."""

from __future__ import annotations

import copy
import re

from fuzz_park import GOLD, PASSWORD, QUALITY, SCHEMA, TEXTS, valid_result
from gen_context import Context
from hostile import (BAD_NUMBERS, NUMBERS, RAW_STRINGS, STRINGS, Pairs, Raw, deep_array, deep_object, encode,
                     mutate)

NDJSON = "application/x-ndjson"
BOM = b"\xef\xbb\xbf"
INT64_EDGES = ["9223372036854775807", "-9223372036854775808", "9223372036854775808", "-9223372036854775809"]

# Hostile answers per question type of the park's schema.
CHOICE_ANSWERS = ["pos", "POS", "", 1, None, ["pos"], {"a": 1}, "\u0000", "\ud800", b"\xff", "p" * 100_000, True,
                  Raw("1e999"), "pos\u0000"]
MULTI_ANSWERS = [[], ["sport", "sport"], ["x"], "sport", [1], [None], ["sport", "politics", "tech"], ["sport"] * 10_001,
                 [["sport"]], [b"\xff"], ["\ud800"], {"sport": True}, Raw("[" * 100 + "]" * 100)]
RATING_ANSWERS = [Raw(n) for n in NUMBERS] + [Raw(n) for n in BAD_NUMBERS] + ["3", True, [3], {"v": 3}, None]
TEXT_ANSWERS = ["a" * 1_000, "a" * 1_001, "\U0001F600" * 1_000, "e\u0301" * 600, "\u0000" * 10, "\ud800", "\udfff" * 3,
                b"\xff\xfe", b"\xed\xa0\x80", "x" * 1_000_000, 42, None, [], Raw("-0")]


def span(start, end, label="PER", **extra) -> dict:
    """One span; `start` and `end` may be `Raw` numbers."""
    return {"start": start, "end": end, "label": label, **extra}


def span_answers(text: str) -> list:
    """Spans with hostile offsets, counts and texts for a task whose text is `text`."""
    length = len(text)
    edges = [Raw(n) for n in INT64_EDGES + ["1e20", "-0", "1.5", "1.0", "1e999", "NaN"]]
    answers = [[span(0, 1)], [span(1, 0)], [span(0, 0)], [span(-1, 1)], [span(0, length)], [span(0, length + 1)],
               [span(length, length + 1)], [span(0, "1")], [span(0, 1, "per")], [span(0, 1, None)],
               [span(0, 1, text="\ud800")], [span(0, 1, text=text[:1])], [span(0, 2, text=text[:1])],
               [span(0, 1, extra=1)], [span(0, 3), span(1, 2)], [span(0, 3), span(2, 5)], [span(0, 3), span(0, 3)],
               [span(0, 1)] * 10_000, [span(0, 1)] * 10_001, "spans", [None], [[0, 1, "PER"]], {"start": 0},
               [span(0, 1, text=b"\xff")], [Pairs([("start", 0), ("start", 5), ("end", 1), ("label", "PER")])]]
    answers += [[span(edge, 1)] for edge in edges] + [[span(0, edge)] for edge in edges]
    answers += [[span(edge, edge)] for edge in edges[:4]]
    return answers


def answers_by_question(text: str) -> dict[str, list]:
    """Every hostile answer, keyed by the park schema's question name."""
    return {"sentiment": CHOICE_ANSWERS, "topics": MULTI_ANSWERS, "stars": RATING_ANSWERS, "summary": TEXT_ANSWERS,
            "entities": span_answers(text)}


def hostile_results(ctx: Context, text: str):
    """Results: one hostile answer in an otherwise valid result, then broken result objects, then random ones."""
    base = valid_result({"text": text})
    for question, answers in answers_by_question(text).items():
        for answer in answers:
            yield {**base, question: answer}
    for result in [[], "x", None, Raw("1e999"), {"unknown": 1}, {"\u0000": 1}, {"sentiment": "pos", "": 1},
                   Pairs([("sentiment", "pos"), ("sentiment", "zzz")]), deep_object(10_000), deep_object(64),
                   {"sentiment": deep_array(10_000)}, {}, {"sentiment": None}, {b"\xff": 1}]:
        yield result
    while ctx.more():
        yield mutate(base, ctx.rng)


# ------------------------------------------------------------------ imports


def import_lines() -> list:
    """NDJSON lines (as values or raw bytes) that probe numbers, strings, keys, nesting, gold and sizes."""
    lines = [{"data": {"text": "x"}, "priority": Raw(n)} for n in NUMBERS + BAD_NUMBERS]
    lines += [{"data": {"text": s}} for s in STRINGS] + [{"data": {"text": b}} for b in RAW_STRINGS]
    lines += [{"text": s} for s in STRINGS[:12]]
    lines += [{"data": {"text": "x", "\u0000": 1}}, {"data": {"text": "x"}, "\u0000": 1}, {"\u0000text": "x"},
              Pairs([("text", "a"), ("text", 1)]), Pairs([("data", {"text": "a"}), ("data", 5)]),
              {"data": {"text": "x", "deep": deep_object(10_000)}}, {"data": {"text": "x", "deep": deep_array(63)}},
              {"data": {"text": "x", "deep": deep_array(64)}}, deep_array(10_000), {"data": {"text": 1}},
              {"data": {"text": None}}, {"data": {}}, {"data": []}, {"data": "x"}, {"data": {"text": "x"}, "gold": []},
              {"data": {"text": "x"}, "gold": None}, {"data": {"text": "x"}, "gold": {}}, {"data": {"text": "x"}, "x": 1},
              {"data": {"text": "x"}, "priority": None}, {"data": {"text": "x"}, "priority": "3"},
              {"data": {"text": "x"}, "priority": [1]}, {"data": {"text": "x" * (1 << 20)}}, {"data": {"text": "x",
              "big": "y" * ((4 << 20) - 40)}}, {"data": {"text": "x" * ((4 << 20) + 10)}}, Raw("null"), Raw("1"),
              Raw('"str"'), Raw("[]"), Raw("{"), Raw(""), Raw(" "), Raw("\t{}"), Raw(b"\xff\xfe{}"), Raw(BOM + b'{"text":"x"}'),
              Raw(b'{"text":"x"}\r'), Raw(b'{"text":"x\x00"}'), Raw(b'{"te\x00xt":"x"}'), Raw('{"text":"x"} {"text":"y"}')]
    for question, answers in answers_by_question(TEXTS[0]).items():
        lines += [{"data": {"text": TEXTS[0]}, "gold": {**GOLD, question: answer}} for answer in answers[:25]]
    return lines


def csv_bodies() -> list[bytes]:
    """CSV imports with BOMs, quoting errors, odd headers, NUL, huge records and many columns."""
    return [b"text\nx\n", BOM + b"text\nx\n", b"text,text\na,b\n", b"\nx\n", b'"text\nx\n', b'text\n"unbalanced\n',
            b'text\n"a""b"\n', b'text\n"a"b\n', b"text\r\nx\r\n", b"text\rx\r", b"text\n" + b"x" * (5 << 20) + b"\n",
            b",".join(b"c%d" % i for i in range(10_000)) + b",text\n" + b"," * 10_000 + b"x\n", b"text\nx\x00y\n",
            b"text\n\xed\xa0\x80\n", b"text\n\xff\n", b"text,priority\nx,9223372036854775808\n", b"text,gold\nx,{}\n",
            b"", b"\n\n\n", BOM, b"text", b"text\n", b'text\n"\n', b'"te"xt"\nx\n', b"text,\nx,\n", b",\n,\n",
            b"text\n" + b"x\n" * 20_000, b"text;other\nx;y\n", b'text\n"' + b"a" * (5 << 20), b"text\n\"\"\"\"\n",
            b"\x00\nx\n", b"TEXT\nx\n", b" text\nx\n", b"text \nx\n"]


def json_array_bodies() -> list[bytes]:
    """JSON-array imports: broken brackets, trailing junk, non-objects, big and deep arrays."""
    element = b'{"data":{"text":"x"},"priority":1}'
    return [b"[", b"]", b"[]", b"[,]", b"[{}]", b'[{"text":"x"},]', b"{}", b'[{"text":"x"}] junk', b" \n[ ]\n",
            BOM + b"[]", BOM + b'[{"text":"x"}]', b"[" + b",".join([element] * 5_000) + b"]", b"[" * 10_000,
            b"[" * 10_000 + b"]" * 10_000, b"[1,2,3]", b'["x"]', b"[null]", b'[{"text":"x"}][{"text":"y"}]',
            b'[{"text":"x"}' + b" " * 100_000 + b"]", b"[" + b'{"text":"' + b"x" * (5 << 20) + b'"}]', b"null",
            b'[{"text":"x\\ud800"}]', b'[{"text":"\x00"}]', b"[\xff]", b'[{"data":{"text":"x"},"priority":-9223372036854775808}]',
            b'[{"data":{"text":"x"},"priority":1e999}]', b"[" + b"{}," * 1_000 + b"{}]", b"[{}" + b"]" * 5]


def imports(ctx: Context):
    """NDJSON, CSV and JSON-array imports into the park project, atomic and partial."""
    path = f"/api/v1/projects/{ctx.park.project_id}/tasks"
    lines = import_lines()
    for index, line in enumerate(lines):
        partial = "?partial=true" if index % 2 else ""
        yield ctx.api("POST", path + partial, encode(line) + b"\n", content_type=NDJSON, note="NDJSON line")
    for body in [b"", b"\n", b"\n\n\n", b"\r\n", BOM, BOM + b"\n", b'{"text":"x"}', b'{"text":"x"}\n\n\n{"text":"y"}',
                 b'\n'.join(encode(line) for line in lines[:60]), b"\n" * 100_000]:
        yield ctx.api("POST", path + "?partial=true", body, content_type=NDJSON, note="NDJSON body")
    for body in csv_bodies():
        yield ctx.api("POST", path + ctx.rng.choice(["", "?partial=true"]), body, content_type="text/csv", note="CSV")
    for body in json_array_bodies():
        yield ctx.api("POST", path + ctx.rng.choice(["", "?partial=true"]), body, content_type="application/json",
                      note="JSON array")
    for content_type in ["application/json; charset=utf-8", "text/csv; header=present", "application/jsonl",
                         "text/plain", "", "application/x-ndjson; charset=latin-1", "TEXT/CSV", ";", "application/json;"]:
        yield ctx.api("POST", path, b'{"text":"x"}\n', content_type=content_type, note="import Content-Type")
    yield ctx.api("POST", path, b'{"text":"x"}\n', content_type=None, note="import without Content-Type")
    yield ctx.api("POST", path, b"x" * (9 << 20), content_type=NDJSON, note="8 MB+ single line")
    while ctx.more():
        yield random_import(ctx, path)


def random_import(ctx: Context, path: str):
    """A small random import in a random format made of mutated task lines."""
    rng = ctx.rng
    lines = [mutate({"data": {"text": rng.choice(TEXTS)}, "gold": dict(GOLD), "priority": 0}, rng)
             for _ in range(rng.randint(1, 5))]
    kind = rng.choice(["ndjson", "json", "csv"])
    if kind == "ndjson":
        body, content_type = b"\n".join(encode(line) for line in lines), NDJSON
    elif kind == "json":
        body, content_type = encode(lines), "application/json"
    else:
        body, content_type = b"text,other\n" + b"\n".join(encode(line) for line in lines), "text/csv"
    return ctx.api("POST", path + rng.choice(["", "?partial=true"]), body, content_type=content_type,
                   note=f"random {kind} import")


# ------------------------------------------------------------------ schemas, projects, quality policies


def question(kind: str) -> dict:
    """The park schema's question of type `kind`."""
    return copy.deepcopy(next(q for q in SCHEMA["questions"] if q["type"] == kind))


def hostile_schemas() -> list:
    """Schemas with huge option lists, duplicate names, odd names, wrong types, extreme bounds and deep nesting."""
    field = SCHEMA["fields"]
    schemas = [None, [], "x", 1, {}, {"fields": field}, {"questions": []}, {"fields": {}, "questions": []},
               {"fields": field, "questions": [], "x": 1}, deep_object(10_000), deep_object(60),
               {"fields": field, "questions": deep_array(10_000)}]
    for count in [1_000, 1_001, 50_000]:
        schemas.append({"fields": field, "questions": [{**question("choice"), "options": [f"o{i}" for i in range(count)]}]})
    schemas.append({"fields": field, "questions": [{**question("choice"), "options": ["a", "a"]}]})
    schemas.append({"fields": field + field, "questions": [question("choice")]})
    schemas.append({"fields": field, "questions": [question("choice"), question("choice")]})
    schemas.append({"fields": [{"name": f"f{i}", "type": "text"} for i in range(65)], "questions": [question("choice")]})
    schemas.append({"fields": field, "questions": [{**question("rating"), "name": f"q{i}"} for i in range(129)]})
    for name in ["", "1a", "a" * 64, "a" * 65, "\u00e9", "\u0000", "a b", "_", "\ud800", b"\xff", None, 5]:
        schemas.append({"fields": field, "questions": [{**question("choice"), "name": name}]})
        schemas.append({"fields": [{"name": name, "type": "text"}], "questions": [question("rating")]})
    for low, high in [(-1_000_000, 1_000_000), (0, 1_000), (0, 1_001), (5, 5), (5, 1), ("1", "5"), (1.5, 3),
                      (Raw("-9223372036854775808"), Raw("9223372036854775807")), (Raw("1e999"), 2), (Raw("-0"), 1)]:
        schemas.append({"fields": field, "questions": [{**question("rating"), "min": low, "max": high}]})
    for low, high in [(4, 5), (0, 0), (3, 1), (-1, 2), (Raw("9223372036854775807"), None), (None, Raw("1e20"))]:
        schemas.append({"fields": field, "questions": [{**question("multi_choice"), "min": low, "max": high}]})
    for length in [0, 1, 1_000_000, 1_000_001, Raw("-9223372036854775808"), Raw("1e999"), "10", 1.5]:
        schemas.append({"fields": field, "questions": [{**question("text"), "max_length": length}]})
    for change in [{"field": "missing"}, {"field": ""}, {"field": None}, {"labels": []}, {"labels": [""]},
                   {"labels": ["a"] * 1_001}, {"overlap": "junk"}, {"overlap": None}, {"overlap": 1},
                   {"field": "\u0000"}, {"labels": [b"\xff"]}]:
        schemas.append({"fields": field, "questions": [{**question("spans"), **change}]})
    for bad in [{"type": "image"}, {"type": None}, {"type": "spans"}, {"extra": 1}, {"required": "yes"},
                {"label": "l" * 501}, {"label": None}, {"label": "\ud800"}]:
        schemas.append({"fields": field, "questions": [{**question("choice"), **bad}]})
        schemas.append({"fields": [{**field[0], **bad}], "questions": [question("choice")]})
    return schemas


def schemas(ctx: Context):
    """Hostile schemas through schema validation, project creation and PATCH of the spare project."""
    spare = f"/api/v1/projects/{ctx.park.spare_project_id}"
    for schema in hostile_schemas():
        yield ctx.api("POST", "/api/v1/schemas/validate", {"schema": schema}, note="validate schema")
        yield ctx.api("POST", "/api/v1/projects", {"name": "fuzz", "schema": schema}, note="create with schema")
        yield ctx.api("PATCH", spare, {"schema": schema}, note="PATCH schema")
    numbers = [Raw(n) for n in NUMBERS + BAD_NUMBERS] + ["3", None, True, [], {}]
    for number in numbers:
        for key in ["overlap", "lease_seconds", "organization_id"]:
            yield ctx.api("POST", "/api/v1/projects", {"name": "fuzz", "schema": SCHEMA, key: number}, note=f"create {key}")
        yield ctx.api("PATCH", spare, {"lease_seconds": number}, note="PATCH lease_seconds")
    for name in ["", " ", "\u0000", "\ud800", b"\xff", "n" * 201, "n" * 200, None, 5, "\u3000"]:
        yield ctx.api("POST", "/api/v1/projects", {"name": name, "schema": SCHEMA}, note="create name")
        yield ctx.api("PATCH", spare, {"name": name, "description": name}, note="PATCH name")
    yield ctx.api("PATCH", spare, {"description": "d" * 10_001}, note="PATCH description")
    yield ctx.api("PATCH", f"/api/v1/projects/{ctx.park.project_id}", {"schema": SCHEMA}, note="PATCH locked schema")
    base = {"name": "fuzz", "schema": SCHEMA, "overlap": 2, "lease_seconds": 60, "quality": QUALITY}
    while ctx.more():
        body = mutate(base, ctx.rng)
        target = ctx.rng.choice(["create", "patch", "validate"])
        if target == "create":
            yield ctx.api("POST", "/api/v1/projects", body, note="random project")
        elif target == "patch":
            yield ctx.api("PATCH", spare, body, note="random PATCH")
        else:
            yield ctx.api("POST", "/api/v1/schemas/validate", {"schema": mutate(SCHEMA, ctx.rng)}, note="random schema")


def hostile_policies() -> list:
    """Quality policies with extreme numbers and wrong types in every key."""
    numbers = [Raw(n) for n in NUMBERS[:40] + BAD_NUMBERS[:6]] + ["0.5", None, True, [], {}]
    policies = [None, [], "x", 1, {}, deep_object(10_000)]
    for number in numbers:
        policies += [{"gold_rate": number}, {"gold_at_start": number}, {"auto_pause": {"window": number, "min_accuracy": 0.8}},
                     {"auto_pause": {"window": 5, "min_accuracy": number}},
                     {"dynamic_overlap": {"max_overlap": number, "confidence_target": 0.9}},
                     {"dynamic_overlap": {"max_overlap": 5, "confidence_target": number}},
                     {"review": {"mode": "sample", "sample_percent": number}}]
    policies += [{"auto_pause": x} for x in ["x", 1, [], {}]] + [{"dynamic_overlap": x} for x in ["x", 1, [], {}]]
    policies += [{"review": x} for x in ["all", 1, [], {}, {"mode": None}, {"mode": "ALL"}, {"mode": "sample"}]]
    return policies


def quality(ctx: Context):
    """Hostile quality policies on project creation (with extreme overlaps) and on PATCH of the spare project."""
    spare = f"/api/v1/projects/{ctx.park.spare_project_id}"
    for policy in hostile_policies():
        yield ctx.api("PATCH", spare, {"quality": policy}, note="PATCH quality")
        yield ctx.api("POST", "/api/v1/projects", {"name": "q", "schema": SCHEMA, "quality": policy,
                                                   "overlap": ctx.rng.choice([1, 100, 5])}, note="create with quality")
    while ctx.more():
        policy = mutate({"gold_rate": 0.5, "gold_at_start": 3, "auto_pause": {"window": 5, "min_accuracy": 0.5},
                         "dynamic_overlap": {"max_overlap": 5, "confidence_target": 0.9},
                         "review": {"mode": "sample", "sample_percent": 50}}, ctx.rng)
        yield ctx.api("PATCH", spare, {"quality": policy}, note="random quality")


# ------------------------------------------------------------------ answers, reviews, inspections


class LeaseHolder:
    """The annotator's current lease on a park task, claimed again once used up."""

    def __init__(self, ctx: Context):
        self.ctx = ctx
        self.task_id = 0
        self.token = ""
        self.text = ""

    def claim(self) -> bool:
        """Claims a task, importing more when the queue is empty; False when nothing can be claimed."""
        park = self.ctx.park
        for _ in range(2):
            response = self.ctx.call(park.annotator, "POST", f"/api/v1/projects/{park.project_id}/next")
            if response is not None and response.status == 200:
                claim = response.json()
                self.task_id, self.token = claim["task"]["id"], claim["lease"]["token"]
                text = claim["task"]["data"].get("text") if isinstance(claim["task"]["data"], dict) else None
                self.text = text if isinstance(text, str) else ""
                return True
            lines = b"".join(b'{"text":"%s"}\n' % t.encode() for t in TEXTS * 4)
            self.ctx.call(park.manager, "POST", f"/api/v1/projects/{park.project_id}/tasks", raw=lines,
                          content_type=NDJSON)
        return False


def answers(ctx: Context):
    """Submissions with hostile results, lease tokens, idempotency keys and lead times; then hostile edits."""
    lease = LeaseHolder(ctx)
    if not lease.claim():
        return
    annotator = ctx.park.annotator.token
    for result in hostile_results(ctx, lease.text):
        outcome = yield ctx.api("POST", f"/api/v1/tasks/{lease.task_id}/annotations",
                                {"lease_token": lease.token, "result": result}, token=annotator, note="hostile result")
        if outcome.status == 201 and not lease.claim():
            return
    base = {"lease_token": lease.token, "result": valid_result({"text": lease.text})}
    for key, values in [("lease_token", ["", "0" * 32, "A" * 32, "0" * 64, "0" * 65, None, 5, "\ud800", b"\xff" * 32]),
                        ("idempotency_key", ["", "k" * 200, "k" * 201, "\u0000", "\ud800", b"\xff", 5, []]),
                        ("lead_time_ms", [Raw(n) for n in NUMBERS[:30]] + ["5", None, True])]:
        for value in values:
            outcome = yield ctx.api("POST", f"/api/v1/tasks/{lease.task_id}/annotations", {**base, key: value},
                                    token=annotator, note=f"submit {key}")
            if outcome.status == 201:
                if not lease.claim():
                    return
                base["lease_token"] = lease.token
    yield from edits(ctx)


def edits(ctx: Context):
    """PUT /annotations/{id} with hostile results and versions on the annotator's own annotation."""
    if not ctx.park.annotation_ids:
        return
    annotation = ctx.park.annotation_ids[0]
    annotator = ctx.park.annotator.token
    current = ctx.call(ctx.park.annotator, "GET", f"/api/v1/annotations/{annotation}")
    version = current.json()["version"] if current is not None and current.status == 200 else 1
    for number in [Raw(n) for n in NUMBERS[:30]] + ["1", None]:
        yield ctx.api("PUT", f"/api/v1/annotations/{annotation}", {"result": valid_result({"text": "x"}), "version": number},
                      token=annotator, note="edit version")
    for index, result in enumerate(hostile_results(ctx, "")):
        if index % 3 == 0:
            outcome = yield ctx.api("PUT", f"/api/v1/annotations/{annotation}", {"result": result, "version": version},
                                    token=annotator, note="hostile edit")
            if outcome.status == 200:
                version += 1


def reviews(ctx: Context):
    """Review decisions: junk decisions and comments, and fixes with hostile results."""
    park = ctx.park
    reviewer = park.reviewer.token

    def claim():
        response = ctx.call(park.reviewer, "POST", f"/api/v1/projects/{park.project_id}/reviews/next")
        return response.json() if response is not None and response.status == 200 else None

    held = claim()
    if held is None:
        return
    cases = [{"decision": d} for d in ["", "ACCEPT", None, 1, "\u0000", "reject"]]
    cases += [{"decision": "reject", "comment": c} for c in ["", " ", None, 5, "c" * 2_001, "\ud800", b"\xff"]]
    text = held["task"]["data"].get("text", "") if isinstance(held["task"]["data"], dict) else ""
    cases += [{"decision": "fix", "result": r} for r in hostile_results(ctx, text if isinstance(text, str) else "")]
    for body in cases:
        path = f"/api/v1/reviews/{held['review']['token']}/decision"
        outcome = yield ctx.api("POST", path, body, token=reviewer, note="review decision")
        if outcome.status == 200:
            held = claim()
            if held is None:
                return
    for token in ["0" * 32, "A" * 32, "x", "0" * 31]:
        yield ctx.api("POST", f"/api/v1/reviews/{token}/decision", {"decision": "accept"}, token=reviewer,
                      note="review token")


def fresh_batch(ctx: Context) -> int | None:
    """A new batch of the inspected project (no review stage) whose two tasks the annotator has answered."""
    park = ctx.park
    project = park.inspection_project_id
    lines = b'{"text":"inspect me"}\n{"text":"and me"}\n'
    imported = ctx.call(park.manager, "POST", f"/api/v1/projects/{project}/tasks", raw=lines, content_type=NDJSON)
    if imported is None or imported.status != 201:
        return None
    for _ in range(4):
        claim = ctx.call(park.annotator, "POST", f"/api/v1/projects/{project}/next")
        if claim is None or claim.status != 200:
            break
        task = claim.json()
        ctx.call(park.annotator, "POST", f"/api/v1/tasks/{task['task']['id']}/annotations",
                 {"lease_token": task["lease"]["token"], "result": valid_result(task["task"]["data"])})
    return imported.json()["batch_id"]


def inspections(ctx: Context):
    """Inspections with extreme sample sizes, AQLs and batch ids on batches ready to inspect; then reading them."""
    project = ctx.park.inspection_project_id
    batch = fresh_batch(ctx)
    if batch is None:
        return
    values = [Raw(n) for n in NUMBERS + BAD_NUMBERS[:6]] + ["1", None, True, []]
    bodies = [{"sample_size": v, "aql": 0.9} for v in values] + [{"sample_size": 1, "aql": v} for v in values]
    created = []
    for index, body in enumerate(bodies):
        outcome = yield ctx.api("POST", f"/api/v1/projects/{project}/batches/{batch}/inspections", body,
                                note="inspection")
        if outcome.status == 201:
            match = re.search(rb'"id":(\d+)', outcome.body)
            created += [int(match.group(1))] if match else []
            batch = fresh_batch(ctx)
            if batch is None:
                return
    for batch_id in ["0", "-1", "9223372036854775807", "9223372036854775808", "1e3", str(ctx.park.batch_id)]:
        yield ctx.api("POST", f"/api/v1/projects/{project}/batches/{batch_id}/inspections", {"sample_size": 1, "aql": 1},
                      note="inspection batch id")
    for inspection in created + [0, 9223372036854775807]:
        yield ctx.api("GET", f"/api/v1/inspections/{inspection}", note="read inspection")
        yield ctx.api("POST", f"/api/v1/projects/{project}/reviews/next?inspection={inspection}",
                      token=ctx.park.reviewer.token, note="review an inspection")
    while ctx.more():
        body = {"sample_size": Raw(ctx.rng.choice(NUMBERS)), "aql": Raw(ctx.rng.choice(NUMBERS))}
        outcome = yield ctx.api("POST", f"/api/v1/projects/{project}/batches/{batch}/inspections", body,
                                note="random inspection")
        if outcome.status == 201:
            batch = fresh_batch(ctx)
            if batch is None:
                return


def tokens(ctx: Context):
    """POST /tokens with extreme expires_in_days and names, GET /tokens, DELETE /tokens/{id} with extremes."""
    email = ctx.park.reviewer.email
    for value in [Raw(n) for n in NUMBERS + BAD_NUMBERS[:6]] + ["3", None, True, []]:
        yield ctx.api("POST", "/api/v1/tokens", {"email": email, "password": PASSWORD, "expires_in_days": value},
                      token="", note="token expiry")
    for name in ["", "\u0000", "\ud800", b"\xff", "n" * 201, None, 5]:
        yield ctx.api("POST", "/api/v1/tokens", {"email": email, "password": PASSWORD, "name": name}, token="",
                      note="token name")
    for body in [{"email": email}, {"password": PASSWORD}, {"email": email, "password": ""},
                 {"email": "", "password": PASSWORD}, {"email": "e" * 321, "password": "x"}, {"email": b"\xff", "password": "x"}]:
        yield ctx.api("POST", "/api/v1/tokens", body, token="", note="token credentials")
    listing = yield ctx.api("GET", "/api/v1/tokens", token=ctx.park.reviewer.token, note="list tokens")
    ids = sorted(int(m) for m in re.findall(rb'"id":(\d+)', listing.body)) if listing.status == 200 else []
    for token_id in ["0", "-1", "9223372036854775807", "9223372036854775808", "x", "1e3", "%00"]:
        yield ctx.api("DELETE", f"/api/v1/tokens/{token_id}", token=ctx.park.reviewer.token, note="delete token id")
    if len(ids) > 1:
        # The newest token is one this family just made; the reviewer's own (oldest) stays.
        yield ctx.api("DELETE", f"/api/v1/tokens/{ids[-1]}", token=ctx.park.reviewer.token, note="delete a token")
        yield ctx.api("DELETE", f"/api/v1/tokens/{ids[-1]}", token=ctx.park.reviewer.token, note="delete it again")


def readback(ctx: Context):
    """Reads everything the other families stored: exports, quality, progress, tasks, claims and pages."""
    park = ctx.park
    for project in [park.project_id, park.spare_project_id]:
        for query in ["", "?format=csv", "?aggregate=false", "?format=csv&aggregate=false"]:
            outcome = yield ctx.api("GET", f"/api/v1/projects/{project}/export{query}", note="export")
        for route in ["quality", "progress", "batches", "pauses"]:
            yield ctx.api("GET", f"/api/v1/projects/{project}/{route}", note=route)
    export = yield ctx.api("GET", f"/api/v1/projects/{park.project_id}/export?aggregate=false", note="export for ids")
    task_ids = sorted({int(m) for m in re.findall(rb'^\{"id":(\d+)', export.body, re.M)})
    for task_id in task_ids[-200:]:
        yield ctx.api("GET", f"/api/v1/tasks/{task_id}", note="read task")
    for _ in range(20):
        outcome = yield ctx.api("POST", f"/api/v1/projects/{park.project_id}/next", token=park.annotator.token,
                                note="claim stored tasks")
        if outcome.status != 200:
            break
    for path in ["/api/v1/annotations?limit=500", "/api/v1/rework", "/api/v1/projects", "/api/v1/me"]:
        yield ctx.api("GET", path, token=park.annotator.token, note="annotator reads")
    for page in ["/", f"/projects/{park.project_id}", f"/projects/{park.project_id}/quality", "/my-work"]:
        yield ctx.request("GET", page, headers=ctx.session_headers(), note="pages")
