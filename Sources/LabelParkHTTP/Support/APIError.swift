import LabelParkCore
import LabelParkFormats

/// Failures that belong to HTTP itself: credentials, media types, body sizes and syntax.
public enum APIError: Error, Sendable {
    case unauthenticated
    case badCredentials
    case unsupportedMediaType(String, accepted: [String])
    case payloadTooLarge(limit: Int)
    case invalidJSON(JSONSyntaxError)
    case badRequest(field: String?, message: String)
    /// An atomic import with invalid lines: nothing was stored.
    case invalidLines([LineError], total: Int)
    case notFound
}
