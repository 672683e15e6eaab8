import Foundation

/// A labelled region of an image answer: a box (possibly rotated) or a polygon, as the polygon of its outline in
/// image pixels.
public struct ImageRegion: Sendable, Hashable {
    public var label: String
    /// The outline's vertices; a box's four corners, clockwise on screen from its top-left.
    public var outline: [PlanePoint]
    public let area: Double
    /// An unrotated box, whose intersections need no clipping.
    let isAxisAlignedBox: Bool
    let bounds: Bounds
    /// The outline cut into convex pieces, for exact intersections with anything but an upright box.
    let pieces: ConvexPieces

    public init(label: String, polygon: [PlanePoint]) {
        self.init(label: label, outline: polygon, isAxisAlignedBox: false)
    }

    private init(label: String, outline: [PlanePoint], isAxisAlignedBox: Bool) {
        self.label = label
        self.outline = outline
        self.isAxisAlignedBox = isAxisAlignedBox
        area = PlaneGeometry.area(outline)
        bounds = Bounds(outline)
        pieces = ConvexPieces(outline)
    }

    /// A box with its top-left corner at (`x`, `y`) before rotation, turned `rotation` degrees clockwise on
    /// screen about its centre (Label Studio turns about the top-left corner; CVAT and COCO-style exports about
    /// the centre, which keeps the box's centre where it was drawn).
    public static func box(
        x: Double, y: Double, width: Double, height: Double, rotation: Double = 0, label: String
    ) -> ImageRegion {
        let corners = [
            PlanePoint(x: x, y: y), PlanePoint(x: x + width, y: y), PlanePoint(x: x + width, y: y + height),
            PlanePoint(x: x, y: y + height),
        ]
        guard rotation.truncatingRemainder(dividingBy: 360) != 0 else {
            return ImageRegion(label: label, outline: corners, isAxisAlignedBox: true)
        }
        let radians = rotation * .pi / 180
        let (sine, cosine) = (sin(radians), cos(radians))
        let center = PlanePoint(x: x + width / 2, y: y + height / 2)
        // With y pointing down, this standard rotation turns clockwise on screen.
        let turned = corners.map { corner in
            let (dx, dy) = (corner.x - center.x, corner.y - center.y)
            return PlanePoint(x: center.x + dx * cosine - dy * sine, y: center.y + dx * sine + dy * cosine)
        }
        return ImageRegion(label: label, outline: turned, isAxisAlignedBox: false)
    }

    /// The area this region shares with `other`.
    public func intersectionArea(with other: ImageRegion) -> Double {
        guard bounds.overlaps(other.bounds) else { return 0 }
        if isAxisAlignedBox && other.isAxisAlignedBox {
            let width = min(bounds.maxX, other.bounds.maxX) - max(bounds.minX, other.bounds.minX)
            let height = min(bounds.maxY, other.bounds.maxY) - max(bounds.minY, other.bounds.minY)
            return max(0, width) * max(0, height)
        }
        return PlaneGeometry.intersectionArea(pieces, other.pieces)
    }

    /// Intersection over union; 0 for regions without area.
    public func iou(with other: ImageRegion) -> Double {
        let shared = intersectionArea(with: other)
        let union = area + other.area - shared
        return union > 0 ? min(1, shared / union) : 0
    }
}
