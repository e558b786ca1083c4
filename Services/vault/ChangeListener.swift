import Contracts
import Foundation
import Logging
import Messaging
import ServiceLifecycle

/// Drops cached ciphertexts when any vault instance announces a credential change.
struct ChangeListener: Service {
    let nats: NatsConnection
    let cache: CiphertextCache
    let logger: Logger

    func run() async throws {
        let subscription = try nats.subscribe(VaultSubjects.credentialChanged)
        await withGracefulShutdownHandler {
            for await message in subscription {
                guard let event = try? JSONDecoder().decode(CredentialChanged.self, from: Data(message.payload)) else {
                    continue
                }
                cache.evict(.init(tenant: event.tenantId, service: event.service, name: event.name))
            }
        } onGracefulShutdown: {
            try? subscription.unsubscribe()
        }
    }
}
