/// A rejected input, naming where in the input the problem is.
///
/// `field` is a path into the request, such as `schema.questions[2].options` or `result.entities[0].end`,
/// so a client can point at the exact control or line to fix.
public struct ValidationError: Error, Sendable, Hashable, CustomStringConvertible {
    public var field: String
    public var message: String

    public init(field: String, message: String) {
        self.field = field
        self.message = message
    }

    public var description: String { "\(field): \(message)" }
}
