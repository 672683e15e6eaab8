import Foundation
import HTTPTypes
import Hummingbird
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
    /// The registry `/metrics` renders; `nil` to serve no metrics route.
    public var metrics: PrometheusCollectorRegistry?
    /// The web UI's templates and files; `nil` serves the API only.
    public var web: WebAssets?
    public var sessionPolicy: SessionPolicy
    public var clock: any WallClock

    public init(
        store: any ParkStore, passwords: PasswordHasher = PasswordHasher(), importLimits: ImportLimits = ImportLimits(),
        spoolDirectory: URL, metrics: PrometheusCollectorRegistry? = nil, web: WebAssets? = nil,
        sessionPolicy: SessionPolicy = SessionPolicy(), clock: any WallClock = SystemClock()
    ) {
        self.store = store
        self.passwords = passwords
        self.importLimits = importLimits
        self.spoolDirectory = spoolDirectory
        self.metrics = metrics
        self.web = web
        self.sessionPolicy = sessionPolicy
        self.clock = clock
    }
}

/// Builds LabelPark's router: public routes, then the authenticated API v1.
public func buildRouter(_ dependencies: ParkServerDependencies) -> Router<ParkRequestContext> {
    let router = Router(context: ParkRequestContext.self)
    router.add(middleware: SecurityHeadersMiddleware())
    router.add(middleware: LogRequestsMiddleware(.info))
    router.add(middleware: MetricsMiddleware())
    router.add(middleware: ErrorMappingMiddleware())
    HealthController(metrics: dependencies.metrics).addRoutes(to: router)

    let store = dependencies.store
    let sessions = WebSessions(store: store, policy: dependencies.sessionPolicy, clock: dependencies.clock)
    let limiter = SignInLimiter(clock: dependencies.clock)
    if let web = dependencies.web {
        web.staticFiles.addRoutes(to: router)
        PageController(
            store: store, passwords: dependencies.passwords, sessions: sessions, limiter: limiter, assets: web
        ).addRoutes(to: router)
    }

    let accounts = AccountController(store: store, passwords: dependencies.passwords, limiter: limiter)
    let api = router.group("api/v1")
    accounts.addPublicRoutes(to: api)
    let authenticated = api.group().add(
        middleware: RequestAuthenticator(store: store, cache: PrincipalCache(), sessions: sessions))
    accounts.addRoutes(to: authenticated)
    ProjectController(store: store).addRoutes(to: authenticated)
    TaskController(store: store, limits: dependencies.importLimits, spoolDirectory: dependencies.spoolDirectory)
        .addRoutes(to: authenticated)
    QueueController(store: store).addRoutes(to: authenticated)
    AnnotationController(store: store, consensus: ConsensusTracker(store: store)).addRoutes(to: authenticated)
    ReviewController(store: store).addRoutes(to: authenticated)
    WorkflowController(store: store).addRoutes(to: authenticated)
    ExportController(store: store).addRoutes(to: authenticated)
    QualityController(store: store).addRoutes(to: authenticated)
    return router
}

/// Headers every response carries: no MIME sniffing, no framing, and a strict CSP.
struct SecurityHeadersMiddleware: RouterMiddleware {
    typealias Context = ParkRequestContext

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var response = try await next(request, context)
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
        response.headers[.contentSecurityPolicy] = "default-src 'self'; frame-ancestors 'none'"
        response.headers[HTTPField.Name("X-Request-ID")!] = context.id
        return response
    }
}
