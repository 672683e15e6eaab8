import HTTPTypes
import Hummingbird
import LabelParkCore
import NIOCore

/// Builds JSON responses from `JSONValue`s.
enum JSONResponse {
    static func make(_ value: JSONValue, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(256)
        value.write(to: &bytes)
        var headers = headers
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}

/// Reads JSON request bodies with a size and depth limit, and pulls typed fields out of them with errors
/// that name the field.
struct JSONRequest {
    static let defaultLimit = 1 << 20

    let value: JSONValue

    /// Collects and parses the body; 413 past `limit` bytes, 400 for malformed JSON or a non-object.
    static func read(_ request: Request, limit: Int = defaultLimit) async throws -> JSONRequest {
        try parse(try await collect(request, limit: limit))
    }

    /// Like `read`, but an empty body is `nil` (for requests whose body only overrides defaults).
    static func readIfPresent(_ request: Request, limit: Int = defaultLimit) async throws -> JSONRequest? {
        let buffer = try await collect(request, limit: limit)
        return buffer.readableBytes == 0 ? nil : try parse(buffer)
    }

    static func collect(_ request: Request, limit: Int) async throws -> ByteBuffer {
        do {
            return try await request.body.collect(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw APIError.payloadTooLarge(limit: limit)
        }
    }

    private static func parse(_ buffer: ByteBuffer) throws -> JSONRequest {
        do {
            let value = try JSONParser().parse(buffer.readableBytesView)
            guard value.objectValue != nil else {
                throw APIError.badRequest(field: nil, message: "the body must be a JSON object")
            }
            return JSONRequest(value: value)
        } catch let error as JSONSyntaxError {
            throw APIError.invalidJSON(error)
        }
    }

    /// Refuses members other than `allowed`, naming the first.
    func rejectUnknownKeys(allowed: Set<String>) throws {
        for member in value.objectValue ?? [] where !allowed.contains(member.key) {
            throw ValidationError(field: member.key, message: "unknown key")
        }
    }

    func optionalBool(_ key: String) throws -> Bool? {
        guard let json = value[key], !json.isNull else { return nil }
        guard let flag = json.boolValue else { throw ValidationError(field: key, message: "must be true or false") }
        return flag
    }

    func string(_ key: String, maxLength: Int = 10_000, allowsNUL: Bool = false) throws -> String {
        guard let value = try optionalString(key, maxLength: maxLength, allowsNUL: allowsNUL) else {
            throw ValidationError(field: key, message: "is required")
        }
        return value
    }

    /// A string member; `allowsNUL` only for what is never stored as text (passwords are hashed).
    func optionalString(_ key: String, maxLength: Int = 10_000, allowsNUL: Bool = false) throws -> String? {
        guard let json = value[key], !json.isNull else { return nil }
        guard let text = json.stringValue else { throw ValidationError(field: key, message: "must be a string") }
        // Counted in code points, as SQLite's length() and PostgreSQL's char_length() count them.
        guard text.unicodeScalars.count <= maxLength else {
            throw ValidationError(field: key, message: "at most \(maxLength) characters")
        }
        // PostgreSQL's text cannot hold U+0000; refusing it here keeps both engines alike.
        guard allowsNUL || !text.utf8.contains(0) else {
            throw ValidationError(field: key, message: "must not contain U+0000")
        }
        return text
    }

    func nonEmptyString(_ key: String, maxLength: Int = 200) throws -> String {
        let text = try string(key, maxLength: maxLength)
        guard !text.allSatisfy(\.isWhitespace) else { throw ValidationError(field: key, message: "must not be empty") }
        return text
    }

    func optionalInt(_ key: String, range: ClosedRange<Int>) throws -> Int? {
        guard let json = value[key], !json.isNull else { return nil }
        guard let number = json.intValue, json.doubleValue == Double(number) else {
            throw ValidationError(field: key, message: "must be an integer")
        }
        guard range.contains(number) else {
            throw ValidationError(field: key, message: "must be from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }

    func int(_ key: String, range: ClosedRange<Int>) throws -> Int {
        guard let number = try optionalInt(key, range: range) else {
            throw ValidationError(field: key, message: "is required")
        }
        return number
    }

    func object(_ key: String) throws -> JSONValue {
        guard let json = value[key], json.objectValue != nil else {
            throw ValidationError(field: key, message: "must be an object")
        }
        return json
    }
}
