import HTTPTypes
import Hummingbird
import LabelParkCore
import LabelParkFormats
import LabelParkStore
import Logging
import NIOCore
import NIOHTTP1

/// The one place where errors become HTTP responses: `{"error":{"code","message","field"?,"line"?}}`.
///
/// Domain and store errors stay free of HTTP; this middleware owns the mapping so that a status code
/// never depends on which handler an error passed through.
struct ErrorMappingMiddleware: RouterMiddleware {
    typealias Context = ParkRequestContext

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let response = Self.response(for: error)
            if response.status.code >= 500 {
                context.logger.error("request failed", metadata: ["error": "\(String(reflecting: error))"])
            }
            return response
        }
    }

    static func response(for error: any Error) -> Response {
        switch error {
        case let error as APIError: return response(for: error)
        case let error as StoreError: return response(for: error)
        case let error as ValidationError:
            return errorResponse(.unprocessableContent, code: "invalid", message: error.message, field: error.field)
        case let error as QualityReportTooLarge:
            return errorResponse(
                .unprocessableContent, code: "report_too_large", message: error.message, field: error.field)
        case let error as HTTPError:
            return errorResponse(
                error.status, code: "http_\(error.status.code)", message: error.body ?? error.status.reasonPhrase)
        case is NIOTooManyBytesError:
            // A body collected with a limit (forms, JSON) that went past it.
            return errorResponse(.contentTooLarge, code: "payload_too_large", message: "the body is too large")
        case let error as HTTPParserError:
            // Malformed chunked encoding or a body cut short: the client's fault, never a 500.
            return errorResponse(.badRequest, code: "bad_request", message: "malformed HTTP request: \(error)")
        default:
            return errorResponse(.internalServerError, code: "internal", message: "internal error")
        }
    }

    private static func response(for error: APIError) -> Response {
        switch error {
        case .unauthenticated:
            var response = errorResponse(
                .unauthorized, code: "unauthenticated", message: "sign in or send a valid bearer token")
            response.headers[.wwwAuthenticate] = "Bearer"
            return response
        case .csrf:
            return errorResponse(
                .forbidden, code: "csrf",
                message: "this request needs the page's CSRF token (X-CSRF-Token); reload the page and try again")
        case .tooManyAttempts(let seconds):
            var response = errorResponse(
                .tooManyRequests, code: "too_many_attempts",
                message: "too many failed sign-ins; try again in \(seconds) seconds")
            response.headers[.retryAfter] = String(seconds)
            return response
        case .busy(let seconds):
            var response = errorResponse(
                .tooManyRequests, code: "busy", message: "the server is at capacity; try again in \(seconds) seconds")
            response.headers[.retryAfter] = String(seconds)
            return response
        case .badCredentials:
            return errorResponse(.unauthorized, code: "bad_credentials", message: "wrong email or password")
        case .unsupportedMediaType(let given, let accepted):
            return errorResponse(
                .unsupportedMediaType, code: "unsupported_media_type",
                message:
                    "Content-Type \"\(given)\" is not accepted here; use one of \(accepted.joined(separator: ", "))",
                field: "Content-Type")
        case .payloadTooLarge(let limit):
            return errorResponse(
                .contentTooLarge, code: "payload_too_large", message: "the body exceeds \(limit) bytes")
        case .invalidJSON(let syntax):
            return errorResponse(.badRequest, code: "invalid_json", message: syntax.description)
        case .badRequest(let field, let message):
            return errorResponse(.badRequest, code: "bad_request", message: message, field: field)
        case .invalidLines(let errors, let total):
            let body = JSONValue.object([
                "created": .integer(0),
                "errors": .array(errors.map(lineErrorJSON)),
                "error_count": .integer(total),
                "error": .object([
                    "code": .string("invalid_lines"),
                    "message": .string(
                        "\(total) line(s) are invalid; nothing was imported (send ?partial=true to import the valid lines)"
                    ),
                    "line": .integer(errors.first?.line ?? 0),
                ]),
            ])
            return JSONResponse.make(body, status: .unprocessableContent)
        case .notFound:
            return errorResponse(.notFound, code: "not_found", message: "not found")
        case .mediaRefused(let status, let code, let message):
            return errorResponse(HTTPResponse.Status(code: status), code: code, message: message, field: "body")
        case .mediaUnavailable(let status, let code, let message):
            return errorResponse(HTTPResponse.Status(code: status), code: code, message: message)
        case .rangeNotSatisfiable(let size):
            var response = errorResponse(
                .rangeNotSatisfiable, code: "range_not_satisfiable", message: "the range is outside the \(size) bytes")
            response.headers[.contentRange] = "bytes */\(size)"
            return response
        }
    }

    private static func response(for error: StoreError) -> Response {
        switch error {
        case .notFound(let entity):
            return errorResponse(.notFound, code: "not_found", message: "\(entity.rawValue) not found")
        case .forbidden(let message):
            return errorResponse(.forbidden, code: "forbidden", message: message)
        case .annotatorPaused(let accuracy, let window):
            let percent = (accuracy * 1000).rounded() / 10
            return errorResponse(
                .forbidden, code: "annotator_paused",
                message:
                    "you are paused on this project: your last \(window) gold answers scored \(percent)% on average; a manager can reinstate you",
                extra: [JSONMember("accuracy", .double(accuracy)), JSONMember("window", .integer(window))])
        case .conflict(let conflict):
            var extra: [JSONMember] = []
            if case .staleVersion(let current) = conflict {
                extra.append(JSONMember("current_version", .integer(current)))
            }
            if case .quotaExceeded = conflict {
                return errorResponse(.contentTooLarge, code: conflict.code, message: conflict.message)
            }
            if case .alreadyAnnotated(let id) = conflict {
                extra.append(JSONMember("annotation_id", .integer(id.rawValue)))
            }
            return errorResponse(.conflict, code: conflict.code, message: conflict.message, extra: extra)
        }
    }

    static func lineErrorJSON(_ error: LineError) -> JSONValue {
        .object(["line": .integer(error.line), "message": .string(error.message)])
    }

    static func errorResponse(
        _ status: HTTPResponse.Status, code: String, message: String, field: String? = nil, extra: [JSONMember] = []
    ) -> Response {
        var members = [JSONMember("code", .string(code)), JSONMember("message", .string(message))]
        if let field { members.append(JSONMember("field", .string(field))) }
        members += extra
        return JSONResponse.make(.object([JSONMember("error", .object(members))]), status: status)
    }
}
