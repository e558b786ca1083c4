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
    /// `READINESS_TIMEOUT_MS`: how long `/readyz` waits for each service (default 1000).
    var readinessTimeout: Duration

    init(_ environment: Environment) throws(ConfigurationError) {
        host = environment.optional("SERVER_HOST") ?? "127.0.0.1"
        port = try environment.integer("SERVER_PORT", default: 5860, range: 0...65535)
        adminAPIKey = try environment.secret("ADMIN_API_KEY", minimumLength: 32)
        jwtSecret = try environment.secret("JWT_SECRET", minimumLength: 32)
        readinessTimeout = try environment.duration(
            "READINESS_TIMEOUT_MS", defaultMilliseconds: 1000, range: 50...30_000)
    }
}
