/**
 * Plane geometry of the region kinds (boxes, polygons), in image pixels with y pointing down: pure functions
 * with no DOM, so the rules the editor applies are the rules the server checks (`PlaneGeometry.swift`,
 * `BoxesQuestion.swift`). A point is `[x, y]`; a box is `{x, y, width, height, rotation}` with `x`, `y` its
 * top-left corner before rotation and `rotation` in degrees clockwise about its centre.
 */

/** A number rounded to hundredths of a pixel: what an answer keeps of a computed coordinate. */
export function hundredths(value) {
  return Math.round(value * 100) / 100;
}

/** `value` within `low…high`. */
export function clamp(value, low, high) {
  return Math.min(high, Math.max(low, value));
}

/** The point `[x, y]` turned by `degrees` clockwise (on screen) about `[cx, cy]`. */
export function rotatePoint([x, y], [cx, cy], degrees) {
  if (!degrees) return [x, y];
  const radians = (degrees * Math.PI) / 180;
  const sine = Math.sin(radians);
  const cosine = Math.cos(radians);
  const dx = x - cx;
  const dy = y - cy;
  return [cx + dx * cosine - dy * sine, cy + dx * sine + dy * cosine];
}

export function boxCentre(box) {
  return [box.x + box.width / 2, box.y + box.height / 2];
}

/** The four corners of a box, turned by its rotation: top-left, top-right, bottom-right, bottom-left. */
export function boxCorners(box) {
  const corners = [
    [box.x, box.y],
    [box.x + box.width, box.y],
    [box.x + box.width, box.y + box.height],
    [box.x, box.y + box.height],
  ];
  const rotation = box.rotation || 0;
  if (rotation % 360 === 0) return corners;
  const centre = boxCentre(box);
  return corners.map((corner) => rotatePoint(corner, centre, rotation));
}

/** `{minX, minY, maxX, maxY}` of points. */
export function bounds(points) {
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (const [x, y] of points) {
    if (x < minX) minX = x;
    if (y < minY) minY = y;
    if (x > maxX) maxX = x;
    if (y > maxY) maxY = y;
  }
  return { minX, minY, maxX, maxY };
}

/** What floating point may miss an edge by (a turned corner on an edge lands a hair outside it). */
const rounding = 1e-9;

/** Whether every point lies inside a `width` × `height` image (edges included). */
export function insideImage(points, { width, height }) {
  return points.every(([x, y]) => x >= -rounding && y >= -rounding && x <= width + rounding && y <= height + rounding);
}

/**
 * How far points may move (`dx`, `dy`) and stay inside the image: the wanted move cut down to what fits,
 * each axis on its own.
 */
export function fittingMove(points, dx, dy, image) {
  const box = bounds(points);
  return [clamp(dx, -box.minX, image.width - box.maxX), clamp(dy, -box.minY, image.height - box.maxY)];
}

/** The absolute area of a ring by the shoelace formula. */
export function polygonArea(points) {
  if (points.length < 3) return 0;
  let twice = 0;
  let [px, py] = points[points.length - 1];
  for (const [x, y] of points) {
    twice += px * y - x * py;
    px = x;
    py = y;
  }
  return Math.abs(twice / 2);
}

function side(point, start, end) {
  return (end[0] - start[0]) * (point[1] - start[1]) - (end[1] - start[1]) * (point[0] - start[0]);
}

function onSegment(p, q, r) {
  return (
    Math.min(p[0], q[0]) <= r[0] && r[0] <= Math.max(p[0], q[0]) &&
    Math.min(p[1], q[1]) <= r[1] && r[1] <= Math.max(p[1], q[1])
  );
}

/** Whether segments ab and cd share a point (crossing or touching). */
export function segmentsMeet(a, b, c, d) {
  const d1 = side(c, a, b);
  const d2 = side(d, a, b);
  const d3 = side(a, c, d);
  const d4 = side(b, c, d);
  if (((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0))) return true;
  return (
    (d1 === 0 && onSegment(a, b, c)) || (d2 === 0 && onSegment(a, b, d)) ||
    (d3 === 0 && onSegment(c, d, a)) || (d4 === 0 && onSegment(c, d, b))
  );
}

/**
 * The first pair of edges of a closed ring (edge i runs from point i to point i + 1) that cross or touch
 * without being neighbours, as `[i, j]`; null for a simple ring. The server's rule exactly: a repeated point
 * counts as touching.
 */
export function selfIntersection(points) {
  const count = points.length;
  if (count < 4) return null;
  // Each edge's bounding box once, for cheap rejection: 2,000 points are 2 million pairs.
  const boxes = new Float64Array(count * 4);
  for (let i = 0; i < count; i++) {
    const a = points[i];
    const b = points[(i + 1) % count];
    boxes[i * 4] = Math.min(a[0], b[0]);
    boxes[i * 4 + 1] = Math.min(a[1], b[1]);
    boxes[i * 4 + 2] = Math.max(a[0], b[0]);
    boxes[i * 4 + 3] = Math.max(a[1], b[1]);
  }
  for (let first = 0; first < count; first++) {
    const f = first * 4;
    for (let second = first + 2; second < count; second++) {
      if (first === 0 && second === count - 1) continue;
      const s = second * 4;
      if (boxes[f] > boxes[s + 2] || boxes[s] > boxes[f + 2] || boxes[f + 1] > boxes[s + 3] || boxes[s + 1] > boxes[f + 3]) {
        continue;
      }
      if (segmentsMeet(points[first], points[(first + 1) % count], points[second], points[(second + 1) % count])) {
        return [first, second];
      }
    }
  }
  return null;
}

/**
 * The box after dragging one of its handles to `point` (image pixels): `handle` is "n", "s", "e", "w" or a
 * corner "ne", "nw", "se", "sw". The edges opposite the handle stay where they are on screen, turned box or
 * not; a box never gets narrower than `least` pixels. Not checked against the image.
 */
export function resizeBox(box, handle, point, least = 1) {
  const rotation = box.rotation || 0;
  const centre = boxCentre(box);
  // The pointer in the box's own frame: origin at its centre, axes along its edges.
  const [lx, ly] = rotatePoint(point, centre, -rotation).map((value, axis) => value - centre[axis]);
  let left = -box.width / 2;
  let right = box.width / 2;
  let top = -box.height / 2;
  let bottom = box.height / 2;
  if (handle.includes("e")) right = Math.max(lx, left + least);
  if (handle.includes("w")) left = Math.min(lx, right - least);
  if (handle.includes("s")) bottom = Math.max(ly, top + least);
  if (handle.includes("n")) top = Math.min(ly, bottom - least);
  return boxFromFrame(box, centre, rotation, left, right, top, bottom);
}

/** The box grown by `dx`, `dy` pixels along its own edges, its top-left corner (as turned) kept in place. */
export function growBox(box, dx, dy, least = 1) {
  const rotation = box.rotation || 0;
  const centre = boxCentre(box);
  const left = -box.width / 2;
  const top = -box.height / 2;
  const right = Math.max(left + least, box.width / 2 + dx);
  const bottom = Math.max(top + least, box.height / 2 + dy);
  return boxFromFrame(box, centre, rotation, left, right, top, bottom);
}

function boxFromFrame(box, centre, rotation, left, right, top, bottom) {
  const width = right - left;
  const height = bottom - top;
  const [cx, cy] = rotatePoint([centre[0] + (left + right) / 2, centre[1] + (top + bottom) / 2], centre, rotation);
  return { ...box, x: cx - width / 2, y: cy - height / 2, width, height };
}

/** An angle in degrees brought into −180…180. */
export function normalAngle(degrees) {
  let angle = degrees % 360;
  if (angle > 180) angle -= 360;
  if (angle <= -180) angle += 360;
  return angle;
}

/**
 * A box turned to `rotation` that stays inside the image: moved back in when its turned corners stick out,
 * or null when it cannot fit at that angle.
 */
export function fitTurnedBox(box, rotation, image) {
  const turned = { ...box, rotation };
  const corners = boxCorners(turned);
  const extent = bounds(corners);
  if (extent.maxX - extent.minX > image.width || extent.maxY - extent.minY > image.height) return null;
  const [dx, dy] = fittingMove(corners, 0, 0, image);
  return dx || dy ? { ...turned, x: turned.x + dx, y: turned.y + dy } : turned;
}

/** The polygon scaled so that its bounding box grows by `dx`, `dy`, its top-left corner kept in place. */
export function growPolygon(points, dx, dy, least = 1) {
  const box = bounds(points);
  const width = box.maxX - box.minX;
  const height = box.maxY - box.minY;
  const fx = width > 0 ? Math.max(least, width + dx) / width : 1;
  const fy = height > 0 ? Math.max(least, height + dy) / height : 1;
  return points.map(([x, y]) => [hundredths(box.minX + (x - box.minX) * fx), hundredths(box.minY + (y - box.minY) * fy)]);
}

/**
 * Whether the two edges at vertex `index` of a ring that was simple before that vertex moved now cross or
 * touch another edge: the check of a vertex drag, in time linear in the number of points.
 */
export function vertexCrossing(points, index) {
  const count = points.length;
  if (count < 4) return false;
  const before = (index + count - 1) % count;
  for (const edge of [before, index]) {
    const a = points[edge];
    const b = points[(edge + 1) % count];
    for (let other = 0; other < count; other++) {
      if (other === edge || other === (edge + 1) % count || (other + 1) % count === edge) continue;
      if (segmentsMeet(a, b, points[other], points[(other + 1) % count])) return true;
    }
  }
  return false;
}
