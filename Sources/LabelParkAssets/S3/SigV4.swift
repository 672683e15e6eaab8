import Crypto
import Foundation
import LabelParkCore

/// Credentials for signing: an access key, its secret and, for temporary credentials, a session token.
public struct S3Credentials: Sendable, Hashable {
    public var accessKeyID: String
    public var secretAccessKey: String
    public var sessionToken: String?

    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
    }

    /// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and optionally `AWS_SESSION_TOKEN`; `nil` without the first two.
    public static func fromEnvironment(_ environment: [String: String]) -> S3Credentials? {
        guard let key = environment["AWS_ACCESS_KEY_ID"], !key.isEmpty,
            let secret = environment["AWS_SECRET_ACCESS_KEY"], !secret.isEmpty
        else { return nil }
        let token = environment["AWS_SESSION_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
        return S3Credentials(accessKeyID: key, secretAccessKey: secret, sessionToken: token)
    }
}

/// One HTTP request to sign: method, host (with a non-default port), the already-encoded path, the query
/// parameters (raw, unencoded) and the headers to send.
public struct SigV4Request: Sendable {
    public var method: String
    public var host: String
    /// The path as sent on the wire, percent-encoded (see ``SigV4/encodePath(_:)``).
    public var encodedPath: String
    public var query: [(name: String, value: String)]
    public var headers: [(name: String, value: String)]
    /// Lowercase hex SHA-256 of the body, or `UNSIGNED-PAYLOAD`.
    public var payloadHash: String

    public init(
        method: String, host: String, encodedPath: String, query: [(name: String, value: String)] = [],
        headers: [(name: String, value: String)] = [], payloadHash: String
    ) {
        self.method = method
        self.host = host
        self.encodedPath = encodedPath
        self.query = query
        self.headers = headers
        self.payloadHash = payloadHash
    }
}

/// AWS Signature Version 4 for S3, as header authorization and as presigned URLs.
///
/// The steps are the published algorithm: a canonical request (method, path, sorted query, sorted lowercase
/// headers, signed header names, payload hash), a string to sign over its SHA-256 with the date and scope, and an
/// HMAC-SHA256 signature with a key derived from the secret, the date, the region and the service. Tests compare
/// every step's output with botocore's for a table of keys.
public struct SigV4: Sendable {
    public var credentials: S3Credentials
    public var region: String
    public var service = "s3"

    public init(credentials: S3Credentials, region: String) {
        self.credentials = credentials
        self.region = region
    }

    public static let unsignedPayload = "UNSIGNED-PAYLOAD"
    public static let emptyPayloadHash = hex(SHA256.hash(data: [UInt8]()))

    /// The headers to add to `request` so it is signed at `date`: `x-amz-date`, `x-amz-content-sha256`, the
    /// session token if any, and `Authorization`.
    public func authorizationHeaders(for request: SigV4Request, at date: Date) -> [(name: String, value: String)] {
        let stamp = Self.timestamp(date)
        var added: [(name: String, value: String)] = [
            ("X-Amz-Date", stamp), ("X-Amz-Content-SHA256", request.payloadHash),
        ]
        if let token = credentials.sessionToken { added.append(("X-Amz-Security-Token", token)) }
        var signing = request
        signing.headers += added
        let canonical = canonicalRequest(signing)
        let signature = sign(canonical.text, at: date)
        added.append(
            (
                "Authorization",
                "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyID)/\(scope(date)), "
                    + "SignedHeaders=\(canonical.signedHeaders), Signature=\(signature)"
            ))
        return added
    }

    /// A URL that performs `method` on `encodedPath` without credentials until `expires` seconds after `date`.
    ///
    /// `query` holds the request's own parameters (such as `response-content-type`), which come first in the
    /// URL; the authentication parameters follow in botocore's fixed order, the signature last. `headers` are
    /// headers the user of the URL must send as given (such as `Content-Type` for an upload); they are signed
    /// with `host`.
    public func presignedURL(
        method: String, scheme: String, host: String, encodedPath: String,
        query: [(name: String, value: String)] = [], headers: [(name: String, value: String)] = [],
        expires: Int, at date: Date
    ) -> String {
        let signedHeaders = (["host"] + headers.map { $0.name.lowercased() }).sorted().joined(separator: ";")
        var authentication: [(name: String, value: String)] = [
            ("X-Amz-Algorithm", "AWS4-HMAC-SHA256"),
            ("X-Amz-Credential", "\(credentials.accessKeyID)/\(scope(date))"),
            ("X-Amz-Date", Self.timestamp(date)),
            ("X-Amz-Expires", String(expires)),
            ("X-Amz-SignedHeaders", signedHeaders),
        ]
        if let token = credentials.sessionToken { authentication.append(("X-Amz-Security-Token", token)) }
        let request = SigV4Request(
            method: method, host: host, encodedPath: encodedPath, query: query + authentication, headers: headers,
            payloadHash: Self.unsignedPayload)
        let signature = sign(canonicalRequest(request).text, at: date)
        let queryString = (query + authentication + [("X-Amz-Signature", signature)])
            .map { Self.encode($0.name, keepingSlash: false) + "=" + Self.encode($0.value, keepingSlash: false) }
            .joined(separator: "&")
        return "\(scheme)://\(host)\(encodedPath)?\(queryString)"
    }

    /// The canonical request and the signed header names (lowercase, sorted, `;`-joined).
    public func canonicalRequest(_ request: SigV4Request) -> (text: String, signedHeaders: String) {
        var headers: [String: String] = ["host": request.host]
        for header in request.headers {
            let name = header.name.lowercased()
            guard !Self.unsignedHeaders.contains(name) else { continue }
            let value = Self.trimmed(header.value)
            headers[name] = headers[name].map { $0 + "," + value } ?? value
        }
        let names = headers.keys.sorted()
        let canonicalHeaders = names.map { "\($0):\(headers[$0] ?? "")\n" }.joined()
        let signedHeaders = names.joined(separator: ";")
        let text = [
            request.method, request.encodedPath, Self.canonicalQuery(request.query), canonicalHeaders, signedHeaders,
            request.payloadHash,
        ].joined(separator: "\n")
        return (text, signedHeaders)
    }

    /// The string to sign for a canonical request at `date`.
    public func stringToSign(_ canonicalRequest: String, at date: Date) -> String {
        [
            "AWS4-HMAC-SHA256", Self.timestamp(date), scope(date),
            Self.hex(SHA256.hash(data: Array(canonicalRequest.utf8))),
        ].joined(separator: "\n")
    }

    func sign(_ canonicalRequest: String, at date: Date) -> String {
        let day = String(Self.timestamp(date).prefix(8))
        var key = SymmetricKey(data: Array(("AWS4" + credentials.secretAccessKey).utf8))
        for part in [day, region, service, "aws4_request"] {
            key = SymmetricKey(data: Array(HMAC<SHA256>.authenticationCode(for: Array(part.utf8), using: key)))
        }
        let signature = HMAC<SHA256>.authenticationCode(
            for: Array(stringToSign(canonicalRequest, at: date).utf8), using: key)
        return Self.hex(signature)
    }

    func scope(_ date: Date) -> String { "\(Self.timestamp(date).prefix(8))/\(region)/\(service)/aws4_request" }

    /// Headers that proxies or the HTTP client may change, never signed (as botocore leaves them out).
    static let unsignedHeaders: Set<String> = [
        "authorization", "user-agent", "expect", "x-amzn-trace-id", "transfer-encoding", "connection", "keep-alive",
        "te", "trailer", "upgrade", "content-length",
    ]

    /// `YYYYMMDDTHHMMSSZ` in UTC: the park's RFC 3339 rendering without separators and milliseconds.
    public static func timestamp(_ date: Date) -> String {
        let milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        let iso8601 = Timestamp(rawValue: milliseconds - milliseconds % 1000).iso8601  // 2026-01-02T03:04:05.000Z
        return String(iso8601.prefix(19).filter { $0 != "-" && $0 != ":" }) + "Z"
    }

    /// Query parameters encoded and sorted by name, then value.
    public static func canonicalQuery(_ parameters: [(name: String, value: String)]) -> String {
        parameters.map { (encode($0.name, keepingSlash: false), encode($0.value, keepingSlash: false)) }
            .sorted { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
            .map { "\($0.0)=\($0.1)" }
            .joined(separator: "&")
    }

    /// A path encoded as S3 expects it: every byte but unreserved characters and `/` as `%XX`.
    public static func encodePath(_ path: String) -> String { encode(path, keepingSlash: true) }

    /// RFC 3986 encoding: `A–Z a–z 0–9 - . _ ~` stay, every other UTF-8 byte becomes uppercase `%XX`.
    public static func encode(_ text: String, keepingSlash: Bool) -> String {
        var encoded = ""
        encoded.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            let isUnreserved =
                (65...90).contains(byte) || (97...122).contains(byte) || (48...57).contains(byte) || byte == 45
                || byte == 46 || byte == 95 || byte == 126
            if isUnreserved || (keepingSlash && byte == 47) {
                encoded.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                encoded +=
                    "%" + String(byte >> 4, radix: 16, uppercase: true) + String(byte & 15, radix: 16, uppercase: true)
            }
        }
        return encoded
    }

    static func trimmed(_ value: String) -> String {
        value.split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ")
    }

    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }
}
