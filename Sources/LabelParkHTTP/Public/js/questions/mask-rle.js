/**
 * Masks as COCO stores them, without the DOM: run lengths of alternating 0s and 1s, 0s first, over the pixels
 * in column-major order (down the first column, then the next), and pycocotools' compressed string of them
 * (`rleToString`, `rleFrString`). The server reads the same (`RunLengthMask.swift`).
 *
 * The editor never holds a mask as large as its image: a mask is a crop, `{x, y, width, height, runs, area}`,
 * its bounding box on the image and the runs of that box alone (column-major too, 0s first). Between a crop
 * and the whole image's runs the zeros around the box are added or dropped arithmetically, column by column,
 * so a mask of a few shapes on a 20,000 × 20,000 image costs what its box does. The brush paints into
 * bitmaps of its own (`mask-brush.js`) and hands back a crop.
 */

/** The largest count a compressed string may hold: past 2^53 a number no longer counts pixels exactly. */
const maxCount = Number.MAX_SAFE_INTEGER;

/** COCO's compressed counts string of `counts` (pycocotools' `rleToString`). */
export function encodeCounts(counts) {
  const codes = [];
  for (let index = 0; index < counts.length; index++) {
    let value = counts[index];
    if (index > 2) value -= counts[index - 2];
    let more = true;
    while (more) {
      // `value & 0x1f` and `value >> 5` on numbers that may pass 32 bits: the low five bits, floor division.
      let code = ((value % 32) + 32) % 32;
      value = Math.floor(value / 32);
      more = code & 0x10 ? value !== -1 : value !== 0;
      if (more) code |= 0x20;
      codes.push(code + 48);
    }
  }
  let text = "";
  // In slices: one call with a million arguments would overflow the stack.
  for (let start = 0; start < codes.length; start += 8192) {
    text += String.fromCharCode(...codes.slice(start, start + 8192));
  }
  return text;
}

/**
 * The counts a compressed string holds (pycocotools' `rleFrString`), checked against an image of `pixels`
 * pixels: every count non-negative and all of them adding up to `pixels` exactly. Null when the string is
 * not one.
 */
export function decodeCounts(text, pixels) {
  if (typeof text !== "string") return null;
  const counts = [];
  let total = 0;
  let position = 0;
  while (position < text.length) {
    let value = 0;
    let scale = 1;
    for (;;) {
      if (position >= text.length) return null;
      const code = text.charCodeAt(position++) - 48;
      if (code < 0 || code > 63) return null;
      value += (code & 0x1f) * scale;
      scale *= 32;
      if (scale > 2 ** 60) return null;
      if (!(code & 0x20)) {
        // The sign bit of the last character: the value is negative, in two's complement of its bits.
        if (code & 0x10) value -= scale;
        break;
      }
    }
    if (counts.length > 2) value += counts[counts.length - 2];
    if (value < 0 || value > maxCount) return null;
    counts.push(value);
    total += value;
    if (total > pixels) return null;
  }
  return total === pixels ? counts : null;
}

/**
 * Appends runs to a list that alternates 0s and 1s, 0s first: a run of the value the list ends with
 * lengthens it, and empty runs are dropped, so no run but the first is ever 0 long.
 */
class RunWriter {
  constructor() {
    this.runs = [];
    this.written = 0;
  }

  write(value, length) {
    if (length <= 0) return;
    const runs = this.runs;
    if (runs.length === 0 && value === 1) runs.push(0);
    if (runs.length > 0 && (runs.length - 1) % 2 === value) runs[runs.length - 1] += length;
    else runs.push(length);
    this.written += length;
  }

  /** The runs, padded with 0s to `total` pixels; `[total]` (all 0s) when nothing was written. */
  finish(total) {
    this.write(0, total - this.written);
    if (this.runs.length === 0) this.runs.push(total);
    return this.runs;
  }
}

/**
 * The crop of a mask given by its whole image's counts (`height` × `width`): its bounding box and the runs of
 * that box; null when the mask covers no pixel. Works in time linear in the runs and the columns they span.
 */
export function cropFromCounts(counts, height, width) {
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -1;
  let maxY = -1;
  let area = 0;
  let position = 0;
  for (let index = 0; index < counts.length; index++) {
    const length = counts[index];
    if (index % 2 === 1 && length > 0) {
      const first = position;
      const last = position + length - 1;
      const firstColumn = Math.floor(first / height);
      const lastColumn = Math.floor(last / height);
      if (firstColumn < minX) minX = firstColumn;
      if (lastColumn > maxX) maxX = lastColumn;
      if (firstColumn === lastColumn) {
        minY = Math.min(minY, first - firstColumn * height);
        maxY = Math.max(maxY, last - lastColumn * height);
      } else {
        // Down to the foot of one column and on from the head of the next: every row is covered somewhere.
        minY = 0;
        maxY = height - 1;
      }
      area += length;
    }
    position += length;
  }
  if (area === 0 || maxX >= width) return null;
  const cropWidth = maxX - minX + 1;
  const cropHeight = maxY - minY + 1;
  const writer = new RunWriter();
  position = 0;
  for (let index = 0; index < counts.length; index++) {
    const length = counts[index];
    if (index % 2 === 1 && length > 0) {
      // One piece per column the run passes through.
      let start = position;
      const end = position + length;
      while (start < end) {
        const column = Math.floor(start / height);
        const row = start - column * height;
        const piece = Math.min(end - start, height - row);
        const at = (column - minX) * cropHeight + (row - minY);
        writer.write(0, at - writer.written);
        writer.write(1, piece);
        start += piece;
      }
    }
    position += length;
  }
  const runs = Uint32Array.from(writer.finish(cropWidth * cropHeight));
  return { x: minX, y: minY, width: cropWidth, height: cropHeight, runs, area };
}

/**
 * Calls `visit(column, row, length)` for each piece of the crop's covered runs within one column of the crop
 * (crop coordinates, rows downwards), in order.
 */
export function forEachColumnPiece(crop, visit) {
  let at = 0;
  const runs = crop.runs;
  for (let index = 0; index < runs.length; index++) {
    const length = runs[index];
    if (index % 2 === 1) {
      let start = at;
      const end = at + length;
      while (start < end) {
        const column = Math.floor(start / crop.height);
        const row = start - column * crop.height;
        const piece = Math.min(end - start, crop.height - row);
        visit(column, row, piece);
        start += piece;
      }
    }
    at += length;
  }
}

/**
 * The whole image's counts (`height` × `width`) of a crop: its runs with the zeros above, below and beside the
 * box added per column, never pixel by pixel.
 */
export function countsFromCrop(crop, height, width) {
  const writer = new RunWriter();
  forEachColumnPiece(crop, (column, row, piece) => {
    const full = (crop.x + column) * height + crop.y + row;
    writer.write(0, full - writer.written);
    writer.write(1, piece);
  });
  return writer.finish(height * width);
}

/** Whether the crop covers the image pixel (`px`, `py`). */
export function cropCovers(crop, px, py) {
  const column = px - crop.x;
  const row = py - crop.y;
  if (column < 0 || row < 0 || column >= crop.width || row >= crop.height) return false;
  const wanted = column * crop.height + row;
  let at = 0;
  const runs = crop.runs;
  for (let index = 0; index < runs.length; index++) {
    at += runs[index];
    if (wanted < at) return index % 2 === 1;
  }
  return false;
}

/** A mask's `{size: [height, width], counts}` as COCO writes a compressed RLE. */
export function cocoRle(crop, height, width) {
  return { size: [height, width], counts: encodeCounts(countsFromCrop(crop, height, width)) };
}

/**
 * The crop of a COCO RLE `{size: [height, width], counts}` (counts compressed, or a list of numbers as COCO's
 * uncompressed form), with the image size it was made for: `{crop, height, width}`; null when it is not one
 * or covers no pixel.
 */
export function cropFromRle(rle) {
  if (!rle || typeof rle !== "object" || !Array.isArray(rle.size) || rle.size.length !== 2) return null;
  const [height, width] = rle.size;
  if (!Number.isInteger(height) || !Number.isInteger(width) || height < 1 || width < 1) return null;
  const pixels = height * width;
  let counts;
  if (typeof rle.counts === "string") {
    counts = decodeCounts(rle.counts, pixels);
  } else if (Array.isArray(rle.counts) && rle.counts.every((value) => Number.isInteger(value) && value >= 0)) {
    counts = rle.counts.reduce((sum, value) => sum + value, 0) === pixels ? rle.counts : null;
  }
  if (!counts) return null;
  const crop = cropFromCounts(counts, height, width);
  return crop ? { crop, height, width } : null;
}
