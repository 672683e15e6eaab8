"""Test images made with the standard library alone (no PIL on the test machines): PNGs of coloured cells
crossed by a grid, so that a screenshot shows at a glance whether an image is fitted, where a zoom went,
and whether tiles meet without seams or shifts."""

from __future__ import annotations

import struct
import zlib

# Cell colours: distinct at a glance, light enough for the grid lines to show on them.
PALETTE = [(230, 85, 70), (245, 170, 60), (240, 220, 90), (120, 200, 110), (70, 170, 200), (90, 120, 220),
           (170, 110, 210), (220, 120, 170), (150, 150, 150), (200, 230, 240), (250, 250, 250), (120, 90, 60)]
LINE = (40, 40, 40)
BORDER = (0, 0, 0)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def grid_png(width: int, height: int, cell: int, line_every: int, border: int = 3) -> bytes:
    """An RGB PNG: cells `cell` pixels wide, each its own colour, thin lines every `line_every` pixels and a
    `border`-pixel black line at every cell edge (and around the image)."""
    rows: dict[tuple, bytes] = {}

    def pixel_row(band: int, kind: str) -> bytes:
        key = (band, kind)
        if key not in rows:
            if kind == "border":
                rows[key] = bytes(BORDER) * width
            elif kind == "line":
                rows[key] = _colour_row(width, cell, line_every, border, band, thin_line=True)
            else:
                rows[key] = _colour_row(width, cell, line_every, border, band, thin_line=False)
        return rows[key]

    compressor = zlib.compressobj(6)
    parts = []
    for y in range(height):
        if y % cell < border or y >= height - border:
            kind = "border"
        elif y % line_every == 0:
            kind = "line"
        else:
            kind = "fill"
        parts.append(compressor.compress(b"\x00" + pixel_row(y // cell, kind)))
    parts.append(compressor.flush())
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", b"".join(parts)) + _chunk(b"IEND", b"")


def _colour_row(width: int, cell: int, line_every: int, border: int, band: int, thin_line: bool) -> bytes:
    row = bytearray()
    for x in range(width):
        if x % cell < border or x >= width - border:
            row += bytes(BORDER)
        elif thin_line or x % line_every == 0:
            row += bytes(LINE)
        else:
            row += bytes(PALETTE[(x // cell + 5 * band) % len(PALETTE)])
    return bytes(row)
