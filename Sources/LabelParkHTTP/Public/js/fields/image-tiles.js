/**
 * The image viewer's Deep Zoom tile layer. For each view it shows the tiles of the level that matches the
 * zoom and lie on screen, over the whole image at a coarse base level, so no part of the image is ever
 * blank: a tile still loading is stood in for by its nearest loaded ancestor, else by the base. The DOM thus
 * holds about two levels' visible tiles, whatever the image's size.
 *
 * Tiles load a few at a time, the base first, then nearest the viewport's centre. When the view moves on, a
 * queued tile that is no longer on screen is dropped and one still downloading is cancelled (its `src`
 * removed). Loaded tiles stay in a bounded cache for panning back.
 *
 * Tiles are placed in screen pixels of the viewer's anchor view, with their edges rounded to device pixels,
 * so neighbours meet exactly; inside one scaled container their antialiased edges would show hairline seams.
 * They lie in one compositor layer, moved and scaled from the anchor to the current view as a whole: while the
 * view moves, the tiles already drawn are neither repainted nor rasterized again, only tiles that arrive are,
 * and none finer than the anchor's level (the layer could not show their detail before the next anchor).
 */

import {
  baseLevel,
  layerShift,
  levelFor,
  levelScale,
  tileBounds,
  tileGrid,
  tileUrl,
  visibleTiles,
} from "/static/js/fields/image-view.js";

/** Downloads at once: what a browser opens per origin over HTTP/1.1, so a queued tile can still be dropped. */
const maxLoading = 6;
/** Decoded tiles kept (256 × 256 × 4 bytes each, about 80 MB in all). */
const cacheLimit = 320;

export class TileLayer {
  /**
   * `pyramid` from `deepZoomPyramid`; `onTile()` is called when a tile arrives (the viewer redraws), and
   * `onBaseFailed()` when a base tile cannot be had (the viewer then shows the whole image instead).
   */
  constructor(pyramid, { onTile, onBaseFailed }) {
    this.pyramid = pyramid;
    this.base = baseLevel(pyramid);
    this.onTile = onTile;
    this.onBaseFailed = onBaseFailed;
    this.element = document.createElement("div");
    this.element.className = "lp-image-tiles";
    this.element.setAttribute("aria-hidden", "true");
    /** The compositor layer the tiles lie in, placed at `anchor` and moved to the current view. */
    this.layer = document.createElement("div");
    this.layer.className = "lp-image-tiles-layer";
    this.element.append(this.layer);
    /** The anchor the tiles are placed at, and a count of anchors (a tile placed at an older one is moved). */
    this.anchor = null;
    this.anchorSerial = 0;
    this.layerTransform = "";
    /** The level of each tile picture in the layer. */
    this.levels = new WeakMap();
    /** Every tile asked for, by key: `{key, level, column, row, bounds, img, state, used}`. */
    this.tiles = new Map();
    this.queue = [];
    this.loading = 0;
    this.frame = 0;
    /** The tiles in the layer, and the anchor at which those not drawn last left it. */
    this.shown = new Set();
    this.shownAt = 0;
    this.destroyed = false;
  }

  /** Whether every tile of the base level has arrived (the whole image can be drawn from tiles). */
  baseReady() {
    let ready = true;
    forEachTile(wholeLevel(this.pyramid, this.base), (column, row) => {
      if (this.tiles.get(keyOf(this.base, column, row))?.state !== "ready") ready = false;
    });
    return ready;
  }

  /**
   * Draws the view: asks for the tiles it needs, forgets the ones it no longer needs, places what has arrived.
   * `anchor` is the view (`{scale, x, y}`) the tiles are drawn at: see the header.
   */
  update(view, box, pixelRatio, anchor) {
    if (this.destroyed) return;
    this.frame += 1;
    const pyramid = this.pyramid;
    if (anchor !== this.anchor) {
      this.anchor = anchor;
      this.anchorSerial += 1;
    }
    const level = levelFor(pyramid, Math.min(view.scale, anchor.scale), pixelRatio, this.base);
    this.element.dataset.level = String(level);

    /** What the view needs, by key, with a priority (lower first). */
    const wanted = new Map();
    forEachTile(wholeLevel(pyramid, this.base), (column, row) =>
      wanted.set(keyOf(this.base, column, row), { level: this.base, column, row, priority: -1 }));
    const range = level > this.base ? visibleTiles(pyramid, level, view, box) : null;
    if (range) {
      // Nearest the centre of the viewport first: where the eye is.
      const cell = pyramid.tileSize / levelScale(pyramid, level);
      const centreColumn = (box.width / 2 - view.x) / view.scale / cell - 0.5;
      const centreRow = (box.height / 2 - view.y) / view.scale / cell - 0.5;
      forEachTile(range, (column, row) => {
        const priority = Math.hypot(column - centreColumn, row - centreRow);
        wanted.set(keyOf(level, column, row), { level, column, row, priority });
      });
    }

    for (const entry of [...this.tiles.values()]) {
      if (wanted.has(entry.key)) entry.used = this.frame;
      else if (entry.state === "loading") this.cancel(entry);
    }
    this.queue = [...wanted.entries()]
      .filter(([key]) => !this.tiles.has(key))
      .map(([key, tile]) => ({ key, ...tile }))
      .sort((a, b) => a.priority - b.priority);
    this.pump();

    // Under everything the base tiles on screen; over them each visible tile, or while it loads its nearest
    // loaded ancestor (coarsest first, so the finer one is on top).
    const drawn = [];
    const seen = new Set();
    const draw = (entry) => {
      if (seen.has(entry.key)) return;
      seen.add(entry.key);
      entry.used = this.frame;
      drawn.push(entry);
    };
    const baseRange = visibleTiles(pyramid, this.base, view, box);
    if (baseRange) {
      forEachTile(baseRange, (column, row) => {
        const entry = this.tiles.get(keyOf(this.base, column, row));
        if (entry?.state === "ready") draw(entry);
      });
    }
    if (range) {
      const standIns = [];
      const own = [];
      forEachTile(range, (column, row) => {
        const entry = this.tiles.get(keyOf(level, column, row));
        if (entry?.state === "ready") {
          own.push(entry);
          return;
        }
        for (let coarser = level - 1; coarser > this.base; coarser -= 1) {
          const shift = level - coarser;
          const ancestor = this.tiles.get(keyOf(coarser, column >> shift, row >> shift));
          if (ancestor?.state === "ready") {
            standIns.push(ancestor);
            break;
          }
        }
      });
      standIns.sort((a, b) => a.level - b.level).forEach(draw);
      own.forEach(draw);
    }
    this.place(drawn, view, pixelRatio);
    this.evict();
  }

  /**
   * Shows the drawn tiles, finer levels over coarser ones: tiles that are new to the layer, or were placed at
   * an older anchor, are positioned at the anchor. Those no longer drawn leave only with a new anchor: while
   * the view moves the layer's extent then stays as it is or grows, and the compositor keeps the pixels it has
   * (a layer whose size changes is rasterized again, at the zoom of the moment). Then the layer is moved from
   * the anchor to `view`.
   */
  place(drawn, view, pixelRatio) {
    const anchor = this.anchor;
    const snap = (value) => Math.round(value * pixelRatio) / pixelRatio;
    if (this.shownAt !== this.anchorSerial) {
      this.shownAt = this.anchorSerial;
      const keep = new Set(drawn);
      for (const entry of this.shown) {
        if (!keep.has(entry)) {
          entry.img.remove();
          this.shown.delete(entry);
        }
      }
    }
    for (const entry of drawn) {
      if (entry.placedAt !== this.anchorSerial) {
        entry.placedAt = this.anchorSerial;
        const bounds = entry.bounds;
        const left = snap(anchor.x + bounds.x * anchor.scale);
        const top = snap(anchor.y + bounds.y * anchor.scale);
        const right = snap(anchor.x + (bounds.x + bounds.width) * anchor.scale);
        const bottom = snap(anchor.y + (bounds.y + bounds.height) * anchor.scale);
        const scaleX = (right - left) / bounds.pixelWidth;
        const scaleY = (bottom - top) / bounds.pixelHeight;
        entry.img.style.transform = `translate(${left}px, ${top}px) scale(${scaleX}, ${scaleY})`;
      }
      if (entry.img.parentNode !== this.layer) {
        // Before the first tile of a finer level: coarser stand-ins stay under finer tiles.
        let before = this.layer.firstChild;
        while (before && this.levels.get(before) <= entry.level) before = before.nextSibling;
        this.levels.set(entry.img, entry.level);
        this.layer.insertBefore(entry.img, before);
        this.shown.add(entry);
      }
    }
    const transform = layerShift(view, anchor);
    if (transform !== this.layerTransform) {
      this.layerTransform = transform;
      this.layer.style.transform = transform;
    }
  }

  /** Starts downloads from the queue while fewer than `maxLoading` are under way. */
  pump() {
    while (this.loading < maxLoading && this.queue.length > 0) {
      const tile = this.queue.shift();
      if (!this.tiles.has(tile.key)) this.start(tile);
    }
  }

  start({ key, level, column, row }) {
    const bounds = tileBounds(this.pyramid, level, column, row);
    const img = new Image(bounds.pixelWidth, bounds.pixelHeight);
    img.className = "lp-image-tile";
    img.alt = "";
    img.draggable = false;
    img.decoding = "async";
    const entry = { key, level, column, row, bounds, img, state: "loading", used: this.frame };
    this.tiles.set(key, entry);
    this.loading += 1;
    img.src = tileUrl(this.pyramid, level, column, row);
    // Shown only once decoded: an undecoded image would flash blank over its stand-in.
    img.decode().then(
      () => this.settle(entry, "ready"),
      () => this.settle(entry, "failed"),
    );
  }

  settle(entry, state) {
    if (this.destroyed || entry.state !== "loading") return; // cancelled meanwhile
    entry.state = state;
    this.loading -= 1;
    this.pump();
    if (state === "failed" && entry.level === this.base) this.onBaseFailed();
    else this.onTile();
  }

  cancel(entry) {
    entry.state = "cancelled";
    this.loading -= 1;
    entry.img.removeAttribute("src");
    this.tiles.delete(entry.key);
  }

  /** Drops the least recently needed tiles beyond `cacheLimit` (never one needed by the current view). */
  evict() {
    if (this.tiles.size <= cacheLimit) return;
    const old = [...this.tiles.values()]
      .filter((entry) => entry.used < this.frame && entry.state !== "loading")
      .sort((a, b) => a.used - b.used);
    for (const entry of old.slice(0, this.tiles.size - cacheLimit)) {
      entry.img.removeAttribute("src");
      entry.img.remove();
      this.shown.delete(entry);
      this.tiles.delete(entry.key);
    }
  }

  /** Cancels every download, releases every tile and empties the layer. */
  destroy() {
    this.destroyed = true;
    for (const entry of this.tiles.values()) {
      entry.state = "cancelled";
      entry.img.removeAttribute("src");
    }
    this.tiles.clear();
    this.queue = [];
    this.shown.clear();
    this.layer.replaceChildren();
  }
}

function keyOf(level, column, row) {
  return `${level}/${column}/${row}`;
}

/** Every tile of a level, as a range for `forEachTile`. */
function wholeLevel(pyramid, level) {
  const grid = tileGrid(pyramid, level);
  return { firstColumn: 0, lastColumn: grid.columns - 1, firstRow: 0, lastRow: grid.rows - 1 };
}

function forEachTile(range, visit) {
  for (let row = range.firstRow; row <= range.lastRow; row += 1) {
    for (let column = range.firstColumn; column <= range.lastColumn; column += 1) visit(column, row);
  }
}
