extension FieldKind {
    /// Whether the field shows a medium the park stores (an image), rather than text carried in the task.
    public var isMedia: Bool {
        switch self {
        case .text: false
        case .image: true
        }
    }

    /// Checks one task's value for a field of this kind.
    func validate(value: JSONValue, path: String) throws(ValidationError) {
        switch self {
        case .text:
            guard value.stringValue != nil else {
                throw ValidationError(field: path, message: "must be a string, not \(value.typeName)")
            }
        case .image:
            guard let text = value.stringValue else {
                throw ValidationError(field: path, message: "must be a media reference string, not \(value.typeName)")
            }
            guard MediaReference(text) != nil else {
                throw ValidationError(
                    field: path, message: "must reference an uploaded asset as \"asset:ID\" (URLs are not fetched)")
            }
        }
    }
}

/// How task data names a medium: `asset:ID`, an asset uploaded to the project's organization.
///
/// The server never fetches URLs named in task data: a URL is refused at import, not followed.
public enum MediaReference: Sendable, Hashable {
    case asset(Int64)

    /// Parses `asset:ID` with a positive decimal id; anything else is `nil`.
    public init?(_ text: String) {
        guard text.hasPrefix("asset:") else { return nil }
        let digits = text.dropFirst("asset:".count)
        guard !digits.isEmpty, digits.count <= 18, digits.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }),
            let id = Int64(digits), id > 0
        else { return nil }
        self = .asset(id)
    }

    /// The reference as task data writes it.
    public var text: String {
        switch self {
        case .asset(let id): "asset:\(id)"
        }
    }
}
