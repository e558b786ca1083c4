import ServiceKit

/// The proxy service's own settings.
struct ProxyConfiguration: Sendable {
    init(_ environment: Environment) throws(ConfigurationError) {}
}
