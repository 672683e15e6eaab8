import Foundation
import NIOSSL
import PostgresNIO

/// A `postgres://user:password@host:port/database?sslmode=…&schema=…` URL, checked and taken apart.
///
/// `sslmode` is `disable`, `prefer` (the default; TLS when the server offers it) or `require`.
/// `schema` puts LabelPark's tables in a schema of their own (created when missing), so several parks or
/// test runs can share one database.
public struct PostgresDatabaseURL: Sendable, Hashable {
    public var host: String
    public var port: Int
    public var username: String
    public var password: String?
    public var database: String?
    public var schema: String?
    public var sslMode: SSLMode

    public enum SSLMode: String, Sendable, Hashable, CaseIterable {
        case disable, prefer, require
    }

    /// Whether `text` names PostgreSQL rather than another engine.
    public static func isPostgres(_ text: String) -> Bool {
        text.hasPrefix("postgres://") || text.hasPrefix("postgresql://")
    }

    public init(parsing text: String) throws(PostgresURLError) {
        guard Self.isPostgres(text), let components = URLComponents(string: text) else {
            throw PostgresURLError("must look like postgres://user:password@host:5432/database")
        }
        guard let host = components.host, !host.isEmpty else { throw PostgresURLError("names no host") }
        guard let user = components.user, !user.isEmpty else { throw PostgresURLError("names no user") }
        self.host = host
        self.port = components.port ?? 5432
        self.username = user.removingPercentEncoding ?? user
        self.password = components.password.map { $0.removingPercentEncoding ?? $0 }
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        self.database = path.isEmpty ? nil : path
        self.sslMode = .prefer
        for item in components.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                guard let mode = item.value.flatMap(SSLMode.init(rawValue:)) else {
                    throw PostgresURLError("sslmode must be one of disable, prefer, require")
                }
                self.sslMode = mode
            case "schema":
                guard let schema = item.value, Self.isPlainIdentifier(schema) else {
                    throw PostgresURLError("schema must be a plain identifier: lowercase letters, digits and _")
                }
                self.schema = schema
            default:
                throw PostgresURLError("unknown parameter \(item.name); LabelPark reads sslmode and schema")
            }
        }
    }

    /// The client configuration for this URL; the schema, if any, becomes the connections' search path.
    public func clientConfiguration() throws -> PostgresClient.Configuration {
        let tls: PostgresClient.Configuration.TLS =
            switch sslMode {
            case .disable: .disable
            case .prefer: .prefer(.makeClientConfiguration())
            case .require: .require(.makeClientConfiguration())
            }
        var configuration = PostgresClient.Configuration(
            host: host, port: port, username: username, password: password, database: database, tls: tls)
        if let schema {
            configuration.options.additionalStartupParameters = [("search_path", schema)]
        }
        return configuration
    }

    /// The configuration of a single connection to this URL, for the start-up probe.
    func connectionConfiguration() throws -> PostgresConnection.Configuration {
        let tls: PostgresConnection.Configuration.TLS =
            switch sslMode {
            case .disable: .disable
            case .prefer: .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
            case .require: .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
            }
        var configuration = PostgresConnection.Configuration(
            host: host, port: port, username: username, password: password, database: database, tls: tls)
        if let schema { configuration.options.additionalStartupParameters = [("search_path", schema)] }
        return configuration
    }

    /// The URL with the password hidden, for logs and messages.
    public var redacted: String {
        let credentials = password == nil ? username : "\(username):***"
        return "postgres://\(credentials)@\(host):\(port)/\(database ?? "")" + (schema.map { "?schema=\($0)" } ?? "")
    }

    static func isPlainIdentifier(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, text.unicodeScalars.count <= 63,
            ("a"..."z").contains(first) || first == "_"
        else { return false }
        return text.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }
    }
}

/// Why a database URL was refused.
public struct PostgresURLError: Error, CustomStringConvertible, Sendable {
    /// What is wrong, worded to follow the URL's name ("names no host").
    public var reason: String
    init(_ reason: String) { self.reason = reason }

    public var description: String { "the database URL \(reason)" }
}
