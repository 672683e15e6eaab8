import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import XMLCoder

/// Signed requests to one bucket (and folder) of an S3-compatible service; what the asset store and attached
/// buckets share.
struct S3Client: Sendable {
    let location: S3Location
    let signer: SigV4
    let http: HTTPClient
    let logger: Logger

    init(location: S3Location, credentials: S3Credentials, http: HTTPClient, logger: Logger) {
        self.location = location
        self.signer = SigV4(credentials: credentials, region: location.region)
        self.http = http
        self.logger = logger
    }

    /// Sends one signed request for the object `key` (relative to the location's folder), or for the bucket
    /// itself with `query` when `key` is `nil`.
    func send(
        _ method: String, key: String?, query: [(name: String, value: String)] = [], headers: [(String, String)] = [],
        payloadHash: String = SigV4.emptyPayloadHash, body: HTTPClientRequest.Body? = nil,
        timeout: TimeAmount = .seconds(300)
    ) async throws -> HTTPClientResponse {
        let path = key.map { location.encodedPath(of: $0) } ?? location.encodedBucketPath
        let signing = SigV4Request(
            method: method, host: location.host, encodedPath: path, query: query,
            headers: headers.map { (name: $0.0, value: $0.1) }, payloadHash: payloadHash)
        let queryString = query.isEmpty ? "" : "?" + SigV4.canonicalQuery(query)
        var request = HTTPClientRequest(url: location.origin + path + queryString)
        request.method = HTTPMethod(rawValue: method)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        for header in signer.authorizationHeaders(for: signing, at: Date()) {
            request.headers.add(name: header.name, value: header.value)
        }
        request.body = body
        return try await http.execute(request, timeout: timeout, logger: logger)
    }

    /// Opens the bytes `range` of the object `key` (all of it when `nil`); with `ifMatch`, only while the object's
    /// ETag is that one (`ObjectSourceError.changed` otherwise).
    func open(_ key: String, range: Range<Int64>?, ifMatch: String?) async throws -> HTTPClientResponse.Body {
        var headers: [(String, String)] = []
        if let range {
            // An empty range has no bytes to ask for; the object's first byte (at most) is read and dropped.
            headers.append(("Range", "bytes=\(range.lowerBound)-\(max(range.lowerBound, range.upperBound - 1))"))
        }
        if let ifMatch { headers.append(("If-Match", ifMatch)) }
        let response = try await send("GET", key: key, headers: headers)
        if response.status == .notFound { throw ObjectSourceError.notFound(key) }
        if response.status == .preconditionFailed { throw ObjectSourceError.changed(key) }
        try await Self.requireSuccess(response)
        return response.body
    }

    /// One page of the objects under the location's folder, in key order (`ListObjectsV2`), continuing from
    /// `token`; keys are relative to the folder.
    func list(continuingFrom token: String?, limit: Int) async throws -> S3ObjectPage {
        let folder = location.prefix.isEmpty ? "" : location.prefix + "/"
        var query: [(name: String, value: String)] = [
            ("list-type", "2"), ("max-keys", String(max(1, min(limit, 1_000)))),
        ]
        if !folder.isEmpty { query.append(("prefix", folder)) }
        if let token { query.append(("continuation-token", token)) }
        let response = try await send("GET", key: nil, query: query, timeout: .seconds(60))
        try await Self.requireSuccess(response)
        let body = try await response.body.collect(upTo: 32 << 20)
        let result: ListBucketResult
        do {
            result = try XMLDecoder().decode(ListBucketResult.self, from: Data(buffer: body))
        } catch {
            throw AssetStoreError.service(
                status: 200, code: "MalformedListing", message: "the object listing could not be read: \(error)")
        }
        let objects = result.contents.compactMap { object -> S3ObjectSummary? in
            guard object.key.hasPrefix(folder), object.key.count > folder.count, !object.key.hasSuffix("/") else {
                return nil
            }
            return S3ObjectSummary(
                key: String(object.key.dropFirst(folder.count)), size: object.size, etag: object.etag)
        }
        let next = result.isTruncated ? result.nextContinuationToken : nil
        return S3ObjectPage(objects: objects, nextToken: next)
    }

    static func requireSuccess(_ response: HTTPClientResponse) async throws {
        guard !(200..<300).contains(response.status.code) else { return }
        // S3 errors are a small XML document with <Code> and <Message>.
        let text = (try? await response.body.collect(upTo: 64 * 1024)).map { String(buffer: $0) } ?? ""
        throw AssetStoreError.service(
            status: Int(response.status.code), code: element("Code", in: text) ?? response.status.reasonPhrase,
            message: element("Message", in: text) ?? "")
    }

    static func element(_ name: String, in xml: String) -> String? {
        guard let start = xml.range(of: "<\(name)>"),
            let end = xml.range(of: "</\(name)>", range: start.upperBound..<xml.endIndex)
        else { return nil }
        return String(xml[start.upperBound..<end.lowerBound])
    }
}

/// A page of a bucket's listing.
struct S3ObjectPage: Sendable {
    var objects: [S3ObjectSummary]
    /// Where the next page starts; `nil` after the last.
    var nextToken: String?
}

/// One listed object: its key (relative to the folder), size and ETag (with its quotes).
struct S3ObjectSummary: Sendable, Hashable {
    var key: String
    var size: Int64
    var etag: String
}

/// The part of a `ListObjectsV2` answer the park reads.
private struct ListBucketResult: Decodable {
    var isTruncated: Bool
    var nextContinuationToken: String?
    var contents: [Entry]

    struct Entry: Decodable {
        var key: String
        var size: Int64
        var etag: String

        enum CodingKeys: String, CodingKey {
            case key = "Key"
            case size = "Size"
            case etag = "ETag"
        }
    }

    enum CodingKeys: String, CodingKey {
        case isTruncated = "IsTruncated"
        case nextContinuationToken = "NextContinuationToken"
        case contents = "Contents"
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        isTruncated = try container.decodeIfPresent(Bool.self, forKey: .isTruncated) ?? false
        nextContinuationToken = try container.decodeIfPresent(String.self, forKey: .nextContinuationToken)
        contents = try container.decodeIfPresent([Entry].self, forKey: .contents) ?? []
    }
}
