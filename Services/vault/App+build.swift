import Contracts
import Messaging
import ServiceKit

/// Assembles the vault: checks the master keys against the stored key checks (refusing to start
/// with a wrong one), then serves the credential, release and admin endpoints.
func buildVault(_ configuration: VaultConfiguration, _ context: ServiceContext) async throws -> ServiceDefinition {
    let cipher = CredentialCipher(masterKeys: configuration.masterKeys, currentVersion: configuration.currentKeyVersion)
    try await KeyChecks(client: context.database, logger: context.logger).verify(cipher)
    try await context.nats.jetStream.ensureOwnStream(AuditLog.stream, logger: context.logger)

    let repository = CredentialRepository(client: context.database, logger: context.logger)
    let cache = CiphertextCache(lifetime: configuration.cacheLifetime)
    let jobs = RewrapJobs(
        client: context.database, cipher: cipher, logger: context.logger, batchSize: configuration.rewrapBatchSize)
    let credentials = CredentialHandlers(
        repository: repository, cipher: cipher, rules: CredentialRules(baseURLs: configuration.baseURLs), cache: cache,
        nats: context.nats, logger: context.logger)
    let release = ReleaseHandler(
        repository: repository, cipher: cipher, cache: cache, tickets: configuration.releaseTickets,
        audit: AuditLog(jetStream: context.nats.jetStream, logger: context.logger), logger: context.logger)
    let admin = AdminHandlers(repository: repository, jobs: jobs, cipher: cipher)

    return ServiceDefinition(
        endpoints: credentials.endpoints + [release.endpoint] + admin.endpoints,
        services: [
            // Any vault instance's change drops the cached ciphertext on every instance.
            SubjectListener.events(CredentialChanged.self, on: VaultSubjects.credentialChanged, nats: context.nats) {
                cache.evict(CredentialKey($0))
            },
            RewrapWorker(jobs: jobs, pollInterval: configuration.rewrapPollInterval, logger: context.logger),
        ],
        metadata: ["keyVersion": String(configuration.currentKeyVersion)],
        tenantTables: ["vault.credentials"])
}
