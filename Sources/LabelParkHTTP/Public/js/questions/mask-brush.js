/**
 * The masks brush as plain arithmetic, without the DOM: which pixels a stroke covers, and the bitmap a stroke
 * paints into. No anti-aliasing: a pixel is in or out, so what the brush painted is exactly what is stored.
 *
 * The brush is a disc `size` pixels across whose centre is snapped to the pixel grid (a pixel's centre for
 * an odd size, a pixel corner for an even one), so a size-1 brush paints one pixel and a size-2 brush a
 * 2 × 2 square wherever the pointer is within them. A stroke from one centre to the next covers every pixel
 * whose centre lies within `size / 2` of the segment between them (a capsule; a dab is a segment of no
 * length).
 *
 * A stroke paints into a work bitmap (`createWork`) kept as tiles of `tileSide` × `tileSide` pixels that
 * exist only where the mask has pixels: a tile no pixel of the mask is on costs nothing, and a tile the mask
 * covers whole is a mark, not a bitmap. So a stroke across a 20,000-pixel image costs the tiles along it,
 * not its bounding box, and a mask of half the image a few partial tiles along its edge. In a tile, pixel
 * (column, row) is at `column * tileSide + row`, column-major like the runs of `mask-rle.js`.
 */

/** Pixels on a side of a tile: 64 KB a tile. */
export const tileSide = 256;
/** What a tile the mask covers whole holds instead of a bitmap. */
const whole = 1;

/** The brush's centre for the image point `[x, y]`. */
export function brushCentre([x, y], size) {
  return size % 2 === 1 ? [Math.floor(x) + 0.5, Math.floor(y) + 0.5] : [Math.round(x), Math.round(y)];
}

/**
 * The pixels a stroke from centre `a` to centre `b` may cover, inside the image:
 * `{left, top, right, bottom}` inclusive, or null when none of it is on the image.
 */
export function strokeReach(a, b, size, image) {
  const radius = size / 2;
  const left = Math.max(0, Math.floor(Math.min(a[0], b[0]) - radius));
  const top = Math.max(0, Math.floor(Math.min(a[1], b[1]) - radius));
  const right = Math.min(image.width - 1, Math.ceil(Math.max(a[0], b[0]) + radius));
  const bottom = Math.min(image.height - 1, Math.ceil(Math.max(a[1], b[1]) + radius));
  return left > right || top > bottom ? null : { left, top, right, bottom };
}

/**
 * The heights between which the vertical line `x` crosses the capsule of radius `radius` around the segment
 * `a`–`b`, as `[low, high]`, or null where it misses it: the union of what it crosses of the two end discs
 * and of the band between them (the capsule is convex, so that is one interval).
 */
function capsuleSpan(x, a, b, radius) {
  let low = Infinity;
  let high = -Infinity;
  for (const end of [a, b]) {
    const across = x - end[0];
    if (across * across > radius * radius) continue;
    const half = Math.sqrt(radius * radius - across * across);
    low = Math.min(low, end[1] - half);
    high = Math.max(high, end[1] + half);
  }
  const dx = b[0] - a[0];
  const dy = b[1] - a[1];
  const squared = dx * dx + dy * dy;
  if (squared > 0) {
    // Along the segment: 0 ≤ ((x, y) − a)·d ≤ |d|²; across it: |((x, y) − a) × d| ≤ radius·|d|.
    const length = Math.sqrt(squared);
    const along = (x - a[0]) * dx;
    let from = -Infinity;
    let to = Infinity;
    if (dy !== 0) {
      const first = a[1] - along / dy;
      const second = a[1] + (squared - along) / dy;
      from = Math.min(first, second);
      to = Math.max(first, second);
    } else if (along < 0 || along > squared) {
      from = Infinity;
    }
    const cross = (x - a[0]) * dy;
    if (dx !== 0) {
      const first = a[1] + (cross - radius * length) / dx;
      const second = a[1] + (cross + radius * length) / dx;
      from = Math.max(from, Math.min(first, second));
      to = Math.min(to, Math.max(first, second));
    } else if (Math.abs(cross) > radius * length) {
      from = Infinity;
    }
    if (from <= to) {
      low = Math.min(low, from);
      high = Math.max(high, to);
    }
  }
  return low <= high ? [low, high] : null;
}

/**
 * A work bitmap over a `{width, height}` image: empty, or holding the pixels of a crop (`mask-rle.js`).
 * `area` counts its pixels; `extent` is the box (inclusive) that holds every pixel it has had, or null.
 */
export function createWork(image, crop = null) {
  const across = Math.ceil(image.width / tileSide);
  const work = { image, across, tiles: new Map(), area: 0, extent: null };
  if (!crop) return work;
  // Twice over the runs: first how many pixels each tile gets, so that only tiles the mask covers in part
  // get a bitmap; then those bitmaps.
  const counts = new Map();
  forEachPiece(crop, (x, top, bottom) => {
    const column = Math.floor(x / tileSide);
    for (let row = Math.floor(top / tileSide); row * tileSide <= bottom; row++) {
      const from = Math.max(top, row * tileSide);
      const to = Math.min(bottom, row * tileSide + tileSide - 1);
      const key = row * across + column;
      counts.set(key, (counts.get(key) ?? 0) + to - from + 1);
    }
  });
  for (const [key, count] of counts) {
    work.tiles.set(key, count === tilePixels(work, key) ? whole : new Uint8Array(tileSide * tileSide));
  }
  forEachPiece(crop, (x, top, bottom) => {
    const column = Math.floor(x / tileSide);
    const offset = (x - column * tileSide) * tileSide;
    for (let row = Math.floor(top / tileSide); row * tileSide <= bottom; row++) {
      const tile = work.tiles.get(row * across + column);
      if (tile === whole) continue;
      const from = Math.max(top, row * tileSide) - row * tileSide;
      const to = Math.min(bottom, row * tileSide + tileSide - 1) - row * tileSide;
      tile.fill(1, offset + from, offset + to + 1);
    }
  });
  work.area = crop.area;
  work.extent = { left: crop.x, top: crop.y, right: crop.x + crop.width - 1, bottom: crop.y + crop.height - 1 };
  return work;
}

/** Calls `visit(x, top, bottom)` (image pixels, inclusive) for each column piece of each run of the crop's 1s. */
function forEachPiece(crop, visit) {
  let at = 0;
  const runs = crop.runs;
  for (let index = 0; index < runs.length; index++) {
    if (index % 2 === 1) {
      let start = at;
      const end = at + runs[index];
      while (start < end) {
        const column = Math.floor(start / crop.height);
        const row = start - column * crop.height;
        const piece = Math.min(end - start, crop.height - row);
        visit(crop.x + column, crop.y + row, crop.y + row + piece - 1);
        start += piece;
      }
    }
    at += runs[index];
  }
}

/** The image pixels a tile has (fewer than a whole tile on the image's right and bottom edges). */
function tilePixels(work, key) {
  const column = key % work.across;
  const row = Math.floor(key / work.across);
  const width = Math.min(tileSide, work.image.width - column * tileSide);
  const height = Math.min(tileSide, work.image.height - row * tileSide);
  return width * height;
}

/** Whether the work bitmap has the image pixel (`x`, `y`). */
export function workPixel(work, x, y) {
  const column = Math.floor(x / tileSide);
  const row = Math.floor(y / tileSide);
  const tile = work.tiles.get(row * work.across + column);
  if (tile === undefined) return 0;
  if (tile === whole) return 1;
  return tile[(x - column * tileSide) * tileSide + (y - row * tileSide)];
}

/**
 * Calls `visit(left, top, width, height, bits)` for each tile of `work` that has pixels and meets `box`
 * (`{left, top, right, bottom}`, inclusive, image pixels): its place and size on the image, and its bitmap,
 * or null for a tile the mask covers whole.
 */
export function forEachTile(work, box, visit) {
  const { image, across, tiles } = work;
  const lastColumn = Math.floor(Math.min(box.right, image.width - 1) / tileSide);
  const lastRow = Math.floor(Math.min(box.bottom, image.height - 1) / tileSide);
  for (let row = Math.max(0, Math.floor(box.top / tileSide)); row <= lastRow; row++) {
    for (let column = Math.max(0, Math.floor(box.left / tileSide)); column <= lastColumn; column++) {
      const tile = tiles.get(row * across + column);
      if (tile === undefined) continue;
      const left = column * tileSide;
      const top = row * tileSide;
      visit(left, top, Math.min(tileSide, image.width - left), Math.min(tileSide, image.height - top),
        tile === whole ? null : tile);
    }
  }
}

/**
 * Paints (`value` 1) or erases (0) the stroke from centre `a` to centre `b` into `work`; returns the box of
 * pixels it may have changed (`{left, top, right, bottom}`, inclusive, image pixels), or null when the stroke
 * is off the image. Only the pixels near where each column crosses the stroke are looked at.
 */
export function paintStroke(work, a, b, size, value) {
  const reach = strokeReach(a, b, size, work.image);
  if (!reach) return null;
  const radius = size / 2;
  const limit = radius * radius;
  const dx = b[0] - a[0];
  const dy = b[1] - a[1];
  const length = dx * dx + dy * dy;
  const { tiles, across } = work;
  let area = work.area;
  for (let px = reach.left; px <= reach.right; px++) {
    const span = capsuleSpan(px + 0.5, a, b, radius);
    if (!span) continue;
    // A pixel more on each side than the span says: the test below, not the span's rounding, decides.
    const first = Math.max(reach.top, Math.floor(span[0] - 0.5) - 1);
    const last = Math.min(reach.bottom, Math.ceil(span[1] - 0.5) + 1);
    const column = Math.floor(px / tileSide);
    const offset = (px - column * tileSide) * tileSide;
    const ox = px + 0.5 - a[0];
    let tileRow = -1;
    let tile;
    for (let py = first; py <= last; py++) {
      const oy = py + 0.5 - a[1];
      // The pixel's centre against the nearest point of the segment.
      let along = length > 0 ? (ox * dx + oy * dy) / length : 0;
      if (along < 0) along = 0;
      else if (along > 1) along = 1;
      const ex = ox - along * dx;
      const ey = oy - along * dy;
      if (ex * ex + ey * ey > limit) continue;
      const row = Math.floor(py / tileSide);
      if (row !== tileRow) {
        tileRow = row;
        const key = row * across + column;
        tile = tiles.get(key);
        if (tile === undefined && value === 1) {
          tile = new Uint8Array(tileSide * tileSide);
          tiles.set(key, tile);
        } else if (tile === whole && value === 0) {
          tile = filledTile(work, key);
          tiles.set(key, tile);
        }
      }
      if (tile === undefined || tile === whole) continue;
      const index = offset + py - row * tileSide;
      if (tile[index] !== value) {
        tile[index] = value;
        area += value === 1 ? 1 : -1;
      }
    }
  }
  work.area = area;
  if (value === 1) {
    const extent = work.extent;
    work.extent = extent ? {
      left: Math.min(extent.left, reach.left),
      top: Math.min(extent.top, reach.top),
      right: Math.max(extent.right, reach.right),
      bottom: Math.max(extent.bottom, reach.bottom),
    } : { ...reach };
  }
  return reach;
}

/** A bitmap of a tile the mask covers whole: 1 on each of its image pixels. */
function filledTile(work, key) {
  const tile = new Uint8Array(tileSide * tileSide);
  const column = key % work.across;
  const row = Math.floor(key / work.across);
  const width = Math.min(tileSide, work.image.width - column * tileSide);
  const height = Math.min(tileSide, work.image.height - row * tileSide);
  for (let x = 0; x < width; x++) tile.fill(1, x * tileSide, x * tileSide + height);
  return tile;
}

/**
 * The crop (`mask-rle.js`: bounding box and its runs) of what `work` holds; null when it holds no pixel.
 * Tiles the mask does not touch are passed over as one run each, column by column.
 */
export function cropFromWork(work) {
  if (work.area <= 0) return null;
  const { tiles, across, image } = work;
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -1;
  let maxY = -1;
  for (const [key, tile] of tiles) {
    const left = (key % across) * tileSide;
    const top = Math.floor(key / across) * tileSide;
    const width = Math.min(tileSide, image.width - left);
    const height = Math.min(tileSide, image.height - top);
    if (tile === whole) {
      minX = Math.min(minX, left);
      minY = Math.min(minY, top);
      maxX = Math.max(maxX, left + width - 1);
      maxY = Math.max(maxY, top + height - 1);
      continue;
    }
    for (let x = 0; x < width; x++) {
      const column = tile.subarray(x * tileSide, x * tileSide + height);
      const first = column.indexOf(1);
      if (first < 0) continue;
      minX = Math.min(minX, left + x);
      maxX = Math.max(maxX, left + x);
      minY = Math.min(minY, top + first);
      maxY = Math.max(maxY, top + column.lastIndexOf(1));
    }
  }
  if (maxX < 0) return null;
  const height = maxY - minY + 1;
  const runs = [];
  let last = 0;
  let run = 0;
  let area = 0;
  const write = (value, length) => {
    if (value === last) {
      run += length;
    } else {
      runs.push(run);
      last = value;
      run = length;
    }
  };
  const firstRow = Math.floor(minY / tileSide);
  const lastRow = Math.floor(maxY / tileSide);
  for (let x = minX; x <= maxX; x++) {
    const column = Math.floor(x / tileSide);
    const offset = (x - column * tileSide) * tileSide;
    for (let row = firstRow; row <= lastRow; row++) {
      const from = Math.max(minY, row * tileSide) - row * tileSide;
      const to = Math.min(maxY, row * tileSide + tileSide - 1) - row * tileSide;
      const tile = tiles.get(row * across + column);
      if (tile === undefined) {
        write(0, to - from + 1);
      } else if (tile === whole) {
        write(1, to - from + 1);
        area += to - from + 1;
      } else {
        let y = from;
        while (y <= to) {
          const bit = tile[offset + y];
          let end = y + 1;
          while (end <= to && tile[offset + end] === bit) end++;
          write(bit, end - y);
          if (bit === 1) area += end - y;
          y = end;
        }
      }
    }
  }
  runs.push(run);
  return { x: minX, y: minY, width: maxX - minX + 1, height, runs: Uint32Array.from(runs), area };
}
