/**
 * What the region kinds (`boxes.js`, `polygons.js`, `keypoints.js`, `masks.js`) share: labelled regions of one
 * image field, drawn in one `<svg>` over the image viewer's `imageTarget.overlay` (or, for a kind whose marks
 * are pictures, in an HTML layer under it), with the label buttons, the list of regions (hover, select, hide,
 * lock, remove), the selection, undo and redo, and the keys every kind has. A kind adds its shape: how to read,
 * write, draw, move and grow one region (`spec`) and its own pointer and key handling (`editor.setTool(tool)`).
 *
 * Drawing stays cheap with thousands of regions: a region is an immutable object, a change swaps objects,
 * and only the marks and list rows of swapped objects are touched. Panning and zooming cost nothing here (the
 * viewer moves and scales the overlay as one compositor layer) but a redraw of the selected region's handles;
 * once the view is still, one CSS variable (`--lp-px`, image pixels per screen pixel) makes every stroke width
 * fit the zoom. (`vector-effect: non-scaling-stroke` does not help: Chromium scales strokes by the CSS
 * transform of the overlay anyway.)
 *
 * Marks carry `data-region` (the region's id) and list rows the same; the svg is `svg.lp-regions` with
 * `data-question` and `data-kind`. A kind's tool is `{pointerDown(event, hit), click?(event), dblclick?(event),
 * hover?(event), handleKey?(event), refresh(), cancel?(), usesSpace?(), destroy?()}`: see `createRegionEditor`.
 */

import { t, lang } from "/static/js/i18n.js";
import { element, optionButton } from "/static/js/form-dom.js";
import { clamp, fittingMove, hundredths } from "/static/js/questions/region-geometry.js";

const svgNamespace = "http://www.w3.org/2000/svg";
/** The server's limit of regions in one answer. */
export const maxRegions = 5_000;
/** Undo keeps this many steps. */
const historyDepth = 200;
/** Key presses that move or grow the same region within this time are one undo step. */
const coalesceMilliseconds = 1_000;
/** How long the view must be still before the regions are drawn again at its zoom (ms). */
const settleMilliseconds = 160;
/** A press that moves less than this (screen pixels) before it is released is a click, not a drag. */
export const dragThreshold = 3;

/** A new SVG element with a class. */
export function svgElement(tag, className) {
  const node = document.createElementNS(svgNamespace, tag);
  if (className) node.setAttribute("class", className);
  return node;
}

/**
 * The list's icons, drawn inline (the page's CSP allows no `data:` images), in a 24-pixel box: an eye with a
 * stroke across it when pressed (hidden), a padlock whose shackle closes when pressed (locked). CSS shows
 * the parts that fit the button's `aria-pressed`.
 */
const hideIcon = [
  ["path", { d: "M1 12s4-7 11-7 11 7 11 7-4 7-11 7S1 12 1 12z" }],
  ["circle", { cx: 12, cy: 12, r: 3 }],
  ["path", { d: "M3 3l18 18", class: "lp-icon-on" }],
];
const lockIcon = [
  ["rect", { x: 5, y: 11, width: 14, height: 10, rx: 2 }],
  ["path", { d: "M8 11V7a4 4 0 0 1 7.5-2", class: "lp-icon-off" }],
  ["path", { d: "M8 11V7a4 4 0 0 1 8 0v4", class: "lp-icon-on" }],
];

function icon(parts) {
  const picture = svgElement("svg", "lp-icon");
  picture.setAttribute("viewBox", "0 0 24 24");
  picture.setAttribute("aria-hidden", "true");
  for (const [tag, attributes] of parts) {
    const part = svgElement(tag);
    for (const [name, value] of Object.entries(attributes)) part.setAttribute(name, String(value));
    picture.append(part);
  }
  return picture;
}

/** Whether a key event carries Ctrl or ⌘. */
const commandKey = (event) => event.ctrlKey || event.metaKey;

/** Whether a key event is the letter `name` (lower case), by its character or, under an input method, its key. */
export function isLetter(event, name) {
  return event.key === name || event.key === name.toUpperCase() || event.code === `Key${name.toUpperCase()}`;
}

// MARK: one hub per image

/**
 * Several region questions may mark one image: the hub gives each press, click and focus on it to one of
 * them, the active one if it marks this image, else the first that can edit.
 */
const hubs = new WeakMap();

function hubOf(target) {
  let hub = hubs.get(target);
  if (hub) return hub;
  const viewport = target.element;
  const overlay = target.overlay;
  hub = { editors: [], spaceHeld: false, down: null };
  const owner = () => hub.editors.find((editor) => editor.editable && editor.isActive()) ??
    hub.editors.find((editor) => editor.editable) ?? null;
  hub.owner = owner;
  /** The editor whose svg holds `node`, or null. */
  hub.editorOf = (node) => {
    const root = node?.closest?.("svg.lp-regions");
    return root ? hub.editors.find((editor) => editor.svg === root) ?? null : null;
  };
  /** A click on another question's region: that question becomes active with the region selected. */
  hub.handOver = (node, from) => {
    const mark = node?.closest?.("[data-region]");
    const editor = mark ? hub.editorOf(mark) : null;
    if (!editor || editor === from) return false;
    editor.takeOver();
    editor.select(mark.dataset.region);
    return true;
  };

  const listeners = {
    pointerdown(event) {
      hub.down = null;
      if (event.pointerType === "mouse" && event.button !== 0) return;
      if (!event.isPrimary || hub.spaceHeld) return;
      const editor = owner();
      if (!editor || !editor.ready()) return;
      hub.down = { x: event.clientX, y: event.clientY, editor };
      editor.takeOver();
      editor.pointerDown(event);
      viewport.focus({ preventScroll: true });
      hub.down.consumed = event.defaultPrevented;
    },
    click(event) {
      const down = hub.down;
      hub.down = null;
      if (!down || down.consumed || event.button !== 0) return;
      if (Math.hypot(event.clientX - down.x, event.clientY - down.y) >= dragThreshold) return;
      down.editor.click(event);
    },
    dblclick(event) {
      owner()?.dblclick(event);
    },
    pointermove(event) {
      if (event.pointerType === "mouse" || event.isPrimary) owner()?.hover(event);
    },
    focus() {
      if (!hub.editors.some((editor) => editor.isActive())) owner()?.activate();
    },
    keydown(event) {
      // Space held down makes a press on the image pan it (Photoshop's hand), unless a tool uses Space.
      if (event.key !== " " || commandKey(event) || event.altKey) return;
      const editor = owner();
      if (!editor || !editor.isActive() || editor.usesSpace()) return;
      event.preventDefault();
      hub.spaceHeld = true;
      overlay.classList.add("lp-space-pan");
    },
    keyup(event) {
      if (event.key === " ") release();
    },
    blur: () => release(),
  };
  const release = () => {
    hub.spaceHeld = false;
    overlay.classList.remove("lp-space-pan");
  };
  // One signal removes every listener when the hub is detached.
  const listening = new AbortController();
  const options = { signal: listening.signal };
  overlay.addEventListener("pointerdown", listeners.pointerdown, options);
  viewport.addEventListener("click", listeners.click, options);
  // Before the viewer's own double-click zoom, which stands back when this one prevents it.
  viewport.addEventListener("dblclick", listeners.dblclick, { ...options, capture: true });
  for (const name of ["pointermove", "focus", "keydown", "keyup", "blur"]) {
    viewport.addEventListener(name, listeners[name], options);
  }
  hub.detach = () => {
    listening.abort();
    hubs.delete(target);
  };
  hubs.set(target, hub);
  return hub;
}

// MARK: the editor

/**
 * The shared part of a region question. `spec` is the kind's shape:
 * - `type`: the question type; `idPrefix`: the first letter of ids made here;
 * - `strings`: translation keys `{hint, readOnly, listLabel, count, none, keys: [[keys, key], …]}`;
 * - `parse(raw) → shape | null`: the shape members of one answer element (no label, no id), or null;
 * - `serialize(region) → object`: one answer element, label and id included;
 * - `fits(region, image)`: whether the region lies inside a `{width, height}` image;
 * - `points(region)`: its outline (corners, vertices), for keeping moves inside the image;
 * - `translate(region, dx, dy)`, `grow(region, dx, dy)`: the moved and the grown region (grow: null if not);
 * - `markTag`, `drawMark(node, region)`: the SVG element of a region and how to set its geometry;
 * - `htmlMarks`, `createMark()`: instead of `markTag`, marks are HTML elements (a mask's canvas) made by
 *   `createMark`, in a layer of their own under the svg (`div.lp-region-marks` with `data-question`);
 * - `describe(region)`: its size in words, for the list.
 *
 * Returns the editor, whose `view` the kind returns from `render`.
 */
export function createRegionEditor(question, context, spec) {
  const { readOnly, labelId, changed } = context;
  const labels = Array.isArray(question.labels) ? question.labels.filter((label) => typeof label === "string") : [];
  const shown = context.field(question.field);
  const target = shown?.viewer.imageTarget ?? null;
  const colour = context.claimColours(labels.length);
  const colourOf = (label) => colour(Math.max(0, labels.indexOf(label)));
  const editable = !readOnly && Boolean(target) && labels.length > 0;
  const numbers = new Intl.NumberFormat(lang(), { maximumFractionDigits: 1 });
  // The list's words, looked up once rather than once per row: 2,000 rows are drawn at once.
  const phrase = (key) => {
    const [before, after = ""] = t(key, { region: "\u0001" }).split("\u0001");
    return (name) => before + name + after;
  };
  const words = {
    select: phrase("form.regionSelect"),
    hide: phrase("form.regionHide"),
    lock: phrase("form.regionLock"),
    remove: phrase("form.regionRemove"),
    hideTitle: t("form.regionHideTitle"),
    showTitle: t("form.regionShowTitle"),
    lockTitle: t("form.regionLockTitle"),
    unlockTitle: t("form.regionUnlockTitle"),
    removeTitle: t("form.remove"),
  };

  // MARK: state

  /** The regions in drawing order (last on top): immutable `{id, label, …shape}` objects. */
  let regions = [];
  /** Whether there is an answer: a region was drawn, "nothing to mark" was pressed, or a result had one. */
  let answered = false;
  /** Snapshots of `regions` (null: unanswered) and where in them the answer is. */
  let history = [null];
  let at = 0;
  let lastStep = null;
  /** The image's `{width, height}` once its metadata has arrived. */
  let image = null;
  let selectedId = null;
  let hoverId = null;
  let current = 0;
  let serial = 0;
  /** Every id this question has shown, so that a new region never takes the id of one undo may bring back. */
  const usedIds = new Set();
  /** A region shown while it is dragged, not yet committed. */
  let previewing = null;
  let activeDrag = null;
  const hidden = new Set();
  const locked = new Set();
  /** Region id → its mark; and the list rows drawn (those near the list's scrolled-to part only). */
  const marks = new Map();
  const rows = new Map();
  /** Region id → its place in `regions`. */
  let places = new Map();
  let tool = { pointerDown() {}, refresh() {} };

  // MARK: elements

  const panel = document.createDocumentFragment();
  const group = element("div", "lp-options lp-labels");
  group.setAttribute("aria-label", t("form.regionLabel"));
  const labelCounts = [];
  const buttons = labels.map((label, position) => {
    const button = optionButton(label, position + 1, { className: `lp-option lp-label lp-c${colourOf(label)}`, readOnly });
    const count = element("span", "lp-label-count");
    count.hidden = true;
    button.append(count);
    labelCounts.push(count);
    button.addEventListener("click", () => {
      if (!editable) return;
      editorHandle.takeOver();
      pickLabel(position);
      target.element.focus({ preventScroll: true });
    });
    return button;
  });
  group.append(...buttons);
  const hint = element("p", "lp-hint");
  hint.id = `${labelId}-hint`;
  const keys = element("details", "lp-region-keys");
  const keysSummary = element("summary", null, t("form.regionKeysHeading"));
  const keysList = element("dl");
  for (const [combination, meaning] of spec.strings.keys) {
    const row = element("div");
    const term = element("dt");
    term.append(element("kbd", null, t(combination)));
    row.append(term, element("dd", null, t(meaning)));
    keysList.append(row);
  }
  keys.append(keysSummary, keysList);
  const bar = element("div", "lp-region-bar");
  const count = element("p", "lp-region-count");
  count.setAttribute("aria-live", "polite");
  const nothing = element("button", "lp-region-nothing", t("form.regionsNothing"));
  nothing.type = "button";
  nothing.setAttribute("aria-pressed", "false");
  nothing.addEventListener("click", () => commit(answered && regions.length === 0 ? null : []));
  bar.append(count);
  if (editable) bar.append(nothing);
  const list = element("ul", "lp-region-list");
  list.dataset.regions = question.name;
  list.setAttribute("aria-label", t(spec.strings.listLabel));
  if (labels.length > 0) panel.append(group);
  panel.append(hint);
  if (editable) panel.append(keys);
  panel.append(bar, list);

  const svg = svgElement("svg", "lp-regions" + (editable ? " lp-regions-editable" : ""));
  svg.dataset.question = question.name;
  svg.dataset.kind = spec.type;
  svg.setAttribute("width", "100%");
  svg.setAttribute("height", "100%");
  svg.setAttribute("preserveAspectRatio", "none");
  svg.setAttribute("aria-hidden", "true");
  const markLayer = spec.htmlMarks ?
    element("div", "lp-region-marks lp-region-pictures") :
    svgElement("g", "lp-region-marks");
  const editLayer = svgElement("g", "lp-region-edit");
  if (spec.htmlMarks) {
    markLayer.dataset.question = question.name;
    markLayer.dataset.kind = spec.type;
    svg.append(editLayer);
  } else {
    svg.append(markLayer, editLayer);
  }

  let unsubscribe = null;
  let hub = null;
  let defaultHint = "";
  let lastScale = 0;
  /** The zoom the strokes (`--lp-px`) fit. */
  let strokeScale = 0;
  let settleTimer = 0;
  if (target) {
    const heading = shown.definition.label || shown.definition.name;
    hint.textContent = readOnly ? t(spec.strings.readOnly) : t(spec.strings.hint, { field: heading });
    if (labels.length === 0) hint.textContent = t("form.regionsNoLabels");
    defaultHint = hint.textContent;
    // Pictures go under every svg, so that no question's marks and handles are hidden under a mask.
    if (spec.htmlMarks) target.overlay.insertBefore(markLayer, target.overlay.firstChild);
    target.overlay.append(svg);
    unsubscribe = target.onViewChange(onView);
    if (target.width > 0) onView({ scale: target.scale });
    const described = target.element.getAttribute("aria-describedby");
    target.element.setAttribute("aria-describedby", described ? `${described} ${hint.id}` : hint.id);
  } else {
    hint.textContent = t("form.regionsNoField", { field: String(question.field) });
  }

  /**
   * While the view moves, the viewer moves and scales the overlay as one compositor layer (pixels already
   * drawn): nothing here is restyled or repainted. Once the view has been still for a moment the strokes are
   * made to fit the new zoom (`--lp-px`), which restyles every mark, so only then; the viewer draws the layer
   * sharp at the new zoom at the same moment.
   */
  function onView(view) {
    if (!image && target.width > 0) imageArrived();
    if (!(view.scale > 0)) return;
    if (lastScale === 0) {
      lastScale = view.scale;
      strokeScale = view.scale;
      svg.style.setProperty("--lp-px", String(1 / view.scale));
      tool.refresh();
      return;
    }
    clearTimeout(settleTimer);
    settleTimer = setTimeout(settle, settleMilliseconds);
    if (view.scale !== lastScale) {
      lastScale = view.scale;
      tool.refresh();
    }
  }

  function settle() {
    settleTimer = 0;
    if (strokeScale === lastScale) return;
    strokeScale = lastScale;
    svg.style.setProperty("--lp-px", String(1 / lastScale));
  }

  /** The image's size is known: the svg takes it, and regions that do not fit in it are left out. */
  function imageArrived() {
    image = { width: target.width, height: target.height };
    svg.setAttribute("viewBox", `0 0 ${image.width} ${image.height}`);
    const fitting = regions.filter((region) => spec.fits(region, image));
    if (fitting.length !== regions.length) apply(fitting);
    history = [answered ? regions : null];
    at = 0;
    tool.refresh();
  }

  // MARK: drawing the regions and the list

  function makeMark(region) {
    const mark = spec.createMark ? spec.createMark() : svgElement(spec.markTag);
    mark.setAttribute("class", `lp-mark lp-c${colourOf(region.label)}`);
    mark.dataset.region = region.id;
    spec.drawMark(mark, region);
    if (hidden.has(region.id)) mark.classList.add("lp-hidden");
    if (locked.has(region.id)) mark.classList.add("lp-locked");
    return mark;
  }

  function updateMark(mark, region, before) {
    if (!before || before.label !== region.label) mark.setAttribute("class", markClass(region));
    spec.drawMark(mark, region);
  }

  function markClass(region) {
    let name = `lp-mark lp-c${colourOf(region.label)}`;
    if (region.id === selectedId) name += " lp-selected";
    if (region.id === hoverId) name += " lp-hover";
    if (hidden.has(region.id)) name += " lp-hidden";
    if (locked.has(region.id)) name += " lp-locked";
    return name;
  }

  function makeRow(region) {
    const row = element("li", "lp-region-item");
    row.dataset.region = region.id;
    const show = element("button", "lp-region-show");
    show.type = "button";
    show.dataset.action = "select";
    show.append(element("span", "lp-chip"), element("span", "lp-region-size"));
    row.append(show);
    const hide = toggleButton("hide", "lp-region-hide");
    row.append(hide);
    if (!readOnly) row.append(toggleButton("lock", "lp-region-lock"));
    if (!readOnly) {
      const remove = element("button", "lp-region-remove", "✕");
      remove.type = "button";
      remove.dataset.action = "remove";
      remove.title = words.removeTitle;
      row.append(remove);
    }
    drawRow(row, region);
    return row;
  }

  function toggleButton(action, className) {
    const button = element("button", `lp-region-toggle ${className}`);
    button.type = "button";
    button.dataset.action = action;
    button.setAttribute("aria-pressed", "false");
    button.append(icon(action === "hide" ? hideIcon : lockIcon));
    return button;
  }

  function drawRow(row, region) {
    if (!row) return;
    row.region = region;
    const [show, hide, lock, remove] = row.children;
    const [chip, size] = show.children;
    chip.className = `lp-chip lp-c${colourOf(region.label)}`;
    chip.textContent = region.label;
    const description = spec.describe(region, numbers);
    size.textContent = description;
    const name = `${region.label} ${description}`;
    show.setAttribute("aria-label", words.select(name));
    const isHidden = hidden.has(region.id);
    hide.setAttribute("aria-pressed", String(isHidden));
    hide.setAttribute("aria-label", words.hide(name));
    hide.title = isHidden ? words.showTitle : words.hideTitle;
    if (lock) {
      const isLocked = locked.has(region.id);
      lock.setAttribute("aria-pressed", String(isLocked));
      lock.setAttribute("aria-label", words.lock(name));
      lock.title = isLocked ? words.unlockTitle : words.lockTitle;
    }
    if (remove) remove.setAttribute("aria-label", words.remove(name));
    row.classList.toggle("lp-hidden-region", isHidden);
    row.classList.toggle("lp-selected", region.id === selectedId);
    if (region.id === selectedId) row.setAttribute("aria-current", "true");
    else row.removeAttribute("aria-current");
  }

  /**
   * Shows `next` in place of `regions`, touching only what changed: marks of removed regions go, those of
   * swapped objects are redrawn, new ones are inserted where they stand in `next`; then the list's rows.
   */
  function apply(next) {
    const before = new Map(regions.map((region) => [region.id, region]));
    places = new Map();
    next.forEach((region, index) => places.set(region.id, index));
    for (const [id, mark] of marks) {
      if (places.has(id)) continue;
      mark.remove();
      marks.delete(id);
      if (selectedId === id) selectedId = null;
      if (hoverId === id) hoverId = null;
    }
    // From the last region back, so that each new one goes in before the region that follows it.
    let nextMark = null;
    for (let index = next.length - 1; index >= 0; index--) {
      const region = next[index];
      let mark = marks.get(region.id);
      if (!mark) {
        mark = makeMark(region);
        marks.set(region.id, mark);
        markLayer.insertBefore(mark, nextMark);
      } else if (before.get(region.id) !== region) {
        updateMark(mark, region, before.get(region.id));
      }
      nextMark = mark;
    }
    regions = next;
    drawList();
    drawCounts();
    tool.refresh();
  }

  /**
   * The list draws only the rows near what it shows (and keeps its full height with padding), so that
   * thousands of regions cost a screenful of rows: rows come and go as it scrolls, and each carries
   * `aria-posinset` and `aria-setsize` for its place in the whole list.
   */
  let rowHeight = 0;
  let listFrame = 0;
  const rowsAround = 12;

  const spaceAbove = element("li", "lp-region-space");
  const spaceBelow = element("li", "lp-region-space");
  for (const space of [spaceAbove, spaceBelow]) space.setAttribute("aria-hidden", "true");
  list.append(spaceAbove, spaceBelow);

  function drawList() {
    if (listFrame) cancelAnimationFrame(listFrame);
    listFrame = 0;
    const total = regions.length;
    if (!rowHeight && total > 0) {
      const probe = rows.values().next().value ?? makeRow(regions[0]);
      if (!probe.isConnected) list.insertBefore(probe, spaceBelow);
      rowHeight = probe.offsetHeight;
      if (!rows.has(probe.region.id)) probe.remove();
    }
    const height = rowHeight || 1;
    const shown = list.clientHeight || height * 20;
    const first = Math.max(0, Math.floor(list.scrollTop / height) - rowsAround);
    const last = Math.min(total, Math.ceil((list.scrollTop + shown) / height) + rowsAround);
    const wanted = regions.slice(first, last);
    const keep = new Set(wanted.map((region) => region.id));
    for (const [id, row] of rows) {
      if (keep.has(id)) continue;
      row.remove();
      rows.delete(id);
    }
    let before = spaceAbove.nextElementSibling;
    wanted.forEach((region, offset) => {
      let row = rows.get(region.id);
      if (!row) {
        row = makeRow(region);
        rows.set(region.id, row);
      } else if (row.region !== region) {
        drawRow(row, region);
      }
      row.setAttribute("aria-posinset", String(first + offset + 1));
      row.setAttribute("aria-setsize", String(total));
      if (row !== before) list.insertBefore(row, before);
      else before = before.nextElementSibling;
    });
    spaceAbove.style.height = `${first * height}px`;
    spaceBelow.style.height = `${(total - last) * height}px`;
  }

  list.addEventListener("scroll", () => {
    if (!listFrame) listFrame = requestAnimationFrame(drawList);
  }, { passive: true });
  // The list is built before it is on the page: its rows are measured once it is laid out.
  const listSize = new ResizeObserver(() => {
    if (regions.length > 0 && (!rowHeight || rows.size < regions.length)) {
      rowHeight = 0;
      drawList();
    }
  });
  listSize.observe(list);

  function drawCounts() {
    const perLabel = new Array(labels.length).fill(0);
    let hiddenCount = 0;
    for (const region of regions) {
      const position = labels.indexOf(region.label);
      if (position >= 0) perLabel[position] += 1;
      if (hidden.has(region.id)) hiddenCount += 1;
    }
    labelCounts.forEach((node, position) => {
      node.hidden = perLabel[position] === 0;
      node.textContent = numbers.format(perLabel[position]);
    });
    let text;
    if (regions.length > 0) text = t(spec.strings.count, { count: numbers.format(regions.length) });
    else text = answered ? t("form.regionsNothingMarked") : t(spec.strings.none);
    if (hiddenCount > 0) text += " · " + t("form.regionsHidden", { count: numbers.format(hiddenCount) });
    count.textContent = text;
    nothing.hidden = regions.length > 0;
    nothing.setAttribute("aria-pressed", String(answered && regions.length === 0));
  }

  function drawLabels() {
    buttons.forEach((button, position) => button.setAttribute("aria-pressed", String(position === current)));
  }

  // MARK: changes and history

  /**
   * Makes `next` the answer (null: unanswered) as one step of undo; `step` names a step that later
   * changes of the same kind within a second join (key presses moving one region).
   */
  function commit(next, step = null) {
    cancelDrag();
    const now = performance.now();
    if (step && lastStep && lastStep.name === step && now - lastStep.time < coalesceMilliseconds && at > 0 &&
        at === history.length - 1) {
      history[at] = next;
    } else {
      history.splice(at + 1);
      history.push(next);
      if (history.length > historyDepth) history.shift();
      at = history.length - 1;
    }
    lastStep = step ? { name: step, time: now } : null;
    answered = next !== null;
    apply(next ?? []);
    changed();
  }

  function undo() {
    if (at === 0) return false;
    cancelDrag();
    tool.cancel?.();
    at -= 1;
    restore();
    return true;
  }

  function redo() {
    if (at >= history.length - 1) return false;
    cancelDrag();
    tool.cancel?.();
    at += 1;
    restore();
    return true;
  }

  function restore() {
    lastStep = null;
    answered = history[at] !== null;
    apply(history[at] ?? []);
    if (selectedId && !marks.has(selectedId)) selectedId = null;
    changed();
  }

  /** A region with a new id and the current label, added on top and selected. */
  function add(shape) {
    if (regions.length >= maxRegions) {
      context.showProblem(t("form.regionsTooMany", { max: numbers.format(maxRegions) }));
      return null;
    }
    const region = { ...shape, id: newId(), label: labels[current] };
    commit([...regions, region]);
    select(region.id);
    return region;
  }

  /** The answer with `region` in place of the one with its id. */
  function replaced(region) {
    return regions.map((other) => (other.id === region.id ? region : other));
  }

  function update(region, step = null) {
    commit(replaced(region), step);
  }

  function remove(id) {
    if (locked.has(id)) {
      context.showProblem(t("form.regionLocked"));
      return;
    }
    commit(regions.filter((region) => region.id !== id));
  }

  function newId() {
    let id;
    do id = `${spec.idPrefix}${++serial}`;
    while (usedIds.has(id));
    usedIds.add(id);
    return id;
  }

  // MARK: selection, hover, hide, lock

  function select(id, { reveal = true } = {}) {
    if (id !== null && (!marks.has(id) || hidden.has(id))) id = null;
    if (id === selectedId) return;
    const previous = selectedId;
    selectedId = id;
    for (const other of [previous, id]) {
      if (other === null) continue;
      const region = regionById(other);
      if (!region) continue;
      marks.get(other)?.setAttribute("class", markClass(region));
      drawRow(rows.get(other), region);
    }
    if (id !== null && reveal) revealRow(id);
    tool.refresh();
  }

  function regionById(id) {
    const place = id === null ? undefined : places.get(id);
    return place === undefined ? null : regions[place];
  }

  function setHover(id) {
    if (id === hoverId) return;
    const previous = hoverId;
    hoverId = id;
    for (const other of [previous, id]) {
      if (other === null) continue;
      marks.get(other)?.classList.toggle("lp-hover", other === hoverId);
      rows.get(other)?.classList.toggle("lp-hover", other === hoverId);
    }
  }

  /** Scrolls the list (only the list, never the page) so that the region's row shows. */
  function revealRow(id) {
    const place = places.get(id);
    if (place === undefined || !rowHeight || list.scrollHeight <= list.clientHeight) return;
    const top = place * rowHeight;
    const bottom = top + rowHeight;
    if (top < list.scrollTop) list.scrollTop = top;
    else if (bottom > list.scrollTop + list.clientHeight) list.scrollTop = bottom - list.clientHeight;
    else return;
    drawList();
  }

  function setHidden(id, hide) {
    if (hide) hidden.add(id);
    else hidden.delete(id);
    const region = regionById(id);
    if (!region) return;
    if (hide && selectedId === id) select(null);
    marks.get(id)?.setAttribute("class", markClass(region));
    drawRow(rows.get(id), region);
    drawCounts();
  }

  function setLocked(id, lock) {
    if (lock) locked.add(id);
    else locked.delete(id);
    const region = regionById(id);
    if (!region) return;
    marks.get(id)?.setAttribute("class", markClass(region));
    drawRow(rows.get(id), region);
    tool.refresh();
  }

  /** Selects the next (`step` 1) or previous (−1) visible region; returns whether one was selected. */
  function cycle(step, { wrap = true } = {}) {
    const visible = hidden.size === 0 ? regions : regions.filter((region) => !hidden.has(region.id));
    if (visible.length === 0) return false;
    const position = visible.findIndex((region) => region.id === selectedId);
    let next = position < 0 ? (step > 0 ? 0 : visible.length - 1) : position + step;
    if (next < 0 || next >= visible.length) {
      if (!wrap) return false;
      next = (next + visible.length) % visible.length;
    }
    select(visible[next].id);
    return true;
  }

  function pickLabel(position) {
    current = position;
    drawLabels();
    const region = regionById(selectedId);
    if (!region || region.label === labels[position]) return;
    if (locked.has(region.id)) {
      context.showProblem(t("form.regionLocked"));
      return;
    }
    update({ ...region, label: labels[position] });
  }

  // MARK: list input

  list.addEventListener("click", (event) => {
    const button = event.target.closest?.("button[data-action]");
    const row = button?.closest("li[data-region]");
    if (!button || !row) return;
    const id = row.dataset.region;
    switch (button.dataset.action) {
      case "select":
        if (hidden.has(id)) setHidden(id, false);
        editorHandle.takeOver();
        select(id, { reveal: false });
        break;
      case "hide":
        setHidden(id, !hidden.has(id));
        break;
      case "lock":
        setLocked(id, !locked.has(id));
        break;
      case "remove": {
        const neighbour = row.nextElementSibling ?? row.previousElementSibling;
        remove(id);
        const next = neighbour?.querySelector(".lp-region-remove");
        if (next) next.focus();
        else target?.element.focus();
        break;
      }
    }
  });
  list.addEventListener("pointerover", (event) => {
    const row = event.target.closest?.("li[data-region]");
    if (row) setHover(row.dataset.region);
  });
  list.addEventListener("pointerleave", () => setHover(null));
  list.addEventListener("focusin", (event) => {
    const row = event.target.closest?.("li[data-region]");
    if (row) setHover(row.dataset.region);
  });
  list.addEventListener("focusout", () => setHover(null));
  svg.addEventListener("pointerover", (event) => {
    const mark = event.target.closest?.("[data-region]");
    if (mark && markLayer.contains(mark)) setHover(mark.dataset.region);
  });
  svg.addEventListener("pointerout", (event) => {
    const into = event.relatedTarget?.closest?.("[data-region]");
    if (!into || !markLayer.contains(into)) setHover(null);
  });

  // MARK: pointer drags

  /** The image point under a pointer event, `[x, y]`, not clamped. */
  function pointOf(event) {
    const point = target.toImage(event.clientX, event.clientY);
    return [point.x, point.y];
  }

  /** The image point under a pointer event, inside the image and on whole pixels. */
  function pixelOf(event) {
    const [x, y] = pointOf(event);
    return [clamp(Math.round(x), 0, image.width), clamp(Math.round(y), 0, image.height)];
  }

  /**
   * Follows a press to its release: `move(event)` once it has moved past the click threshold and after
   * each move; `end(event, moved)` on release; `cancel()` if it is cancelled (Escape, undo, lost capture).
   */
  function drag(event, { move, end, cancel }) {
    event.preventDefault();
    const overlay = target.overlay;
    const pointerId = event.pointerId;
    const startX = event.clientX;
    const startY = event.clientY;
    let moved = false;
    try {
      overlay.setPointerCapture(pointerId);
    } catch {
      // A synthetic press has no pointer to capture; moves still arrive over the image.
    }
    const onMove = (next) => {
      if (next.pointerId !== pointerId) return;
      if (!moved && Math.hypot(next.clientX - startX, next.clientY - startY) < dragThreshold) return;
      moved = true;
      move(next);
    };
    const onUp = (next) => {
      if (next.pointerId !== pointerId) return;
      finish();
      end(next, moved);
    };
    const onCancel = (next) => {
      if (next.pointerId !== pointerId) return;
      finish();
      cancel?.();
    };
    const finish = () => {
      overlay.removeEventListener("pointermove", onMove);
      overlay.removeEventListener("pointerup", onUp);
      overlay.removeEventListener("pointercancel", onCancel);
      if (overlay.hasPointerCapture?.(pointerId)) overlay.releasePointerCapture(pointerId);
      activeDrag = null;
    };
    overlay.addEventListener("pointermove", onMove);
    overlay.addEventListener("pointerup", onUp);
    overlay.addEventListener("pointercancel", onCancel);
    activeDrag = {
      cancel() {
        finish();
        cancel?.();
      },
    };
  }

  function cancelDrag() {
    activeDrag?.cancel();
  }

  /** Shows `region` in place of its committed self while it is dragged. */
  function preview(region) {
    previewing = region;
    const mark = marks.get(region.id);
    if (mark) spec.drawMark(mark, region);
    tool.refresh();
  }

  function endPreview({ keep }) {
    const region = previewing;
    previewing = null;
    if (!region) return;
    const committed = regionById(region.id);
    if (keep && committed && committed !== region) {
      update(region);
      return;
    }
    const mark = marks.get(region.id);
    if (mark && committed) spec.drawMark(mark, committed);
    tool.refresh();
  }

  /** The selected region as it is drawn now (its preview while dragged), or null. */
  function selectedRegion() {
    if (previewing && previewing.id === selectedId) return previewing;
    return regionById(selectedId);
  }

  // MARK: keys

  /** The centre of what the viewer shows, in image pixels inside the image. */
  function viewCentre() {
    const box = target.element.getBoundingClientRect();
    const point = target.toImage(box.left + box.width / 2, box.top + box.height / 2);
    return [clamp(point.x, 0, image.width), clamp(point.y, 0, image.height)];
  }

  /** How much of the image (in image pixels) the viewer shows across and down. */
  function viewExtent() {
    const scale = target.scale || 1;
    return [
      Math.min(image.width, target.element.clientWidth / scale),
      Math.min(image.height, target.element.clientHeight / scale),
    ];
  }

  function moveSelected(dx, dy) {
    const region = regionById(selectedId);
    if (!region) return;
    const [x, y] = fittingMove(spec.points(region), dx, dy, image);
    if (x === 0 && y === 0) return;
    update(spec.translate(region, hundredths(x), hundredths(y)), `move:${region.id}`);
  }

  function growSelected(dx, dy) {
    const region = regionById(selectedId);
    if (!region) return;
    const grown = spec.grow(region, dx, dy);
    if (!grown || !spec.fits(grown, image)) return;
    update(grown, `grow:${region.id}`);
  }

  const arrows = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };

  /** Keys while the question is active: the tool's, then what every kind shares. */
  function handleKey(event) {
    if (!target || !image) return false;
    const onImage = target.element.contains(event.target);
    const inPanel = group.contains(event.target) || list.contains(event.target) || bar.contains(event.target) ||
      keys.contains(event.target);
    if (!onImage && !inPanel) return false;
    if (commandKey(event) && !event.altKey && (event.key === "z" || event.key === "Z" || event.code === "KeyZ")) {
      // A shape being drawn (a polygon's points, a keypoint instance's) takes back its own last step first.
      if (editable && onImage && !activeDrag && tool.handleKey?.(event)) return true;
      return event.shiftKey ? redo() : undo();
    }
    if (commandKey(event) && !event.altKey && !event.shiftKey && (event.key === "y" || event.key === "Y")) return redo();
    if (!editable) return false;
    if (inPanel) {
      if (event.key !== "Delete") return false;
      const row = event.target.closest?.("li[data-region]");
      if (!row) return false;
      remove(row.dataset.region);
      target.element.focus();
      return true;
    }
    if (activeDrag) {
      if (event.key === "Escape") {
        cancelDrag();
        return true;
      }
      return false;
    }
    if (tool.handleKey?.(event)) return true;
    if (event.metaKey) return false;
    const selected = regionById(selectedId);
    const key = event.key;
    if (key === "Tab" && !event.ctrlKey && !event.altKey) {
      // Through the regions; past the last one the selection ends and Tab leaves the image as usual.
      if (!selected) return false;
      if (cycle(event.shiftKey ? -1 : 1, { wrap: false })) return true;
      select(null);
      return false;
    }
    if (event.ctrlKey && !arrows[key]) return false;
    if (key === "]" || key === "[") return cycle(key === "]" ? 1 : -1);
    if (key === "Escape") {
      if (!selected) return false;
      select(null);
      return true;
    }
    // Alt+← is the browser's Back: on the image it grows a region, and does nothing without one.
    if (!selected) return Boolean(arrows[key]) && (event.altKey || event.ctrlKey);
    if (key === "Delete" || key === "Backspace") {
      remove(selected.id);
      return true;
    }
    if (!event.altKey && !event.ctrlKey && (key === "h" || key === "H" || event.code === "KeyH")) {
      setHidden(selected.id, true);
      return true;
    }
    if (!event.altKey && !event.ctrlKey && (key === "l" || key === "L" || event.code === "KeyL")) {
      setLocked(selected.id, !locked.has(selected.id));
      return true;
    }
    const direction = arrows[key];
    if (!direction) return false;
    if (locked.has(selected.id)) {
      context.showProblem(t("form.regionLocked"));
      return true;
    }
    const step = event.shiftKey ? 10 : 1;
    if (event.altKey || event.ctrlKey) growSelected(direction[0] * step, direction[1] * step);
    else moveSelected(direction[0] * step, direction[1] * step);
    return true;
  }

  // MARK: answers

  /** The regions of a result's answer that this question can show, reusing the objects already shown. */
  function parseAll(value) {
    const next = [];
    const ids = new Set();
    const shownById = new Map(regions.map((region) => [region.id, region]));
    const given = new Set(value.map((raw) => raw?.id));
    for (const raw of value.slice(0, maxRegions)) {
      if (!raw || typeof raw !== "object" || typeof raw.label !== "string") continue;
      if (!readOnly && !labels.includes(raw.label)) continue;
      const shape = spec.parse(raw);
      if (!shape) continue;
      let id = typeof raw.id === "string" && raw.id.length >= 1 && raw.id.length <= 64 ? raw.id : null;
      if (id === null || ids.has(id)) {
        do id = `${spec.idPrefix}${++serial}`;
        while (ids.has(id) || given.has(id) || usedIds.has(id));
      }
      ids.add(id);
      usedIds.add(id);
      const region = { ...shape, id, label: raw.label };
      if (image && !spec.fits(region, image)) continue;
      const old = shownById.get(id);
      next.push(old && sameRegion(old, region) ? old : region);
    }
    return next;
  }

  function sameRegion(first, second) {
    return JSON.stringify(spec.serialize(first)) === JSON.stringify(spec.serialize(second));
  }

  const view = {
    element: panel,
    getValue: () => (answered ? regions.map((region) => spec.serialize(region)) : undefined),
    setValue(value) {
      const next = Array.isArray(value) ? parseAll(value) : null;
      const same = next === null ? !answered :
        answered && next.length === regions.length && next.every((region, index) => region === regions[index]);
      if (same) return;
      cancelDrag();
      tool.cancel?.();
      answered = next !== null;
      apply(next ?? []);
      history = [next];
      at = 0;
      lastStep = null;
      if (selectedId && !marks.has(selectedId)) select(null);
    },
    check(value) {
      if (Array.isArray(value) && value.length > maxRegions) {
        return t("form.regionsTooMany", { max: numbers.format(maxRegions) });
      }
      return null;
    },
    pick(digit) {
      if (!editable || digit > labels.length) return false;
      pickLabel(digit - 1);
      return true;
    },
    handleKey: target ? handleKey : undefined,
    destroy() {
      cancelDrag();
      tool.destroy?.();
      clearTimeout(settleTimer);
      if (listFrame) cancelAnimationFrame(listFrame);
      listSize.disconnect();
      unsubscribe?.();
      svg.remove();
      if (spec.htmlMarks) markLayer.remove();
      if (hub) {
        hub.editors.splice(hub.editors.indexOf(editorHandle), 1);
        if (hub.editors.length === 0) hub.detach();
      }
    },
  };
  if (target) view.focus = () => target.element.focus();

  /** What the hub and the kind's tool use. */
  const editorHandle = {
    view,
    svg,
    editLayer,
    markLayer,
    target,
    editable,
    labels,
    colourOf,
    get image() {
      return image;
    },
    get selectedId() {
      return selectedId;
    },
    ready: () => editable && image !== null,
    isActive: context.isActive,
    activate: context.activate,
    /** Makes this the active question; the other questions on the image let go of their selections. */
    takeOver() {
      if (!context.isActive()) context.activate();
      for (const other of hub?.editors ?? []) if (other !== editorHandle) other.select(null);
    },
    isLocked: (id) => locked.has(id),
    isHidden: (id) => hidden.has(id),
    currentLabel: () => labels[current],
    /** The regions in drawing order (last on top), as committed. */
    regions: () => regions,
    /** The mark drawn for a region, or undefined. */
    markOf: (id) => marks.get(id),
    regionById,
    selectedRegion,
    select,
    add,
    update,
    remove,
    preview,
    endPreview,
    drag,
    pointOf,
    pixelOf,
    viewCentre,
    viewExtent,
    showProblem: context.showProblem,
    /** Shows `text` as the question's hint (what to do next, while a tool is at work); null: the usual hint. */
    setHint(text) {
      const next = text ?? defaultHint;
      if (hint.textContent !== next) hint.textContent = next;
    },
    /** Puts a kind's own controls (a brush's) in the panel, after the label buttons. */
    addControls(node) {
      hint.before(node);
    },
    /** Image pixels per screen pixel at the current zoom. */
    pixel: () => 1 / (target?.scale || 1),
    /** The own region whose mark is under a pointer event, or null. */
    regionAt(event) {
      const mark = event.target?.closest?.("[data-region]");
      return mark && markLayer.contains(mark) ? regionById(mark.dataset.region) : null;
    },
    handOver: (event) => hub?.handOver(event.target, editorHandle) ?? false,
    setTool(next) {
      tool = next;
      tool.refresh();
    },
    pointerDown: (event) => tool.pointerDown(event),
    click: (event) => tool.click?.(event),
    dblclick: (event) => tool.dblclick?.(event),
    hover: (event) => tool.hover?.(event),
    usesSpace: () => tool.usesSpace?.() ?? false,
  };

  if (target) {
    hub = hubOf(target);
    hub.editors.push(editorHandle);
  }
  drawLabels();
  drawCounts();
  return editorHandle;
}
