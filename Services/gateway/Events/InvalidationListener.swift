import Foundation
import Logging
import Messaging
import ServiceLifecycle

/// Listens for ``GatewayEvents`` from every gateway instance and evicts cache entries.
struct InvalidationListener: Service {
    let nats: NatsConnection
    let cache: CredentialCache
    let logger: Logger

    func run() async throws {
        let subscription = try nats.subscribe(GatewayEvents.all)
        try await withGracefulShutdownHandler {
            for await message in subscription {
                handle(message)
            }
        } onGracefulShutdown: {
            try? subscription.unsubscribe()
        }
    }

    private func handle(_ message: NatsMessage) {
        let decoder = JSONDecoder()
        switch message.subject {
        case GatewayEvents.keysRevoked:
            if let event = try? decoder.decode(GatewayEvents.KeysRevoked.self, from: Data(message.payload)) {
                cache.evictKeys(event.keyIds)
            }
        case GatewayEvents.tenantChanged:
            if let event = try? decoder.decode(GatewayEvents.TenantChanged.self, from: Data(message.payload)) {
                cache.evictTenant(event.tenantId)
            }
        default:
            logger.debug("ignored gateway event", metadata: ["nats.subject": "\(message.subject)"])
        }
    }
}
