#!/usr/bin/env python3
"""Media benchmark: upload throughput on local and S3 (moto) storage, and tile generation for a huge image.

Uploads: two sets of distinct images (colour noise, JPEG and PNG alternating, about `--megabytes` each, so
the server stores every byte: nothing compresses and nothing is already there) go to a fresh park, one set
one after another, the other `--concurrency` at a time; each set to its own project. The same is then done
with `--storage s3://labelpark-test/bench` against moto on loopback. Reported: wall time, MB/s (10^6 bytes
per second, request bodies only) and the per-upload latency (median, slowest). Every upload must answer
201 with the sha256 of what was sent; nothing else is asserted.

Tiles (local storage only): a photograph-like JPEG (noise resized up; 20000 × 20000 by default) is made
with vips and uploaded; reported are its file size, the upload time, the time from its 201 to
`tiles_state: ready` (polled every 100 ms), the number and bytes of tiles under
`DATA_DIR/assets/tiles/<sha256>/`, the server's own "tiles ready" figure from its log, the first tile
request's latency and the time to fetch the whole overview level (the deepest level at most 1024 px wide).

Other jobs on the machine change every figure; the load average at the start and end is printed with them.

    python3 Tests/process/media_bench.py --binary .build/release/labelpark [--quick] [--json out.json]
        [--count 20] [--megabytes 8] [--concurrency 4] [--tile-side 20000] [--keep]

`--quick` (CI smoke; under 60 s): 6 uploads of about 1 MB per set and a 5000 × 5000 tiled image.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lp_client import ParkClient, TransportFailure  # noqa: E402
from lp_media import (  # noqa: E402
    S3_BUCKET,
    create_image_project,
    image_park,
    media_type,
    noise_image,
    photo_image,
    s3_environment,
    sha256_hex,
    start_moto,
    tile_files,
)
from lp_server import Deadline, ProcessFailure, ServerProcess  # noqa: E402

# Bytes per pixel of 3-band colour noise: JPEG at quality 95, PNG at compression 1 (measured with vips 8.14).
JPEG_NOISE_BYTES_PER_PIXEL = 1.9
PNG_NOISE_BYTES_PER_PIXEL = 2.37
TILE_POLL_SECONDS = 0.1
OVERVIEW_SIDE = 1024
S3_PREFIX = "bench"


@dataclass
class UploadRun:
    storage: str
    mode: str  # "sequential" or "N-concurrent"
    uploads: int
    megabytes: float
    seconds: float
    latencies_ms: list[float] = field(default_factory=list)

    @property
    def megabytes_per_second(self) -> float:
        return self.megabytes / self.seconds if self.seconds > 0 else math.nan

    def row(self) -> dict:
        return {"storage": self.storage, "mode": self.mode, "uploads": self.uploads,
                "megabytes": round(self.megabytes, 1), "seconds": round(self.seconds, 2),
                "mb_per_s": round(self.megabytes_per_second, 1),
                "p50_ms": round(statistics.median(self.latencies_ms), 1),
                "max_ms": round(max(self.latencies_ms), 1)}


@dataclass
class TileRun:
    width: int
    height: int
    file_megabytes: float
    make_seconds: float
    upload_seconds: float
    ready_seconds: float | None
    state: str
    tiles: int
    tile_megabytes: float
    server_seconds: float | None
    max_level: int | None
    first_tile_ms: float | None
    overview_level: int | None
    overview_tiles: int | None
    overview_ms: float | None


def make_upload_sets(folder: Path, count: int, megabytes: float, sets: int) -> list[list[Path]]:
    """`sets` lists of `count` distinct noise images of about `megabytes` each, JPEG and PNG alternating."""
    result = []
    for number in range(sets):
        paths = []
        for index in range(count):
            png = index % 2 == 1
            side = int(math.sqrt(megabytes * 1e6 / (PNG_NOISE_BYTES_PER_PIXEL if png else JPEG_NOISE_BYTES_PER_PIXEL)))
            paths.append(noise_image(folder / f"set{number}-{index}.{'png' if png else 'jpg'}", side, side,
                                     seed=number * 10_000 + index))
        result.append(paths)
    return result


def upload_all(base_url: str, token: str, project_id: int, paths: list[Path], concurrency: int, storage: str,
               deadline: Deadline) -> UploadRun:
    """Uploads every file (read into memory first), `concurrency` at a time, each worker on its own connection."""
    bodies = [(path.read_bytes(), media_type(path)) for path in paths]
    pending = list(range(len(bodies)))
    lock = threading.Lock()
    latencies: list[float] = []
    errors: list[str] = []

    def worker() -> None:
        client = ParkClient(base_url, token, timeout=max(60.0, deadline.remaining()))
        try:
            while True:
                with lock:
                    if not pending:
                        return
                    index = pending.pop(0)
                data, kind = bodies[index]
                started = time.monotonic()
                try:
                    response = client.request("POST", f"/api/v1/projects/{project_id}/assets", data, kind)
                except TransportFailure as failure:
                    with lock:
                        errors.append(f"{paths[index].name}: {failure}")
                    continue
                elapsed = (time.monotonic() - started) * 1000.0
                ok = response.status == 201 and response.json().get("sha256") == sha256_hex(data)
                with lock:
                    latencies.append(elapsed)
                    if not ok:
                        errors.append(f"{paths[index].name}: {response.status} {response.text()[:200]}")
        finally:
            client.close()

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=max(0.0, deadline.remaining()))
    seconds = time.monotonic() - started
    if any(thread.is_alive() for thread in threads):
        raise ProcessFailure(f"{storage} uploads did not finish within the budget")
    if errors:
        raise ProcessFailure(f"{storage} uploads failed: {'; '.join(errors[:3])}")
    mode = "sequential" if concurrency == 1 else f"{concurrency}-concurrent"
    return UploadRun(storage, mode, len(bodies), sum(len(data) for data, _ in bodies) / 1e6, seconds, latencies)


def bench_uploads(server: ServerProcess, token: str, sets: list[list[Path]], concurrency: int, storage: str,
                  deadline: Deadline) -> list[UploadRun]:
    client = ParkClient(server.base_url, token)
    try:
        projects = [create_image_project(client, f"bench {storage} {mode}") for mode in ("sequential", "concurrent")]
    finally:
        client.close()
    runs = []
    for paths, project_id, workers in zip(sets, projects, (1, concurrency)):
        run = upload_all(server.base_url, token, project_id, paths, workers, storage, deadline)
        print(f"  {storage:5} {run.mode:13} {run.uploads} uploads, {run.megabytes:.0f} MB in {run.seconds:.2f} s: "
              f"{run.megabytes_per_second:.1f} MB/s", flush=True)
        runs.append(run)
    return runs


def server_tile_seconds(log_path: Path, asset_id: int) -> float | None:
    """The `seconds` the server logged with "tiles ready" for `asset_id` (a Swift Duration: "12.3 seconds")."""
    for line in log_path.read_text(errors="replace").splitlines():
        if "tiles ready" in line and re.search(rf"\basset={asset_id}\b", line):
            match = re.search(r"seconds=([0-9.e+-]+)", line)
            if match:
                return float(match.group(1))
    return None


def bench_tiles(server: ServerProcess, data_dir: Path, token: str, image: Path, make_seconds: float,
                deadline: Deadline) -> TileRun:
    client = ParkClient(server.base_url, token, timeout=max(60.0, deadline.remaining()))
    try:
        project_id = create_image_project(client, "bench tiles")
        data = image.read_bytes()
        started = time.monotonic()
        asset = client.request("POST", f"/api/v1/projects/{project_id}/assets", data, "image/jpeg",
                               expect=(201,)).json()
        created = time.monotonic()
        upload_seconds = created - started
        state = asset["tiles_state"]
        while state == "pending" and deadline.remaining() > 0:
            time.sleep(TILE_POLL_SECONDS)
            asset = client.get(f"/api/v1/assets/{asset['id']}", expect=(200,)).json()
            state = asset["tiles_state"]
        ready_seconds = time.monotonic() - created if state == "ready" else None
        files = tile_files(data_dir, asset["sha256"])
        run = TileRun(asset["width"], asset["height"], len(data) / 1e6, make_seconds, upload_seconds, ready_seconds,
                      state, len(files), sum(f.stat().st_size for f in files) / 1e6,
                      server_tile_seconds(server.log_path, asset["id"]), None, None, None, None, None)
        if state == "ready":
            tiles = asset["tiles"]
            run.max_level = tiles["max_level"]
            started = time.monotonic()
            first = client.get(f"{tiles['url']}{run.max_level}/0_0.jpg")
            run.first_tile_ms = (time.monotonic() - started) * 1000.0
            if first.status != 200 or first.body[:3] != b"\xff\xd8\xff":
                raise ProcessFailure(f"the first tile answered {first.status} with {len(first.body)} bytes")
            # The overview a viewer shows first: the deepest level whose longer side fits OVERVIEW_SIDE.
            level = run.max_level - max(0, math.ceil(math.log2(max(run.width, run.height) / OVERVIEW_SIDE)))
            scale = 2 ** (run.max_level - level)
            columns = math.ceil(math.ceil(run.width / scale) / 256)
            rows = math.ceil(math.ceil(run.height / scale) / 256)
            started = time.monotonic()
            for column in range(columns):
                for row in range(rows):
                    client.get(f"{tiles['url']}{level}/{column}_{row}.jpg", expect=(200,))
            run.overview_level, run.overview_tiles = level, columns * rows
            run.overview_ms = (time.monotonic() - started) * 1000.0
        return run
    finally:
        client.close()


def print_table(runs: list[UploadRun], tiles: TileRun | None) -> None:
    print()
    print(f"{'storage':8} {'mode':13} {'uploads':>7} {'MB':>7} {'seconds':>8} {'MB/s':>7} {'p50 ms':>8} {'max ms':>8}")
    for run in runs:
        row = run.row()
        print(f"{row['storage']:8} {row['mode']:13} {row['uploads']:>7} {row['megabytes']:>7.1f} "
              f"{row['seconds']:>8.2f} {row['mb_per_s']:>7.1f} {row['p50_ms']:>8.1f} {row['max_ms']:>8.1f}")
    if tiles is not None:
        def show(value, unit="", digits=1):
            return "—" if value is None else f"{value:.{digits}f}{unit}"
        print()
        print(f"tiles (local): {tiles.width} × {tiles.height} JPEG, {tiles.file_megabytes:.1f} MB "
              f"(made by vips in {tiles.make_seconds:.1f} s)")
        print(f"  upload {tiles.upload_seconds:.2f} s; 201 → {tiles.state} in {show(tiles.ready_seconds, ' s')} "
              f"(server log: {show(tiles.server_seconds, ' s')}); {tiles.tiles} tiles, {tiles.tile_megabytes:.1f} MB, "
              f"levels 0–{tiles.max_level}")
        print(f"  first tile (level {tiles.max_level}, 0_0) {show(tiles.first_tile_ms, ' ms')}; overview level "
              f"{tiles.overview_level}: {tiles.overview_tiles} tiles in {show(tiles.overview_ms, ' ms')}")


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f}/{five:.2f}/{fifteen:.2f}"


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", required=True, help="the labelpark executable (a release build)")
    parser.add_argument("--quick", action="store_true", help="small sizes for a CI smoke run (under 60 s)")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--count", type=int, help="uploads per set (default 20; quick 6)")
    parser.add_argument("--megabytes", type=float, help="size of each upload (default 8; quick 1)")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--tile-side", type=int,
                        help="side of the tiled image, a multiple of 20 (default 20000; quick 5000)")
    parser.add_argument("--skip-s3", action="store_true", help="local storage only")
    parser.add_argument("--keep", action="store_true", help="keep the images, data directories and logs")
    args = parser.parse_args()
    if not (os.path.isfile(args.binary) and os.access(args.binary, os.X_OK)):
        parser.error(f"--binary {args.binary} is not an executable file")
    args.binary = os.path.abspath(args.binary)
    args.count = args.count or (6 if args.quick else 20)
    args.megabytes = args.megabytes or (1.0 if args.quick else 8.0)
    args.tile_side = args.tile_side or (5000 if args.quick else 20000)
    if args.tile_side % 20 or not 4096 <= args.tile_side <= 22_000:
        parser.error("--tile-side must be a multiple of 20 from 4100 to 22000 (over the tile threshold, under 500 MP)")
    if args.count < 1 or args.concurrency < 1 or args.megabytes <= 0:
        parser.error("--count, --concurrency and --megabytes must be positive")
    return args


def main() -> int:
    args = parse_arguments()
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    deadline = Deadline(55.0 if args.quick else 1800.0, "the media benchmark")
    work_dir = Path(tempfile.mkdtemp(prefix="labelpark-media-bench-"))
    servers: list[ServerProcess] = []
    peer = None
    load_before = load_average()
    print(f"media bench: binary={args.binary} {'quick ' if args.quick else ''}count={args.count} "
          f"megabytes={args.megabytes} concurrency={args.concurrency} tile-side={args.tile_side} "
          f"cpus={os.cpu_count()} load={load_before}", flush=True)
    runs: list[UploadRun] = []
    tiles: TileRun | None = None
    try:
        images = work_dir / "images"
        images.mkdir()
        started = time.monotonic()
        sets = make_upload_sets(images, args.count, args.megabytes, 2)
        sizes = [p.stat().st_size / 1e6 for paths in sets for p in paths]
        print(f"  made {len(sizes)} upload images of {min(sizes):.2f}–{max(sizes):.2f} MB "
              f"(mean {statistics.mean(sizes):.2f}) in {time.monotonic() - started:.1f} s", flush=True)
        started = time.monotonic()
        tile_image = photo_image(images / "tiled.jpg", args.tile_side, args.tile_side, seed=4242)
        make_seconds = time.monotonic() - started
        print(f"  made the {args.tile_side} × {args.tile_side} JPEG ({tile_image.stat().st_size / 1e6:.1f} MB) "
              f"in {make_seconds:.1f} s", flush=True)

        data_dir = work_dir / "local"
        account = image_park(args.binary, data_dir, deadline)
        local = ServerProcess(args.binary, data_dir=data_dir, log_path=work_dir / "local.log",
                              description="the local-storage server")
        servers.append(local)
        local.start(deadline.cap(30.0))
        runs += bench_uploads(local, account.token, sets, args.concurrency, "local", deadline)
        tiles = bench_tiles(local, data_dir, account.token, tile_image, make_seconds, deadline)
        ready = f"{tiles.ready_seconds:.1f} s" if tiles.ready_seconds is not None else "never"
        print(f"  tiles {tiles.state} {ready} after the 201, {tiles.tiles} tiles", flush=True)
        local.kill()

        if not args.skip_s3:
            peer = start_moto()
            data_dir = work_dir / "s3"
            account = image_park(args.binary, data_dir, deadline)
            remote = ServerProcess(args.binary, data_dir=data_dir, log_path=work_dir / "s3.log",
                                   extra_args=["--storage", f"s3://{S3_BUCKET}/{S3_PREFIX}", "--s3-endpoint",
                                               peer.endpoint],
                                   environment=s3_environment(), description="the S3-storage server")
            servers.append(remote)
            remote.start(deadline.cap(30.0))
            runs += bench_uploads(remote, account.token, sets, args.concurrency, "s3", deadline)
            remote.kill()
    except ProcessFailure as failure:
        print(f"media bench FAILED: {failure}", flush=True)
        for server in servers:
            print(server.log_tail(), flush=True)
        return 1
    finally:
        # No SIGTERM: nothing here needs a drain, and a benchmark should not wait on shutdown.
        for server in servers:
            server.kill()
        if peer is not None:
            peer.stop()
        if args.keep:
            print(f"kept {work_dir}", flush=True)
        else:
            shutil.rmtree(work_dir, ignore_errors=True)

    print_table(runs, tiles)
    load_after = load_average()
    print(f"\nload average (1/5/15 min) {load_before} before, {load_after} after; {os.cpu_count()} CPUs")
    if args.json:
        vips_version = subprocess.run(["vips", "--version"], capture_output=True, text=True).stdout.strip()
        report = {"quick": args.quick, "binary": args.binary, "cpus": os.cpu_count(), "machine": platform.machine(),
                  "vips": vips_version, "load_before": load_before, "load_after": load_after,
                  "uploads": [run.row() for run in runs], "tiles": asdict(tiles) if tiles else None}
        args.json.write_text(json.dumps(report, indent=2) + "\n")
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
