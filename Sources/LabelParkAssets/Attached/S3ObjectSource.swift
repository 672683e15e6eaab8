import AsyncHTTPClient
import Logging
import NIOCore

/// A client's bucket (or a folder of it) attached to a project, read with its own credentials.
public struct S3ObjectSource: ObjectSource {
    let s3: S3Client
    /// Where `withLocalFile` downloads objects.
    let scratchDirectory: String

    public init(
        location: S3Location, credentials: S3Credentials, scratchDirectory: String, client: HTTPClient = .shared,
        logger: Logger = Logger(label: "labelpark.s3")
    ) {
        self.s3 = S3Client(location: location, credentials: credentials, http: client, logger: logger)
        self.scratchDirectory = scratchDirectory
    }

    public func list(pageSize: Int, _ page: ([SourceObject]) async throws -> Void) async throws {
        var token: String?
        repeat {
            let listed = try await s3.list(continuingFrom: token, limit: pageSize)
            try await page(listed.objects.map { SourceObject(key: $0.key, byteCount: $0.size, version: $0.etag) })
            token = listed.nextToken
        } while token != nil
    }

    public func open(_ key: String, version: String, range: Range<Int64>?) async throws -> ObjectBytes {
        ObjectBytes(origin: .response(try await s3.open(key, range: range, ifMatch: version)))
    }

    public func withLocalFile<Value: Sendable>(
        _ key: String, version: String, _ body: (String) async throws -> Value
    ) async throws -> Value {
        try await ScratchFile.withDownload(
            into: scratchDirectory, { try await self.read(key, version: version, range: nil, into: $0) }, body)
    }
}
