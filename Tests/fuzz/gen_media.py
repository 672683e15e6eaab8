"""Hostile media: image uploads whose headers lie, end early, declare absurd sizes or are not images at all,
and reads of assets, contents and tiles with odd ids, ranges and conditions.

The valid starting points are tiny files with real headers (no pixels need to decode: the server reads only
headers); the mutations flip, cut, splice and inflate them. Every answer must be below 500.
"""

from __future__ import annotations

import struct
import zlib

from gen_context import Context

TYPES = ["image/png", "image/jpeg", "image/webp", "image/tiff"]


def png(width: int, height: int, extra: bytes = b"") -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    ihdr = struct.pack(">IIBBBBB", width & 0xFFFFFFFF, height & 0xFFFFFFFF, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + extra + chunk(b"IEND", b"")


def jpeg(width: int, height: int) -> bytes:
    app0 = b"\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    sof = b"\xff\xc0\x00\x0b\x08" + struct.pack(">HH", height & 0xFFFF, width & 0xFFFF) + b"\x01\x01\x11\x00"
    return b"\xff\xd8" + app0 + sof + b"\xff\xda\x00\x08\x01\x01\x00\x00\x3f\x00\x01\x02\x03" + b"\xff\xd9"


def webp(width: int, height: int) -> bytes:
    body = b"VP8X" + struct.pack("<I", 10) + b"\x00\x00\x00\x00" + struct.pack("<I", (width - 1) & 0xFFFFFF)[:3] \
        + struct.pack("<I", (height - 1) & 0xFFFFFF)[:3]
    return b"RIFF" + struct.pack("<I", 4 + len(body)) + b"WEBP" + body


def tiff(width: int, height: int, count: int = 1, offset: int = 62, length: int = 16) -> bytes:
    def entry(tag: int, kind: int, number: int, value: int) -> bytes:
        return struct.pack("<HHII", tag, kind, number & 0xFFFFFFFF, value & 0xFFFFFFFF)
    directory = struct.pack("<H", 4) + entry(256, 4, 1, width) + entry(257, 4, 1, height) \
        + entry(273, 4, count, offset) + entry(279, 4, count, length) + b"\x00\x00\x00\x00"
    return b"II*\x00" + struct.pack("<I", 8) + directory + b"\x01" * 16


def seeds() -> list[tuple[bytes, str]]:
    """Valid images, then headers with extreme or inconsistent sizes."""
    cases = [(png(64, 48), "image/png"), (jpeg(32, 32), "image/jpeg"), (webp(10, 10), "image/webp"),
             (tiff(20, 10), "image/tiff")]
    for width, height in [(0, 0), (1, 0), (2**31 - 1, 2**31 - 1), (2**32 - 1, 1), (65_535, 65_535), (30_000, 30_000),
                          (22_361, 22_361), (65_536, 1)]:
        cases += [(png(width, height), "image/png"), (jpeg(width, height), "image/jpeg"),
                  (webp(max(width, 1), max(height, 1)), "image/webp"), (tiff(width, height), "image/tiff")]
    cases += [(tiff(10, 10, count=1_000_000, offset=8), "image/tiff"),
              (tiff(10, 10, count=2**32 - 1, offset=2**32 - 1), "image/tiff"),
              (tiff(10, 10, offset=2**32 - 20, length=2**32 - 1), "image/tiff"),
              (b"II*\x00\xff\xff\xff\xff", "image/tiff"), (b"MM\x00*\x00\x00\x00\x08\x00\x00", "image/tiff"),
              (b"\xff\xd8\xff" + b"\xff" * 5_000, "image/jpeg"), (b"\xff\xd8\xff\xe0\x00\x00" + b"\xff\xd9", "image/jpeg"),
              (b"\xff\xd8\xff\xe0\x00\x01\xff\xd9", "image/jpeg"), (b"\xff\xd8" + b"\xff\x01" * 20_000 + b"\xff\xd9", "image/jpeg"),
              (b"RIFF\xff\xff\xff\xffWEBPVP8L", "image/webp"), (b"RIFF\x00\x00\x00\x00WEBP", "image/webp"),
              (b"RIFF" + struct.pack("<I", 22) + b"WEBPVP8 " + b"\x00" * 14, "image/webp"),
              (b"\x89PNG\r\n\x1a\n", "image/png"), (b"\x89PNG\r\n\x1a\n" + b"\x00" * 30, "image/png")]
    return cases


def mutate(data: bytes, rng) -> bytes:
    """One random change: flipped bytes, a cut, a splice, a repeat or inflated length fields."""
    data = bytearray(data)
    choice = rng.randrange(6)
    if choice == 0 and data:
        for _ in range(rng.randint(1, 8)):
            data[rng.randrange(len(data))] = rng.randrange(256)
    elif choice == 1 and data:
        data = data[: rng.randrange(len(data))]
    elif choice == 2:
        position = rng.randrange(len(data) + 1)
        data[position:position] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 64)))
    elif choice == 3:
        data = data * rng.randint(2, 40)
    elif choice == 4 and len(data) > 12:
        position = rng.randrange(len(data) - 4)
        data[position:position + 4] = rng.choice([b"\xff\xff\xff\xff", b"\x00\x00\x00\x00", b"\x7f\xff\xff\xff"])
    else:
        data = data[:12] + bytes(rng.randrange(256) for _ in range(rng.randint(0, 300)))
    return bytes(data)


def media(ctx: Context):
    """Uploads of seeded and mutated images, then reads with hostile ids, ranges and tile paths."""
    path = f"/api/v1/projects/{ctx.park.project_id}/assets"
    for data, media_type in seeds():
        yield ctx.api("POST", path, data, content_type=media_type, note="seeded image")
    for media_type in ["image/gif", "image/svg+xml", "", "image/png; charset=x", "IMAGE/PNG", "image/*", ";", "image/"]:
        yield ctx.api("POST", path, png(4, 4), content_type=media_type, note="upload Content-Type")
    yield ctx.api("POST", path, png(4, 4), content_type=None, note="upload without Content-Type")
    yield ctx.api("POST", path, b"", content_type="image/png", note="empty upload")
    yield ctx.api("POST", path, png(4, 4), content_type="image/png", token=ctx.park.annotator.token,
                  note="annotator upload")
    for project in ["0", "-1", "999999999999", "abc", "1e3", "%00"]:
        yield ctx.api("POST", f"/api/v1/projects/{project}/assets", png(4, 4), content_type="image/png",
                      note="upload into odd project")
    for asset in ["1", "2", "0", "-1", "9223372036854775807", "9223372036854775808", "x", "1.5", "%2e%2e"]:
        for suffix in ["", "/content", "/tiles/0/0_0.jpg", "/tiles/99/0_0.jpg", "/tiles/-1/0_0.jpg",
                       "/tiles/0/-1_0.jpg", "/tiles/0/0_0.png", "/tiles/0/..%2f..%2fetc.jpg",
                       "/tiles/0/99999999999999999999_0.jpg", "/tiles/x/0_0.jpg"]:
            yield ctx.api("GET", f"/api/v1/assets/{asset}{suffix}", note="asset read")
    ranges = ["bytes=0-0", "bytes=-1", "bytes=0-", "bytes=5-1", "bytes=-0", "bytes=0-99999999999999999999",
              "bytes=--1", "bytes=1-2,3-4", "bytes = 0-1", "bits=0-1", "bytes=", "bytes=9223372036854775807-",
              "bytes=-9223372036854775808", "bytes=0-9223372036854775807"]
    for value in ranges:
        for asset in ["1", "2", "3"]:
            yield ctx.api("GET", f"/api/v1/assets/{asset}/content", headers=[("Range", value)], note="content range")
    for value in ['"x"', "*", "", 'W/"a"', '"' + "f" * 64 + '"']:
        yield ctx.api("GET", "/api/v1/assets/1/content", headers=[("If-None-Match", value)], note="conditional read")
    rng = ctx.rng
    bases = [(png(64, 48), "image/png"), (jpeg(32, 32), "image/jpeg"), (webp(10, 10), "image/webp"),
             (tiff(20, 10), "image/tiff")]
    while ctx.more():
        data, media_type = rng.choice(bases)
        if rng.random() < 0.2:
            media_type = rng.choice(TYPES)
        yield ctx.api("POST", path, mutate(data, rng), content_type=media_type, note="mutated image")
