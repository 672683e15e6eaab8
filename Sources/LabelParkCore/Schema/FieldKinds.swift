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
                    field: path,
                    message:
                        "must reference an asset as \"asset:ID\" or a synced object as \"storage:ID/KEY\" (URLs are not fetched)"
                )
            }
        }
    }
}

/// How task data names a medium: `asset:ID`, an asset of the project; or, in imports, `storage:ID/KEY`, an
/// object a sync of the project's attached storage `ID` recorded, which the import stores as its `asset:ID`.
///
/// The server never fetches URLs named in task data: a URL is refused at import, not followed.
public enum MediaReference: Sendable, Hashable {
    case asset(Int64)
    case storageObject(storage: Int64, key: String)

    /// Parses `asset:ID` or `storage:ID/KEY` with positive decimal ids and a key of 1 to 1,024 bytes; anything
    /// else is `nil`.
    public init?(_ text: String) {
        if text.hasPrefix("asset:") {
            guard let id = Self.positiveID(text.dropFirst("asset:".count)) else { return nil }
            self = .asset(id)
        } else if text.hasPrefix("storage:") {
            let rest = text.dropFirst("storage:".count)
            guard let slash = rest.firstIndex(of: "/"), let storage = Self.positiveID(rest[..<slash]) else {
                return nil
            }
            let key = rest[rest.index(after: slash)...]
            guard (1...1_024).contains(key.utf8.count) else { return nil }
            self = .storageObject(storage: storage, key: String(key))
        } else {
            return nil
        }
    }

    private static func positiveID(_ digits: Substring) -> Int64? {
        guard !digits.isEmpty, digits.count <= 18, digits.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }),
            let id = Int64(digits), id > 0
        else { return nil }
        return id
    }

    /// The reference as task data writes it.
    public var text: String {
        switch self {
        case .asset(let id): "asset:\(id)"
        case .storageObject(let storage, let key): "storage:\(storage)/\(key)"
        }
    }
}
