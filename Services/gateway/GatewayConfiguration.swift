import ServiceKit

/// The gateway's own settings.
struct GatewayConfiguration: Sendable {
    /// `SERVER_HOST` (default 127.0.0.1; 0.0.0.0 in containers).
    var host: String
    /// `SERVER_PORT` (default 5860).
    var port: Int
    /// `ADMIN_API_KEY`: the platform admin's key (at least 32 characters).
    var adminAPIKey: String
    /// `JWT_SECRET`: signs user access tokens (at least 32 characters).
    var jwtSecret: String
    /// `RELEASE_TICKET_SECRET`: signs the release tickets of proxied calls, which the vault checks
    /// (at least 32 characters; the vault has the same value).
    var releaseTicketSecret: String
    /// `READINESS_TIMEOUT_MS`: how long `/readyz` waits for each service (default 1000).
    var readinessTimeout: Duration
    /// `MAX_BODY_BYTES`: larger request bodies get 413 (default 1 MiB).
    var maxBodyBytes: Int
    /// `CORS_ALLOWED_ORIGINS`: comma-separated origins allowed to call from browsers (`*` for any).
    var corsOrigins: [String]
    /// `RATE_LIMIT_PER_MINUTE`: requests per API key or user in each UTC minute, across every gateway
    /// instance (default 600; 0 turns it off).
    var rateLimitPerMinute: Int
    /// `RATE_LIMIT_ANONYMOUS_PER_MINUTE`: anonymous requests (login, public routes) per client address
    /// in each UTC minute, across every instance (default 120).
    var anonymousRateLimitPerMinute: Int
    /// `ACCESS_TOKEN_TTL_SECONDS`: user access JWT lifetime (default and maximum 900).
    var accessTokenLifetime: Duration
    /// `REFRESH_TOKEN_TTL_DAYS`: refresh token lifetime (default 30).
    var refreshTokenLifetime: Duration
    /// `PASSWORD_RESET_TTL_MINUTES`: reset token lifetime (default 60).
    var passwordResetLifetime: Duration
    /// `BCRYPT_COST`: bcrypt work factor (default 12).
    var bcryptCost: UInt8
    /// `KEY_CACHE_TTL_MS`: how long a resolved API key or tenant is cached (default 10000).
    var authCacheLifetime: Duration
    /// `GATEWAY_PROXY_TIMEOUT_MS`: the longest wait for a provider's answer to start (default 310000).
    var proxyTimeout: Duration
    /// `TRUSTED_PROXY_HOPS`: load balancers or ingress proxies in front of the gateway that append
    /// the client's address to `X-Forwarded-For` (default 0: the TCP peer is the client). Rate
    /// limits per client address use that address.
    var trustedProxyHops: Int
    /// `PUBLIC_CACHE_MAX_AGE_SECONDS`: how long clients may cache public content (`Cache-Control`),
    /// and the longest a gateway keeps a public answer it was not told changed (default 60; 0 off).
    var publicCacheMaxAge: Int
    /// `MAIL_OUTBOX_LOG`: also print password-reset tokens and the mailing-list confirmation links
    /// the content service sends to the log. Development only.
    var mailOutboxLog: Bool
    /// `CONSOLE_CHART_JS`: Chart.js for the console's charts (default Debian's `libjs-chart.js`,
    /// which `make install` and the image install). Missing, the console still works, without charts.
    var consoleChartJS: String
    /// `SWAGGER_UI_DIR`: the folder with Swagger UI's `swagger-ui-bundle.js` and `swagger-ui.css`
    /// for `/docs` (default `/usr/share/strongbox/swagger-ui`, where the image puts them; `make run`
    /// and the tests use `.data/swagger-ui`, filled by scripts/swagger-ui.sh).
    var swaggerUIDirectory: String

    init(_ environment: Environment) throws(ConfigurationError) {
        host = environment.optional("SERVER_HOST") ?? "127.0.0.1"
        port = try environment.integer("SERVER_PORT", default: 5860, range: 0...65535)
        adminAPIKey = try environment.secret("ADMIN_API_KEY", minimumLength: 32)
        jwtSecret = try environment.secret("JWT_SECRET", minimumLength: 32)
        releaseTicketSecret = try environment.secret("RELEASE_TICKET_SECRET", minimumLength: 32)
        readinessTimeout = try environment.duration(
            "READINESS_TIMEOUT_MS", defaultMilliseconds: 1000, range: 50...30_000)
        maxBodyBytes = try environment.integer("MAX_BODY_BYTES", default: 1_048_576, range: 1024...104_857_600)
        corsOrigins = environment.list("CORS_ALLOWED_ORIGINS")
        rateLimitPerMinute = try environment.integer("RATE_LIMIT_PER_MINUTE", default: 600, range: 0...10_000_000)
        anonymousRateLimitPerMinute = try environment.integer(
            "RATE_LIMIT_ANONYMOUS_PER_MINUTE", default: 120, range: 0...10_000_000)
        accessTokenLifetime = .seconds(
            try environment.integer("ACCESS_TOKEN_TTL_SECONDS", default: 900, range: 30...900))
        refreshTokenLifetime = .seconds(
            try environment.integer("REFRESH_TOKEN_TTL_DAYS", default: 30, range: 1...365) * 86_400)
        passwordResetLifetime = .seconds(
            try environment.integer("PASSWORD_RESET_TTL_MINUTES", default: 60, range: 5...1440) * 60)
        bcryptCost = UInt8(try environment.integer("BCRYPT_COST", default: 12, range: 4...16))
        authCacheLifetime = try environment.duration(
            "KEY_CACHE_TTL_MS", defaultMilliseconds: 10_000, range: 0...300_000)
        trustedProxyHops = try environment.integer("TRUSTED_PROXY_HOPS", default: 0, range: 0...10)
        publicCacheMaxAge = try environment.integer("PUBLIC_CACHE_MAX_AGE_SECONDS", default: 60, range: 0...86_400)
        mailOutboxLog = try environment.boolean("MAIL_OUTBOX_LOG", default: false)
        consoleChartJS = environment.optional("CONSOLE_CHART_JS") ?? "/usr/share/javascript/chart.js/chart.min.js"
        swaggerUIDirectory = environment.optional("SWAGGER_UI_DIR") ?? "/usr/share/strongbox/swagger-ui"
        proxyTimeout = try environment.duration(
            "GATEWAY_PROXY_TIMEOUT_MS", defaultMilliseconds: 310_000, range: 1000...3_600_000)
    }
}
