import Contracts
import ServiceKit

/// The proxy's own settings.
struct ProxyConfiguration: Sendable {
    /// `PROXY_ALLOWED_BASE_URLS`: checked again at call time (the list may have shrunk since a credential was stored).
    let baseURLs: BaseURLPolicy
    /// `PROXY_LEASE_SECONDS`: how long a released credential is reused (default 30; 0: every call asks the vault).
    let leaseLifetime: Duration
    /// `PROXY_CONNECT_TIMEOUT_MS` (default 5000).
    let connectTimeout: Duration
    /// `PROXY_READ_TIMEOUT_MS`: the longest silence from the provider (default 120000).
    let readTimeout: Duration
    /// `PROXY_TIMEOUT_MS`: the longest a non-streaming call may take (default 300000).
    let requestTimeout: Duration
    /// `PROXY_MAX_RETRIES`: retries of a non-streaming call after a connection failure, 429 or 5xx (default 2).
    let maxRetries: Int
    /// `PROXY_RETRY_BASE_MS`: the first retry's delay, doubled each time (default 250).
    let retryBase: Duration
    /// `PROXY_MODELS_CACHE_SECONDS`: how long a provider's model list is kept (default 600).
    let modelsCacheLifetime: Duration
    /// `PROXY_LIMIT_RULES_SECONDS`: how long a tenant's limits are kept between reads; a change
    /// drops them at once (default 60).
    let limitRulesLifetime: Duration
    /// `PROXY_ROUTES_SECONDS`: how long a tenant's routes are kept between reads; a change drops
    /// them at once (default 60).
    let routesLifetime: Duration
    /// `PROXY_USAGE_LINGER_MS`: how long the usage events of a batch that is not full wait for
    /// more before they are published (default 10; 0: at once). Publishing an event per call cost
    /// the next call 0.2 ms at one connection (docs/benchmarks.md).
    let usageLinger: Duration

    init(_ environment: Environment) throws(ConfigurationError) {
        do {
            baseURLs = try BaseURLPolicy(allowList: environment.list("PROXY_ALLOWED_BASE_URLS"))
        } catch {
            throw ConfigurationError("PROXY_ALLOWED_BASE_URLS", "has \(error)")
        }
        leaseLifetime = .seconds(try environment.integer("PROXY_LEASE_SECONDS", default: 30, range: 0...3600))
        connectTimeout = try environment.duration(
            "PROXY_CONNECT_TIMEOUT_MS", defaultMilliseconds: 5000, range: 100...60_000)
        readTimeout = try environment.duration(
            "PROXY_READ_TIMEOUT_MS", defaultMilliseconds: 120_000, range: 100...3_600_000)
        requestTimeout = try environment.duration(
            "PROXY_TIMEOUT_MS", defaultMilliseconds: 300_000, range: 100...3_600_000)
        maxRetries = try environment.integer("PROXY_MAX_RETRIES", default: 2, range: 0...10)
        retryBase = try environment.duration("PROXY_RETRY_BASE_MS", defaultMilliseconds: 250, range: 1...60_000)
        modelsCacheLifetime = .seconds(
            try environment.integer("PROXY_MODELS_CACHE_SECONDS", default: 600, range: 0...86_400))
        limitRulesLifetime = .seconds(
            try environment.integer("PROXY_LIMIT_RULES_SECONDS", default: 60, range: 1...86_400))
        routesLifetime = .seconds(try environment.integer("PROXY_ROUTES_SECONDS", default: 60, range: 1...86_400))
        usageLinger = try environment.duration("PROXY_USAGE_LINGER_MS", defaultMilliseconds: 10, range: 0...1000)
    }
}
