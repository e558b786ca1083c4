import Contracts
import Foundation
import Logging
import Messaging

/// Tells the gateways that something their public routes serve changed, so they drop what they
/// cached for the tenant (core NATS: a gateway that misses one still expires its cache).
struct ContentEventPublisher: Sendable {
    let nats: NatsConnection
    let logger: Logger

    func publicChanged(_ tenant: UUID) {
        do {
            try nats.publish(
                ContentEvents.publicChanged, payload: try JSONEncoder().encode(PublicContentChanged(tenantId: tenant)))
        } catch {
            logger.warning("could not announce a public content change", metadata: ["error": "\(error)"])
        }
    }
}
