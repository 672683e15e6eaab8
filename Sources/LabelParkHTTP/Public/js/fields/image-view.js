/**
 * The image viewer's geometry as plain numbers, without the DOM: where the image is on screen and how
 * large (a view), fitting, zooming around a point, panning within bounds, and which Deep Zoom level and
 * tiles a view needs. The viewer (`image.js`) and its tile layer (`image-tiles.js`) both decide from here,
 * so what is drawn, what is loaded and what `toImage` answers cannot disagree.
 *
 * A view is `{scale, x, y}`: `scale` screen (CSS) pixels per image pixel, and `x`, `y` where the image's
 * top-left corner is, in CSS pixels from the viewport's top-left corner. An image is `{width, height}` in
 * pixels and a box `{width, height}` is the viewport's inner size in CSS pixels.
 */

/** Zooming never goes past this many screen pixels per image pixel (3,200 %), or 4 × the fit if larger. */
const maxScaleFloor = 32;

/** The view that shows the whole image as large as the box allows, centred. */
export function fitView(image, box) {
  const scale = fitScale(image, box);
  return { scale, x: (box.width - image.width * scale) / 2, y: (box.height - image.height * scale) / 2 };
}

function fitScale(image, box) {
  const scale = Math.min(box.width / image.width, box.height / image.height);
  return Number.isFinite(scale) && scale > 0 ? scale : 1;
}

/**
 * How far the view may zoom: out to half the fit (never above 100 %), in to 3,200 % or four times the fit,
 * whichever is larger (a tiny image fitted to a large box can still be magnified).
 */
export function scaleLimits(image, box) {
  const fit = fitScale(image, box);
  return { min: Math.min(fit / 2, 1), max: Math.max(maxScaleFloor, fit * 4) };
}

/**
 * The view moved as little as needed to keep the image over the viewport's centre, so that panning can
 * never lose the image off screen.
 */
export function clampView(view, image, box) {
  const width = image.width * view.scale;
  const height = image.height * view.scale;
  return {
    scale: view.scale,
    x: clamp(view.x, box.width / 2 - width, box.width / 2),
    y: clamp(view.y, box.height / 2 - height, box.height / 2),
  };
}

/**
 * The view zoomed by `factor` around the screen point (`px`, `py`) relative to the viewport: the image point
 * under it stays under it (unless keeping the image on screen moves it).
 */
export function zoomAt(view, factor, px, py, image, box) {
  const { min, max } = scaleLimits(image, box);
  const scale = clamp(view.scale * factor, min, max);
  const ratio = scale / view.scale;
  return clampView({ scale, x: px - (px - view.x) * ratio, y: py - (py - view.y) * ratio }, image, box);
}

/** The view moved by (`dx`, `dy`) screen pixels, kept over the viewport's centre. */
export function panBy(view, dx, dy, image, box) {
  return clampView({ scale: view.scale, x: view.x + dx, y: view.y + dy }, image, box);
}

/** The image pixel position under the viewport point (`sx`, `sy`); outside the image when the point is. */
export function toImagePoint(view, sx, sy) {
  return { x: (sx - view.x) / view.scale, y: (sy - view.y) / view.scale };
}

/** The viewport point of the image pixel position (`ix`, `iy`). */
export function toScreenPoint(view, ix, iy) {
  return { x: view.x + ix * view.scale, y: view.y + iy * view.scale };
}

/**
 * The CSS transform (origin at the top-left corner) that moves what is drawn at the view `anchor` to where
 * `view` shows it: "none" when they are the same view.
 */
export function layerShift(view, anchor) {
  const ratio = view.scale / anchor.scale;
  if (ratio === 1 && view.x === anchor.x && view.y === anchor.y) return "none";
  return `translate(${view.x - anchor.x * ratio}px, ${view.y - anchor.y * ratio}px) scale(${ratio})`;
}

/**
 * Whether `url` is a path on this origin: not `//host/…` (or `/\host`), which a browser reads as another
 * origin. The page's CSP would refuse another origin anyway; this keeps the viewer from even asking.
 */
export function isOwnPath(url) {
  return typeof url === "string" && /^\/(?![/\\])/.test(url);
}

function clamp(value, low, high) {
  return Math.min(high, Math.max(low, value));
}

// MARK: Deep Zoom

/**
 * The Deep Zoom pyramid an asset's `tiles` describes (the layout of `vips dzsave`): level L is the image
 * scaled by 2^(L − maxLevel), cut into `tileSize` squares from the top-left, each grown by `overlap` pixels
 * on the sides that have a neighbour. Null when `tiles` is not a pyramid this viewer can draw.
 */
export function deepZoomPyramid(image, tiles) {
  if (!tiles || typeof tiles !== "object" || tiles.format !== "deepzoom") return null;
  const tileSize = tiles.tile_size;
  const overlap = tiles.overlap ?? 0;
  if (!Number.isInteger(tileSize) || tileSize < 1 || !Number.isInteger(overlap) || overlap < 0) return null;
  if (!isOwnPath(tiles.url)) return null;
  const largest = Math.max(image.width, image.height);
  const expected = Math.ceil(Math.log2(largest));
  const maxLevel = Number.isInteger(tiles.max_level) && tiles.max_level >= 0 ? tiles.max_level : expected;
  const suffix = typeof tiles.suffix === "string" && tiles.suffix !== "" ? tiles.suffix.replace(/^\./, "") : "jpg";
  return {
    width: image.width,
    height: image.height,
    tileSize,
    overlap,
    maxLevel,
    suffix,
    url: tiles.url.endsWith("/") ? tiles.url : tiles.url + "/",
  };
}

/** Level pixels per image pixel: 2^(L − maxLevel), so 1 at the top level. */
export function levelScale(pyramid, level) {
  return 2 ** (level - pyramid.maxLevel);
}

/** The level's size in its own pixels. */
export function levelSize(pyramid, level) {
  const scale = levelScale(pyramid, level);
  return {
    width: Math.max(1, Math.ceil(pyramid.width * scale)),
    height: Math.max(1, Math.ceil(pyramid.height * scale)),
  };
}

/** How many tiles across and down the level has. */
export function tileGrid(pyramid, level) {
  const size = levelSize(pyramid, level);
  return { columns: Math.ceil(size.width / pyramid.tileSize), rows: Math.ceil(size.height / pyramid.tileSize) };
}

/**
 * Where a tile lies: `x`, `y`, `width`, `height` in image pixels (clipped to the image), and `pixelWidth`,
 * `pixelHeight`, the size of the tile's own picture (overlap included).
 */
export function tileBounds(pyramid, level, column, row) {
  const size = levelSize(pyramid, level);
  const scale = levelScale(pyramid, level);
  const { tileSize, overlap } = pyramid;
  const left = column * tileSize - (column > 0 ? overlap : 0);
  const top = row * tileSize - (row > 0 ? overlap : 0);
  const right = Math.min((column + 1) * tileSize + overlap, size.width);
  const bottom = Math.min((row + 1) * tileSize + overlap, size.height);
  const x = left / scale;
  const y = top / scale;
  return {
    x,
    y,
    width: Math.min(right / scale, pyramid.width) - x,
    height: Math.min(bottom / scale, pyramid.height) - y,
    pixelWidth: right - left,
    pixelHeight: bottom - top,
  };
}

/** The URL of one tile. */
export function tileUrl(pyramid, level, column, row) {
  return `${pyramid.url}${level}/${column}_${row}.${pyramid.suffix}`;
}

/**
 * The coarsest level worth drawing under everything: the finest whose whole picture is at most `side`
 * pixels on its longer side (a handful of tiles, loaded once, so no part of the image is ever blank).
 */
export function baseLevel(pyramid, side = 512) {
  const largest = Math.max(pyramid.width, pyramid.height);
  const steps = Math.max(0, Math.ceil(Math.log2(largest / side)));
  return clamp(pyramid.maxLevel - steps, 0, pyramid.maxLevel);
}

/**
 * The level whose pixels match the screen's at `scale` (with `pixelRatio` device pixels per CSS pixel): the
 * coarsest with at least one level pixel per device pixel, allowing 10 % less so a view a hair above a power
 * of two does not load four times the tiles. Never below `floor`.
 */
export function levelFor(pyramid, scale, pixelRatio, floor = 0) {
  const wanted = pyramid.maxLevel + Math.ceil(Math.log2(scale * pixelRatio) - 0.15);
  return clamp(Number.isFinite(wanted) ? wanted : pyramid.maxLevel, floor, pyramid.maxLevel);
}

/**
 * The range of tiles of `level` the view shows in the box: `{firstColumn, lastColumn, firstRow, lastRow}`
 * (inclusive), or null when none of the image is on screen.
 */
export function visibleTiles(pyramid, level, view, box) {
  const left = Math.max(0, -view.x / view.scale);
  const top = Math.max(0, -view.y / view.scale);
  const right = Math.min(pyramid.width, (box.width - view.x) / view.scale);
  const bottom = Math.min(pyramid.height, (box.height - view.y) / view.scale);
  if (!(right > left && bottom > top)) return null;
  const scale = levelScale(pyramid, level);
  const grid = tileGrid(pyramid, level);
  const cell = pyramid.tileSize;
  return {
    firstColumn: clamp(Math.floor((left * scale) / cell), 0, grid.columns - 1),
    lastColumn: clamp(Math.ceil((right * scale) / cell) - 1, 0, grid.columns - 1),
    firstRow: clamp(Math.floor((top * scale) / cell), 0, grid.rows - 1),
    lastRow: clamp(Math.ceil((bottom * scale) / cell) - 1, 0, grid.rows - 1),
  };
}
