import LabelParkCore
import LabelParkFormats

/// Failures that belong to HTTP itself: credentials, media types, body sizes and syntax.
public enum APIError: Error, Sendable {
    case unauthenticated
    case badCredentials
    /// A state-changing request with the session cookie but without its CSRF token.
    case csrf
    /// Too many failed sign-ins for this account or address; try again after the given seconds.
    case tooManyAttempts(retryAfterSeconds: Int)
    /// Bounded work (password checks, quality reports) is at capacity; try again after the given seconds.
    case busy(retryAfterSeconds: Int)
    case unsupportedMediaType(String, accepted: [String])
    case payloadTooLarge(limit: Int)
    case invalidJSON(JSONSyntaxError)
    case badRequest(field: String?, message: String)
    /// An atomic import with invalid lines: nothing was stored.
    case invalidLines([LineError], total: Int)
    case notFound
    /// An upload refused for what its bytes are: `status` 400, 415 or 422, a stable `code`, and why.
    case mediaRefused(status: Int, code: String, message: String)
    /// A `Range` header that selects nothing in an object of `size` bytes.
    case rangeNotSatisfiable(size: Int64)
    /// A medium the park cannot give now: its object changed or is gone (409, 410), or its attached storage
    /// refused or is no longer allowed (502, 503), with a stable `code` and why.
    case mediaUnavailable(status: Int, code: String, message: String)
}
