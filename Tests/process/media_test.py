#!/usr/bin/env python3
"""Media process test: uploads survive `kill -9`, hostile uploads are refused cheaply, S3 storage serves
through presigned URLs.

kill (each of `--rounds` rounds, a fresh park on local storage): two images are uploaded whole, then eight
distinct multi-megabyte JPEGs are sent at once over raw sockets, each paced to finish at its own moment
around a seeded kill time (two well before it, five in its last 30 ms, one after it), and the server gets
SIGKILL while they are in flight. After a restart on the same data directory: `assets/incoming/` is
empty; every asset the API answers (ids probed one by one, cross-checked with the database's `asset`
table) has a blob whose SHA-256 and size are its `sha256` and `bytes`, and `/content` serves exactly those
bytes; every upload answered 2xx before the kill is there byte for byte; every blob on disk is named by its
own digest and is one of the images sent. Blobs that no record names (an upload cut off between its
blob's rename and its record's commit) may exist; they are counted, and the API answers no id beyond the
records. The uploads whose outcome was unknown are then sent again and must be stored (201, or 200 when
the record had been committed), `Range` and `If-None-Match` must work on one asset, and SIGTERM must
stop the server with exit code 0.

hostile (local storage, `--max-upload-bytes 1048576 --media-quota-bytes 1000000`): a 5 GiB
`Content-Length` with a tiny body is refused 413 in under 2 s; a chunked body past the limit is refused
413 and the connection then either closes or serves the next request; a truncated JPEG, PNG headers
declaring 100000×100000 and 30000×20000 pixels, a JPEG without a frame header, an empty body, PNG bytes
sent as JPEG and a GIF are refused with the documented status and code; a head with `Expect:
100-continue` gets an answer within 1 s; the quota is enforced from the declared length and, for a chunked
body, as it streams (nothing refused is stored). Afterwards `/healthz` answers, a valid upload still works, and `assets/incoming/` is empty.

s3 (moto): the server runs with `--storage s3://labelpark-test/park`; an upload's `/content` is a 302 to
a presigned URL on moto's origin that yields the exact bytes; the CSP of a page and of an API response
allows that origin in `img-src`; a 4200 × 3000 image reaches `tiles_state: ready` within 60 s and a tile
URL redirects to a fetchable 256 × 256 JPEG; the bucket holds `park/blobs/…` and `park/tiles/<sha256>/…`.

attach (moto as a client's bucket, local storage, `--attachable-endpoint` moto): a bucket folder of 161
distinct JPEGs (Unicode and spaces in keys, one duplicate, one large enough for tiles), a text file, an MP4 head and an empty object is
attached with credentials that the API never returns and the database holds only sealed; its sync is
killed with SIGKILL part way, the restarted server shows it running (409 for a new sync) until its heartbeat
is stale, then `interrupted`, and a new sync finishes it: every key is recorded once, every distinct image is
one asset and one task, nothing is read twice that was recorded, and an asset's `/content` is the object's
bytes, and the large one gets its tile pyramid. A second, uninterrupted sync of 120 objects is timed (objects and megabytes a second).

tiles (local storage): a 16,000 × 12,000 upload starts a tile cut; SIGTERM a second later stops the server within
10 s with exit code 0 (vips is stopped, not waited for), the image is still `pending`, and after a restart its
pyramid is cut and served.

Every check prints a PASS or FAIL line; the exit code is 1 when any failed.

    python3 Tests/process/media_test.py --binary .build/release/labelpark [--rounds 3] [--parts kill,hostile,s3,attach]
        [--seed N] [--keep]
"""

from __future__ import annotations

import argparse
import os
import random
import select
import shutil
import signal
import socket
import sqlite3
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lp_client import ParkClient, ParkResponse, TransportFailure, UnexpectedStatus  # noqa: E402
from lp_media import (  # noqa: E402
    S3_BUCKET,
    blob_path,
    blobs_on_disk,
    create_image_project,
    error_code,
    fetch,
    image_header,
    image_park,
    incoming_files,
    noise_image,
    paced_upload,
    photo_image,
    png_declaring,
    read_response,
    s3_environment,
    sha256_file,
    sha256_hex,
    start_moto,
    upload_head,
)
from lp_server import Deadline, ProcessFailure, ServerProcess  # noqa: E402

PARTS = ("kill", "hostile", "s3", "attach", "tiles")
GRACEFUL_EXIT_SECONDS = 15.0

# kill
ROUND_BUDGET_SECONDS = 120.0
BURST_UPLOADS = 8
# Colour-noise JPEGs at quality 95 take about 1.9 bytes a pixel: these sides give 2.7 to 5.9 MB.
BURST_SIDES = [1200 + 80 * i for i in range(BURST_UPLOADS)]
WHOLE_BEFORE_BURST = 2
# The kill comes this long after the burst starts; each upload's last byte is due at the kill time plus its
# offset: two well before, one after (cut off mid-body), and five at seeded moments in the last 30 ms. A
# release server answers 5 to 10 ms after an upload's last byte (hash, header probe, fsync, rename, fsync,
# commit), so the kill often lands while one of them is being synced, renamed or committed.
KILL_AT_RANGE_SECONDS = (1.5, 2.5)
FIXED_FINISH_OFFSETS_SECONDS = [-1.0, -0.4, 0.5]
LAST_MOMENT_SECONDS = 0.03

# hostile
HOSTILE_LIMIT_BYTES = 1 << 20
HOSTILE_QUOTA_BYTES = 1_000_000
EARLY_REFUSAL_SECONDS = 2.0
CHUNKED_SEND_CAP_BYTES = 64 << 20
AFTER_REFUSAL_WAIT_SECONDS = 5.0
EXPECT_CONTINUE_SECONDS = 1.0

# s3
S3_PREFIX = "park"
TILED_SIZE = (4200, 3000)
TILE_SIZE = 256
TILES_READY_SECONDS = 60.0


class Checks:
    """Named PASS/FAIL verdicts, printed as they are made."""

    def __init__(self):
        self.passed = 0
        self.failed = 0

    def record(self, name: str, ok: bool, detail: str = "") -> bool:
        if ok:
            self.passed += 1
        else:
            self.failed += 1
        print(f"  [{'PASS' if ok else 'FAIL'}] {name}{': ' + detail if detail else ''}", flush=True)
        return ok

    def info(self, text: str) -> None:
        print(f"  [info] {text}", flush=True)


def exit_detail(code: int | None) -> str:
    """What `ServerProcess.terminate` returned, in words (None: it ignored SIGTERM and got SIGKILL)."""
    if code is None:
        return f"still running {GRACEFUL_EXIT_SECONDS:.0f} s after SIGTERM (then killed)"
    return f"exit code {code}"


def count_of(things, singular: str, plural: str | None = None) -> str:
    count = len(things) if not isinstance(things, int) else things
    return f"{count} {singular if count == 1 else (plural or singular + 's')}"


# ---------------------------------------------------------------------------------------------------
# kill -9 during concurrent uploads


@dataclass
class BurstUpload:
    index: int
    data: bytes
    sha256: str
    seconds: float  # how long its body is spread over
    response: ParkResponse | None = None
    failure: str | None = None
    body_sent_at: float | None = None  # seconds after the burst started
    answered_at: float | None = None

    @property
    def acknowledged(self) -> bool:
        return self.response is not None and 200 <= self.response.status < 300


def make_burst_images(folder: Path) -> list[Path]:
    """The distinct JPEGs every round sends (rounds run on fresh data directories, so they may repeat)."""
    sides = BURST_SIDES + [600] * WHOLE_BEFORE_BURST
    return [noise_image(folder / f"burst-{i}.jpg", side, side, seed=1000 + i) for i, side in enumerate(sides)]


def asset_rows(data_dir: Path) -> dict[int, tuple[str, int]]:
    """id -> (sha256, byte_count) of every row of the `asset` table, read-only beside the running server."""
    connection = sqlite3.connect(f"file:{data_dir / 'labelpark.sqlite'}?mode=ro", uri=True, timeout=10)
    try:
        return {row[0]: (row[1], row[2]) for row in connection.execute("SELECT id, sha256, byte_count FROM asset")}
    finally:
        connection.close()


def answered_assets(client: ParkClient, last_id: int) -> dict[int, dict]:
    """Every asset id from 1 to `last_id` that `GET /assets/{id}` answers, with its JSON (404s left out)."""
    found = {}
    for asset_id in range(1, last_id + 1):
        response = client.get(f"/api/v1/assets/{asset_id}", expect=(200, 404))
        if response.status == 200:
            found[asset_id] = response.json()
    return found


def verify_assets(client: ParkClient, data_dir: Path, sent: dict[str, bytes], probe_to: int, label: str,
                  checks: Checks) -> dict[int, dict]:
    """The invariants after a crash: the API answers exactly the records; each answered asset's blob and
    `/content` are its bytes; each blob on disk is named by its digest. Returns the answered assets."""
    rows = asset_rows(data_dir)
    answered = answered_assets(client, max([probe_to, *rows]) + 3)
    checks.record(f"{label}: the API answers exactly the asset records", set(answered) == set(rows),
                  f"{count_of(answered, 'asset')} answered, {count_of(rows, 'row')} in the database"
                  + ("" if set(answered) == set(rows) else f"; ids answered {sorted(answered)} vs rows {sorted(rows)}"))

    problems = []
    for asset_id, asset in sorted(answered.items()):
        sha, size = asset["sha256"], asset["bytes"]
        if sha not in sent:
            problems.append(f"asset {asset_id} has sha256 {sha[:12]}…, which is none of the images sent")
        path = blob_path(data_dir, sha)
        if not path.is_file():
            problems.append(f"asset {asset_id}: no blob at {path.relative_to(data_dir)}")
            continue
        if path.stat().st_size != size or sha256_file(path) != sha:
            problems.append(f"asset {asset_id}: blob is {path.stat().st_size} bytes with sha256 "
                            f"{sha256_file(path)[:12]}…, record says {size} bytes, {sha[:12]}…")
        content = client.get(f"/api/v1/assets/{asset_id}/content")
        if content.status != 200 or len(content.body) != size or sha256_hex(content.body) != sha:
            problems.append(f"asset {asset_id}: /content answered {content.status} with {len(content.body)} bytes "
                            f"(sha256 {sha256_hex(content.body)[:12]}…), expected {size} bytes, {sha[:12]}…")
    checks.record(f"{label}: every answered asset's blob and /content are exactly its sha256 and bytes",
                  not problems, "; ".join(problems[:5]) or f"{count_of(answered, 'asset')} read back")

    bad_blobs = []
    for name, path in blobs_on_disk(data_dir).items():
        actual = sha256_file(path)
        if actual != name:
            bad_blobs.append(f"{path.relative_to(data_dir)} holds bytes with sha256 {actual[:12]}…")
        elif name not in sent:
            bad_blobs.append(f"{path.relative_to(data_dir)} is none of the images sent")
    checks.record(f"{label}: every blob on disk holds exactly the bytes its name says (no partial blob)",
                  not bad_blobs, "; ".join(bad_blobs[:5]) or f"{count_of(blobs_on_disk(data_dir), 'blob')}")
    return answered


def run_kill_round(number: int, args: argparse.Namespace, images: list[Path], seed: int, checks: Checks) -> None:
    print(f"kill round {number} (seed {seed})", flush=True)
    rng = random.Random(seed)
    deadline = Deadline(ROUND_BUDGET_SECONDS, f"kill round {number}")
    work_dir = Path(tempfile.mkdtemp(prefix=f"labelpark-media-kill-{number}-"))
    data_dir = work_dir / "data"
    server = ServerProcess(args.binary, data_dir=data_dir, log_path=work_dir / "server.log",
                           description=f"the server (round {number})")
    try:
        account = image_park(args.binary, data_dir, deadline)
        server.start(deadline.cap(30.0))
        client = ParkClient(server.base_url, account.token, timeout=60.0)
        project_id = create_image_project(client, f"kill round {number}")
        sent = {}
        whole = []
        for path in images[BURST_UPLOADS:]:
            data = path.read_bytes()
            response = client.request("POST", f"/api/v1/projects/{project_id}/assets", data, "image/jpeg",
                                      expect=(201,))
            whole.append((data, response.json()))
            sent[sha256_hex(data)] = data
        client.close()

        kill_at = rng.uniform(*KILL_AT_RANGE_SECONDS)
        offsets = FIXED_FINISH_OFFSETS_SECONDS + [
            -rng.uniform(0.0, LAST_MOMENT_SECONDS) for _ in range(BURST_UPLOADS - len(FIXED_FINISH_OFFSETS_SECONDS))]
        rng.shuffle(offsets)
        burst = []
        for index, path in enumerate(images[:BURST_UPLOADS]):
            data = path.read_bytes()
            sent[sha256_hex(data)] = data
            seconds = max(0.05, kill_at + offsets[index])
            burst.append(BurstUpload(index, data, sha256_hex(data), seconds))

        start = threading.Barrier(BURST_UPLOADS + 1)
        burst_started = [0.0]

        def send(upload: BurstUpload) -> None:
            def body_sent() -> None:
                upload.body_sent_at = time.monotonic() - burst_started[0]

            start.wait()
            try:
                upload.response = paced_upload(server.base_url, account.token, project_id, upload.data, "image/jpeg",
                                               seconds=upload.seconds, timeout=30.0, on_body_sent=body_sent)
                upload.answered_at = time.monotonic() - burst_started[0]
            except TransportFailure as failure:
                upload.failure = str(failure)

        threads = [threading.Thread(target=send, args=(upload,), daemon=True, name=f"upload-{upload.index}")
                   for upload in burst]
        for thread in threads:
            thread.start()
        burst_started[0] = time.monotonic()
        start.wait()
        time.sleep(kill_at)
        if not server.is_alive():
            raise ProcessFailure(server.exit_report() or "the server died before the kill")
        killed_at = time.monotonic() - burst_started[0]
        server.kill()
        staged_at_kill = incoming_files(data_dir)
        blobs_at_kill = blobs_on_disk(data_dir)
        for thread in threads:
            thread.join(timeout=deadline.cap(40.0))
        if any(thread.is_alive() for thread in threads):
            raise ProcessFailure("upload threads still running 40 s after the kill")

        acknowledged = [u for u in burst if u.acknowledged]
        refused = [u for u in burst if u.response is not None and not u.acknowledged]
        unknown = [u for u in burst if u.response is None]

        def timeline(upload: BurstUpload) -> str:
            sent_by = f"{upload.body_sent_at:.3f}" if upload.body_sent_at is not None else "never"
            answered = f"{upload.answered_at:.3f}" if upload.answered_at is not None else "never"
            return f"{upload.index}: {len(upload.data) / 1e6:.1f} MB sent by {sent_by}, answered {answered}"

        checks.info(f"kill at {killed_at:.3f} s into the burst; {count_of(acknowledged, 'upload')} answered 2xx, "
                    f"{len(unknown)} cut off; " + "; ".join(timeline(u) for u in sorted(
                        burst, key=lambda u: u.body_sent_at if u.body_sent_at is not None else 1e9)))
        checks.info(f"{count_of(staged_at_kill, 'staging file')} "
                    f"({', '.join(f'{p.stat().st_size / 1e6:.1f} MB' for p in staged_at_kill if p.exists())}) and "
                    f"{count_of(blobs_at_kill, 'blob')} on disk at the kill")
        checks.record("no burst upload was refused before the kill", not refused,
                      "; ".join(f"upload {u.index}: {u.response.status} {u.response.text()[:150]}" for u in refused))

        server.start(deadline.cap(30.0))
        leftovers = incoming_files(data_dir)
        checks.record("assets/incoming/ is empty after the restart", not leftovers,
                      f"{count_of(leftovers, 'file')} left: {[p.name for p in leftovers][:5]}" if leftovers
                      else f"{count_of(staged_at_kill, 'staging file')} cleared")

        client = ParkClient(server.base_url, account.token, timeout=60.0)
        answered = verify_assets(client, data_dir, sent, WHOLE_BEFORE_BURST + BURST_UPLOADS, "after the restart",
                                 checks)
        by_sha = {asset["sha256"]: asset for asset in answered.values()}

        problems = []
        for data, created in whole:
            content = client.get(f"/api/v1/assets/{created['id']}/content")
            if content.status != 200 or content.body != data:
                problems.append(f"asset {created['id']} (uploaded before the burst): /content answered "
                                f"{content.status} with {len(content.body)} bytes, expected {len(data)}")
        for upload in acknowledged:
            created = upload.response.json()
            if created.get("sha256") != upload.sha256 or created.get("bytes") != len(upload.data):
                problems.append(f"upload {upload.index}: 2xx named sha256 {str(created.get('sha256'))[:12]}… and "
                                f"{created.get('bytes')} bytes, sent {upload.sha256[:12]}… and {len(upload.data)}")
                continue
            content = client.get(f"/api/v1/assets/{created['id']}/content")
            if content.status != 200 or content.body != upload.data:
                problems.append(f"upload {upload.index} (asset {created['id']}, answered {upload.response.status} "
                                f"before the kill): /content answered {content.status} with {len(content.body)} "
                                f"bytes, expected exactly the {len(upload.data)} sent")
        checks.record("every upload answered 2xx before the kill is readable byte for byte", not problems,
                      "; ".join(problems[:5]) or f"{len(whole) + len(acknowledged)} read back")

        records = {sha for sha, _ in asset_rows(data_dir).values()}
        orphans = [name for name in blobs_on_disk(data_dir) if name not in records]
        committed_unanswered = [u for u in unknown if u.sha256 in by_sha]
        orphaned_unknown = [u for u in unknown if u.sha256 in orphans]
        checks.info(f"of the {len(unknown)} cut-off uploads: {len(committed_unanswered)} committed but never answered, "
                    f"{len(orphaned_unknown)} left a blob no record names, "
                    f"{len(unknown) - len(committed_unanswered) - len(orphaned_unknown)} left nothing")
        checks.record("blobs no record names are never served", not (set(orphans) & set(by_sha)),
                      f"{count_of(orphans, 'orphan blob')} on disk, none named by an asset the API answers")

        problems = []
        for upload in unknown:
            try:
                response = client.request("POST", f"/api/v1/projects/{project_id}/assets", upload.data, "image/jpeg")
            except TransportFailure as failure:
                problems.append(f"upload {upload.index}: {failure}")
                continue
            expected = 200 if upload.sha256 in by_sha else 201
            body = response.json() if response.status in (200, 201) else {}
            if response.status != expected or body.get("sha256") != upload.sha256:
                problems.append(f"upload {upload.index}: answered {response.status} {response.text()[:150]}, "
                                f"expected {expected} for sha256 {upload.sha256[:12]}…")
        checks.record("the cut-off uploads, sent again, are stored (201, or 200 when already committed)",
                      not problems, "; ".join(problems[:5]) or f"{len(unknown)} sent again")
        verify_assets(client, data_dir, sent, WHOLE_BEFORE_BURST + BURST_UPLOADS + 2, "after the retries", checks)
        records = {sha for sha, _ in asset_rows(data_dir).values()}
        still_orphans = [name for name in blobs_on_disk(data_dir) if name not in records]
        checks.info(f"{count_of(still_orphans, 'orphan blob')} left after the retries")

        first = whole[0][1]
        ranged = get_with_headers(server.base_url, account.token, f"/api/v1/assets/{first['id']}/content",
                                  {"Range": "bytes=100-199"})
        etag = ranged.header("etag")
        not_modified = get_with_headers(server.base_url, account.token, f"/api/v1/assets/{first['id']}/content",
                                        {"If-None-Match": etag or '"none"'})
        data = whole[0][0]
        checks.record("Range and If-None-Match work on /content",
                      ranged.status == 206 and ranged.body == data[100:200]
                      and ranged.header("content-range") == f"bytes 100-199/{len(data)}" and not_modified.status == 304,
                      f"Range answered {ranged.status} ({ranged.header('content-range')}), If-None-Match "
                      f"{not_modified.status}")
        client.close()

        code = server.terminate(timeout=deadline.cap(GRACEFUL_EXIT_SECONDS))
        checks.record("SIGTERM stops the restarted server with exit code 0", code == 0, exit_detail(code))
    except (ProcessFailure, TransportFailure, UnexpectedStatus) as failure:
        checks.record(f"kill round {number} ran to the end", False, f"{failure}\n{server.log_tail()}")
    finally:
        server.kill()
        if args.keep:
            print(f"  kept {work_dir}", flush=True)
        else:
            shutil.rmtree(work_dir, ignore_errors=True)


def get_with_headers(base_url: str, token: str, path: str, headers: dict[str, str]) -> ParkResponse:
    """A GET with extra request headers (ParkClient sends only its own)."""
    parsed = urllib.parse.urlsplit(base_url)
    with socket.create_connection((parsed.hostname, parsed.port), timeout=30) as sock:
        head = [f"GET {path} HTTP/1.1", f"Host: {parsed.hostname}:{parsed.port}", f"Authorization: Bearer {token}",
                "Connection: close", *(f"{name}: {value}" for name, value in headers.items())]
        sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
        return read_response(sock, "GET")


def part_kill(args: argparse.Namespace, checks: Checks) -> None:
    print(f"kill -9 during {BURST_UPLOADS} concurrent uploads, {args.rounds} rounds", flush=True)
    with tempfile.TemporaryDirectory(prefix="labelpark-media-images-") as folder:
        images = make_burst_images(Path(folder))
        sizes = [p.stat().st_size / 1e6 for p in images[:BURST_UPLOADS]]
        checks.info(f"burst images: {len(sizes)} JPEGs of {min(sizes):.1f}–{max(sizes):.1f} MB")
        for number in range(1, args.rounds + 1):
            run_kill_round(number, args, images, args.seed * 1000 + number, checks)


# ---------------------------------------------------------------------------------------------------
# hostile uploads


def settled_incoming(data_dir: Path, seconds: float = 3.0) -> list[Path]:
    """`assets/incoming/` once it is empty, or as it is after `seconds`: a connection the client dropped is
    noticed, and its staging file removed, a moment later."""
    ends = time.monotonic() + seconds
    while (leftovers := incoming_files(data_dir)) and time.monotonic() < ends:
        time.sleep(0.1)
    return leftovers


def raw_exchange(server: ServerProcess, token: str, project_id: int, content_type: str, body: bytes, *,
                 content_length: int | None = None) -> tuple[ParkResponse, float]:
    """Sends a head (with `content_length`, default the body's) and `body`; the response and its seconds."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
        started = time.monotonic()
        length = len(body) if content_length is None else content_length
        sock.sendall(upload_head("127.0.0.1", server.port, token, project_id, content_type, content_length=length)
                     + body)
        response = read_response(sock)
        return response, time.monotonic() - started


def chunked_past_limit(server: ServerProcess, token: str, project_id: int) -> tuple[ParkResponse | None, int, str]:
    """Sends a chunked JPEG body until the server answers (or 64 MB went out); then ends the body and asks
    `/healthz` on the same connection. Returns the response, bytes sent, and what the connection did next."""
    piece = b"\xff\xd8\xff\xe0" + os.urandom(64 * 1024 - 4)
    sent = 0
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
        sock.sendall(upload_head("127.0.0.1", server.port, token, project_id, "image/jpeg", chunked=True))
        try:
            while sent < CHUNKED_SEND_CAP_BYTES:
                readable, _, _ = select.select([sock], [], [], 0)
                if readable:
                    break
                sock.sendall(b"%x\r\n" % len(piece) + piece + b"\r\n")
                sent += len(piece)
        except OSError as error:
            # The server may close while we still send; its answer can still be waiting to be read.
            aftermath = f"sending stopped with {type(error).__name__}"
        else:
            aftermath = ""
        try:
            response = read_response(sock)
        except TransportFailure as failure:
            return None, sent, f"{aftermath} {failure}".strip()
        try:
            sock.sendall(b"0\r\n\r\nGET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            sock.settimeout(AFTER_REFUSAL_WAIT_SECONDS)
            following = read_response(sock, "GET")
            aftermath = f"kept open and answered the next request {following.status}"
            if following.status != 200:
                aftermath += " (expected 200)"
        except (OSError, TransportFailure) as error:
            text = str(error)
            if "timed out" in text:
                aftermath = f"neither closed nor answered the next request within {AFTER_REFUSAL_WAIT_SECONDS:.0f} s"
            else:
                aftermath = f"closed ({text[:80]})"
        return response, sent, aftermath


def part_hostile(args: argparse.Namespace, checks: Checks) -> None:
    print(f"hostile uploads (--max-upload-bytes {HOSTILE_LIMIT_BYTES} --media-quota-bytes {HOSTILE_QUOTA_BYTES})",
          flush=True)
    deadline = Deadline(180.0, "the hostile part")
    work_dir = Path(tempfile.mkdtemp(prefix="labelpark-media-hostile-"))
    data_dir = work_dir / "data"
    server = ServerProcess(args.binary, data_dir=data_dir, log_path=work_dir / "server.log",
                           extra_args=["--max-upload-bytes", str(HOSTILE_LIMIT_BYTES),
                                       "--media-quota-bytes", str(HOSTILE_QUOTA_BYTES)],
                           description="the hostile-uploads server")
    try:
        images = work_dir / "images"
        images.mkdir()
        small = noise_image(images / "small.jpg", 300, 300, seed=7).read_bytes()
        quota_a = noise_image(images / "quota-a.jpg", 520, 520, seed=8).read_bytes()
        quota_b = noise_image(images / "quota-b.jpg", 520, 520, seed=9).read_bytes()
        png = noise_image(images / "small.png", 64, 64, seed=10).read_bytes()
        account = image_park(args.binary, data_dir, deadline)
        server.start(deadline.cap(30.0))
        client = ParkClient(server.base_url, account.token, timeout=30.0)
        project_id = create_image_project(client, "hostile uploads")
        token = account.token

        def expect(name: str, exchange: tuple[ParkResponse, float], status: int, code: str) -> None:
            response, seconds = exchange
            checks.record(name, response.status == status and error_code(response) == code,
                          f"{response.status} {error_code(response)} in {seconds * 1000:.0f} ms"
                          + ("" if response.status == status else f": {response.text()[:200]}"))

        response, seconds = raw_exchange(server, token, project_id, "image/jpeg", small[:64],
                                         content_length=5 * (1 << 30))
        checks.record("Content-Length 5368709120 with a 64-byte body: 413 payload_too_large before the body",
                      response.status == 413 and error_code(response) == "payload_too_large"
                      and seconds < EARLY_REFUSAL_SECONDS,
                      f"{response.status} {error_code(response)} in {seconds * 1000:.0f} ms "
                      f"(limit {EARLY_REFUSAL_SECONDS:.0f} s)")
        expect("Content-Length one byte over the limit: 413 payload_too_large",
               raw_exchange(server, token, project_id, "image/jpeg", small[:64],
                            content_length=HOSTILE_LIMIT_BYTES + 1), 413, "payload_too_large")

        started = time.monotonic()
        response, sent, aftermath = chunked_past_limit(server, token, project_id)
        seconds = time.monotonic() - started
        # This server's quota (1,000,000 bytes) is below its upload limit (1 MiB), so a body past both is
        # refused as it crosses the quota; either refusal is a 413 before the body is stored.
        checks.record("a chunked body past the limit: 413 payload_too_large or quota_exceeded",
                      response is not None and response.status == 413
                      and error_code(response) in ("payload_too_large", "quota_exceeded"),
                      (f"{response.status} {error_code(response)}" if response else "no response")
                      + f" after {sent / 1e6:.1f} MB sent in {seconds:.2f} s")
        checks.record("… and the connection is then closed or serves the next request", "neither" not in aftermath
                      and "expected" not in aftermath, aftermath)

        truncated = small[:len(small) * 6 // 10]
        expect("a JPEG cut at 60%: 422 truncated",
               raw_exchange(server, token, project_id, "image/jpeg", truncated), 422, "truncated")
        expect("a PNG header declaring 100000 × 100000: 422 too_many_pixels",
               raw_exchange(server, token, project_id, "image/png", png_declaring(100_000, 100_000)), 422,
               "too_many_pixels")
        expect("a PNG header declaring 30000 × 20000 (600 MP, sides in range): 422 too_many_pixels",
               raw_exchange(server, token, project_id, "image/png", png_declaring(30_000, 20_000)), 422,
               "too_many_pixels")
        # Scan data straight after the signature: whole (it ends with an end-of-image marker) but frameless.
        frameless = b"\xff\xd8\xff\xda" + os.urandom(4000).replace(b"\xff", b"\x00") + b"\xff\xd9"
        expect("a JPEG with no frame header: 422 invalid_image",
               raw_exchange(server, token, project_id, "image/jpeg", frameless), 422, "invalid_image")
        expect("an empty body: 400 empty_body", raw_exchange(server, token, project_id, "image/jpeg", b""), 400,
               "empty_body")
        expect("PNG bytes sent as image/jpeg: 415 type_mismatch",
               raw_exchange(server, token, project_id, "image/jpeg", png), 415, "type_mismatch")
        gif = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x00\x00\x00\x00\x00,\x00\x00" \
              b"\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
        expect("GIF bytes sent as image/png: 415 unsupported_media_type",
               raw_exchange(server, token, project_id, "image/png", gif), 415, "unsupported_media_type")
        expect("Content-Type image/gif: 415 unsupported_media_type",
               raw_exchange(server, token, project_id, "image/gif", gif), 415, "unsupported_media_type")

        waited = expect_continue(server, token, project_id, len(small))
        checks.record("Expect: 100-continue is answered (100 or a final status) within 1 s",
                      waited is not None and waited[1] < EXPECT_CONTINUE_SECONDS,
                      f"{waited[0]} after {waited[1] * 1000:.0f} ms" if waited else
                      f"nothing within {AFTER_REFUSAL_WAIT_SECONDS:.0f} s: curl waits 1 s before sending any upload "
                      f"over 1 MB, other clients may wait longer")

        health = client.get("/healthz")
        checks.record("/healthz answers 200 after the hostile uploads", health.status == 200, f"{health.status}")
        leftovers = settled_incoming(data_dir)
        checks.record("no staging file remains in assets/incoming/", not leftovers,
                      f"{[p.name for p in leftovers][:5]}" if leftovers else "")
        checks.record("no refused upload left a blob", not blobs_on_disk(data_dir),
                      f"{count_of(blobs_on_disk(data_dir), 'blob')} on disk")

        created = client.request("POST", f"/api/v1/projects/{project_id}/assets", quota_a, "image/jpeg")
        checks.record("a valid upload still works (201)", created.status == 201, f"{created.status}")
        refused, seconds = raw_exchange(server, token, project_id, "image/jpeg", quota_b)
        checks.record("past the quota by its Content-Length: 413 quota_exceeded",
                      refused.status == 413 and error_code(refused) == "quota_exceeded",
                      f"{refused.status} {error_code(refused)}; quota {HOSTILE_QUOTA_BYTES}, "
                      f"{len(quota_a)} used, {len(quota_b)} more")
        chunked = chunked_upload(server, token, project_id, quota_b)
        checks.record("past the quota with a chunked body (no length): 413 quota_exceeded",
                      chunked.status == 413 and error_code(chunked) == "quota_exceeded",
                      f"{chunked.status} {error_code(chunked)}")
        # The quota is checked while the body streams, so a refused chunked body is never stored.
        orphan = blob_path(data_dir, sha256_hex(quota_b))
        checks.record("the chunked upload refused for the quota left no blob", not orphan.exists(),
                      f"{len(quota_b)} bytes at {orphan}" if orphan.exists() else "")
        leftovers = settled_incoming(data_dir)
        checks.record("no staging file remains after the quota refusals", not leftovers,
                      f"{[p.name for p in leftovers][:5]}" if leftovers else "")
        client.close()
        code = server.terminate(timeout=deadline.cap(GRACEFUL_EXIT_SECONDS))
        checks.record("SIGTERM stops the server with exit code 0", code == 0, exit_detail(code))
    except (ProcessFailure, TransportFailure, UnexpectedStatus) as failure:
        checks.record("the hostile part ran to the end", False, f"{failure}\n{server.log_tail()}")
    finally:
        server.kill()
        if args.keep:
            print(f"  kept {work_dir}", flush=True)
        else:
            shutil.rmtree(work_dir, ignore_errors=True)


def expect_continue(server: ServerProcess, token: str, project_id: int, length: int) -> tuple[str, float] | None:
    """Sends an upload head with `Expect: 100-continue` and no body; the first line of what comes back, and
    after how long, or None when nothing comes within AFTER_REFUSAL_WAIT_SECONDS."""
    head = upload_head("127.0.0.1", server.port, token, project_id, "image/jpeg", content_length=length)
    head = head[:-2] + b"Expect: 100-continue\r\n\r\n"
    with socket.create_connection(("127.0.0.1", server.port), timeout=AFTER_REFUSAL_WAIT_SECONDS) as sock:
        started = time.monotonic()
        sock.sendall(head)
        try:
            first = sock.recv(256)
        except socket.timeout:
            return None
        return first.split(b"\r\n")[0].decode(errors="replace"), time.monotonic() - started


def chunked_upload(server: ServerProcess, token: str, project_id: int, body: bytes) -> ParkResponse:
    """Uploads `body` with chunked transfer encoding (no Content-Length) and returns the response."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
        sock.sendall(upload_head("127.0.0.1", server.port, token, project_id, "image/jpeg", chunked=True))
        for start in range(0, len(body), 65536):
            piece = body[start:start + 65536]
            sock.sendall(b"%x\r\n" % len(piece) + piece + b"\r\n")
        sock.sendall(b"0\r\n\r\n")
        return read_response(sock)


# ---------------------------------------------------------------------------------------------------
# S3 storage (moto)


def deep_zoom_tile_count(width: int, height: int) -> int:
    """Tiles of a Deep Zoom pyramid down to one pixel (`vips dzsave --depth onepixel`, no overlap)."""
    total = 0
    while True:
        total += -(-width // TILE_SIZE) * -(-height // TILE_SIZE)
        if width == 1 and height == 1:
            return total
        width, height = max(1, -(-width // 2)), max(1, -(-height // 2))


def img_sources(policy: str | None) -> list[str]:
    for directive in (policy or "").split(";"):
        parts = directive.split()
        if parts and parts[0] == "img-src":
            return parts[1:]
    return []


def wait_for_tiles(client: ParkClient, asset_id: int, seconds: float) -> dict:
    """The asset once its tiles are no longer pending, or as it is after `seconds`."""
    ends = time.monotonic() + seconds
    described = client.get(f"/api/v1/assets/{asset_id}", expect=(200,)).json()
    while described["tiles_state"] == "pending" and time.monotonic() < ends:
        time.sleep(0.25)
        described = client.get(f"/api/v1/assets/{asset_id}", expect=(200,)).json()
    return described


def clean_up(server: ServerProcess | None, peer, work_dir: Path, *, keep: bool) -> None:
    """Stops what a part started and removes its folder (unless kept)."""
    if server is not None:
        server.kill()
    if peer is not None:
        peer.stop()
    if keep:
        print(f"  kept {work_dir}", flush=True)
    else:
        shutil.rmtree(work_dir, ignore_errors=True)


def part_s3(args: argparse.Namespace, checks: Checks) -> None:
    print(f"S3 storage against moto (--storage s3://{S3_BUCKET}/{S3_PREFIX})", flush=True)
    deadline = Deadline(240.0, "the S3 part")
    work_dir = Path(tempfile.mkdtemp(prefix="labelpark-media-s3-"))
    data_dir = work_dir / "data"
    peer = None
    server = None
    try:
        images = work_dir / "images"
        images.mkdir()
        small_path = noise_image(images / "small.jpg", 400, 300, seed=21)
        tiled_path = photo_image(images / "tiled.jpg", *TILED_SIZE, seed=22)
        peer = start_moto()
        checks.info(f"moto at {peer.endpoint}")
        server = ServerProcess(args.binary, data_dir=data_dir, log_path=work_dir / "server.log",
                               extra_args=["--storage", f"s3://{S3_BUCKET}/{S3_PREFIX}",
                                           "--s3-endpoint", peer.endpoint],
                               environment=s3_environment(), description="the S3 server")
        account = image_park(args.binary, data_dir, deadline)
        server.start(deadline.cap(30.0))
        client = ParkClient(server.base_url, account.token, timeout=60.0)
        project_id = create_image_project(client, "s3 media")

        small = small_path.read_bytes()
        created = client.request("POST", f"/api/v1/projects/{project_id}/assets", small, "image/jpeg", expect=(201,))
        asset = created.json()
        checks.record("an upload to S3 storage answers 201 with its sha256 and size",
                      asset["sha256"] == sha256_hex(small) and asset["bytes"] == len(small),
                      f"asset {asset['id']}, {asset['bytes']} bytes")
        again = client.request("POST", f"/api/v1/projects/{project_id}/assets", small, "image/jpeg")
        checks.record("the same bytes again answer 200 with the same asset",
                      again.status == 200 and again.json().get("id") == asset["id"], f"{again.status}")

        content = client.get(f"/api/v1/assets/{asset['id']}/content")
        location = content.header("location") or ""
        origin = peer.endpoint
        checks.record("/content answers 302 to a presigned URL on the moto origin",
                      content.status == 302 and location.startswith(origin + "/")
                      and "X-Amz-Signature=" in location,
                      f"{content.status} → {location[:110]}…")
        if location:
            fetched = fetch(location)
            checks.record("the presigned URL yields the exact bytes", fetched.status == 200 and fetched.body == small,
                          f"{fetched.status}, {len(fetched.body)} bytes (moto does not verify signatures; "
                          f"s3_signature_vectors.py does)")

        page = client.get("/login")
        for name, response in (("the asset API response", created), ("the /login page", page)):
            sources = img_sources(response.header("content-security-policy"))
            checks.record(f"the CSP of {name} allows the moto origin in img-src", origin in sources,
                          f"img-src {' '.join(sources) or '(none)'}")

        tiled = tiled_path.read_bytes()
        started = time.monotonic()
        big = client.request("POST", f"/api/v1/projects/{project_id}/assets", tiled, "image/jpeg",
                             expect=(201,)).json()
        checks.record(f"a {TILED_SIZE[0]} × {TILED_SIZE[1]} image is queued for tiles",
                      big["tiles_state"] in ("pending", "ready") and (big["width"], big["height"]) == TILED_SIZE,
                      f"tiles_state {big['tiles_state']}, {big['width']} × {big['height']}, {len(tiled) / 1e6:.1f} MB")
        state = big["tiles_state"]
        while state == "pending" and time.monotonic() - started < TILES_READY_SECONDS:
            time.sleep(0.25)
            big = client.get(f"/api/v1/assets/{big['id']}", expect=(200,)).json()
            state = big["tiles_state"]
        checks.record(f"tiles_state becomes ready within {TILES_READY_SECONDS:.0f} s", state == "ready",
                      f"{state} after {time.monotonic() - started:.1f} s")
        if state == "ready":
            tiles = big["tiles"]
            level = tiles["max_level"]
            tile = client.get(f"{tiles['url']}{level}/0_0.jpg")
            tile_location = tile.header("location") or ""
            fetched = fetch(tile_location) if tile.status == 302 else tile
            tile_file = work_dir / "tile.jpg"
            tile_file.write_bytes(fetched.body)
            size = image_header(tile_file) if fetched.body[:3] == b"\xff\xd8\xff" else None
            checks.record("a tile URL redirects to the moto origin and yields a 256 × 256 JPEG",
                          tile.status == 302 and tile_location.startswith(origin + "/") and fetched.status == 200
                          and size == (TILE_SIZE, TILE_SIZE),
                          f"{tile.status} → {fetched.status}, {len(fetched.body)} bytes, "
                          f"{'%d × %d' % size if size else 'not a JPEG'}")
            missing = client.get(f"{tiles['url']}{level}/999_999.jpg")
            checks.record("a tile outside the pyramid is 404", missing.status == 404, f"{missing.status}")

        blobs = peer.keys(f"{S3_PREFIX}/blobs/")
        expected_blobs = {f"{S3_PREFIX}/blobs/{sha[:2]}/{sha[2:4]}/{sha}": len(data)
                          for sha, data in ((sha256_hex(small), small), (sha256_hex(tiled), tiled))}
        checks.record("the bucket holds both blobs under park/blobs/xx/yy/<sha256> at their sizes",
                      all(blobs.get(key) == size for key, size in expected_blobs.items()),
                      f"{count_of(blobs, 'object')} under {S3_PREFIX}/blobs/")
        tile_keys = peer.keys(f"{S3_PREFIX}/tiles/{sha256_hex(tiled)}/")
        expected_tiles = deep_zoom_tile_count(*TILED_SIZE)
        checks.record("the bucket holds the whole pyramid under park/tiles/<sha256>/",
                      len(tile_keys) == expected_tiles,
                      f"{len(tile_keys)} tile objects, {expected_tiles} expected for a Deep Zoom pyramid to one pixel")
        staging = [p for p in (data_dir / "media-staging").rglob("*") if p.is_file()] \
            if (data_dir / "media-staging").exists() else []
        checks.record("nothing is left in the local staging directory", not staging,
                      f"{[str(p.relative_to(data_dir)) for p in staging][:5]}" if staging else "")
        client.close()
        code = server.terminate(timeout=deadline.cap(GRACEFUL_EXIT_SECONDS))
        checks.record("SIGTERM stops the S3 server with exit code 0", code == 0, exit_detail(code))
    except (ProcessFailure, TransportFailure, UnexpectedStatus) as failure:
        checks.record("the S3 part ran to the end", False, f"{failure}\n{server.log_tail() if server else ''}")
    finally:
        clean_up(server, peer, work_dir, keep=args.keep)


# ---------------------------------------------------------------------------------------------------
# A client's bucket attached to a project (moto)

ATTACHED_PREFIX = "client-frames"
ATTACHED_IMAGES = 160
TIMED_IMAGES = 120
HEARTBEAT_TIMEOUT = 8
ATTACH_SECRET = "client-secret-9f2c"


def jpeg_variant(base: bytes, number: int) -> bytes:
    """`base` with a comment segment after its start marker: a valid JPEG with bytes (and a digest) of its own."""
    comment = f"frame {number}".encode()
    return base[:2] + b"\xff\xfe" + (len(comment) + 2).to_bytes(2, "big") + comment + base[2:]


def fill_bucket(peer, prefix: str, base: bytes, count: int) -> dict[str, bytes]:
    """Puts `count` distinct JPEGs under `prefix` with keys of every kind; returns key (relative) → bytes."""
    client = peer.client()
    objects: dict[str, bytes] = {}
    for number in range(count):
        folder = ("井下/三号 摄像头", "cam 1", "cam+2")[number % 3]
        objects[f"{folder}/frame {number:04d}.jpg"] = jpeg_variant(base, number)
    for key, body in objects.items():
        client.put_object(Bucket=S3_BUCKET, Key=f"{prefix}/{key}", Body=body)
    return objects


def storage_state(client: ParkClient, project_id: int, storage_id: int) -> dict:
    return client.get(f"/api/v1/projects/{project_id}/storages/{storage_id}", expect=(200,)).json()


def wait_for_sync(client: ParkClient, project_id: int, storage_id: int, seconds: float, *,
                  until=lambda sync: sync["state"] != "running") -> dict:
    ends = time.monotonic() + seconds
    while True:
        storage = storage_state(client, project_id, storage_id)
        if until(storage["sync"]) or time.monotonic() > ends:
            return storage
        time.sleep(0.1)


def recorded_objects(client: ParkClient, project_id: int, storage_id: int) -> list[dict]:
    objects: list[dict] = []
    after = ""
    while True:
        query = urllib.parse.urlencode({"after": after, "limit": 1000})
        page = client.get(f"/api/v1/projects/{project_id}/storages/{storage_id}/objects?{query}", expect=(200,)).json()
        objects += page["objects"]
        if page["next_after"] is None:
            return objects
        after = page["next_after"]


def part_attach(args: argparse.Namespace, checks: Checks) -> None:
    print(f"A client's bucket attached to a project (moto, {ATTACHED_IMAGES} images, a kill -9 during the sync)",
          flush=True)
    deadline = Deadline(300.0, "the attach part")
    work_dir = Path(tempfile.mkdtemp(prefix="labelpark-media-attach-"))
    data_dir = work_dir / "data"
    peer = None
    server = None
    try:
        base = noise_image(work_dir / "base.jpg", 320, 240, seed=31).read_bytes()
        peer = start_moto()
        objects = fill_bucket(peer, ATTACHED_PREFIX, base, ATTACHED_IMAGES)
        client_s3 = peer.client()
        large_key = "grotto/cave 6 east wall.jpg"
        objects[large_key] = photo_image(work_dir / "large.jpg", *TILED_SIZE, seed=32).read_bytes()
        client_s3.put_object(Bucket=S3_BUCKET, Key=f"{ATTACHED_PREFIX}/{large_key}", Body=objects[large_key])
        duplicate_key = "cam 1/frame 0000 again.jpg"
        objects[duplicate_key] = objects["井下/三号 摄像头/frame 0000.jpg"]
        others = {"notes.txt": b"shift log", "clip.mp4": b"\x00\x00\x00\x18ftypmp42" + bytes(64), "empty.jpg": b""}
        for key, body in [(duplicate_key, objects[duplicate_key]), *others.items()]:
            client_s3.put_object(Bucket=S3_BUCKET, Key=f"{ATTACHED_PREFIX}/{key}", Body=body)
        distinct = len({sha256_hex(body) for body in objects.values()})
        checks.info(f"moto at {peer.endpoint}; {len(objects) + len(others)} objects under {ATTACHED_PREFIX}/, "
                    f"{distinct} distinct images")

        server = ServerProcess(args.binary, data_dir=data_dir, log_path=work_dir / "server.log",
                               extra_args=["--attachable-endpoint", peer.endpoint,
                                           "--sync-heartbeat-timeout", str(HEARTBEAT_TIMEOUT)],
                               description="the attach server")
        account = image_park(args.binary, data_dir, deadline)
        server.start(deadline.cap(30.0))
        client = ParkClient(server.base_url, account.token, timeout=60.0)
        project_id = create_image_project(client, "attached frames")
        attached = client.post_json(f"/api/v1/projects/{project_id}/storages", {
            "kind": "s3", "endpoint": peer.endpoint, "bucket": S3_BUCKET, "prefix": ATTACHED_PREFIX,
            "access_key_id": "client-key", "secret_access_key": ATTACH_SECRET, "title": "Mine cameras"})
        storage = attached.json()
        checks.record("a bucket on an allowed endpoint is attached (201) and its credentials never come back",
                      attached.status == 201 and ATTACH_SECRET not in attached.body.decode()
                      and storage.get("has_credentials") is True, f"{attached.status} {attached.body[:160]!r}")
        storage_id = storage["id"]
        refused = client.post_json(f"/api/v1/projects/{project_id}/storages", {
            "kind": "s3", "endpoint": "http://169.254.169.254", "bucket": S3_BUCKET,
            "access_key_id": "a", "secret_access_key": "b"})
        checks.record("an endpoint the operator did not allow is refused (SSRF)",
                      refused.status == 422 and refused.json().get("error", {}).get("field") == "endpoint",
                      f"{refused.status} {error_code(refused)}")
        with sqlite3.connect(data_dir / "labelpark.sqlite") as database:
            sealed = database.execute("SELECT sealed_credentials FROM storage WHERE id = ?", (storage_id,)).fetchone()
        key_file = data_dir / "storage-credentials.key"
        checks.record("the database holds the credentials sealed, the key lives in a private file beside it",
                      sealed is not None and sealed[0].startswith("v1:") and ATTACH_SECRET not in sealed[0]
                      and key_file.exists() and (key_file.stat().st_mode & 0o777) == 0o600,
                      f"{(sealed or ['?'])[0][:24]}…, key file mode {oct(key_file.stat().st_mode & 0o777) if key_file.exists() else 'missing'}")

        started = client.post_json(f"/api/v1/projects/{project_id}/storages/{storage_id}/sync", {})
        checks.record("a sync starts in the background (202)", started.status == 202, f"{started.status}")
        part_way = wait_for_sync(client, project_id, storage_id, deadline.cap(60.0),
                                 until=lambda sync: sync["objects"] >= 30 or sync["state"] != "running")
        server.kill()
        before = part_way["sync"]
        checks.record("the server is killed part way through the sync", before["state"] == "running"
                      and 0 < before["objects"] < len(objects) + len(others),
                      f"{before['objects']} objects recorded, {before['tasks']} tasks, state {before['state']}")

        server.start(deadline.cap(30.0))
        client = ParkClient(server.base_url, account.token, timeout=60.0)
        early = client.post_json(f"/api/v1/projects/{project_id}/storages/{storage_id}/sync", {})
        checks.record("until its heartbeat is stale, the cut sync still counts as running (409)",
                      early.status == 409 and error_code(early) == "sync_in_progress", f"{early.status}")
        stale = wait_for_sync(client, project_id, storage_id, HEARTBEAT_TIMEOUT + 5.0,
                              until=lambda sync: sync["state"] == "interrupted")
        checks.record("then it shows as interrupted", stale["sync"]["state"] == "interrupted",
                      f"{stale['sync']['state']}")
        resumed = client.post_json(f"/api/v1/projects/{project_id}/storages/{storage_id}/sync", {})
        finished = wait_for_sync(client, project_id, storage_id, deadline.cap(120.0))["sync"]
        checks.record("a new sync finishes the work", resumed.status == 202 and finished["state"] == "finished",
                      f"{resumed.status}; {finished['state']}: {finished['objects']} objects, {finished['assets']} "
                      f"assets, {finished['tasks']} tasks, {finished['skipped']} skipped {finished['error'] or ''}")
        recorded = recorded_objects(client, project_id, storage_id)
        keys = [item["key"] for item in recorded]
        expected_keys = sorted(list(objects) + list(others), key=lambda key: key.encode())
        checks.record("every object is recorded exactly once, in key order",
                      keys == expected_keys, f"{len(keys)} recorded, {len(expected_keys)} in the bucket")
        checks.record("the resumed sync read only what the cut one had not recorded",
                      before["objects"] + finished["objects"] == len(expected_keys),
                      f"{before['objects']} + {finished['objects']}")
        asset_ids = {item["asset_id"] for item in recorded if item["asset_id"] is not None}
        skipped = {item["key"]: item["skipped"] for item in recorded if item["skipped"]}
        progress = client.get(f"/api/v1/projects/{project_id}/progress", expect=(200,)).json()
        checks.record("each distinct image is one asset and one task; the rest are skipped with a reason",
                      len(asset_ids) == distinct and progress["tasks"] == distinct and set(skipped) == set(others),
                      f"{len(asset_ids)} assets, {progress['tasks']} tasks, skipped {skipped}")
        sample_key = "井下/三号 摄像头/frame 0003.jpg"
        sample = next(item for item in recorded if item["key"] == sample_key)
        content = client.get(f"/api/v1/assets/{sample['asset_id']}/content")
        checks.record("a synced asset's /content is its object's bytes, through the server",
                      content.status == 200 and content.body == objects[sample_key], f"{content.status}")
        large = next(item for item in recorded if item["key"] == large_key)
        described = wait_for_tiles(client, large["asset_id"], TILES_READY_SECONDS)
        tile = client.get(f"{described['tiles']['url']}{described['tiles']['max_level']}/0_0.jpg") \
            if described["tiles_state"] == "ready" else None
        checks.record(f"a synced {TILED_SIZE[0]} × {TILED_SIZE[1]} image gets its tile pyramid from the bucket",
                      tile is not None and tile.status == 200 and tile.body[:3] == b"\xff\xd8\xff",
                      f"tiles_state {described['tiles_state']}, tile {tile.status if tile else '-'}")
        client_s3.put_object(Bucket=S3_BUCKET, Key=f"{ATTACHED_PREFIX}/{sample_key}", Body=b"overwritten")
        changed = client.get(f"/api/v1/assets/{sample['asset_id']}/content")
        checks.record("an object overwritten in the bucket is never served as the asset (409 object_changed)",
                      changed.status == 409 and error_code(changed) == "object_changed", f"{changed.status}")

        timed_prefix = "timed"
        timed = fill_bucket(peer, timed_prefix, base, TIMED_IMAGES)
        second = client.post_json(f"/api/v1/projects/{project_id}/storages", {
            "kind": "s3", "endpoint": peer.endpoint, "bucket": S3_BUCKET, "prefix": timed_prefix,
            "access_key_id": "client-key", "secret_access_key": ATTACH_SECRET}, expect=(201,)).json()
        began = time.monotonic()
        client.post_json(f"/api/v1/projects/{project_id}/storages/{second['id']}/sync", {}, expect=(202,))
        done = wait_for_sync(client, project_id, second["id"], deadline.cap(120.0))["sync"]
        seconds = time.monotonic() - began
        megabytes = sum(len(body) for body in timed.values()) / 1e6
        checks.record("an uninterrupted sync records every object", done["objects"] == TIMED_IMAGES,
                      f"{TIMED_IMAGES} objects ({megabytes:.1f} MB) in {seconds:.1f} s: "
                      f"{TIMED_IMAGES / seconds:.0f} objects/s, {megabytes / seconds:.1f} MB/s")
        client.close()
        code = server.terminate(timeout=deadline.cap(GRACEFUL_EXIT_SECONDS))
        checks.record("SIGTERM stops the server with exit code 0", code == 0, exit_detail(code))
    except (ProcessFailure, TransportFailure, UnexpectedStatus) as failure:
        checks.record("the attach part ran to the end", False, f"{failure}\n{server.log_tail() if server else ''}")
    finally:
        clean_up(server, peer, work_dir, keep=args.keep)


# ---------------------------------------------------------------------------------------------------
# A tile cut stopped by shutdown


def part_tiles(args: argparse.Namespace, checks: Checks) -> None:
    print("A tile cut in progress when the server stops", flush=True)
    deadline = Deadline(240.0, "the tiles part")
    work_dir = Path(tempfile.mkdtemp(prefix="labelpark-media-tiles-"))
    data_dir = work_dir / "data"
    server = None
    try:
        large = photo_image(work_dir / "large.jpg", 16_000, 12_000, seed=41).read_bytes()
        server = ServerProcess(args.binary, data_dir=data_dir, log_path=work_dir / "server.log",
                               description="the tiles server")
        account = image_park(args.binary, data_dir, deadline)
        server.start(deadline.cap(30.0))
        client = ParkClient(server.base_url, account.token, timeout=60.0)
        project_id = create_image_project(client, "tiles at shutdown")
        asset = client.request("POST", f"/api/v1/projects/{project_id}/assets", large, "image/jpeg",
                               expect=(201,)).json()
        client.close()
        time.sleep(1.0)
        stopping = time.monotonic()
        code = server.terminate(timeout=deadline.cap(30.0))
        seconds = time.monotonic() - stopping
        checks.record("SIGTERM during a tile cut stops the server within 10 s, exit code 0",
                      code == 0 and seconds < 10.0, f"{exit_detail(code)} after {seconds:.1f} s")
        with sqlite3.connect(f"file:{data_dir / 'labelpark.sqlite'}?mode=ro", uri=True) as database:
            state = database.execute("SELECT tiles FROM asset WHERE id = ?", (asset["id"],)).fetchone()
        checks.record("the image is still pending, to be cut at the next start", state == ("pending",), f"{state}")
        server.start(deadline.cap(30.0))
        client = ParkClient(server.base_url, account.token, timeout=60.0)
        described = wait_for_tiles(client, asset["id"], 120.0)
        tile = client.get(f"{described['tiles']['url']}0/0_0.jpg") if described["tiles_state"] == "ready" else None
        checks.record("after the restart the pyramid is cut and served",
                      tile is not None and tile.status == 200, f"tiles_state {described['tiles_state']}")
        client.close()
        code = server.terminate(timeout=deadline.cap(GRACEFUL_EXIT_SECONDS))
        checks.record("SIGTERM stops the server with exit code 0", code == 0, exit_detail(code))
    except (ProcessFailure, TransportFailure, UnexpectedStatus) as failure:
        checks.record("the tiles part ran to the end", False, f"{failure}\n{server.log_tail() if server else ''}")
    finally:
        clean_up(server, None, work_dir, keep=args.keep)


# ---------------------------------------------------------------------------------------------------


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", required=True, help="the labelpark executable (a release build)")
    parser.add_argument("--rounds", type=int, default=3, help="kill -9 rounds")
    parser.add_argument("--parts", default=",".join(PARTS), help=f"comma-separated, from {', '.join(PARTS)}")
    parser.add_argument("--seed", type=int, default=None, help="default: random, printed so a run can be repeated")
    parser.add_argument("--keep", action="store_true", help="keep data directories and server logs")
    args = parser.parse_args()
    if not (os.path.isfile(args.binary) and os.access(args.binary, os.X_OK)):
        parser.error(f"--binary {args.binary} is not an executable file")
    args.binary = os.path.abspath(args.binary)
    args.parts = [part.strip() for part in args.parts.split(",") if part.strip()]
    if unknown := set(args.parts) - set(PARTS):
        parser.error(f"unknown parts {sorted(unknown)}")
    if args.rounds < 1:
        parser.error("--rounds must be positive")
    if args.seed is None:
        args.seed = random.SystemRandom().randrange(1 << 31)
    return args


def main() -> int:
    args = parse_arguments()
    # A CI timeout sends SIGTERM: unwind through the `finally` blocks so no server outlives the test.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    print(f"media test: binary={args.binary} parts={','.join(args.parts)} rounds={args.rounds} seed={args.seed}",
          flush=True)
    checks = Checks()
    started = time.monotonic()
    for part in args.parts:
        {"kill": part_kill, "hostile": part_hostile, "s3": part_s3, "attach": part_attach, "tiles": part_tiles}[part](args, checks)
    print(f"media: {checks.passed} passed, {checks.failed} failed in {time.monotonic() - started:.0f} s", flush=True)
    return 1 if checks.failed else 0


if __name__ == "__main__":
    sys.exit(main())
