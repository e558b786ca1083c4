import Contracts
import Foundation
import Logging
import Messaging
import ServiceKit

/// `vault.credentials.resolve`: the plaintext key for the proxy (only its NATS user may ask).
/// Every release is audited on the JetStream stream `AUDIT` before the key leaves; no audit
/// record, no key.
struct ReleaseHandler: Sendable {
    let repository: CredentialRepository
    let cipher: CredentialCipher
    let cache: CiphertextCache
    let audit: AuditLog
    let logger: Logger

    var endpoint: MicroService.Endpoint {
        .request(
            "credentials.resolve", subject: VaultSubjects.resolve, queueGroup: Subjects.queueGroup(.vault),
            maxConcurrency: 256, resolve)
    }

    @Sendable func resolve(_ request: NatsMessage) async throws -> Reply {
        let tenant = try request.tenantID()
        let ask = try request.decodeMessage(ResolveRequest.self)
        let key = CiphertextCache.Key(tenant: tenant, service: ask.service, name: ask.name ?? "default")
        guard
            let credential = try await cache.entries.value(
                key, load: { try await repository.find(tenant: tenant, service: key.service, name: key.name) })
        else {
            throw ServiceError.notFound("no credential stored for service \(key.service) (name \(key.name))")
        }
        let plaintext: String
        do {
            plaintext = try cipher.open(
                credential.ciphertext, tenant: tenant, credential: credential.id, service: credential.service)
        } catch {
            logger.error(
                "a stored credential does not decrypt",
                metadata: ["tenant.id": "\(tenant)", "credential.id": "\(credential.id)", "reason": "\(error)"])
            throw ServiceError(code: 500, message: "credential \(credential.id) cannot be decrypted: \(error)")
        }
        try await audit(credential, request)
        return try .json(
            ReleasedCredential(
                id: credential.id, service: credential.service, name: credential.name, key: plaintext,
                meta: credential.meta, keyVersion: credential.keyVersion))
    }

    private func audit(_ credential: StoredCredential, _ request: NatsMessage) async throws {
        let principal = request.headers[RoutingHeaders.principalKind].map { kind in
            request.headers[RoutingHeaders.principalID].map { "\(kind):\($0)" } ?? kind
        }
        let record = CredentialReleased(
            id: UUID.v7(), tenantId: credential.tenant, credentialId: credential.id, service: credential.service,
            name: credential.name, keyVersion: credential.keyVersion,
            requestId: request.headers[RoutingHeaders.requestID],
            caller: "proxy" + (request.headers[RoutingHeaders.callerInstance].map { "/\($0)" } ?? ""),
            principal: principal, at: Date())
        do {
            try await audit.record(record)
        } catch {
            throw ServiceError.unavailable("the audit log is unavailable, so the credential is not released")
        }
    }
}
