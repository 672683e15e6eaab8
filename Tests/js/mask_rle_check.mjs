// A plain-node check of the mask run-length module (Public/js/questions/mask-rle.js), which has no DOM:
//
//     node Tests/js/mask_rle_check.mjs
//
// The vectors' counts strings were made by pycocotools (`mask.encode(np.asfortranarray(m))["counts"]`) from
// masks given as rectangles; every one must encode to exactly that string and decode back to the same
// pixels. Then random masks go through crop → whole-image counts → string → counts → crop and must come back
// unchanged, and agree with counts made pixel by pixel. Prints one line and exits non-zero on a failure.

import assert from "node:assert/strict";
import {
  cocoRle,
  countsFromCrop,
  cropCovers,
  cropFromCounts,
  cropFromRle,
  decodeCounts,
  encodeCounts,
} from "../../Sources/LabelParkHTTP/Public/js/questions/mask-rle.js";

const vectors = [
  {"note": "a 2 × 2 square", "height": 4, "width": 5, "rects": [[1, 1, 2, 2]], "counts": "52207", "area": 4},
  {"note": "the first pixel: the counts start with a run of no 0s", "height": 3, "width": 3, "rects": [[0, 0, 1, 1]], "counts": "018", "area": 1},
  {"note": "the last pixel", "height": 3, "width": 3, "rects": [[2, 2, 1, 1]], "counts": "81", "area": 1},
  {"note": "every pixel", "height": 3, "width": 3, "rects": [[0, 0, 3, 3]], "counts": "09", "area": 9},
  {"note": "two boxes", "height": 400, "width": 640, "rects": [[100, 80, 200, 160], [350, 300, 10, 90]], "counts": "`TW1P5`70000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000lgc0jMZZ\\O00000000000000000dR]3", "area": 32900},
  {"note": "the top row and the right column", "height": 400, "width": 640, "rects": [[0, 0, 640, 1], [639, 0, 1, 400]], "counts": "01_<0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000_<", "area": 1039},
  {"note": "whole columns, one run through three of them", "height": 50, "width": 30, "rects": [[2, 0, 3, 50], [10, 5, 4, 4]], "counts": "T3f4o7^K_I00000kh0", "area": 166},
  {"note": "a 20,000 × 20,000 image: counts past 2^28", "height": 20000, "width": 20000, "rects": [[19990, 19000, 10, 1000], [5, 7, 3, 2]], "counts": "WeQ32n`c0000aocTm;Vo0YQ[kRD00000000000000000", "area": 10006}
];

/** Whole-image counts made pixel by pixel, the slow and obvious way: the reference for the fast one. */
function countsByPixel(isSet, height, width) {
  const counts = [];
  let value = 0;
  let run = 0;
  for (let x = 0; x < width; x++) {
    for (let y = 0; y < height; y++) {
      const pixel = isSet(x, y) ? 1 : 0;
      if (pixel === value) {
        run++;
      } else {
        counts.push(run);
        value = pixel;
        run = 1;
      }
    }
  }
  counts.push(run);
  return counts;
}

/** A crop's pixels as a column-major bitmap of its box. */
function bitmapFromCrop(crop) {
  const bits = new Uint8Array(crop.width * crop.height);
  let at = 0;
  crop.runs.forEach((run, index) => {
    if (index % 2 === 1) bits.fill(1, at, at + run);
    at += run;
  });
  return bits;
}

/** Whether the image pixel (x, y) is in one of the rectangles `[x, y, width, height]`. */
const inRects = (rects) => (x, y) => rects.some(([left, top, w, h]) => x >= left && y >= top && x < left + w && y < top + h);

let checks = 0;
for (const vector of vectors) {
  const { height, width, rects, counts, area, note } = vector;
  // A 20,000 × 20,000 image is too large to count pixel by pixel here: its counts are made from its runs.
  const reference = height * width > 1e7 ? null : countsByPixel(inRects(rects), height, width);
  const crop = cropFromCounts(reference ?? decodeCounts(counts, height * width), height, width);
  assert.equal(crop.area, area, `${note}: area`);
  const rle = cocoRle(crop, height, width);
  assert.deepEqual(rle.size, [height, width], `${note}: size`);
  assert.equal(rle.counts, counts, `${note}: the counts string differs from pycocotools'`);
  const decoded = cropFromRle({ size: [height, width], counts });
  assert.ok(decoded, `${note}: pycocotools' string does not decode`);
  assert.deepEqual({ ...decoded.crop, runs: [...decoded.crop.runs] }, { ...crop, runs: [...crop.runs] }, `${note}: decoded crop`);
  for (const [x, y, w, h] of rects) {
    assert.ok(cropCovers(decoded.crop, x, y) && cropCovers(decoded.crop, x + w - 1, y + h - 1), `${note}: covers its corners`);
  }
  checks++;
}

// Strings that are not counts of the image: refused, never thrown.
assert.equal(decodeCounts("52207", 21), null, "counts adding up to more than the image");
assert.equal(decodeCounts("5220", 20), null, "counts short of the image");
assert.equal(decodeCounts("5\u0001", 20), null, "a character COCO never writes");
assert.equal(decodeCounts("R", 20), null, "a string ending inside a count");
assert.equal(decodeCounts("0O", 20), null, "a negative count");
assert.equal(cropFromRle({ size: [3, 3], counts: "09" }).crop.area, 9);
assert.equal(cropFromRle({ size: [3, 3], counts: "9" }), null, "a mask covering no pixel");
assert.equal(cropFromRle({ size: [3, 3], counts: [0, 9] }).crop.area, 9, "uncompressed counts");
assert.equal(cropFromRle({ size: [3, "3"], counts: "09" }), null, "a size that is not two whole numbers");
checks++;

// Random masks: noise of random density in a random box, through every conversion and back.
let seed = 7;
const random = () => {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed / 2147483648;
};
for (let round = 0; round < 300; round++) {
  const height = 1 + Math.floor(random() * 40);
  const width = 1 + Math.floor(random() * 40);
  const left = Math.floor(random() * width);
  const top = Math.floor(random() * height);
  const boxWidth = 1 + Math.floor(random() * (width - left));
  const boxHeight = 1 + Math.floor(random() * (height - top));
  const density = random();
  const bits = new Uint8Array(boxWidth * boxHeight).map(() => (random() < density ? 1 : 0));
  const isSet = (x, y) => x >= left && y >= top && x < left + boxWidth && y < top + boxHeight &&
    bits[(x - left) * boxHeight + (y - top)] === 1;
  const reference = countsByPixel(isSet, height, width);
  const crop = cropFromCounts(reference, height, width);
  if (!crop) {
    assert.equal(reference.length, 1, "an empty mask has no crop");
    continue;
  }
  const counts = countsFromCrop(crop, height, width);
  assert.deepEqual(counts, reference, `random mask ${round}: whole-image counts`);
  assert.ok(counts.slice(1).every((count) => count > 0), `random mask ${round}: a run of no pixels after the first`);
  const text = encodeCounts(counts);
  assert.deepEqual(decodeCounts(text, height * width), counts, `random mask ${round}: the string's counts`);
  const back = cropFromCounts(counts, height, width);
  assert.deepEqual({ ...back, runs: [...back.runs] }, { ...crop, runs: [...crop.runs] }, `random mask ${round}: crop`);
  const again = bitmapFromCrop(back);
  for (let x = 0; x < back.width; x++) {
    for (let y = 0; y < back.height; y++) {
      assert.equal(again[x * back.height + y] === 1, isSet(back.x + x, back.y + y), `random mask ${round}: pixel`);
      assert.equal(cropCovers(back, back.x + x, back.y + y), isSet(back.x + x, back.y + y), `random mask ${round}: covers`);
    }
  }
  checks++;
}

console.log(`mask-rle: ${checks} checks passed (${vectors.length} pycocotools vectors, random masks, refusals)`);
