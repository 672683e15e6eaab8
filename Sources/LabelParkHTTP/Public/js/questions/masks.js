/**
 * The `masks` question: labelled pixel masks on an image field, `[{rle: {size: [height, width], counts}, label,
 * id}]`, each a COCO compressed run-length encoding over the whole image (`mask-rle.js`) that covers at least
 * one pixel.
 *
 * The brush (B) paints and the eraser (E) erases, `size` image pixels across (`,` and `.` change it), without
 * anti-aliasing (`mask-brush.js`). A stroke paints into the selected mask when it has the chosen label; a
 * stroke that starts on another mask of the chosen label paints into that one; otherwise it starts a new mask
 * with the chosen label (N: the next stroke starts a new mask whatever is under it). The eraser erases from
 * the selected mask, or from the mask under the pointer; a mask erased to nothing goes. A press paints, so
 * the image pans with Space held, the middle button or the arrow keys. By keyboard: C (or N) shows a brush
 * in the middle of the view that the arrows move; Space puts it down and lifts it, and while it is down the
 * arrows paint.
 *
 * A mask never costs a bitmap of the whole image: it is kept as the runs of its bounding box (`crop`), shown
 * as one canvas the size of that box placed on the image, and painted into a bitmap of tiles that exist only
 * where the mask is (`mask-brush.js`), shown meanwhile in a canvas that grows as the brush goes past it. A
 * canvas of a box larger than `maxCanvasSide` is drawn at a fraction of the pixels (each canvas pixel one of
 * every `factor` × `factor`), so no canvas is ever huge either.
 */

import { t } from "/static/js/i18n.js";
import { element } from "/static/js/form-dom.js";
import { createRegionEditor, isLetter as letter, svgElement } from "/static/js/questions/regions.js";
import { clamp } from "/static/js/questions/region-geometry.js";
import { cocoRle, cropCovers, cropFromRle, forEachColumnPiece } from "/static/js/questions/mask-rle.js";
import {
  brushCentre,
  createWork,
  cropFromWork,
  forEachTile,
  paintStroke,
  tileSide,
} from "/static/js/questions/mask-brush.js";

/** Brush sizes, image pixels across. */
const minBrush = 1;
const maxBrush = 1_000;
/** Canvases are at most this many pixels on a side (Chromium draws far larger ones, at a cost in memory). */
const maxCanvasSide = 4_096;
/** When the canvas that shows a stroke grows, it takes at least this much more (image pixels) on a side. */
const sketchMargin = 64;
/** How far an arrow key moves the keyboard brush, in screen pixels (Shift: farther; Alt: one image pixel). */
const penStep = 10;
const penStepFar = 50;
/** In screen pixels: the arms of the keyboard brush's cross. */
const crossSize = 8;

/** The keys of a masks question, as `[keys, meaning]` translation keys. */
function keysFor() {
  return [
    ["form.maskKeysPaint", "form.maskKeysPaintMeaning"],
    ["form.maskKeysTools", "form.maskKeysToolsMeaning"],
    ["form.maskKeysSize", "form.maskKeysSizeMeaning"],
    ["form.maskKeysNew", "form.maskKeysNewMeaning"],
    ["form.maskKeysCursor", "form.maskKeysCursorMeaning"],
    ["form.maskKeysPen", "form.maskKeysPenMeaning"],
    ["form.maskKeysDown", "form.maskKeysDownMeaning"],
    ["form.regionKeysSelect", "form.regionKeysSelectMeaning"],
    ["form.maskKeysAway", "form.maskKeysAwayMeaning"],
    ["form.regionKeysLabel", "form.regionKeysLabelMeaning"],
    ["form.regionKeysRemove", "form.regionKeysRemoveMeaning"],
    ["form.regionKeysHide", "form.regionKeysHideMeaning"],
    ["form.regionKeysUndo", "form.regionKeysUndoMeaning"],
    ["form.regionKeysPan", "form.regionKeysPanMeaning"],
  ];
}

/** Each crop's COCO RLE, made once: the answer is read after every change, and most masks did not change. */
const encoded = new WeakMap();

function rleOf(mask) {
  let rle = encoded.get(mask.crop);
  if (!rle) {
    rle = cocoRle(mask.crop, mask.imageHeight, mask.imageWidth);
    encoded.set(mask.crop, rle);
  }
  return rle;
}

export const masksQuestion = {
  type: "masks",
  markedField: (question) => question.field,
  shortcuts: () => ({ heading: "form.masksKeysHeading", keys: keysFor() }),
  render(question, context) {
    /** Draws masks in their labels' colours, once the editor (which knows them) exists. */
    let painter = null;
    const editor = createRegionEditor(question, context, {
      type: "masks",
      idPrefix: "m",
      strings: {
        hint: "form.masksHint",
        readOnly: "form.masksReadOnly",
        listLabel: "form.masksListLabel",
        count: "form.maskCount",
        none: "form.noMasks",
        keys: keysFor(),
      },
      // A mask: its crop (`mask-rle.js`) and the size of the image its RLE was made for.
      parse(raw) {
        const decoded = cropFromRle(raw.rle);
        return decoded && { crop: decoded.crop, imageWidth: decoded.width, imageHeight: decoded.height };
      },
      serialize: (mask) => ({ rle: rleOf(mask), label: mask.label, id: mask.id }),
      fits: (mask, image) => mask.imageWidth === image.width && mask.imageHeight === image.height,
      points: ({ crop }) => [[crop.x, crop.y], [crop.x + crop.width, crop.y + crop.height]],
      translate: (mask, dx, dy) => ({
        ...mask,
        crop: { ...mask.crop, x: mask.crop.x + Math.round(dx), y: mask.crop.y + Math.round(dy) },
      }),
      grow: () => null,
      htmlMarks: true,
      createMark: () => element("canvas"),
      drawMark(canvas, mask) {
        placeCanvas(canvas, mask.crop);
        painter?.paint(canvas, mask);
      },
      describe(mask, format) {
        const { crop } = mask;
        return t("form.maskSize", {
          area: format.format(crop.area),
          width: format.format(crop.width),
          height: format.format(crop.height),
        });
      },
    });
    painter = maskPainter(editor);
    if (editor.target) editor.setTool(maskTool(editor, painter));
    return editor.view;
  },
};

/** Puts a canvas over the image pixels of a crop (the layer it is in is in image pixels). */
function placeCanvas(canvas, { x, y, width, height }) {
  canvas.style.left = `${x}px`;
  canvas.style.top = `${y}px`;
  canvas.style.width = `${width}px`;
  canvas.style.height = `${height}px`;
}

/** The overlap of two boxes (`{left, top, right, bottom}`, inclusive). */
function intersect(a, b) {
  return {
    left: Math.max(a.left, b.left),
    top: Math.max(a.top, b.top),
    right: Math.min(a.right, b.right),
    bottom: Math.min(a.bottom, b.bottom),
  };
}

/** How many image pixels across one canvas pixel stands for, for a box `width` × `height`. */
function factorFor(width, height) {
  return Math.max(1, Math.ceil(Math.max(width, height) / maxCanvasSide));
}

/**
 * Draws masks into their canvases in their labels' colours. The colours are the page's (`--lp-mark` of
 * `.lp-cN` in annotate.css), read once the layer is on the page; a mask drawn before that waits in
 * `waiting` until `flush()`.
 */
function maskPainter(editor) {
  const colours = new Map();
  const waiting = new Set();
  let scratch = null;

  /** The label colour `index` as a pixel (`0xAABBGGRR`, as a little-endian Uint32Array of RGBA reads it). */
  function colourOf(index) {
    if (colours.has(index)) return colours.get(index);
    const layer = editor.markLayer;
    if (!layer.isConnected) return null;
    const probe = element("span", `lp-c${index}`);
    probe.hidden = true;
    layer.append(probe);
    const value = getComputedStyle(probe).getPropertyValue("--lp-mark").trim() || "#ffffff";
    probe.remove();
    scratch ??= element("canvas").getContext("2d", { willReadFrequently: true });
    scratch.clearRect(0, 0, 1, 1);
    scratch.fillStyle = "#ffffff";
    scratch.fillStyle = value;
    scratch.fillRect(0, 0, 1, 1);
    const [r, g, b] = scratch.getImageData(0, 0, 1, 1).data;
    const pixel = ((255 << 24) | (b << 16) | (g << 8) | r) >>> 0;
    colours.set(index, pixel);
    return pixel;
  }

  /** Draws a mask's crop into its canvas, unless the canvas already shows those runs in that colour. */
  function paint(canvas, mask) {
    const index = editor.colourOf(mask.label);
    if (canvas.shownRuns === mask.crop.runs && canvas.shownColour === index) return;
    const colour = colourOf(index);
    if (colour === null) {
      waiting.add(canvas);
      canvas.waitingFor = mask;
      return;
    }
    waiting.delete(canvas);
    canvas.waitingFor = null;
    drawRuns(canvas, mask.crop, colour);
    canvas.shownRuns = mask.crop.runs;
    canvas.shownColour = index;
  }

  function flush() {
    if (waiting.size === 0 || !editor.markLayer.isConnected) return;
    for (const canvas of [...waiting]) {
      waiting.delete(canvas);
      // A mark removed since (its mask undone or erased) is not drawn.
      if (canvas.parentNode === editor.markLayer) paint(canvas, canvas.waitingFor);
    }
  }

  return { paint, flush, colourOf };
}

/** A crop's runs as pixels of `colour` in a canvas the size of the crop (or a fraction of it: see the header). */
function drawRuns(canvas, crop, colour) {
  const factor = factorFor(crop.width, crop.height);
  const width = Math.ceil(crop.width / factor);
  const height = Math.ceil(crop.height / factor);
  if (canvas.width !== width) canvas.width = width;
  if (canvas.height !== height) canvas.height = height;
  const context = canvas.getContext("2d");
  const picture = context.createImageData(width, height);
  const pixels = new Uint32Array(picture.data.buffer);
  forEachColumnPiece(crop, (column, row, piece) => {
    if (column % factor !== 0) return;
    const x = column / factor;
    for (let y = Math.ceil(row / factor) * factor; y < row + piece; y += factor) {
      pixels[(y / factor) * width + x] = colour;
    }
  });
  context.putImageData(picture, 0, 0);
}

/**
 * Draws the part `box` (image pixels, inclusive) of a work bitmap (`mask-brush.js`) into the canvas that
 * shows it while it is painted, which covers `area` (`{x, y, width, height}`) of the image: that part is
 * cleared, then each tile the mask has there drawn, so empty stretches of a long stroke cost nothing.
 */
function drawWork(canvas, work, area, colour, box) {
  const factor = factorFor(area.width, area.height);
  // Canvas pixel (i, j) shows image pixel (area.x + i·factor, area.y + j·factor).
  const first = (value, origin) => Math.max(0, Math.ceil((value - origin) / factor));
  const last = (value, origin, count) => Math.min(count - 1, Math.floor((value - origin) / factor));
  const left = first(box.left, area.x);
  const top = first(box.top, area.y);
  const right = last(box.right, area.x, canvas.width);
  const bottom = last(box.bottom, area.y, canvas.height);
  if (left > right || top > bottom) return;
  const context = canvas.getContext("2d");
  context.clearRect(left, top, right - left + 1, bottom - top + 1);
  forEachTile(work, box, (tileLeft, tileTop, tileWidth, tileHeight, bits) => {
    const i0 = Math.max(left, first(tileLeft, area.x));
    const j0 = Math.max(top, first(tileTop, area.y));
    const i1 = Math.min(right, last(tileLeft + tileWidth - 1, area.x, canvas.width));
    const j1 = Math.min(bottom, last(tileTop + tileHeight - 1, area.y, canvas.height));
    if (i0 > i1 || j0 > j1) return;
    const across = i1 - i0 + 1;
    const down = j1 - j0 + 1;
    const picture = context.createImageData(across, down);
    const pixels = new Uint32Array(picture.data.buffer);
    if (bits === null) {
      pixels.fill(colour);
    } else {
      for (let i = 0; i < across; i++) {
        const base = (area.x + (i0 + i) * factor - tileLeft) * tileSide - tileTop + area.y;
        for (let j = 0; j < down; j++) if (bits[base + (j0 + j) * factor] === 1) pixels[j * across + i] = colour;
      }
    }
    context.putImageData(picture, i0, j0);
  });
}

/** How masks are painted and erased with the pointer and the keyboard brush. */
function maskTool(editor, painter) {
  const image = () => editor.image;
  let mode = "brush";
  let size = 0;
  /** N was pressed: the next stroke starts a new mask. */
  let fresh = false;
  /** The keyboard brush: where it is (image pixels) and whether it is shown (it is down while its stroke is). */
  let pen = null;
  let penShown = false;
  /**
   * The stroke being painted: `{work, target, value, last, byKeyboard, colour}`; the canvas that shows it, and
   * the part of the image that canvas covers.
   */
  let stroke = null;
  let shownArea = null;
  const sketch = element("canvas", "lp-mask-sketch");
  sketch.hidden = true;
  const cursor = svgElement("circle", "lp-brush");
  const cross = svgElement("path", "lp-pen");
  const frame = svgElement("rect", "lp-mask-frame");
  editor.editLayer.append(frame, cursor, cross);
  let pointer = null;

  // MARK: controls

  const controls = element("div", "lp-mask-tools");
  controls.setAttribute("role", "group");
  controls.setAttribute("aria-label", t("form.maskTools"));
  const toolButton = (name, text, key) => {
    const button = element("button", "lp-mask-tool");
    button.type = "button";
    button.dataset.tool = name;
    button.setAttribute("aria-pressed", "false");
    button.setAttribute("aria-keyshortcuts", key);
    button.append(element("span", null, text), element("kbd", "lp-key", key));
    return button;
  };
  const brushButton = toolButton("brush", t("form.maskBrush"), "B");
  const eraserButton = toolButton("eraser", t("form.maskEraser"), "E");
  const smaller = element("button", "lp-mask-size-step", "−");
  smaller.type = "button";
  smaller.dataset.step = "-1";
  smaller.setAttribute("aria-label", t("form.maskSmaller"));
  smaller.title = t("form.maskSmaller");
  const larger = element("button", "lp-mask-size-step", "+");
  larger.type = "button";
  larger.dataset.step = "1";
  larger.setAttribute("aria-label", t("form.maskLarger"));
  larger.title = t("form.maskLarger");
  const sizeText = element("output", "lp-mask-size");
  sizeText.setAttribute("aria-live", "polite");
  const newButton = toolButton("new", t("form.maskNew"), "N");
  newButton.removeAttribute("aria-pressed");
  const sizeGroup = element("span", "lp-mask-size-group");
  sizeGroup.append(element("span", "lp-mask-size-label", t("form.maskSizeLabel")), smaller, sizeText, larger);
  controls.append(brushButton, eraserButton, sizeGroup, newButton);
  if (editor.editable) {
    editor.addControls(controls);
    editor.markLayer.append(sketch);
  }
  controls.addEventListener("click", (event) => {
    const button = event.target.closest?.("button");
    if (!button) return;
    editor.takeOver();
    if (button.dataset.tool === "new") startFresh(false);
    else if (button.dataset.tool) setMode(button.dataset.tool);
    else if (button.dataset.step) resize(Number(button.dataset.step), false);
    editor.target.element.focus({ preventScroll: true });
  });

  function drawControls() {
    brushButton.setAttribute("aria-pressed", String(mode === "brush"));
    eraserButton.setAttribute("aria-pressed", String(mode === "eraser"));
    sizeText.value = t("form.maskSizeValue", { size: size || "…" });
    sizeText.dataset.size = String(size);
    controls.dataset.mode = mode;
  }

  function setMode(next) {
    lift();
    mode = next;
    drawControls();
    drawCursor();
  }

  /** One step smaller or larger (about a fifth; Shift: half or double). */
  function resize(direction, far) {
    const next = direction > 0 ? (far ? size * 2 : Math.max(size + 1, Math.round(size * 1.25))) :
      (far ? Math.floor(size / 2) : Math.min(size - 1, Math.round(size / 1.25)));
    size = clamp(next, minBrush, maxBrush);
    drawControls();
    drawCursor();
  }

  // MARK: which mask a stroke goes to

  /** The top visible mask covering the image pixel, or null. */
  function maskAt(px, py) {
    const masks = editor.regions();
    for (let index = masks.length - 1; index >= 0; index--) {
      const mask = masks[index];
      if (!editor.isHidden(mask.id) && cropCovers(mask.crop, px, py)) return mask;
    }
    return null;
  }

  const paintable = (mask) => mask && !editor.isLocked(mask.id) && !editor.isHidden(mask.id);

  /** The mask a stroke starting at `centre` goes to: an existing one, or null for a new one (see the header). */
  function targetFor(centre) {
    const under = maskAt(Math.floor(centre[0]), Math.floor(centre[1]));
    const selected = editor.regionById(editor.selectedId);
    const label = editor.currentLabel();
    if (mode === "eraser") {
      if (paintable(selected)) return selected;
      if (under && editor.isLocked(under.id)) {
        editor.showProblem(t("form.regionLocked"));
        return null;
      }
      return paintable(under) ? under : null;
    }
    if (fresh) return null;
    if (paintable(under) && under.label === label) return under;
    if (paintable(selected) && selected.label === label) return selected;
    return null;
  }

  // MARK: strokes

  function begin(centre, byKeyboard) {
    const target = targetFor(centre);
    if (mode === "eraser" && !target) return false;
    if (target && target.id !== editor.selectedId) editor.select(target.id);
    const work = createWork(image(), target ? target.crop : null);
    stroke = { work, target, value: mode === "eraser" ? 0 : 1, last: centre, byKeyboard };
    shownArea = null;
    const mark = target ? editor.markOf(target.id) : null;
    if (mark) mark.style.visibility = "hidden";
    const label = target ? target.label : editor.currentLabel();
    sketch.className = `lp-mask-sketch lp-mark lp-selected lp-c${editor.colourOf(label)}`;
    stroke.colour = painter.colourOf(editor.colourOf(label)) ?? 0xffffffff;
    sketch.hidden = false;
    paintTo(centre);
    return true;
  }

  /**
   * Shows the pixels of `box` (image pixels, inclusive) as the stroke has them; first makes the sketch
   * canvas cover them, with room to spare, redrawing it whole when it grows.
   */
  function showStroke(box) {
    const { work } = stroke;
    const { width, height } = image();
    const covered = shownArea && box.left >= shownArea.x && box.top >= shownArea.y &&
      box.right < shownArea.x + shownArea.width && box.bottom < shownArea.y + shownArea.height;
    if (covered) {
      drawWork(sketch, work, shownArea, stroke.colour, box);
      return;
    }
    const extent = work.extent ?? box;
    const wanted = {
      left: Math.min(box.left, extent.left),
      top: Math.min(box.top, extent.top),
      right: Math.max(box.right, extent.right),
      bottom: Math.max(box.bottom, extent.bottom),
    };
    const longer = Math.max(wanted.right - wanted.left, wanted.bottom - wanted.top);
    const margin = Math.max(sketchMargin, Math.round(longer / 4));
    const left = Math.max(0, wanted.left - margin);
    const top = Math.max(0, wanted.top - margin);
    shownArea = {
      x: left,
      y: top,
      width: Math.min(width - 1, wanted.right + margin) - left + 1,
      height: Math.min(height - 1, wanted.bottom + margin) - top + 1,
    };
    const factor = factorFor(shownArea.width, shownArea.height);
    sketch.width = Math.ceil(shownArea.width / factor);
    sketch.height = Math.ceil(shownArea.height / factor);
    placeCanvas(sketch, shownArea);
    const whole = { left: shownArea.x, top: shownArea.y, right: shownArea.x + shownArea.width - 1,
      bottom: shownArea.y + shownArea.height - 1 };
    // Only where the mask can have pixels: what it had (its extent) and what this stroke reaches.
    drawWork(sketch, work, shownArea, stroke.colour, work.extent ? intersect(whole, wanted) : box);
  }

  /** Paints (or erases) on from the stroke's last centre to `centre`. */
  function paintTo(centre) {
    const reach = paintStroke(stroke.work, stroke.last, centre, size, stroke.value);
    stroke.last = centre;
    if (reach) showStroke(reach);
  }

  /** The stroke is done: the mask it painted is added, changed or (erased to nothing) removed, as one step. */
  function end() {
    const done = stroke;
    stroke = null;
    if (!done) return;
    const { work, target } = done;
    const crop = cropFromWork(work);
    fresh = false;
    if (target) {
      if (!crop) editor.remove(target.id);
      else if (crop.area !== target.crop.area || !sameRuns(crop, target.crop)) editor.update({ ...target, crop });
    } else if (crop) {
      const { width, height } = image();
      editor.add({ crop, imageWidth: width, imageHeight: height });
    }
    hideSketch(target);
    refresh();
  }

  /** The stroke is given up (Escape, undo): nothing changes. */
  function discard() {
    const done = stroke;
    stroke = null;
    if (done) hideSketch(done.target);
  }

  function hideSketch(target) {
    sketch.hidden = true;
    sketch.width = 0;
    const mark = target ? editor.markOf(target.id) : null;
    if (mark) mark.style.visibility = "";
  }

  function sameRuns(a, b) {
    if (a.x !== b.x || a.y !== b.y || a.width !== b.width || a.height !== b.height || a.runs.length !== b.runs.length) {
      return false;
    }
    return a.runs.every((run, index) => run === b.runs[index]);
  }

  // MARK: drawing the edit layer

  function refresh() {
    painter.flush();
    if (!size && image()) {
      const { width, height } = image();
      size = clamp(Math.round(Math.min(width, height) / 40), 2, 64);
    }
    if (editor.selectedId !== null && !stroke) fresh = false;
    drawControls();
    drawFrame();
    drawCursor();
  }

  /** A dashed box around the selected mask. */
  function drawFrame() {
    const mask = editor.selectedRegion();
    if (!mask || editor.isHidden(mask.id)) {
      frame.setAttribute("display", "none");
      return;
    }
    frame.removeAttribute("display");
    frame.setAttribute("x", mask.crop.x);
    frame.setAttribute("y", mask.crop.y);
    frame.setAttribute("width", mask.crop.width);
    frame.setAttribute("height", mask.crop.height);
  }

  /** The brush's outline at the pointer or the keyboard brush, and the keyboard brush's cross. */
  function drawCursor() {
    const at = penShown ? pen : pointer;
    if (!at || !editor.editable || !size) {
      cursor.setAttribute("display", "none");
      cross.setAttribute("display", "none");
      return;
    }
    const [x, y] = brushCentre(at, size);
    cursor.removeAttribute("display");
    cursor.setAttribute("cx", x);
    cursor.setAttribute("cy", y);
    cursor.setAttribute("r", size / 2);
    cursor.setAttribute("class", `lp-brush lp-brush-${mode}` + (stroke?.byKeyboard ? " lp-brush-down" : ""));
    if (penShown) {
      const reach = crossSize * editor.pixel();
      cross.removeAttribute("display");
      cross.setAttribute("d", `M${x - reach} ${y}H${x + reach}M${x} ${y - reach}V${y + reach}`);
    } else {
      cross.setAttribute("display", "none");
    }
    editor.setHint(penShown ? t(stroke ? "form.masksPenDown" : "form.masksPen") : null);
  }

  // MARK: pointer

  function pointerDown(event) {
    lift();
    hidePen();
    const centre = brushCentre(editor.pointOf(event), size);
    if (!begin(centre, false)) {
      // The eraser on no mask: the press does nothing (it does not pan, as a press with the brush would not).
      event.preventDefault();
      return;
    }
    editor.drag(event, {
      move(next) {
        const events = next.getCoalescedEvents?.() ?? [];
        for (const each of events.length > 0 ? events : [next]) {
          if (stroke) paintTo(brushCentre(editor.pointOf(each), size));
        }
        pointer = editor.pointOf(next);
        drawCursor();
      },
      end(next) {
        if (stroke) paintTo(brushCentre(editor.pointOf(next), size));
        end();
      },
      cancel: discard,
    });
  }

  function hover(event) {
    if (!editor.image) return;
    pointer = editor.pointOf(event);
    if (!penShown) drawCursor();
  }

  const onLeave = () => {
    pointer = null;
    drawCursor();
  };
  // The pointer's moves reach only the active question (`hover`): once another one is, the brush goes.
  const onMove = () => {
    if (pointer && !editor.isActive()) onLeave();
  };
  editor.target.element.addEventListener("pointerleave", onLeave);
  editor.target.element.addEventListener("pointermove", onMove);

  // MARK: keys

  function startFresh(withPen) {
    lift();
    editor.select(null);
    fresh = true;
    if (withPen) showPen();
    refresh();
  }

  function showPen() {
    if (!pen) pen = editor.viewCentre();
    penShown = true;
    drawCursor();
  }

  function hidePen() {
    if (!penShown) return;
    penShown = false;
    drawCursor();
  }

  /** Lifts the keyboard brush: its stroke is done. */
  function lift() {
    if (stroke?.byKeyboard) end();
  }

  function handleKey(event) {
    if (!editor.target.element.contains(event.target)) return false;
    if (event.ctrlKey || event.metaKey) {
      lift();
      return false;
    }
    const arrow = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] }[event.key];
    if (penShown && arrow) {
      const step = event.altKey ? 1 : Math.max(1, Math.round((event.shiftKey ? penStepFar : penStep) * editor.pixel()));
      const { width, height } = image();
      pen = [clamp(pen[0] + arrow[0] * step, 0, width - 0.5), clamp(pen[1] + arrow[1] * step, 0, height - 0.5)];
      if (stroke) paintTo(brushCentre(pen, size));
      drawCursor();
      return true;
    }
    if (event.altKey) return false;
    if (penShown && event.key === " ") {
      if (stroke) end();
      else begin(brushCentre(pen, size), true);
      drawCursor();
      return true;
    }
    if (penShown && event.key === "Escape") {
      lift();
      hidePen();
      return true;
    }
    const code = event.code || "";
    if (event.key === "," || event.key === "<" || code === "Comma" || event.key === "." || event.key === ">" ||
        code === "Period") {
      const up = event.key === "." || event.key === ">" || code === "Period";
      resize(up ? 1 : -1, event.shiftKey);
      if (stroke?.byKeyboard) {
        // A new size starts a new stroke where the brush is.
        end();
        begin(brushCentre(pen, size), true);
      }
      return true;
    }
    if (letter(event, "b")) {
      setMode("brush");
      return true;
    }
    if (letter(event, "e")) {
      setMode("eraser");
      return true;
    }
    if (letter(event, "n")) {
      startFresh(true);
      return true;
    }
    if (letter(event, "c")) {
      if (penShown) {
        lift();
        hidePen();
      } else {
        showPen();
      }
      return true;
    }
    // Any other key ends a keyboard stroke first (selecting another mask mid-stroke would be surprising).
    lift();
    return false;
  }

  function cancel() {
    discard();
    drawCursor();
  }

  function destroy() {
    editor.target.element.removeEventListener("pointerleave", onLeave);
    editor.target.element.removeEventListener("pointermove", onMove);
  }

  drawControls();
  return { pointerDown, hover, handleKey, refresh, cancel, destroy, usesSpace: () => penShown };
}
