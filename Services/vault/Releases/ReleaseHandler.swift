import Contracts
import Foundation
import Logging
import Messaging
import ServiceKit

/// `vault.credentials.resolve`: the plaintext key for the proxy (only its NATS user may ask), for
/// a call the gateway vouches for with a release ticket (docs/vault.md). Every release is audited
/// on the JetStream stream `AUDIT` before the key leaves; no audit record, no key.
struct ReleaseHandler: Sendable {
    let repository: CredentialRepository
    let cipher: CredentialCipher
    let cache: CiphertextCache
    let tickets: ReleaseTicketKeys
    let audit: AuditLog
    let logger: Logger

    var endpoint: MicroService.Endpoint {
        .request(
            "credentials.resolve", subject: VaultSubjects.resolve, queueGroup: Subjects.queueGroup(.vault),
            maxConcurrency: 256, resolve)
    }

    @Sendable func resolve(_ request: NatsMessage) async throws -> Reply {
        let routing = try request.routing()
        let tenant = try routing.requireTenant()
        let ask = try request.decodeMessage(ResolveRequest.self)
        let key = CredentialKey(tenant: tenant, service: ask.service, name: ask.name ?? "default")
        try checkTicket(request, routing: routing, for: key)
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
            throw ServiceError(.internalError, "credential \(credential.id) cannot be decrypted", underlying: error)
        }
        try await audit(credential, routing)
        return try .json(
            ReleasedCredential(
                id: credential.id, service: credential.service, name: credential.name, key: plaintext,
                meta: credential.meta, keyVersion: credential.keyVersion))
    }

    /// A release needs the gateway's ticket for this tenant, call and credential (403 otherwise).
    private func checkTicket(_ request: NatsMessage, routing: Routing, for key: CredentialKey) throws {
        let refusal: String?
        switch request.headers[ReleaseTicket.header].map({ tickets.verify($0) }) {
        case nil:
            refusal = "no release ticket"
        case .failure(let rejection)?:
            refusal = "the release ticket \(rejection.rawValue)"
        case .success(let ticket)?:
            if ticket.tenant != key.tenant {
                refusal = "the release ticket is for another tenant"
            } else if ticket.requestID != routing.requestID {
                refusal = "the release ticket is for another request"
            } else if !ticket.allows(service: key.service, name: key.name) {
                refusal = "the release ticket is for another credential"
            } else {
                refusal = nil
            }
        }
        guard let refusal else { return }
        logger.error(
            "release refused: \(refusal)",
            metadata: [
                "tenant.id": "\(key.tenant)", "service": "\(key.service)",
                "request.id": "\(routing.requestID)",
            ])
        throw ServiceError.forbidden("release refused: \(refusal)")
    }

    private func audit(_ credential: StoredCredential, _ routing: Routing) async throws {
        let record = CredentialReleased(
            id: UUID.v7(), tenantId: credential.tenant, credentialId: credential.id, service: credential.service,
            name: credential.name, keyVersion: credential.keyVersion,
            requestId: routing.requestID.isEmpty ? nil : routing.requestID,
            caller: "proxy" + (routing.callerInstance.map { "/\($0)" } ?? ""),
            principal: routing.caller.auditName, at: Date())
        do {
            try await audit.record(record)
        } catch {
            throw ServiceError.unavailable("the audit log is unavailable, so the credential is not released")
        }
    }
}
