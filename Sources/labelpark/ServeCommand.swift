import ArgumentParser
import Foundation
import Hummingbird
import LabelParkCore
import LabelParkHTTP
import LabelParkSQLite
import LabelParkStore
import Logging
import Metrics
import Prometheus
import ServiceLifecycle
import UnixSignals

/// `labelpark serve`: runs the park server until SIGTERM or SIGINT, then drains in-flight requests.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "Run the park server.")

    @OptionGroup var storage: StorageOptions
    @OptionGroup var media: MediaOptions
    @Option(help: "The address to listen on.") var host: String = "127.0.0.1"
    @Option(help: "The port to listen on.") var port: Int = 8080
    @Flag(help: "Seed a demo park on first start and print its sign-in details.") var demo = false
    @Option(help: "The largest import body, in bytes.") var maxImportBytes: Int = 1 << 30
    @Option(help: "bcrypt cost for new passwords (4–31).") var bcryptCost: UInt8 = 12
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.") var logLevel: String = "info"
    @Option(
        name: .customLong("trusted-proxy"),
        help: "A proxy (address or CIDR block) whose X-Forwarded-For/Proto/Host headers are believed; repeatable.")
    var trustedProxies: [String] = []
    @Option(help: "Serve /metrics on this port (none by default; never on the public port).") var metricsPort: Int?
    @Option(help: "The address the metrics port listens on.") var metricsHost: String = "127.0.0.1"
    @Option(help: "Seconds a connection may sit idle between requests.") var idleTimeout: Int = 75
    @Option(help: "Seconds a request body may stall before the connection is dropped.") var readTimeout: Int = 60
    @Option(help: "Seconds a client may leave a response unread before the connection is dropped.")
    var writeTimeout: Int = 60

    func validate() throws {
        for (name, port) in [("--port", port), ("--metrics-port", metricsPort ?? 0)] where !(0...65_535).contains(port)
        {
            throw ValidationError("\(name) must be from 0 to 65535")
        }
        for (name, seconds) in [
            ("--idle-timeout", idleTimeout), ("--read-timeout", readTimeout), ("--write-timeout", writeTimeout),
        ]
        where !(1...86_400).contains(seconds) {
            throw ValidationError("\(name) must be from 1 to 86400 seconds")
        }
        guard (4...31).contains(bcryptCost) else { throw ValidationError("--bcrypt-cost must be from 4 to 31") }
        _ = try TrustedProxies(cidrs: trustedProxies)
    }

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "labelpark")
        raiseOpenFileLimit(logger: logger)
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))

        let storage = try self.storage.open(logger: logger)
        let store = storage.store
        let passwords = PasswordHasher(cost: bcryptCost)
        let media = try self.media.settings(dataDirectory: self.storage.dataDirectory, logger: logger)
        let tiles = TileSignal()
        let syncs = StorageSyncs(store: store, media: media, tiles: tiles, logger: logger)
        let router = buildRouter(
            ParkServerDependencies(
                store: store, passwords: passwords, importLimits: ImportLimits(maxBodyBytes: maxImportBytes),
                spoolDirectory: self.storage.dataDirectory.appendingPathComponent("spool"),
                trustedProxies: try TrustedProxies(cidrs: trustedProxies), web: try await WebAssets.bundled(),
                media: media, tiles: tiles, syncs: syncs))
        let timeouts = ConnectionTimeouts(
            idle: .seconds(Int64(idleTimeout)), read: .seconds(Int64(readTimeout)), write: .seconds(Int64(writeTimeout))
        )
        let app = Application(
            router: router, server: .park(timeouts: timeouts),
            configuration: .init(address: .hostname(host, port: port), serverName: "LabelPark"),
            onServerRunning: { channel in
                logger.notice(
                    "LabelPark is listening", metadata: ["address": "\(channel.localAddress.map { "\($0)" } ?? "?")"])
            },
            logger: logger)
        let demo = demo
        let baseURL = "http://\(host.contains(":") ? "[\(host)]" : host):\(port)"
        // The storage services start first and stop last; the server prepares the database (a PostgreSQL
        // engine needs its client running for that) and only then listens.
        let server = PreparedService(app) {
            try await storage.prepare()
            _ = try await store.ensureOrganization(named: ParkDefaults.operatorName, kind: .operator)
            if demo {
                try await DemoPark(store: store, passwords: passwords, baseURL: baseURL, media: media).seedIfNeeded()
                // Flush now: stdout is block-buffered when piped, and the sign-in details matter at start-up.
                fflush(nil)
            }
        }
        var metricsServices: [any Service] = []
        if let metricsPort {
            metricsServices.append(
                Application(
                    router: buildMetricsRouter(registry), server: .park(timeouts: timeouts),
                    configuration: .init(address: .hostname(metricsHost, port: metricsPort), serverName: "LabelPark"),
                    logger: logger))
        }
        let services = ServiceGroup(
            configuration: .init(
                services: storage.services + [
                    server, SessionPurge(store: store, clock: SystemClock(), logger: logger),
                    TileService(catalog: store, media: media, signal: tiles, logger: logger), syncs,
                ] + metricsServices, gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        try await services.run()
        try storage.close()
        logger.notice("LabelPark stopped")
    }
}

/// A service that runs `prepare` before the wrapped service, so set-up that needs other services of the
/// group (a database client) happens inside the group.
struct PreparedService<Wrapped: Service>: Service {
    let wrapped: Wrapped
    let prepare: @Sendable () async throws -> Void

    init(_ wrapped: Wrapped, prepare: @escaping @Sendable () async throws -> Void) {
        self.wrapped = wrapped
        self.prepare = prepare
    }

    func run() async throws {
        try await prepare()
        try await wrapped.run()
    }
}

/// Lifts the soft limit on open files to the hard limit: every client connection is a file descriptor,
/// and the usual soft default of 1,024 would refuse a park's worth of annotators long before memory does.
private func raiseOpenFileLimit(logger: Logger) {
    var limit = rlimit()
    guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
    limit.rlim_cur = limit.rlim_max
    if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) != 0 {
        logger.warning("could not raise the open-file limit", metadata: ["errno": "\(errno)"])
    }
}
