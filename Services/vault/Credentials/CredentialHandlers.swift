import Contracts
import Foundation
import Logging
import Messaging
import ServiceKit

/// The credential endpoints the gateway's `/credentials` routes call.
struct CredentialHandlers: Sendable {
    let repository: CredentialRepository
    let cipher: CredentialCipher
    let rules: CredentialRules
    let cache: CiphertextCache
    let nats: NatsConnection
    let logger: Logger

    var endpoints: [MicroService.Endpoint] {
        let group = Subjects.queueGroup(.vault)
        return [
            .request("credentials.create", subject: VaultSubjects.create, queueGroup: group, create),
            .request("credentials.list", subject: VaultSubjects.list, queueGroup: group, list),
            .request("credentials.get", subject: VaultSubjects.get, queueGroup: group, get),
            .request("credentials.update", subject: VaultSubjects.update, queueGroup: group, update),
            .request("credentials.delete", subject: VaultSubjects.delete, queueGroup: group, delete),
        ]
    }

    @Sendable func create(_ request: NatsMessage) async throws -> Reply {
        let tenant = try request.tenantID()
        let body = try request.decode(CreateCredential.self)
        let provider = try rules.provider(body.service)
        let name = try rules.name(body.name)
        let key = try rules.key(body.key, for: provider)
        let meta = try rules.meta(body.meta, synonym: body.metadata, for: provider) ?? [:]
        if provider.facts.requiresBaseURL && meta["baseUrl"] == nil {
            throw ServiceError.unprocessable("`meta.baseUrl` is required for \(provider.service)")
        }
        let cipher = cipher
        let service = provider.service
        let upsert = {
            try await repository.upsert(
                tenant: tenant, service: service, name: name, preview: StoredCredential.preview(of: key), meta: meta
            ) { id in try cipher.seal(key, tenant: tenant, credential: id, service: service) }
        }
        // Two creates of the same (service, name) at once: the loser finds the winner's row.
        let (credential, created) =
            if let first = try? await upsert() { first } else { try await upsert() }
        changed(credential)
        logger.info(
            created ? "credential stored" : "credential replaced",
            metadata: ["tenant.id": "\(tenant)", "credential.id": "\(credential.id)", "service": "\(service)"])
        return try .json(credential.view)
    }

    @Sendable func list(_ request: NatsMessage) async throws -> Reply {
        let tenant = try request.tenantID()
        let page = try request.decodeMessage(CredentialListRequest.self)
        let limit = min(max(page.limit, 1), 200)
        let rows = try await repository.list(tenant: tenant, service: page.service, after: page.after, limit: limit + 1)
        let items: [CredentialView] = rows.prefix(limit).map { $0.view }
        let next: UUID? = rows.count > limit ? items.last?.id : nil
        return try .json(CredentialPage(items: items, next: next))
    }

    @Sendable func get(_ request: NatsMessage) async throws -> Reply {
        guard let credential = try await repository.get(try request.resourceID(), tenant: try request.tenantID()) else {
            throw ServiceError.notFound("no such credential")
        }
        return try .json(credential.view)
    }

    @Sendable func update(_ request: NatsMessage) async throws -> Reply {
        let tenant = try request.tenantID()
        let id = try request.resourceID()
        let body = try request.decode(UpdateCredential.self)
        guard let existing = try await repository.get(id, tenant: tenant) else {
            throw ServiceError.notFound("no such credential")
        }
        let provider = try rules.provider(existing.service)
        let key = try body.key.map { try rules.key($0, for: provider) }
        let meta = try rules.meta(body.meta, synonym: body.metadata, for: provider).map(existing.unmasking)
        guard key != nil || meta != nil else { throw ServiceError.badRequest("send `key`, `meta` or both") }
        // Where the key goes and what goes with it: a stolen admin key must not be able to send a
        // stored provider key to another (allow-listed) host without knowing it.
        if key == nil, let meta,
            meta["baseUrl"] != existing.meta["baseUrl"] || meta["headers"] != existing.meta["headers"]
        {
            throw ServiceError.unprocessable(
                "`key` is required to change `meta.baseUrl` or `meta.headers`: send the provider key again with them")
        }
        let cipher = cipher
        var seal: (@Sendable (StoredCredential) throws -> [UInt8])?
        if let key {
            seal = { row in try cipher.seal(key, tenant: row.tenant, credential: row.id, service: row.service) }
        }
        guard
            let credential = try await repository.update(
                id, tenant: tenant, preview: key.map(StoredCredential.preview(of:)), meta: meta, seal: seal)
        else {
            throw ServiceError.notFound("no such credential")
        }
        changed(credential)
        return try .json(credential.view)
    }

    @Sendable func delete(_ request: NatsMessage) async throws -> Reply {
        guard let credential = try await repository.delete(try request.resourceID(), tenant: try request.tenantID())
        else {
            throw ServiceError.notFound("no such credential")
        }
        changed(credential)
        logger.info(
            "credential deleted", metadata: ["tenant.id": "\(credential.tenant)", "credential.id": "\(credential.id)"])
        return Reply()
    }

    /// Drops the cached ciphertext here and tells other vault instances and the proxies.
    private func changed(_ credential: StoredCredential) {
        cache.evict(.init(tenant: credential.tenant, service: credential.service, name: credential.name))
        let event = CredentialChanged(
            tenantId: credential.tenant, credentialId: credential.id, service: credential.service, name: credential.name
        )
        do {
            try nats.publish(VaultSubjects.credentialChanged, payload: try JSONEncoder().encode(event))
        } catch {
            logger.warning("could not announce a credential change", metadata: ["error": "\(error)"])
        }
    }
}
