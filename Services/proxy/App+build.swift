import ServiceKit

/// Assembles the proxy service's endpoints; `main` and the tests call it.
func buildProxy(_ configuration: ProxyConfiguration, _ context: ServiceContext) async throws -> ServiceDefinition {
    ServiceDefinition(tenantTables: [])
}
