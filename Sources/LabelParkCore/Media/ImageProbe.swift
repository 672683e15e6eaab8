/// The image formats the park accepts, named by their media types.
public enum ImageFormat: String, Sendable, Hashable, CaseIterable {
    case jpeg = "image/jpeg"
    case png = "image/png"
    case webp = "image/webp"
    case tiff = "image/tiff"

    /// The format whose magic bytes start `prefix` (at least 12 bytes for WebP), or `nil`.
    public init?(magic prefix: some Collection<UInt8>) {
        let bytes = Array(prefix.prefix(12))
        func starts(_ magic: [UInt8]) -> Bool { bytes.starts(with: magic) }
        if starts([0xFF, 0xD8, 0xFF]) {
            self = .jpeg
        } else if starts([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) {
            self = .png
        } else if bytes.count == 12, starts(Array("RIFF".utf8)), bytes[8..<12].elementsEqual("WEBP".utf8) {
            self = .webp
        } else if starts([0x49, 0x49, 0x2A, 0x00]) || starts([0x4D, 0x4D, 0x00, 0x2A]) {
            self = .tiff
        } else {
            return nil
        }
    }

    /// How many leading bytes `init(magic:)` needs to tell every format apart.
    public static let magicLength = 12
}

/// What the park reads from an image file's header before anyone decodes it.
public struct ImageHeader: Sendable, Hashable {
    public var format: ImageFormat
    public var width: Int
    public var height: Int

    public init(format: ImageFormat, width: Int, height: Int) {
        self.format = format
        self.width = width
        self.height = height
    }
}

/// The limits an uploaded image must keep, so that decoding it (for tiles, in browsers) stays bounded.
public enum ImageLimits {
    /// 500 megapixels: a 20,000 × 20,000 photograph fits, a decompression bomb does not.
    public static let maxPixels = 500_000_000
    /// The longest side any accepted format can describe reliably (JPEG's limit).
    public static let maxSide = 65_535
}

/// Why an image's header was refused; each case names what is wrong for the uploader.
public enum ImageProbeError: Error, Sendable, Hashable, CustomStringConvertible {
    case unknownFormat
    case truncated(ImageFormat)
    case malformed(ImageFormat, String)
    case unsupported(ImageFormat, String)
    case tooLarge(width: Int, height: Int)

    public var description: String {
        switch self {
        case .unknownFormat: "not a JPEG, PNG, WebP or TIFF image"
        case .truncated(let format): "the \(format.name) file ends early (truncated upload?)"
        case .malformed(let format, let why): "not a valid \(format.name) file: \(why)"
        case .unsupported(let format, let why): "\(format.name) files of this kind are not supported: \(why)"
        case .tooLarge(let width, let height):
            "\(width) × \(height) pixels is more than the \(ImageLimits.maxPixels / 1_000_000) megapixels (and \(ImageLimits.maxSide) px per side) an image may have"
        }
    }
}

extension ImageFormat {
    /// The format's everyday name.
    public var name: String {
        switch self {
        case .jpeg: "JPEG"
        case .png: "PNG"
        case .webp: "WebP"
        case .tiff: "TIFF"
        }
    }
}

/// Reads an image's format and size from its header, and checks that the file is whole, without decoding
/// pixels. It reads through `read(offset, count)` (fewer bytes than asked only at the end of the file), so a
/// large file is never loaded whole.
public struct ImageProbe {
    public let size: Int64
    let read: (_ offset: Int64, _ count: Int) throws -> [UInt8]

    public init(size: Int64, read: @escaping (_ offset: Int64, _ count: Int) throws -> [UInt8]) {
        self.size = size
        self.read = read
    }

    /// The header of a whole, acceptable image; throws `ImageProbeError` for anything else, or what `read` throws.
    public func header() throws -> ImageHeader {
        guard let format = ImageFormat(magic: try read(0, ImageFormat.magicLength)) else {
            throw ImageProbeError.unknownFormat
        }
        let (width, height): (Int, Int)
        switch format {
        case .jpeg: (width, height) = try jpegSize()
        case .png: (width, height) = try pngSize()
        case .webp: (width, height) = try webpSize()
        case .tiff: (width, height) = try tiffSize()
        }
        guard width > 0, height > 0 else { throw ImageProbeError.malformed(format, "it declares no pixels") }
        guard width <= ImageLimits.maxSide, height <= ImageLimits.maxSide,
            width.multipliedReportingOverflow(by: height).partialValue <= ImageLimits.maxPixels
        else { throw ImageProbeError.tooLarge(width: width, height: height) }
        return ImageHeader(format: format, width: width, height: height)
    }

    /// Exactly `count` bytes at `offset`, or `truncated`.
    func bytes(_ offset: Int64, _ count: Int, of format: ImageFormat) throws -> [UInt8] {
        guard offset >= 0, offset <= size - Int64(count) else { throw ImageProbeError.truncated(format) }
        let bytes = try read(offset, count)
        guard bytes.count == count else { throw ImageProbeError.truncated(format) }
        return bytes
    }

    // MARK: JPEG

    /// Walks the marker segments to the first start-of-frame; the file must end with an end-of-image marker.
    func jpegSize() throws -> (Int, Int) {
        // Encoders may pad after the end-of-image marker; a cut-off scan leaves none near the end.
        let tailLength = Int(min(size, 4_096))
        let tail = try bytes(size - Int64(tailLength), tailLength, of: .jpeg)
        guard zip(tail, tail.dropFirst()).contains(where: { $0 == 0xFF && $1 == 0xD9 }) else {
            throw ImageProbeError.truncated(.jpeg)
        }
        var offset: Int64 = 2
        for _ in 0..<10_000 {
            var marker = try bytes(offset, 2, of: .jpeg)
            guard marker[0] == 0xFF else {
                throw ImageProbeError.malformed(.jpeg, "a segment does not start with a marker")
            }
            // Fill bytes: any number of 0xFF before the marker code.
            while marker[1] == 0xFF {
                offset += 1
                marker = try bytes(offset, 2, of: .jpeg)
            }
            let code = marker[1]
            offset += 2
            if code == 0x01 || (0xD0...0xD7).contains(code) { continue }
            guard code != 0xD9, code != 0xDA else {
                throw ImageProbeError.malformed(.jpeg, "no frame header before the image data")
            }
            let length = Int64(try bigEndian(bytes(offset, 2, of: .jpeg)))
            guard length >= 2 else { throw ImageProbeError.malformed(.jpeg, "a segment is shorter than its header") }
            let isFrame = (0xC0...0xCF).contains(code) && code != 0xC4 && code != 0xC8 && code != 0xCC
            if isFrame {
                let frame = try bytes(offset + 2, 5, of: .jpeg)
                return (bigEndian(frame[3..<5]), bigEndian(frame[1..<3]))
            }
            offset += length
        }
        throw ImageProbeError.malformed(.jpeg, "too many segments before the frame header")
    }

    // MARK: PNG

    /// The IHDR chunk comes first; the file must end with the IEND chunk.
    func pngSize() throws -> (Int, Int) {
        let header = try bytes(8, 16, of: .png)
        guard header[4..<8].elementsEqual("IHDR".utf8), bigEndian(header[0..<4]) == 13 else {
            throw ImageProbeError.malformed(.png, "the first chunk is not IHDR")
        }
        let end = try bytes(size - 12, 12, of: .png)
        guard end == [0, 0, 0, 0, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82] else {
            throw ImageProbeError.truncated(.png)
        }
        return (bigEndian(header[8..<12]), bigEndian(header[12..<16]))
    }

    // MARK: WebP

    /// The RIFF size must cover the file; the size comes from the VP8X, VP8L or VP8 header.
    func webpSize() throws -> (Int, Int) {
        let riff = try bytes(0, 30, of: .webp)
        guard Int64(littleEndian(riff[4..<8])) + 8 <= size else { throw ImageProbeError.truncated(.webp) }
        let chunk = String(decoding: riff[12..<16], as: UTF8.self)
        switch chunk {
        case "VP8X":
            return (littleEndian(riff[24..<27]) + 1, littleEndian(riff[27..<30]) + 1)
        case "VP8L":
            guard riff[20] == 0x2F else { throw ImageProbeError.malformed(.webp, "bad lossless signature") }
            let bits = littleEndian(riff[21..<25])
            return ((bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1)
        case "VP8 ":
            guard riff[23..<26].elementsEqual([0x9D, 0x01, 0x2A]) else {
                throw ImageProbeError.malformed(.webp, "bad lossy frame start code")
            }
            return (littleEndian(riff[26..<28]) & 0x3FFF, littleEndian(riff[28..<30]) & 0x3FFF)
        default:
            throw ImageProbeError.malformed(.webp, "unknown first chunk \"\(chunk)\"")
        }
    }

    // MARK: TIFF

    /// Reads the first image file directory; every strip or tile it names must lie inside the file.
    func tiffSize() throws -> (Int, Int) {
        let head = try bytes(0, 8, of: .tiff)
        let little = head[0] == 0x49
        func number(_ slice: ArraySlice<UInt8>) -> Int { little ? littleEndian(slice) : bigEndian(slice) }
        let directory = Int64(number(head[4..<8]))
        let count = number(try bytes(directory, 2, of: .tiff)[0..<2])
        guard count > 0, count <= 4_096 else { throw ImageProbeError.malformed(.tiff, "bad directory size") }
        let entries = try bytes(directory + 2, count * 12, of: .tiff)
        var width = 0
        var height = 0
        var offsets: [Int] = []
        var lengths: [Int] = []
        // Each size tag is read once: a directory repeating a tag that points at megabytes of values would
        // otherwise make the server read them thousands of times.
        var seenTags = Set<Int>()
        for index in 0..<count {
            let entry = entries[(index * 12)..<(index * 12 + 12)]
            let base = entry.startIndex
            let tag = number(entry[base..<(base + 2)])
            let type = number(entry[(base + 2)..<(base + 4)])
            let valueCount = number(entry[(base + 4)..<(base + 8)])
            let valueField = entry[(base + 8)..<(base + 12)]
            // Type 3 is SHORT (2 bytes), 4 is LONG (4 bytes); size tags use one of them.
            guard type == 3 || type == 4, [256, 257, 273, 279, 324, 325].contains(tag) else { continue }
            guard seenTags.insert(tag).inserted else {
                throw ImageProbeError.malformed(.tiff, "tag \(tag) appears twice in the first directory")
            }
            let width2 = type == 3 ? 2 : 4
            func values() throws -> [Int] {
                guard valueCount > 0, valueCount <= 1_000_000 else {
                    throw ImageProbeError.malformed(.tiff, "bad value count")
                }
                let raw: [UInt8]
                if valueCount * width2 <= 4 {
                    raw = Array(valueField)
                } else {
                    raw = try bytes(Int64(number(valueField)), valueCount * width2, of: .tiff)
                }
                return (0..<valueCount).map { number(raw[($0 * width2)..<($0 * width2 + width2)]) }
            }
            switch tag {
            case 256: width = try values()[0]
            case 257: height = try values()[0]
            case 273, 324: offsets = try values()
            case 279, 325: lengths = try values()
            default: break
            }
        }
        guard !offsets.isEmpty, offsets.count == lengths.count else {
            throw ImageProbeError.unsupported(.tiff, "no strips or tiles in the first directory")
        }
        for (offset, length) in zip(offsets, lengths) where Int64(offset) + Int64(length) > size {
            throw ImageProbeError.truncated(.tiff)
        }
        return (width, height)
    }
}

private func bigEndian(_ bytes: some Collection<UInt8>) -> Int { bytes.reduce(0) { $0 << 8 | Int($1) } }
private func littleEndian(_ bytes: some Collection<UInt8>) -> Int { bytes.reversed().reduce(0) { $0 << 8 | Int($1) } }
