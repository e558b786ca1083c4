import ServiceKit

/// The usage service's own settings.
struct UsageConfiguration: Sendable {
    init(_ environment: Environment) throws(ConfigurationError) {}
}
