import Crypto
import Foundation
import LabelParkAssets
import LabelParkCore

/// Seals the credentials of attached buckets before they reach the database, and opens them for use.
///
/// AES-256-GCM under a key kept outside the database (a file the operator provides, or one made in the data
/// directory on first use), with the project's id as associated data: a database dump or backup alone
/// reveals no secret, and a sealed value moved to another project's storage does not open.
public struct CredentialSealer: Sendable {
    // The bytes rather than a SymmetricKey, which is not Sendable.
    private let keyBytes: [UInt8]

    /// A sealer with a 32-byte key.
    public init(keyBytes: [UInt8]) {
        precondition(keyBytes.count == 32, "AES-256 takes a 32-byte key")
        self.keyBytes = keyBytes
    }

    private var key: SymmetricKey { SymmetricKey(data: keyBytes) }

    /// The key in `path` (64 hex digits), made with owner-only permissions when the file does not exist.
    public static func loadingKey(at path: String) throws -> CredentialSealer {
        if !FileManager.default.fileExists(atPath: path) {
            try FileManager.default.createDirectory(
                atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            let fresh = SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }
            let hex = fresh.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined() + "\n"
            guard
                FileManager.default.createFile(
                    atPath: path, contents: Data(hex.utf8), attributes: [.posixPermissions: 0o600])
            else { throw SealError.unreadableKey(path) }
        }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw SealError.unreadableKey(path) }
        let digits = Array(text.trimmingCharacters(in: .whitespacesAndNewlines).utf8)
        guard digits.count == 64 else { throw SealError.unreadableKey(path) }
        var bytes: [UInt8] = []
        for index in stride(from: 0, to: 64, by: 2) {
            guard let byte = UInt8(String(decoding: digits[index..<index + 2], as: UTF8.self), radix: 16) else {
                throw SealError.unreadableKey(path)
            }
            bytes.append(byte)
        }
        return CredentialSealer(keyBytes: bytes)
    }

    /// `v1:` and the base64 of the nonce, ciphertext and tag.
    public func seal(_ credentials: S3Credentials, for project: ProjectID) throws -> String {
        var members: [JSONMember] = [
            JSONMember("access_key_id", .string(credentials.accessKeyID)),
            JSONMember("secret_access_key", .string(credentials.secretAccessKey)),
        ]
        if let token = credentials.sessionToken { members.append(JSONMember("session_token", .string(token))) }
        let plain = Array(JSONValue.object(members).jsonText.utf8)
        let box = try AES.GCM.seal(plain, using: key, authenticating: Self.context(project))
        guard let combined = box.combined else { throw SealError.cannotOpen }
        return "v1:" + combined.base64EncodedString()
    }

    public func open(_ sealed: String, for project: ProjectID) throws -> S3Credentials {
        guard sealed.hasPrefix("v1:"), let combined = Data(base64Encoded: String(sealed.dropFirst(3))) else {
            throw SealError.cannotOpen
        }
        let plain: Data
        do {
            plain = try AES.GCM.open(
                AES.GCM.SealedBox(combined: combined), using: key, authenticating: Self.context(project))
        } catch {
            throw SealError.cannotOpen
        }
        guard let json = try? JSONParser().parse(Array(plain)), let id = json["access_key_id"]?.stringValue,
            let secret = json["secret_access_key"]?.stringValue
        else { throw SealError.cannotOpen }
        return S3Credentials(accessKeyID: id, secretAccessKey: secret, sessionToken: json["session_token"]?.stringValue)
    }

    private static func context(_ project: ProjectID) -> Data { Data("labelpark storage \(project.rawValue)".utf8) }

    public enum SealError: Error, Sendable, Hashable, CustomStringConvertible {
        case unreadableKey(String)
        case cannotOpen

        public var description: String {
            switch self {
            case .unreadableKey(let path): "\(path) must hold a key of 64 hex digits"
            case .cannotOpen:
                "the storage's credentials were sealed with another key (every instance needs the same --storage-key-file)"
            }
        }
    }
}
