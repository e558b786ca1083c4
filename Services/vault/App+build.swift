import ServiceKit

/// Assembles the vault's endpoints; `main` and the tests call it.
func buildVault(_ configuration: VaultConfiguration, _ context: ServiceContext) async throws -> ServiceDefinition {
    ServiceDefinition(metadata: ["keyVersion": String(configuration.currentKeyVersion)], tenantTables: [])
}
