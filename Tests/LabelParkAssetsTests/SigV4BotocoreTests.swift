import Foundation
import LabelParkAssets
import Testing

/// Our SigV4 against botocore's, byte for byte: the vectors are botocore's own output at a fixed time and with
/// fixed credentials for a table of awkward keys (`Tests/reference/s3_signature_vectors.py` writes them, and
/// CI checks they still equal the installed botocore's).
@Suite("SigV4 equals botocore")
struct SigV4BotocoreTests {
    struct Vectors: Decodable {
        struct Credentials: Decodable {
            let access_key_id: String
            let secret_access_key: String
            let session_token: String
        }
        struct Presigned: Decodable {
            let id: String
            let method: String
            let key: String
            let expires: Int
            let response_content_type: String?
            let content_type: String?
            let session_token: String?
            let url: String
            let canonical_request: String
        }
        struct SignedRequest: Decodable {
            let id: String
            let method: String
            let url: String
            let endpoint: String
            let query: [[String]]
            let headers: [String: String]
            let canonical_request: String
            let string_to_sign: String
            let session_token: String?
            let signed_headers: [String]
        }
        let time: String
        let region: String
        let bucket: String
        let endpoint: String
        let credentials: Credentials
        let presigned: [Presigned]
        let requests: [SignedRequest]
    }

    static let vectors: Vectors = {
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Resources/botocore-sigv4-vectors.json")
        // The file is part of the repository; a missing or unreadable one is a broken checkout.
        return try! JSONDecoder().decode(Vectors.self, from: Data(contentsOf: file))
    }()

    /// 2026-01-02T03:04:05Z.
    static let date = Date(timeIntervalSince1970: 1_767_323_045)

    static func signer(token: String?) -> SigV4 {
        SigV4(
            credentials: S3Credentials(
                accessKeyID: vectors.credentials.access_key_id, secretAccessKey: vectors.credentials.secret_access_key,
                sessionToken: token),
            region: vectors.region)
    }

    @Test("the fixed time is the vectors' time")
    func time() {
        #expect(SigV4.timestamp(Self.date) == "20260102T030405Z")
        #expect(Self.vectors.time == "2026-01-02T03:04:05Z")
        #expect(SigV4.timestamp(Date(timeIntervalSince1970: 951_782_400)) == "20000229T000000Z")
    }

    @Test("presigned URLs equal botocore's generate_presigned_url for every key")
    func presignedURLs() throws {
        #expect(Self.vectors.presigned.count >= 20)
        for vector in Self.vectors.presigned {
            let url = Self.signer(token: vector.session_token).presignedURL(
                method: vector.method, scheme: "http", host: "127.0.0.1:9000",
                encodedPath: SigV4.encodePath("/\(Self.vectors.bucket)/\(vector.key)"),
                query: vector.response_content_type.map { [("response-content-type", $0)] } ?? [],
                headers: vector.content_type.map { [("Content-Type", $0)] } ?? [], expires: vector.expires,
                at: Self.date)
            #expect(url == vector.url, "\(vector.id)")
        }
    }

    @Test("signed requests equal botocore's: canonical request, string to sign and Authorization")
    func signedRequests() throws {
        #expect(Self.vectors.requests.count >= 100)
        let added: Set<String> = ["x-amz-date", "x-amz-content-sha256", "x-amz-security-token", "authorization"]
        for vector in Self.vectors.requests {
            let components = try #require(URLComponents(string: vector.url))
            let host = try #require(components.host) + (components.port.map { ":\($0)" } ?? "")
            // The headers the caller sets before signing (botocore adds its bookkeeping headers and Content-Length
            // afterwards, unsigned); the signer adds the date, the payload hash, the token and the signature.
            let sent = vector.headers.filter { vector.signed_headers.contains($0.key) && !added.contains($0.key) }
                .map { (name: $0.key, value: $0.value) }.sorted { $0.name < $1.name }
            let request = SigV4Request(
                method: vector.method, host: host, encodedPath: components.percentEncodedPath,
                query: vector.query.map { (name: $0[0], value: $0[1]) }, headers: sent,
                payloadHash: try #require(vector.headers["x-amz-content-sha256"]))
            let signer = Self.signer(token: vector.session_token)
            let headers = signer.authorizationHeaders(for: request, at: Self.date)
            let withAdded = SigV4Request(
                method: request.method, host: host, encodedPath: request.encodedPath, query: request.query,
                headers: sent + headers.filter { $0.name != "Authorization" }, payloadHash: request.payloadHash)
            let canonical = signer.canonicalRequest(withAdded).text
            #expect(canonical == vector.canonical_request, "\(vector.id)")
            #expect(signer.stringToSign(canonical, at: Self.date) == vector.string_to_sign, "\(vector.id)")
            for (name, value) in headers {
                #expect(vector.headers[name.lowercased()] == value, "\(vector.id): \(name)")
            }
        }
    }
}
