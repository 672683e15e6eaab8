/// Compact JSON serialization appended to a byte buffer.
///
/// Writers append to a caller-owned buffer so export loops can reuse one allocation for millions of rows.
extension JSONValue {
    /// Appends the compact JSON text of this value to `buffer`.
    public func write(to buffer: inout [UInt8]) {
        switch self {
        case .null: buffer.append(contentsOf: "null".utf8)
        case .bool(let b): buffer.append(contentsOf: (b ? "true" : "false").utf8)
        case .number(let text): buffer.append(contentsOf: text.utf8)
        case .string(let s): JSONValue.writeString(s, to: &buffer)
        case .array(let elements):
            buffer.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { buffer.append(UInt8(ascii: ",")) }
                element.write(to: &buffer)
            }
            buffer.append(UInt8(ascii: "]"))
        case .object(let members):
            buffer.append(UInt8(ascii: "{"))
            for (index, member) in members.enumerated() {
                if index > 0 { buffer.append(UInt8(ascii: ",")) }
                JSONValue.writeString(member.key, to: &buffer)
                buffer.append(UInt8(ascii: ":"))
                member.value.write(to: &buffer)
            }
            buffer.append(UInt8(ascii: "}"))
        }
    }

    /// The compact JSON text of this value.
    public var jsonText: String {
        var buffer: [UInt8] = []
        write(to: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }

    /// Appends `string` as a quoted JSON string, escaping only what JSON requires plus `<`, `>` and `&`.
    ///
    /// The HTML-significant characters are escaped as `\u003c` etc. so JSON can never close a `<script>`
    /// block or start markup if some consumer embeds it in a page; the value decodes identically.
    public static func writeString(_ string: String, to buffer: inout [UInt8]) {
        buffer.append(UInt8(ascii: "\""))
        // Most strings need no escape at all; copying them whole is several times faster than byte by byte.
        if string.utf8.allSatisfy({ !needsEscape($0) }) {
            buffer.append(contentsOf: string.utf8)
        } else {
            for byte in string.utf8 { appendEscaped(byte, to: &buffer) }
        }
        buffer.append(UInt8(ascii: "\""))
    }

    private static func needsEscape(_ byte: UInt8) -> Bool {
        byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte == UInt8(ascii: "<")
            || byte == UInt8(ascii: ">") || byte == UInt8(ascii: "&")
    }

    private static func appendEscaped(_ byte: UInt8, to buffer: inout [UInt8]) {
        switch byte {
        case UInt8(ascii: "\""): buffer.append(0x5C); buffer.append(0x22)
        case UInt8(ascii: "\\"): buffer.append(0x5C); buffer.append(0x5C)
        case 0x0A: buffer.append(0x5C); buffer.append(UInt8(ascii: "n"))
        case 0x0D: buffer.append(0x5C); buffer.append(UInt8(ascii: "r"))
        case 0x09: buffer.append(0x5C); buffer.append(UInt8(ascii: "t"))
        case 0..<0x20, UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "&"):
            buffer.append(contentsOf: "\\u00".utf8)
            buffer.append(hexDigit(byte >> 4))
            buffer.append(hexDigit(byte & 0x0F))
        default: buffer.append(byte)
        }
    }

    private static func hexDigit(_ value: UInt8) -> UInt8 {
        value < 10 ? UInt8(ascii: "0") + value : UInt8(ascii: "a") + value - 10
    }
}
