/**
 * The `boxes` question: labelled rectangles on an image field, `[{x, y, width, height, label, rotation?, id}]`
 * in image pixels (`rotation`, degrees clockwise about the centre, only when the schema has
 * `"rotation": true`). A drag on the image draws a box with the chosen label, a click selects one, a drag
 * on the selected box moves it and its handles resize (and turn) it. By keyboard, with the image focused:
 * N adds a box in the middle of the view, and the keys of `regions.js` select, move, grow and remove it;
 * `<` and `>` turn it.
 */

import { t } from "/static/js/i18n.js";
import { createRegionEditor, svgElement } from "/static/js/questions/regions.js";
import {
  boxCentre,
  boxCorners,
  fitTurnedBox,
  fittingMove,
  growBox,
  hundredths,
  insideImage,
  normalAngle,
  resizeBox,
} from "/static/js/questions/region-geometry.js";

/** Handles in screen pixels: their size, and how far the turning handle stands above the box. */
const handleSize = 9;
const turnReach = 26;
const handles = ["nw", "n", "ne", "e", "se", "s", "sw", "w"];

/** A box's members, rounded to hundredths of a pixel. */
function tidy(box) {
  return {
    ...box,
    x: hundredths(box.x),
    y: hundredths(box.y),
    width: hundredths(box.width),
    height: hundredths(box.height),
    rotation: hundredths(box.rotation || 0),
  };
}

/**
 * A box rounded to hundredths that still lies inside the image: rounding a turned box can push a corner
 * that touched an edge just past it, and the box then moves back in by whole hundredths. (A box further
 * out is left as it is, for the caller to refuse.)
 */
function tidyInside(box, image) {
  const next = tidy(box);
  const [dx, dy] = fittingMove(boxCorners(next), 0, 0, image);
  if ((dx === 0 && dy === 0) || Math.abs(dx) > 0.05 || Math.abs(dy) > 0.05) return next;
  const inward = (value) => (Math.sign(value) * Math.ceil(Math.abs(value) * 100)) / 100;
  return tidy({ ...next, x: next.x + inward(dx), y: next.y + inward(dy) });
}

/** The keys of a boxes question, as `[keys, meaning]` translation keys (turning only where boxes turn). */
function keysFor(turns) {
  return [
    ["form.boxKeysDraw", "form.boxKeysDrawMeaning"],
    ["form.boxKeysNew", "form.boxKeysNewMeaning"],
    ["form.regionKeysSelect", "form.regionKeysSelectMeaning"],
    ["form.regionKeysMove", "form.regionKeysMoveMeaning"],
    ["form.regionKeysGrow", "form.regionKeysGrowMeaning"],
    ...(turns ? [["form.boxKeysTurn", "form.boxKeysTurnMeaning"]] : []),
    ["form.regionKeysLabel", "form.regionKeysLabelMeaning"],
    ["form.regionKeysRemove", "form.regionKeysRemoveMeaning"],
    ["form.regionKeysHide", "form.regionKeysHideMeaning"],
    ["form.regionKeysUndo", "form.regionKeysUndoMeaning"],
    ["form.regionKeysPan", "form.regionKeysPanMeaning"],
  ];
}

export const boxesQuestion = {
  type: "boxes",
  markedField: (question) => question.field,
  shortcuts: (question) => ({ heading: "form.boxesKeysHeading", keys: keysFor(question.rotation === true) }),
  render(question, context) {
    const turns = question.rotation === true;
    const keys = keysFor(turns);
    const editor = createRegionEditor(question, context, {
      type: "boxes",
      idPrefix: "b",
      strings: {
        hint: turns ? "form.boxesHintTurn" : "form.boxesHint",
        readOnly: "form.boxesReadOnly",
        listLabel: "form.boxesListLabel",
        count: "form.boxCount",
        none: "form.noBoxes",
        keys,
      },
      parse(raw) {
        const numbers = [raw.x, raw.y, raw.width, raw.height];
        if (!numbers.every((value) => typeof value === "number" && Number.isFinite(value))) return null;
        if (raw.width <= 0 || raw.height <= 0) return null;
        let rotation = 0;
        if (raw.rotation !== undefined) {
          if (typeof raw.rotation !== "number" || !Number.isFinite(raw.rotation) || Math.abs(raw.rotation) > 360) return null;
          rotation = raw.rotation;
        }
        // A turned box cannot be shown as it is where the schema does not allow turning.
        if (!turns && rotation % 360 !== 0) return null;
        return { x: raw.x, y: raw.y, width: raw.width, height: raw.height, rotation: turns ? rotation : 0 };
      },
      serialize(box) {
        const answer = { x: box.x, y: box.y, width: box.width, height: box.height, label: box.label };
        if (turns) answer.rotation = box.rotation;
        answer.id = box.id;
        return answer;
      },
      fits: (box, image) => insideImage(boxCorners(box), image),
      points: boxCorners,
      translate: (box, dx, dy) => tidy({ ...box, x: box.x + dx, y: box.y + dy }),
      grow: (box, dx, dy) => tidy(growBox(box, dx, dy)),
      markTag: "rect",
      drawMark(node, box) {
        node.setAttribute("x", box.x);
        node.setAttribute("y", box.y);
        node.setAttribute("width", box.width);
        node.setAttribute("height", box.height);
        if (box.rotation) node.setAttribute("transform", `rotate(${box.rotation} ${box.x + box.width / 2} ${box.y + box.height / 2})`);
        else node.removeAttribute("transform");
      },
      describe(box, numbers) {
        const size = t("form.regionSize", { width: numbers.format(box.width), height: numbers.format(box.height) });
        return box.rotation ? `${size} · ${numbers.format(box.rotation)}°` : size;
      },
    });
    if (editor.target) editor.setTool(boxTool(editor, turns));
    return editor.view;
  },
};

/** How boxes are drawn, selected, moved, resized and turned with the pointer, and added by keyboard. */
function boxTool(editor, turns) {
  /** The handles of the selected box, turned with it; built once. */
  const frame = svgElement("g", "lp-box-handles");
  const stem = svgElement("line", "lp-turn-stem");
  const turnHandle = svgElement("circle", "lp-handle lp-turn-handle");
  turnHandle.dataset.handle = "turn";
  const squares = handles.map((name) => {
    const square = svgElement("rect", `lp-handle lp-handle-${name}`);
    square.dataset.handle = name;
    return square;
  });
  if (turns) frame.append(stem, turnHandle);
  frame.append(...squares);
  /** The box being drawn. */
  const sketch = svgElement("rect", "lp-sketch");
  sketch.setAttribute("display", "none");
  editor.editLayer.append(frame, sketch);

  function refresh() {
    const box = editor.selectedRegion();
    if (!box || !editor.editable || editor.isLocked(box.id) || editor.isHidden(box.id)) {
      frame.setAttribute("display", "none");
      return;
    }
    frame.removeAttribute("display");
    const pixel = editor.pixel();
    const size = handleSize * pixel;
    const [cx, cy] = boxCentre(box);
    frame.setAttribute("transform", box.rotation ? `rotate(${box.rotation} ${cx} ${cy})` : "");
    const xs = { w: box.x, "": cx, e: box.x + box.width };
    const ys = { n: box.y, "": cy, s: box.y + box.height };
    handles.forEach((name, index) => {
      const vertical = name.includes("n") ? "n" : name.includes("s") ? "s" : "";
      const horizontal = name.includes("w") ? "w" : name.includes("e") ? "e" : "";
      const square = squares[index];
      square.setAttribute("x", xs[horizontal] - size / 2);
      square.setAttribute("y", ys[vertical] - size / 2);
      square.setAttribute("width", size);
      square.setAttribute("height", size);
    });
    if (turns) {
      const top = box.y - turnReach * pixel;
      stem.setAttribute("x1", cx);
      stem.setAttribute("x2", cx);
      stem.setAttribute("y1", box.y);
      stem.setAttribute("y2", top);
      turnHandle.setAttribute("cx", cx);
      turnHandle.setAttribute("cy", top);
      turnHandle.setAttribute("r", size / 1.6);
    }
  }

  function showSketch(start, end) {
    sketch.removeAttribute("display");
    sketch.setAttribute("x", Math.min(start[0], end[0]));
    sketch.setAttribute("y", Math.min(start[1], end[1]));
    sketch.setAttribute("width", Math.abs(end[0] - start[0]));
    sketch.setAttribute("height", Math.abs(end[1] - start[1]));
    sketch.setAttribute("class", `lp-sketch lp-c${editor.colourOf(editor.currentLabel())}`);
  }

  function hideSketch() {
    sketch.setAttribute("display", "none");
  }

  /** The box turned so that its turning handle points at `point`; null where it would not fit. */
  function turnedTowards(box, point, snap) {
    const [cx, cy] = boxCentre(box);
    let angle = (Math.atan2(point[1] - cy, point[0] - cx) * 180) / Math.PI + 90;
    angle = snap ? Math.round(angle / 15) * 15 : Math.round(angle);
    const turned = fitTurnedBox(box, normalAngle(angle), editor.image);
    return turned && tidyInside(turned, editor.image);
  }

  function pointerDown(event) {
    const selected = editor.selectedRegion();
    const handle = event.target.closest?.("[data-handle]");
    if (handle && selected && frame.contains(handle)) {
      const original = selected;
      const name = handle.dataset.handle;
      editor.drag(event, {
        move(next) {
          const point = name === "turn" ? editor.pointOf(next) : editor.pixelOf(next);
          const box = name === "turn" ? turnedTowards(original, point, next.shiftKey) :
            tidyInside(resizeBox(original, name, point), editor.image);
          if (box && editor.image && insideImage(boxCorners(box), editor.image)) editor.preview(box);
        },
        end: (_, moved) => editor.endPreview({ keep: moved }),
        cancel: () => editor.endPreview({ keep: false }),
      });
      return;
    }
    const hit = editor.regionAt(event);
    if (hit && hit.id === editor.selectedId && !editor.isLocked(hit.id)) {
      const original = hit;
      const start = editor.pointOf(event);
      editor.drag(event, {
        move(next) {
          const point = editor.pointOf(next);
          const corners = boxCorners(original);
          let dx = Math.round(point[0] - start[0]);
          let dy = Math.round(point[1] - start[1]);
          const image = editor.image;
          // Kept inside the image, however far the pointer goes.
          const xs = corners.map(([x]) => x);
          const ys = corners.map(([, y]) => y);
          dx = Math.min(image.width - Math.max(...xs), Math.max(-Math.min(...xs), dx));
          dy = Math.min(image.height - Math.max(...ys), Math.max(-Math.min(...ys), dy));
          editor.preview(tidy({ ...original, x: original.x + dx, y: original.y + dy }));
        },
        end: (_, moved) => editor.endPreview({ keep: moved }),
        cancel: () => editor.endPreview({ keep: false }),
      });
      return;
    }
    // Elsewhere, on a box not selected too: a drag draws a new box, a click selects what is under it.
    const start = editor.pixelOf(event);
    let end = start;
    editor.drag(event, {
      move(next) {
        end = editor.pixelOf(next);
        showSketch(start, end);
      },
      end(_, moved) {
        hideSketch();
        if (!moved) {
          if (hit) editor.select(hit.id);
          else if (!editor.handOver(event)) editor.select(null);
          return;
        }
        const width = Math.abs(end[0] - start[0]);
        const height = Math.abs(end[1] - start[1]);
        if (width < 1 || height < 1) return;
        editor.add({ x: Math.min(start[0], end[0]), y: Math.min(start[1], end[1]), width, height, rotation: 0 });
      },
      cancel: hideSketch,
    });
  }

  /** N: a new box in the middle of the view, a fifth of what the view shows across. */
  function addByKeyboard() {
    const image = editor.image;
    const [cx, cy] = editor.viewCentre();
    const [across, down] = editor.viewExtent();
    const side = Math.max(1, Math.min(image.width, image.height, Math.round(Math.min(across, down) / 5)));
    const x = Math.min(image.width - side, Math.max(0, Math.round(cx - side / 2)));
    const y = Math.min(image.height - side, Math.max(0, Math.round(cy - side / 2)));
    editor.add({ x, y, width: side, height: side, rotation: 0 });
  }

  function turnSelected(degrees) {
    const box = editor.regionById(editor.selectedId);
    if (!box) return;
    if (editor.isLocked(box.id)) {
      editor.showProblem(t("form.regionLocked"));
      return;
    }
    const turned = fitTurnedBox(box, normalAngle(hundredths((box.rotation || 0) + degrees)), editor.image);
    if (turned) editor.update(tidyInside(turned, editor.image), `turn:${box.id}`);
  }

  function handleKey(event) {
    if (!editor.target.element.contains(event.target)) return false;
    if (event.ctrlKey || event.metaKey || event.altKey) return false;
    if (event.key === "n" || event.key === "N" || event.code === "KeyN") {
      addByKeyboard();
      return true;
    }
    if (turns) {
      const code = event.code || "";
      const left = event.key === "<" || event.key === "," || code === "Comma";
      const right = event.key === ">" || event.key === "." || code === "Period";
      if (left || right) {
        turnSelected((right ? 1 : -1) * (event.shiftKey ? 15 : 1));
        return true;
      }
    }
    return false;
  }

  return { pointerDown, handleKey, refresh, cancel: hideSketch };
}
