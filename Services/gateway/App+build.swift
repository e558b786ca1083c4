import Contracts
import Hummingbird
import Logging
import Messaging
import ServiceKit
import ServiceLifecycle

/// The gateway's parts: its slices of the limits ledger, the cache invalidation listener, password resets, the HTTP server (which
/// calls `onServerRunning` with its port: tests listen on port 0) and the mail outbox log.
func buildGateway(
    _ configuration: GatewayConfiguration, _ context: ServiceContext,
    onServerRunning: @escaping @Sendable (Int) async -> Void
) async throws -> ServiceDefinition {
    try await context.nats.jetStream.ensureOwnStream(MailEvents.stream, logger: context.logger)
    let gateway = try await Gateway(configuration, context)
    var services: [any Service] = [
        AllowanceTicker(gateway.allowances),
        gateway.allowances.reclaimListener(nats: context.nats),
        CacheInvalidations(cache: gateway.cache, publicResponses: gateway.publicResponses, logger: context.logger)
            .listener(nats: context.nats),
        gateway.passwordResets,
        buildApplication(
            configuration, router: gateway.router, logger: context.logger, onServerRunning: onServerRunning),
    ]
    if configuration.mailOutboxLog { services.append(MailOutboxLog(nats: context.nats, logger: context.logger)) }
    return ServiceDefinition(services: services)
}

/// The gateway as `ServiceMain` runs it.
func buildGateway(_ configuration: GatewayConfiguration, _ context: ServiceContext) async throws -> ServiceDefinition {
    try await buildGateway(configuration, context, onServerRunning: { _ in })
}

/// The HTTP application, which calls `onServerRunning` with the port it listens on.
func buildApplication(
    _ configuration: GatewayConfiguration, router: Router<GatewayRequestContext>, logger: Logger,
    onServerRunning: @escaping @Sendable (Int) async -> Void
) -> some ApplicationProtocol {
    Application(
        router: router,
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "strongbox"),
        onServerRunning: { channel in
            let port = channel.localAddress?.port ?? configuration.port
            logger.info("gateway listening", metadata: ["url": "http://\(configuration.host):\(port)"])
            await onServerRunning(port)
        },
        logger: logger)
}

/// Everything the gateway's routes use, wired once.
struct Gateway {
    let router: Router<GatewayRequestContext>
    let cache: AuthCache
    let publicResponses: PublicResponseCache
    let passwordResets: PasswordResets
    /// The cluster-wide request rates' slices of the limits ledger.
    let allowances: Allowances

    init(_ configuration: GatewayConfiguration, _ context: ServiceContext) async throws {
        let logger = context.logger
        let allowances = Allowances(nats: context.nats, logger: logger)
        let database = context.database
        let tenants = TenantRepository(client: database, logger: logger)
        let keys = APIKeyRepository(client: database, logger: logger)
        let users = UserRepository(client: database, logger: logger)
        let sessions = SessionRepository(
            client: database, logger: logger, refreshLifetime: configuration.refreshTokenLifetime)
        let cache = AuthCache(lifetime: configuration.authCacheLifetime)
        let tokens = await AccessTokens(secret: configuration.jwtSecret, lifetime: configuration.accessTokenLifetime)
        let invalidator = CacheInvalidator(cache: cache, nats: context.nats, logger: logger)
        let authenticator = Authenticator(
            adminAPIKey: configuration.adminAPIKey, cache: cache, keys: keys, tenants: tenants, sessions: sessions,
            tokens: tokens)
        let publicResponses = PublicResponseCache(maxAge: configuration.publicCacheMaxAge)
        let requestGuard = RequestGuard(
            authenticator: authenticator,
            callerLimiter: ClusterRateLimit(
                scope: "caller", limitPerMinute: configuration.rateLimitPerMinute, allowances: allowances),
            anonymousLimiter: ClusterRateLimit(
                scope: "anonymous", limitPerMinute: configuration.anonymousRateLimitPerMinute, allowances: allowances))

        let router = Router(context: GatewayRequestContext.self)
        router.add(middleware: RequestIDMiddleware())
        router.add(
            middleware: EdgeMiddleware(
                bodyLimit: configuration.maxBodyBytes, corsOrigins: configuration.corsOrigins,
                trustedProxyHops: configuration.trustedProxyHops))
        router.add(middleware: ProblemMiddleware())
        router.add(middleware: HTTPMetricsMiddleware())

        let api = API(router: router, requestGuard: requestGuard)
        OperationsController(readiness: Readiness(context: context, timeout: configuration.readinessTimeout))
            .register(on: api)
        DocsController(files: DocsController.files(swaggerUI: configuration.swaggerUIDirectory, logger: logger))
            .register(on: api)
        TenantsController(tenants: tenants, invalidator: invalidator, nats: context.nats, logger: logger).register(
            on: api)
        APIKeysController(keys: keys, invalidator: invalidator, logger: logger).register(on: api)
        let passwordResets = PasswordResets(
            users: users, sessions: sessions,
            mail: MailEvents(
                jetStream: context.nats.jetStream, logToOutbox: configuration.mailOutboxLog, logger: logger),
            lifetime: configuration.passwordResetLifetime, logger: logger)
        let auth = AuthController(
            users: users, sessions: sessions, tenants: tenants,
            hasher: PasswordHasher(cost: configuration.bcryptCost), tokens: tokens, resets: passwordResets,
            invalidator: invalidator, logger: logger)
        auth.register(on: api)
        ConsoleController(
            assets: ConsoleController.assets(chartJS: configuration.consoleChartJS, logger: logger), auth: auth,
            refreshLifetime: configuration.refreshTokenLifetime
        ).register(on: api)
        UsersController(users: users, sessions: sessions, invalidator: invalidator, logger: logger).register(on: api)
        CredentialsController(vault: ServiceClient(nats: context.nats)).register(on: api)
        UsageController(usage: ServiceClient(nats: context.nats)).register(on: api)
        LimitsController(usage: ServiceClient(nats: context.nats), keys: keys, users: users, tenants: tenants)
            .register(on: api)
        RoutesController(proxy: ServiceClient(nats: context.nats), vault: ServiceClient(nats: context.nats))
            .register(on: api)
        ProxyController(
            nats: context.nats, vault: ServiceClient(nats: context.nats), timeout: configuration.proxyTimeout,
            tickets: ReleaseTicketKeys(secret: configuration.releaseTicketSecret)
        )
        .register(on: api)
        let contentClient = ContentClient(nats: context.nats)
        let content = PublicContent(client: contentClient, authenticator: authenticator, cache: publicResponses)
        ContentController(content: content).register(on: api)
        FormsController(client: contentClient, authenticator: authenticator).register(on: api)
        FlowsController(client: contentClient).register(on: api)
        ScenesController(content: content).register(on: api)
        try api.finish()

        self.router = router
        self.cache = cache
        self.publicResponses = publicResponses
        self.passwordResets = passwordResets
        self.allowances = allowances
    }
}
