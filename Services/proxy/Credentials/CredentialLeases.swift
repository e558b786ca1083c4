import Contracts
import Foundation
import Logging
import Messaging
import ServiceKit
import ServiceLifecycle

/// Released credentials, kept for a short lease so a warm call needs no vault round trip. Each
/// lease is one audited release; a change or deletion of the credential (announced by the vault
/// on `vault.events.credentials.changed`) drops the lease at once.
struct CredentialLeases: Sendable {
    let nats: NatsConnection
    let leases: InvalidatingCache<CredentialKey, ReleasedCredential>
    let instanceID: String
    let logger: Logger

    init(nats: NatsConnection, lifetime: Duration, instanceID: String, logger: Logger) {
        self.nats = nats
        leases = InvalidatingCache(lifetime: lifetime)
        self.instanceID = instanceID
        self.logger = logger
    }

    /// The credential for (tenant, service, name), from the lease or from the vault, which
    /// releases it for the call `routing` names with the gateway's release `ticket`.
    /// - Throws: 400 when the tenant stores no credential for the service, 503 when the vault is down.
    func credential(tenant: UUID, service: String, name: String, routing: Routing, ticket: String?) async throws
        -> ReleasedCredential
    {
        let key = CredentialKey(tenant: tenant, service: service, name: name)
        let credential = try await leases.value(key) {
            var routing = routing
            routing.callerInstance = instanceID
            var headers = routing.headers
            if let ticket { headers.add(ReleaseTicket.header, ticket) }
            do {
                let reply = try await nats.request(
                    VaultSubjects.resolve,
                    payload: try JSONEncoder().encode(ResolveRequest(service: service, name: name)),
                    headers: headers, timeout: .seconds(5))
                return try JSONDecoder().decode(ReleasedCredential.self, from: Data(reply.payload))
            } catch let error as ServiceError where error.code == .notFound {
                let named = name == "default" ? "" : " named \(name)"
                throw ServiceError.badRequest(
                    "no credential stored for service \(service)\(named); add one with POST /credentials")
            } catch let error as ServiceError where error.code == .forbidden {
                // The gateway's release ticket did not do (RELEASE_TICKET_SECRET differs, or the
                // call outlived it): nothing the client can change.
                logger.error("the vault refused a release", metadata: ["reason": "\(error.message)"])
                throw ServiceError.unavailable("the vault refused to release the credential")
            } catch let error as NatsError where error.code == .noResponders || error.code == .timeout {
                throw ServiceError.unavailable("the vault is unavailable")
            }
        }
        guard let credential else { throw ServiceError.unavailable("the vault returned nothing") }
        return credential
    }

    func drop(_ event: CredentialChanged) {
        leases.evict(CredentialKey(event))
    }
}
