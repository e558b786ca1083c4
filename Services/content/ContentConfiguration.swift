import ServiceKit

/// The content service's own settings.
struct ContentConfiguration: Sendable {
    init(_ environment: Environment) throws(ConfigurationError) {}
}
