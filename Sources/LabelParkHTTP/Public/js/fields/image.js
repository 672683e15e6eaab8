/**
 * The `image` field viewer: the uploaded image a task names as `"asset:ID"`, fitted to the viewer's box,
 * with zoom and pan by mouse, touch and keyboard and a small toolbar. A small image is one `<img>` moved and
 * scaled with CSS; a large one whose Deep Zoom tiles the server has made is drawn from the tiles the view
 * needs (`image-tiles.js`), so a 20,000-pixel photograph costs what a screenful does. While the tiles are
 * being made the whole image is shown instead, and the viewer switches over when they are ready.
 *
 * The image and the overlay of marks are drawn at one view, their anchor, each in a compositor layer of its
 * own, and the layers are moved and scaled from the anchor to the current view by one CSS transform each. So
 * while the view moves nothing is restyled, repainted or rasterized again (only tiles that arrive are drawn):
 * the compositor moves and scales pixels already drawn. Once the view has been still for a moment, or its
 * zoom has gone far from the anchor's (see `minAnchorRatio`), it becomes the anchor and what it shows is drawn
 * sharp at it.
 *
 * Marking questions (boxes, polygons) draw on `imageTarget`: see the registry's header.
 */

import { t, lang } from "/static/js/i18n.js";
import { element } from "/static/js/form-dom.js";
import { TileLayer } from "/static/js/fields/image-tiles.js";
import {
  deepZoomPyramid,
  fitView,
  isOwnPath,
  layerShift,
  panBy,
  toImagePoint,
  toScreenPoint,
  zoomAt,
} from "/static/js/fields/image-view.js";

/** One zoom step of the keys and buttons: √2, so two steps double. */
const zoomStep = Math.SQRT2;
/** An arrow key pans this share of the viewport (Shift: half of it). */
const panShare = 0.125;
/** While the server makes the tiles, how often to ask again (ms), growing to the last value, and for how long. */
const tilePollDelays = [2_000, 4_000, 8_000, 15_000, 30_000];
const tilePollLimitMs = 15 * 60_000;
/** How long the view must be still before it becomes the anchor, drawn sharp (ms). */
const settleMilliseconds = 160;
/**
 * While the view moves, it becomes the anchor only once its zoom is this far from the anchor's: zoomed out
 * to half, so that a layer never draws much more than a screenful; zoomed in eightfold, past which the
 * magnified picture shows nothing useful. Between the two the compositor scales what was drawn (zooming in
 * magnifies it, blurred), and the view is drawn sharp once it is still: drawing anew while moving costs two
 * or three frames each time (the marks and the visible tiles drawn again, finer tiles loaded).
 */
const minAnchorRatio = 0.5;
const maxAnchorRatio = 8;
/** Brightness and contrast range, in percent; the step of the arrow keys on their sliders is 5. */
const adjustmentRange = { min: 20, max: 300, step: 5 };

/**
 * Brightness and contrast, in percent, kept for the page: a dark mine camera's next frame is just as dark, so
 * the next task opens as the annotator left the last one. They change only how the image is shown.
 */
const adjustments = { brightness: 100, contrast: 100 };

export const imageViewer = {
  type: "image",
  render(field, value, context) {
    return renderImage(field, value, context);
  },
};

/** The asset id of an `"asset:ID"` value, or null. */
function assetId(value) {
  const match = typeof value === "string" ? /^asset:([1-9][0-9]{0,17})$/.exec(value) : null;
  return match ? match[1] : null;
}

/** A value shown inside a message: JSON for what is not a string, and never longer than a line. */
function shortValue(value) {
  const text = typeof value === "string" ? value : JSON.stringify(value) ?? String(value);
  return text.length > 60 ? text.slice(0, 59) + "…" : text;
}

function renderImage(field, value, { labelledBy, readOnly, api, lang: language = lang() }) {
  // MARK: elements
  const root = element("div", "lp-image");
  root.dataset.imageField = field.name;
  root.dataset.state = "loading";

  const toolbar = element("div", "lp-image-toolbar");
  toolbar.setAttribute("role", "toolbar");
  toolbar.setAttribute("aria-label", t("form.imageToolbar"));
  const zoomOutButton = toolButton("zoom-out", "−", t("form.imageZoomOut"), "-");
  const zoomText = element("output", "lp-image-zoom");
  zoomText.setAttribute("aria-label", t("form.imageZoom"));
  const zoomInButton = toolButton("zoom-in", "+", t("form.imageZoomIn"), "+");
  const fitButton = toolButton("fit", t("form.imageFitShort"), t("form.imageFit"), "0");
  const brightnessSlider = adjustmentSlider("brightness", "☀", t("form.imageBrightness"));
  const contrastSlider = adjustmentSlider("contrast", "◐", t("form.imageContrast"));
  const resetButton = toolButton("reset-adjustments", "↺", t("form.imageResetAdjustments"), "");
  resetButton.removeAttribute("aria-keyshortcuts");
  const sizeText = element("span", "lp-image-size");
  const note = element("span", "lp-image-note", t("form.imagePreparingTiles"));
  note.hidden = true;
  toolbar.append(
    zoomOutButton, zoomText, zoomInButton, fitButton, brightnessSlider.label, contrastSlider.label, resetButton,
    sizeText, note,
  );
  const buttons = [zoomOutButton, zoomInButton, fitButton];

  const viewport = element("div", "lp-image-viewport");
  viewport.tabIndex = 0;
  viewport.setAttribute("role", "img");
  if (labelledBy) viewport.setAttribute("aria-labelledby", labelledBy);
  const hint = element("span", "lp-image-hint", t("form.imageHint"));
  hint.id = `${labelledBy || "lp-image-" + field.name}-hint`;
  viewport.setAttribute("aria-describedby", hint.id);
  /** The whole image (small images, and large ones until their tiles are ready), moved and scaled with CSS. */
  const stage = element("div", "lp-image-stage");
  /** For marks: image pixel coordinates, moved and scaled like the image. */
  const overlay = element("div", "lp-image-overlay");
  /** The compositor layers of the whole image and of the overlay: see the header. */
  const stageLayer = element("div", "lp-image-layer");
  const overlayLayer = element("div", "lp-image-layer");
  stageLayer.append(stage);
  overlayLayer.append(overlay);
  // The message and the hint are beside the viewport, not in it: what is inside role="img" is not read out.
  const message = element("p", "lp-image-message", t("form.imageLoading"));
  message.setAttribute("role", "status");
  viewport.append(stageLayer, overlayLayer);
  root.append(toolbar, viewport, message, hint);
  setButtonsEnabled(false);

  // MARK: state
  /** `{width, height}` once the metadata has arrived. */
  let image = null;
  /** `{scale, x, y}`: see image-view.js. */
  let view = { scale: 1, x: 0, y: 0 };
  let box = { width: 0, height: 0 };
  /** The view is the fit and follows the box when it is resized. */
  let fitted = true;
  /** The image has been placed in a box of non-zero size (fitted once). */
  let placed = false;
  let full = null;
  let tiles = null;
  let frame = 0;
  /** Wheel turns since the last frame, applied together by it: `{dx, factor, clientX, clientY}`. */
  let wheel = null;
  /**
   * The view the image and overlay layers are drawn at (`{scale, x, y, width, height, pixelRatio}`), how they
   * are moved, and the view the tiles are drawn at.
   */
  let anchor = null;
  let layerTransform = "";
  let tileAnchor = null;
  /** The view has been still long enough to become the anchor at the next frame; the view drawn last. */
  let still = false;
  let drawn = null;
  let settleTimer = 0;
  let zoomShown = "";
  /** The view last told to `onViewChange` listeners. */
  let notified = null;
  let destroyed = false;
  let pollTimer = 0;
  const fetches = new AbortController();
  const viewListeners = new Set();
  const pointers = new Map();

  function toolButton(action, text, label, key) {
    const button = element("button", "lp-image-tool", text);
    button.type = "button";
    button.dataset.action = action;
    button.setAttribute("aria-label", label);
    button.setAttribute("aria-keyshortcuts", key);
    button.title = label;
    return button;
  }

  /** A labelled range input for one of `adjustments`; its value shows as a percentage to screen readers. */
  function adjustmentSlider(name, symbol, labelText) {
    const label = element("label", "lp-image-adjust");
    label.title = labelText;
    const input = document.createElement("input");
    input.type = "range";
    input.dataset.adjust = name;
    Object.assign(input, { min: adjustmentRange.min, max: adjustmentRange.max, step: adjustmentRange.step });
    input.value = String(adjustments[name]);
    input.setAttribute("aria-label", labelText);
    input.setAttribute("aria-valuetext", `${adjustments[name]}%`);
    label.append(element("span", "lp-image-adjust-symbol", symbol), input);
    return { label, input };
  }

  /** Shows the image with `adjustments`: a CSS filter on the image layers only, so regions keep their colours. */
  function applyAdjustments() {
    const { brightness, contrast } = adjustments;
    if (brightness === 100 && contrast === 100) viewport.style.removeProperty("--lp-image-filter");
    else viewport.style.setProperty("--lp-image-filter", `brightness(${brightness}%) contrast(${contrast}%)`);
    for (const { input } of [brightnessSlider, contrastSlider]) {
      input.value = String(adjustments[input.dataset.adjust]);
      input.setAttribute("aria-valuetext", `${adjustments[input.dataset.adjust]}%`);
    }
    resetButton.setAttribute("aria-disabled", String(brightness === 100 && contrast === 100));
  }

  /** Buttons are marked disabled rather than disabled, so a focused one keeps the focus (and the keys). */
  function setButtonsEnabled(enabled) {
    for (const button of buttons) button.setAttribute("aria-disabled", String(!enabled));
  }

  /** Shows `text` instead of the image: `state` "error" (an alert) or "empty" (no image in the task). */
  function showMessage(text, state) {
    message.textContent = text;
    message.hidden = false;
    message.setAttribute("role", state === "error" ? "alert" : "status");
    root.dataset.state = state;
    // Nothing to zoom or reach by keyboard: the message stands alone.
    toolbar.hidden = true;
    viewport.hidden = true;
    hint.hidden = true;
    note.hidden = true;
  }

  // MARK: loading

  async function load(id) {
    let meta;
    try {
      ({ json: meta } = await api("GET", `/api/v1/assets/${id}`, { signal: fetches.signal }));
    } catch (error) {
      if (destroyed || error?.name === "AbortError") return;
      showMessage(error?.status === 404 ? t("form.imageMissing", { id }) : t("form.imageFailed"), "error");
      return;
    }
    if (destroyed) return;
    const width = meta?.width;
    const height = meta?.height;
    if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
      showMessage(t("form.imageFailed"), "error");
      return;
    }
    if (typeof meta.media_type === "string" && !meta.media_type.startsWith("image/")) {
      showMessage(t("form.imageNotImage", { id, type: meta.media_type }), "error");
      return;
    }
    image = { width, height };
    const contentUrl = isOwnPath(meta.content_url) ? meta.content_url : `/api/v1/assets/${id}/content`;
    viewport.style.aspectRatio = `${width} / ${height}`;
    for (const layer of [stage, overlay]) {
      layer.style.width = `${width}px`;
      layer.style.height = `${height}px`;
    }
    sizeText.textContent = t("form.imageSize", { width: number(width), height: number(height) });
    root.dataset.width = String(width);
    root.dataset.height = String(height);
    const pyramid = meta.tiles_state === "ready" ? deepZoomPyramid(image, meta.tiles) : null;
    if (pyramid) showTiles(pyramid, contentUrl);
    else showFull(contentUrl);
    if (meta.tiles_state === "pending") waitForTiles(id, contentUrl);
    measure();
  }

  /** The whole image as one `<img>`. */
  function showFull(contentUrl) {
    if (full) return;
    full = element("img", "lp-image-full");
    full.alt = "";
    full.draggable = false;
    full.decoding = "async";
    full.width = image.width;
    full.height = image.height;
    full.addEventListener("load", () => {
      if (destroyed || !full) return;
      shown();
    }, { once: true });
    full.addEventListener("error", () => {
      if (destroyed || !full || tiles) return;
      showMessage(t("form.imageFailed"), "error");
    }, { once: true });
    full.src = contentUrl;
    stage.append(full);
  }

  /** The image drawn from its Deep Zoom tiles; the whole image again if even the coarsest tiles fail. */
  function showTiles(pyramid, contentUrl) {
    tiles = new TileLayer(pyramid, {
      onTile() {
        if (!tiles) return;
        if (tiles.baseReady()) {
          shown();
          // The whole image shown while the tiles were made is no longer needed under them.
          if (full) {
            full.removeAttribute("src");
            full.remove();
            full = null;
          }
        }
        schedule();
      },
      onBaseFailed() {
        if (!tiles) return;
        tiles.destroy();
        tiles.element.remove();
        tiles = null;
        showFull(contentUrl);
        schedule();
      },
    });
    viewport.insertBefore(tiles.element, overlayLayer);
    schedule();
  }

  function shown() {
    if (root.dataset.state === "shown") return;
    root.dataset.state = "shown";
    message.hidden = true;
    setButtonsEnabled(true);
  }

  /** Asks again, less and less often, until the server has made the tiles; then draws from them. */
  function waitForTiles(id, contentUrl) {
    note.hidden = false;
    const started = Date.now();
    let attempt = 0;
    const ask = async () => {
      pollTimer = 0;
      let meta = null;
      try {
        ({ json: meta } = await api("GET", `/api/v1/assets/${id}`, { signal: fetches.signal }));
      } catch {
        // Asked again below: a lost answer says nothing about the tiles.
      }
      if (destroyed || root.dataset.state === "error") return;
      const state = meta?.tiles_state;
      const pyramid = state === "ready" ? deepZoomPyramid(image, meta.tiles) : null;
      if (pyramid) {
        note.hidden = true;
        if (!tiles) showTiles(pyramid, contentUrl);
        return;
      }
      if ((meta && state !== "pending") || Date.now() - started > tilePollLimitMs) {
        note.hidden = true;
        return;
      }
      attempt += 1;
      pollTimer = setTimeout(ask, tilePollDelays[Math.min(attempt, tilePollDelays.length - 1)]);
    };
    pollTimer = setTimeout(ask, tilePollDelays[0]);
  }

  // MARK: drawing

  /** Redraws at the next frame (once, however many changes came before it). */
  function schedule() {
    if (!frame && !destroyed) frame = requestAnimationFrame(draw);
  }

  function draw() {
    frame = 0;
    if (!image || box.width === 0 || box.height === 0) return;
    if (wheel) applyWheel();
    const pixelRatio = window.devicePixelRatio || 1;
    placeLayers(pixelRatio);
    tiles?.update(view, box, pixelRatio, tileAnchor);
    viewport.classList.toggle("lp-pixelated", view.scale > 1);
    const zoom = percent(view.scale);
    if (zoom !== zoomShown) {
      zoomShown = zoom;
      zoomText.textContent = zoom;
    }
    root.dataset.zoom = String(view.scale);
    const snapshot = currentView();
    if (notified && ["scale", "x", "y", "width", "height"].every((key) => notified[key] === snapshot[key])) return;
    notified = snapshot;
    for (const listener of viewListeners) listener(snapshot);
  }

  /**
   * Makes the view the anchor of the image and overlay layers, and of the tiles, when it is still, the first
   * time, or too far from the anchor (see the header): they are then drawn at it. At most one of the two is
   * drawn anew in a frame while the view moves, so that their costs never meet in one frame. Then moves the
   * layers from their anchor to the view.
   */
  function placeLayers(pixelRatio) {
    const fresh = (from) => !from || from.width !== box.width || from.height !== box.height ||
      from.pixelRatio !== pixelRatio;
    const due = (from) => {
      if (fresh(from)) return true;
      if (from.scale === view.scale && from.x === view.x && from.y === view.y) return false;
      const ratio = view.scale / from.scale;
      return still || ratio < minAnchorRatio || ratio > maxAnchorRatio;
    };
    const anchorHere = () =>
      ({ scale: view.scale, x: view.x, y: view.y, width: box.width, height: box.height, pixelRatio });
    let spare = 1;
    if (due(anchor) && (fresh(anchor) || spare-- > 0)) {
      anchor = anchorHere();
      const transform = `translate(${anchor.x}px, ${anchor.y}px) scale(${anchor.scale})`;
      stage.style.transform = transform;
      overlay.style.transform = transform;
    }
    let waiting = false;
    if (tiles && due(tileAnchor)) {
      if (fresh(tileAnchor) || spare-- > 0) tileAnchor = anchorHere();
      else waiting = true;
    }
    // A tile anchor put off until the next frame keeps the view's stillness for it.
    still = still && waiting;
    if (waiting) schedule();
    const transform = layerShift(view, anchor);
    if (transform !== layerTransform) {
      layerTransform = transform;
      stageLayer.style.transform = transform;
      overlayLayer.style.transform = transform;
    }
    // The view is still once no frame has moved it for a while (a tile arriving draws a frame too).
    const shifted = transform !== "none" || (tiles !== null && layerShift(view, tileAnchor) !== "none");
    const changed = !drawn || drawn.scale !== view.scale || drawn.x !== view.x || drawn.y !== view.y;
    drawn = view;
    if (!shifted || changed) {
      clearTimeout(settleTimer);
      settleTimer = 0;
    }
    if (shifted && !settleTimer) {
      settleTimer = setTimeout(() => {
        settleTimer = 0;
        still = true;
        schedule();
      }, settleMilliseconds);
    }
  }

  function currentView() {
    return { scale: view.scale, x: view.x, y: view.y, width: box.width, height: box.height };
  }

  function setView(next, { fit = false } = {}) {
    view = next;
    fitted = fit;
    schedule();
  }

  const resizes = new ResizeObserver(() => measure());
  resizes.observe(viewport);

  /** Reads the viewport's inner size; fits the image the first time and while fitted, else keeps its centre. */
  function measure() {
    const previous = box;
    box = { width: viewport.clientWidth, height: viewport.clientHeight };
    if (!image || box.width === 0 || box.height === 0) return;
    if (!placed || fitted) {
      placed = true;
      setView(fitView(image, box), { fit: true });
    } else if (box.width !== previous.width || box.height !== previous.height) {
      setView(panBy(view, (box.width - previous.width) / 2, (box.height - previous.height) / 2, image, box));
    }
  }

  // Made once: the zoom is shown at every frame of a zoom.
  const percents = [0, 1].map((digits) =>
    new Intl.NumberFormat(language, { style: "percent", maximumFractionDigits: digits }));

  function percent(scale) {
    return percents[scale < 0.1 ? 1 : 0].format(scale);
  }

  function number(value) {
    return new Intl.NumberFormat(language).format(value);
  }

  // MARK: zoom and pan

  const ready = () => placed && root.dataset.state !== "error";

  function zoomAround(factor, px = box.width / 2, py = box.height / 2) {
    if (!ready()) return;
    setView(zoomAt(view, factor, px, py, image, box));
  }

  function fit() {
    if (!ready()) return;
    setView(fitView(image, box), { fit: true });
  }

  function pan(dx, dy) {
    if (!ready()) return;
    setView(panBy(view, dx, dy, image, box));
  }

  /** The viewport point (CSS pixels from its inner top-left) of a client point. */
  function local(clientX, clientY) {
    const rect = viewport.getBoundingClientRect();
    return { x: clientX - rect.left - viewport.clientLeft, y: clientY - rect.top - viewport.clientTop };
  }

  // Wheel turns are gathered and applied once per frame, by the frame (`applyWheel`): a mouse or trackpad may
  // send several per frame, and reading where the viewport is here would lay out the page for each.
  const onWheel = (event) => {
    if (!ready()) return;
    event.preventDefault();
    const unit = event.deltaMode === 1 ? 16 : event.deltaMode === 2 ? box.height : 1;
    wheel ??= { dx: 0, factor: 1, clientX: 0, clientY: 0 };
    if (event.deltaX !== 0 && !event.ctrlKey) wheel.dx -= event.deltaX * unit;
    if (event.deltaY !== 0) {
      // A trackpad pinch arrives as a wheel with Ctrl and small steps.
      const perPixel = event.ctrlKey ? 0.01 : 0.002;
      wheel.factor *= Math.min(2, Math.max(0.5, Math.exp(-event.deltaY * unit * perPixel)));
    }
    wheel.clientX = event.clientX;
    wheel.clientY = event.clientY;
    schedule();
  };

  /** The wheel turns gathered since the last frame: the pan, then the zoom around the pointer. */
  function applyWheel() {
    const { dx, factor, clientX, clientY } = wheel;
    wheel = null;
    if (!ready() || (dx === 0 && factor === 1)) return;
    if (dx !== 0) view = panBy(view, dx, 0, image, box);
    if (factor !== 1) {
      const { x, y } = local(clientX, clientY);
      view = zoomAt(view, factor, x, y, image, box);
    }
    fitted = false;
  }

  const onDoubleClick = (event) => {
    if (!ready() || event.defaultPrevented) return;
    event.preventDefault();
    const { x, y } = local(event.clientX, event.clientY);
    zoomAround(event.shiftKey ? 0.5 : 2, x, y);
  };

  // One pointer pans, two pinch. A mark tool that takes a press calls preventDefault() on its pointerdown
  // (on the overlay, before it reaches here), and the press then does not pan.
  const onPointerDown = (event) => {
    if (!ready()) return;
    const middle = event.pointerType === "mouse" && event.button === 1;
    if (event.defaultPrevented && !middle) return;
    if (event.pointerType === "mouse" && event.button !== 0 && !middle) return;
    event.preventDefault();
    viewport.focus({ preventScroll: true });
    viewport.setPointerCapture(event.pointerId);
    pointers.set(event.pointerId, local(event.clientX, event.clientY));
    viewport.classList.add("lp-grabbing");
  };

  const onPointerMove = (event) => {
    const last = pointers.get(event.pointerId);
    if (!last || !ready()) return;
    const point = local(event.clientX, event.clientY);
    if (pointers.size === 1) {
      pointers.set(event.pointerId, point);
      pan(point.x - last.x, point.y - last.y);
      return;
    }
    const [other] = [...pointers.entries()].filter(([id]) => id !== event.pointerId).map(([, p]) => p);
    const before = Math.hypot(last.x - other.x, last.y - other.y);
    const after = Math.hypot(point.x - other.x, point.y - other.y);
    pointers.set(event.pointerId, point);
    if (before < 1) return;
    const middle = { x: (point.x + other.x) / 2, y: (point.y + other.y) / 2 };
    const shifted = panBy(view, (point.x - last.x) / 2, (point.y - last.y) / 2, image, box);
    setView(zoomAt(shifted, after / before, middle.x, middle.y, image, box));
  };

  const onPointerEnd = (event) => {
    if (!pointers.delete(event.pointerId)) return;
    if (pointers.size === 0) viewport.classList.remove("lp-grabbing");
  };

  const onToolbarClick = (event) => {
    const button = event.target.closest?.("button[data-action]");
    if (!button || button.getAttribute("aria-disabled") === "true") return;
    if (button.dataset.action === "zoom-in") zoomAround(zoomStep);
    else if (button.dataset.action === "zoom-out") zoomAround(1 / zoomStep);
    else if (button.dataset.action === "fit") fit();
    else if (button.dataset.action === "reset-adjustments") {
      adjustments.brightness = 100;
      adjustments.contrast = 100;
      applyAdjustments();
    }
  };

  const onAdjust = (event) => {
    const name = event.target?.dataset?.adjust;
    if (!name) return;
    const value = Number(event.target.value);
    if (!Number.isFinite(value)) return;
    adjustments[name] = Math.min(adjustmentRange.max, Math.max(adjustmentRange.min, value));
    applyAdjustments();
  };

  /**
   * The viewer's keys while focus is inside it: + or = zoom in, - zoom out, 0 fits, arrows pan (Shift: by
   * half the view). Digits 1–9 and Enter stay the form's.
   */
  function handleKey(event) {
    if (!ready() || event.ctrlKey || event.metaKey || event.altKey) return false;
    // The brightness and contrast sliders take their own arrow keys.
    if (event.target?.closest?.(".lp-image-adjust")) return false;
    const key = event.key;
    const code = event.code || "";
    if (key === "+" || key === "=" || code === "NumpadAdd") {
      zoomAround(zoomStep);
      return true;
    }
    if (key === "-" || key === "_" || code === "NumpadSubtract") {
      zoomAround(1 / zoomStep);
      return true;
    }
    if (key === "0" || (!event.shiftKey && (code === "Digit0" || code === "Numpad0"))) {
      fit();
      return true;
    }
    const share = event.shiftKey ? 0.5 : panShare;
    switch (key) {
      case "ArrowLeft":
        pan(box.width * share, 0);
        return true;
      case "ArrowRight":
        pan(-box.width * share, 0);
        return true;
      case "ArrowUp":
        pan(0, box.height * share);
        return true;
      case "ArrowDown":
        pan(0, -box.height * share);
        return true;
      default:
        return false;
    }
  }

  // A read-only form passes no keys to its viewers; zooming is still reading, so listen here then.
  const onKeyDown = (event) => {
    if (event.defaultPrevented || event.isComposing) return;
    if (handleKey(event)) {
      event.preventDefault();
      event.stopPropagation();
    }
  };

  viewport.addEventListener("wheel", onWheel, { passive: false });
  viewport.addEventListener("dblclick", onDoubleClick);
  viewport.addEventListener("pointerdown", onPointerDown);
  viewport.addEventListener("pointermove", onPointerMove);
  viewport.addEventListener("pointerup", onPointerEnd);
  viewport.addEventListener("pointercancel", onPointerEnd);
  toolbar.addEventListener("click", onToolbarClick);
  toolbar.addEventListener("input", onAdjust);
  applyAdjustments();
  if (readOnly) root.addEventListener("keydown", onKeyDown);

  // MARK: start

  const id = assetId(value);
  if (value === undefined || value === null || value === "") showMessage(t("form.imageNone"), "empty");
  else if (!id) showMessage(t("form.imageBadValue", { value: shortValue(value) }), "error");
  else if (typeof api !== "function") showMessage(t("form.imageFailed"), "error");
  else load(id).catch(() => { if (!destroyed) showMessage(t("form.imageFailed"), "error"); });

  const imageTarget = {
    get width() { return image?.width ?? 0; },
    get height() { return image?.height ?? 0; },
    get scale() { return view.scale; },
    element: viewport,
    overlay,
    toImage(clientX, clientY) {
      const point = local(clientX, clientY);
      return toImagePoint(view, point.x, point.y);
    },
    toScreen(x, y) {
      const point = toScreenPoint(view, x, y);
      const rect = viewport.getBoundingClientRect();
      return { x: point.x + rect.left + viewport.clientLeft, y: point.y + rect.top + viewport.clientTop };
    },
    onViewChange(callback) {
      viewListeners.add(callback);
      return () => viewListeners.delete(callback);
    },
  };

  return {
    element: root,
    imageTarget,
    handleKey: readOnly ? undefined : handleKey,
    destroy() {
      destroyed = true;
      fetches.abort();
      clearTimeout(pollTimer);
      clearTimeout(settleTimer);
      if (frame) cancelAnimationFrame(frame);
      frame = 0;
      resizes.disconnect();
      viewport.removeEventListener("wheel", onWheel);
      viewport.removeEventListener("dblclick", onDoubleClick);
      viewport.removeEventListener("pointerdown", onPointerDown);
      viewport.removeEventListener("pointermove", onPointerMove);
      viewport.removeEventListener("pointerup", onPointerEnd);
      viewport.removeEventListener("pointercancel", onPointerEnd);
      toolbar.removeEventListener("click", onToolbarClick);
      toolbar.removeEventListener("input", onAdjust);
      root.removeEventListener("keydown", onKeyDown);
      tiles?.destroy();
      tiles = null;
      full?.removeAttribute("src");
      full = null;
      viewListeners.clear();
      pointers.clear();
    },
  };
}
