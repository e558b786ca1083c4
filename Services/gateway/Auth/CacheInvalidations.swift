import Contracts
import Foundation
import Logging
import Messaging
import ServiceKit

/// What evicts the gateway's cache entries: ``GatewayEvents`` from every gateway instance and
/// the content service's public-content changes, heard by a ``SubjectListener``.
struct CacheInvalidations: Sendable {
    static let subjects = [GatewayEvents.all, ContentEvents.publicChanged]

    let cache: AuthCache
    let publicResponses: PublicResponseCache
    let logger: Logger

    /// The listener every gateway instance runs.
    func listener(nats: NatsConnection) -> SubjectListener {
        SubjectListener(nats: nats, subjects: Self.subjects, handle: handle)
    }

    @Sendable func handle(_ message: NatsMessage) {
        let decoder = JSONDecoder()
        switch message.subject {
        case GatewayEvents.keysRevoked:
            if let event = try? decoder.decode(GatewayEvents.KeysRevoked.self, from: Data(message.payload)) {
                cache.evictKeys(event.keyIds)
            }
        case GatewayEvents.sessionsEnded:
            if let event = try? decoder.decode(GatewayEvents.SessionsEnded.self, from: Data(message.payload)) {
                cache.evictSessions(user: event.userId)
            }
        case GatewayEvents.tenantChanged:
            if let event = try? decoder.decode(GatewayEvents.TenantChanged.self, from: Data(message.payload)) {
                cache.evictTenant(event.tenantId)
                publicResponses.evictTenant(event.tenantId)
            }
        case ContentEvents.publicChanged:
            if let event = try? decoder.decode(PublicContentChanged.self, from: Data(message.payload)) {
                publicResponses.evictTenant(event.tenantId)
            }
        default:
            logger.debug("ignored gateway event", metadata: ["nats.subject": "\(message.subject)"])
        }
    }
}
