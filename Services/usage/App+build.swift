import ServiceKit

/// Assembles the usage service's endpoints; `main` and the tests call it.
func buildUsage(_ configuration: UsageConfiguration, _ context: ServiceContext) async throws -> ServiceDefinition {
    ServiceDefinition(tenantTables: [])
}
