import Foundation
import LabelParkAssets

/// What projects may attach: the object storage endpoints and server directories an operator allowed, and
/// the sealer for bucket credentials. Nothing is allowed by default: an endpoint a client names is a request
/// the server makes for them (SSRF), a directory a file it reads for them.
public struct AttachmentPolicy: Sendable {
    /// Origins (`scheme://host[:port]`, lowercased, default ports dropped).
    public let allowedEndpoints: Set<String>
    /// Absolute paths with symbolic links resolved.
    public let allowedDirectories: [String]
    /// `nil`: buckets cannot be attached (their credentials could not be sealed).
    public let sealer: CredentialSealer?
    /// A running sync whose heartbeat is older than this was cut short, and another may start.
    public let staleAfterSeconds: Int
    /// How long the listing that checks a bucket about to be attached may take.
    public let probeSeconds: Int

    public init(
        allowedEndpoints: [String] = [], allowedDirectories: [String] = [], sealer: CredentialSealer? = nil,
        staleAfterSeconds: Int = 120, probeSeconds: Int = 15
    ) throws {
        var origins = Set<String>()
        for endpoint in allowedEndpoints {
            guard let origin = Self.origin(of: endpoint) else {
                throw AssetStoreError.invalidConfiguration("\(endpoint) is not an http(s) endpoint")
            }
            origins.insert(origin)
        }
        var directories: [String] = []
        for directory in allowedDirectories {
            guard let resolved = Self.directory(directory) else {
                throw AssetStoreError.invalidConfiguration("\(directory) is not a directory")
            }
            directories.append(resolved)
        }
        self.init(
            origins: origins, directories: directories, sealer: sealer, staleAfterSeconds: staleAfterSeconds,
            probeSeconds: probeSeconds)
    }

    /// Nothing may be attached.
    public static let none = AttachmentPolicy(
        origins: [], directories: [], sealer: nil, staleAfterSeconds: 120, probeSeconds: 15)

    private init(
        origins: Set<String>, directories: [String], sealer: CredentialSealer?, staleAfterSeconds: Int,
        probeSeconds: Int
    ) {
        self.allowedEndpoints = origins
        self.allowedDirectories = directories
        self.sealer = sealer
        self.staleAfterSeconds = staleAfterSeconds
        self.probeSeconds = probeSeconds
    }

    /// `scheme://host[:port]` of an http(s) URL without path, query or credentials, or `nil`.
    static func origin(of text: String) -> String? {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = url.host?.lowercased(), !host.isEmpty, url.user == nil, url.password == nil, url.query == nil,
            url.path.isEmpty || url.path == "/"
        else { return nil }
        let port = url.port.flatMap { (scheme == "http" && $0 == 80) || (scheme == "https" && $0 == 443) ? nil : $0 }
        return "\(scheme)://\(host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host)"
            + (port.map { ":\($0)" } ?? "")
    }

    /// The real path of an existing directory, or `nil`.
    static func directory(_ path: String) -> String? {
        guard path.hasPrefix("/") else { return nil }
        let resolved = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: resolved, isDirectory: &isDirectory), isDirectory.boolValue else {
            return nil
        }
        return resolved
    }

    /// Whether `directory` (resolved) is an allowed directory or inside one.
    func allows(directory: String) -> Bool {
        allowedDirectories.contains { root in directory == root || directory.hasPrefix(root == "/" ? "/" : root + "/") }
    }
}
