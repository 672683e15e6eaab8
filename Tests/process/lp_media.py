"""Images, uploads, storage peeks and an S3 peer for LabelPark's media process tests and benchmark.

Test images are made with the `vips` command-line tool (libvips-tools), so nothing here needs an imaging
library in Python: colour noise (incompressible, for byte-heavy uploads) and a "photograph" (noise resized
up, with a little fine grain on top, so it compresses and tiles like a real picture). Hostile images (a
PNG header that declares a huge canvas) are written byte by byte.

Uploads go over a raw socket when a test needs to control how the body travels (paced, chunked, a
`Content-Length` that lies); otherwise through `ParkClient`. The S3 peer is moto: `Tests/reference/
moto_s3.py` in a child process, or moto's threaded server in this process when that script is missing.
Standard library only, except boto3 and moto for S3 (imported only by the functions that need them).
"""

from __future__ import annotations

import hashlib
import http.client
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.parse
import zlib
from dataclasses import dataclass
from pathlib import Path

from lp_client import ParkClient, ParkResponse, TransportFailure
from lp_server import Account, Deadline, ProcessFailure, create_account

REPOSITORY = Path(__file__).resolve().parents[2]
MOTO_SCRIPT = REPOSITORY / "Tests" / "reference" / "moto_s3.py"
S3_BUCKET = "labelpark-test"
S3_REGION = "us-east-1"
# moto accepts any key pair; these are the conventional fake ones.
S3_ACCESS_KEY = "testing"
S3_SECRET_KEY = "testing"

IMAGE_SCHEMA = {
    "fields": [{"name": "photo", "type": "image"}],
    "questions": [{"name": "ok", "type": "choice", "options": ["yes", "no"]}],
}
MEDIA_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".webp": "image/webp",
               ".tif": "image/tiff", ".tiff": "image/tiff"}


# ---------------------------------------------------------------------------------------------------
# Images


def vips(*arguments: str, timeout: float = 300.0) -> None:
    """Runs `vips ARGUMENTS`; raises `ProcessFailure` with its stderr when it fails."""
    if shutil.which("vips") is None:
        raise ProcessFailure("the `vips` command is missing (apt-get install libvips-tools)")
    finished = subprocess.run(["vips", *arguments], capture_output=True, text=True, timeout=timeout)
    if finished.returncode != 0:
        raise ProcessFailure(
            f"`vips {' '.join(arguments)}` exited {finished.returncode}: {finished.stderr.strip()[-500:]}")


def _save_options(path: Path, quality: int) -> str:
    """`path` with the saver options vips reads from its name: JPEG quality, fast PNG compression."""
    if path.suffix.lower() in (".jpg", ".jpeg"):
        return f"{path}[Q={quality}]"
    if path.suffix.lower() == ".png":
        return f"{path}[compression=1]"
    return str(path)


def noise_image(path: Path, width: int, height: int, seed: int, *, quality: int = 95) -> Path:
    """Colour noise of `width` × `height` saved as `path` (format from its suffix): incompressible, so the
    file is large for its pixels. Different seeds give different bytes."""
    with tempfile.TemporaryDirectory(prefix="lp-noise-", dir=path.parent) as folder:
        bands = []
        for band in range(3):
            band_path = Path(folder) / f"band{band}.v"
            vips("gaussnoise", str(band_path), str(width), str(height), "--seed", str(seed * 3 + band),
                 "--sigma", "50", "--mean", "128")
            bands.append(str(band_path))
        joined = Path(folder) / "joined.v"
        vips("bandjoin", " ".join(bands), str(joined))
        vips("cast", str(joined), _save_options(path, quality), "uchar")
    return path


def photo_image(path: Path, width: int, height: int, seed: int, *, quality: int = 85) -> Path:
    """A picture that compresses and tiles like a photograph: coarse colour noise resized up 20 times (in
    two steps, grain added between them), saved as `path`. `width` and `height` must be multiples of 20.

    Intermediate files stay at a sixteenth of the pixels; the last resize streams straight into the file.
    """
    if width % 20 or height % 20:
        raise ValueError("photo_image needs sides that are multiples of 20")
    with tempfile.TemporaryDirectory(prefix="lp-photo-", dir=path.parent) as folder:
        work = Path(folder)
        coarse, grain = [], []
        for band in range(3):
            vips("gaussnoise", str(work / f"c{band}.v"), str(width // 20), str(height // 20),
                 "--seed", str(seed * 6 + band), "--sigma", "60", "--mean", "128")
            vips("gaussnoise", str(work / f"g{band}.v"), str(width // 4), str(height // 4),
                 "--seed", str(seed * 6 + 3 + band), "--sigma", "12", "--mean", "0")
            coarse.append(str(work / f"c{band}.v"))
            grain.append(str(work / f"g{band}.v"))
        vips("bandjoin", " ".join(coarse), str(work / "coarse.v"))
        vips("bandjoin", " ".join(grain), str(work / "grain.v"))
        vips("resize", str(work / "coarse.v"), str(work / "middle.v"), "5")
        vips("add", str(work / "middle.v"), str(work / "grain.v"), str(work / "sum.v"))
        vips("cast", str(work / "sum.v"), str(work / "sum8.v"), "uchar")
        vips("resize", str(work / "sum8.v"), _save_options(path, quality), "4", timeout=900.0)
    return path


def image_header(path: Path) -> tuple[int, int]:
    """(width, height) as `vipsheader` reads them."""
    finished = subprocess.run(["vipsheader", "-f", "width", str(path)], capture_output=True, text=True, timeout=60)
    width = int(finished.stdout.strip())
    finished = subprocess.run(["vipsheader", "-f", "height", str(path)], capture_output=True, text=True, timeout=60)
    return width, int(finished.stdout.strip())


def media_type(path: Path) -> str:
    return MEDIA_TYPES[path.suffix.lower()]


def png_declaring(width: int, height: int) -> bytes:
    """A PNG that is whole (signature, IHDR, one IDAT, IEND, every CRC right) but claims `width` × `height`:
    what a decompression bomb's header looks like. Its pixels are never there."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
            + chunk(b"IEND", b""))


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# ---------------------------------------------------------------------------------------------------
# A park to upload into


def image_park(binary: str, data_dir: Path, deadline: Deadline, *, email: str = "media-manager@media.test",
               organization: str = "Media Client") -> Account:
    """A manager (and an API token for them) in a fresh data directory, made with the CLI before the server starts."""
    return create_account(binary, email, "manager", deadline, password="media-test-password",
                          organization=organization, data_dir=data_dir, org_kind="client")


def create_image_project(client: ParkClient, name: str) -> int:
    """A project whose tasks show one image; returns its id."""
    return client.post_json("/api/v1/projects", {"name": name, "schema": IMAGE_SCHEMA}, expect=(201,)).json()["id"]


# ---------------------------------------------------------------------------------------------------
# Uploads over a raw socket


def upload_head(host: str, port: int, token: str, project_id: int, content_type: str, *,
                content_length: int | None = None, chunked: bool = False) -> bytes:
    """The request head of an upload; with neither a length nor chunked, the body is empty by definition."""
    lines = [f"POST /api/v1/projects/{project_id}/assets HTTP/1.1", f"Host: {host}:{port}",
             f"Authorization: Bearer {token}", f"Content-Type: {content_type}", "Accept: application/json"]
    if content_length is not None:
        lines.append(f"Content-Length: {content_length}")
    if chunked:
        lines.append("Transfer-Encoding: chunked")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def read_response(sock: socket.socket, method: str = "POST") -> ParkResponse:
    """The next complete HTTP response on `sock`; `TransportFailure` when there is none."""
    raw = http.client.HTTPResponse(sock, method=method)
    try:
        raw.begin()
        body = raw.read()
    except (OSError, http.client.HTTPException) as error:
        raise TransportFailure(f"no complete response: {type(error).__name__}: {error}") from error
    finally:
        raw.close()
    return ParkResponse(status=raw.status, headers={name.lower(): value for name, value in raw.getheaders()},
                        body=body)


def paced_upload(base_url: str, token: str, project_id: int, body: bytes, content_type: str, *,
                 seconds: float = 0.0, piece: int = 64 * 1024, timeout: float = 60.0,
                 on_body_sent=None) -> ParkResponse:
    """Uploads `body` with an honest `Content-Length`, its first piece at once and its last `seconds` later,
    and returns the response; `TransportFailure` when the connection fails before a complete response.
    `on_body_sent()` is called once the last byte is handed to the kernel."""
    parsed = urllib.parse.urlsplit(base_url)
    pieces = max(1, -(-len(body) // piece))
    gap = seconds / max(1, pieces - 1)
    try:
        sock = socket.create_connection((parsed.hostname, parsed.port), timeout=timeout)
    except OSError as error:
        raise TransportFailure(f"connect: {error}") from error
    try:
        started = time.monotonic()
        sock.sendall(upload_head(parsed.hostname, parsed.port, token, project_id, content_type,
                                 content_length=len(body)))
        for index in range(pieces):
            # Against the clock, not per piece, so a slow send does not stretch the whole upload.
            delay = started + index * gap - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            sock.sendall(body[index * piece:(index + 1) * piece])
        if on_body_sent is not None:
            on_body_sent()
        return read_response(sock)
    except OSError as error:
        raise TransportFailure(f"upload: {type(error).__name__}: {error}") from error
    finally:
        sock.close()


def error_code(response: ParkResponse) -> str | None:
    """`error.code` of a JSON error body, or None."""
    try:
        return response.json()["error"]["code"]
    except (ValueError, KeyError, TypeError):
        return None


# ---------------------------------------------------------------------------------------------------
# Local storage layout (LocalAssetStore: DATA_DIR/assets/{blobs,tiles,incoming})


def blob_path(data_dir: Path, sha256: str) -> Path:
    return data_dir / "assets" / "blobs" / sha256[0:2] / sha256[2:4] / sha256


def blobs_on_disk(data_dir: Path) -> dict[str, Path]:
    """Every file under `assets/blobs/`, by its name (a SHA-256)."""
    root = data_dir / "assets" / "blobs"
    return {path.name: path for path in root.glob("*/*/*") if path.is_file()} if root.exists() else {}


def incoming_files(data_dir: Path) -> list[Path]:
    """What is in `assets/incoming/`: upload bodies in flight, or left by a crash."""
    folder = data_dir / "assets" / "incoming"
    return sorted(folder.iterdir()) if folder.exists() else []


def tile_files(data_dir: Path, sha256: str) -> list[Path]:
    folder = data_dir / "assets" / "tiles" / sha256
    return [path for path in folder.rglob("*") if path.is_file()] if folder.exists() else []


# ---------------------------------------------------------------------------------------------------
# S3 (moto)


@dataclass
class MotoPeer:
    """An in-memory S3 on 127.0.0.1 with the bucket `labelpark-test`; stop it with `stop()`."""

    endpoint: str
    process: subprocess.Popen | None = None
    server: object | None = None  # moto's ThreadedMotoServer when started in this process

    @property
    def port(self) -> int:
        return urllib.parse.urlsplit(self.endpoint).port

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.server is not None:
            self.server.stop()
            self.server = None

    def client(self):
        """A boto3 S3 client on this peer (path-style addressing, the fake keys)."""
        import boto3
        from botocore.config import Config
        return boto3.client("s3", endpoint_url=self.endpoint, region_name=S3_REGION, aws_access_key_id=S3_ACCESS_KEY,
                            aws_secret_access_key=S3_SECRET_KEY,
                            config=Config(s3={"addressing_style": "path"}, signature_version="s3v4"))

    def keys(self, prefix: str) -> dict[str, int]:
        """Every key under `prefix` in the bucket, with its size."""
        client = self.client()
        found: dict[str, int] = {}
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=S3_BUCKET, Prefix=prefix):
            for item in page.get("Contents", []):
                found[item["Key"]] = item["Size"]
        return found


def start_moto(timeout: float = 60.0) -> MotoPeer:
    """Starts moto with the bucket; raises `ProcessFailure` when boto3 or moto is not installed."""
    try:
        import boto3  # noqa: F401
        import moto  # noqa: F401
    except ImportError as error:
        raise ProcessFailure(f"S3 checks need boto3 and moto[server]: python3 -m pip install "
                             f"--break-system-packages -r Tests/reference/requirements-s3.txt ({error})") from error
    if MOTO_SCRIPT.exists():
        process = subprocess.Popen([sys.executable, str(MOTO_SCRIPT), "--port", "0"], stdout=subprocess.PIPE,
                                   stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL, text=True)
        ends = time.monotonic() + timeout
        line = ""
        # The READY line is the script's only output; readline blocks, so a dead peer shows as EOF.
        while time.monotonic() < ends:
            line = process.stdout.readline()
            if line.startswith("READY ") or not line:
                break
        if not line.startswith("READY "):
            process.kill()
            process.wait()
            raise ProcessFailure(f"{MOTO_SCRIPT.name} did not print READY (exit {process.poll()})")
        return MotoPeer(endpoint=line.split()[1].strip(), process=process)
    from moto.server import ThreadedMotoServer
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    peer = MotoPeer(endpoint=f"http://{host}:{port}", server=server)
    peer.client().create_bucket(Bucket=S3_BUCKET)
    return peer


def s3_environment() -> dict[str, str]:
    """This process's environment with only the fake S3 keys: no developer's profile or session token leaks in."""
    environment = {name: value for name, value in os.environ.items() if not name.startswith("AWS_")}
    environment["AWS_ACCESS_KEY_ID"] = S3_ACCESS_KEY
    environment["AWS_SECRET_ACCESS_KEY"] = S3_SECRET_KEY
    return environment


def fetch(url: str, timeout: float = 30.0) -> ParkResponse:
    """A plain GET of an absolute http:// URL (a presigned one: no headers of ours), not following redirects."""
    parsed = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parsed.hostname, parsed.port or 80, timeout=timeout)
    try:
        target = parsed.path + (f"?{parsed.query}" if parsed.query else "")
        connection.request("GET", target)
        raw = connection.getresponse()
        return ParkResponse(status=raw.status, headers={n.lower(): v for n, v in raw.getheaders()}, body=raw.read())
    except (OSError, http.client.HTTPException) as error:
        raise TransportFailure(f"GET {url}: {type(error).__name__}: {error}") from error
    finally:
        connection.close()
