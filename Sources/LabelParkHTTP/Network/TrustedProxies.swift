/// The proxies whose `X-Forwarded-*` headers are believed (`serve --trusted-proxy CIDR`).
///
/// Without any, those headers are ignored: a client could otherwise name any address to dodge the sign-in
/// limits, or claim HTTPS.
public struct TrustedProxies: Sendable, Equatable {
    let networks: [IPNetwork]

    public static let none = TrustedProxies(networks: [])

    /// Parses CIDR blocks such as `127.0.0.1/32`, `10.0.0.0/8` or `::1/128`; a bare address is one host.
    public init(cidrs: [String]) throws(TrustedProxyError) {
        networks = try cidrs.map { text throws(TrustedProxyError) in
            guard let network = IPNetwork(cidr: text) else { throw TrustedProxyError.invalid(text) }
            return network
        }
    }

    private init(networks: [IPNetwork]) { self.networks = networks }

    public var isEmpty: Bool { networks.isEmpty }

    /// Whether an address (textual IPv4 or IPv6) lies in one of the trusted networks.
    func contains(_ address: String) -> Bool {
        guard let bytes = IPNetwork.bytes(of: address) else { return false }
        return networks.contains { $0.contains(bytes) }
    }
}

public enum TrustedProxyError: Error, CustomStringConvertible, Equatable {
    case invalid(String)

    public var description: String {
        switch self {
        case .invalid(let text): "--trusted-proxy \(text): expected an address or CIDR block such as 10.0.0.0/8"
        }
    }
}

/// An IPv4 or IPv6 network: address bytes and a prefix length.
struct IPNetwork: Sendable, Equatable {
    let address: [UInt8]
    let prefixLength: Int

    init?(cidr: String) {
        let parts = cidr.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let first = parts.first, let address = Self.bytes(of: String(first)) else { return nil }
        let bits = address.count * 8
        var prefixLength = bits
        if parts.count == 2 {
            guard let length = Int(parts[1]), (0...bits).contains(length) else { return nil }
            prefixLength = length
        }
        self.address = address
        self.prefixLength = prefixLength
    }

    func contains(_ other: [UInt8]) -> Bool {
        guard other.count == address.count else { return false }
        var remaining = prefixLength
        for (mine, theirs) in zip(address, other) where remaining > 0 {
            let mask: UInt8 = remaining >= 8 ? 0xFF : ~(0xFF >> UInt8(remaining))
            guard mine & mask == theirs & mask else { return false }
            remaining -= 8
        }
        return true
    }

    /// The bytes of a textual address: 4 for IPv4, 16 for IPv6 (an IPv4-mapped IPv6 address counts as IPv4).
    static func bytes(of text: String) -> [UInt8]? {
        if let v4 = ipv4(Substring(text)) { return v4 }
        guard let v6 = ipv6(text) else { return nil }
        let mappedPrefix: [UInt8] = Array(repeating: 0, count: 10) + [0xFF, 0xFF]
        return Array(v6.prefix(12)) == mappedPrefix ? Array(v6.suffix(4)) : v6
    }

    private static func ipv4(_ text: Substring) -> [UInt8]? {
        let octets = text.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4 else { return nil }
        var bytes: [UInt8] = []
        for octet in octets {
            guard (1...3).contains(octet.count), octet.allSatisfy(\.isASCIIDigit), let value = UInt8(octet) else {
                return nil
            }
            bytes.append(value)
        }
        return bytes
    }

    private static func ipv6(_ text: String) -> [UInt8]? {
        var text = Substring(text)
        if text.hasPrefix("["), text.hasSuffix("]") { text = text.dropFirst().dropLast() }
        if let zone = text.firstIndex(of: "%") { text = text[..<zone] }
        let halves = text.split(separator: "::", omittingEmptySubsequences: false)
        guard (1...2).contains(halves.count) else { return nil }
        func groups(_ part: Substring) -> [UInt8]? {
            guard !part.isEmpty else { return [] }
            var bytes: [UInt8] = []
            let pieces = part.split(separator: ":", omittingEmptySubsequences: false)
            for (index, piece) in pieces.enumerated() {
                if index == pieces.count - 1, piece.contains("."), let v4 = ipv4(piece) {
                    bytes += v4
                    continue
                }
                guard (1...4).contains(piece.count), let value = UInt16(piece, radix: 16) else { return nil }
                bytes += [UInt8(value >> 8), UInt8(value & 0xFF)]
            }
            return bytes
        }
        guard let head = halves.first.flatMap(groups) else { return nil }
        if halves.count == 1 { return head.count == 16 ? head : nil }
        guard let tail = groups(halves[1]), head.count + tail.count <= 14 else { return nil }
        return head + Array(repeating: 0, count: 16 - head.count - tail.count) + tail
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
