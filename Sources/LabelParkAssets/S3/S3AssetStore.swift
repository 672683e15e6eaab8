import AsyncHTTPClient
import Crypto
import Foundation
import Logging
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// Where a park's objects live in S3-compatible storage.
public struct S3Location: Sendable, Hashable {
    /// `http(s)://host[:port]` of the service (AWS, MinIO, Ceph, moto…).
    public var endpoint: URL
    public var bucket: String
    /// A folder inside the bucket (no leading or trailing slash); empty for the bucket's root.
    public var prefix: String
    public var region: String
    /// `https://endpoint/bucket/key` rather than `https://bucket.endpoint/key`; self-hosted services need it.
    public var pathStyle: Bool

    /// Parses `s3://bucket/optional/prefix` with the endpoint and region given separately.
    public init(url: String, endpoint: URL, region: String, pathStyle: Bool = true) throws {
        guard url.hasPrefix("s3://") else {
            throw AssetStoreError.invalidConfiguration("storage URL must look like s3://bucket/prefix, not \(url)")
        }
        let rest = url.dropFirst("s3://".count).split(separator: "/", omittingEmptySubsequences: true)
        guard let bucket = rest.first.map(String.init), Self.isBucketName(bucket) else {
            throw AssetStoreError.invalidConfiguration("\(url) does not name a valid bucket (3–63 of a-z 0-9 . -)")
        }
        guard let scheme = endpoint.scheme, scheme == "http" || scheme == "https", endpoint.host != nil else {
            throw AssetStoreError.invalidConfiguration("the S3 endpoint must be an http(s) URL, not \(endpoint)")
        }
        self.endpoint = endpoint
        self.bucket = bucket
        self.prefix = rest.dropFirst().joined(separator: "/")
        self.region = region
        self.pathStyle = pathStyle
    }

    public static func isBucketName(_ name: String) -> Bool {
        (3...63).contains(name.utf8.count)
            && name.utf8.allSatisfy { (97...122).contains($0) || (48...57).contains($0) || $0 == 46 || $0 == 45 }
    }

    /// `scheme://host[:port]`.
    var origin: String {
        let scheme = endpoint.scheme ?? "https"
        return "\(scheme)://\(host)"
    }

    /// The Host header: the endpoint's host (with the bucket in front unless path-style) and a non-default port.
    var host: String {
        let name = pathStyle ? (endpoint.host ?? "") : "\(bucket).\(endpoint.host ?? "")"
        guard let port = endpoint.port else { return name }
        let isDefault = (endpoint.scheme == "http" && port == 80) || (endpoint.scheme == "https" && port == 443)
        return isDefault ? name : "\(name):\(port)"
    }

    /// The encoded request path of the bucket itself (for listings).
    var encodedBucketPath: String { pathStyle ? "/\(SigV4.encode(bucket, keepingSlash: false))" : "/" }

    /// The encoded request path of an object key (or of the bucket for an empty key).
    func encodedPath(of key: String) -> String {
        let objectKey = prefix.isEmpty ? key : prefix + "/" + key
        let path = pathStyle ? "/\(bucket)/\(objectKey)" : "/\(objectKey)"
        return SigV4.encodePath(path)
    }
}

/// Objects in an S3-compatible bucket, signed with our own SigV4 (``SigV4``) over AsyncHTTPClient.
///
/// A put is one signed `PUT` of the whole file with its SHA-256 as the payload hash: the service stores the
/// object only once all of it arrived and matched, so readers never see part of one. Objects of up to 5 GiB
/// (S3's limit for one `PUT`) are accepted; uploads are capped below that.
public final class S3AssetStore: AssetStore {
    public var location: S3Location { s3.location }
    let s3: S3Client
    /// Where `withLocalFile` downloads objects.
    let scratchDirectory: String
    private let puts = OncePerKey()

    public init(
        location: S3Location, credentials: S3Credentials, scratchDirectory: String,
        client: HTTPClient = .shared, logger: Logger = Logger(label: "labelpark.s3")
    ) {
        self.s3 = S3Client(location: location, credentials: credentials, http: client, logger: logger)
        self.scratchDirectory = scratchDirectory
    }

    public var browserOrigin: String? { location.origin }

    public func put(movingFileAt file: String, as key: AssetKey, contentType: String) async throws {
        defer { try? FileManager.default.removeItem(atPath: file) }
        // Uploads of the same bytes at the same time (eight annotators' copies of one photo) send them once.
        try await puts.once(key) { try await self.upload(file, as: key, contentType: contentType) }
    }

    private func upload(_ file: String, as key: AssetKey, contentType: String) async throws {
        if try await size(of: key) != nil { return }
        let (digest, length) = try FileDigest.sha256(ofFileAt: file)
        let body = HTTPClientRequest.Body.stream(try Self.chunks(ofFileAt: file), length: .known(length))
        let response = try await s3.send(
            "PUT", key: key.rawValue, headers: [("Content-Type", contentType), ("Content-Length", String(length))],
            payloadHash: digest, body: body)
        try await S3Client.requireSuccess(response)
    }

    public func size(of key: AssetKey) async throws -> Int64? {
        let response = try await s3.send("HEAD", key: key.rawValue)
        if response.status == .notFound { return nil }
        try await S3Client.requireSuccess(response)
        return response.headers.first(name: "Content-Length").flatMap { Int64($0) }
    }

    public func read(
        _ key: AssetKey, range: Range<Int64>?, into body: (ByteBuffer) async throws -> Void
    ) async throws {
        if let range, range.isEmpty { return }
        let bytes: HTTPClientResponse.Body
        do {
            bytes = try await s3.open(key.rawValue, range: range, ifMatch: nil)
        } catch ObjectSourceError.notFound {
            throw AssetStoreError.notFound(key)
        }
        for try await chunk in bytes { try await body(chunk) }
    }

    public func withLocalFile<Value: Sendable>(
        _ key: AssetKey, _ body: (String) async throws -> Value
    ) async throws -> Value {
        try await ScratchFile.withDownload(
            into: scratchDirectory, { try await self.read(key, range: nil, into: $0) }, body)
    }

    public func delete(_ key: AssetKey) async throws {
        let response = try await s3.send("DELETE", key: key.rawValue)
        if response.status == .notFound { return }
        try await S3Client.requireSuccess(response)
    }

    public func presignedURL(for key: AssetKey, expiresIn seconds: Int, contentType: String) throws -> String? {
        s3.signer.presignedURL(
            method: "GET", scheme: location.endpoint.scheme ?? "https", host: location.host,
            encodedPath: location.encodedPath(of: key.rawValue), query: [("response-content-type", contentType)],
            expires: seconds, at: Date())
    }

    /// The file's bytes, read a megabyte at a time as the request body is sent.
    static func chunks(ofFileAt path: String) throws -> AsyncThrowingStream<ByteBuffer, any Error> {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw AssetStoreError.invalidConfiguration("cannot read \(path)")
        }
        return AsyncThrowingStream {
            guard let data = try handle.read(upToCount: 1 << 20), !data.isEmpty else {
                try? handle.close()
                return nil
            }
            return ByteBuffer(data: data)
        }
    }
}

/// Runs one operation per key at a time: a caller arriving while the key's operation runs waits for it
/// instead of starting its own, then returns its outcome.
actor OncePerKey {
    private var running: [AssetKey: Task<Void, any Error>] = [:]

    func once(_ key: AssetKey, _ operation: @escaping @Sendable () async throws -> Void) async throws {
        if let task = running[key] { return try await task.value }
        let task = Task { try await operation() }
        running[key] = task
        defer { running[key] = nil }
        try await task.value
    }
}
