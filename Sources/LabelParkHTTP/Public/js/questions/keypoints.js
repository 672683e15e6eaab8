/**
 * The `keypoints` question: labelled instances of a skeleton of named points on an image field,
 * `[{points: {name: [x, y, v]}, label, id}]` in image pixels, `v` 2 for a visible point and 1 for one placed
 * but occluded; a point not placed is left out, and every instance has at least one placed point.
 *
 * An instance is placed point by point in the schema's `points` order: each click places the next point
 * (Shift+click: occluded), X passes over a point that is not there, O marks the last point occluded or
 * visible again, Backspace takes back the last step, Enter ends the instance early and Escape gives it up;
 * after the last point the instance is done. The hint, and a tag by the pointer, name the point to place
 * next. The skeleton's pairs are drawn as lines between placed points. A drag on a point moves it; with an
 * instance selected, `,` and `.` choose one of its points, the arrows then move that point, O and X mark it
 * occluded or take it away, and P places the points it is missing. By keyboard alone, N starts an instance
 * at a cross in the middle of the view that the arrows move and Space places.
 */

import { t } from "/static/js/i18n.js";
import { createRegionEditor, isLetter as letter, svgElement } from "/static/js/questions/regions.js";
import { bounds, clamp, hundredths, insideImage } from "/static/js/questions/region-geometry.js";

/** In screen pixels: the cross, and how far the tag naming the next point stands from the pen. */
const crossSize = 12;
const tagOffset = 12;
/** How far an arrow key moves the cross, in screen pixels (Shift: farther; Alt: one image pixel). */
const penStep = 10;
const penStepFar = 50;

const visible = 2;
const occluded = 1;

/** The keys of a keypoints question, as `[keys, meaning]` translation keys. */
function keysFor() {
  return [
    ["form.keypointKeysPlace", "form.keypointKeysPlaceMeaning"],
    ["form.keypointKeysNew", "form.keypointKeysNewMeaning"],
    ["form.keypointKeysPen", "form.keypointKeysPenMeaning"],
    ["form.keypointKeysSkip", "form.keypointKeysSkipMeaning"],
    ["form.keypointKeysOccluded", "form.keypointKeysOccludedMeaning"],
    ["form.keypointKeysBack", "form.keypointKeysBackMeaning"],
    ["form.keypointKeysFinish", "form.keypointKeysFinishMeaning"],
    ["form.regionKeysSelect", "form.regionKeysSelectMeaning"],
    ["form.keypointKeysPoint", "form.keypointKeysPointMeaning"],
    ["form.keypointKeysMove", "form.keypointKeysMoveMeaning"],
    ["form.keypointKeysMissing", "form.keypointKeysMissingMeaning"],
    ["form.regionKeysLabel", "form.regionKeysLabelMeaning"],
    ["form.regionKeysRemove", "form.regionKeysRemoveMeaning"],
    ["form.regionKeysHide", "form.regionKeysHideMeaning"],
    ["form.regionKeysUndo", "form.regionKeysUndoMeaning"],
    ["form.regionKeysPan", "form.regionKeysPanMeaning"],
  ];
}

/** The schema's point names (strings, each once) and its skeleton as pairs of indices into them. */
function skeletonOf(question) {
  const names = [];
  for (const name of Array.isArray(question.points) ? question.points : []) {
    if (typeof name === "string" && !names.includes(name)) names.push(name);
  }
  const pairs = [];
  for (const pair of Array.isArray(question.skeleton) ? question.skeleton : []) {
    if (!Array.isArray(pair) || pair.length !== 2) continue;
    const first = names.indexOf(pair[0]);
    const second = names.indexOf(pair[1]);
    if (first >= 0 && second >= 0 && first !== second) pairs.push([first, second]);
  }
  return { names, pairs };
}

/** The placed points of an instance as `[x, y]`. */
function placedPoints(instance) {
  const placed = [];
  for (const point of instance.points) if (point) placed.push([point[0], point[1]]);
  return placed;
}

export const keypointsQuestion = {
  type: "keypoints",
  markedField: (question) => question.field,
  shortcuts: () => ({ heading: "form.keypointsKeysHeading", keys: keysFor() }),
  render(question, context) {
    const { names, pairs } = skeletonOf(question);
    const editor = createRegionEditor(question, context, {
      type: "keypoints",
      idPrefix: "k",
      strings: {
        hint: "form.keypointsHint",
        readOnly: "form.keypointsReadOnly",
        listLabel: "form.keypointsListLabel",
        count: "form.keypointCount",
        none: "form.noKeypoints",
        keys: keysFor(),
      },
      // An instance holds its points in the schema's order: `[x, y, v]`, or null where none was placed.
      parse(raw) {
        if (!raw.points || typeof raw.points !== "object" || Array.isArray(raw.points)) return null;
        const points = names.map(() => null);
        let placed = 0;
        for (const [name, point] of Object.entries(raw.points)) {
          const index = names.indexOf(name);
          if (index < 0 || !Array.isArray(point) || point.length !== 3) continue;
          const [x, y, v] = point;
          if (typeof x !== "number" || typeof y !== "number" || !Number.isFinite(x) || !Number.isFinite(y)) continue;
          if (v !== visible && v !== occluded) continue;
          points[index] = [x, y, v];
          placed += 1;
        }
        return placed > 0 ? { points } : null;
      },
      serialize(instance) {
        const points = {};
        instance.points.forEach((point, index) => {
          if (point) points[names[index]] = [point[0], point[1], point[2]];
        });
        return { points, label: instance.label, id: instance.id };
      },
      fits: (instance, image) => insideImage(placedPoints(instance), image),
      points: placedPoints,
      translate: (instance, dx, dy) => ({
        ...instance,
        points: instance.points.map((point) => point &&
          [hundredths(point[0] + dx), hundredths(point[1] + dy), point[2]]),
      }),
      grow(instance, dx, dy) {
        // Spread or gather the points about the top-left corner of their box, as a polygon grows.
        const box = bounds(placedPoints(instance));
        const width = box.maxX - box.minX;
        const height = box.maxY - box.minY;
        if (width === 0 && height === 0) return null;
        const fx = width > 0 ? Math.max(1, width + dx) / width : 1;
        const fy = height > 0 ? Math.max(1, height + dy) / height : 1;
        return {
          ...instance,
          points: instance.points.map((point) => point && [
            hundredths(box.minX + (point[0] - box.minX) * fx),
            hundredths(box.minY + (point[1] - box.minY) * fy),
            point[2],
          ]),
        };
      },
      markTag: "g",
      drawMark(node, instance) {
        drawInstance(node, instance.points, pairs);
      },
      describe(instance, format) {
        const placed = instance.points.filter(Boolean).length;
        const hidden = instance.points.filter((point) => point && point[2] === occluded).length;
        const size = t("form.keypointSize", { placed: format.format(placed), total: format.format(names.length) });
        return hidden > 0 ? `${size} · ${t("form.keypointOccludedCount", { count: format.format(hidden) })}` : size;
      },
    });
    if (editor.target && names.length > 0) editor.setTool(keypointTool(editor, names, pairs));
    else if (editor.target && editor.editable) editor.setHint(t("form.keypointsNoPoints"));
    return editor.view;
  },
};

/**
 * Draws an instance's skeleton into `node` (a `<g>`): a line per pair whose two points are placed, then a
 * circle per placed point (`data-point`: its index; `lp-occluded` when occluded). The circles' radius is
 * CSS (`r`), in screen pixels at any zoom.
 */
function drawInstance(node, points, pairs) {
  const parts = [];
  for (const [first, second] of pairs) {
    const a = points[first];
    const b = points[second];
    if (!a || !b) continue;
    const line = svgElement("line", "lp-bone");
    line.setAttribute("x1", a[0]);
    line.setAttribute("y1", a[1]);
    line.setAttribute("x2", b[0]);
    line.setAttribute("y2", b[1]);
    parts.push(line);
  }
  points.forEach((point, index) => {
    if (!point) return;
    const joint = svgElement("circle", point[2] === occluded ? "lp-joint lp-occluded" : "lp-joint");
    joint.dataset.point = String(index);
    joint.setAttribute("cx", point[0]);
    joint.setAttribute("cy", point[1]);
    parts.push(joint);
  });
  node.replaceChildren(...parts);
}

/** How instances are placed point by point (pointer or keyboard cross), and their points moved and marked. */
function keypointTool(editor, names, pairs) {
  /**
   * The instance being placed: `{points, steps, skipped, next, byKeyboard, existing}`: its points so far,
   * the indices placed or passed over in order (for Backspace), the passed ones, the index to place next,
   * and the id of the instance whose missing points are being placed (null for a new one).
   */
  let drawing = null;
  /** Where the next point goes: the keyboard cross, or the pointer while placing. */
  let pen = null;
  /** The chosen point of the selected instance (its index), and whose it is. */
  let chosen = null;
  let chosenOf = null;

  const sketch = svgElement("g", "lp-keypoint-sketch");
  const handles = svgElement("g", "lp-keypoint-handles");
  const cross = svgElement("path", "lp-pen");
  const tag = svgElement("text", "lp-keypoint-tag");
  editor.editLayer.append(sketch, handles, cross, tag);

  // MARK: drawing the edit layer

  function refresh() {
    const selected = editor.selectedRegion();
    if (!selected || selected.id !== chosenOf || !selected.points[chosen]) {
      chosen = null;
      chosenOf = selected?.id ?? null;
    }
    drawHandles(selected);
    drawSketch();
    drawHint(selected);
  }

  /** A ring per placed point of the selected instance, to drag; the chosen one marked and named. */
  function drawHandles(instance) {
    if (!instance || drawing || !editor.editable || editor.isLocked(instance.id) || editor.isHidden(instance.id)) {
      handles.setAttribute("display", "none");
      if (!drawing) tag.setAttribute("display", "none");
      return;
    }
    handles.removeAttribute("display");
    const rings = [];
    instance.points.forEach((point, index) => {
      if (!point) return;
      const ring = svgElement("circle", "lp-handle lp-joint-handle" + (index === chosen ? " lp-current" : ""));
      ring.dataset.handle = String(index);
      ring.setAttribute("cx", point[0]);
      ring.setAttribute("cy", point[1]);
      rings.push(ring);
    });
    handles.replaceChildren(...rings);
    if (chosen !== null) showTag(names[chosen], instance.points[chosen]);
    else tag.setAttribute("display", "none");
  }

  /** The instance being placed, the line on to the pen, the cross, and the tag naming the next point. */
  function drawSketch() {
    if (!drawing) {
      sketch.setAttribute("display", "none");
      cross.setAttribute("display", "none");
      return;
    }
    sketch.removeAttribute("display");
    sketch.setAttribute("class", `lp-keypoint-sketch lp-c${editor.colourOf(editor.currentLabel())}`);
    drawInstance(sketch, drawing.points, pairs);
    const last = lastPlaced();
    if (pen && last !== null) {
      const trail = svgElement("line", "lp-keypoint-trail");
      trail.setAttribute("x1", drawing.points[last][0]);
      trail.setAttribute("y1", drawing.points[last][1]);
      trail.setAttribute("x2", pen[0]);
      trail.setAttribute("y2", pen[1]);
      sketch.prepend(trail);
    }
    const pixel = editor.pixel();
    if (pen && drawing.byKeyboard) {
      const [x, y] = pen;
      const reach = crossSize * pixel;
      cross.removeAttribute("display");
      cross.setAttribute("d", `M${x - reach} ${y}H${x + reach}M${x} ${y - reach}V${y + reach}`);
    } else {
      cross.setAttribute("display", "none");
    }
    if (pen) showTag(names[drawing.next], pen);
    else tag.setAttribute("display", "none");
  }

  function showTag(text, [x, y]) {
    const pixel = editor.pixel();
    tag.removeAttribute("display");
    tag.textContent = text;
    tag.setAttribute("x", x + tagOffset * pixel);
    tag.setAttribute("y", y - tagOffset * pixel);
  }

  /** What to do next, in the hint under the labels: the point to place, or what the chosen point takes. */
  function drawHint(selected) {
    if (!editor.editable) return;
    if (drawing) {
      const placed = drawing.points.filter(Boolean).length;
      editor.setHint(t(drawing.byKeyboard ? "form.keypointsPlaceNextByKeyboard" : "form.keypointsPlaceNext", {
        point: names[drawing.next],
        number: drawing.next + 1,
        total: names.length,
        placed,
      }));
    } else if (selected && chosen !== null) {
      editor.setHint(t("form.keypointsPointChosen", { point: names[chosen] }));
    } else {
      editor.setHint(t("form.keypointsHint", { point: names[0] }));
    }
  }

  // MARK: placing an instance

  function lastPlaced() {
    for (let step = drawing.steps.length - 1; step >= 0; step--) {
      const index = drawing.steps[step];
      if (drawing.points[index]) return index;
    }
    return null;
  }

  /** Starts placing a new instance, or (`existing`) the points an instance is missing. */
  function start(byKeyboard, existing = null) {
    const points = existing ? existing.points.map((point) => point && point.slice()) : names.map(() => null);
    drawing = { points, steps: [], skipped: new Set(), next: 0, byKeyboard, existing: existing?.id ?? null };
    drawing.next = points.findIndex((point) => !point);
    if (!existing) editor.select(null);
    pen = byKeyboard ? editor.viewCentre().map(Math.round) : pen;
    refresh();
  }

  function cancel() {
    drawing = null;
    pen = null;
    refresh();
  }

  /** Moves on to the next point neither placed nor passed over, in the schema's order; false when none is left. */
  function advance() {
    for (let index = drawing.next + 1; index < names.length; index++) {
      if (!drawing.points[index] && !drawing.skipped.has(index)) {
        drawing.next = index;
        return true;
      }
    }
    return false;
  }

  function place(point, visibility) {
    drawing.points[drawing.next] = [point[0], point[1], visibility];
    drawing.steps.push(drawing.next);
    if (!advance()) finish();
    else refresh();
  }

  function skip() {
    drawing.skipped.add(drawing.next);
    drawing.steps.push(drawing.next);
    if (!advance()) finish();
    else refresh();
  }

  function stepBack() {
    const index = drawing.steps.pop();
    if (index === undefined) {
      if (!drawing.byKeyboard) cancel();
      return;
    }
    drawing.points[index] = null;
    drawing.skipped.delete(index);
    drawing.next = index;
    refresh();
  }

  /** Marks the last point placed occluded, or visible again. */
  function toggleLast() {
    const index = lastPlaced();
    if (index === null) return;
    const point = drawing.points[index];
    point[2] = point[2] === occluded ? visible : occluded;
    refresh();
  }

  /** Ends the instance: added (or the existing one given its new points) if it has a point, else refused. */
  function finish() {
    const points = drawing.points;
    if (!points.some(Boolean)) {
      if (drawing.steps.length === names.length) cancel();
      editor.showProblem(t("form.keypointsNonePlaced"));
      return;
    }
    const existing = drawing.existing ? editor.regionById(drawing.existing) : null;
    drawing = null;
    pen = null;
    if (existing) {
      editor.update({ ...existing, points });
      editor.select(existing.id);
    } else {
      editor.add({ points });
    }
    refresh();
  }

  // MARK: pointer

  function pointerDown(event) {
    // While placing, a click places the next point (see `click`) and a drag pans.
    if (drawing) return;
    const selected = editor.selectedRegion();
    const handle = event.target.closest?.("[data-handle]");
    if (handle && selected && handles.contains(handle)) {
      dragPoint(event, selected, Number(handle.dataset.handle));
      return;
    }
    const hit = editor.regionAt(event);
    if (!hit) return;
    editor.select(hit.id);
    const joint = event.target.closest?.("[data-point]");
    if (joint) {
      chosen = Number(joint.dataset.point);
      chosenOf = hit.id;
      refresh();
    }
    if (editor.isLocked(hit.id)) {
      event.preventDefault();
      return;
    }
    if (joint) {
      dragPoint(event, hit, Number(joint.dataset.point));
      return;
    }
    // On a bone: the whole instance moves.
    const start = editor.pointOf(event);
    editor.drag(event, {
      move(next) {
        const point = editor.pointOf(next);
        const box = bounds(placedPoints(hit));
        const image = editor.image;
        const dx = Math.min(image.width - box.maxX, Math.max(-box.minX, Math.round(point[0] - start[0])));
        const dy = Math.min(image.height - box.maxY, Math.max(-box.minY, Math.round(point[1] - start[1])));
        editor.preview({
          ...hit,
          points: hit.points.map((p) => p && [hundredths(p[0] + dx), hundredths(p[1] + dy), p[2]]),
        });
      },
      end: (_, moved) => editor.endPreview({ keep: moved }),
      cancel: () => editor.endPreview({ keep: false }),
    });
  }

  function dragPoint(event, instance, index) {
    chosen = index;
    chosenOf = instance.id;
    refresh();
    editor.drag(event, {
      move(next) {
        const [x, y] = editor.pixelOf(next);
        const points = instance.points.slice();
        points[index] = [x, y, instance.points[index][2]];
        editor.preview({ ...instance, points });
      },
      end: (_, moved) => editor.endPreview({ keep: moved }),
      cancel: () => editor.endPreview({ keep: false }),
    });
  }

  function click(event) {
    if (!editor.ready()) return;
    const point = editor.pixelOf(event);
    if (drawing) {
      pen = point;
      place(point, event.shiftKey ? occluded : visible);
      return;
    }
    if (editor.handOver(event)) return;
    // A click beside the selected instance starts the next one: placing many in a row costs no extra click.
    start(false);
    pen = point;
    place(point, event.shiftKey ? occluded : visible);
  }

  function dblclick(event) {
    if (!drawing) return;
    // The two clicks of a double-click on an empty image started an instance: it was a zoom, not two points.
    const [first, second] = drawing.steps.map((index) => drawing.points[index]);
    if (!drawing.existing && !drawing.byKeyboard && drawing.steps.length === 2 && first && second &&
        first[0] === second[0] && first[1] === second[1]) {
      cancel();
      return;
    }
    event.preventDefault();
  }

  function hover(event) {
    if (!drawing || !editor.image) return;
    pen = editor.pixelOf(event);
    drawSketch();
  }

  // MARK: keys

  function handleKey(event) {
    if (!editor.target.element.contains(event.target)) return false;
    const command = event.ctrlKey || event.metaKey;
    if (drawing) return placingKey(event, command);
    if (command || event.altKey) return false;
    if (letter(event, "n")) {
      start(true);
      return true;
    }
    const instance = editor.regionById(editor.selectedId);
    if (!instance) return false;
    const code = event.code || "";
    const previous = event.key === "," || event.key === "<" || code === "Comma";
    const following = event.key === "." || event.key === ">" || code === "Period";
    if (previous || following) {
      choosePoint(instance, following ? 1 : -1);
      return true;
    }
    if (event.key === "Escape" && chosen !== null) {
      chosen = null;
      refresh();
      return true;
    }
    if (letter(event, "p")) {
      if (editor.isLocked(instance.id)) editor.showProblem(t("form.regionLocked"));
      else if (instance.points.every(Boolean)) editor.showProblem(t("form.keypointsAllPlaced"));
      else start(true, instance);
      return true;
    }
    if (chosen === null) {
      if (letter(event, "o") || letter(event, "x")) {
        editor.showProblem(t("form.keypointsChooseFirst"));
        return true;
      }
      return false;
    }
    const arrow = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] }[event.key];
    if (!arrow && !letter(event, "o") && !letter(event, "x")) return false;
    if (editor.isLocked(instance.id)) {
      editor.showProblem(t("form.regionLocked"));
      return true;
    }
    const points = instance.points.slice();
    const point = points[chosen];
    if (arrow) {
      const step = event.shiftKey ? 10 : 1;
      const image = editor.image;
      points[chosen] = [
        clamp(hundredths(point[0] + arrow[0] * step), 0, image.width),
        clamp(hundredths(point[1] + arrow[1] * step), 0, image.height),
        point[2],
      ];
      editor.update({ ...instance, points }, `point:${instance.id}:${chosen}`);
    } else if (letter(event, "o")) {
      points[chosen] = [point[0], point[1], point[2] === occluded ? visible : occluded];
      editor.update({ ...instance, points });
    } else if (points.filter(Boolean).length === 1) {
      editor.showProblem(t("form.keypointsLastPoint"));
    } else {
      points[chosen] = null;
      chosen = null;
      editor.update({ ...instance, points });
    }
    return true;
  }

  /** The previous or next placed point of the instance becomes the chosen one (from none: the first or last). */
  function choosePoint(instance, step) {
    const placed = [];
    instance.points.forEach((point, index) => point && placed.push(index));
    if (placed.length === 0) return;
    const position = chosen === null ? -1 : placed.indexOf(chosen);
    const next = position < 0 ? (step > 0 ? 0 : placed.length - 1) : (position + step + placed.length) % placed.length;
    chosen = placed[next];
    chosenOf = instance.id;
    refresh();
  }

  function placingKey(event, command) {
    if (command) {
      // Ctrl+Z while placing takes back the last step, as Backspace does.
      if (!event.altKey && !event.shiftKey && letter(event, "z")) {
        stepBack();
        return true;
      }
      return false;
    }
    if (event.altKey && !event.key.startsWith("Arrow")) return false;
    switch (event.key) {
      case "Enter":
        finish();
        return true;
      case "Backspace":
      case "Delete":
        stepBack();
        return true;
      case "Escape":
        cancel();
        return true;
      case " ":
        if (!pen) pen = editor.viewCentre().map(Math.round);
        place(pen.slice(), event.shiftKey ? occluded : visible);
        return true;
      case "ArrowLeft":
      case "ArrowRight":
      case "ArrowUp":
      case "ArrowDown":
        movePen(event);
        return true;
      default:
        break;
    }
    if (letter(event, "x")) {
      skip();
      return true;
    }
    if (letter(event, "o")) {
      toggleLast();
      return true;
    }
    // N again while placing, and the keys that act on a selection, do nothing rather than something else.
    return letter(event, "n") || letter(event, "p") || event.key === "Tab" || event.key === "[" || event.key === "]";
  }

  function movePen(event) {
    const image = editor.image;
    if (!pen) pen = editor.viewCentre().map(Math.round);
    drawing.byKeyboard = true;
    const step = event.altKey ? 1 : Math.max(1, Math.round((event.shiftKey ? penStepFar : penStep) * editor.pixel()));
    const [dx, dy] = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] }[event.key];
    pen = [clamp(pen[0] + dx * step, 0, image.width), clamp(pen[1] + dy * step, 0, image.height)];
    refresh();
  }

  return { pointerDown, click, dblclick, hover, handleKey, refresh, cancel, usesSpace: () => drawing !== null };
}
