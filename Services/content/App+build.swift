import ServiceKit

/// Assembles the content service's endpoints; `main` and the tests call it.
func buildContent(_ configuration: ContentConfiguration, _ context: ServiceContext) async throws -> ServiceDefinition {
    ServiceDefinition(tenantTables: [])
}
