/// A binary mask over an image as COCO stores one: the lengths of alternating runs of 0s and 1s, starting with
/// 0s, over the pixels in column-major order (down the first column, then the next), so pycocotools reads it as
/// is.
///
/// Masks are compared, measured and voted on run by run, never pixel by pixel: a 20,000 × 20,000 mask of a few
/// shapes is a few thousand runs.
public struct RunLengthMask: Sendable, Hashable {
    public let height: Int
    public let width: Int
    /// The covered pixels as ascending, disjoint, non-touching half-open ranges of column-major pixel indices.
    public let intervals: [Range<Int>]

    /// The largest side a mask may have, which keeps `height × width` far from overflowing.
    public static let maxSide = 1 << 20

    /// A mask of the given size covering `intervals`, which are sorted, merged and clipped to the image.
    public init(height: Int, width: Int, intervals: [Range<Int>]) {
        self.height = height
        self.width = width
        let pixels = height * width
        var merged: [Range<Int>] = []
        for interval in intervals.sorted(by: { $0.lowerBound < $1.lowerBound }) {
            let clipped = max(0, interval.lowerBound)..<min(pixels, interval.upperBound)
            guard !clipped.isEmpty else { continue }
            if let last = merged.last, clipped.lowerBound <= last.upperBound {
                merged[merged.count - 1] = last.lowerBound..<max(last.upperBound, clipped.upperBound)
            } else {
                merged.append(clipped)
            }
        }
        self.intervals = merged
    }

    private init(height: Int, width: Int, merged: [Range<Int>]) {
        self.height = height
        self.width = width
        self.intervals = merged
    }

    /// Decodes COCO's compressed counts string (pycocotools' `rleFrString`) for an image of `height` × `width`.
    public init(height: Int, width: Int, compressedCounts: String) throws(MaskDecodingError) {
        guard (1...Self.maxSide).contains(height), (1...Self.maxSide).contains(width) else {
            throw .badSize
        }
        let pixels = height * width
        var counts: [Int] = []
        var bytes = compressedCounts.utf8.makeIterator()
        var next = bytes.next()
        while let first = next {
            var value = 0
            var shift = 0
            var byte = first
            while true {
                guard (48...111).contains(byte) else { throw .badCharacter }
                let code = Int(byte) - 48
                // Six characters carry 30 bits, more than any image has pixels.
                guard shift < 35 else { throw .countTooLarge }
                value |= (code & 0x1f) << shift
                shift += 5
                if code & 0x20 == 0 {
                    if code & 0x10 != 0 { value |= -1 << shift }
                    break
                }
                guard let following = bytes.next() else { throw .truncated }
                byte = following
            }
            if counts.count > 2 { value += counts[counts.count - 2] }
            guard value >= 0 else { throw .negativeCount }
            guard value <= pixels else { throw .countTooLarge }
            counts.append(value)
            next = bytes.next()
        }
        try self.init(height: height, width: width, counts: counts)
    }

    /// A mask from uncompressed run lengths, which must add up to exactly `height × width`.
    public init(height: Int, width: Int, counts: [Int]) throws(MaskDecodingError) {
        guard (1...Self.maxSide).contains(height), (1...Self.maxSide).contains(width) else {
            throw .badSize
        }
        let pixels = height * width
        var position = 0
        var merged: [Range<Int>] = []
        for (index, count) in counts.enumerated() {
            guard count >= 0 else { throw .negativeCount }
            guard count <= pixels - position else { throw .countsExceedImage }
            let end = position + count
            if index % 2 == 1 && count > 0 {
                if let last = merged.last, last.upperBound == position {
                    merged[merged.count - 1] = last.lowerBound..<end
                } else {
                    merged.append(position..<end)
                }
            }
            position = end
        }
        guard position == pixels else { throw .countsShortOfImage(covered: position, pixels: pixels) }
        self.init(height: height, width: width, merged: merged)
    }

    /// The run lengths, 0s first: what COCO's uncompressed RLE holds.
    public var counts: [Int] {
        var counts: [Int] = []
        counts.reserveCapacity(intervals.count * 2 + 1)
        var position = 0
        for interval in intervals {
            counts.append(interval.lowerBound - position)
            counts.append(interval.count)
            position = interval.upperBound
        }
        let pixels = height * width
        if position < pixels || counts.isEmpty { counts.append(pixels - position) }
        return counts
    }

    /// COCO's compressed counts string (pycocotools' `rleToString`).
    public var compressedCounts: String {
        let counts = counts
        var bytes: [UInt8] = []
        bytes.reserveCapacity(counts.count * 3)
        for index in counts.indices {
            var value = counts[index]
            if index > 2 { value -= counts[index - 2] }
            var more = true
            while more {
                var code = value & 0x1f
                value >>= 5
                more = code & 0x10 != 0 ? value != -1 : value != 0
                if more { code |= 0x20 }
                bytes.append(UInt8(code + 48))
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `{size: [height, width], counts}` as COCO writes a compressed RLE.
    public var cocoJSON: JSONValue {
        .object([
            JSONMember("size", .array([.integer(Int64(height)), .integer(Int64(width))])),
            JSONMember("counts", .string(compressedCounts)),
        ])
    }

    /// Covered pixels.
    public var area: Int { intervals.reduce(0) { $0 + $1.count } }

    /// The smallest upright box holding every covered pixel, as COCO writes one: `[x, y, width, height]`;
    /// all zeros for an empty mask.
    public var boundingBox: (x: Int, y: Int, width: Int, height: Int) {
        guard let first = intervals.first, let last = intervals.last else { return (0, 0, 0, 0) }
        var minY = height
        var maxY = -1
        for interval in intervals {
            let startColumn = interval.lowerBound / height
            let endColumn = (interval.upperBound - 1) / height
            if startColumn == endColumn {
                minY = min(minY, interval.lowerBound % height)
                maxY = max(maxY, (interval.upperBound - 1) % height)
            } else {
                minY = 0
                maxY = height - 1
            }
        }
        let minX = first.lowerBound / height
        let maxX = (last.upperBound - 1) / height
        return (minX, minY, maxX - minX + 1, maxY - minY + 1)
    }

    /// Pixels covered by both masks; 0 when their sizes differ.
    public func intersectionArea(with other: RunLengthMask) -> Int {
        guard height == other.height, width == other.width else { return 0 }
        var shared = 0
        var (mine, theirs) = (0, 0)
        while mine < intervals.count && theirs < other.intervals.count {
            let (a, b) = (intervals[mine], other.intervals[theirs])
            shared += max(0, min(a.upperBound, b.upperBound) - max(a.lowerBound, b.lowerBound))
            if a.upperBound <= b.upperBound { mine += 1 } else { theirs += 1 }
        }
        return shared
    }

    /// Intersection over union; 0 for two empty masks or masks of different sizes.
    public func iou(with other: RunLengthMask) -> Double {
        let shared = intersectionArea(with: other)
        let union = area + other.area - shared
        return union > 0 ? Double(shared) / Double(union) : 0
    }

    /// The pixels any of `masks` covers; `nil` when the masks differ in size or there are none.
    public static func union(_ masks: [RunLengthMask]) -> RunLengthMask? {
        guard let first = masks.first, masks.allSatisfy({ $0.height == first.height && $0.width == first.width })
        else { return nil }
        return RunLengthMask(height: first.height, width: first.width, intervals: masks.flatMap(\.intervals))
    }

    /// The pixel-wise weighted vote of `voters` (each one mask, possibly empty, with its weight): a pixel is in
    /// the result when the weight of the masks covering it is at least half the total, crowd-kit's
    /// `SegmentationMajorityVote` rule (2·Σ covering − Σ all ≥ 0). Masks of another size than the first are
    /// left out.
    public static func vote(_ voters: [(mask: RunLengthMask, weight: Double)]) -> RunLengthMask? {
        guard let first = voters.first?.mask else { return nil }
        let voting = voters.filter { $0.mask.height == first.height && $0.mask.width == first.width }
        let total = voting.reduce(0) { $0 + $1.weight }
        var events: [(position: Int, change: Double)] = []
        for (mask, weight) in voting {
            for interval in mask.intervals {
                events.append((interval.lowerBound, weight))
                events.append((interval.upperBound, -weight))
            }
        }
        events.sort { $0.position < $1.position }
        var covered: [Range<Int>] = []
        var weight = 0.0
        var openedAt: Int?
        var index = 0
        while index < events.count {
            let position = events[index].position
            while index < events.count && events[index].position == position {
                weight += events[index].change
                index += 1
            }
            let inside = weight > 0 && 2 * weight - total >= -1e-9 * total
            if inside, openedAt == nil {
                openedAt = position
            } else if !inside, let start = openedAt {
                covered.append(start..<position)
                openedAt = nil
            }
        }
        return RunLengthMask(height: first.height, width: first.width, merged: covered)
    }
}

/// Why a mask's counts cannot be read.
public enum MaskDecodingError: Error, Sendable, Hashable, CustomStringConvertible {
    case badSize
    case badCharacter
    case truncated
    case negativeCount
    case countTooLarge
    case countsExceedImage
    case countsShortOfImage(covered: Int, pixels: Int)

    public var description: String {
        switch self {
        case .badSize: "the size must be two whole numbers from 1 to \(RunLengthMask.maxSide)"
        case .badCharacter: "holds a character that COCO's compressed counts never use (only \"0\" to \"o\")"
        case .truncated: "ends in the middle of a count"
        case .negativeCount: "decodes to a negative run length"
        case .countTooLarge: "decodes to a run longer than the image"
        case .countsExceedImage: "its runs cover more pixels than the image has"
        case .countsShortOfImage(let covered, let pixels):
            "its runs cover \(covered) pixels, the image has \(pixels)"
        }
    }
}
