import Foundation
import HTTPTypes
import Hummingbird
import LabelParkAssets
import LabelParkCore
import LabelParkStore
import Logging
import Prometheus

/// Everything the HTTP layer needs, assembled by the composition root.
public struct ParkServerDependencies: Sendable {
    public var store: any ParkStore
    public var passwords: PasswordHasher
    public var importLimits: ImportLimits
    /// Where import bodies are spooled while they are validated.
    public var spoolDirectory: URL
    /// Proxies whose `X-Forwarded-*` headers are believed.
    public var trustedProxies: TrustedProxies
    /// The web UI's templates and files; `nil` serves the API only.
    public var web: WebAssets?
    public var sessionPolicy: SessionPolicy
    public var clock: any WallClock
    /// Media storage and limits; `nil` serves no media routes.
    public var media: MediaSettings?
    /// Wakes the tile service after an upload that needs a pyramid.
    public var tiles: TileSignal
    /// Runs the syncs of attached storages (as a service, so shutdown stops them); `nil`: syncs run unsupervised.
    public var syncs: StorageSyncs?

    public init(
        store: any ParkStore, passwords: PasswordHasher = PasswordHasher(), importLimits: ImportLimits = ImportLimits(),
        spoolDirectory: URL, trustedProxies: TrustedProxies = .none, web: WebAssets? = nil,
        sessionPolicy: SessionPolicy = SessionPolicy(), clock: any WallClock = SystemClock(),
        media: MediaSettings? = nil, tiles: TileSignal = TileSignal(), syncs: StorageSyncs? = nil
    ) {
        self.store = store
        self.passwords = passwords
        self.importLimits = importLimits
        self.spoolDirectory = spoolDirectory
        self.trustedProxies = trustedProxies
        self.web = web
        self.sessionPolicy = sessionPolicy
        self.clock = clock
        self.media = media
        self.tiles = tiles
        self.syncs = syncs
    }
}

/// Builds LabelPark's router: public routes, then the authenticated API v1.
public func buildRouter(_ dependencies: ParkServerDependencies) -> Router<ParkRequestContext> {
    let router = Router(context: ParkRequestContext.self)
    router.add(middleware: ClientOriginMiddleware(trusted: dependencies.trustedProxies))
    router.add(middleware: SecurityHeadersMiddleware(mediaOrigin: dependencies.media?.store.browserOrigin))
    router.add(middleware: LogRequestsMiddleware(.info))
    router.add(middleware: MetricsMiddleware())
    router.add(middleware: ErrorMappingMiddleware())
    HealthController().addRoutes(to: router)

    let store = dependencies.store
    let sessions = WebSessions(store: store, policy: dependencies.sessionPolicy, clock: dependencies.clock)
    let signIn = SignIn(
        store: store, passwords: dependencies.passwords, limiter: SignInLimiter(clock: dependencies.clock))
    if let web = dependencies.web {
        web.staticFiles.addRoutes(to: router)
        PageController(signIn: signIn, sessions: sessions, assets: web).addRoutes(to: router)
    }

    let principals = PrincipalCache()
    let accounts = AccountController(
        store: store, passwords: dependencies.passwords, signIn: signIn, principals: principals,
        clock: dependencies.clock)
    let api = router.group("api/v1")
    accounts.addPublicRoutes(to: api)
    let authenticated = api.group().add(
        middleware: RequestAuthenticator(store: store, cache: principals, sessions: sessions))
    accounts.addRoutes(to: authenticated)
    ProjectController(store: store).addRoutes(to: authenticated)
    let handles = TaskHandleSource(store: store)
    TaskController(
        store: store, handles: handles, limits: dependencies.importLimits, spoolDirectory: dependencies.spoolDirectory
    ).addRoutes(to: authenticated)
    QueueController(store: store, handles: handles).addRoutes(to: authenticated)
    AnnotationController(store: store, consensus: ConsensusTracker(store: store), handles: handles)
        .addRoutes(to: authenticated)
    ReviewController(store: store, handles: handles).addRoutes(to: authenticated)
    WorkflowController(store: store).addRoutes(to: authenticated)
    let snapshotReads = SnapshotReadGate()
    ExportController(store: store, gate: snapshotReads, spoolDirectory: dependencies.spoolDirectory)
        .addRoutes(to: authenticated)
    QualityController(store: store, gate: snapshotReads).addRoutes(to: authenticated)
    if let media = dependencies.media {
        AssetController(store: store, media: media, tiles: dependencies.tiles).addRoutes(to: authenticated)
        let syncs =
            dependencies.syncs
            ?? StorageSyncs(store: store, media: media, tiles: dependencies.tiles, logger: Logger(label: "labelpark"))
        StorageController(store: store, media: media, syncs: syncs, clock: dependencies.clock)
            .addRoutes(to: authenticated)
    }
    return router
}

/// The router of the separate metrics listener (`serve --metrics-port`): `/metrics` and `/healthz` only,
/// so the park's numbers are never served on the public port.
public func buildMetricsRouter(_ registry: PrometheusCollectorRegistry) -> Router<ParkRequestContext> {
    let router = Router(context: ParkRequestContext.self)
    HealthController().addRoutes(to: router)
    MetricsController(registry: registry).addRoutes(to: router)
    return router
}

/// Headers every response carries: no MIME sniffing, no framing, a strict CSP, and HSTS over HTTPS.
struct SecurityHeadersMiddleware: RouterMiddleware {
    typealias Context = ParkRequestContext
    /// The policy: same-origin everything, plus images from the object storage that presigned URLs name.
    let contentSecurityPolicy: String

    init(mediaOrigin: String?) {
        let images = mediaOrigin.map { "; img-src 'self' \($0)" } ?? ""
        contentSecurityPolicy = "default-src 'self'\(images); frame-ancestors 'none'"
    }

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var response = try await next(request, context)
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
        response.headers[.contentSecurityPolicy] = contentSecurityPolicy
        response.headers[HTTPField.Name("X-Request-ID")!] = context.id
        if context.client.isSecure { response.headers[.strictTransportSecurity] = "max-age=31536000" }
        return response
    }
}
