// A plain-node check of the masks brush (Public/js/questions/mask-brush.js), which has no DOM:
//
//     node Tests/js/mask_brush_check.mjs
//
// Random strokes, painted and erased, on images a few tiles across, against the rule painted the slow way
// (every pixel of the image tested against every stroke): the tiled work bitmap must hold exactly those
// pixels, its crop (mask-rle.js) must say so, and a work made again from that crop must hold them too, with
// the tiles a mask covers whole kept as marks. Prints one line and exits non-zero on a failure.

import assert from "node:assert/strict";
import {
  brushCentre,
  createWork,
  cropFromWork,
  paintStroke,
  tileSide,
  workPixel,
} from "../../Sources/LabelParkHTTP/Public/js/questions/mask-brush.js";

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

/** The rule itself: the pixel's centre within size / 2 of the segment. */
function covers(px, py, a, b, size) {
  const radius = size / 2;
  const dx = b[0] - a[0];
  const dy = b[1] - a[1];
  const length = dx * dx + dy * dy;
  const ox = px + 0.5 - a[0];
  const oy = py + 0.5 - a[1];
  let along = length > 0 ? (ox * dx + oy * dy) / length : 0;
  along = Math.min(1, Math.max(0, along));
  const ex = ox - along * dx;
  const ey = oy - along * dy;
  return ex * ex + ey * ey <= radius * radius;
}

let seed = 11;
const random = () => {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed / 2147483648;
};

/** Every pixel of the work against the reference bitmap (row-major `width * height`). */
function sameAs(work, reference, image, what) {
  let area = 0;
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) {
      assert.equal(workPixel(work, x, y), reference[y * image.width + x], `${what}: pixel (${x}, ${y})`);
      area += reference[y * image.width + x];
    }
  }
  assert.equal(work.area, area, `${what}: area`);
  const crop = cropFromWork(work);
  if (area === 0) {
    assert.equal(crop, null, `${what}: an empty work has no crop`);
    return null;
  }
  assert.equal(crop.area, area, `${what}: the crop's area`);
  const bits = bitmapFromCrop(crop);
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) {
      const inside = x >= crop.x && y >= crop.y && x < crop.x + crop.width && y < crop.y + crop.height;
      const bit = inside ? bits[(x - crop.x) * crop.height + (y - crop.y)] : 0;
      assert.equal(bit, reference[y * image.width + x], `${what}: the crop's pixel (${x}, ${y})`);
    }
  }
  return crop;
}

let checks = 0;
for (let round = 0; round < 12; round++) {
  const image = { width: 1 + Math.floor(random() * 700), height: 1 + Math.floor(random() * 600) };
  const reference = new Uint8Array(image.width * image.height);
  let work = createWork(image);
  for (let stroke = 0; stroke < 8; stroke++) {
    const size = 1 + Math.floor(random() * (stroke % 3 === 0 ? 120 : 25));
    const point = () => [random() * (image.width + 40) - 20, random() * (image.height + 40) - 20];
    const a = brushCentre(point(), size);
    const b = stroke % 4 === 3 ? a : brushCentre(point(), size);
    const value = stroke % 3 === 2 ? 0 : 1;
    paintStroke(work, a, b, size, value);
    for (let y = 0; y < image.height; y++) {
      for (let x = 0; x < image.width; x++) if (covers(x, y, a, b, size)) reference[y * image.width + x] = value;
    }
    const crop = sameAs(work, reference, image, `image ${round}, stroke ${stroke}`);
    // Made again from its crop, as a stroke on an existing mask starts.
    if (crop) work = createWork(image, crop);
    sameAs(work, reference, image, `image ${round}, stroke ${stroke}, from its crop`);
    checks++;
  }
}

// A mask covering whole tiles keeps them as marks, not bitmaps; erasing through one makes it a bitmap again.
const image = { width: 3 * tileSide + 17, height: 2 * tileSide + 5 };
let work = createWork(image);
paintStroke(work, [image.width / 2, image.height / 2], [image.width / 2, image.height / 2], 2000, 1);
assert.equal(work.area, image.width * image.height, "a brush larger than the image covers it");
work = createWork(image, cropFromWork(work));
assert.ok([...work.tiles.values()].every((tile) => !(tile instanceof Uint8Array)), "every tile covered whole is a mark");
paintStroke(work, [100.5, 0], [100.5, image.height], 3, 0);
assert.equal(work.area, image.width * image.height - 3 * image.height, "a 3-pixel line erased through it");
assert.equal([...work.tiles.values()].filter((tile) => tile instanceof Uint8Array).length, 3, "three tiles became bitmaps");
const crop = cropFromWork(work);
assert.deepEqual([crop.x, crop.y, crop.width, crop.height, crop.area], [0, 0, image.width, image.height, work.area]);
checks++;

console.log(`mask-brush: ${checks} checks passed (random strokes painted and erased across tiles, whole tiles)`);
