/// A point of an image, in pixels from its top-left corner (x to the right, y down).
public struct PlanePoint: Sendable, Hashable {
    public var x: Double
    public var y: Double

    public init(x: Double, y: Double) {
        self.x = x
        self.y = y
    }
}

/// Areas and intersections of simple polygons, exactly (up to floating point): what region IoU is made of.
///
/// Convex polygons are intersected by clipping one with each edge of the other (Sutherland–Hodgman). A simple
/// polygon that is not convex is cut into triangles by ear clipping, and the intersection area of two polygons
/// is the sum over pairs of their triangles, which tile each polygon without overlap.
public enum PlaneGeometry {
    /// The signed area by the shoelace formula: positive when the vertices run counterclockwise in a y-up frame
    /// (clockwise on screen, where y points down).
    public static func signedArea(_ polygon: [PlanePoint]) -> Double {
        guard polygon.count >= 3 else { return 0 }
        var twice = 0.0
        var previous = polygon[polygon.count - 1]
        for point in polygon {
            twice += previous.x * point.y - point.x * previous.y
            previous = point
        }
        return twice / 2
    }

    public static func area(_ polygon: [PlanePoint]) -> Double { abs(signedArea(polygon)) }

    /// The polygon with its vertices in positive (counterclockwise, y-up) order.
    static func positivelyOriented(_ polygon: [PlanePoint]) -> [PlanePoint] {
        signedArea(polygon) < 0 ? polygon.reversed() : polygon
    }

    /// The area shared by two convex polygons.
    public static func convexIntersectionArea(_ first: [PlanePoint], _ second: [PlanePoint]) -> Double {
        var clipped = positivelyOriented(first)
        let clipper = positivelyOriented(second)
        guard clipped.count >= 3, clipper.count >= 3 else { return 0 }
        var edgeStart = clipper[clipper.count - 1]
        for edgeEnd in clipper {
            guard !clipped.isEmpty else { return 0 }
            let input = clipped
            clipped = []
            clipped.reserveCapacity(input.count + 2)
            var previous = input[input.count - 1]
            var previousInside = side(of: previous, edgeStart, edgeEnd) >= 0
            for current in input {
                let currentInside = side(of: current, edgeStart, edgeEnd) >= 0
                if currentInside != previousInside,
                    let crossing = lineIntersection(previous, current, edgeStart, edgeEnd)
                {
                    clipped.append(crossing)
                }
                if currentInside { clipped.append(current) }
                previous = current
                previousInside = currentInside
            }
            edgeStart = edgeEnd
        }
        return area(clipped)
    }

    /// The area shared by two simple polygons (convex or not).
    public static func intersectionArea(_ first: [PlanePoint], _ second: [PlanePoint]) -> Double {
        intersectionArea(ConvexPieces(first), ConvexPieces(second))
    }

    /// The area shared by two polygons already cut into convex pieces.
    ///
    /// A sweep from left to right over both sets of pieces (sorted by their left edge) keeps each set's pieces
    /// that still reach the sweep; a piece arriving is clipped only against the other set's reaching pieces whose
    /// bounds it overlaps. Two combs of 500 teeth so cost thousands of clips, not a quarter of a million
    /// bounds checks.
    static func intersectionArea(_ first: ConvexPieces, _ second: ConvexPieces) -> Double {
        var total = 0.0
        var reaching: [[Int]] = [[], []]
        var next = [0, 0]
        let sets = [first, second]
        while next[0] < first.pieces.count || next[1] < second.pieces.count {
            // The set whose next piece starts further left goes first.
            let side: Int
            if next[0] >= first.pieces.count {
                side = 1
            } else if next[1] >= second.pieces.count {
                side = 0
            } else {
                side = first.order[next[0]].minX <= second.order[next[1]].minX ? 0 : 1
            }
            let other = 1 - side
            let index = sets[side].order[next[side]].index
            next[side] += 1
            let bounds = sets[side].bounds[index]
            reaching[other].removeAll { sets[other].bounds[$0].maxX < bounds.minX }
            for candidate in reaching[other] where sets[other].bounds[candidate].overlaps(bounds) {
                total += convexIntersectionArea(sets[side].pieces[index], sets[other].pieces[candidate])
            }
            reaching[side].append(index)
        }
        return total
    }

    /// Whether the polygon is convex (collinear vertices allowed).
    public static func isConvex(_ polygon: [PlanePoint]) -> Bool {
        guard polygon.count >= 3 else { return false }
        var sign = 0.0
        for index in polygon.indices {
            let a = polygon[index]
            let b = polygon[(index + 1) % polygon.count]
            let c = polygon[(index + 2) % polygon.count]
            let turn = cross(b.x - a.x, b.y - a.y, c.x - b.x, c.y - b.y)
            if turn == 0 { continue }
            if sign == 0 {
                sign = turn
            } else if (turn > 0) != (sign > 0) {
                return false
            }
        }
        return sign != 0
    }

    /// Triangles that tile a simple polygon (ear clipping, O(n²)).
    public static func triangulate(_ polygon: [PlanePoint]) -> [[PlanePoint]] {
        var remaining = positivelyOriented(polygon)
        var triangles: [[PlanePoint]] = []
        triangles.reserveCapacity(max(0, remaining.count - 2))
        while remaining.count > 3 {
            guard let ear = earIndex(in: remaining) else {
                // No ear: the polygon is not simple; what is left is dropped rather than looped over.
                return triangles
            }
            let count = remaining.count
            let corner = [remaining[(ear + count - 1) % count], remaining[ear], remaining[(ear + 1) % count]]
            // A vertex on a straight line is dropped without a triangle: it adds no area.
            if area(corner) > 0 { triangles.append(corner) }
            remaining.remove(at: ear)
        }
        if remaining.count == 3 && area(remaining) > 0 { triangles.append(remaining) }
        return triangles
    }

    /// A vertex of a positively oriented polygon whose triangle with its neighbours is inside the polygon and
    /// holds no other vertex (or a vertex on a straight line).
    static func earIndex(in polygon: [PlanePoint]) -> Int? {
        let count = polygon.count
        for index in polygon.indices {
            let previous = polygon[(index + count - 1) % count]
            let current = polygon[index]
            let next = polygon[(index + 1) % count]
            let turn = cross(current.x - previous.x, current.y - previous.y, next.x - current.x, next.y - current.y)
            if turn == 0 { return index }
            guard turn > 0 else { continue }
            let holdsAnother = polygon.indices.contains { other in
                other != index && other != (index + 1) % count && other != (index + count - 1) % count
                    && triangle(previous, current, next, contains: polygon[other])
            }
            if !holdsAnother { return index }
        }
        return nil
    }

    /// The first pair of edges (by index, edge i runs from vertex i to vertex i + 1) that cross or touch
    /// without being neighbours; `nil` for a simple polygon.
    public static func selfIntersection(_ polygon: [PlanePoint]) -> (Int, Int)? {
        let count = polygon.count
        guard count >= 4 else { return nil }
        // Edge bounds once, so the quadratic pass compares numbers and allocates nothing.
        let edges = (0..<count).map { Bounds(polygon[$0], polygon[($0 + 1) % count]) }
        for first in 0..<count {
            let firstBounds = edges[first]
            for second in (first + 1)..<count where firstBounds.overlaps(edges[second]) {
                // Neighbouring edges share a vertex; the first and last edges are neighbours too.
                if second == first + 1 || (first == 0 && second == count - 1) { continue }
                if segmentsMeet(
                    polygon[first], polygon[(first + 1) % count], polygon[second], polygon[(second + 1) % count])
                {
                    return (first, second)
                }
            }
        }
        return nil
    }

    // MARK: Primitives

    static func cross(_ ax: Double, _ ay: Double, _ bx: Double, _ by: Double) -> Double { ax * by - ay * bx }

    /// Positive when `point` is left of the directed line from `start` to `end` (y-up), zero on it.
    static func side(of point: PlanePoint, _ start: PlanePoint, _ end: PlanePoint) -> Double {
        cross(end.x - start.x, end.y - start.y, point.x - start.x, point.y - start.y)
    }

    static func lineIntersection(_ p1: PlanePoint, _ p2: PlanePoint, _ q1: PlanePoint, _ q2: PlanePoint) -> PlanePoint?
    {
        let denominator = cross(p2.x - p1.x, p2.y - p1.y, q2.x - q1.x, q2.y - q1.y)
        guard denominator != 0 else { return nil }
        let t = cross(q1.x - p1.x, q1.y - p1.y, q2.x - q1.x, q2.y - q1.y) / denominator
        return PlanePoint(x: p1.x + t * (p2.x - p1.x), y: p1.y + t * (p2.y - p1.y))
    }

    static func triangle(_ a: PlanePoint, _ b: PlanePoint, _ c: PlanePoint, contains point: PlanePoint) -> Bool {
        side(of: point, a, b) >= 0 && side(of: point, b, c) >= 0 && side(of: point, c, a) >= 0
    }

    /// Whether segments ab and cd share a point.
    static func segmentsMeet(_ a: PlanePoint, _ b: PlanePoint, _ c: PlanePoint, _ d: PlanePoint) -> Bool {
        let d1 = side(of: c, a, b)
        let d2 = side(of: d, a, b)
        let d3 = side(of: a, c, d)
        let d4 = side(of: b, c, d)
        if ((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0)) { return true }
        func onSegment(_ p: PlanePoint, _ q: PlanePoint, _ r: PlanePoint) -> Bool {
            min(p.x, q.x) <= r.x && r.x <= max(p.x, q.x) && min(p.y, q.y) <= r.y && r.y <= max(p.y, q.y)
        }
        return (d1 == 0 && onSegment(a, b, c)) || (d2 == 0 && onSegment(a, b, d))
            || (d3 == 0 && onSegment(c, d, a)) || (d4 == 0 && onSegment(c, d, b))
    }
}

/// An axis-aligned bounding rectangle, for cheap rejection before exact geometry.
struct Bounds: Sendable, Hashable {
    var minX: Double
    var minY: Double
    var maxX: Double
    var maxY: Double

    init(_ points: [PlanePoint]) {
        guard let first = points.first else {
            (minX, minY, maxX, maxY) = (0, 0, 0, 0)
            return
        }
        (minX, minY, maxX, maxY) = (first.x, first.y, first.x, first.y)
        for point in points.dropFirst() {
            minX = min(minX, point.x)
            minY = min(minY, point.y)
            maxX = max(maxX, point.x)
            maxY = max(maxY, point.y)
        }
    }

    init(_ a: PlanePoint, _ b: PlanePoint) {
        (minX, minY, maxX, maxY) = (min(a.x, b.x), min(a.y, b.y), max(a.x, b.x), max(a.y, b.y))
    }

    func overlaps(_ other: Bounds) -> Bool {
        minX <= other.maxX && other.minX <= maxX && minY <= other.maxY && other.minY <= maxY
    }
}

/// A simple polygon as convex pieces (itself when convex, else the triangles of its ear clipping), each with
/// its bounds: cut once per region, then intersected with many others.
struct ConvexPieces: Sendable, Hashable {
    let pieces: [[PlanePoint]]
    let bounds: [Bounds]
    /// The pieces by their left edge, for the sweep.
    let order: [Entry]

    struct Entry: Sendable, Hashable {
        var minX: Double
        var index: Int
    }

    init(_ polygon: [PlanePoint]) {
        pieces = PlaneGeometry.isConvex(polygon) ? [polygon] : PlaneGeometry.triangulate(polygon)
        bounds = pieces.map(Bounds.init)
        order = bounds.enumerated().map { Entry(minX: $0.element.minX, index: $0.offset) }.sorted {
            $0.minX != $1.minX ? $0.minX < $1.minX : $0.index < $1.index
        }
    }
}
