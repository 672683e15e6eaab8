/// A `Range: bytes=…` request header, as far as a media server honours it: one range (`a-b`, `a-`, `-n`).
///
/// Several ranges are answered with the whole object (RFC 9110 lets a server ignore `Range`), as is any header
/// this does not understand; only a well-formed range wholly past the end is unsatisfiable.
enum ByteRange {
    enum Selection: Equatable {
        case whole
        case part(Range<Int64>)
        case unsatisfiable
    }

    static func select(_ header: String?, size: Int64) -> Selection {
        guard let header, header.hasPrefix("bytes="), size >= 0 else { return .whole }
        let spec = header.dropFirst("bytes=".count).trimmingSpaces
        guard !spec.contains(","), let dash = spec.firstIndex(of: "-") else { return .whole }
        let first = spec[spec.startIndex..<dash]
        let last = spec[spec.index(after: dash)...]
        if first.isEmpty {
            // A suffix: the last n bytes.
            // A suffix that is not a number of at most 18 digits is ignored like any range we do not read.
            guard let count = Int64(digits: last) else { return .whole }
            guard count > 0 else { return .unsatisfiable }
            return size == 0 ? .unsatisfiable : .part(max(0, size - count)..<size)
        }
        guard let start = Int64(digits: first) else { return .whole }
        guard start < size else { return .unsatisfiable }
        if last.isEmpty { return .part(start..<size) }
        guard let end = Int64(digits: last), end >= start else { return .whole }
        return .part(start..<(min(end, size - 1) + 1))
    }
}

extension Int64 {
    /// A non-negative decimal of at most 18 digits; anything else is `nil` (never an overflow).
    fileprivate init?(digits: Substring) {
        guard !digits.isEmpty, digits.utf8.count <= 18, digits.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }),
            let value = Int64(digits)
        else { return nil }
        self = value
    }
}

extension Substring {
    fileprivate var trimmingSpaces: Substring {
        var text = self
        while text.first == " " { text.removeFirst() }
        while text.last == " " { text.removeLast() }
        return text
    }
}
