/**
 * The `polygons` question: labelled polygons on an image field, `[{points: [[x, y], …], label, id}]` in image
 * pixels, 3 to 2,000 points that enclose an area and never cross themselves (the server refuses a ring
 * whose edges cross or touch). Clicks on the image add points; Enter, a double-click or a click on the
 * first point closes the polygon; Backspace takes back the last point and Escape gives up. A drag on a
 * polygon moves it, a drag on one of the selected polygon's points moves that point. By keyboard, with the
 * image focused: N starts a polygon with a cross in the middle of the view, the arrows move the cross,
 * Space adds a point there and Enter closes.
 */

import { t } from "/static/js/i18n.js";
import { createRegionEditor, svgElement } from "/static/js/questions/regions.js";
import {
  bounds,
  growPolygon,
  hundredths,
  insideImage,
  polygonArea,
  selfIntersection,
  vertexCrossing,
} from "/static/js/questions/region-geometry.js";

/** The server's limit of points in one polygon. */
const maxPoints = 1_000;
/** In screen pixels: the radius of point handles, how near the first point a click closes, and the cross. */
const vertexRadius = 5;
const closeReach = 9;
const crossSize = 12;
/** How far an arrow key moves the cross, in screen pixels (Shift: farther; Alt: one image pixel). */
const penStep = 10;
const penStepFar = 50;

const pointsText = (points) => points.map(([x, y]) => `${x},${y}`).join(" ");

/** What is wrong with a closed ring, as a message key, or null. */
function ringProblem(points) {
  if (points.length < 3) return "form.polygonTooFew";
  // Crossing first: a ring crossing itself may also enclose no area (a bow tie), and crossing says why.
  if (selfIntersection(points)) return "form.polygonCrosses";
  if (polygonArea(points) === 0) return "form.polygonNoArea";
  return null;
}

/** The keys of a polygons question, as `[keys, meaning]` translation keys. */
function keysFor() {
  return [
    ["form.polygonKeysDraw", "form.polygonKeysDrawMeaning"],
    ["form.polygonKeysNew", "form.polygonKeysNewMeaning"],
    ["form.polygonKeysPen", "form.polygonKeysPenMeaning"],
    ["form.polygonKeysPoint", "form.polygonKeysPointMeaning"],
    ["form.polygonKeysClose", "form.polygonKeysCloseMeaning"],
    ["form.polygonKeysBack", "form.polygonKeysBackMeaning"],
    ["form.regionKeysSelect", "form.regionKeysSelectMeaning"],
    ["form.regionKeysMove", "form.regionKeysMoveMeaning"],
    ["form.regionKeysGrow", "form.regionKeysGrowMeaning"],
    ["form.regionKeysLabel", "form.regionKeysLabelMeaning"],
    ["form.regionKeysRemove", "form.regionKeysRemoveMeaning"],
    ["form.regionKeysHide", "form.regionKeysHideMeaning"],
    ["form.regionKeysUndo", "form.regionKeysUndoMeaning"],
  ];
}

export const polygonsQuestion = {
  type: "polygons",
  markedField: (question) => question.field,
  shortcuts: () => ({ heading: "form.polygonsKeysHeading", keys: keysFor() }),
  render(question, context) {
    const keys = keysFor();
    const editor = createRegionEditor(question, context, {
      type: "polygons",
      idPrefix: "p",
      strings: {
        hint: "form.polygonsHint",
        readOnly: "form.polygonsReadOnly",
        listLabel: "form.polygonsListLabel",
        count: "form.polygonCount",
        none: "form.noPolygons",
        keys,
      },
      parse(raw) {
        const points = raw.points;
        if (!Array.isArray(points) || points.length < 3 || points.length > maxPoints) return null;
        const copied = [];
        for (const point of points) {
          if (!Array.isArray(point) || point.length !== 2) return null;
          const [x, y] = point;
          if (typeof x !== "number" || typeof y !== "number" || !Number.isFinite(x) || !Number.isFinite(y)) return null;
          copied.push([x, y]);
        }
        return polygonArea(copied) > 0 ? { points: copied } : null;
      },
      serialize: (polygon) => ({ points: polygon.points.map(([x, y]) => [x, y]), label: polygon.label, id: polygon.id }),
      fits: (polygon, image) => insideImage(polygon.points, image),
      points: (polygon) => polygon.points,
      translate: (polygon, dx, dy) => ({
        ...polygon,
        points: polygon.points.map(([x, y]) => [hundredths(x + dx), hundredths(y + dy)]),
      }),
      grow(polygon, dx, dy) {
        const points = growPolygon(polygon.points, dx, dy);
        return ringProblem(points) ? null : { ...polygon, points };
      },
      markTag: "polygon",
      drawMark(node, polygon) {
        node.setAttribute("points", pointsText(polygon.points));
      },
      describe(polygon, numbers) {
        const box = bounds(polygon.points);
        return t("form.polygonSize", {
          points: numbers.format(polygon.points.length),
          width: numbers.format(box.maxX - box.minX),
          height: numbers.format(box.maxY - box.minY),
        });
      },
    });
    if (editor.target) editor.setTool(polygonTool(editor));
    return editor.view;
  },
};

/** How polygons are drawn point by point (pointer or keyboard cross), moved, and reshaped by their points. */
function polygonTool(editor) {
  /** The polygon being drawn: `{points, byKeyboard, crossing}`, or null. */
  let drawing = null;
  /** Where the next point goes: the keyboard cross, or the pointer while drawing. */
  let pen = null;
  const vertices = svgElement("g", "lp-vertex-handles");
  const trail = svgElement("polyline", "lp-sketch lp-trail");
  const dots = svgElement("g", "lp-trail-dots");
  const first = svgElement("circle", "lp-first-point");
  const cross = svgElement("path", "lp-pen");
  editor.editLayer.append(vertices, trail, dots, first, cross);

  // MARK: drawing the edit layer

  function refresh() {
    drawVertices();
    drawTrail();
  }

  /** One handle per point of the selected polygon, reused from one selection to the next. */
  function drawVertices(polygon = editor.selectedRegion()) {
    if (!polygon || drawing || !editor.editable || editor.isLocked(polygon.id) || editor.isHidden(polygon.id)) {
      vertices.setAttribute("display", "none");
      return;
    }
    vertices.removeAttribute("display");
    const radius = vertexRadius * editor.pixel();
    const points = polygon.points;
    while (vertices.childElementCount > points.length) vertices.lastElementChild.remove();
    while (vertices.childElementCount < points.length) {
      const handle = svgElement("circle", "lp-handle lp-vertex");
      handle.dataset.handle = String(vertices.childElementCount);
      vertices.append(handle);
    }
    const handles = vertices.children;
    for (let index = 0; index < points.length; index++) {
      const handle = handles[index];
      handle.setAttribute("cx", points[index][0]);
      handle.setAttribute("cy", points[index][1]);
      handle.setAttribute("r", radius);
    }
  }

  /** The points drawn so far, the line on to the pen, and the cross. */
  function drawTrail({ pointsChanged = true } = {}) {
    const parts = [trail, dots, first, cross];
    if (!drawing) {
      for (const part of parts) part.setAttribute("display", "none");
      return;
    }
    const pixel = editor.pixel();
    const points = drawing.points;
    trail.removeAttribute("display");
    trail.setAttribute("points", pointsText(pen ? [...points, pen] : points));
    trail.setAttribute("class", `lp-sketch lp-trail lp-c${editor.colourOf(editor.currentLabel())}` +
      (drawing.crossing ? " lp-invalid" : ""));
    if (pointsChanged) {
      dots.removeAttribute("display");
      while (dots.childElementCount > points.length) dots.lastElementChild.remove();
      while (dots.childElementCount < points.length) dots.append(svgElement("circle", "lp-trail-dot"));
      points.forEach(([x, y], index) => {
        const dot = dots.children[index];
        dot.setAttribute("cx", x);
        dot.setAttribute("cy", y);
        dot.setAttribute("r", 3 * pixel);
      });
      if (points.length >= 3) {
        first.removeAttribute("display");
        first.setAttribute("cx", points[0][0]);
        first.setAttribute("cy", points[0][1]);
        first.setAttribute("r", closeReach * pixel);
      } else {
        first.setAttribute("display", "none");
      }
    }
    if (pen && drawing.byKeyboard) {
      const [x, y] = pen;
      const reach = crossSize * pixel;
      cross.removeAttribute("display");
      cross.setAttribute("d", `M${x - reach} ${y}H${x + reach}M${x} ${y - reach}V${y + reach}`);
    } else {
      cross.setAttribute("display", "none");
    }
  }

  // MARK: drawing a polygon

  function start(byKeyboard) {
    editor.select(null);
    drawing = { points: [], byKeyboard, crossing: false };
    pen = byKeyboard ? editor.viewCentre().map(Math.round) : null;
    refresh();
  }

  function cancel() {
    drawing = null;
    pen = null;
    refresh();
  }

  function addPoint(point) {
    const points = drawing.points;
    const last = points[points.length - 1];
    if (last && last[0] === point[0] && last[1] === point[1]) return;
    if (points.length >= maxPoints) {
      editor.showProblem(t("form.polygonTooManyPoints", { max: maxPoints }));
      return;
    }
    points.push(point);
    drawing.crossing = points.length >= 4 && selfIntersection(points) !== null;
    drawTrail();
  }

  function removeLastPoint() {
    drawing.points.pop();
    if (drawing.points.length === 0 && !drawing.byKeyboard) {
      cancel();
      return;
    }
    drawing.crossing = drawing.points.length >= 4 && selfIntersection(drawing.points) !== null;
    drawTrail();
  }

  /** Closes the polygon being drawn; shows why not when it has too few points or crosses itself. */
  function close() {
    const points = drawing.points;
    const problem = ringProblem(points);
    if (problem) {
      editor.showProblem(t(problem));
      return;
    }
    drawing = null;
    pen = null;
    editor.add({ points });
    refresh();
  }

  /** Whether a pointer event is within reach of the first point of the polygon being drawn. */
  function nearFirst(event) {
    const [x, y] = drawing.points[0];
    const screen = editor.target.toScreen(x, y);
    return Math.hypot(event.clientX - screen.x, event.clientY - screen.y) <= closeReach;
  }

  // MARK: pointer

  function pointerDown(event) {
    // While drawing, a click adds a point (see `click`) and a drag pans.
    if (drawing) return;
    const selected = editor.selectedRegion();
    const handle = event.target.closest?.("[data-handle]");
    if (handle && selected && vertices.contains(handle)) {
      dragVertex(event, selected, Number(handle.dataset.handle));
      return;
    }
    const hit = editor.regionAt(event);
    if (!hit) return;
    editor.select(hit.id);
    if (editor.isLocked(hit.id)) {
      event.preventDefault();
      return;
    }
    const start = editor.pointOf(event);
    editor.drag(event, {
      move(next) {
        const point = editor.pointOf(next);
        const box = bounds(hit.points);
        const image = editor.image;
        const dx = Math.min(image.width - box.maxX, Math.max(-box.minX, Math.round(point[0] - start[0])));
        const dy = Math.min(image.height - box.maxY, Math.max(-box.minY, Math.round(point[1] - start[1])));
        editor.preview({ ...hit, points: hit.points.map(([x, y]) => [hundredths(x + dx), hundredths(y + dy)]) });
      },
      end: (_, moved) => editor.endPreview({ keep: moved }),
      cancel: () => editor.endPreview({ keep: false }),
    });
  }

  function dragVertex(event, polygon, index) {
    let crossing = false;
    editor.drag(event, {
      move(next) {
        const points = polygon.points.slice();
        points[index] = editor.pixelOf(next);
        crossing = vertexCrossing(points, index) || polygonArea(points) === 0;
        vertices.classList.toggle("lp-invalid", crossing);
        editor.preview({ ...polygon, points });
      },
      end(_, moved) {
        vertices.classList.remove("lp-invalid");
        if (!moved) {
          editor.endPreview({ keep: false });
          return;
        }
        const shown = editor.selectedRegion();
        const problem = crossing ? "form.polygonCrosses" : shown ? ringProblem(shown.points) : null;
        editor.endPreview({ keep: !problem });
        if (problem) editor.showProblem(t(problem));
      },
      cancel() {
        vertices.classList.remove("lp-invalid");
        editor.endPreview({ keep: false });
      },
    });
  }

  function click(event) {
    if (!editor.ready()) return;
    const point = editor.pixelOf(event);
    if (drawing) {
      if (drawing.points.length >= 3 && nearFirst(event)) close();
      else addPoint(point);
      return;
    }
    if (editor.handOver(event)) return;
    // A click beside the selected polygon starts the next one: drawing many in a row costs no extra click.
    start(false);
    addPoint(point);
  }

  function dblclick(event) {
    if (!drawing) return;
    // The clicks of a double-click on an empty image started a polygon: it was a zoom, not a polygon.
    if (drawing.points.length <= 1 && !drawing.byKeyboard) {
      cancel();
      return;
    }
    event.preventDefault();
    if (drawing.points.length >= 3) close();
  }

  function hover(event) {
    if (!drawing || !editor.image) return;
    pen = editor.pixelOf(event);
    drawTrail({ pointsChanged: false });
  }

  // MARK: keys

  function handleKey(event) {
    if (!editor.target.element.contains(event.target)) return false;
    const command = event.ctrlKey || event.metaKey;
    if (!drawing) {
      if (command || event.altKey || !(event.key === "n" || event.key === "N" || event.code === "KeyN")) return false;
      start(true);
      return true;
    }
    if (command) {
      // Ctrl+Z while drawing takes back the last point, as Backspace does.
      if (!event.altKey && !event.shiftKey && (event.key === "z" || event.key === "Z" || event.code === "KeyZ")) {
        removeLastPoint();
        return true;
      }
      return false;
    }
    switch (event.key) {
      case "Enter":
        close();
        return true;
      case "Backspace":
      case "Delete":
        removeLastPoint();
        return true;
      case "Escape":
        cancel();
        return true;
      case " ":
        if (!pen) pen = editor.viewCentre().map(Math.round);
        addPoint(pen.slice());
        return true;
      case "ArrowLeft":
      case "ArrowRight":
      case "ArrowUp":
      case "ArrowDown":
        movePen(event);
        return true;
      case "n":
      case "N":
        return true;
      default:
        return false;
    }
  }

  function movePen(event) {
    const image = editor.image;
    if (!pen) pen = editor.viewCentre().map(Math.round);
    drawing.byKeyboard = true;
    const step = event.altKey ? 1 : Math.max(1, Math.round((event.shiftKey ? penStepFar : penStep) * editor.pixel()));
    const [dx, dy] = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] }[event.key];
    pen = [
      Math.min(image.width, Math.max(0, pen[0] + dx * step)),
      Math.min(image.height, Math.max(0, pen[1] + dy * step)),
    ];
    drawTrail({ pointsChanged: false });
  }

  return { pointerDown, click, dblclick, hover, handleKey, refresh, cancel, usesSpace: () => drawing !== null };
}
