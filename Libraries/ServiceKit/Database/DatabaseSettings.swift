import Foundation
import PostgresNIO

/// Where PostgreSQL is, from `DATABASE_URL` (`postgres://user:password@host:port/database?sslmode=...`).
public struct DatabaseSettings: Sendable {
    public var configuration: PostgresClient.Configuration
    /// How long a starting service waits for the database (`DATABASE_STARTUP_TIMEOUT_MS`, default 30 s).
    public var startupTimeout: Duration

    public static func from(_ environment: Environment) throws(ConfigurationError) -> DatabaseSettings {
        let text = try environment.required("DATABASE_URL")
        guard let url = URLComponents(string: text), let scheme = url.scheme,
            ["postgres", "postgresql"].contains(scheme), let host = url.host, !host.isEmpty
        else {
            throw ConfigurationError("DATABASE_URL", "must look like postgres://user:password@host:5432/database")
        }
        let database = String(url.path.dropFirst())
        guard !database.isEmpty else { throw ConfigurationError("DATABASE_URL", "must name a database") }
        let mode = url.queryItems?.first { $0.name == "sslmode" }?.value ?? "disable"
        let tls: PostgresClient.Configuration.TLS
        switch mode {
        case "disable": tls = .disable
        case "prefer", "allow": tls = .prefer(.makeClientConfiguration())
        case "require", "verify-ca", "verify-full": tls = .require(.makeClientConfiguration())
        default: throw ConfigurationError("DATABASE_URL", "has an unknown sslmode \"\(mode)\"")
        }
        var configuration = PostgresClient.Configuration(
            host: host, port: url.port ?? 5432, username: url.user?.removingPercentEncoding ?? "postgres",
            password: url.password?.removingPercentEncoding, database: database, tls: tls)
        configuration.options.maximumConnections = try environment.integer(
            "DATABASE_POOL_SIZE", default: 10, range: 1...500)
        configuration.options.connectTimeout = .seconds(5)
        // No keep-alive queries: with them, PostgresNIO 1.33's pool now and then never finishes
        // closing (measured: a cancelled pool hung in several of 400 with keep-alives, in none
        // of 4,800 without; docs/operations.md, "Stopping and restarting"). They add little here:
        // the pool closes a connection idle for a minute anyway (a dead one is found on its next
        // use, which fails like any lost connection).
        configuration.options.keepAliveBehavior = nil
        let startupTimeout = try environment.duration(
            "DATABASE_STARTUP_TIMEOUT_MS", defaultMilliseconds: 30_000, range: 0...600_000)
        return DatabaseSettings(configuration: configuration, startupTimeout: startupTimeout)
    }
}
