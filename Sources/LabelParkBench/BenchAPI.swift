import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// The few API v1 calls the scenarios make, with the raw status for error accounting.
struct BenchAPI: Sendable {
    let client: HTTPClient
    let baseURL: String

    struct Reply {
        var status: Int
        var body: ByteBuffer
    }

    func send(
        _ method: HTTPMethod, _ path: String, token: String, body: ByteBuffer? = nil,
        contentType: String = "application/json", collectUpTo limit: Int = 16 << 20
    ) async throws -> Reply {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        if let body {
            request.headers.add(name: "Content-Type", value: contentType)
            request.body = .bytes(body)
        }
        let response = try await client.execute(request, timeout: .seconds(300))
        return Reply(status: Int(response.status.code), body: try await response.body.collect(upTo: limit))
    }

    func createProject(token: String, overlap: Int, quality: String?) async throws -> Int {
        let body = """
            {"name":"bench","overlap":\(overlap),"lease_seconds":300,\(quality.map { "\"quality\":\($0)," } ?? "")
             "schema":{"fields":[{"name":"text","type":"text"}],
                       "questions":[{"name":"sentiment","type":"choice","options":["pos","neg","neu"],"required":true}]}}
            """
        let reply = try await send(.POST, "/api/v1/projects", token: token, body: ByteBuffer(string: body))
        guard reply.status == 201, let id = Self.integer(in: reply.body, key: "id") else {
            throw BenchError("creating the project answered \(reply.status)")
        }
        return id
    }

    /// The first integer value of `"key":` in a JSON body; enough for the ids the bench reads.
    static func integer(in body: ByteBuffer, key: String) -> Int? {
        let text = String(buffer: body)
        guard let range = text.range(of: "\"\(key)\":") else { return nil }
        return Int(text[range.upperBound...].prefix { $0.isNumber })
    }

    static func string(in body: ByteBuffer, key: String) -> String? {
        let text = String(buffer: body)
        guard let range = text.range(of: "\"\(key)\":\"") else { return nil }
        return String(text[range.upperBound...].prefix { $0 != "\"" })
    }
}
